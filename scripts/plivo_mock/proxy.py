"""`python -m plivo_mock --proxy UPSTREAM_URL`: forward everything, check it against the spec.

Every request is forwarded to UPSTREAM as it came (method, path as sent, query, headers with
Authorization, body) and the upstream's answer returned as it came; both are checked by
conformance.Checker on the way. Violations are served to loopback peers at
`GET /__mock__/violations` (`DELETE` clears them), summed up on exit and, with `--report
DIR`, written as JUnit XML. Credentials are forwarded, never recorded: a violation holds
the method, the path, the status, a rule and a detail worded by the checker.

The upstream must be a loopback host unless `--proxy-allow HOST` names it. If it cannot be
reached the client gets a Plivo-shaped 502 (504 when it is slower than --upstream-timeout),
and that is a violation too.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
import xml.etree.ElementTree as ET
from collections import Counter, deque
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import httpx
import uvicorn

from .asgi import (
    Message,
    Receive,
    Reply,
    Scope,
    Send,
    error_body,
    is_loopback_peer,
    new_api_id,
    response_messages,
)
from .cli import Parser, Server, positive_seconds, whole
from .config import LOOPBACK_HOSTS, MockConfig
from .conformance import Checker, Exchange, Violation

VIOLATIONS_PATH = "/__mock__/violations"
# Headers about one connection, not the message (RFC 9110 7.6.1): never forwarded.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
# Far over the spec's body limit (a larger body is answered 413 without forwarding it).
MAX_BODY_BYTES = 1 << 20
# Violations kept (the latest); older ones are only counted, so a long run stays bounded.
MAX_VIOLATIONS = 10_000


class ProxyApp:
    """The ASGI app of proxy mode."""

    def __init__(self, upstream: str, checker: Checker, timeout_s: float) -> None:
        self.upstream = httpx.URL(upstream)
        self.checker = checker
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s), trust_env=False, follow_redirects=False
        )
        # Forward the client's headers only: none of httpx's defaults (User-Agent...).
        self.client.headers = httpx.Headers()
        self.violations: deque[Violation] = deque(maxlen=MAX_VIOLATIONS)
        self.recorded = 0
        self.forwarded = 0
        # Exchanges per operation (None: no documented operation), for the JUnit report.
        self.operations: Counter[str] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await self.client.aclose()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        reply: Reply | tuple[Message, Message]
        if scope["path"] == VIOLATIONS_PATH and is_loopback_peer(scope.get("client")):
            reply = self._violations(scope["method"])
        else:
            reply = await self._forward(scope, receive)
        start, body = response_messages(reply) if isinstance(reply, Reply) else reply
        await send(start)
        await send(body)

    def _violations(self, method: str) -> Reply:
        if method == "GET":
            return Reply(200, {"violations": [v.to_json() for v in self.violations]})
        if method == "DELETE":
            self.violations.clear()
            return Reply(204, None)
        message = f"method {method} not allowed on {VIOLATIONS_PATH}; allowed: DELETE, GET"
        return Reply(405, error_body(new_api_id(), message), ((b"allow", b"DELETE, GET"),))

    async def _forward(self, scope: Scope, receive: Receive) -> Reply | tuple[Message, Message]:
        raw_path: bytes = scope.get("raw_path") or quote(scope["path"]).encode("ascii")
        query: bytes = scope.get("query_string", b"")
        method: str = scope["method"]
        body = await _read(receive)
        path = raw_path.decode("latin-1")
        if body is None:
            return self._failed(method, path, 413, "request-too-large", "body over 1 MiB")
        headers = [
            (name, value)
            for name, value in scope["headers"]
            if name.decode("latin-1").lower() not in _HOP_BY_HOP | {"host", "content-length"}
        ]
        target = self.upstream.raw_path.split(b"?")[0].rstrip(b"/") + raw_path
        url = self.upstream.copy_with(raw_path=target + (b"?" + query if query else b""))
        # No body and no framing header: none sent either (httpx would add Content-Length: 0).
        framed = any(
            name.lower() in (b"content-length", b"transfer-encoding")
            for name, _ in scope["headers"]
        )
        content = body if body or framed else None
        request = self.client.build_request(method, url, headers=headers, content=content)
        try:
            response = await self.client.send(request, stream=True)
            try:
                answer = b"".join([chunk async for chunk in response.aiter_raw()])
            finally:
                await response.aclose()
        except httpx.TimeoutException as exc:
            return self._failed(method, path, 504, "upstream-timeout", _name(exc))
        except httpx.HTTPError as exc:
            return self._failed(method, path, 502, "upstream-unreachable", _name(exc))
        self.forwarded += 1
        out = [
            (name, value)
            for name, value in response.headers.raw
            if name.decode("latin-1").lower() not in _HOP_BY_HOP
        ]
        if "content-length" not in response.headers:
            out.append((b"content-length", str(len(answer)).encode("ascii")))
        exchange = Exchange(
            method=method,
            raw_path=path,
            query=query,
            headers=_lower(scope["headers"]),
            body=body,
            raw_headers=tuple(scope["headers"]),
            status=response.status_code,
            response_headers=_lower(response.headers.raw),
            response_body=answer,
        )
        # Checked before the answer leaves: a client reading the violations next finds them.
        self._record(self.checker.check(exchange))
        self.operations[self._operation(method, path)] += 1
        start: Message = {"type": "http.response.start", "status": response.status_code}
        start["headers"] = out
        return start, {"type": "http.response.body", "body": answer}

    def _operation(self, method: str, path: str) -> str:
        found = self.checker.route(path)
        op = found[0].operations.get(method) if found else None
        return op.operation_id if op else f"{method} (undocumented)"

    def _record(self, found: list[Violation]) -> None:
        self.violations.extend(found)
        self.recorded += len(found)

    def _failed(self, method: str, path: str, status: int, rule: str, detail: str) -> Reply:
        """The proxy's own answer when it could not forward; a violation of its own kind."""
        operation = self._operation(method, path)
        self.operations[operation] += 1
        documented = None if operation.endswith("(undocumented)") else operation
        direction = "request" if status == 413 else "response"
        self._record(
            [Violation(direction, documented, method, unquote(path), status, rule, detail)]
        )
        words = {
            502: "upstream unreachable",
            504: "upstream did not answer in time",
            413: "request body too large for the proxy",
        }
        message = f"{words[status]} ({detail})"
        return Reply(status, error_body(new_api_id(), message))

    def summary(self) -> str:
        counts = Counter((v.direction, v.rule) for v in self.violations)
        lines = [
            f"plivo-mock proxy: {self.forwarded} exchanges with {self.upstream}, "
            f"{self.recorded} violations"
        ]
        if self.recorded > len(self.violations):
            lines[0] += f" (counted below: the latest {len(self.violations)})"
        lines += [f"  {d:<8} {rule:<22} {n}" for (d, rule), n in sorted(counts.items())]
        return "\n".join(lines)

    def write_junit(self, folder: Path) -> Path:
        """One test case per operation seen; its violations are its failures."""
        folder.mkdir(parents=True, exist_ok=True)
        by_operation: dict[str, list[Violation]] = {name: [] for name in self.operations}
        for violation in self.violations:
            name = violation.operation or f"{violation.method} (undocumented)"
            by_operation.setdefault(name, []).append(violation)
        suite = ET.Element(
            "testsuite",
            name="plivo-mock proxy",
            tests=str(len(by_operation)),
            failures=str(sum(1 for found in by_operation.values() if found)),
            errors="0",
        )
        for name, found in sorted(by_operation.items()):
            case = ET.SubElement(suite, "testcase", classname="plivo_mock.proxy", name=name)
            if found:
                failure = ET.SubElement(case, "failure", message=f"{len(found)} violation(s)")
                failure.text = "\n".join(
                    f"{v.direction} {v.rule}: {v.method} {v.path} -> {v.status}: {v.detail}"
                    for v in found
                )
        path = folder / "proxy-junit.xml"
        ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)
        return path


