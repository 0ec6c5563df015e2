"""`python -m plivo_mock --proxy UPSTREAM_URL`: forward everything, check it against the spec.

Every request is forwarded to UPSTREAM as it came (method, path as sent, query, exactly the
client's header fields but the hop-by-hop ones, body) and the upstream's answer returned as
it came; both are checked by conformance.Checker on the way. Violations are served to
loopback peers at `GET /__mock__/violations` (`DELETE` clears them), summed up on exit and,
with `--report DIR`, written as JUnit XML. Credentials are forwarded, never recorded: every
text of a violation is redacted (redaction.py) before it is kept. Every answer, success or
error, that echoes its request's credentials in its body or a header field is a violation
(`credential-echo`) naming which form of them it repeats.

Clients and upstreams are both hostile input: the proxy serves through the mock's HTTP layer
(protocol.py: head size and time), reads a body only up to x-limits.body-bytes and within
--body-timeout, and an answer only up to conformance.ANSWER_LIMIT_BYTES.

The upstream must be a loopback host unless `--proxy-allow HOST` names it. If it cannot be
reached the client gets a Plivo-shaped 502 (504 when it is slower than --upstream-timeout),
and that is a violation too.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import sys
import xml.etree.ElementTree as ET
import zlib
from collections import Counter, deque
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import httpx
import yaml

from .asgi import (
    BodyDeadlines,
    BodyTimeout,
    ClientGone,
    Message,
    Receive,
    Reply,
    Scope,
    Send,
    error_body,
    is_loopback_peer,
    new_api_id,
    read_body,
    response_messages,
)
from .cli import Parser, Server, add_limit_options, positive_seconds, server_config, whole
from .config import BODY_LIMIT_BYTES, BODY_TIMEOUT_S, LOOPBACK_HOSTS, MockConfig
from .conformance import ANSWER_LIMIT_BYTES, Checker, Exchange, Violation, decoded
from .jsonbody import BadJson
from .redaction import answer_echo, credential_forms, redact_fields, secrets_of, shown_values

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
# The JUnit test case of heads the HTTP layer refused (no method or path was read).
_REFUSED = "(request head refused)"
# Violations kept (the latest); older ones are only counted, so a long run stays bounded.
MAX_VIOLATIONS = 10_000


class ProxyApp:
    """The ASGI app of proxy mode."""

    def __init__(
        self,
        upstream: str,
        checker: Checker,
        timeout_s: float,
        body_timeout_s: float = BODY_TIMEOUT_S,
    ) -> None:
        self.upstream = httpx.URL(upstream)
        self.checker = checker
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s), trust_env=False, follow_redirects=False
        )
        self.timeout_s = timeout_s
        self.body_timeout_s = body_timeout_s
        self._deadlines = BodyDeadlines(body_timeout_s)
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
        reply: Reply | tuple[Message, Message] | None
        if scope["path"] == VIOLATIONS_PATH and is_loopback_peer(scope.get("client")):
            reply = self._violations(scope["method"])
        else:
            try:
                reply = await self._forward(scope, receive)
            except Exception as exc:  # any input: a violation and an answer, never a crash
                path = (scope.get("raw_path") or b"").decode("latin-1")
                reply = self._failed(
                    scope["method"], path, 500, "proxy-error", _name(exc), _secrets(scope, None)
                )
        if reply is None:  # the client left before its request was whole
            return
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

    async def _forward(
        self, scope: Scope, receive: Receive
    ) -> Reply | tuple[Message, Message] | None:
        raw_path: bytes = scope.get("raw_path") or quote(scope["path"]).encode("ascii")
        query: bytes = scope.get("query_string", b"")
        method: str = scope["method"]
        path = raw_path.decode("latin-1")
        given: list[tuple[bytes, bytes]] = list(scope["headers"])
        length = next((v for n, v in given if n == b"content-length"), None)
        # x-limits.body-bytes: a larger body is not read, let alone forwarded.
        too_large = length is not None and length.isdigit() and int(length) > BODY_LIMIT_BYTES
        try:
            body = (
                None if too_large else await read_body(receive, BODY_LIMIT_BYTES, self._deadlines)
            )
        except BodyTimeout:
            detail = f"request body not received in full within {self.body_timeout_s:g} s"
            return self._failed(method, path, 400, "request-limits", detail, _secrets(scope, None))
        except ClientGone:
            return None
        secrets = _secrets(scope, body)
        forms = [
            form
            for name, value in given
            if name.lower() == b"authorization"
            for form in credential_forms(value.decode("latin-1"))
        ]
        shown = self._shown(method, path, query, [value for _, value in forms])
        if body is None:
            # Not forwarded: the proxy's own 413, and the request's one violation (its first
            # problem; on an operation that takes no body, the body's size itself).
            message = f"request body larger than {BODY_LIMIT_BYTES} bytes (not forwarded)"
            facts = Exchange(method, path, query, _lower(given), None, tuple(given)).request
            expected = self.checker.preconditions.expect(facts)
            rule, detail = (
                (expected.problem.rule, expected.problem.detail)
                if expected.problem is not None
                else ("body-limit", message)
            )
            operation = expected.operation.operation_id if expected.operation else None
            found = Violation("request", operation, method, unquote(path), 413, rule, detail)
            self._record([found], secrets, shown)
            self.operations[self._operation(method, path)] += 1
            return Reply(413, error_body(new_api_id(), message), ((b"connection", b"close"),))
        target = self.upstream.raw_path.split(b"?")[0].rstrip(b"/") + raw_path
        url = self.upstream.copy_with(raw_path=target + (b"?" + query if query else b""))
        request = self.client.build_request(method, url)
        # Exactly the client's fields, in its order (httpx would add User-Agent, Accept,
        # Accept-Encoding, Connection): only hop-by-hop ones are dropped, Host names the
        # upstream, and the body (read whole) is framed by Content-Length.
        request.headers = httpx.Headers(_forwarded(given, self.upstream.netloc, body))
        request.stream = httpx.ByteStream(body)
        try:
            # httpx's timeout bounds each read; an upstream trickling bytes inside it would
            # hold the exchange for the whole answer. --upstream-timeout bounds all of it.
            async with asyncio.timeout(self.timeout_s):
                response = await self.client.send(request, stream=True)
                try:
                    answer = await _read_answer(response)
                finally:
                    await response.aclose()
        except TimeoutError:
            detail = f"no whole answer within {self.timeout_s:g} s"
            return self._failed(method, path, 504, "upstream-timeout", detail, secrets)
        except httpx.TimeoutException as exc:
            return self._failed(method, path, 504, "upstream-timeout", _name(exc), secrets)
        except httpx.HTTPError as exc:
            return self._failed(method, path, 502, "upstream-unreachable", _name(exc), secrets)
        if answer is None:
            detail = f"answer body over {ANSWER_LIMIT_BYTES} bytes"
            return self._failed(method, path, 502, "upstream-too-large", detail, secrets)
        self.forwarded += 1
        out = [
            (name, value)
            for name, value in response.headers.raw
            if name.decode("latin-1").lower() not in _hop_by_hop(response.headers.raw)
        ]
        if "content-length" not in response.headers:
            out.append((b"content-length", str(len(answer)).encode("ascii")))
        exchange = Exchange(
            method=method,
            raw_path=path,
            query=query,
            headers=_lower(given),
            body=body,
            raw_headers=tuple(given),
            status=response.status_code,
            response_headers=_lower(response.headers.raw),
            response_body=answer,
        )
        violations = self.checker.check(exchange)
        echo = answer_echo(forms, response.headers.raw, _plain(answer, exchange))
        if echo is not None:
            operation = self._operation(method, path)
            documented = None if operation.endswith("(undocumented)") else operation
            violations.append(
                Violation(
                    "response",
                    documented,
                    method,
                    unquote(path),
                    response.status_code,
                    "credential-echo",
                    echo,
                )
            )
        # Checked before the answer leaves: a client reading the violations next finds them.
        self._record(violations, secrets, shown)
        self.operations[self._operation(method, path)] += 1
        start: Message = {"type": "http.response.start", "status": response.status_code}
        start["headers"] = out
        return start, {"type": "http.response.body", "body": answer}

    def refused(self, detail: str) -> None:
        """A request head the HTTP layer answered 400 before any app saw it (too large, too
        slow): a violation with no method or path, which were never read in full."""
        self.operations[_REFUSED] += 1
        self._record([Violation("request", None, "", "", 400, "request-limits", detail)], [])

    def _operation(self, method: str, path: str) -> str:
        found = self.checker.route(path)
        op = found[0].operations.get(method) if found else None
        return op.operation_id if op else f"{method} (undocumented)"

    def _shown(
        self, method: str, path: str, query: bytes, credentials: list[str]
    ) -> frozenset[str]:
        """The request's query values the record may quote (redaction.shown_values): those
        spelling a string its operation's query parameter lists."""
        found = self.checker.route(path)
        op = found[0].operations.get(method) if found else None
        if op is None or not query:
            return frozenset()
        listed = {param.name: param.listed for param in op.query_params if param.listed}
        return shown_values(query, listed, credentials)

    def _record(
        self, found: list[Violation], secrets: list[str], shown: frozenset[str] = frozenset()
    ) -> None:
        """Keep violations, each text of each redacted (redaction.py)."""
        for violation in found:
            fields = redact_fields(violation.to_json(), secrets, shown)
            self.violations.append(Violation(**fields))  # type: ignore[arg-type]
        self.recorded += len(found)

    def _failed(
        self, method: str, path: str, status: int, rule: str, detail: str, secrets: list[str]
    ) -> Reply:
        """The proxy's own answer when it could not forward; a violation of its own kind."""
        operation = self._operation(method, path)
        self.operations[operation] += 1
        documented = None if operation.endswith("(undocumented)") else operation
        direction = "request" if status == 400 else "response"
        self._record(
            [Violation(direction, documented, method, unquote(path), status, rule, detail)],
            secrets,
        )
        words = {
            400: "request not received in time",
            500: "the proxy failed on this exchange",
            502: "upstream unreachable"
            if rule == "upstream-unreachable"
            else "upstream answer refused",
            504: "upstream did not answer in time",
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
            name = violation.operation or (
                f"{violation.method} (undocumented)" if violation.method else _REFUSED
            )
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


async def _read_answer(response: httpx.Response) -> bytes | None:
    """The upstream's body as it came (still encoded), or None past ANSWER_LIMIT_BYTES."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_raw():
        size += len(chunk)
        if size > ANSWER_LIMIT_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _plain(answer: bytes, exchange: Exchange) -> bytes:
    """The answer's body without its Content-Encoding, where that can be undone (bounded
    as the conformance check is); else as it came."""
    try:
        return decoded(answer, exchange.response_headers or {})
    except (BadJson, zlib.error):
        return answer


def _hop_by_hop(headers: list[tuple[bytes, bytes]]) -> frozenset[str]:
    """The fields about one connection (RFC 9110 7.6.1): the standard ones and any that
    Connection names."""
    named = {
        token.strip().lower()
        for name, value in headers
        if name.lower() == b"connection"
        for token in value.decode("latin-1").split(",")
    }
    return _HOP_BY_HOP | named


def _forwarded(
    given: list[tuple[bytes, bytes]], upstream_host: bytes | str, body: bytes
) -> list[tuple[bytes, bytes]]:
    host = upstream_host.encode("ascii") if isinstance(upstream_host, str) else upstream_host
    dropped = _hop_by_hop(given)
    out: list[tuple[bytes, bytes]] = []
    framed = False
    for name, value in given:
        lower = name.decode("latin-1").lower()
        if lower in dropped:
            # A chunked body is read whole: it leaves with Content-Length instead.
            framed = framed or lower == "transfer-encoding"
            continue
        if lower == "host":
            value = host
        elif lower == "content-length":
            framed = True
            value = str(len(body)).encode("ascii")
        out.append((name, value))
    if not any(n.lower() == b"host" for n, _ in out):
        out.insert(0, (b"host", host))
    if (body or framed) and not any(n.lower() == b"content-length" for n, _ in out):
        out.append((b"content-length", str(len(body)).encode("ascii")))
    return out


def _secrets(scope: Scope, body: bytes | None) -> list[str]:
    return secrets_of(scope["headers"], scope.get("query_string", b""), body)


def _lower(headers: object) -> dict[str, str]:
    assert isinstance(headers, list)
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in headers}


def _name(exc: Exception) -> str:
    # The exception's type only: its text can hold the upstream URL and nothing more useful.
    return type(exc).__name__


def check_upstream(url: str, allowed: set[str]) -> str:
    """The upstream URL if it may be used, else ValueError saying why (never quoting
    credentials the URL may hold)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not one
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as exc:
        raise ValueError(f"not a valid upstream URL ({' '.join(str(exc).split())})") from None
    host = (parts.hostname or "").lower()
    if parts.username is not None or parts.password is not None:
        raise ValueError("no credentials in the upstream URL")
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError(f"not an http(s) URL with a host: {url!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"no query or fragment in the upstream URL: {url!r}")
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
    add_limit_options(parser)
    parser.add_argument("--spec", type=Path, default=MockConfig.spec_path)
    parser.add_argument("--control-spec", type=Path, default=MockConfig.control_spec_path)
    return parser


def main(argv: list[str]) -> None:
    args = _parser().parse_args(argv)
    try:
        upstream = check_upstream(args.proxy, {h.lower() for h in args.proxy_allow})
        checker = Checker(args.spec, args.control_spec)
        app = ProxyApp(upstream, checker, args.upstream_timeout, args.body_timeout)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        # One line and exit 2, as every start-up error of the mock.
        sys.stderr.write(f"plivo-mock --proxy: {' '.join(str(exc).split())}\n")
        raise SystemExit(2) from None
    print(
        f"plivo-mock proxy on http://{args.host}:{args.port} -> {upstream}\n"
        f"  violations at http://{args.host}:{args.port}{VIOLATIONS_PATH} (loopback peers)",
        flush=True,
    )
    Server(server_config(app, args, on_refused=app.refused, date_header=False)).run()
    print(app.summary(), flush=True)
    if args.report is not None:
        print(f"  JUnit report: {app.write_junit(args.report)}", flush=True)
    sys.stdout.flush()
