"""OpenTelemetry set-up and trace-context helpers for the outbox and NATS headers."""

import json
from collections.abc import Sequence
from pathlib import Path
from threading import Lock

from opentelemetry import propagate
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)

from .settings import TelemetrySettings


class JsonLinesSpanExporter(SpanExporter):
    """Appends finished spans to a file, one JSON object per line (tests and local debugging)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = [
            json.dumps(
                {
                    "service": span.resource.attributes.get("service.name"),
                    "name": span.name,
                    "trace_id": format(span.context.trace_id, "032x"),
                    "span_id": format(span.context.span_id, "016x"),
                    "parent_id": format(span.parent.span_id, "016x") if span.parent else None,
                    "kind": span.kind.name,
                }
            )
            + "\n"
            for span in spans
        ]
        with self._lock, self._path.open("a") as out:
            out.writelines(lines)
        return SpanExportResult.SUCCESS


def configure(service: str, instance: str, settings: TelemetrySettings) -> TracerProvider:
    provider = TracerProvider(
        resource=Resource.create({"service.name": service, "service.instance.id": instance})
    )
    if settings.otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.otlp_endpoint)))
    if settings.span_file is not None:
        provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(settings.span_file)))
    # Not installed globally: the broker and HTTP instrumentation get it explicitly, so several
    # services can share one process in tests.
    return provider


def current_trace_headers() -> dict[str, str]:
    """W3C trace context of the current span, to store with an outbox entry."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier
