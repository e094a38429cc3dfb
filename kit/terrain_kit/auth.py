"""Who calls: required on every route but health and metrics, as an identity token or an API key.

People carry one identity token across the services (``terrain_kit.identity``: signed by an issuer,
verified here with its public key). Integrations use API keys, kept per service: a key reads
``trn_<key id>_<secret>``; only the SHA-256 of the secret is stored (the secret is 256 random bits, so a
slow hash adds nothing); it is shown once, when created. A key may be limited to feedback sources (a
Zendesk integration's key sees Zendesk's items only): such a principal is refused by every route that does
not filter by source itself. The bootstrap admin key comes from settings.

    @router.post("/v1/things")
    async def create_thing(body: Thing, principal: Writer) -> ThingView: ...
"""

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, SecretStr
from pymongo.asynchronous.database import AsyncDatabase
from terrain_contracts import Role
from terrain_contracts.types import Id, Name, Slug, utcnow

from .errors import NotFound
from .identity import Verifier

KEYS = "api_keys"
_CACHE_SECONDS = 10.0  # a revoked key stops working everywhere within this


@dataclass(frozen=True)
class Principal:
    key_id: str
    name: str
    role: Role
    member_id: str | None = None
    sources: frozenset[str] | None = None  # None: every source; else only these (integration keys)

    @property
    def actor(self) -> str:
        """Who to record in histories: the member if the key belongs to one."""
        return self.member_id or f"key:{self.key_id}"

    def may_see(self, source: str) -> bool:
        return self.sources is None or source in self.sources


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _split(presented: str) -> tuple[str, str] | None:
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != "trn" or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


class ApiKeys:
    def __init__(
        self, db: AsyncDatabase, admin_key: SecretStr | None, tokens: Verifier | None = None
    ) -> None:
        self._keys = db[KEYS]
        self._admin_key = admin_key.get_secret_value() if admin_key else None
        self._tokens = tokens
        self._cache: dict[str, tuple[float, dict | None]] = {}

    async def authenticate(self, presented: str) -> Principal | None:
        if self._admin_key and hmac.compare_digest(presented.encode(), self._admin_key.encode()):
            return Principal(key_id="bootstrap", name="bootstrap admin", role=Role.admin)
        if presented.count(".") == 2:  # a JWT: header.claims.signature
            identity = self._tokens.verify(presented) if self._tokens else None
            if identity is None:
                return None
            return Principal(
                key_id=f"token:{identity.token_id}",
                name=identity.name,
                role=identity.role,
                member_id=identity.member_id,
                sources=identity.sources,
            )
        split = _split(presented)
        if split is None:
            return None
        key_id, secret = split
        record = await self._lookup(key_id)
        if record is None or record.get("revoked_at") is not None:
            return None
        if not hmac.compare_digest(record["hash"], _hash(secret)):
            return None
        sources = record.get("sources")
        return Principal(
            key_id=key_id,
            name=record["name"],
            role=Role(record["role"]),
            member_id=record.get("member_id"),
            sources=frozenset(sources) if sources is not None else None,
        )

    async def _lookup(self, key_id: str) -> dict | None:
        now = time.monotonic()
        cached = self._cache.get(key_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        record = await self._keys.find_one({"_id": key_id})
        self._cache[key_id] = (now + _CACHE_SECONDS, record)
        return record

    async def create(
        self, name: str, role: Role, member_id: str | None, sources: list[str] | None = None
    ) -> tuple[dict, str]:
        key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        record = {
            "_id": key_id,
            "hash": _hash(secret),
            "name": name,
            "role": role.value,
            "member_id": member_id,
            "sources": sorted(set(sources)) if sources is not None else None,
            "created_at": utcnow(),
            "revoked_at": None,
        }
        await self._keys.insert_one(record)
        return record, f"trn_{key_id}_{secret}"

    async def list(self) -> list[dict]:
        return await self._keys.find({}, {"hash": 0}).sort("created_at", 1).to_list(None)

    async def revoke(self, key_id: str) -> bool:
        result = await self._keys.update_one(
            {"_id": key_id, "revoked_at": None}, {"$set": {"revoked_at": utcnow()}}
        )
        self._cache.pop(key_id, None)
        return result.modified_count == 1


_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)
_bearer = HTTPBearer(auto_error=False)


