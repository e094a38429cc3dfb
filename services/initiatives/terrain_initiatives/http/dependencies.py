"""Dependencies: requested for an initiative, answered by the team depended on."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field
from terrain_contracts.events.dependency import DependencyAnswer
from terrain_contracts.types import Id, Paragraph, Reason
from terrain_kit.api import Reads
from terrain_kit.auth import Reader
from terrain_kit.pagination import Page

from .. import metrics
from ..domain.dependencies import DependencyState
from ..handlers import briefings
from ..handlers import dependencies as handlers
from ..handlers.context import Context
from ..store import dependencies as store
from . import views
from .acting import Call, Ctx, Writer

router = APIRouter(prefix="/v1", tags=["dependencies"])


class DependencyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    on_team_id: Id = Field(description="The team whose help is needed.")
    on_initiative_id: Id | None = Field(
        default=None, description="One of that team's initiatives, if it is one."
    )
    description: Paragraph
    answer_by: date = Field(description="The day by which the team should answer; flagged overdue after it.")


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: DependencyAnswer
    note: Reason | None = None


class Withdrawal(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Reason


def _view(doc: dict, context: Context) -> views.Dependency:
    return views.dependency(handlers.view(doc, context.today()))


def _answer(call: Call, response: Response, outcome: tuple[dict, bool]) -> views.Dependency:
    doc, changed = outcome
    if changed:
        metrics.DEPENDENCIES.labels(doc["state"]).inc()
    else:
        response.headers["Idempotent-Replayed"] = "true"
    return _view(doc, call.context)


@router.post(
    "/initiatives/{initiative_id}/dependencies",
    status_code=status.HTTP_201_CREATED,
    response_model=views.Dependency,
)
async def request_dependency(initiative_id: Id, body: DependencyRequest, call: Writer) -> views.Dependency:
    """Ask another team (or one of its initiatives) for something; a cycle is refused (409, named).

    Emits initiative.dependency_requested.
    """
    doc = await call.run(
        handlers.request,
        initiative_id,
        body.on_team_id,
        body.on_initiative_id,
        body.description,
        body.answer_by,
    )
    metrics.DEPENDENCIES.labels("requested").inc()
    return _view(doc, call.context)


@router.get("/initiatives/{initiative_id}/dependencies", response_model=list[views.Dependency])
async def initiative_dependencies(
    initiative_id: Id, uow: Reads, principal: Reader, context: Ctx
) -> list[views.Dependency]:
    await briefings.load(uow, initiative_id)
    return [_view(doc, context) for doc in await store.of_initiative(uow, initiative_id)]


@router.get("/dependencies", response_model=Page[views.Dependency])
async def list_dependencies(
    uow: Reads,
    principal: Reader,
    context: Ctx,
    on_team_id: Annotated[Id | None, Query(description="Requests made to this team.")] = None,
    requesting_team_id: Id | None = None,
    state: DependencyState | None = None,
    overdue: Annotated[bool, Query(description="Only unanswered requests past their answer-by day.")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> Page[views.Dependency]:
    filters = {
        "on_team_id": on_team_id,
        "requesting_team_id": requesting_team_id,
        "state": state.value if state else None,
        "overdue": overdue,
    }
    docs, next_cursor = await store.listing(uow, filters, context.today(), limit, cursor)
    return Page(items=[_view(doc, context) for doc in docs], next_cursor=next_cursor)


@router.post("/dependencies/{dependency_id}/answer", response_model=views.Dependency)
async def answer_dependency(
    dependency_id: Id, body: Answer, call: Writer, response: Response
) -> views.Dependency:
    """The team depended on (its pm, or Product Ops) accepts or declines; emits dependency_answered."""
    return _answer(call, response, await call.run(handlers.answer, dependency_id, body.answer, body.note))


@router.post("/dependencies/{dependency_id}/withdraw", response_model=views.Dependency)
async def withdraw_dependency(
    dependency_id: Id, body: Withdrawal, call: Writer, response: Response
) -> views.Dependency:
    """The requesting team no longer needs it; emits initiative.dependency_withdrawn."""
    return _answer(call, response, await call.run(handlers.withdraw, dependency_id, body.reason))
