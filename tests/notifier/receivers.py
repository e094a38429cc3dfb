"""Real local receivers: an HTTP server (Slack and webhooks) and an SMTP server, on free loopback ports."""

import email
import json
import threading
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from terrain_dev.servers import free_port


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class HttpReceiver:
    """Records every POST; ``fail(path, status)`` makes a path answer with that status."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.statuses: dict[str, int] = {}
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with receiver._lock:
                    receiver.requests.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    code = receiver.statuses.get(self.path, 200)
                self.send_response(code)
                self.send_header("content-type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if code < 400 else b"receiver says no")

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> "HttpReceiver":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def fail(self, path: str, status: int = 500) -> None:
        self.statuses[path] = status

    def at(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.path == path]


def text_of(message: Message) -> str:
    """The decoded text body (SMTP sends it quoted-printable)."""
    return message.get_payload(decode=True).decode()


class _Collect:
    def __init__(self, sink: list[Message], lock: threading.Lock) -> None:
        self.sink = sink
        self.lock = lock

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content)
        message["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        with self.lock:
            self.sink.append(message)
        return "250 Message accepted for delivery"


class SmtpReceiver:
    """A real SMTP server (aiosmtpd) keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._lock = threading.Lock()
        self.port = free_port()
        self._controller = Controller(
            _Collect(self.messages, self._lock), hostname="127.0.0.1", port=self.port
        )

    def start(self) -> "SmtpReceiver":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def to(self, address: str) -> list[Message]:
        with self._lock:
            return [m for m in self.messages if m["X-Envelope-To"] == address]

    def all(self) -> list[Message]:
        with self._lock:
            return list(self.messages)
