"""The asynchronous probe: the provider's callback arrives, matches the spec and is signed.

A valid DTMF request with `callback_url` pointing at a small HTTP server this process runs
must be answered 202 "async api spawned"; then one callback for it (POST JSON, and once more
with `callback_method: GET`) must arrive, match `DigitsSentCallback`, carry the request's
`api_id`, and verify with the account's Auth Token (`X-Plivo-Signature-V3`, checked by the
generated client's `plivo_dtmf_client.webhooks`). The receiver must be reachable from the
provider: it listens on a free loopback port when the provider is on loopback; for a remote
provider give `CALLBACK_URL` (a public URL that forwards here) and `CALLBACK_LISTEN`
(HOST:PORT it forwards to; by default CALLBACK_URL's own host and port when that host is
loopback). Otherwise the probe is skipped, saying why.
"""

from __future__ import annotations

import http.server
import ipaddress
import os
import queue
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlencode, urlsplit

from plivo_dtmf_client.webhooks import NONCE_V3, WebhookError, signed_text_v3, verify_digits_sent
from plivo_mock import jsonbody

from .probes import ProbeContext, Skip, Violation, expect, probe

MARKER = "contract_probe"
"""Marks the probe's own callback_url in its query (its receiver, not a generated URL)."""
CALLBACK_WAIT_S = 10.0
"""How long the probe waits for each callback once the provider accepted the request."""
_MAX_BODY = 64 * 1024
"""The largest callback body the receiver reads: a DigitsSentCallback is a few hundred bytes."""
READ_TIMEOUT_S = 5.0
"""How long the receiver waits for each read from a sender before it gives the request up."""


@dataclass
class Received:
    """One request the receiver got: as it arrived, headers with lower-case names."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    problem: str | None = None
    """What made the request unreadable (its framing, a stalled body), or None."""

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.target).query, keep_blank_values=True))


class _V6Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6


@dataclass
class CallbackReceiver:
    """A real HTTP server in a thread that records every request and answers `status`.

    Each answer waits for `release` (set by default), so a test can hold a callback open.
    """

    host: str = "127.0.0.1"
    port: int = 0
    path: str = "/callback"
    status: int = 200
    requests: queue.Queue[Received] = field(default_factory=queue.Queue)
    release: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.release.set()
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{self.path}"

    def start(self) -> Self:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            # A sender that stalls holds its thread only this long (socket timeout).
            timeout = READ_TIMEOUT_S

            def _record(self) -> None:
                body, problem = self._body()
                receiver.requests.put(
                    Received(
                        self.command,
                        self.path,
                        {name.lower(): value for name, value in self.headers.items()},
                        body,
                        problem,
                    )
                )
                if problem is not None:
                    # What is left of a request with no trustworthy length cannot be framed.
                    self.close_connection = True
                    self.send_response(400)
                else:
                    receiver.release.wait(CALLBACK_WAIT_S)
                    self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _body(self) -> tuple[bytes, str | None]:
                """The body Content-Length announces, or why it cannot be read whole."""
                given = self.headers.get_all("Content-Length") or []
                if len(set(given)) > 1:
                    return b"", f"Content-Length given {len(given)} times: {given!r}"
                text = given[0].strip() if given else "0"
                if not (text.isascii() and text.isdigit()):
                    return b"", f"Content-Length {given[0]!r} is not a length"
                length = int(text)
                if length > _MAX_BODY:
                    return b"", f"Content-Length {length} is over {_MAX_BODY} bytes"
                try:
                    body = self.rfile.read(length)
                except TimeoutError:
                    return b"", (
                        f"the body stalled: {length} bytes announced, then nothing for "
                        f"{self.timeout:g} s"
                    )
                if len(body) < length:
                    return body, f"the body ended after {len(body)} of {length} bytes announced"
                return body, None

            do_GET = _record
            do_POST = _record

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server_class = _V6Server if ":" in self.host else http.server.ThreadingHTTPServer
        self._server = server_class((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,))
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def next(self, timeout: float = 5.0) -> Received:
        """The next request received; queue.Empty after `timeout` seconds."""
        return self.requests.get(timeout=timeout)

    def wait_for(
        self,
        want: Callable[[Received], bool],
        timeout: float,
        others: list[Received] | None = None,
    ) -> Received | None:
        """The first request received within `timeout` that `want` accepts, else None.

        The requests passed over are appended to `others`, so a caller can say what came.
        """
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                got = self.requests.get(timeout=left)
            except queue.Empty:
                return None
            if want(got):
                return got
            if others is not None:
                others.append(got)
        return None


def _fields(received: Received) -> dict[str, Any]:
    """The callback's parameters: a POST's JSON members, a GET's query (empty if unreadable)."""
    if received.method == "GET":
        return received.query
    try:
        document = jsonbody.parse(received.body)
    except jsonbody.BadJson:
        return {}
    return document if isinstance(document, dict) else {}


def _describe(received: Received) -> str:
    body = received.body[:200].decode("utf-8", "replace")
    said = f"{received.method} {received.target[:200]!r}" + (f" with body {body!r}" if body else "")
    return said + (f" ({received.problem})" if received.problem else "")


