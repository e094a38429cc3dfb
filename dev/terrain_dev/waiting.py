"""Waiting on conditions with a deadline: the only way tests and tools wait."""

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

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


def eventually(
    probe: Callable[[], Awaitable[T]],
    *,
    timeout: float = 10.0,
    what: str = "condition",
    interval: float = 0.02,
) -> Coroutine[Any, Any, T]:
    """Async twin of :func:`wait_until`: await ``probe`` until truthy or the deadline passes.

    Not itself a coroutine function: the deadline is fixed here, the returned coroutine polls up to it.
    """
    return _poll(probe, time.monotonic() + timeout, f"{what}: not reached within {timeout:.1f}s", interval)


async def _poll(probe: Callable[[], Awaitable[T]], deadline: float, failure: str, interval: float) -> T:
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
            raise TimeoutError(f"{failure} (last: {last!r})")
        await asyncio.sleep(interval)


async def until(probe: Callable[[], T], *, interval: float = 0.5) -> T:
    """Wait with no deadline until ``probe()`` (a cheap, synchronous look) is truthy, and return it:
    for watching something that may never happen, such as a child process exiting."""
    while True:
        if value := probe():
            return value
        await asyncio.sleep(interval)
