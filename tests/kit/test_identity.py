"""One identity across the services: a token signed by the issuer passes every service that trusts its public
key; a forged, expired or foreign token does not; a key limited to sources passes only where the route
filters by source."""

from datetime import timedelta

import pytest
from fastapi import APIRouter
from terrain_contracts import Role
from terrain_contracts.types import utcnow
from terrain_dev.servers import free_port
from terrain_dev.testing import running, settings_for
from terrain_kit.auth import Principal, Reader, SourceReader
from terrain_kit.http import create_app
from terrain_kit.identity import Issuer, Verifier
from terrain_kit.service import Service
from terrain_kit.settings import HttpSettings, IdentitySettings

from .sample_service import SampleSettings

pytestmark = pytest.mark.integration

ISSUER = Issuer.generate()
router = APIRouter()


def _who(principal: Principal) -> dict:
    return {"name": principal.name, "role": principal.role.value, "member_id": principal.member_id}


@router.get("/v1/whoami")
async def whoami(principal: Reader) -> dict:
    return _who(principal)


@router.get("/v1/items/{source}")
async def items_of(source: str, principal: SourceReader) -> dict:
    return {"visible": principal.may_see(source)}


@pytest.fixture
async def sample(nats_server, mongo_server, database_name, jetstream):
    settings = settings_for(
        SampleSettings,
        nats_server,
        mongo_server,
        database_name,
        http=HttpSettings(port=free_port()),
        identity=IdentitySettings(public_keys=[ISSUER.public_pem()]),
    )
    app = create_app(Service("sample", settings), title="Sample", routers=[router])
    async with running(app) as service:
        yield service


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "X-API-Key": ""}


async def test_a_token_from_the_trusted_issuer_is_the_person_it_names(sample):
    token = ISSUER.issue(subject="m-hugo", name="Hugo", role=Role.pm, member_id="m-hugo")
    response = await sample.http.get("/v1/whoami", headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.json() == {"name": "Hugo", "role": "pm", "member_id": "m-hugo"}


async def test_a_token_signed_by_another_key_is_refused(sample):
    token = Issuer.generate().issue(subject="m-eve", name="Eve", role=Role.admin)
    assert (await sample.http.get("/v1/whoami", headers=bearer(token))).status_code == 401


async def test_an_expired_or_tampered_token_is_refused(sample):
    expired = ISSUER.issue(subject="m-1", name="Old", role=Role.pm, now=utcnow() - timedelta(days=2))
    valid = ISSUER.issue(subject="m-1", name="Hugo", role=Role.pm)
    header, claims, signature = valid.split(".")
    tampered = ".".join([header, claims[:-2] + ("A" if claims[-2] != "A" else "B") + claims[-1], signature])
    for token in (expired, tampered):
        assert (await sample.http.get("/v1/whoami", headers=bearer(token))).status_code == 401


async def test_an_unsigned_token_is_refused():
    import jwt

    claims = {"sub": "x", "role": "admin", "aud": "terrain", "exp": 4_000_000_000, "iat": 1, "jti": "a"}
    verifier = Verifier([ISSUER.public_pem()])
    assert verifier.verify(jwt.encode(claims, None, algorithm="none")) is None
    assert verifier.verify(jwt.encode(claims, "k" * 32, algorithm="HS256")) is None


async def test_a_key_limited_to_a_source_sees_that_source_only_and_no_other_route(sample):
    response = await sample.http.post(
        "/v1/api-keys", json={"name": "zendesk sync", "role": "viewer", "sources": ["zendesk"]}
    )
    assert response.status_code == 201, response.text
    assert response.json()["sources"] == ["zendesk"]
    key = {"X-API-Key": response.json()["key"]}
    assert (await sample.http.get("/v1/items/zendesk", headers=key)).json() == {"visible": True}
    assert (await sample.http.get("/v1/items/intercom", headers=key)).json() == {"visible": False}
    refused = await sample.http.get("/v1/whoami", headers=key)
    assert refused.status_code == 403
    assert "limited to the sources zendesk" in refused.json()["detail"]


async def test_a_token_limited_to_sources_is_held_to_them_too(sample):
    token = ISSUER.issue(subject="zendesk-sync", name="Zendesk sync", role=Role.viewer, sources=["zendesk"])
    assert (await sample.http.get("/v1/whoami", headers=bearer(token))).status_code == 403
    response = await sample.http.get("/v1/items/zendesk", headers=bearer(token))
    assert response.json() == {"visible": True}
