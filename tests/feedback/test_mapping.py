"""Import rows through a column mapping, without a server."""

from datetime import UTC

import pytest
from terrain_contracts.events.feedback import FeedbackSubmitted
from terrain_feedback.domain.mapping import Mapping, MappingError, to_event

pytestmark = pytest.mark.unit

MAPPING = Mapping.of(
    {
        "columns": {
            "external_id": "id",
            "text": "body",
            "reporter.name": "rep.name",
            "occurred_at": "at",
            "tags": "tags",
        },
        "constants": {"source": "gong", "kind": "field", "reporter.role": "sales_rep"},
    }
)
ROW = {
    "id": "call-1",
    "body": "Umbrella asks for audit logs",
    "rep": {"name": "Priya"},
    "at": "2026-11-20T09:00:00+01:00",
    "tags": "security; audit",
}


def test_a_row_becomes_an_event_with_nested_keys_and_split_tags():
    event = to_event(ROW, MAPPING, "feedback-import")

    assert isinstance(event, FeedbackSubmitted)
    assert event.data.reporter.name == "Priya" and event.data.tags == ["security", "audit"]
    assert event.data.occurred_at.hour == 8 and event.source == "feedback-import"


def test_the_same_row_always_becomes_the_same_event_id():
    assert to_event(ROW, MAPPING, "x").id == to_event(dict(ROW), MAPPING, "x").id
    assert to_event(ROW, MAPPING, "x").id != to_event({**ROW, "body": "changed"}, MAPPING, "x").id


def test_a_time_without_offset_needs_a_default_timezone():
    naive = {**ROW, "at": "2026-11-20 09:00:00"}

    [error] = to_event(naive, MAPPING, "x")
    event = to_event(naive, MAPPING, "x", default_tz=UTC)

    assert error.field == "occurred_at" and event.data.occurred_at.hour == 9


def test_a_bad_row_names_every_wrong_field():
    errors = to_event({**ROW, "body": "", "id": None}, MAPPING, "x")

    assert sorted(e.field for e in errors) == ["external_id", "text"]


def test_flags_override_the_file_and_unknown_or_missing_fields_are_refused():
    assert (
        Mapping.of(
            {"columns": MAPPING.columns, "constants": MAPPING.constants}, sets=["source=chorus"]
        ).constants["source"]
        == "chorus"
    )
    with pytest.raises(MappingError, match="unknown"):
        Mapping.of(None, maps=["txt=body"])
    with pytest.raises(MappingError, match="required"):
        Mapping.of(None, maps=["text=body"])


def test_the_command_line_reads_a_mapping_file_and_flags(tmp_path):
    from terrain_feedback.cli.importer import parse_args

    (tmp_path / "map.yaml").write_text(
        "columns: {external_id: id, text: body, reporter.name: rep, occurred_at: at}\n"
        "constants: {source: gong, kind: field, reporter.role: sales_rep}\n"
    )
    (tmp_path / "calls.jsonl").write_text("{}\n")

    options = parse_args(
        [
            str(tmp_path / "calls.jsonl"),
            "--mapping",
            str(tmp_path / "map.yaml"),
            "--set",
            "source=chorus",
            "--default-timezone",
            "Europe/Paris",
        ]
    )

    assert options.mapping.constants["source"] == "chorus" and options.mapping.columns["text"] == "body"
    assert options.checkpoint == tmp_path / "calls.jsonl.checkpoint.json"
    assert str(options.default_tz) == "Europe/Paris"
