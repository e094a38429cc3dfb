"""The poison scenario of the fault suite: payloads no handler can take, mixed into the load, and what
must become of them (dead letters with the reason, refusals recorded, the rest of the load unharmed)."""

import json
import os

from terrain_contracts import streams, subjects
from terrain_kit.faults import POISON_HEADER

from ..probes import dead_letters, stored_messages
from .counters import percentile
from .load import submission
from .runner import Run

MAX_ATTEMPTS = 5  # the kit's default consumer.max_attempts, which the services keep
POISON = 4  # valid submissions marked for the consumer.poison fault point: the handler fails every time


def bad_payloads(run_id: str) -> list[tuple[str, bytes]]:
    """Malformed submissions: each must be refused at once (one attempt), with its reason."""
    good = json.loads(submission(run_id, 0).to_json())

    def variant(change) -> bytes:
        doc = json.loads(json.dumps(good))
        change(doc)
        return json.dumps(doc).encode()

    return [
        ("not JSON", b"<xml>not json</xml>"),
        ("a JSON array", b'["feedback"]'),
        ("no text", variant(lambda d: d["data"].pop("text"))),
        ("naive datetime", variant(lambda d: d["data"].update(occurred_at="2026-01-01T10:00:00"))),
        ("unknown kind", variant(lambda d: d["data"].update(kind="rumour"))),
        # A JavaScript producer that cuts a string in the middle of an emoji sends half a surrogate pair.
        ("text cut mid-emoji", json.dumps(good).replace('"text": "', '"text": "\\ud83d cut: ', 1).encode()),
        # A compressed body sent without saying so: large and binary.
        ("800 kB of binary", os.urandom(800_000)),
        # Within the stream's 1 MB, but its dead letter would hold it escaped again: twice as large.
        ("1 MB of quotes", json.dumps({"data": {"text": '"' * 499_000}}).encode()),
    ]


async def mix_in_poison(run: Run) -> None:
    total = run.figures["planned_seconds"]
    malformed = bad_payloads(run.load.run)
    bad: list[tuple[bytes | None, dict | None]] = [(payload, None) for _, payload in malformed]
    bad += [(None, {POISON_HEADER: "poison"})] * POISON
    bad = bad[::2] + bad[1::2]  # poison and malformed interleaved
    start, end = 0.4 * total, 0.9 * total
    run.figures["poison_from"] = run.started + start
    for k, (payload, headers) in enumerate(bad):
        await run.at(start + (end - start) * k / len(bad))
        index = 100_000 + k  # outside the healthy events' range
        await run.load.publish(
            run.js, index, submission(run.load.run, index), payload=payload, headers=headers
        )
    run.notes.append(
        f"{len(malformed)} malformed ({', '.join(what for what, _ in malformed)}) and {POISON} "
        f"poison submissions spread over 40-90% of the load"
    )


async def poison_checks(run: Run) -> None:
    letters = [d for d in await dead_letters(run.js) if d.consumer == "feedback-intake"]
    malformed = [d for d in letters if d.error_type == "InvalidMessage"]
    poison = [d for d in letters if d.error_type == "PoisonInjected"]
    expected = len(bad_payloads(run.load.run))
    run.check(
        f"{expected} malformed submissions: one dead letter each, after 1 attempt ({len(malformed)})",
        len(malformed) == expected and all(d.attempts == 1 for d in malformed),
    )
    run.check(
        f"{POISON} poison submissions: one dead letter each, after {MAX_ATTEMPTS} attempts ({len(poison)})",
        len(poison) == POISON and all(d.attempts == MAX_ATTEMPTS for d in poison),
    )
    run.check("no other dead letter", len(letters) == expected + POISON)
    run.check("every dead letter carries its reason", all(d.reason.strip() for d in letters))
    rejected = await stored_messages(run.js, streams.FEEDBACK, subjects.FEEDBACK_REJECTED)
    run.check(f"one feedback.rejected per malformed submission ({len(rejected)})", len(rejected) == expected)
    reasons = sorted({d.reason[:70] for d in malformed})
    run.notes.append("reasons: " + "; ".join(reasons))
    cut = [d for d in malformed if d.payload_truncated]
    run.notes.append(f"{len(cut)} dead letters hold only the start of a payload too large to keep whole")
    before = _window_latencies(run, None, run.figures["poison_from"])
    during = _window_latencies(run, run.figures["poison_from"], None)
    p95_before, p95_during = percentile(before, 0.95), percentile(during, 0.95)
    run.figures["healthy_p95_before"] = p95_before or 0.0
    run.figures["healthy_p95_during"] = p95_during or 0.0
    bound = 2 * (p95_before or 0.0) + 1.0
    verdict = (
        f"healthy p95 once bad events flow {p95_during or 0:.2f}s ({len(during)} events), within 2x "
        f"the p95 before ({p95_before or 0:.2f}s, {len(before)} events) + 1s"
    )
    if min(len(before), len(during)) >= 50:
        run.check(verdict, p95_during is not None and p95_during <= bound)
    else:  # a p95 of a few events is their maximum: noise on a shared machine, not a bound worth failing on
        run.notes.append(f"not checked (too few events for a p95): {verdict}")


def _window_latencies(run: Run, since: float | None, until: float | None) -> list[float]:
    first: dict[str, float] = {}
    for w in run.system.receiver.requests():
        if w.dedup_key is not None:
            first[w.dedup_key] = min(first.get(w.dedup_key, w.received_at), w.received_at)
    return [
        first[f"churn:{s.account_id}"] - s.first_attempt_at
        for s in run.load.acknowledged()
        if (since is None or s.first_attempt_at >= since)
        and (until is None or s.first_attempt_at < until)
        and f"churn:{s.account_id}" in first
    ]
