"""Proxy mode (`python -m plivo_mock --proxy UPSTREAM`): in front of the mock, of broken
providers (the contract suite's mutants) and of upstreams that are down or slow."""

from __future__ import annotations

import base64
import json
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from plivo_dtmf_client import Client
from plivo_dtmf_client.api.calls import list_live_calls, send_digits
from plivo_dtmf_client.models import Leg, SendDigitsRequest
from plivo_mock.asgi import Receive, Scope, Send
from plivo_mock.config import (
    BODY_LIMIT_BYTES,
    BRIDGED_CALL_UUID,
    EMBEDDED_AUTH_ID,
    EMBEDDED_AUTH_TOKEN,
    UNBRIDGED_CALL_UUID,
    MockConfig,
)
from plivo_mock.conformance import Checker
from plivo_mock.expectations import RequestFacts
from plivo_mock.pointer import token as pointer_token
from plivo_mock.proxy import VIOLATIONS_PATH, ProxyApp, check_upstream
from plivo_mock.proxy import main as proxy_main
from plivo_mock.redaction import shown_values
from plivo_mock.spec import Operation, Route
from plivo_mock.testing import MockServer, dtmf_path, env_without_credentials, free_port
from plivo_mock_control_client import Client as ControlClient
from plivo_mock_control_client.api.mock import (
    bridge,
    create_call,
    hang_up,
    health,
    inject_fault,
    list_calls,
    list_events,
    reset,
)
from plivo_mock_control_client.models import (
    CallList,
    CallSummary,
    CreateCall,
    EventList,
    FaultRequest,
)

from tests.contract.mutants import build_app, serve

AUTH = (EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN)
DTMF = dtmf_path(BRIDGED_CALL_UUID)
# A token no test account has: it must never show in what the proxy records or prints.
SECRET = "s3cret-token-never-recorded"


def proxy_of(upstream: str, *args: str, log: Path | None = None) -> MockServer:
    return MockServer(
        "--proxy", upstream, *args, health_path=VIOLATIONS_PATH, log_path=log, deadline_s=20
    )


@pytest.fixture(scope="module")
def upstream() -> Iterator[MockServer]:
    with MockServer("--no-rate-limit", env=env_without_credentials()) as mock:
        yield mock


@pytest.fixture(scope="module")
def proxied(upstream: MockServer) -> Iterator[MockServer]:
    with proxy_of(upstream.base_url) as proxy:
        yield proxy


@pytest.fixture
def http(proxied: MockServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=proxied.base_url, auth=AUTH, trust_env=False) as client:
        assert client.post("/__mock__/reset").status_code == 204
        assert client.delete(VIOLATIONS_PATH).status_code == 204
        yield client


def violations(http: httpx.Client) -> list[dict[str, Any]]:
    # No credentials needed (nor sent).
    answer = httpx.get(str(http.base_url.join(VIOLATIONS_PATH)), trust_env=False)
    assert answer.status_code == 200
    found: list[dict[str, Any]] = answer.json()["violations"]
    return found


def test_valid_traffic_records_no_violation(proxied: MockServer, http: httpx.Client) -> None:
    with Client(*AUTH, base_url=proxied.base_url, httpx_args={"trust_env": False}) as client:
        sent = send_digits.sync(
            BRIDGED_CALL_UUID, client=client, body=SendDigitsRequest(digits="12#", leg=Leg.BLEG)
        )
        send_digits.sync(UNBRIDGED_CALL_UUID, client=client, body=SendDigitsRequest(digits="0"))
        assert list_live_calls.sync(client=client).calls
    control = ControlClient(base_url=proxied.base_url, raise_on_unexpected_status=True)
    control.set_httpx_client(httpx.Client(base_url=proxied.base_url, auth=AUTH, trust_env=False))
    with control:
        assert health.sync(client=control) is not None
        call = create_call.sync(client=control, body=CreateCall(bleg=False))
        assert isinstance(call, CallSummary)
        bridge.sync(call.call_uuid, client=control)
        events = list_events.sync(BRIDGED_CALL_UUID, client=control)
        assert isinstance(events, EventList)
        assert [event.api_id for event in events.events] == [sent.api_id]
        inject_fault.sync(client=control, body=FaultRequest(call_uuid=call.call_uuid, status=429))
        hang_up.sync_detailed(call.call_uuid, client=control)
        calls = list_calls.sync(client=control)
        assert isinstance(calls, CallList) and len(calls.calls) == 3
        reset.sync_detailed(client=control)
    # Answers that are errors, to requests the spec finds well-formed: documented, valid.
    assert (
        http.post(
            dtmf_path("a1b2c3d4-0000-4000-8000-00000000dead"), json={"digits": "1"}
        ).status_code
        == 404
    )
    assert (
        http.post(DTMF, json={"digits": "1"}, auth=(EMBEDDED_AUTH_ID, "wrong")).status_code == 401
    )
    assert (
        http.post(dtmf_path(UNBRIDGED_CALL_UUID), json={"digits": "1", "leg": "bleg"}).status_code
        == 404
    )

    assert violations(http) == []


def _basic(user: str, token: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()


# (what is wrong, method, path, headers, body, the rule, the status the mock answers)
INVALID: list[tuple[str, str, str, dict[str, str], bytes, str, int]] = [
    ("digits outside the grammar", "POST", DTMF, {}, b'{"digits": "x"}', "body", 400),
    ("no body", "POST", DTMF, {"content-type": "application/json"}, b"", "body", 400),
    ("duplicate keys", "POST", DTMF, {}, b'{"digits": "1", "digits": "2"}', "body", 400),
    ("not JSON", "POST", DTMF, {}, b'{"digits": ', "body", 400),
    (
        "text/plain",
        "POST",
        DTMF,
        {"content-type": "text/plain"},
        b'{"digits": "1"}',
        "content-type",
        415,
    ),
    (
        "too large",
        "POST",
        DTMF,
        {},
        b'{"digits": "1", "x": "' + b"a" * BODY_LIMIT_BYTES + b'"}',
        "body-limit",
        413,
    ),
    ("no credentials", "POST", DTMF, {"authorization": ""}, b'{"digits": "1"}', "credentials", 401),
    (
        "Bearer",
        "POST",
        DTMF,
        {"authorization": f"Bearer {SECRET}"},
        b'{"digits": "1"}',
        "credentials",
        401,
    ),
    (
        "other auth_id",
        "POST",
        dtmf_path(BRIDGED_CALL_UUID, "MAOTHER0000000000001"),
        {"authorization": _basic(EMBEDDED_AUTH_ID, SECRET)},
        b'{"digits": "1"}',
        "credentials",
        401,
    ),
    ("bad call UUID", "POST", dtmf_path("NOT-A-UUID"), {}, b'{"digits": "1"}', "parameter", 400),
    ("no status query", "GET", f"/v1/Account/{EMBEDDED_AUTH_ID}/Call/", {}, b"", "parameter", 400),
    ("PUT", "PUT", DTMF, {}, b'{"digits": "1"}', "method", 405),
    ("unknown path", "GET", "/v1/Nothing/", {}, b"", "path", 404),
    ("long header", "GET", "/v1/Nothing/", {"x-long": "a" * 8200}, b"", "request-limits", 400),
    ("no trailing slash", "POST", DTMF.rstrip("/"), {}, b'{"digits": "1"}', "path", 404),
]


def test_each_invalid_request_is_one_violation(http: httpx.Client) -> None:
    for what, method, path, headers, body, _, status in INVALID:
        sent = {"content-type": "application/json", "authorization": _basic(*AUTH), **headers}
        answer = httpx.request(
            method,
            str(http.base_url.join(path)),
            headers={k: v for k, v in sent.items() if v},
            content=body,
            trust_env=False,
        )
        assert answer.status_code == status, (what, answer.text)
    found = violations(http)
    assert [(v["direction"], v["rule"], v["status"]) for v in found] == [
        ("request", rule, status) for *_, rule, status in INVALID
    ]
    assert SECRET not in json.dumps(found)
    assert httpx.delete(str(http.base_url.join(VIOLATIONS_PATH))).status_code == 204
    assert violations(http) == []


def test_the_answer_is_the_upstreams_unchanged(upstream: MockServer, http: httpx.Client) -> None:
    body = {"digits": "1", "extra": [1, 2]}
    direct = httpx.post(upstream.base_url + DTMF, json=body, auth=AUTH, trust_env=False)
    through = http.post(DTMF, json=body, headers={"accept-encoding": "identity"})
    assert through.status_code == direct.status_code == 202
    assert set(through.json()) == set(direct.json())
    for name in ("content-type", "content-length"):
        assert through.headers[name] == direct.headers[name]
    # The event the upstream recorded carries what the client sent (unknown field included).
    events = http.get(f"/__mock__/calls/{BRIDGED_CALL_UUID}/events").json()["events"]
    assert events[-1]["unknown_fields"] == {"extra": [1, 2]}
    assert events[-1]["api_id"] == through.json()["api_id"]


def test_summary_and_junit_on_exit(upstream: MockServer, tmp_path: Path) -> None:
    report = tmp_path / "report"
    log = tmp_path / "proxy.log"
    with proxy_of(upstream.base_url, "--report", str(report), log=log) as proxy:
        with httpx.Client(base_url=proxy.base_url, trust_env=False) as client:
            client.post(DTMF, json={"digits": "1"}, auth=AUTH)
            client.post(DTMF, json={"digits": "x"}, auth=AUTH)
            client.post(DTMF, json={"digits": "1"}, auth=(EMBEDDED_AUTH_ID, SECRET))
            client.put(DTMF, auth=AUTH)
        assert proxy.stop(signal.SIGTERM) == 0
    output = log.read_text(encoding="utf-8")
    assert "3 exchanges" not in output
    assert "4 exchanges with" in output and "2 violations" in output
    suite = ET.parse(report / "proxy-junit.xml").getroot()  # noqa: S314 - our own file
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == {"sendDigits", "PUT (undocumented)"}
    assert suite.get("failures") == "2"
    failure = cases["sendDigits"].find("failure")
    assert failure is not None and "request body" in (failure.text or "")
    for text in (output, (report / "proxy-junit.xml").read_text(encoding="utf-8")):
        assert SECRET not in text and EMBEDDED_AUTH_TOKEN not in text
        assert base64.b64encode(f"{EMBEDDED_AUTH_ID}:{SECRET}".encode()).decode() not in text


def test_unreachable_upstream_is_a_plivo_shaped_502(tmp_path: Path) -> None:
    with proxy_of(f"http://127.0.0.1:{free_port()}") as proxy:
        answer = httpx.post(proxy.base_url + DTMF, json={"digits": "1"}, auth=AUTH, trust_env=False)
        assert answer.status_code == 502
        assert set(answer.json()) == {"api_id", "error"}
        (found,) = httpx.get(proxy.base_url + VIOLATIONS_PATH, trust_env=False).json()["violations"]
    assert (found["rule"], found["status"], found["operation"]) == (
        "upstream-unreachable",
        502,
        "sendDigits",
    )


def test_slow_upstream_is_a_plivo_shaped_504(upstream: MockServer, http: httpx.Client) -> None:
    fault = {"call_uuid": BRIDGED_CALL_UUID, "delay_ms": 3000}
    assert http.post("/__mock__/faults", json=fault).status_code == 201
    with proxy_of(upstream.base_url, "--upstream-timeout", "0.3") as proxy:
        answer = httpx.post(proxy.base_url + DTMF, json={"digits": "1"}, auth=AUTH, trust_env=False)
        assert answer.status_code == 504
        assert set(answer.json()) == {"api_id", "error"}
        (found,) = httpx.get(proxy.base_url + VIOLATIONS_PATH, trust_env=False).json()["violations"]
    assert (found["rule"], found["status"]) == ("upstream-timeout", 504)


def test_only_loopback_upstreams_unless_allowed() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "plivo_mock", "--proxy", "http://api.plivo.com"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "plivo-mock --proxy: api.plivo.com is not a loopback host; "
        "allow it with --proxy-allow api.plivo.com\n"
    )
    assert check_upstream("https://api.plivo.com", {"api.plivo.com"}) == "https://api.plivo.com"
    assert check_upstream("http://[::1]:4010", set()) == "http://[::1]:4010"
    with pytest.raises(ValueError, match="no credentials"):
        check_upstream("http://user:pw@127.0.0.1:4010", set())


@pytest.fixture(scope="module")
def checker() -> Checker:
    config = MockConfig()
    return Checker(config.spec_path, config.control_spec_path)


@pytest.mark.anyio
async def test_violations_are_not_served_to_other_peers(
    upstream: MockServer, checker: Checker
) -> None:
    app = ProxyApp(upstream.base_url, checker, 5.0)
    transport = httpx.ASGITransport(app=app, client=("192.0.2.7", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://proxy") as client:
        answer = await client.get(VIOLATIONS_PATH)
    await app.client.aclose()
    # Forwarded instead: the upstream mock knows no such path.
    assert answer.status_code == 404
    assert "violations" not in answer.json()


# In front of broken providers: (mutant, request, the response rule it must cause).
VALID = {"digits": "12"}
BROKEN: list[tuple[str, str, str, dict[str, str] | None, Any, str]] = [
    ("success-200", "POST", DTMF, None, VALID, "status"),
    ("no-api-id", "POST", DTMF, None, VALID, "body-schema"),
    ("text-errors", "POST", DTMF, None, {"digits": "x"}, "content-type"),
    ("invalid-digits-accepted", "POST", DTMF, None, {"digits": "x"}, "accepted-invalid"),
    (
        "leg-case-insensitive",
        "POST",
        DTMF,
        None,
        {"digits": "1", "leg": "BLEG"},
        "accepted-invalid",
    ),
    ("zero-rejected", "POST", DTMF, None, {"digits": "0"}, "rejected-valid"),
    ("strict-unknown-fields", "POST", DTMF, None, {"digits": "1", "id": "x"}, "rejected-valid"),
    (
        "charset-rejected",
        "POST",
        DTMF,
        {"content-type": "application/json; charset=utf-8"},
        VALID,
        "rejected-valid",
    ),
    (
        "content-type-ignored",
        "POST",
        DTMF,
        {"content-type": "text/plain"},
        VALID,
        "accepted-invalid",
    ),
    ("auth-ignored", "POST", DTMF, {"authorization": ""}, VALID, "accepted-invalid"),
    ("no-www-authenticate", "POST", DTMF, {"authorization": ""}, VALID, "header"),
    ("no-allow-header", "PUT", DTMF, None, VALID, "header"),
    ("head-options-200", "OPTIONS", DTMF, None, None, "accepted-invalid"),
    ("slash-redirect", "POST", DTMF.rstrip("/"), None, VALID, "status"),
    (
        "async-answered-digits-sent",
        "POST",
        DTMF,
        None,
        {"digits": "1", "callback_url": "http://127.0.0.1:9/cb"},
        "x-cases",
    ),
    # Not "body-limit-as-400": a body over x-limits.body-bytes is not read past the limit, so
    # the proxy answers it 413 itself (test_body_over_the_limit_is_not_forwarded in
    # test_proxy_upstream.py).
]


async def _through(checker: Checker, upstream: str, case: tuple[Any, ...]) -> list[dict[str, Any]]:
    _, method, path, headers, body, _ = case
    app = ProxyApp(upstream, checker, 10.0)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
    sent = {"content-type": "application/json", "authorization": _basic(*AUTH), **(headers or {})}
    sent = {k: v for k, v in sent.items() if v}
    content = b"" if body is None else json.dumps(body).encode()
    async with httpx.AsyncClient(transport=transport, base_url="http://proxy") as client:
        await client.request(method, path, headers=sent, content=content)
        found: list[dict[str, Any]] = (await client.get(VIOLATIONS_PATH)).json()["violations"]
    await app.client.aclose()
    return found


@pytest.fixture(scope="module")
def correct() -> Iterator[str]:
    """The correct mock on a socket: the same requests through it give no response rule."""
    with serve(build_app(None, MockConfig(rate_limit=None))) as url:
        yield url


@pytest.mark.anyio
@pytest.mark.parametrize("case", BROKEN, ids=[case[0] for case in BROKEN])
async def test_broken_provider_is_caught(
    case: tuple[Any, ...], checker: Checker, correct: str
) -> None:
    name, *_, rule = case
    with serve(build_app(name, MockConfig(rate_limit=None))) as broken:
        found = await _through(checker, broken, case)
    responses = [v["rule"] for v in found if v["direction"] == "response"]
    assert responses == [rule], found
    clean = await _through(checker, correct, case)
    assert [v for v in clean if v["direction"] == "response"] == [], clean


@pytest.mark.anyio
async def test_request_and_answer_cross_byte_for_byte(checker: Checker) -> None:
    """Through the proxy to an echoing upstream: what it receives is what the client sent,
    and what the client receives is what it answered (even when that breaks the spec)."""
    received: list[tuple[str, bytes, bytes, list[tuple[bytes, bytes]], bytes]] = []

    async def upstream(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        message = await receive()
        headers = [(k, v) for k, v in scope["headers"] if k not in (b"host", b"content-length")]
        received.append(
            (scope["method"], scope["raw_path"], scope["query_string"], headers, message["body"])
        )
        await send(
            {
                "type": "http.response.start",
                "status": 299,
                "headers": [(b"content-type", b"text/odd"), (b"x-upstream", b"1")],
            }
        )
        await send({"type": "http.response.body", "body": b"\x00not json"})

    app = ProxyApp("http://upstream", checker, 5.0)
    app.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=upstream))
    app.client.headers = httpx.Headers()
    body = b'{"digits": "1", "digits": "1"}'
    sent = [
        (b"authorization", _basic(EMBEDDED_AUTH_ID, SECRET).encode()),
        (b"x-twice", b"a"),
        (b"x-twice", b"b"),
        (b"content-type", b"application/json"),
    ]
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://proxy") as client:
        answer = await client.post(
            "/v1/Account/%41B/Call/x%2Fy/DTMF/?a=1&a=%20", headers=sent, content=body
        )
        found = (await client.get(VIOLATIONS_PATH)).json()["violations"]
    await app.client.aclose()

    ((method, raw_path, query, headers, forwarded),) = received
    assert (method, raw_path, query, forwarded) == (
        "POST",
        b"/v1/Account/%41B/Call/x%2Fy/DTMF/",
        b"a=1&a=%20",
        body,
    )
    assert [h for h in headers if h[0] in (b"authorization", b"x-twice", b"content-type")] == sent
    assert (answer.status_code, answer.content) == (299, b"\x00not json")
    assert (answer.headers["content-type"], answer.headers["x-upstream"]) == ("text/odd", "1")
    assert [v["direction"] for v in found] == ["request", "response"]
    assert SECRET not in json.dumps(found)


@pytest.mark.anyio
async def test_violations_kept_are_bounded_and_all_counted(checker: Checker) -> None:
    async def not_found(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = json.dumps({"api_id": "07abfd94-58c0-11e1-86da-adf28403fe48", "error": "no"})
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 404, "headers": headers})
        await send({"type": "http.response.body", "body": body.encode()})

    app = ProxyApp("http://upstream", checker, 5.0)
    app.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=not_found))
    app.violations = deque(maxlen=2)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://proxy") as client:
        for n in range(3):
            assert (await client.get(f"/nothing/{n}")).status_code == 404
        found = (await client.get(VIOLATIONS_PATH)).json()["violations"]
    await app.client.aclose()
    assert [v["path"] for v in found] == ["/nothing/1", "/nothing/2"]
    assert "3 exchanges" in app.summary() and "3 violations (counted below: the latest 2)" in (
        app.summary()
    )


