"""Hypothesis strategies for JSON values a committed JSON Schema admits.

Covers what Pydantic writes into ``contracts/schemas/``: objects with
``properties``/``required``/``additionalProperties: false`` or
``patternProperties``, ``$ref`` into ``$defs``, ``anyOf``, ``const``, ``enum``,
strings (``pattern``, lengths, the formats ``uuid``, ``date-time``, ``date``),
integers and numbers with bounds, arrays with bounds, booleans and null. A
keyword it does not know fails loudly: a schema that grew past this generator
must not be fuzzed with half its rules. (hypothesis-jsonschema would do this,
but its last release no longer runs on the Hypothesis installed here.)
"""

import re
from datetime import timedelta, timezone
from typing import Any

from hypothesis import strategies as st

IGNORED = {"title", "description", "default", "examples", "$defs"}
KNOWN = IGNORED | {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "patternProperties",
    "maxProperties",
    "$ref",
    "anyOf",
    "const",
    "enum",
    "pattern",
    "minLength",
    "maxLength",
    "format",
    "minimum",
    "maximum",
    "items",
    "minItems",
    "maxItems",
}

# Any offset a producer may write, so UTC normalisation meets the edges of the datetime range too.
OFFSETS = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
FORMATS = {
    "uuid": st.uuids().map(str),
    "date-time": st.datetimes(timezones=OFFSETS).map(lambda value: value.isoformat()),
    "date": st.dates().map(lambda value: value.isoformat()),
}


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values ``schema`` (a whole document, with its ``$defs``) admits."""
    return _Builder(schema.get("$defs", {})).build(schema)


class _Builder:
    def __init__(self, definitions: dict[str, Any]) -> None:
        self._definitions = definitions
        self._refs: dict[str, st.SearchStrategy[Any]] = {}

    def build(self, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
        unknown = set(schema) - KNOWN
        if unknown:
            raise NotImplementedError(f"JSON Schema keywords this generator does not know: {sorted(unknown)}")
        if "$ref" in schema:
            return self._ref(schema["$ref"])
        if "anyOf" in schema:
            return st.one_of([self.build(branch) for branch in schema["anyOf"]])
        if "const" in schema:
            return st.just(schema["const"])
        if "enum" in schema:
            return st.sampled_from(schema["enum"])
        kind = schema.get("type")
        if kind == "object":
            return self._object(schema)
        if kind == "array":
            return st.lists(
                self.build(schema["items"]),
                min_size=schema.get("minItems", 0),
                max_size=schema.get("maxItems"),
            )
        if kind == "string":
            return _string(schema)
        if kind == "integer":
            return st.integers(min_value=schema.get("minimum"), max_value=schema.get("maximum"))
        if kind == "number":
            return st.floats(
                min_value=schema.get("minimum"),
                max_value=schema.get("maximum"),
                allow_nan=False,
                allow_infinity=False,
            )
        if kind == "boolean":
            return st.booleans()
        if kind == "null":
            return st.none()
        raise NotImplementedError(f"JSON Schema type {kind!r}")

    def _ref(self, ref: str) -> st.SearchStrategy[Any]:
        name = ref.removeprefix("#/$defs/")
        if name not in self._refs:
            # Deferred: a definition may refer to itself.
            self._refs[name] = st.deferred(lambda: self.build(self._definitions[name]))
        return self._refs[name]

    def _object(self, schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
        if "patternProperties" in schema:
            [(pattern, values)] = schema["patternProperties"].items()
            return st.dictionaries(
                st.from_regex(pattern, fullmatch=True),
                self.build(values),
                max_size=schema.get("maxProperties"),
            )
        properties = schema.get("properties", {})
        required = set(schema.get("required", ()))
        return st.fixed_dictionaries(
            {name: self.build(sub) for name, sub in properties.items() if name in required},
            optional={name: self.build(sub) for name, sub in properties.items() if name not in required},
        )


def _string(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    if "format" in schema:
        base = FORMATS[schema["format"]]
    elif "pattern" in schema:
        base = st.from_regex(re.compile(schema["pattern"]), fullmatch=True)
    else:
        return st.text(min_size=low, max_size=high)
    return base.filter(lambda text: low <= len(text) <= (high if high is not None else len(text)))
