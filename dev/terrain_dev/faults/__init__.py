"""The fault suite (issue 8): real processes on loopback, faults injected under a steady load, and every
acknowledged event followed to its effects to show that nothing is lost and nothing is doubled.

    python -m terrain_dev.faults                       # every scenario; rewrites the table in docs/faults.md
    python -m terrain_dev.faults --short --scenario replica-kill

Modules: ``cluster`` (a NATS cluster of nats-server processes), ``system`` (the cluster, the Mongo-wire
server, service replicas and the webhook receiver), ``load`` (the producer and its ledger),
``counters`` (effects per event), ``runner`` (one scenario), ``scenarios``, ``report``.
"""
