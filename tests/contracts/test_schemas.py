"""The committed JSON Schemas match the models, and v1 contracts only evolve compatibly."""

import copy
import json
import shutil

import pytest
from terrain_contracts import schema as schemas
from terrain_contracts.events.feedback import FeedbackIngested

pytestmark = pytest.mark.unit


def test_committed_schemas_are_up_to_date_and_compatible():
    stale, breaking = schemas.problems()
    assert stale == [], "run: terrain-contracts write"
    assert breaking == []


def test_every_event_has_a_committed_schema():
    committed = {p.name for p in schemas.SCHEMA_DIR.glob("*.json")}
    assert committed == set(schemas.generate())


@pytest.fixture
def published(tmp_path):
    """A copy of the committed schemas, standing for what v1 consumers rely on."""
    target = tmp_path / "schemas"
    shutil.copytree(schemas.SCHEMA_DIR, target)
    return target


def _publish(directory, name, mutate):
    path = directory / name
    schema = json.loads(path.read_text())
    mutate(schema)
    path.write_text(json.dumps(schema))


def test_removing_a_field_of_a_published_v1_event_fails_the_check(published):
    # The published schema had a field the current model no longer has.
    def add_field_consumers_rely_on(schema):
        schema["$defs"]["FeedbackIngestedData"]["properties"]["priority"] = {"type": "integer"}
        schema["$defs"]["FeedbackIngestedData"]["required"].append("priority")

    _publish(published, "feedback.ingested.v1.json", add_field_consumers_rely_on)
    _, breaking = schemas.problems(published, use_history=False)
    assert breaking == ["feedback.ingested.v1.json (committed): $.data.priority: field removed"]


def test_changing_a_field_type_of_a_published_v1_event_fails_the_check(published):
    def revision_was_a_string(schema):
        schema["$defs"]["FeedbackIngestedData"]["properties"]["revision"] = {"type": "string"}

    _publish(published, "feedback.ingested.v1.json", revision_was_a_string)
    _, breaking = schemas.problems(published, use_history=False)
    assert breaking and all("$.data.revision: type changed" in line for line in breaking)
    assert any("'string' -> 'integer'" in line for line in breaking)


def test_a_new_required_field_in_a_published_v1_event_fails_the_check(published):
    def url_was_absent(schema):
        del schema["$defs"]["FeedbackIngestedData"]["properties"]["ingested_at"]
        schema["$defs"]["FeedbackIngestedData"]["required"].remove("ingested_at")

    _publish(published, "feedback.ingested.v1.json", url_was_absent)
    _, breaking = schemas.problems(published, use_history=False)
    assert breaking == ["feedback.ingested.v1.json (committed): $.data.ingested_at: new required field"]


def test_write_refuses_to_overwrite_a_published_schema_with_a_breaking_change(published):
    original = json.loads((published / "feedback.ingested.v1.json").read_text())
    edited = copy.deepcopy(original)
    edited["$defs"]["FeedbackIngestedData"]["properties"]["text"] = {"type": "integer"}
    (published / "feedback.ingested.v1.json").write_text(json.dumps(edited))

    refused = schemas.write(published)

    assert refused and "text: type changed" in refused[0]
    assert json.loads((published / "feedback.ingested.v1.json").read_text()) == edited


def test_the_check_also_compares_with_the_first_published_revision(published, monkeypatch):
    first = FeedbackIngested.model_json_schema()
    first["$defs"]["FeedbackIngestedData"]["properties"]["legacy_score"] = {"type": "number"}
    monkeypatch.setattr(schemas, "_first_published", lambda path: first if "ingested" in path.name else None)

    _, breaking = schemas.problems(published)

    assert breaking == ["feedback.ingested.v1.json (first published): $.data.legacy_score: field removed"]


def test_the_cli_check_exits_non_zero_on_a_stale_schema(published, monkeypatch, capsys):
    (published / "feedback.ingested.v1.json").unlink()
    monkeypatch.setattr(schemas, "SCHEMA_DIR", published)
    assert schemas.main(["check"]) == 1
    assert "feedback.ingested.v1.json: not generated yet" in capsys.readouterr().err
