"""The notification endpoint of the suite: a real HTTP server on loopback that records every webhook.

The notifier signs each webhook per Standard Webhooks; ``webhook-id`` is the
notification id, the same on every retry. The receiver keeps every request
(arrival time, webhook id, the insight it is about) and can be made slow, to
play an endpoint that lags behind.
"""

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Webhook:
    webhook_id: str
    received_at: float  # wall clock, comparable with the services' timestamps
    dedup_key: str | None
    evidence: tuple[str, ...]


class Receiver:
    def __init__(self) -> None:
        self.delay_seconds = 0.0
        self._requests: list[Webhook] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                if receiver.delay_seconds:
                    time.sleep(receiver.delay_seconds)
                receiver._record(self.headers.get("webhook-id", ""), body)
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="receiver", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> "Receiver":
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():  # shutdown() waits for serve_forever, forever if it never ran
            self._server.shutdown()
        self._server.server_close()

    def _record(self, webhook_id: str, body: bytes) -> None:
        try:
            insight = json.loads(body).get("insight") or {}
        except ValueError:
            insight = {}
        webhook = Webhook(
            webhook_id,
            time.time(),
            insight.get("dedup_key"),
            tuple(insight.get("evidence_feedback_ids") or ()),
        )
        with self._lock:
            self._requests.append(webhook)

    def requests(self) -> list[Webhook]:
        with self._lock:
            return list(self._requests)