def _is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def listen_address(
    provider_url: str, callback_url: str | None, listen: str | None
) -> tuple[str, int, str]:
    """(host, port, public base URL) for the receiver, or Skip saying why there is none."""
    if callback_url:
        public = urlsplit(callback_url)
        if listen:
            host, _, port = listen.rpartition(":")
            if not port.isdigit() or int(port) > 65535:
                raise Skip(f"CALLBACK_LISTEN={listen!r} is not HOST:PORT")
            return host.strip("[]") or "127.0.0.1", int(port), callback_url
        if _is_loopback(public.hostname):
            return public.hostname or "127.0.0.1", public.port or 80, callback_url
        raise Skip(
            "CALLBACK_URL is not a loopback URL: set CALLBACK_LISTEN=HOST:PORT to where it "
            "forwards, so the probe can receive the callback"
        )
    if _is_loopback(urlsplit(provider_url).hostname):
        return "127.0.0.1", 0, ""
    raise Skip(
        "the provider is not on loopback and CALLBACK_URL is not set: nothing here could "
        "receive its callback (give CALLBACK_URL, and CALLBACK_LISTEN if it forwards)"
    )


@probe(
    "async_callback",
    "with callback_url: 202, then a signed callback (POST and GET) that matches the spec",
)
def _async_callback(ctx: ProbeContext) -> None:
    if ctx.negative_only:
        raise Skip("negative-only mode sends no schema-valid digits request")
    host, port, public = listen_address(
        ctx.provider.base_url, ctx.given_callback_url, os.environ.get("CALLBACK_LISTEN")
    )
    try:
        receiver = CallbackReceiver(host, port).start()
    except OSError as exc:
        raise Skip(f"cannot listen on {host}:{port} for the callback: {exc}") from None
    try:
        for method in ("POST", "GET"):
            _one_callback(ctx, receiver, public or receiver.url, method)
    finally:
        receiver.stop()


def _one_callback(ctx: ProbeContext, receiver: CallbackReceiver, base: str, method: str) -> None:
    marker = secrets.token_hex(8)
    parts = urlsplit(base)
    query = "&".join(q for q in (parts.query, urlencode({MARKER: marker})) if q)
    callback_url = parts._replace(query=query, fragment="").geturl()
    digits = "1"
    response = ctx.send_digits(
        {"digits": digits, "callback_url": callback_url, "callback_method": method}
    )
    expect(ctx, response, ctx.send_op.success)
    try:
        _check_callback(
            ctx, receiver, callback_url, marker, method, digits, response.json().get("api_id")
        )
    except Violation as exc:
        # The line to replay is the request that asked for the callback.
        exc.request = exc.request or response.request
        raise


def _check_callback(
    ctx: ProbeContext,
    receiver: CallbackReceiver,
    callback_url: str,
    marker: str,
    method: str,
    digits: str,
    api_id: Any,
) -> None:
    parts = urlsplit(callback_url)
    others: list[Received] = []
    # Ours: the marker of its callback_url survived, or (if the provider lost the query) it
    # carries this request's api_id.
    got = receiver.wait_for(
        lambda r: marker in r.target or _fields(r).get("api_id") == api_id,
        CALLBACK_WAIT_S,
        others,
    )
    if got is None:
        if not others:
            raise Violation(
                f"{method} callback to {callback_url}: nothing at all reached the receiver "
                f"within {CALLBACK_WAIT_S:g} s of the 202"
            )
        raise Violation(
            f"{method} callback to {callback_url}: none for api_id {api_id!r} within "
            f"{CALLBACK_WAIT_S:g} s; the receiver got {len(others)} other request(s), the "
            f"first {_describe(others[0])}"
        )
    if got.problem is not None:
        raise Violation(f"{method} callback to {callback_url} unreadable: {_describe(got)}")
    if got.method != method:
        raise Violation(
            f"callback_method {method}, but the callback came as {got.method}: {_describe(got)}"
        )
    if marker not in got.target:
        raise Violation(
            f"{method} callback arrived as {got.target!r}, without the query of callback_url "
            f"{callback_url!r} (x-decisions.callback-query: a callback adds its parameters to "
            "callback_url's own query)",
            concerns=("callback-query",),
        )
    if method == "POST":
        try:
            jsonbody.parse(got.body)
        except jsonbody.BadJson as exc:
            raise Violation(f"POST callback body is no JSON document: {exc}") from None
    # Verified against the URL the provider was told to use, as a receiver behind it would.
    arrived = f"{parts.scheme}://{parts.netloc}{got.target}"
    try:
        callback = verify_digits_sent(
            method=got.method,
            url=arrived,
            headers=got.headers,
            body=got.body,
            auth_token=ctx.provider.auth_token,
        )
    except WebhookError as exc:
        nonce = got.headers.get(NONCE_V3.lower())
        params = _fields(got) if method == "POST" else {}
        should = (
            f"; the signed text should be {signed_text_v3(method, arrived, params, nonce)!r} "
            "(HMAC-SHA256 with the Auth Token, base64)"
            if nonce
            else ""
        )
        raise Violation(
            f"{method} callback rejected: {type(exc).__name__}: {exc}{should}",
            concerns=("callback-signature",),
        ) from None
    fields = {k: v for k, v in _fields(got).items() if k != MARKER}
    if not ctx.spec.conforms("components/schemas/DigitsSentCallback", fields):
        raise Violation(f"{method} callback does not match DigitsSentCallback: {fields}")
    if callback.api_id != api_id:
        raise Violation(
            f"{method} callback api_id: expected {api_id} (from the 202), got {callback.api_id} "
            "(x-decisions.callback-api-id)",
            concerns=("callback-api-id",),
        )
    if callback.digits != digits:
        raise Violation(
            f"{method} callback digits: expected {digits!r} (sent), got {callback.digits!r}"
        )
    if callback.call_uuid != ctx.call.call_uuid:
        raise Violation(f"callback for call {callback.call_uuid}, sent to {ctx.call.call_uuid}")
