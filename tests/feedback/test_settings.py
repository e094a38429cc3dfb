"""Settings from the environment keep the service's own defaults for what is not set."""

import pytest
from terrain_feedback.settings import FeedbackSettings

pytestmark = pytest.mark.unit


def test_setting_one_consumer_variable_keeps_the_services_linger(monkeypatch):
    monkeypatch.setenv("FEEDBACK_CONSUMER__MAX_ATTEMPTS", "8")

    consumer = FeedbackSettings().consumer

    assert consumer.max_attempts == 8
    assert consumer.linger_ms == 25


def test_the_linger_can_still_be_set(monkeypatch):
    monkeypatch.setenv("FEEDBACK_CONSUMER__LINGER_MS", "7")

    assert FeedbackSettings().consumer.linger_ms == 7
