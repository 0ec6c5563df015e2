"""x-decisions.request-limits: target and header sizes, header count, singleton headers,
HTTP versions and the body timeout, each a JSON 400; the limits come from MockConfig.

The app is called as ASGI directly, so that each request carries exactly the headers, target
and version the test names (an HTTP client adds and normalises its own).
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from plivo_mock.app import MockApp
from plivo_mock.asgi import Message
from plivo_mock.config import EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN, UNBRIDGED_CALL_UUID, MockConfig
from plivo_mock.testing import dtmf_path

pytestmark = pytest.mark.anyio

DEFAULTS = MockConfig()
DTMF = dtmf_path(UNBRIDGED_CALL_UUID)
BODY = b'{"digits":"1"}'
BASIC = b"Basic " + base64.b64encode(f"{EMBEDDED_AUTH_ID}:{EMBEDDED_AUTH_TOKEN}".encode())
VALID_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"host", b"127.0.0.1:4010"),
    (b"authorization", BASIC),
    (b"content-type", b"application/json"),
    (b"content-length", str(len(BODY)).encode()),
)
Conforms = Callable[[str, str, int, Mapping[str, str], bytes], None]
# Generous bound on any one call, so that a body wait that never ends fails the test.
CALL_DEADLINE_S = 5.0


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def error(self) -> str:
        message = json.loads(self.body)["error"]
        assert isinstance(message, str)
        return message


async def call(
    app: MockApp,
    *,
    target: str = DTMF,
    headers: Iterable[tuple[bytes, bytes]] = VALID_HEADERS,
    version: str = "1.1",
    messages: Callable[[], Any] | None = None,
) -> Answer:
    """One request through the app; `messages` replaces the receive callable (one body)."""
    path, _, query = target.partition("?")

    async def one_body() -> Message:
        return {"type": "http.request", "body": BODY, "more_body": False}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": version,
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("ascii"),
        "query_string": query.encode("ascii"),
        "root_path": "",
        "headers": list(headers),
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 4010),
    }
    async with asyncio.timeout(CALL_DEADLINE_S):
        await app(scope, messages or one_body, send)
    start, body = sent
    names = {k.decode(): v.decode() for k, v in start["headers"]}
    return Answer(start["status"], names, body["body"])


def checked(conforms: Conforms, answer: Answer, target: str = DTMF) -> Answer:
    conforms("POST", target.partition("?")[0], answer.status, answer.headers, answer.body)
    return answer


async def test_valid_request_as_sent_here_is_202(app: MockApp, conforms: Conforms) -> None:
    """The baseline of this module: every other test changes one thing about it."""
    assert checked(conforms, await call(app)).status == 202


async def test_header_of_exactly_the_limit_is_accepted(app: MockApp, conforms: Conforms) -> None:
    padded = (b"x-pad", b"a" * (DEFAULTS.header_limit - len(b"x-pad")))
    answer = await call(app, headers=[*VALID_HEADERS, padded])
    assert checked(conforms, answer).status == 202


async def test_header_one_byte_over_the_limit_is_400(app: MockApp, conforms: Conforms) -> None:
    padded = (b"x-pad", b"a" * (DEFAULTS.header_limit - len(b"x-pad") + 1))
    answer = checked(conforms, await call(app, headers=[*VALID_HEADERS, padded]))
    assert answer.status == 400
    assert f"header x-pad longer than {DEFAULTS.header_limit} bytes" in answer.error


async def test_header_count_at_the_limit_is_accepted(app: MockApp, conforms: Conforms) -> None:
    padding = [(b"x-pad-%d" % i, b"1") for i in range(DEFAULTS.header_count_limit)]
    headers = [*VALID_HEADERS, *padding][: DEFAULTS.header_count_limit]
    assert len(headers) == DEFAULTS.header_count_limit
    assert checked(conforms, await call(app, headers=headers)).status == 202


async def test_one_header_over_the_count_limit_is_400(app: MockApp, conforms: Conforms) -> None:
    padding = [(b"x-pad-%d" % i, b"1") for i in range(DEFAULTS.header_count_limit)]
    headers = [*VALID_HEADERS, *padding][: DEFAULTS.header_count_limit + 1]
    answer = checked(conforms, await call(app, headers=headers))
    assert answer.status == 400
    assert f"more than {DEFAULTS.header_count_limit} header fields" in answer.error


async def test_target_of_exactly_the_limit_is_accepted(app: MockApp, conforms: Conforms) -> None:
    query = "x=" + "a" * (DEFAULTS.target_limit - len(DTMF) - len("?x="))
    target = f"{DTMF}?{query}"
    assert len(target) == DEFAULTS.target_limit
    assert checked(conforms, await call(app, target=target), target).status == 202


async def test_target_one_byte_over_the_limit_is_400(app: MockApp, conforms: Conforms) -> None:
    target = f"{DTMF}?x=" + "a" * (DEFAULTS.target_limit - len(DTMF) - len("?x=") + 1)
    answer = checked(conforms, await call(app, target=target), target)
    assert answer.status == 400
    assert f"request target longer than {DEFAULTS.target_limit} bytes" in answer.error


@pytest.mark.parametrize("name", [b"authorization", b"content-type"])
async def test_a_singleton_header_repeated_with_the_same_value_is_400(
    app: MockApp, conforms: Conforms, name: bytes
) -> None:
    repeated = next(pair for pair in VALID_HEADERS if pair[0] == name)
    answer = checked(conforms, await call(app, headers=[*VALID_HEADERS, repeated]))
    assert answer.status == 400
    assert "given more than once" in answer.error


async def test_other_repeated_headers_are_accepted(app: MockApp, conforms: Conforms) -> None:
    headers = [*VALID_HEADERS, (b"accept", b"application/json"), (b"accept", b"*/*")]
    assert checked(conforms, await call(app, headers=headers)).status == 202


async def test_http_1_0_is_served(app: MockApp, conforms: Conforms) -> None:
    assert checked(conforms, await call(app, version="1.0")).status == 202


@pytest.mark.parametrize("version", ["2", "2.0", "3", "0.9"])
async def test_other_http_versions_are_400_and_close_the_connection(
    app: MockApp, conforms: Conforms, version: str
) -> None:
    answer = checked(conforms, await call(app, version=version))
    assert answer.status == 400
    assert f"HTTP/{version} is not supported" in answer.error
    assert answer.headers["connection"] == "close"


async def test_body_that_stops_arriving_is_400_after_the_body_timeout(
    make_app: Callable[..., MockApp], conforms: Conforms
) -> None:
    app = make_app(body_timeout_s=0.2)
    sent_first = False

    async def stalls() -> Message:
        nonlocal sent_first
        if not sent_first:
            sent_first = True
            return {"type": "http.request", "body": b'{"dig', "more_body": True}
        await asyncio.Event().wait()  # the rest never comes
        raise AssertionError("unreachable")

    answer = checked(conforms, await call(app, messages=stalls))
    assert answer.status == 400
    assert "not received in full within 0.2 s" in answer.error
    assert answer.headers["connection"] == "close"
    stalled_call = app.state.find(EMBEDDED_AUTH_ID, UNBRIDGED_CALL_UUID)
    assert stalled_call is not None and list(stalled_call.events) == []


async def test_body_trickling_in_cannot_outlast_the_body_timeout(
    make_app: Callable[..., MockApp], conforms: Conforms
) -> None:
    """One deadline for the whole body, not one per message: a byte every 50 ms still ends."""
    app = make_app(body_timeout_s=0.2)
    trickled = 0

    async def trickles() -> Message:
        nonlocal trickled
        trickled += 1
        await asyncio.sleep(0.05)  # the slow client under test, not synchronisation
        return {"type": "http.request", "body": b" ", "more_body": True}

    answer = checked(conforms, await call(app, messages=trickles))
    assert answer.status == 400
    assert 2 <= trickled < 40


async def test_reads_begun_at_different_times_each_get_their_own_deadline(
    make_app: Callable[..., MockApp],
) -> None:
    """One timer serves every read: it must re-arm for a read begun after the first one."""
    app = make_app(body_timeout_s=0.2)

    async def stalls() -> Message:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def stalled_after(delay_s: float) -> tuple[float, Answer]:
        await asyncio.sleep(delay_s)  # the second client arrives later: the scenario itself
        begun = time.monotonic()
        answer = await call(app, messages=stalls)
        return time.monotonic() - begun, answer

    (first_s, first), (second_s, second), quick = await asyncio.gather(
        stalled_after(0.0), stalled_after(0.1), call(app)
    )
    assert (first.status, second.status, quick.status) == (400, 400, 202)
    # Neither was cut short by the other's deadline (a read the timer forgot would hang
    # until CALL_DEADLINE_S and fail the call instead).
    assert first_s >= 0.2 and second_s >= 0.2, (first_s, second_s)
