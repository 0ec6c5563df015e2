"""Client-side validation: the spec's own rules, checked before any HTTP request.

The rules live in the generated `_meta.py`, written from the spec at generation time; these
tests compare them with the spec read here, and prove that nothing is sent when a value breaks
them (the transport fails the test if it is called).
"""

from __future__ import annotations

import ast
import copy
import importlib.util
import json
import re
from types import ModuleType
from typing import Any

import httpx
import pytest
from plivo_dtmf_client import Client, errors
from plivo_dtmf_client._spec import REQUEST_RULES
from plivo_dtmf_client.api.calls import send_digits
from plivo_dtmf_client.models import SendDigitsRequest

from tests.client_support import (
    ACCEPTED,
    CALL,
    CALL_DTMF_PATH,
    DTMF_PATH,
    ROOT,
    SPEC,
    TOKEN,
    client_on,
    recorder,
)

SCHEMAS = SPEC["components"]["schemas"]
DTMF = ("post", DTMF_PATH)


def must_not_send(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"an invalid request was sent: {request.method} {request.url}")


def accept(request: httpx.Request) -> httpx.Response:
    return httpx.Response(202, json=ACCEPTED)


def rejected(call_uuid: str = CALL, auth_id: str | None = None, **body: Any) -> Any:
    with pytest.raises(errors.InvalidParameterError) as caught:
        send_digits.sync(
            call_uuid,
            client=client_on(must_not_send),
            body=SendDigitsRequest(**body),
            auth_id=auth_id,
        )
    return caught.value


def test_the_rules_are_the_specs() -> None:
    body = REQUEST_RULES[DTMF]["body"]
    digits = SCHEMAS["Digits"]
    assert body["digits"]["pattern"] == digits["pattern"]
    assert body["digits"]["minLength"] == digits["minLength"]
    assert body["digits"]["maxLength"] == digits["maxLength"]
    assert list(body["leg"]["enum"]) == SCHEMAS["Leg"]["enum"]
    path = REQUEST_RULES[DTMF]["path"]
    parameters = SPEC["components"]["parameters"]
    assert path["auth_id"]["pattern"] == parameters["AuthId"]["schema"]["pattern"]
    assert path["call_uuid"]["pattern"] == parameters["CallUuid"]["schema"]["pattern"]


def test_digits_with_a_trailing_newline_break_the_pattern() -> None:
    exc = rejected(digits="1\n")
    assert (exc.field, exc.rule, exc.constraint) == (
        "digits",
        "pattern",
        SCHEMAS["Digits"]["pattern"],
    )
    assert str(exc).startswith("digits: must match the pattern ")


def test_non_ascii_digits_break_the_pattern() -> None:
    exc = rejected(digits="١٢٣")
    assert (exc.field, exc.rule) == ("digits", "pattern")


@pytest.mark.parametrize("digits", ["12 3", "a", "1@5", "1@99999", "#@0500", "1w\t"])
def test_characters_outside_the_grammar_break_the_pattern(digits: str) -> None:
    assert rejected(digits=digits).rule == "pattern"


def test_empty_digits_break_min_length() -> None:
    exc = rejected(digits="")
    assert (exc.field, exc.rule, exc.constraint) == ("digits", "minLength", 1)


def test_digits_over_max_length_break_max_length() -> None:
    longest = SCHEMAS["Digits"]["maxLength"]
    exc = rejected(digits="1" * (longest + 1))
    assert (exc.field, exc.rule, exc.constraint) == ("digits", "maxLength", longest)


def test_digits_at_max_length_are_sent() -> None:
    longest = SCHEMAS["Digits"]["maxLength"]
    body = SendDigitsRequest(digits="1" * longest)
    assert send_digits.sync(CALL, client=client_on(accept), body=body).api_id == ACCEPTED["api_id"]


@pytest.mark.parametrize("digits", SCHEMAS["Digits"]["examples"])
def test_the_specs_digits_examples_are_sent(digits: str) -> None:
    body = SendDigitsRequest(digits=digits)
    assert send_digits.sync(CALL, client=client_on(accept), body=body).message == "digits sent"


def test_digits_as_a_number_break_the_type() -> None:
    exc = rejected(digits=123)
    assert (exc.field, exc.rule, exc.value) == ("digits", "type", 123)


def test_unknown_leg_breaks_the_enum() -> None:
    exc = rejected(digits="1", leg="both")
    assert (exc.field, exc.rule, exc.value) == ("leg", "enum", "both")
    assert "'aleg', 'bleg'" in str(exc)


def test_leg_as_a_plain_string_is_sent_as_its_value() -> None:
    seen, transport = recorder()
    body = SendDigitsRequest(digits="1", leg="bleg")  # type: ignore[arg-type]
    send_digits.sync(CALL, client=client_on(transport), body=body)
    assert json.loads(seen[0].content)["leg"] == "bleg"


