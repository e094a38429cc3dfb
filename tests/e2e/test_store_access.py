"""The local stack's store asks who you are: each service reaches its own database only, anonymous clients
nothing (issue 19: the store on 27017 was open to any local process)."""

import pytest
from pymongo import MongoClient
from pymongo.errors import OperationFailure
from terrain_dev.stack import Printer, Stack, StackConfig

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with Stack(StackConfig.on_free_ports(tmp_path_factory.mktemp("store")), Printer(colour=False)) as running:
        yield running


def _reads(uri: str, database: str) -> list[str]:
    client: MongoClient = MongoClient(uri, serverSelectionTimeoutMS=5000)
    try:
        return client[database].list_collection_names()
    finally:
        client.close()


def test_each_service_runs_with_its_own_store_user(stack):
    # ready means each service created its indexes and serves with its own credentials
    assert "outbox" in _reads(stack.mongo_uri_as("feedback"), "terrain_feedback")


def test_an_anonymous_client_is_refused(stack):
    with pytest.raises(OperationFailure, match="requires authentication"):
        _reads(stack.mongo_server.uri, "terrain_feedback")


def test_a_service_cannot_read_another_services_database(stack):
    with pytest.raises(OperationFailure, match="not authorized"):
        _reads(stack.mongo_uri_as("notifier"), "terrain_feedback")


def test_ops_reaches_every_database(stack):
    for service in ("feedback", "initiatives", "insights", "notifier"):
        assert "outbox" in _reads(stack.mongo_uri_as("ops"), f"terrain_{service}")


def test_one_identity_token_is_accepted_by_every_service(stack):
    import httpx
    from terrain_contracts import Role

    token = stack.identity_issuer.issue(
        subject="m-nadia", name="Nadia", role=Role.product_ops, member_id="m-nadia"
    )
    for name, process in stack.services.items():
        response = httpx.get(f"{process.base_url}/v1/api-keys", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 403, (name, response.text)  # known, but not an admin
        refused = httpx.get(f"{process.base_url}/v1/api-keys", headers={"Authorization": "Bearer a.b.c"})
        assert refused.status_code == 401, name
