"""The proxy in front of a hostile upstream (issue 24.3) and what it forwards (24.4).

The upstream is a bare loopback socket server: it records each request's head byte for byte
and answers whatever bytes the test gives it, which no well-behaved server would send.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from plivo_mock.config import (
    BODY_LIMIT_BYTES,
    BRIDGED_CALL_UUID,
    EMBEDDED_AUTH_ID,
    EMBEDDED_AUTH_TOKEN,
)
from plivo_mock.conformance import ANSWER_LIMIT_BYTES
from plivo_mock.proxy import VIOLATIONS_PATH
from plivo_mock.redaction import credential_forms, echoed
from plivo_mock.testing import MockServer, dtmf_path

from tests.reliability.rawhttp import RawResponse, exchange

AUTH_HEADER = "Basic TUFNT0NLRFRNRjAwMDAwMDAwMDE6bW9jay10b2tlbi0wMDAx"
DTMF = dtmf_path(BRIDGED_CALL_UUID)
API_ID = "07abfd94-58c0-11e1-86da-adf28403fe48"


class RawUpstream:
    """Answers every request with `self.answer`; keeps each request's head as received."""

    def __init__(self) -> None:
        self.answer = b"HTTP/1.1 204 No Content\r\n\r\n"
        self.heads: list[bytes] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                while len(body) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    body += chunk
                self.heads.append(head)
                try:
                    conn.sendall(self.answer)
                except OSError:
                    pass

    def close(self) -> None:
        self._sock.close()


@pytest.fixture(scope="module")
def hostile() -> Iterator[RawUpstream]:
    upstream = RawUpstream()
    yield upstream
    upstream.close()


@pytest.fixture(scope="module")
def proxy(hostile: RawUpstream) -> Iterator[MockServer]:
    with MockServer("--proxy", hostile.url, health_path=VIOLATIONS_PATH, deadline_s=20) as server:
        yield server


def _violations(proxy: MockServer) -> list[dict[str, object]]:
    found: list[dict[str, object]] = httpx.get(
        proxy.base_url + VIOLATIONS_PATH, trust_env=False
    ).json()["violations"]
    httpx.delete(proxy.base_url + VIOLATIONS_PATH, trust_env=False)
    return found


def _answer(status: str, body: bytes, *extra: bytes) -> bytes:
    head = [f"HTTP/1.1 {status}".encode(), b"content-type: application/json", *extra]
    head.append(b"content-length: %d" % len(body))
    return b"\r\n".join(head) + b"\r\n\r\n" + body


def _pid(server: MockServer) -> int:
    assert server.process is not None
    return server.process.pid


def _peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def _post(proxy: MockServer, digits: str = "1") -> httpx.Response:
    return httpx.post(
        proxy.base_url + DTMF,
        json={"digits": digits},
        auth=(EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN),
        headers={"accept-encoding": "identity"},
        trust_env=False,
        timeout=30,
    )


def test_deeply_nested_answer_is_a_violation_not_a_crash(
    hostile: RawUpstream, proxy: MockServer
) -> None:
    _violations(proxy)
    hostile.answer = _answer("400 Bad Request", b"[" * 50_000)
    answer = _post(proxy, digits="x")  # a 400 is right: its body is what is wrong
    # Forwarded as it came; the proxy neither crashed nor lost the exchange.
    assert (answer.status_code, answer.content) == (400, b"[" * 50_000)
    found = _violations(proxy)
    assert [(v["direction"], v["rule"]) for v in found] == [
        ("request", "body"),
        ("response", "body"),
    ]
    assert "nested too deeply" in str(found[1]["detail"])


def test_gzip_bomb_is_a_violation_in_bounded_memory(
    hostile: RawUpstream, proxy: MockServer
) -> None:
    _violations(proxy)
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = b"\0" * (1 << 20)
    bomb = b"".join(packer.compress(zeros) for _ in range(200)) + packer.flush()
    assert len(bomb) < 300_000  # 200 MiB inflated
    hostile.answer = _answer("202 Accepted", bomb, b"content-encoding: gzip")
    before = _peak_kib(_pid(proxy))
    answer = httpx.post(
        proxy.base_url + DTMF,
        json={"digits": "1"},
        auth=(EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN),
        trust_env=False,
        timeout=30,
    )
    grown_kib = _peak_kib(_pid(proxy)) - before
    # Forwarded still compressed, byte for byte.
    assert answer.status_code == 202
    assert answer.headers["content-length"] == str(len(bomb))
    found = _violations(proxy)
    assert [(v["direction"], v["rule"]) for v in found] == [("response", "body")]
    assert f"over {ANSWER_LIMIT_BYTES} bytes" in str(found[0]["detail"])
    # Measured 2026-12-04: a few MiB (the answer and its bounded inflation); was 466 MB.
    assert grown_kib < 32 * 1024, grown_kib