async def _read(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _lower(headers: object) -> dict[str, str]:
    assert isinstance(headers, list)
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in headers}


def _name(exc: Exception) -> str:
    # The exception's type only: its text can hold the upstream URL and nothing more useful.
    return type(exc).__name__


def check_upstream(url: str, allowed: set[str]) -> str:
    """The upstream URL if it may be used, else ValueError saying why."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError(f"not an http(s) URL: {url!r}")
    if parts.username or parts.password:
        raise ValueError("no credentials in the upstream URL")
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host in LOOPBACK_HOSTS
    if not loopback and host not in allowed:
        raise ValueError(f"{host} is not a loopback host; allow it with --proxy-allow {host}")
    return url


def _parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="python -m plivo_mock",
        description="Forward to UPSTREAM_URL and check every exchange against the spec.",
    )
    parser.add_argument("--proxy", required=True, metavar="UPSTREAM_URL", help="forward here")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=whole(1, 65535), default=4010)
    parser.add_argument(
        "--proxy-allow",
        action="append",
        default=[],
        metavar="HOST",
        help="an upstream host that is not loopback; repeatable",
    )
    parser.add_argument("--report", type=Path, metavar="DIR", help="write DIR/proxy-junit.xml")
    parser.add_argument(
        "--upstream-timeout",
        type=positive_seconds,
        default=30.0,
        metavar="SECONDS",
        help="answer 504 when the upstream takes longer (default %(default)g)",
    )
    parser.add_argument("--spec", type=Path, default=MockConfig.spec_path)
    parser.add_argument("--control-spec", type=Path, default=MockConfig.control_spec_path)
    return parser


def main(argv: list[str]) -> None:
    args = _parser().parse_args(argv)
    try:
        upstream = check_upstream(args.proxy, {h.lower() for h in args.proxy_allow})
        checker = Checker(args.spec, args.control_spec)
    except (OSError, ValueError) as exc:
        # One line and exit 2, as every start-up error of the mock.
        sys.stderr.write(f"plivo-mock --proxy: {' '.join(str(exc).split())}\n")
        raise SystemExit(2) from None
    app = ProxyApp(upstream, checker, args.upstream_timeout)
    print(
        f"plivo-mock proxy on http://{args.host}:{args.port} -> {upstream}\n"
        f"  violations at http://{args.host}:{args.port}{VIOLATIONS_PATH} (loopback peers)",
        flush=True,
    )
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        access_log=False,
        log_config=None,
        server_header=False,
        date_header=False,
        lifespan="on",
        timeout_graceful_shutdown=2,
    )
    Server(config).run()
    print(app.summary(), flush=True)
    if args.report is not None:
        print(f"  JUnit report: {app.write_junit(args.report)}", flush=True)
    sys.stdout.flush()
