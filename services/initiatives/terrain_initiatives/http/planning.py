"""Planning cycles per quarter (Product Ops) and the board of a quarter."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field
from terrain_contracts.events.initiative import Briefing
from terrain_contracts.events.team import TeamKind
from terrain_contracts.types import Quarter
from terrain_kit.api import Reads
from terrain_kit.auth import REPS, Reader
from terrain_kit.pagination import Page

from ..domain.lifecycle import Phase
from ..handlers import planning as handlers
from ..store import planning as store
from . import views
from .acting import Ctx, Runner

router = APIRouter(prefix="/v1/cycles", tags=["planning"])
QuarterPath = Annotated[str, Path(pattern=r"^[0-9]{4}-Q[1-4]$", examples=["2027-Q1"])]


class NewCycle(BaseModel):
    model_config = ConfigDict(extra="forbid")
    quarter: Quarter


class PhaseMove(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: Phase


class PhaseEntry(BaseModel):
    phase: Phase
    at: datetime
    by: str


class Cycle(BaseModel):
    quarter: str
    phase: Phase = Field(
        description="drafting -> alignment -> validation -> frozen (validation may reopen alignment)."
    )
    opened_at: datetime
    opened_by: str
    phases: list[PhaseEntry]


def cycle(doc: dict[str, Any]) -> Cycle:
    return Cycle(**{k: doc[k] for k in Cycle.model_fields})


class BoardInitiative(BaseModel):
    initiative: Briefing
    priority: float
    evidence: views.Evidence
    dependencies: list[views.Dependency] = Field(description="What this initiative asked of other teams.")
    depended_on_by: list[views.Dependency] = Field(description="Requests naming this initiative.")


class Lane(BaseModel):
    team_id: str
    name: str | None
    kind: TeamKind | None
    parent_team_id: str | None
    initiatives: list[BoardInitiative] = Field(description="Best priority first.")
    requests_to_team: list[views.Dependency] = Field(
        description="What the quarter's initiatives ask of this team."
    )


class Board(BaseModel):
    quarter: str
    phase: Phase | None = Field(description="None when the quarter has no planning cycle yet.")
    teams: list[Lane]
    initiatives_by_status: dict[str, int]
    open_dependencies: int
    declined_dependencies: int
    overdue_dependencies: int


@router.post("", status_code=status.HTTP_201_CREATED, response_model=Cycle)
async def open_cycle(body: NewCycle, call: Runner) -> Cycle:
    """Open the planning cycle of a quarter, in drafting."""
    return cycle(await call.run(handlers.open_cycle, body.quarter))


@router.get("", response_model=Page[Cycle])
async def list_cycles(
    uow: Reads, principal: Reader, limit: Annotated[int, Query(ge=1, le=200)] = 50, cursor: str | None = None
) -> Page[Cycle]:
    docs, next_cursor = await store.cycles(uow, limit, cursor)
    return Page(items=[cycle(doc) for doc in docs], next_cursor=next_cursor)


@router.get("/{quarter}", response_model=Cycle)
async def get_cycle(quarter: QuarterPath, uow: Reads, principal: Reader) -> Cycle:
    return cycle(await handlers.load_cycle(uow, quarter))


@router.post("/{quarter}/phase", response_model=Cycle)
async def move_cycle(quarter: QuarterPath, body: PhaseMove, call: Runner) -> Cycle:
    """Move the cycle to its next phase (409 with the reason if illegal)."""
    return cycle(await call.run(handlers.move_cycle, quarter, body.to))


@router.get("/{quarter}/board", response_model=Board)
async def board(quarter: QuarterPath, uow: Reads, principal: Reader, context: Ctx) -> Board:
    """Every initiative of the quarter per team, its dependencies and their state (no drafts for reps)."""
    return Board(**await handlers.board(uow, context, quarter, hide_drafts=principal.role in REPS))
