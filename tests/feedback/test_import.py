"""The bulk import command against the running service: every good row stored once, every bad row reported."""

import asyncio
import csv
import io
import json

import pytest
from terrain_contracts import streams
from terrain_contracts.events.feedback import FeedbackIngested
from terrain_dev.probes import consumer_settled
from terrain_dev.waiting import eventually
from terrain_feedback.cli.importer import Options, import_file
from terrain_feedback.domain.mapping import Mapping

pytestmark = pytest.mark.integration

MAPPING = Mapping.of(
    {
        "columns": {
            "external_id": "Ticket",
            "text": "Body",
            "reporter.name": "Agent",
            "reporter.email": "Agent email",
            "customer.domain": "Company domain",
            "occurred_at": "Created",
            "tags": "Tags",
            "rating": "Rating",
        },
        "constants": {"source": "zendesk", "kind": "field", "reporter.role": "support_agent"},
    }
)
HEADER = ["Ticket", "Body", "Agent", "Agent email", "Company domain", "Created", "Tags", "Rating"]
TOPICS = [
    "exports time out",
    "dark mode on mobile",
    "SAML single sign-on",
    "purchase order on invoices",
    "audit log of permission changes",
    "bulk edit of projects",
    "Slack alerts",
    "API rate limits",
]
# Ways a row can be wrong, and the field the report must name.
BAD = [
    (lambda r: r.update(Body="   "), "text"),
    (lambda r: r.update({"Agent email": "sam-at-ourcompany"}), "reporter.email"),
    (lambda r: r.update(Created="last tuesday"), "occurred_at"),
    (lambda r: r.update(Rating="11"), "rating"),
    (lambda r: r.update(Ticket=""), "external_id"),
]


def write_export(path, rows: int, bad_every: int) -> dict[int, str]:
    """A Zendesk-like export; returns the line number and expected field of every bad row."""
    bad: dict[int, str] = {}
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, HEADER, lineterminator="\n")
    writer.writeheader()
    line = 2
    for n in range(rows):
        multiline = n % 997 == 0
        row = {
            "Ticket": f"ZD-{n}",
            "Body": f"Customer {n % 50} asks about {TOPICS[n % len(TOPICS)]} (case {n})"
            + ("\nSecond paragraph." if multiline else ""),
            "Agent": "Ana Lopez",
            "Agent email": "ana@ourcompany.com",
            "Company domain": f"cust{n % 50}.com",
            "Created": f"2026-10-{1 + n % 28:02d}T10:{n % 60:02d}:00Z",
            "Tags": "import; csv",
            "Rating": "4",
        }
        if n % bad_every == bad_every - 1:
            breaker, field = BAD[(n // bad_every) % len(BAD)]
            breaker(row)
            bad[line] = field
        writer.writerow(row)
        line += 2 if multiline else 1
    path.write_text(buffer.getvalue())
    return bad


async def settled(jetstream) -> bool:
    return await consumer_settled(jetstream, streams.FEEDBACK, "feedback-intake")


async def stored(feedback) -> int:
    return await feedback.db["feedback"].count_documents({})


async def ingested_count(jetstream) -> int:
    info = await jetstream.stream_info(streams.FEEDBACK, subjects_filter=FeedbackIngested.subject)
    return sum((info.state.subjects or {}).values())


async def test_ten_thousand_rows_with_one_percent_bad_store_every_good_row_once(
    feedback, jetstream, nats_server, tmp_path
):
    export = tmp_path / "export.csv"
    bad = write_export(export, 10_000, bad_every=100)
    options = Options(
        path=export,
        mapping=MAPPING,
        nats_url=nats_server.url,
        checkpoint=tmp_path / "export.checkpoint.json",
        progress=False,
    )

    summary = await import_file(options, out=io.StringIO())

    assert (summary.published, summary.rejected) == (9_900, 100)
    reported = {r["line"]: r["errors"] for r in summary.rejections}
    assert set(reported) == set(bad)
    assert all(any(e.startswith(f"{bad[line]}:") for e in errors) for line, errors in reported.items())
    await eventually(
        lambda: _equals(stored(feedback), 9_900), timeout=240, interval=1.0, what="every good row stored"
    )
    item = await feedback.db["feedback"].find_one({"external_id": "ZD-0"})
    assert (
        item["channel"] == "import"
        and item["text"] == "Customer 0 asks about exports time out (case 0)\nSecond paragraph."
    )

    again = await import_file(Options(**{**options.__dict__, "restart": True}), out=io.StringIO())

    assert again.published == 9_900
    await eventually(lambda: settled(jetstream), timeout=240, interval=0.5, what="re-run handled")
    await feedback.service.relay.flush()
    assert await stored(feedback) == 9_900
    assert await ingested_count(jetstream) == 9_900


async def _equals(value, expected):
    return (await value) == expected


async def test_an_interrupted_import_resumes_after_its_checkpoint(feedback, jetstream, nats_server, tmp_path):
    export = tmp_path / "export.csv"
    write_export(export, 1_500, bad_every=10_000)
    checkpoint = tmp_path / "export.checkpoint.json"
    options = Options(
        path=export, mapping=MAPPING, nats_url=nats_server.url, checkpoint=checkpoint, progress=False
    )
    first = asyncio.create_task(import_file(options, out=io.StringIO()))
    await eventually(lambda: _checkpoint_past(checkpoint, 500), what="a checkpoint mid-file")
    first.cancel()  # Ctrl-C
    with pytest.raises(asyncio.CancelledError):
        await first

    resumed = await import_file(options, out=io.StringIO())

    assert resumed.skipped >= 500 and resumed.published + resumed.skipped == 1_500
    await eventually(
        lambda: _equals(stored(feedback), 1_500), timeout=120, interval=1.0, what="every row stored"
    )
    assert json.loads(checkpoint.read_text())["done"] is True


async def _checkpoint_past(checkpoint, line: int) -> bool:
    return checkpoint.exists() and json.loads(checkpoint.read_text())["line"] > line
