"""Hypothesis strategies for vendor payloads: any JSON, and real fixtures with one field replaced."""

import copy
import json

from hypothesis import strategies as st

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def leaf_paths(value, prefix=()):
    if isinstance(value, dict):
        for key, child in value.items():
            yield from leaf_paths(child, (*prefix, key))
    if prefix:
        yield prefix


@st.composite
def mutated(draw, payload: dict) -> dict:
    """``payload`` with one field (at any depth) replaced by any JSON value."""
    payload = copy.deepcopy(payload)
    path = draw(st.sampled_from(sorted(leaf_paths(payload), key=str)))
    target = payload
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = draw(json_values)
    return payload


def bodies(payload: dict):
    """Raw bodies: any bytes, any JSON, or ``payload`` mutated."""
    return (
        st.binary(max_size=300)
        | json_values.map(lambda v: json.dumps(v).encode())
        | mutated(payload).map(lambda v: json.dumps(v).encode())
    )
