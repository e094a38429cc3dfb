"""Taxonomy management (Product Ops): versions, YAML import and export, themes, candidates, replays."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from terrain_contracts import Role
from terrain_contracts.types import Slug
from terrain_kit.auth import Principal, require
from terrain_kit.uow import UnitOfWork

from ..handlers import replay
from ..handlers import taxonomy as handlers
from ..store import CANDIDATES, REPLAYS
from ..store import taxonomy as store
from ..store.taxonomy import VersionConflict
from ..taxonomy import Taxonomy, TaxonomyFileError, Theme, from_yaml, to_yaml
from . import service

router = APIRouter(prefix="/v1", tags=["taxonomy"])
reader = Depends(require())
product_ops = require(Role.product_ops)
# The YAML document has the shape of a Taxonomy (its version is ignored: a stored one is assigned).
YAML_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/yaml": {"schema": {"$ref": "#/components/schemas/Taxonomy"}}},
    }
}
MAX_VERSION = 2**63 - 1  # BSON's int64: a larger number cannot even be looked up (OverflowError, a 500)
Version = Annotated[int, Field(ge=1, le=MAX_VERSION)]


class VersionView(BaseModel):
    version: int
    created_at: datetime
    created_by: str
    note: str | None = None


class ThemeBody(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    examples: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(min_length=1, max_length=200)
    keywords: list[Annotated[str, Field(min_length=2, max_length=80)]] = Field(
        default_factory=list, max_length=100
    )


class PromoteBody(BaseModel):
    slug: Slug
    name: str = Field(min_length=1, max_length=200)
    product_area: Slug
    description: str = Field(default="", max_length=2000)


class ReplayBody(BaseModel):
    version: Version | None = Field(
        default=None, description="Taxonomy version to apply; default the latest."
    )


async def _run(request: Request, work) -> Any:
    try:
        return await service(request).transactions.run(work)
    except VersionConflict as exc:
        raise HTTPException(409, str(exc)) from exc
    except handlers.NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except (handlers.Refused, LookupError) as exc:
        raise HTTPException(409, str(exc)) from exc


def _invalid(exc: ValidationError | TaxonomyFileError) -> JSONResponse:
    if isinstance(exc, TaxonomyFileError):
        errors = [{"field": "body", "message": str(exc)}]
    else:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]} for e in exc.errors()
        ]
    return JSONResponse(
        status_code=422,
        content={"detail": f"invalid taxonomy: {', '.join(e['field'] for e in errors)}", "errors": errors},
    )


@router.get("/taxonomy", response_model=Taxonomy, dependencies=[reader])
async def current_taxonomy(request: Request) -> Taxonomy:
    return await service(request).transactions.run(handlers.current)


@router.get("/taxonomy/versions", response_model=list[VersionView], dependencies=[reader])
async def list_versions(request: Request) -> list[dict]:
    docs = await service(request).transactions.run(store.versions)
    return [
        {"version": d["_id"], **{k: d.get(k) for k in ("created_at", "created_by", "note")}} for d in docs
    ]


@router.get("/taxonomy/versions/{version}", response_model=Taxonomy, dependencies=[reader])
async def get_version(version: Annotated[int, Path(ge=1, le=MAX_VERSION)], request: Request) -> Taxonomy:
    found = await service(request).transactions.run(lambda uow: store.get(uow, version))
    if found is None:
        raise HTTPException(404, f"no taxonomy version {version}")
    return found


@router.get(
    "/taxonomy/export",
    dependencies=[reader],
    response_class=Response,
    responses={200: {"content": {"application/yaml": {}}}},
)
async def export_yaml(
    request: Request, version: int | None = Query(default=None, ge=1, le=MAX_VERSION)
) -> Response:
    found = await service(request).transactions.run(
        lambda uow: store.get(uow, version) if version else handlers.current(uow)
    )
    if found is None:
        raise HTTPException(404, f"no taxonomy version {version}")
    return Response(to_yaml(found), media_type="application/yaml")


@router.put("/taxonomy", response_model=Taxonomy, status_code=201)
async def replace_taxonomy(
    body: Taxonomy, request: Request, principal: Principal = Depends(product_ops)
) -> Taxonomy:
    """Store a whole taxonomy as a new version (unchanged content creates none)."""
    return await _run(
        request, lambda uow: handlers.new_version(uow, body, principal.actor, "replaced by API")
    )


@router.post("/taxonomy/import", response_model=Taxonomy, status_code=201, openapi_extra=YAML_BODY)
async def import_yaml(request: Request, principal: Principal = Depends(product_ops)) -> Any:
    """Import a YAML taxonomy (the format of /v1/taxonomy/export) as a new version."""
    try:
        taxonomy = from_yaml(await request.body())
    except (ValidationError, TaxonomyFileError) as exc:
        return _invalid(exc)
    return await _run(
        request, lambda uow: handlers.new_version(uow, taxonomy, principal.actor, "YAML import")
    )


@router.put("/taxonomy/areas/{area}/themes/{slug}", response_model=Taxonomy)
async def put_theme(
    area: Slug, slug: Slug, body: ThemeBody, request: Request, principal: Principal = Depends(product_ops)
) -> Any:
    try:  # Theme strips whitespace where ThemeBody does not: an example of only spaces is refused here
        theme = Theme(slug=slug, **body.model_dump())
    except ValidationError as exc:
        return _invalid(exc)
    return await _run(request, lambda uow: handlers.put_theme(uow, area, theme, principal.actor))


@router.delete("/taxonomy/themes/{slug}", response_model=Taxonomy)
async def delete_theme(slug: Slug, request: Request, principal: Principal = Depends(product_ops)) -> Taxonomy:
    return await _run(request, lambda uow: handlers.delete_theme(uow, slug, principal.actor))


@router.get("/candidates", dependencies=[reader])
async def list_candidates(
    request: Request,
    status: str = Query(default="open", pattern="^(open|promoted)$"),
    limit: int = Query(default=50, ge=1, le=200),
) -> list[dict]:
    """Emerging-theme candidates clustered from unassigned feedback, largest first."""

    async def work(uow: UnitOfWork) -> list[dict]:
        return (
            await uow[CANDIDATES]
            .find({"status": status}, session=uow.session)
            .sort([("size", -1), ("_id", 1)])
            .limit(limit)
            .to_list(None)
        )

    return [{"candidate_id": d.pop("_id"), **d} for d in await service(request).transactions.run(work)]


@router.post("/candidates/{candidate_id}/promote", response_model=Taxonomy, status_code=201)
async def promote(
    candidate_id: str, body: PromoteBody, request: Request, principal: Principal = Depends(product_ops)
) -> Taxonomy:
    """Turn a candidate into a theme (its examples and label terms seed the theme): a new version."""
    taxonomy, _ = await _run(
        request,
        lambda uow: handlers.promote(
            uow, candidate_id, body.slug, body.name, body.product_area, body.description, principal.actor
        ),
    )
    return taxonomy


@router.post("/replays", status_code=202)
async def start_replay(
    body: ReplayBody, request: Request, principal: Principal = Depends(product_ops)
) -> dict:
    """Re-apply a taxonomy version to the whole history; follow it at /v1/replays/{replay_id}."""
    job = await _run(request, lambda uow: replay.request(uow, body.version, principal.actor))
    return _replay_view(job)


@router.get("/replays/{replay_id}", dependencies=[reader])
async def get_replay(replay_id: str, request: Request) -> dict:
    job = await service(request).transactions.run(
        lambda uow: uow[REPLAYS].find_one({"_id": replay_id}, session=uow.session)
    )
    if job is None:
        raise HTTPException(404, f"no replay {replay_id}")
    return _replay_view(job)


def _replay_view(job: dict) -> dict:
    themes = sorted(set(job["before"]) | set(job["after"]))
    return {
        "replay_id": job["_id"],
        "version": job["version"],
        "status": job["status"],
        "total": job["total"],
        "done": job["done"],
        "moved": job["moved"],
        "moved_examples": job["moved_examples"],
        "demand": [
            {"theme": t, "before": job["before"].get(t, 0), "after": job["after"].get(t, 0)} for t in themes
        ],
    }