def test_oversized_answer_is_a_plivo_shaped_502(hostile: RawUpstream, proxy: MockServer) -> None:
    _violations(proxy)
    hostile.answer = _answer("202 Accepted", b" " * (ANSWER_LIMIT_BYTES + 1))
    answer = _post(proxy)
    assert answer.status_code == 502
    assert set(answer.json()) == {"api_id", "error"}
    found = _violations(proxy)
    assert [(v["rule"], v["status"]) for v in found] == [("upstream-too-large", 502)]


def test_proxy_keeps_serving_after_hostile_answers(hostile: RawUpstream, proxy: MockServer) -> None:
    hostile.answer = _answer(
        "202 Accepted", json.dumps({"api_id": API_ID, "message": "digits sent"}).encode()
    )
    _violations(proxy)
    assert _post(proxy).status_code == 202
    assert _violations(proxy) == []


# 24.4: exactly the client's header fields reach the upstream -----------------------------

# (what the client sends after the request line, the fields the upstream must get, in order)
HEADER_SETS: list[tuple[list[str], list[str]]] = [
    (["Host: p", f"Authorization: {AUTH_HEADER}"], ["host: UP", f"authorization: {AUTH_HEADER}"]),
    (
        ["Authorization: x", "X-A: 1", "x-a: 2", "X-Empty:"],
        # No Host (HTTP/1.1 requires one): the upstream's, first.
        ["host: UP", "authorization: x", "x-a: 1", "x-a: 2", "x-empty: "],
    ),
    (
        ["Host: p", "Connection: keep-alive, X-Hop", "X-Hop: secret", "Keep-Alive: 5", "X-End: 1"],
        ["host: UP", "x-end: 1"],
    ),
    (
        ["Host: p", "TE: trailers", "Proxy-Authorization: Basic eA==", "Upgrade-Insecure: 1"],
        ["host: UP", "upgrade-insecure: 1"],
    ),
    (
        ["Host: p", "User-Agent: mine/1", "Accept: text/csv", "Accept-Encoding: br"],
        ["host: UP", "user-agent: mine/1", "accept: text/csv", "accept-encoding: br"],
    ),
    (
        ["Host: p", "Content-Type: application/json", "Content-Length: 2", "BODY{}"],
        ["host: UP", "content-type: application/json", "content-length: 2"],
    ),
    (
        ["Host: p", "Transfer-Encoding: chunked", "CHUNKED{}"],
        ["host: UP", "content-length: 2"],
    ),
]


@pytest.mark.parametrize("sent,expected", HEADER_SETS)
def test_upstream_gets_exactly_the_clients_fields(
    hostile: RawUpstream, proxy: MockServer, sent: list[str], expected: list[str]
) -> None:
    hostile.answer = b"HTTP/1.1 204 No Content\r\n\r\n"
    fields = [line for line in sent if not line.startswith(("BODY", "CHUNKED"))]
    body = b""
    for line in sent:
        if line.startswith("BODY"):
            body = line[4:].encode()
        elif line.startswith("CHUNKED"):
            data = line[7:].encode()
            body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(data), data)
    request = "POST /anything/ HTTP/1.1\r\n" + "".join(f"{f}\r\n" for f in fields) + "\r\n"
    count = len(hostile.heads)
    port = int(proxy.base_url.rsplit(":", 1)[1])
    answer = exchange("127.0.0.1", port, request.encode() + body, timeout=10)
    assert isinstance(answer, RawResponse) and answer.status == 204
    (head,) = hostile.heads[count:]
    got = [line.decode("latin-1") for line in head.split(b"\r\n")[1:]]
    up = hostile.url.removeprefix("http://")
    assert [line.replace(up, "UP") for line in got] == expected


# 24.5, answers: what an upstream echoes of the request's secrets is redacted too ------------

TOKEN = "upstream-echoed-token-5a4b"
# Each rule's detail quotes the answer's value: the token, unless redacted.
ECHOES: list[tuple[str, bytes]] = [
    ("body-schema", _answer("202 Accepted", json.dumps({"message": TOKEN, "api_id": 1}).encode())),
    (
        "header",
        _answer(
            "401 Unauthorized",
            json.dumps({"api_id": API_ID, "error": "no"}).encode(),
            f"www-authenticate: {TOKEN}".encode(),
        ),
    ),
    (
        "content-type",
        b"HTTP/1.1 202 Accepted\r\ncontent-type: text/" + TOKEN.encode() + b"\r\n"
        b"content-length: 0\r\n\r\n",
    ),
]


