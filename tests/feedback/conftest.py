import pytest
from terrain_dev.servers import free_port
from terrain_dev.testing import fast_consumers, running, settings_for
from terrain_feedback.main import create
from terrain_feedback.settings import FeedbackHttp, FeedbackSettings, WebhookSettings, WebhookSource

from .signing import SECRETS


def webhook_settings() -> WebhookSettings:
    return WebhookSettings(
        **{vendor: WebhookSource(secrets=secrets) for vendor, secrets in SECRETS.items()},
        max_body_bytes=64 * 1024,
    )


@pytest.fixture
def feedback_settings(nats_server, mongo_server, database_name, jetstream) -> FeedbackSettings:
    return settings_for(
        FeedbackSettings,
        nats_server,
        mongo_server,
        database_name,
        http=FeedbackHttp(port=free_port()),
        webhooks=webhook_settings(),
        consumer=fast_consumers(linger_ms=25, ack_wait_seconds=30),
    )


@pytest.fixture
async def feedback(feedback_settings):
    async with running(create(feedback_settings)) as service:
        yield service
