"""The quarter's Product Ops KPIs, read through the initiatives API at the end of the demo."""

from datetime import date
from typing import Any

from nats.js import JetStreamContext
from terrain_contracts import streams

from ..probes import consumer_settled
from ..waiting import eventually
from .client import Services


def _ratio(ratio: dict[str, Any], what: str) -> str:
    share = "" if ratio["share"] is None else f" ({ratio['share']:.0%})"
    return f"{ratio['count']}/{ratio['of']} {what}{share}"


def _hours(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} h"


async def _read(services: Services, quarter: str) -> dict[str, Any]:
    return await services.as_member("initiatives", "GET", "/v1/kpis", "viewer", params={"quarter": quarter})


async def lines(services: Services, watching: JetStreamContext, planned: str, today: date) -> list[str]:
    """The planned quarter's rituals, and the feedback of the quarter under way (it counts where it was
    classified), once the initiatives service has taken in every loop closed and classification."""
    current = f"{today.year}-Q{(today.month - 1) // 3 + 1}"

    async def taken_in() -> bool:
        return await consumer_settled(watching, streams.NOTIFICATIONS, "initiatives-loops") and (
            await consumer_settled(watching, streams.FEEDBACK, "initiatives-classified")
        )

    await eventually(taken_in, timeout=30, interval=0.2, what="the KPIs' consumers settled")
    plan = await _read(services, planned)
    feedback = (await _read(services, current))["total"]["feedback"]
    total = plan["total"]
    found = [
        f"The quarter's KPIs (GET /v1/kpis?quarter={planned}, and {current} for the feedback)",
        f"  briefing adoption           {_ratio(plan['adoption'], 'squads, complete by the deadline')}",
        f"  backed by evidence          {_ratio(total['evidence_backed'], 'committed, with feedback')}",
        f"  dependency answer time      median {_hours(total['median_answer_hours'])} "
        f"({_ratio(total['dependency_answers'], 'answered')})",
        f"  vote participation          {_ratio(total['vote_participation'], 'directors voted')}",
        f"  loop closure                {_ratio(total['loop_closure'], 'reporters told of what shipped')}",
        f"  feedback triaged            {_ratio(feedback['triaged'], 'items')}, median "
        f"{_hours(feedback['median_triage_hours'])} from classification; "
        f"{_ratio(feedback['linked'], 'linked to an initiative')}",
    ]
    return found