@pytest.mark.parametrize("rule,echo", ECHOES, ids=[rule for rule, _ in ECHOES])
def test_secrets_echoed_by_the_upstream_are_redacted(
    hostile: RawUpstream, proxy: MockServer, rule: str, echo: bytes
) -> None:
    _violations(proxy)
    hostile.answer = echo
    httpx.post(
        proxy.base_url + DTMF,
        json={"digits": "1"},
        auth=(EMBEDDED_AUTH_ID, TOKEN),
        trust_env=False,
        timeout=30,
    )
    found = _violations(proxy)
    assert rule in [v["rule"] for v in found], found
    assert TOKEN not in json.dumps(found)


@pytest.mark.parametrize(
    "method,path,rule",
    [
        ("POST", DTMF, "body-limit"),
        ("GET", f"/v1/Account/{EMBEDDED_AUTH_ID}/Call/?status=live", "body-limit"),
        ("POST", "/v1/Nothing/", "path"),
    ],
)
def test_body_over_the_limit_is_not_forwarded(
    hostile: RawUpstream, proxy: MockServer, method: str, path: str, rule: str
) -> None:
    """x-limits.body-bytes: the proxy stops reading there and answers 413 itself; the
    request's violation is its first problem."""
    _violations(proxy)
    count = len(hostile.heads)
    answer = httpx.request(
        method,
        proxy.base_url + path,
        content=b'{"digits": "1", "x": "' + b"a" * BODY_LIMIT_BYTES + b'"}',
        headers={"content-type": "application/json"},
        auth=(EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN),
        trust_env=False,
        timeout=30,
    )
    assert answer.status_code == 413 and set(answer.json()) == {"api_id", "error"}
    assert len(hostile.heads) == count
    found = _violations(proxy)
    assert [(v["direction"], v["rule"], v["status"]) for v in found] == [("request", rule, 413)]


# Credentials an answer echoes: every form, in the body or a header, error or success -----

ECHO_TOKEN = "echo-token-7c6d5e4f3a2b"
ECHO_BASE64 = base64.b64encode(f"{EMBEDDED_AUTH_ID}:{ECHO_TOKEN}".encode()).decode()
# (what the violation names, the echoed text): each form the contract suite judges.
ECHO_FORMS = [
    ("the Authorization header's value", f"Basic {ECHO_BASE64}"),
    ("the credentials of the Authorization header (base64)", ECHO_BASE64),
    ("user:password from the Authorization header", f"{EMBEDDED_AUTH_ID}:{ECHO_TOKEN}"),
    ("the password sent", ECHO_TOKEN),
]


def _echoing(status: str, echo: str, where: str) -> bytes:
    """An answer the spec finds valid for a POST to DTMF but for `echo` in `where`."""
    document: dict[str, str] = (
        {"api_id": API_ID, "error": "authentication failed"}
        if status.startswith("401")
        else {"message": "digits sent", "api_id": API_ID}
    )
    extra: list[bytes] = []
    if where == "body":
        # An error's message, a success's extra field: both allowed by their schemas.
        key = "error" if status.startswith("401") else "debug"
        document[key] = f"{document.get(key, '')} ({echo})"
    else:
        extra.append(f"x-debug-auth: {echo}".encode())
    if status.startswith("401"):
        extra.append(b'www-authenticate: Basic realm="Plivo"')
    return _answer(status, json.dumps(document).encode(), *extra)


@pytest.mark.parametrize("status", ["401 Unauthorized", "202 Accepted"])
@pytest.mark.parametrize("where", ["body", "header"])
@pytest.mark.parametrize(
    "name,echo", ECHO_FORMS, ids=["authorization", "base64", "decoded", "token"]
)
def test_an_answer_echoing_credentials_is_one_violation_naming_what(
    hostile: RawUpstream, proxy: MockServer, name: str, echo: str, where: str, status: str
) -> None:
    _violations(proxy)
    hostile.answer = _echoing(status, echo, where)
    answer = httpx.post(
        proxy.base_url + DTMF,
        json={"digits": "1"},
        auth=(EMBEDDED_AUTH_ID, ECHO_TOKEN),
        trust_env=False,
        timeout=30,
    )
    assert answer.status_code == int(status[:3])
    found = _violations(proxy)
    assert [(v["rule"], v["status"]) for v in found] == [("credential-echo", answer.status_code)]
    place = "the answer's body" if where == "body" else "the answer's header x-debug-auth"
    assert found[0]["detail"] == f"{place} echoes {name}"
    recorded = json.dumps(found)
    for secret in (ECHO_TOKEN, ECHO_BASE64, f"{EMBEDDED_AUTH_ID}:{ECHO_TOKEN}"):
        assert secret not in recorded


