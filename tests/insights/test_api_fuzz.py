"""schemathesis against the insights API on the real servers (checks: terrain_dev.fuzzing.CHECKS)."""

import uuid

import pytest
from terrain_dev.fuzzing import api_budget, call_and_validate, openapi_schema, serving
from terrain_dev.testing import ADMIN_KEY
from terrain_insights.main import create

from .conftest import TAXONOMY_YAML, insights_settings

pytestmark = pytest.mark.integration

schema = openapi_schema(create)


@pytest.fixture(scope="module")
def service(nats_server, mongo_server):
    app = create(insights_settings(nats_server, mongo_server, f"fuzz_{uuid.uuid4().hex[:12]}"))
    with serving(schema, app) as client:
        # A real taxonomy, so reads by theme and area find something.
        imported = client.post(
            "/v1/taxonomy/import",
            data=TAXONOMY_YAML,
            headers={"Content-Type": "application/yaml", "X-API-Key": ADMIN_KEY},
        )
        assert imported.status_code == 201, imported.text
        yield


@schema.parametrize()
@api_budget()
def test_no_request_gets_a_server_error_or_an_undocumented_answer(case, service):
    call_and_validate(case, ADMIN_KEY)
