"""Dead-letter records fit in one message of the dead-letter stream, whatever the payload."""

import json
import os

import pytest
from terrain_kit.deadletters import MAX_RECORD_BYTES, build, original_payload

pytestmark = pytest.mark.unit


def record_of(payload: bytes):
    return build(
        "sample",
        "sample-accounts",
        "terrain.account.updated.v1",
        "ACCOUNTS",
        7,
        payload,
        {},
        attempts=1,
        reason="invalid",
        error_type="InvalidMessage",
    )


def test_a_small_payload_is_kept_whole():
    record = record_of(b'{"id": 1}')

    assert not record.payload_truncated
    assert original_payload(record) == b'{"id": 1}'


@pytest.mark.parametrize(
    "payload",
    [
        os.urandom(800_000),  # base64 in the record: a third larger
        json.dumps({"text": '"' * 499_000}).encode(),  # each escaped quote escaped again: twice as large
        b"\x01" * 300_000,  # control characters: six bytes each once escaped
    ],
    ids=["binary", "quotes", "control characters"],
)
def test_a_payload_that_would_not_fit_is_cut_and_marked(payload):
    record = record_of(payload)

    assert len(record.model_dump_json()) <= MAX_RECORD_BYTES
    assert record.payload_truncated
    assert record.payload
    assert payload.startswith(original_payload(record))  # its start, still decodable (base64 too)
