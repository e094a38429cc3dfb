"""Log lines are JSON carrying the service, the trace and the correlation id."""

import json
import logging

import pytest
from opentelemetry.sdk.trace import TracerProvider
from terrain_kit import logs

pytestmark = pytest.mark.unit


def test_a_log_line_carries_service_trace_and_correlation_ids():
    formatter = logs.JsonFormatter("feedback", "host:1")
    tracer = TracerProvider().get_tracer("test")
    token = logs.correlation_id.set("req-42")
    try:
        with tracer.start_as_current_span("handle") as span:
            record = logging.makeLogRecord(
                {
                    "name": "terrain_kit.delivery",
                    "levelname": "WARNING",
                    "msg": "handler failed",
                    "consumer": "insights-classifier",
                }
            )
            line = json.loads(formatter.format(record))
    finally:
        logs.correlation_id.reset(token)

    assert line["service"] == "feedback"
    assert line["message"] == "handler failed"
    assert line["level"] == "warning"
    assert line["correlation_id"] == "req-42"
    assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert line["consumer"] == "insights-classifier"


def test_a_log_line_outside_any_span_or_flow_has_no_ids():
    line = json.loads(
        logs.JsonFormatter("feedback", "host:1").format(logging.makeLogRecord({"msg": "started"}))
    )
    assert "trace_id" not in line and "correlation_id" not in line