def test_an_answer_naming_a_short_password_as_a_word_is_no_echo(
    hostile: RawUpstream, proxy: MockServer
) -> None:
    """A short password ("wrong") alone may be a word of any error message: it counts only
    inside the Authorization value or user:password."""
    _violations(proxy)
    hostile.answer = _echoing("401 Unauthorized", "unknown Auth ID or wrong Auth Token", "body")
    httpx.post(
        proxy.base_url + DTMF,
        json={"digits": "1"},
        auth=(EMBEDDED_AUTH_ID, "wrong"),
        trust_env=False,
        timeout=30,
    )
    assert _violations(proxy) == []


# Basic credentials whose base64 holds "/", "+" and "=", which escaping changes.
ESCAPABLE = "Basic TUFVU0VSOnJpR3A+NThXQW0/ZA=="


@pytest.mark.parametrize(
    "encode",
    [
        lambda s: json.dumps(s)[1:-1].replace("/", "\\/"),
        lambda s: quote(s, safe=""),
        lambda s: quote(s),
    ],
    ids=["json-escaped-solidus", "percent-encoded", "percent-encoded-path"],
)
def test_an_escaped_echo_is_still_an_echo(encode: Callable[[str], str]) -> None:
    """An answer may repeat a credential escaped: as JSON may ("/" as "\\/") or in a URL."""
    assert encode(ESCAPABLE) != ESCAPABLE
    text = f'{{"error": "denied {encode(ESCAPABLE)}"}}'
    assert echoed(text, credential_forms(ESCAPABLE)) == "the Authorization header's value"


def test_a_non_ascii_password_escaped_as_json_is_an_echo() -> None:
    password = "pässwort-geheim"
    authorization = "Basic " + base64.b64encode(f"MAUSER:{password}".encode()).decode()
    text = json.dumps({"error": f"bad password {password}"})
    assert password not in text
    assert echoed(text, credential_forms(authorization)) == "the password sent"


def test_a_compressed_body_is_judged_inflated(hostile: RawUpstream, proxy: MockServer) -> None:
    _violations(proxy)
    document = {"message": "digits sent", "api_id": API_ID, "debug": ECHO_TOKEN}
    body = zlib.compress(json.dumps(document).encode())
    hostile.answer = _answer("202 Accepted", body, b"content-encoding: deflate")
    httpx.post(
        proxy.base_url + DTMF,
        json={"digits": "1"},
        auth=(EMBEDDED_AUTH_ID, ECHO_TOKEN),
        headers={"accept-encoding": "deflate"},
        trust_env=False,
        timeout=30,
    )
    found = _violations(proxy)
    assert [(v["rule"], v["detail"]) for v in found] == [
        ("credential-echo", "the answer's body echoes the password sent")
    ]


def test_an_echo_in_a_header_name_is_recorded_redacted(
    hostile: RawUpstream, proxy: MockServer
) -> None:
    _violations(proxy)
    document = {"message": "digits sent", "api_id": API_ID}
    hostile.answer = _answer(
        "202 Accepted", json.dumps(document).encode(), f"x-{ECHO_TOKEN}: 1".encode()
    )
    httpx.post(
        proxy.base_url + DTMF,
        json={"digits": "1"},
        auth=(EMBEDDED_AUTH_ID, ECHO_TOKEN),
        trust_env=False,
        timeout=30,
    )
    found = _violations(proxy)
    assert [(v["rule"], v["detail"]) for v in found] == [
        ("credential-echo", "the answer's header x-[redacted] echoes the password sent")
    ]


class TricklingUpstream:
    """Answers a head promising a body, then one byte every `interval_s`: each read comes
    well within any per-read timeout, the whole answer never does."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self.stopped = threading.Event()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self._sock.accept()
        except OSError:
            return
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                head += chunk
            try:
                conn.sendall(_answer("202 Accepted", b"").replace(b"length: 0", b"length: 100000"))
                # The pace is the upstream's behaviour under test, not synchronisation.
                while not self.stopped.wait(self.interval_s):
                    conn.sendall(b" ")
            except OSError:
                return

    def close(self) -> None:
        self.stopped.set()
        self._sock.close()


def test_a_trickling_upstream_is_a_504_within_the_upstream_timeout() -> None:
    """Bytes spaced at a fifth of --upstream-timeout never trip a per-read timeout; the
    whole exchange is bounded by it all the same (it took 100000 x 0.1 s before)."""
    upstream = TricklingUpstream(interval_s=0.1)
    try:
        with MockServer(
            "--proxy",
            upstream.url,
            "--upstream-timeout",
            "0.5",
            health_path=VIOLATIONS_PATH,
            deadline_s=20,
        ) as proxy:
            answer = _post(proxy)
            assert answer.status_code == 504
            assert set(answer.json()) == {"api_id", "error"}
            assert answer.elapsed.total_seconds() < 15  # the bound plus load, not 10 000 s
            (found,) = _violations(proxy)
    finally:
        upstream.close()
    assert (found["rule"], found["status"]) == ("upstream-timeout", 504)
    assert "within 0.5 s" in str(found["detail"])