def test_upper_case_call_uuid_breaks_the_pattern() -> None:
    exc = rejected(call_uuid=CALL.upper(), digits="1")
    assert (exc.field, exc.rule) == ("call_uuid", "pattern")


def test_malformed_auth_id_breaks_the_pattern() -> None:
    exc = rejected(auth_id="MA123", digits="1")
    assert (exc.field, exc.rule) == ("auth_id", "pattern")


@pytest.mark.parametrize("source", ["argument", "environment"])
def test_a_malformed_auth_id_of_the_client_is_refused_when_the_client_is_made(
    source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Checked once there, so that sends need not check the client's own Auth ID again.
    monkeypatch.setenv("PLIVO_AUTH_ID", "ma2025rk4e639vjfzagv")
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", TOKEN)
    with pytest.raises(errors.InvalidParameterError) as caught:
        Client("MA123" if source == "argument" else None)
    assert (caught.value.field, caught.value.rule) == ("auth_id", "pattern")


def test_callback_url_pattern_is_a_prefix_not_a_full_match() -> None:
    # The spec writes `^https?://` (JSON Schema patterns search); a full match would reject it.
    body = SendDigitsRequest(digits="0", callback_url="https://example.com/dtmf-sent")
    assert send_digits.sync(CALL, client=client_on(accept), body=body).api_id == ACCEPTED["api_id"]
    exc = rejected(digits="0", callback_url="ftp://example.com/")
    assert (exc.field, exc.rule) == ("callback_url", "pattern")


def test_validation_error_is_a_value_error_and_a_plivo_error() -> None:
    exc = rejected(digits="")
    assert isinstance(exc, ValueError)
    assert isinstance(exc, errors.PlivoError)


def test_detailed_functions_validate_too() -> None:
    with pytest.raises(errors.InvalidParameterError):
        send_digits.sync_detailed(
            CALL, client=client_on(must_not_send), body=SendDigitsRequest(digits="1\n")
        )


def test_raw_request_is_authenticated_but_not_validated() -> None:
    # client.request() is the escape hatch for deliberately invalid requests (contract tests).
    seen, transport = recorder(400, {"api_id": ACCEPTED["api_id"], "error": "bad digits"})
    answer = client_on(transport).request("POST", CALL_DTMF_PATH, json={"digits": "1\n"})
    assert answer.status_code == 400
    assert json.loads(seen[0].content) == {"digits": "1\n"}
    assert seen[0].headers["Authorization"].startswith("Basic ")


# What the hook reads from the generator's pyproject.toml (names and version).
PROJECT = {
    "project_name": "plivo-dtmf-client",
    "package_name": "plivo_dtmf_client",
    "package_version": "1.0.0",
}


def emitter() -> ModuleType:
    """openapi/hooks/emit_spec_module.py, the post-hook that writes _meta.py."""
    path = ROOT / "openapi" / "hooks" / "emit_spec_module.py"
    spec = importlib.util.spec_from_file_location("emit_spec_module", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rendered_rules(source: str) -> Any:
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "REQUEST_RULES":
            assert node.value is not None
            return ast.literal_eval(node.value)
    raise AssertionError("no REQUEST_RULES in the rendered module")


def test_rules_follow_the_spec_at_generation_time() -> None:
    changed = copy.deepcopy(SPEC)
    changed["components"]["schemas"]["Digits"]["maxLength"] = 5
    changed["components"]["schemas"]["Leg"]["enum"] = ["aleg", "bleg", "both"]
    changed["servers"][0]["url"] = "https://example.invalid"
    source = emitter().render(changed, PROJECT)
    body = rendered_rules(source)[DTMF]["body"]
    assert body["digits"]["maxLength"] == 5
    assert body["leg"]["enum"] == ("aleg", "bleg", "both")
    assert "DEFAULT_BASE_URL: Final = 'https://example.invalid'" in source


@pytest.mark.parametrize(
    ("ecma", "python"),
    [
        ("^[0-9]+$", r"^[0-9]+\Z"),
        ("^(a|b$)", r"^(a|b\Z)"),
        (r"^\$[$]$", r"^\$[$]\Z"),
        ("^https?://", "^https?://"),
    ],
)
def test_an_ecma_end_anchor_becomes_pythons_end_of_string(ecma: str, python: str) -> None:
    assert emitter().python_pattern(ecma) == python


def test_the_translation_closes_pythons_trailing_newline_hole() -> None:
    assert re.search("^[0-9]+$", "1\n") is not None  # Python's `$`: the pitfall
    assert re.search(emitter().python_pattern("^[0-9]+$"), "1\n") is None
