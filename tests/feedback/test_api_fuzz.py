"""schemathesis against the feedback API, in-process on the real servers, with the admin key.

The checks: terrain_dev.fuzzing.CHECKS. The webhook routes get schemathesis' bodies unsigned (401);
signed fuzzing of every vendor's parser is in test_vendors.py and test_webhooks.py.
"""

import uuid

import pytest
from terrain_dev.fuzzing import api_budget, call_and_validate, openapi_schema, serving
from terrain_dev.servers import free_port
from terrain_dev.testing import ADMIN_KEY, settings_for
from terrain_feedback.main import create
from terrain_feedback.settings import FeedbackHttp, FeedbackSettings

from .conftest import webhook_settings

pytestmark = pytest.mark.integration

schema = openapi_schema(create)


@pytest.fixture(scope="module")
def service(nats_server, mongo_server):
    settings = settings_for(
        FeedbackSettings,
        nats_server,
        mongo_server,
        f"fuzz_{uuid.uuid4().hex[:12]}",
        http=FeedbackHttp(port=free_port()),
        webhooks=webhook_settings(),
    )
    with serving(schema, create(settings)):
        yield


@schema.parametrize()
@api_budget()
def test_no_request_gets_a_server_error_or_an_undocumented_answer(case, service):
    call_and_validate(case, ADMIN_KEY)
