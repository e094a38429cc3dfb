"""Fuzzing every contract in the registry, from its committed JSON Schema.

What producers and consumers rely on, whatever the payload:
- a payload the committed schema admits is accepted by the model and survives
  ``to_json`` -> ``parse`` unchanged (the schema and the model agree);
- any bytes, and any mutation of a valid payload, either parse or raise
  ``ValidationError``: never another exception (the kit dead-letters a
  ``ValidationError`` at once; anything else would be retried as a bug);
- fields unknown to this version, at any depth, are ignored by ``parse``.
"""

import copy
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from terrain_contracts.registry import EVENTS, type_name
from terrain_contracts.schema import SCHEMA_DIR, file_name
from terrain_dev.fuzzing import budget

from .strategies import FORMATS, from_schema

pytestmark = [pytest.mark.unit, pytest.mark.thorough]

SCHEMAS = {event: json.loads((SCHEMA_DIR / file_name(event)).read_text(encoding="utf-8")) for event in EVENTS}
PAYLOADS = {event: from_schema(schema) for event, schema in SCHEMAS.items()}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.one_of(*FORMATS.values()),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)
every_event = pytest.mark.parametrize("event", EVENTS, ids=type_name)


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a JSON value: the root, each key of an object, each element of an array."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += paths(child, (*prefix, index))
    return found


def model_objects(
    value: Any, schema: dict[str, Any], definitions: dict[str, Any], prefix: tuple = ()
) -> list[tuple]:
    """Paths of the objects in ``value`` that are models (declared properties), where a field may be added."""
    schema = definitions[schema["$ref"].removeprefix("#/$defs/")] if "$ref" in schema else schema
    if "anyOf" in schema:
        kinds = {dict: "object", list: "array"}
        for branch in schema["anyOf"]:
            resolved = definitions[branch["$ref"].removeprefix("#/$defs/")] if "$ref" in branch else branch
            if resolved.get("type") == kinds.get(type(value)):
                return model_objects(value, resolved, definitions, prefix)
        return []
    if isinstance(value, dict) and "properties" in schema:
        found = [prefix]
        for key, child in value.items():
            found += model_objects(child, schema["properties"][key], definitions, (*prefix, key))
        return found
    if isinstance(value, list) and "items" in schema:
        return [
            path
            for index, child in enumerate(value)
            for path in model_objects(child, schema["items"], definitions, (*prefix, index))
        ]
    return []


def at(value: Any, path: tuple) -> Any:
    for step in path:
        value = value[step]
    return value


@every_event
@budget(10)
@given(data=st.data())
def test_a_payload_the_committed_schema_admits_is_accepted_and_round_trips_unchanged(event, data):
    payload = data.draw(PAYLOADS[event], label="payload")

    produced = event.model_validate_json(json.dumps(payload))  # producer side: strict
    wire = produced.to_json()
    consumed = event.parse(wire)

    assert consumed == produced
    assert consumed.to_json() == wire


@every_event
@budget(15)
@given(raw=st.binary(max_size=200) | json_values.map(json.dumps))
def test_any_bytes_either_parse_or_raise_a_validation_error(event, raw):
    try:
        event.parse(raw)
    except ValidationError:
        pass


@every_event
@budget(10)
@given(data=st.data())
def test_a_mutated_valid_payload_either_parses_or_raises_a_validation_error(event, data):
    payload = data.draw(PAYLOADS[event], label="payload")
    mutated = copy.deepcopy(payload)
    path = data.draw(st.sampled_from(paths(mutated)[1:]), label="path")  # never the root: covered above
    parent = at(mutated, path[:-1])
    if data.draw(st.booleans(), label="remove"):
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(json_values, label="replacement")

    try:
        event.parse(json.dumps(mutated))
    except ValidationError:
        pass


@every_event
@budget(8)
@given(data=st.data())
def test_fields_unknown_to_this_version_are_ignored_at_any_depth(event, data):
    expected = event.parse(json.dumps(data.draw(PAYLOADS[event], label="payload")))
    schema = SCHEMAS[event]
    extended = json.loads(expected.to_json())  # defaults (id, occurred_at) written out: the same event
    targets = model_objects(extended, schema, schema.get("$defs", {}))
    for path in data.draw(st.lists(st.sampled_from(targets), min_size=1, max_size=4), label="objects"):
        model = at(extended, path)
        name = data.draw(
            st.from_regex(r"[a-z_]{1,20}", fullmatch=True).filter(lambda key, taken=model: key not in taken),
            label="field",
        )
        model[name] = data.draw(json_values, label="value")

    assert event.parse(json.dumps(extended)) == expected
