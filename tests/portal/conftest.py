"""A local stand-in for the outside providers (real-name check, payment, SMS gateway)."""

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class StandIn:
    """Answers every POST with ``status`` and ``answer`` (a dict sent as JSON, or raw bytes) after
    ``delay`` seconds, and keeps what it received."""

    url: str = ""
    status: int = 200
    answer: dict[str, Any] | bytes = field(default_factory=dict)
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)

    def reply(self, answer: dict[str, Any] | bytes, *, status: int = 200, delay: float = 0.0) -> None:
        self.answer, self.status, self.delay = answer, status, delay

    @property
    def last(self) -> Received:
        return self.received[-1]


@pytest.fixture
def stand_in():
    """An HTTP server on a free local port, in a thread, for the duration of one test."""
    state = StandIn()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.received.append(Received(path=self.path, headers=dict(self.headers), body=body))
            if state.delay:
                time.sleep(state.delay)
            payload = state.answer if isinstance(state.answer, bytes) else json.dumps(state.answer).encode()
            try:
                self.send_response(state.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (the timeout test)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/api"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def unreachable_url() -> str:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/api"
