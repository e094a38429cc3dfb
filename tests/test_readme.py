"""What the README tells people to run, run for real."""

import asyncio
import re
import subprocess
import sys
from pathlib import Path

import pytest
from terrain_contracts import streams
from terrain_contracts.events.feedback import FeedbackSubmitted
from terrain_dev.probes import stored_messages
from terrain_kit.broker import provision

pytestmark = pytest.mark.integration

README = Path(__file__).resolve().parents[1] / "README.md"


def publisher_example() -> str:
    text = README.read_text()
    match = re.search(r"<!-- publisher-example -->\n```python\n(.*?)```", text, re.S)
    assert match, "the README lost its publisher example"
    return match.group(1)


def test_the_publisher_example_is_ten_lines_of_code():
    code = [line for line in publisher_example().splitlines() if line.strip()]
    assert len(code) <= 16  # imports, the event, publish: short enough to copy into any tool


async def test_the_readme_publisher_puts_a_valid_event_on_the_stream(nats_server, jetstream):
    await provision(jetstream, [streams.FEEDBACK], replicas=1)
    code = publisher_example().replace("nats://127.0.0.1:4222", nats_server.url)

    result = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    [stored] = await stored_messages(jetstream, streams.FEEDBACK)
    event = FeedbackSubmitted.parse(stored.data)
    assert stored.subject == FeedbackSubmitted.subject
    assert stored.msg_id == str(event.id)
    assert event.data.customer.domain == "acme.io"
