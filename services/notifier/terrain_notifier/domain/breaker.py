"""A circuit breaker per endpoint: open after N consecutive failures, one half-open probe after a cooldown.

Per replica and in memory: each replica protects itself and the endpoint; a
shared breaker would add a database round trip to every send.
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    closed = "closed"
    open = "open"
    half_open = "half_open"


@dataclass
class _Circuit:
    failures: int = 0
    state: State = State.closed
    opened_at: float = 0.0
    probing: bool = False


class Breakers:
    def __init__(self, failures: int, cooldown: float, clock: Callable[[], float]) -> None:
        self._threshold = failures
        self._cooldown = cooldown
        self._clock = clock
        self._circuits: dict[str, _Circuit] = {}

    def state(self, endpoint: str) -> State:
        return self._circuits.get(endpoint, _Circuit()).state

    def allow(self, endpoint: str) -> float | None:
        """None if a call may go now; else the seconds until the circuit lets a probe through."""
        circuit = self._circuits.setdefault(endpoint, _Circuit())
        if circuit.state is State.closed:
            return None
        waited = self._clock() - circuit.opened_at
        if circuit.state is State.open and waited >= self._cooldown:
            circuit.state = State.half_open
        if circuit.state is State.half_open and not circuit.probing:
            circuit.probing = True  # exactly one probe at a time
            return None
        return max(0.0, self._cooldown - waited) or self._cooldown

    def succeeded(self, endpoint: str) -> None:
        self._circuits[endpoint] = _Circuit()

    def failed(self, endpoint: str) -> None:
        circuit = self._circuits.setdefault(endpoint, _Circuit())
        circuit.failures += 1
        circuit.probing = False
        if circuit.state is State.half_open or circuit.failures >= self._threshold:
            circuit.state = State.open
            circuit.opened_at = self._clock()

    def open_count(self) -> int:
        return sum(1 for c in self._circuits.values() if c.state is not State.closed)
