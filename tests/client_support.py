"""What the client and spec tests share: the spec, one live call, and stand-ins that accept.

The stand-ins answer as Plivo does when it takes the digits (202 and a `SendDigitsAccepted`
body): an httpx.MockTransport recorder for tests off the network, and an HTTP handler base
plus `serving()` for tests that need a real server on loopback.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from socketserver import BaseServer
from typing import Any, TypeVar

import httpx
import pytest
import yaml
from plivo_dtmf_client import Client

ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "openapi" / "plivo-dtmf.yaml"
SPEC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text("utf-8"))
DTMF_PATH = "/v1/Account/{auth_id}/Call/{call_uuid}/DTMF/"

AUTH_ID = "MA2025RK4E639VJFZAGV"
TOKEN = "client-test-token"
CALL = "eba53b9e-8fbd-45c1-9444-696d2172fbc8"
CALL_DTMF_PATH = DTMF_PATH.format(auth_id=AUTH_ID, call_uuid=CALL)
API_ID = "07abfd94-58c0-11e1-86da-adf28403fe48"
ACCEPTED = {"message": "digits sent", "api_id": API_ID}

Handler = Callable[[httpx.Request], httpx.Response]
Server = TypeVar("Server", bound=BaseServer)


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    """Follow a node's local `$ref`s in the spec until a node without one."""
    while "$ref" in node:
        target: Any = SPEC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def clear_plivo_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client reads these variables: a developer's own must not leak into a test."""
    for name in ("PLIVO_AUTH_ID", "PLIVO_AUTH_TOKEN", "PLIVO_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def recorder(
    status: int = 202, body: object = ACCEPTED
) -> tuple[list[httpx.Request], httpx.MockTransport]:
    """A transport answering every request with `status` and JSON `body`, keeping the requests."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=body)

    return seen, httpx.MockTransport(handler)


def client_on(answers: Handler | httpx.BaseTransport, **options: Any) -> Client:
    """A client whose requests go to `answers`; no retries unless asked, one request per send."""
    transport = (
        answers if isinstance(answers, httpx.BaseTransport) else httpx.MockTransport(answers)
    )
    return Client(
        AUTH_ID,
        TOKEN,
        base_url="http://127.0.0.1:4010",
        httpx_args={"transport": transport},
        **{"max_retries": 0, **options},
    )


class AcceptingHandler(BaseHTTPRequestHandler):
    """Answers any POST with what `respond` returns (202 and ACCEPTED), over HTTP/1.1 keep-alive.

    Subclasses override `respond` to note the request or answer otherwise.
    """

    protocol_version = "HTTP/1.1"

    def respond(self, body: bytes) -> tuple[int, object]:
        return 202, ACCEPTED

    def do_POST(self) -> None:
        status, answer = self.respond(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        content = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serving(server: Server) -> Iterator[Server]:
    """Serve on a thread for the block, then stop, close and join it (bounded)."""
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
