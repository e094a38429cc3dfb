"""Product Ops KPIs per team and quarter (definitions in the service README and ``domain/kpis.py``)."""

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, computed_field
from terrain_contracts.types import Id, Quarter
from terrain_kit.api import Reads
from terrain_kit.auth import Reader
from terrain_kit.errors import NotFound

from ..domain import kpis as rules
from ..handlers import kpis as handlers
from ..store import teams as team_store
from .acting import Ctx

router = APIRouter(prefix="/v1/kpis", tags=["kpis"])


class Ratio(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    count: int
    of: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def share(self) -> float | None:
        return rules.Ratio(self.count, self.of).share


class FeedbackKpis(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    items: int = Field(description="Items classified in the quarter under an area the team owns.")
    triaged: Ratio = Field(description="Linked to an initiative or dismissed as a suggestion, by a person.")
    median_triage_hours: float | None = Field(description="From classification to the first triage.")
    linked: Ratio = Field(description="Linked to an initiative.")


class TeamKpis(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    team_id: str | None = Field(description="None: the quarter as a whole (unowned feedback included).")
    feedback: FeedbackKpis
    loop_closure: Ratio = Field(description="Linked items of shipped initiatives whose reporter was told.")
    evidence_backed: Ratio = Field(description="Committed, in progress or shipped initiatives with feedback.")
    complete_briefings: Ratio = Field(
        description="Briefings with a success metric and a product area at the deadline."
    )
    adopted: bool | None = Field(
        description="A squad with a complete briefing by the deadline (None: not a squad)."
    )
    dependency_answers: Ratio = Field(description="Requests to the team answered, of those not withdrawn.")
    median_answer_hours: float | None
    vote_participation: Ratio = Field(
        description="Directors (of the team) who voted in a ballot of the quarter."
    )


class QuarterKpis(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    quarter: str
    deadline: datetime | None = Field(description="When the quarter entered validation; until then, now.")
    adoption: Ratio = Field(description="Squads with a complete briefing by the deadline.")
    total: TeamKpis
    teams: list[TeamKpis]


@router.get("", response_model=QuarterKpis)
async def quarter_kpis(
    quarter: Quarter, uow: Reads, principal: Reader, context: Ctx, team_id: Id | None = None
) -> QuarterKpis:
    """The quarter's Product Ops KPIs, as a whole and per team (or for ``team_id``), computed on read."""
    if team_id is not None and await team_store.get_state(uow, team_id) is None:
        raise NotFound(f"no team {team_id}")
    found = await handlers.quarter_kpis(uow, quarter, context.now(), team_id)
    return QuarterKpis.model_validate(found)