# Issue 24.1: an answer is judged by the spec's order of checks -----------------------------


def _responses(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in found if v["direction"] == "response"]


def test_wrong_token_with_an_invalid_body_may_get_401(http: httpx.Client) -> None:
    """Credentials come before the body: the mock's 401 is right, only the request is wrong."""
    answer = http.post(DTMF, json={"digits": "x"}, auth=(EMBEDDED_AUTH_ID, SECRET))
    assert answer.status_code == 401
    found = violations(http)
    assert [(v["direction"], v["rule"]) for v in found] == [("request", "body")]


def test_call_list_without_status_gets_what_the_mock_answers(http: httpx.Client) -> None:
    listing = f"/v1/Account/{EMBEDDED_AUTH_ID}/Call/"
    assert http.get(listing, auth=(EMBEDDED_AUTH_ID, SECRET)).status_code == 401
    assert http.get(listing).status_code == 400
    found = violations(http)
    assert _responses(found) == []
    assert [v["rule"] for v in found] == ["parameter", "parameter"]


def _valid_request(op: Operation, route: Route) -> tuple[str, bytes, bytes]:
    """(path, query, body) of a request the spec finds valid for `op`, from its examples."""
    values = {"auth_id": EMBEDDED_AUTH_ID, "call_uuid": BRIDGED_CALL_UUID}
    for param in op.path_params:
        assert param.validator.is_valid(values[param.name]), param.name
    path = "/".join(values[text] if is_param else text for text, is_param in route.segments)
    raw = op.document.raw["paths"][route.template][op.method.lower()]
    query = []
    for param in op.query_params:
        schema = next(
            op.document.schemas.deref(
                op.document.uri,
                f"/paths/{pointer_token(route.template)}/{op.method.lower()}/parameters/{i}/schema",
            )[2]
            for i, p in enumerate(raw.get("parameters", []))
            if p.get("name") == param.name
        )
        value = (schema.get("enum") or schema.get("examples"))[0]
        assert param.validator.is_valid(value)
        query.append(f"{param.name}={value}")
    body = b""
    if op.body is not None:
        media = raw["requestBody"].get("content", {}).get("application/json", {})
        examples = [e["value"] for e in media.get("examples", {}).values()] or [{}]
        body = json.dumps(examples[0]).encode()
        assert op.body.validator.is_valid(examples[0]), op.operation_id
    return path, "&".join(query).encode(), body


