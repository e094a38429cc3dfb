"""Fault points: named places where a test can make the process die, or a handler fail, on purpose.

Empty in every real deployment (``fault_points`` defaults to nothing). The
crash-safety tests set e.g. ``FEEDBACK_FAULT_POINTS='["outbox.before_publish"]'``
to SIGKILL the service between its MongoDB commit and its publish. With
``consumer.poison`` on, a message carrying the header ``Terrain-Fault: poison``
fails its consumer's transaction on every delivery, as a handler bug on that
input would: the fault suite's poison messages.
"""

import logging
import os
import signal

log = logging.getLogger(__name__)


POISON_HEADER = "Terrain-Fault"


class PoisonInjected(Exception):
    """The ``consumer.poison`` fault point failing a marked message."""


class Faults:
    def __init__(self, points: set[str]) -> None:
        self._points = frozenset(points)

    def hit(self, point: str) -> None:
        if point in self._points:
            log.critical("fault point reached, killing the process", extra={"fault_point": point})
            os.kill(os.getpid(), signal.SIGKILL)

    def check_poison(self, headers: dict[str, str] | None) -> None:
        if "consumer.poison" in self._points and (headers or {}).get(POISON_HEADER) == "poison":
            raise PoisonInjected("fault point consumer.poison: this message fails its handler every time")
