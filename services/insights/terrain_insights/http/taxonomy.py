"""Taxonomy management (Product Ops): versions, YAML import and export, themes, candidates, replays."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field, ValidationError
from terrain_contracts import Role
from terrain_contracts.types import FieldError, Slug, field_errors
from terrain_kit.api import Call, IfMatch, Reads, call_for, etag
from terrain_kit.auth import Reader
from terrain_kit.errors import Invalid, NotFound

from ..domain.taxonomy import Taxonomy, TaxonomyFileError, Theme, from_yaml, to_yaml
from ..handlers import replay
from ..handlers import taxonomy as handlers
from ..store import candidates, replays
from ..store import taxonomy as store

router = APIRouter(prefix="/v1", tags=["taxonomy"])
ProductOpsCall = Annotated[Call, Depends(call_for(Role.product_ops))]
# The YAML document has the shape of a Taxonomy (its version is ignored: a stored one is assigned).
YAML_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/yaml": {"schema": {"$ref": "#/components/schemas/Taxonomy"}}},
    }
}
AllowEmpty = Annotated[
    bool, Query(description="Store a taxonomy without product areas (it removes every theme).")
]
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


def invalid(exc: ValidationError | TaxonomyFileError) -> Invalid:
    """A taxonomy refused as a whole: 422 naming every field at fault."""
    if isinstance(exc, TaxonomyFileError):
        errors = [FieldError(field="body", message=str(exc))]
    else:
        errors = field_errors(exc.errors(), root="body")
    return Invalid.fields(errors, what="invalid taxonomy")


@router.get("/taxonomy", response_model=Taxonomy)
async def current_taxonomy(principal: Reader, uow: Reads, response: Response) -> Taxonomy:
    """The current taxonomy; its ETag is the version a replace names in If-Match."""
    taxonomy = await handlers.current(uow)
    etag(response, taxonomy.version)
    return taxonomy


@router.get("/taxonomy/versions", response_model=list[VersionView])
async def list_versions(principal: Reader, uow: Reads) -> list[dict]:
    docs = await store.versions(uow)
    return [
        {"version": d["_id"], **{k: d.get(k) for k in ("created_at", "created_by", "note")}} for d in docs
    ]


@router.get("/taxonomy/versions/{version}", response_model=Taxonomy)
async def get_version(
    version: Annotated[int, Path(ge=1, le=MAX_VERSION)], principal: Reader, uow: Reads
) -> Taxonomy:
    found = await store.get(uow, version)
    if found is None:
        raise NotFound(f"no taxonomy version {version}")
    return found


@router.get(
    "/taxonomy/export",
    response_class=Response,
    responses={200: {"content": {"application/yaml": {}}}},
)
async def export_yaml(
    principal: Reader, uow: Reads, version: int | None = Query(default=None, ge=1, le=MAX_VERSION)
) -> Response:
    found = await (store.get(uow, version) if version else handlers.current(uow))
    if found is None:
        raise NotFound(f"no taxonomy version {version}")
    response = Response(to_yaml(found), media_type="application/yaml")
    etag(response, found.version)
    return response


@router.put("/taxonomy", response_model=Taxonomy, status_code=201)
async def replace_taxonomy(
    body: Taxonomy,
    call: ProductOpsCall,
    version: IfMatch,
    response: Response,
    allow_empty: AllowEmpty = False,
) -> Taxonomy:
    """Store a whole taxonomy as a new version (unchanged content creates none), based on the version in
    If-Match (the ETag of GET /v1/taxonomy): 428 without it once a taxonomy exists, 412 when stale. The
    body's own ``version`` is ignored."""
    stored = await call.run(
        handlers.replace, call.context, body, version, call.principal.actor, "replaced by API", allow_empty
    )
    etag(response, stored.version)
    return stored


@router.post("/taxonomy/import", response_model=Taxonomy, status_code=201, openapi_extra=YAML_BODY)
async def import_yaml(
    request: Request,
    call: ProductOpsCall,
    version: IfMatch,
    response: Response,
    allow_empty: AllowEmpty = False,
) -> Taxonomy:
    """Import a YAML taxonomy (the format of /v1/taxonomy/export) as a new version, based on the version
    in If-Match like PUT /v1/taxonomy (the file's own ``version`` is ignored)."""
    try:
        taxonomy = from_yaml(await request.body())
    except (ValidationError, TaxonomyFileError) as exc:
        raise invalid(exc) from exc
    stored = await call.run(
        handlers.replace, call.context, taxonomy, version, call.principal.actor, "YAML import", allow_empty
    )
    etag(response, stored.version)
    return stored


@router.put("/taxonomy/areas/{area}/themes/{slug}", response_model=Taxonomy)
async def put_theme(
    area: Slug, slug: Slug, body: ThemeBody, call: ProductOpsCall, response: Response
) -> Taxonomy:
    """Add or replace one theme on the current version (a change, not a replace: no If-Match)."""
    try:  # Theme strips whitespace where ThemeBody does not: an example of only spaces is refused here
        theme = Theme(slug=slug, **body.model_dump())
    except ValidationError as exc:
        raise invalid(exc) from exc
    stored = await call.run(handlers.put_theme, call.context, area, theme, call.principal.actor)
    etag(response, stored.version)
    return stored


@router.delete("/taxonomy/themes/{slug}", response_model=Taxonomy)
async def delete_theme(slug: Slug, call: ProductOpsCall, response: Response) -> Taxonomy:
    stored = await call.run(handlers.delete_theme, call.context, slug, call.principal.actor)
    etag(response, stored.version)
    return stored


@router.get("/candidates")
async def list_candidates(
    principal: Reader,
    uow: Reads,
    status: str = Query(default="open", pattern="^(open|promoted)$"),
    limit: int = Query(default=50, ge=1, le=200),
) -> list[dict]:
    """Emerging-theme candidates clustered from unassigned feedback, largest first."""
    return [{"candidate_id": d.pop("_id"), **d} for d in await candidates.listing(uow, status, limit)]


@router.post("/candidates/{candidate_id}/promote", response_model=Taxonomy, status_code=201)
async def promote(candidate_id: str, body: PromoteBody, call: ProductOpsCall) -> Taxonomy:
    """Turn a candidate into a theme (its examples and label terms seed the theme): a new version."""
    taxonomy, _ = await call.run(
        handlers.promote,
        call.context,
        candidate_id,
        body.slug,
        body.name,
        body.product_area,
        body.description,
        call.principal.actor,
    )
    return taxonomy


@router.post("/replays", status_code=202)
async def start_replay(body: ReplayBody, call: ProductOpsCall) -> dict:
    """Re-apply a taxonomy version to the whole history; follow it at /v1/replays/{replay_id}."""
    job = await call.run(replay.request, call.context, body.version, call.principal.actor)
    return _replay_view(job)


@router.get("/replays/{replay_id}")
async def get_replay(replay_id: str, principal: Reader, uow: Reads) -> dict:
    job = await replays.get(uow, replay_id)
    if job is None:
        raise NotFound(f"no replay {replay_id}")
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
