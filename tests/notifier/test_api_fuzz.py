"""schemathesis against the notifier API on the real servers (checks: terrain_dev.fuzzing.CHECKS)."""

import uuid

import pytest
from terrain_dev.fuzzing import api_budget, call_and_validate, openapi_schema, serving
from terrain_dev.servers import free_port
from terrain_dev.testing import ADMIN_KEY, settings_for
from terrain_notifier.main import create
from terrain_notifier.settings import NotifierSettings, SmtpSettings

pytestmark = pytest.mark.integration

schema = openapi_schema(create)


@pytest.fixture(scope="module")
def service(nats_server, mongo_server):
    # Nothing listens on the SMTP port: the fuzzing never makes the dispatcher send.
    settings = settings_for(
        NotifierSettings,
        nats_server,
        mongo_server,
        f"fuzz_{uuid.uuid4().hex[:12]}",
        smtp=SmtpSettings(port=free_port()),
    )
    with serving(schema, create(settings)):
        yield


@schema.parametrize()
@api_budget()
def test_no_request_gets_a_server_error_or_an_undocumented_answer(case, service):
    call_and_validate(case, ADMIN_KEY)