def _meeting(op: Operation, route: Route, status: int) -> RequestFacts:
    """A request meeting the precondition of `status` on `op` (HTTP's meaning of it)."""
    path, query, body = _valid_request(op, route)
    headers = {"content-type": "application/json", "authorization": _basic(*AUTH)}
    method = op.method
    if status == 401:
        headers["authorization"] = _basic(EMBEDDED_AUTH_ID, SECRET)
    elif status == 405:
        method = next(m for m in ("PATCH", "PUT", "TRACE") if m not in route.operations)
    elif status == 413:
        body = b'{"x": "' + b"a" * BODY_LIMIT_BYTES + b'"}'
    elif status == 415:
        headers["content-type"] = "text/plain"
    elif status == 400:
        if op.query_params:
            query = b""
        elif op.body is not None:
            body = b"[]"
        else:
            path = path.replace(BRIDGED_CALL_UUID, "NOT-A-UUID")
    raw = tuple((k.encode(), v.encode()) for k, v in headers.items())
    return RequestFacts(method, path, query, headers, raw, body)


def _every_documented_status(checker: Checker) -> list[tuple[Route, Operation, int]]:
    return [
        (route, op, status)
        for document in checker.documents
        for route in document.routes
        for op in route.operations.values()
        for status in sorted(op.statuses)
    ]


