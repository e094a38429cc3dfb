"""Shutdown ends even when a background task swallows its first cancellation."""

import asyncio

import pytest

pytestmark = pytest.mark.integration


async def test_a_task_that_swallows_a_cancellation_does_not_hang_shutdown(sample):
    swallowed = asyncio.Event()

    async def stubborn() -> None:
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                if swallowed.is_set():
                    raise
                swallowed.set()  # what asyncio.wait_for can do to a task in Python 3.11

    sample.service._spawn(stubborn(), "stubborn")
    await asyncio.sleep(0)

    await asyncio.wait_for(sample.service._cancel_background(), timeout=10)

    assert swallowed.is_set()
    assert all(task.done() for task in sample.service._tasks)
