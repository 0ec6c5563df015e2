"""Open enums: what the client parses keeps a value the spec does not list; what it sends doesn't.

The positions come from the spec (scripts/open_enums.py); each test covers every one of them.
A loopback provider answers `{"message": "digits queued", ...}`, which the strict mock never
would: the client must return it (sync and asyncio), not raise after the digits were played.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import typing
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
import open_enums
import pytest
from plivo_dtmf_client import Client, errors, models
from plivo_dtmf_client.api.calls import send_digits
from plivo_dtmf_client.models import SendDigitsAccepted, SendDigitsAcceptedMessage
from plivo_dtmf_client.webhooks import signature_headers, verify_digits_sent
from plivo_mock.config import (
    BRIDGED_CALL_UUID,
    EMBEDDED_AUTH_ID,
    EMBEDDED_AUTH_TOKEN,
    MockConfig,
)
from plivo_mock.conformance import Checker, Exchange
from plivo_mock.testing import MockServer
from plivo_mock_control_client import Client as ControlClient
from plivo_mock_control_client.api.mock import inject_fault
from plivo_mock_control_client.models import FaultRequest

from tests.client_support import (
    API_ID,
    AUTH_ID,
    CALL,
    CALL_DTMF_PATH,
    ROOT,
    SPEC,
    TOKEN,
    AcceptingHandler,
    basic,
    client_on,
    recorder,
    serving,
)

UNLISTED = "digits queued"
OPEN = open_enums.open_positions(SPEC)


def closed_positions(spec: dict[str, Any]) -> list[open_enums.Position]:
    """The enum properties of objects the clients only send: closed, checked before sending."""
    found = open_enums.sides(spec)
    opened = open_enums.positions(spec, found.parsed)
    return sorted(open_enums.positions(spec, found.sent) - opened)


CLOSED = closed_positions(SPEC)


def test_the_spec_decides_which_enums_are_open() -> None:
    """Derived, not listed: the parsed positions are open, the sent ones closed, and the
    decision for an enum on both sides (Leg) is written in the spec."""
    assert {(p.component, p.name) for p in OPEN} == {
        ("SendDigitsAccepted", "message"),
        ("DigitsSentCallback", "status"),
        ("DigitsSentCallback", "leg"),
    }
    assert {(p.component, p.name) for p in CLOSED} == {
        ("SendDigitsRequest", "leg"),
        ("SendDigitsRequest", "callback_method"),
    }
    assert "open-enums" in SPEC["info"]["x-decisions"]


class Answers(AcceptingHandler):
    message: ClassVar[object] = UNLISTED

    def respond(self, body: bytes) -> tuple[int, object]:
        return 202, {"message": self.message, "api_id": API_ID}


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), Answers)) as server:
        yield f"http://127.0.0.1:{server.server_address[1]}"


def _send(base_url: str, message: object) -> SendDigitsAccepted:
    Answers.message = message
    with Client(AUTH_ID, TOKEN, base_url=base_url, max_retries=0) as client:
        return send_digits.sync(CALL, client=client, body=models.SendDigitsRequest(digits="1"))


def test_an_unlisted_202_message_is_returned_not_raised(provider: str) -> None:
    sent = _send(provider, UNLISTED)
    assert sent.message == UNLISTED
    assert type(sent.message) is str
    assert sent.api_id == API_ID


def test_an_unlisted_202_message_is_returned_by_asyncio_too(provider: str) -> None:
    Answers.message = UNLISTED

    async def main() -> SendDigitsAccepted:
        async with Client(AUTH_ID, TOKEN, base_url=provider, max_retries=0) as client:
            body = models.SendDigitsRequest(digits="1")
            return await send_digits.asyncio(CALL, client=client, body=body)

    sent = asyncio.run(main())
    assert (sent.message, type(sent.message)) == (UNLISTED, str)


@pytest.mark.parametrize("listed", list(SendDigitsAcceptedMessage))
def test_a_listed_202_message_is_the_enum_member(provider: str, listed: str) -> None:
    assert _send(provider, str(listed)).message is listed


def test_a_202_message_that_is_not_a_string_still_fails(provider: str) -> None:
    with pytest.raises(errors.APIResponseValidationError):
        _send(provider, 5)


def _model(position: open_enums.Position) -> type[Any]:
    assert position.component is not None
    return typing.cast(type[Any], getattr(models, position.component))


def _valid(position: open_enums.Position) -> dict[str, Any]:
    """The required fields of the position's model: each enum at its first value, others "1"."""
    schema = SPEC["components"]["schemas"][position.component]
    return {
        name: (open_enums.string_enum(SPEC, schema["properties"][name]) or ("1",))[0]
        for name in schema["required"]
    }


@pytest.mark.parametrize("position", OPEN, ids=lambda p: f"{p.component}.{p.name}")
def test_every_parsed_enum_keeps_an_unlisted_value_and_types_it(
    position: open_enums.Position,
) -> None:
    model = _model(position)
    body = _valid(position) | {position.name: "unlisted-value"}
    parsed = model.from_dict(body)
    assert getattr(parsed, position.name) == "unlisted-value"
    assert parsed.to_dict()[position.name] == "unlisted-value"
    hint = typing.get_type_hints(model)[position.name]
    assert str in typing.get_args(hint)
    listed = model.from_dict(_valid(position))
    assert type(getattr(listed, position.name)) in typing.get_args(hint)
    assert type(getattr(listed, position.name)) is not str


