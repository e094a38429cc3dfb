"""NATS header names that are part of publishing correctly."""

# JetStream stores a message once per id within the stream's duplicate window: set it to str(event.id).
MSG_ID = "Nats-Msg-Id"
# On a replayed dead letter: only the named durable consumer processes it, the others skip it.
REPLAY_FOR = "Terrain-Replay-For"
