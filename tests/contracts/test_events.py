"""Envelope and payload rules every producer and consumer relies on."""

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError
from terrain_contracts import streams, subjects
from terrain_contracts.events.feedback import (
    CustomerRef,
    FeedbackKind,
    FeedbackSubmitted,
    FeedbackSubmittedData,
    Reporter,
    ReporterRole,
)
from terrain_contracts.registry import EVENTS, type_name, version_of
from terrain_contracts.types import Money

pytestmark = pytest.mark.unit


def submitted(**overrides) -> FeedbackSubmittedData:
    fields = dict(
        source="zendesk",
        external_id="ticket-1",
        kind=FeedbackKind.customer,
        reporter=Reporter(name="Ada", email="ada@acme.io", role=ReporterRole.customer),
        customer=CustomerRef(account_id="acc-1"),
        text="Export to CSV times out",
        occurred_at=datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
    )
    fields.update(overrides)
    return FeedbackSubmittedData(**fields)


def test_a_naive_datetime_is_refused():
    with pytest.raises(ValidationError, match="occurred_at"):
        submitted(occurred_at=datetime(2026, 11, 2, 9, 30))


def test_aware_datetimes_are_normalised_to_utc():
    paris = timezone(timedelta(hours=1))
    data = submitted(occurred_at=datetime(2026, 11, 2, 10, 30, tzinfo=paris))
    assert data.occurred_at == datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    assert data.occurred_at.utcoffset() == timedelta(0)


def test_producers_cannot_add_unknown_fields():
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        FeedbackSubmittedData(**submitted().model_dump(), priority="high")


def test_consumers_ignore_fields_added_later_in_the_same_version():
    event = FeedbackSubmitted.create(submitted(), source="zendesk")
    wire = json.loads(event.to_json())
    wire["new_envelope_field"] = 1
    wire["data"]["sentiment_hint"] = "angry"
    wire["data"]["reporter"]["team"] = "emea"

    parsed = FeedbackSubmitted.parse(json.dumps(wire))

    assert parsed == event


def test_money_is_integer_minor_units_with_a_currency():
    assert Money(amount_minor=1_250_000, currency="EUR").amount_minor == 1_250_000
    with pytest.raises(ValidationError):
        Money(amount_minor=12.5, currency="EUR")
    with pytest.raises(ValidationError):
        Money(amount_minor=100, currency="euro")


def test_an_event_without_a_cause_correlates_to_itself():
    event = FeedbackSubmitted.create(submitted(), source="zendesk")
    assert event.correlation_id == str(event.id)
    assert event.causation_id is None


def test_a_caused_event_carries_the_flow_and_its_cause():
    cause = FeedbackSubmitted.create(submitted(), source="zendesk", correlation_id="req-42")
    effect = FeedbackSubmitted.create(submitted(external_id="ticket-2"), source="feedback", cause=cause)
    assert effect.correlation_id == "req-42"
    assert effect.causation_id == cause.id


def test_every_subject_follows_the_naming_rule_and_has_a_stream():
    for event in EVENTS:
        assert event.subject == f"{subjects.PREFIX}.{type_name(event)}.v{version_of(event)}"
        assert streams.stream_for(event.subject) == event.stream


def test_every_subject_constant_belongs_to_exactly_one_event():
    constants = {
        value
        for name, value in vars(subjects).items()
        if name.isupper() and isinstance(value, str) and value.endswith((".v1", ".v2"))
    }
    assert constants == {event.subject for event in EVENTS}


def test_the_package_imports_with_pydantic_alone():
    # A Sales tool installs only the contracts: no broker, database or web framework may be needed.
    blocked = [
        "nats",
        "faststream",
        "pymongo",
        "fastapi",
        "prometheus_client",
        "opentelemetry",
        "terrain_kit",
    ]
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name.split('.')[0] in {blocked!r}: raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import terrain_contracts, terrain_contracts.registry, terrain_contracts.schema\n"
        "print(len(terrain_contracts.registry.EVENTS))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == len(EVENTS)


def test_a_time_with_no_utc_equivalent_is_a_validation_error():
    # Found by fuzzing: astimezone() raised OverflowError, which consumers would retry as a handler bug.
    wire = json.loads(FeedbackSubmitted.create(submitted(), source="zendesk").to_json())
    for edge in ("0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"):
        wire["occurred_at"] = edge
        with pytest.raises(ValidationError, match="occurred_at"):
            FeedbackSubmitted.parse(json.dumps(wire))