@pytest.mark.parametrize("position", CLOSED, ids=lambda p: f"{p.component}.{p.name}")
def test_every_sent_enum_stays_closed_and_is_checked_before_sending(
    position: open_enums.Position,
) -> None:
    model = _model(position)
    hint = typing.get_type_hints(model)[position.name]
    assert str not in typing.get_args(hint)
    seen, transport = recorder()
    with client_on(transport) as client, pytest.raises(errors.InvalidParameterError) as raised:
        # As untyped code would pass it: the client must refuse it, naming the rule.
        body = model(**_valid(position), **{position.name: "unlisted-value"})
        send_digits.sync(CALL, client=client, body=body)
    assert position.name in str(raised.value)
    assert seen == []


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_signed_callback_with_unlisted_values_verifies_and_keeps_them(method: str) -> None:
    fields = {
        "api_id": API_ID,
        "call_uuid": CALL,
        "digits": "1",
        "leg": "cleg",
        "status": "queued",
    }
    url = "https://example.com/dtmf-sent"
    body = b""
    if method == "GET":
        url += "?" + "&".join(f"{k}={v}" for k, v in fields.items())
        headers = signature_headers(TOKEN, method, url, {})
    else:
        body = json.dumps(fields).encode()
        headers = signature_headers(TOKEN, method, url, fields)
    callback = verify_digits_sent(
        method=method, url=url, headers=headers, body=body, auth_token=TOKEN
    )
    assert (callback.leg, callback.status) == ("cleg", "queued")
    assert type(callback.status) is str


README = ROOT / "generated" / "python" / "README.md"


@pytest.fixture(scope="module")
def readme_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The README's example of switching on an open enum, as a file."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text("utf-8"), re.S)
    (example,) = [b for b in blocks if "case unlisted" in b]
    path = tmp_path_factory.mktemp("readme") / "open_enum_example.py"
    path.write_text(example, "utf-8")
    return path


def test_the_readmes_switch_passes_mypy_strict(readme_example: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", str(readme_example)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_readmes_switch_handles_listed_and_unlisted_values(readme_example: Path) -> None:
    namespace: dict[str, Any] = {}
    exec(compile(readme_example.read_text("utf-8"), str(readme_example), "exec"), namespace)  # noqa: S102
    answers = {
        m: namespace["describe"](SendDigitsAccepted.from_dict({"message": m, "api_id": API_ID}))
        for m in [*SendDigitsAcceptedMessage, UNLISTED]
    }
    assert len(set(answers.values())) == len(answers)
    assert UNLISTED in answers[UNLISTED]


def test_the_mocks_checker_stays_strict_on_an_unlisted_message() -> None:
    """Lenient in what the clients parse, strict in what we test: the proxy's conformance
    checker (the contract suite's judgement of a provider) still flags the unlisted value."""
    config = MockConfig()
    checker = Checker(config.spec_path, config.control_spec_path)

    def answered(message: str) -> list[str]:
        exchange = Exchange(
            method="POST",
            raw_path=CALL_DTMF_PATH,
            query=b"",
            headers={"content-type": "application/json", "authorization": basic(AUTH_ID, TOKEN)},
            body=b'{"digits": "1"}',
            status=202,
            response_headers={"content-type": "application/json"},
            response_body=json.dumps({"message": message, "api_id": API_ID}).encode(),
        )
        return [v.rule for v in checker.check(exchange)]

    assert answered("digits sent") == []
    assert answered(UNLISTED) == ["body-schema"]


def test_the_readme_names_every_open_field() -> None:
    text = README.read_text("utf-8")
    assert all(f"`{p.component}.{p.name}`" in text for p in OPEN)
    assert not any(f"`{p.component}.{p.name}`" in text for p in CLOSED)


def test_the_mocks_message_fault_reaches_the_client_as_the_unlisted_string(
    server: MockServer,
) -> None:
    """What the SDK README shows: the strict mock, told by its control API, answers a 202
    `message` the spec does not list, and the client returns it."""
    auth = (EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN)
    with httpx.Client(base_url=server.base_url, auth=auth, trust_env=False) as http:
        control = ControlClient(base_url=server.base_url).set_httpx_client(http)
        assert http.post("/__mock__/reset").status_code == 204
        inject_fault.sync(
            client=control, body=FaultRequest(call_uuid=BRIDGED_CALL_UUID, message=UNLISTED)
        )
        with Client(*auth, base_url=server.base_url, max_retries=0) as client:
            sent = send_digits.sync(
                BRIDGED_CALL_UUID, client=client, body=models.SendDigitsRequest(digits="1")
            )
            again = send_digits.sync(
                BRIDGED_CALL_UUID, client=client, body=models.SendDigitsRequest(digits="2")
            )
    assert isinstance(sent, SendDigitsAccepted) and isinstance(again, SendDigitsAccepted)
    assert sent.message == UNLISTED and not isinstance(sent.message, SendDigitsAcceptedMessage)
    assert again.message is SendDigitsAcceptedMessage.DIGITS_SENT  # strict again
