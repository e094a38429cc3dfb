"""Planning notifications on the real servers: a ballot and a dependency request reach the right people
by email, once, even when the same event is stored twice on the stream."""

from datetime import timedelta

import pytest
from terrain_contracts import streams
from terrain_contracts.events.ballot import BallotCandidate, BallotOpened, BallotOpenedData
from terrain_contracts.headers import MSG_ID
from terrain_dev.probes import consumer_settled
from terrain_dev.testing import publish
from terrain_dev.waiting import eventually

from .conftest import at_least, feed, no_pending, value
from .factories import NOW, org_teams, requested
from .receivers import text_of

pytestmark = pytest.mark.integration

DIRECTORS = ("dir-pia@example.com", "dir-dan@example.com", "dir-eve@example.com")


def ballot_opened() -> BallotOpened:
    data = BallotOpenedData(
        ballot_id="bal-1",
        quarter="2027-Q1",
        opens_at=NOW,
        closes_at=NOW + timedelta(days=2),
        quorum=2,
        candidates=[BallotCandidate(initiative_id="ini-a", title="Exports", owner_team_id="squad-a")],
        opened_by="ops-olga",
    )
    return BallotOpened.create(data, source="initiatives")


async def test_directors_hear_of_the_ballot_and_the_asked_team_of_the_request_once_each(
    notifier, jetstream, smtp_receiver
):
    await feed(jetstream, *org_teams())
    opened = ballot_opened()

    await publish(jetstream, opened, requested())
    # The same ballot event stored a second time (another Nats-Msg-Id): the consumer sees it again.
    await jetstream.publish(
        opened.subject, opened.to_json(), stream=streams.INITIATIVES, headers={MSG_ID: "again"}
    )

    await eventually(lambda: at_least(value(smtp_receiver.all()), 5), what="five emails", timeout=20)
    for durable in ("notifier-ballots", "notifier-planning"):
        await eventually(lambda d=durable: consumer_settled(jetstream, streams.INITIATIVES, d), what=durable)
    await eventually(lambda: no_pending(notifier), what="nothing left to send")
    assert sorted(m["X-Envelope-To"] for m in smtp_receiver.all()) == sorted(
        [*DIRECTORS, "pm-bob@example.com", "dir-pia@example.com"]
    )
    [dan] = smtp_receiver.to("dir-dan@example.com")
    assert dan["Subject"] == "Vote open: 2027-Q1 candidates, until 2026-11-22T10:00+00:00"
    assert "director (design) in Tribe (tribe): directors vote 1-3" in text_of(dan)
    [bob] = smtp_receiver.to("pm-bob@example.com")
    assert "answer by 2026-11-27" in text_of(bob)
