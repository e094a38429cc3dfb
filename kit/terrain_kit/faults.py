"""Fault points: named places where a test can make the process die on purpose.

Empty in every real deployment (``fault_points`` defaults to nothing). The
crash-safety tests set e.g. ``FEEDBACK_FAULT_POINTS='["outbox.before_publish"]'``
to SIGKILL the service between its MongoDB commit and its publish.
"""

import logging
import os
import signal

log = logging.getLogger(__name__)


class Faults:
    def __init__(self, points: set[str]) -> None:
        self._points = frozenset(points)

    def hit(self, point: str) -> None:
        if point in self._points:
            log.critical("fault point reached, killing the process", extra={"fault_point": point})
            os.kill(os.getpid(), signal.SIGKILL)