def test_every_documented_status_is_allowed_when_its_precondition_is_met(
    checker: Checker,
) -> None:
    cases = _every_documented_status(checker)
    assert len(cases) > 40  # both documents, every operation
    for route, op, status in cases:
        expected = checker.preconditions.expect(_meeting(op, route, status))
        assert expected.allows(status), (op.operation_id, status, expected)
        if status in (400, 405, 413, 415):  # the request decides these: nothing else owed
            assert expected.problem is not None and expected.problem.status == status


def test_unverifiable_credentials_allow_401_to_every_later_problem(checker: Checker) -> None:
    """Whatever a request gets wrong after its credentials, a wrong token may be answered
    first; a problem before them (path, method) leaves no room for a 401."""
    for route, op, status in _every_documented_status(checker):
        if status not in (400, 413, 415) or not op.secured:
            continue
        request = _meeting(op, route, status)
        wrong = _basic(EMBEDDED_AUTH_ID, SECRET)
        headers = {**request.headers, "authorization": wrong}
        raw = tuple((k.encode(), v.encode()) for k, v in headers.items())
        expected = checker.preconditions.expect(
            RequestFacts(
                request.method, request.raw_path, request.query, headers, raw, request.body
            )
        )
        assert expected.allowed >= {status, 401}, (op.operation_id, status)
    unknown = RequestFacts("GET", "/v1/Nothing/", b"", {}, (), b"")
    assert not checker.preconditions.expect(unknown).allows(401)