async def authenticated(
    request: Request,
    api_key: Annotated[str | None, Depends(_api_key_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    presented = api_key or (bearer.credentials if bearer else None)
    if not presented:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "an identity token or an API key is required (Authorization: Bearer, or X-API-Key)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    principal = await request.app.state.api_keys.authenticate(presented)
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "invalid, expired or revoked token or API key",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


def require(*roles: Role, per_source: bool = False):
    """Dependency: an authenticated principal with one of ``roles`` (admin always passes; none: any role).

    A principal limited to some sources passes only where ``per_source`` says the route filters by source
    (``principal.may_see``); everywhere else it is refused, whatever its role."""

    async def check(principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
        if principal.sources is not None and not per_source:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"this key is limited to the sources {', '.join(sorted(principal.sources))}; "
                "this route is not filtered by source",
            )
        if roles and principal.role not in roles and principal.role is not Role.admin:
            allowed = ", ".join(role.value for role in roles)
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"role {principal.role.value} may not do this; needs one of: {allowed}",
            )
        return principal

    return check


# Field reps (sales, cs) log feedback and follow their own: a route open to "any role" admits them too, so
# a route whose answer must not reach them (other teams' drafts, other reps' items) checks ``role in REPS``.
REPS = frozenset({Role.sales, Role.cs})

# A route's parameter says who may call it: ``async def list_items(principal: Reader)``; other sets of roles
# are written the same way, ``Annotated[Principal, Depends(require(Role.pm, Role.director))]``.
Reader = Annotated[Principal, Depends(require())]  # any valid identity
Writer = Annotated[Principal, Depends(require(Role.pm, Role.product_ops))]
ProductOps = Annotated[Principal, Depends(require(Role.product_ops))]
Director = Annotated[Principal, Depends(require(Role.director))]
Admin = Annotated[Principal, Depends(require(Role.admin))]
# Routes that filter what they return or accept by ``principal.may_see(source)`` take integration keys too.
SourceReader = Annotated[Principal, Depends(require(per_source=True))]


class KeyRequest(BaseModel):
    name: Name
    role: Role
    member_id: Id | None = Field(default=None, description="The team member the key acts for.")
    sources: list[Slug] | None = Field(
        default=None,
        min_length=1,
        max_length=50,
        description="Limit the key to these feedback sources (an integration's key); omitted: every source.",
    )


class KeyView(BaseModel):
    key_id: str
    name: str
    role: Role
    member_id: str | None
    sources: list[str] | None = None
    created_at: datetime
    revoked_at: datetime | None


class NewKey(KeyView):
    key: str = Field(description="Shown once; only its hash is stored.")


def _view(record: dict) -> dict:
    return {
        "key_id": record["_id"],
        **{k: record.get(k) for k in ("name", "role", "member_id", "sources", "created_at", "revoked_at")},
    }


router = APIRouter(prefix="/v1/api-keys", tags=["api keys"], dependencies=[Depends(require(Role.admin))])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=NewKey)
async def create_key(body: KeyRequest, request: Request) -> dict:
    record, key = await request.app.state.api_keys.create(body.name, body.role, body.member_id, body.sources)
    return {**_view(record), "key": key}


@router.get("", response_model=list[KeyView])
async def list_keys(request: Request) -> list[dict]:
    return [_view(record) for record in await request.app.state.api_keys.list()]


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_key(key_id: str, request: Request) -> Response:
    if not await request.app.state.api_keys.revoke(key_id):
        raise NotFound(f"no active key {key_id}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
