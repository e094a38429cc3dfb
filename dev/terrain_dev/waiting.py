"""Waiting on conditions with a deadline: the only way tests and tools wait."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


class NotYet(Exception):
    """Raise inside a probe to mean 'not there yet' with a readable reason."""


def wait_until(probe: Callable[[], T], *, timeout: float, what: str, interval: float = 0.02) -> T:
    """Call ``probe`` until it returns a truthy value (returned) or the deadline passes."""
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            value = probe()
            if value:
                return value
            last = value
        except (NotYet, OSError) as exc:
            last = exc
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not reached within {timeout:.1f}s (last: {last!r})")
        time.sleep(interval)


async def eventually(
    probe: Callable[[], Awaitable[T]],
    *,
    timeout: float = 10.0,
    what: str = "condition",
    interval: float = 0.02,
) -> T:
    """Async twin of :func:`wait_until`: await ``probe`` until truthy or the deadline passes."""
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            value = await probe()
            if value:
                return value
            last = value
        except (NotYet, OSError) as exc:
            last = exc
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not reached within {timeout:.1f}s (last: {last!r})")
        await asyncio.sleep(interval)