# Issue 24.5: secrets never recorded ------------------------------------------------------

TOKEN_B64 = base64.b64encode(f"{EMBEDDED_AUTH_ID}:{SECRET}".encode()).decode()
RECEIVER_TOKEN = "receiver-token-9f8e7d"
# A request per violation rule a client can cause, each quoting a secret where the rule's
# detail would show it: (rule, method, path, query, headers, body).
LEAKY: list[tuple[str, str, str, str, dict[str, str], bytes]] = [
    ("body", "POST", DTMF, "", {}, json.dumps({"digits": SECRET}).encode()),
    (
        "body",
        "POST",
        DTMF,
        "",
        {},
        json.dumps({"digits": "1", "callback_url": f"ftp://h/cb?token={RECEIVER_TOKEN}"}).encode(),
    ),
    ("body", "POST", DTMF, "", {}, f'{{"digits": "{SECRET}'.encode()),
    ("parameter", "GET", f"/v1/Account/{EMBEDDED_AUTH_ID}/Call/", f"status={SECRET}", {}, b""),
    ("parameter", "POST", dtmf_path(SECRET), "", {}, b'{"digits": "1"}'),
    ("path", "GET", f"/v1/{SECRET}/", f"token={RECEIVER_TOKEN}", {}, b""),
    ("method", "PUT", DTMF, f"token={RECEIVER_TOKEN}", {}, b""),
    ("credentials", "POST", DTMF, "", {"authorization": f"Bearer {SECRET}"}, b""),
    ("content-type", "POST", DTMF, "", {"content-type": f"text/{SECRET}"}, b'{"digits": "1"}'),
    ("content-type", "POST", DTMF, "", {"content-encoding": SECRET}, b'{"digits": "1"}'),
    ("body-limit", "POST", DTMF, f"t={RECEIVER_TOKEN}", {}, b"[" + SECRET.encode() * 400 + b"]"),
    ("request-limits", "POST", DTMF, "", {"x-long": SECRET * 400}, b'{"digits": "1"}'),
]


@pytest.mark.anyio
async def test_no_secret_in_any_recorded_field(
    upstream: MockServer, checker: Checker, tmp_path: Path
) -> None:
    app = ProxyApp(upstream.base_url, checker, 10.0)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
    recorded: list[dict[str, Any]] = []
    async with httpx.AsyncClient(transport=transport, base_url="http://proxy") as client:
        for rule, method, path, query, headers, body in LEAKY:
            sent = {
                "content-type": "application/json",
                "authorization": _basic(EMBEDDED_AUTH_ID, SECRET),
                **headers,
            }
            target = path + (f"?{query}" if query else "")
            await client.request(method, target, headers=sent, content=body)
            found = (await client.get(VIOLATIONS_PATH)).json()["violations"][len(recorded) :]
            assert rule in [v["rule"] for v in found], (rule, found)
            recorded += found
    await app.client.aclose()
    junit = app.write_junit(tmp_path).read_text(encoding="utf-8")
    assert {v["rule"] for v in recorded} >= {rule for rule, *_ in LEAKY}
    for text in (json.dumps(recorded), junit, app.summary()):
        for secret in (SECRET, TOKEN_B64, RECEIVER_TOKEN):
            assert secret not in text
    assert "[redacted]" in json.dumps(recorded)
    # The Auth ID is no secret: violations still say which account's path it was.
    assert EMBEDDED_AUTH_ID in json.dumps(recorded)


# Issue 24.6: a malformed upstream URL is a start-up error like any other -----------------

