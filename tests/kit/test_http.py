"""Every service's HTTP face: health and metrics open, everything else behind a key with a role."""

import httpx
import pytest
from jsonschema import Draft202012Validator
from terrain_dev.servers import free_port
from terrain_kit.settings import MongoSettings, NatsSettings

from .conftest import ADMIN_KEY
from .sample_service import build

pytestmark = pytest.mark.integration

ACCOUNT = {"account_id": "acc-1", "name": "Acme"}


async def new_key(sample, role: str, member_id: str | None = None) -> str:
    response = await sample.http.post(
        "/v1/api-keys", json={"name": f"{role} key", "role": role, "member_id": member_id}
    )
    assert response.status_code == 201, response.text
    return response.json()["key"]


async def test_health_readiness_and_metrics_need_no_key(sample):
    anonymous = {"X-API-Key": ""}
    assert (await sample.http.get("/healthz", headers=anonymous)).status_code == 200
    ready = await sample.http.get("/readyz", headers=anonymous)
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"started": True, "nats": True, "mongo": True}
    metrics = await sample.http.get("/metrics", headers=anonymous)
    assert "terrain_outbox_backlog" in metrics.text


async def test_a_request_without_a_key_gets_401(sample):
    response = await sample.http.post("/v1/accounts", json=ACCOUNT, headers={"X-API-Key": ""})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_a_request_with_an_unknown_key_gets_401(sample):
    for key in ("nonsense", "trn_abc_def", ADMIN_KEY + "x"):
        response = await sample.http.post("/v1/accounts", json=ACCOUNT, headers={"X-API-Key": key})
        assert response.status_code == 401, key


async def test_a_key_with_the_wrong_role_gets_403(sample):
    viewer = await new_key(sample, "viewer")
    response = await sample.http.post("/v1/accounts", json=ACCOUNT, headers={"X-API-Key": viewer})
    assert response.status_code == 403
    assert "needs one of: product_ops" in response.json()["detail"]


async def test_a_key_with_the_right_role_is_let_in_by_header_or_bearer(sample):
    product_ops = await new_key(sample, "product_ops", member_id="m-7")
    by_header = await sample.http.post("/v1/accounts", json=ACCOUNT, headers={"X-API-Key": product_ops})
    by_bearer = await sample.http.get(
        "/v1/whoami", headers={"X-API-Key": "", "Authorization": f"Bearer {product_ops}"}
    )
    assert by_header.status_code == 201
    assert by_bearer.json() == {"name": "product_ops key", "role": "product_ops"}


async def test_only_an_admin_manages_keys_and_a_revoked_key_stops_working(sample):
    pm = await new_key(sample, "pm")
    refused = await sample.http.post(
        "/v1/api-keys", json={"name": "x", "role": "admin"}, headers={"X-API-Key": pm}
    )
    assert refused.status_code == 403

    key_id = pm.split("_")[1]
    listed = (await sample.http.get("/v1/api-keys")).json()
    assert [k["key_id"] for k in listed] == [key_id]
    assert "hash" not in listed[0] and "key" not in listed[0]
    assert (await sample.http.delete(f"/v1/api-keys/{key_id}")).status_code == 204

    assert (await sample.http.get("/v1/whoami", headers={"X-API-Key": pm})).status_code == 401


async def test_keys_are_stored_hashed(sample):
    pm = await new_key(sample, "pm")
    stored = await sample.service.db["api_keys"].find_one({"_id": pm.split("_")[1]})
    assert pm.split("_", 2)[2] not in str(stored)
    assert len(stored["hash"]) == 64


async def test_an_invalid_body_gets_422_naming_the_field(sample):
    response = await sample.http.post("/v1/accounts", json={"account_id": "acc-1", "name": ""})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.name"


@pytest.mark.parametrize(
    ("wrong", "field"),
    [
        ({"renewal_date": 0}, "body.renewal_date"),  # lax Python mode reads 0 as 1970-01-01
        ({"arr": {"amount_minor": True, "currency": "EUR"}}, "body.arr.amount_minor"),  # and true as 1
    ],
)
async def test_a_json_value_of_the_wrong_type_gets_422_naming_the_field(sample, wrong, field):
    # Found by schemathesis: the document says a date is a string and an amount an integer.
    response = await sample.http.post("/v1/accounts", json={**ACCOUNT, **wrong})

    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_a_caller_without_the_role_gets_403_whatever_the_body(sample):
    viewer = await new_key(sample, "viewer")
    response = await sample.http.post("/v1/accounts", json={"name": ""}, headers={"X-API-Key": viewer})

    assert response.status_code == 403, response.text


async def test_json_values_of_the_documented_types_are_accepted(sample):
    account = {**ACCOUNT, "renewal_date": "2027-03-31", "arr": {"amount_minor": 1200000, "currency": "EUR"}}
    response = await sample.http.post("/v1/accounts", json=account)

    assert response.status_code == 201, response.text


async def test_the_openapi_document_describes_the_422_body_that_is_sent(sample):
    spec = (await sample.http.get("/openapi.json")).json()
    documented = spec["paths"]["/v1/accounts"]["post"]["responses"]["422"]["content"]["application/json"][
        "schema"
    ]
    validator = Draft202012Validator({**documented, "components": spec["components"]})
    malformed = await sample.http.post("/v1/accounts", json={"account_id": "acc-1", "name": ""})

    assert malformed.status_code == 422
    assert list(validator.iter_errors(malformed.json())) == []
    assert list(validator.iter_errors({"detail": "invalid cursor"})) == []  # a 422 raised by a route
    assert "ValidationError" not in spec["components"]["schemas"]  # FastAPI's own shape is gone


async def test_a_method_the_resource_lacks_gets_405_naming_every_method_it_has(sample):
    response = await sample.http.request("PATCH", "/v1/api-keys")

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


async def test_a_body_over_the_limit_gets_413_before_parsing(sample):
    huge = {"account_id": "acc-1", "name": "x" * (70 * 1024)}
    response = await sample.http.post("/v1/accounts", json=huge)
    assert response.status_code == 413


async def test_readiness_fails_while_nats_and_mongodb_are_unreachable(sample_settings):
    unreachable = sample_settings.model_copy(
        update={
            "nats": NatsSettings(url=f"nats://127.0.0.1:{free_port()}"),
            "mongo": MongoSettings(
                uri=f"mongodb://127.0.0.1:{free_port()}/?directConnection=true",
                server_selection_timeout_ms=200,
            ),
        }
    )
    app = build(unreachable)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sample") as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"started": False, "nats": False, "mongo": False}