MALFORMED_UPSTREAMS = [
    "http://127.0.0.1:80:80/",
    "http://127.0.0.1:99999/",
    "http://127.0.0.1:-1/",
    "http://127.0.0.1:port/",
    "http://[::1/",
    "http://[127.0.0.1]/",
    "http:///v1",
    "http://",
    "127.0.0.1:4010",
    "ftp://127.0.0.1/",
    "http://127.0.0.1/\x00",
    "http://127.0.0.1:4010/?q=1",
    "http://user:pw@127.0.0.1:80:80/",
    "",
]


@pytest.mark.parametrize("url", MALFORMED_UPSTREAMS)
def test_malformed_upstream_is_one_line_and_exit_2(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        proxy_main(["--proxy", url])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("plivo-mock --proxy: ") and err.count("\n") == 1, err
    assert "pw" not in err


def test_malformed_upstream_from_the_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "plivo_mock", "--proxy", "http://127.0.0.1:80:80/"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stderr.count("\n")) == (2, 1), done.stderr
    assert "Traceback" not in done.stderr


# Query values: redacted, but for a respelling of a word the spec lists ----------------------

LIVE_CALLS = f"/v1/Account/{EMBEDDED_AUTH_ID}/Call/"


async def _status_problem(
    checker: Checker, correct: str, query: str, headers: dict[str, str] | None = None
) -> str:
    case = ("", "GET", f"{LIVE_CALLS}?{query}", headers, None, "")
    found = await _through(checker, correct, case)
    (problem,) = [v for v in found if v["direction"] == "request"]
    assert problem["rule"] == "parameter"
    return str(problem["detail"])


@pytest.mark.anyio
@pytest.mark.parametrize("value,quoted", [("LIVE", "LIVE"), ("Live", "Live"), ("+live", " live")])
async def test_a_listed_value_but_for_case_or_blanks_is_shown(
    checker: Checker, correct: str, value: str, quoted: str
) -> None:
    detail = await _status_problem(checker, correct, f"status={value}")
    assert f'"{quoted}"' in detail and "[redacted]" not in detail, detail


@pytest.mark.anyio
@pytest.mark.parametrize(
    "value",
    [SECRET, f"LIVE{SECRET}", "livf", "a9Xk2Qm7Lp4Zr8Tb1Wc6Yd3Ve5Nf0Gh"],
    ids=["token", "listed-word-with-token", "not-a-respelling", "random"],
)
async def test_any_other_query_value_stays_redacted(
    checker: Checker, correct: str, value: str
) -> None:
    detail = await _status_problem(checker, correct, f"status={value}")
    assert value not in detail and "[redacted]" in detail, detail


@pytest.mark.anyio
async def test_a_listed_word_inside_the_credentials_stays_redacted(
    checker: Checker, correct: str
) -> None:
    """The token "live-token-2024" makes "LIVE" a part of a secret: not shown."""
    auth = {"authorization": _basic(EMBEDDED_AUTH_ID, "live-token-2024")}
    detail = await _status_problem(checker, correct, "status=LIVE", auth)
    assert "LIVE" not in detail and "[redacted]" in detail, detail


@pytest.mark.anyio
async def test_a_percent_encoded_secret_is_redacted_as_decoded(
    checker: Checker, correct: str
) -> None:
    """The detail quotes the value decoded: that spelling is redacted too."""
    detail = await _status_problem(checker, correct, "status=abc%2Fsecret-9f8e")
    assert "secret-9f8e" not in detail and "[redacted]" in detail, detail


def test_every_listed_query_word_respelled_may_be_shown(checker: Checker) -> None:
    """The rule covers each query parameter of both specs whose schema lists strings."""
    params = [
        param
        for document in checker.documents
        for route in document.routes
        for op in route.operations.values()
        for param in op.query_params
        if param.listed
    ]
    assert params
    for param in params:
        for word in param.listed:
            for spelling in (word.upper(), word.title(), f" {word} "):
                query = urlencode({param.name: spelling}).encode()
                listed = {param.name: param.listed}
                assert shown_values(query, listed, [SECRET]) == {spelling}
                assert shown_values(query, listed, [f"{word}-{SECRET}"]) == set()
                assert shown_values(query + b"x", listed, [SECRET]) == set()
