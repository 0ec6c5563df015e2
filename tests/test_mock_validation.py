"""Requests are validated against the spec itself; bad input is a 4xx JSON error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import yaml
from plivo_mock.app import MockApp, create_app
from plivo_mock.asgi import error_body
from plivo_mock.config import BRIDGED_CALL_UUID, UNBRIDGED_CALL_UUID, MockConfig
from plivo_mock.jsonbody import json_bytes
from plivo_mock.spec import Body, SchemaSet
from plivo_mock.testing import dtmf_path

pytestmark = pytest.mark.anyio

DTMF = dtmf_path(UNBRIDGED_CALL_UUID)
JSON = {"Content-Type": "application/json"}


async def post_raw(client: httpx.AsyncClient, body: bytes, **headers: str) -> httpx.Response:
    return await client.post(DTMF, content=body, headers={**JSON, **headers})


async def error_of(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    message = response.json()["error"]
    assert isinstance(message, str)
    return message


async def events(client: httpx.AsyncClient, call_uuid: str = UNBRIDGED_CALL_UUID) -> list[object]:
    answer = await client.get(f"/__mock__/calls/{call_uuid}/events")
    found = answer.json()["events"]
    assert isinstance(found, list)
    return found


@pytest.mark.parametrize(
    "message", ["", 'a "quoted" \\ path', "control \x00\x1f\n\t", "non-ASCII é ✓ \u2028 😀"]
)
def test_error_body_is_byte_for_byte_the_json_encoding_of_the_error(message: str) -> None:
    expected = json_bytes({"api_id": "07abfd94-58c0-11e1-86da-adf28403fe48", "error": message})
    assert error_body("07abfd94-58c0-11e1-86da-adf28403fe48", message) == expected


async def test_valid_digits_are_202_digits_sent(client: httpx.AsyncClient) -> None:
    answer = await client.post(DTMF, json={"digits": "8743#"})
    assert answer.status_code == 202
    assert answer.json()["message"] == "digits sent"


@pytest.mark.parametrize("digits", ["0", "1w2W3", "123@500", "ABCD*#", "9" * 128])
async def test_spec_examples_and_edges_of_digits_are_accepted(
    client: httpx.AsyncClient, digits: str
) -> None:
    answer = await client.post(DTMF, json={"digits": digits})
    assert answer.status_code == 202


async def test_missing_digits_is_400(client: httpx.AsyncClient) -> None:
    message = await error_of(await client.post(DTMF, json={"leg": "aleg"}), 400)
    assert "digits" in message and "required" in message


async def test_trailing_newline_in_digits_is_400(client: httpx.AsyncClient) -> None:
    message = await error_of(await client.post(DTMF, json={"digits": "1\n"}), 400)
    assert message.startswith("digits: ") and "pattern" in message


async def test_non_ascii_digits_are_400(client: httpx.AsyncClient) -> None:
    message = await error_of(await client.post(DTMF, json={"digits": "١٢٣"}), 400)
    assert message.startswith("digits: ")


async def test_digits_as_json_number_is_400(client: httpx.AsyncClient) -> None:
    message = await error_of(await client.post(DTMF, json={"digits": 123}), 400)
    assert message.startswith("digits: ") and "string" in message


@pytest.mark.parametrize("digits", ["", "abc", "1 2", "1@5", "1@10000", "9" * 129])
async def test_digits_outside_the_grammar_are_400(client: httpx.AsyncClient, digits: str) -> None:
    message = await error_of(await client.post(DTMF, json={"digits": digits}), 400)
    assert message.startswith("digits: ")


async def test_leg_both_is_400_naming_the_allowed_values(client: httpx.AsyncClient) -> None:
    message = await error_of(await client.post(DTMF, json={"digits": "1", "leg": "both"}), 400)
    assert message.startswith("leg: ") and "aleg" in message and "bleg" in message


async def test_callback_url_without_http_scheme_is_400(client: httpx.AsyncClient) -> None:
    body = {"digits": "1", "callback_url": "ftp://127.0.0.1/x"}
    message = await error_of(await client.post(DTMF, json=body), 400)
    assert message.startswith("callback_url: ")


async def test_upper_case_call_uuid_in_path_is_400(client: httpx.AsyncClient) -> None:
    answer = await client.post(dtmf_path(BRIDGED_CALL_UUID.upper()), json={"digits": "1"})
    assert (await error_of(answer, 400)).startswith("call_uuid: ")


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    message = await error_of(await post_raw(client, b'{"digits": "1"'), 400)
    assert "malformed JSON" in message


async def test_non_utf8_body_is_400(client: httpx.AsyncClient) -> None:
    message = await error_of(await post_raw(client, b'{"digits": "\xff1"}'), 400)
    assert "UTF-8" in message


async def test_utf16_body_is_400_not_sniffed(client: httpx.AsyncClient) -> None:
    message = await error_of(await post_raw(client, '{"digits":"1"}'.encode("utf-16")), 400)
    assert "UTF-8" in message


async def test_duplicate_json_keys_are_400(client: httpx.AsyncClient) -> None:
    message = await error_of(await post_raw(client, b'{"digits":"1","digits":"2"}'), 400)
    assert 'duplicate key "digits"' in message


async def test_nan_is_400(client: httpx.AsyncClient) -> None:
    message = await error_of(await post_raw(client, b'{"digits":"1","x":NaN}'), 400)
    assert "NaN" in message


async def test_lone_surrogate_escape_is_400(client: httpx.AsyncClient) -> None:
    message = await error_of(await post_raw(client, b'{"digits":"1","x":"\\ud800"}'), 400)
    assert "surrogate" in message


async def test_deeply_nested_json_is_400(client: httpx.AsyncClient) -> None:
    body = b'{"digits":"1","x":' + b"[" * 4000 + b"]" * 4000 + b"}"
    assert (await post_raw(client, body)).status_code == 400


async def test_json_array_body_is_400(client: httpx.AsyncClient) -> None:
    message = await error_of(await post_raw(client, b'["digits"]'), 400)
    assert message.startswith("body: ")


async def test_empty_json_body_is_400(client: httpx.AsyncClient) -> None:
    message = await error_of(await post_raw(client, b""), 400)
    assert "required" in message


async def test_body_over_8192_bytes_is_413(client: httpx.AsyncClient) -> None:
    body = b'{"digits":"1","pad":"' + b"x" * 8192 + b'"}'
    message = await error_of(await post_raw(client, body), 413)
    assert "8192" in message


async def test_body_of_exactly_8192_bytes_is_parsed(client: httpx.AsyncClient) -> None:
    head = b'{"digits":"1","pad":"'
    body = head + b"x" * (8192 - len(head) - 2) + b'"}'
    assert len(body) == 8192
    assert (await post_raw(client, body)).status_code == 202


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/jsonx"]
)
async def test_non_json_content_type_is_415(client: httpx.AsyncClient, content_type: str) -> None:
    answer = await client.post(
        DTMF, content=b'{"digits":"1"}', headers={"Content-Type": content_type}
    )
    assert "application/json" in await error_of(answer, 415)


async def test_missing_content_type_is_415(client: httpx.AsyncClient) -> None:
    answer = await client.post(DTMF, content=b'{"digits":"1"}')
    await error_of(answer, 415)


async def test_json_content_type_with_charset_is_accepted(client: httpx.AsyncClient) -> None:
    answer = await post_raw(
        client, b'{"digits":"1"}', **{"Content-Type": "Application/JSON; charset=utf-8"}
    )
    assert answer.status_code == 202


async def test_bad_input_records_no_event_and_the_mock_keeps_serving(
    client: httpx.AsyncClient,
) -> None:
    bad = [b'{"digits":"1\\n"}', b"{", b'{"digits":"1","digits":"1"}', b"\xff", b""]
    for body in bad:
        assert (await post_raw(client, body)).status_code == 400
    assert await events(client) == []
    assert (await client.post(DTMF, json={"digits": "1"})).status_code == 202
    assert len(await events(client)) == 1


async def test_list_live_calls_requires_status_live(client: httpx.AsyncClient) -> None:
    base = "/v1/Account/MAMOCKDTMF0000000001/Call/"
    assert "status" in await error_of(await client.get(base), 400)
    assert (await error_of(await client.get(base, params={"status": "ended"}), 400)).startswith(
        "status: "
    )
    assert (await client.get(base, params={"status": "live"})).status_code == 200


async def test_validation_follows_the_spec_file_not_code(
    tmp_path: Path,
    make_app: Callable[..., MockApp],
    client_for: Callable[..., httpx.AsyncClient],
) -> None:
    """Nothing is retyped: a copy of the spec with maxLength 3 makes "1234" a 400."""
    spec = yaml.safe_load((Path(__file__).parent.parent / "openapi/plivo-dtmf.yaml").read_text())
    spec["components"]["schemas"]["Digits"]["maxLength"] = 3
    copy = tmp_path / "plivo-dtmf.yaml"
    copy.write_text(yaml.safe_dump(spec))
    control = (Path(__file__).parent.parent / "openapi/mock-control.yaml").read_text()
    (tmp_path / "mock-control.yaml").write_text(control)
    client = client_for(make_app(spec_path=copy, control_spec_path=tmp_path / "mock-control.yaml"))
    message = await error_of(await client.post(DTMF, json={"digits": "1234"}), 400)
    assert "digits" in message and "3" in message
    assert (await client.post(DTMF, json={"digits": "123"})).status_code == 202


@pytest.mark.parametrize("coding", ["gzip", "br", "identity, gzip"])
async def test_encoded_body_is_415_naming_the_coding(
    client: httpx.AsyncClient, coding: str
) -> None:
    answer = await post_raw(client, b'{"digits":"1"}', **{"Content-Encoding": coding})
    assert f"Content-Encoding {coding} is not supported" in await error_of(answer, 415)
    assert await events(client) == []


async def test_identity_content_encoding_is_accepted(client: httpx.AsyncClient) -> None:
    answer = await post_raw(client, b'{"digits":"1"}', **{"Content-Encoding": "Identity"})
    assert answer.status_code == 202


async def test_json_integer_over_4300_digits_is_400_not_500(client: httpx.AsyncClient) -> None:
    """Python refuses such integers with a ValueError that is not a JSONDecodeError."""
    message = await error_of(await post_raw(client, b'{"digits":' + b"1" * 5000 + b"}"), 400)
    assert "number too long" in message


# Validity and the wording of errors both come from jsonschema-rs, the pattern quoted as
# the spec writes it.


@pytest.fixture(scope="module")
def dtmf_body() -> tuple[Body, SchemaSet]:
    (op,) = [op for op in create_app(MockConfig()).plivo.operations if op.body is not None]
    assert op.body is not None
    return op.body, op.document.schemas


def test_a_pattern_error_quotes_the_pattern_as_the_spec_writes_it(
    dtmf_body: tuple[Body, SchemaSet],
) -> None:
    body, schemas = dtmf_body
    spec = yaml.safe_load((Path(__file__).parent.parent / "openapi/plivo-dtmf.yaml").read_text())
    pattern = spec["components"]["schemas"]["Digits"]["pattern"]
    assert body.errors(schemas, {"digits": "12x"}) == [
        f'digits: "12x" does not match the pattern {pattern}'
    ]


@pytest.mark.parametrize(
    ("value", "reference"),
    [
        ({"digits": 123}, 'digits: 123 is not of type "string"'),
        ({"leg": "aleg"}, 'body: "digits" is a required property'),
        ([], 'body: [] is not of type "object"'),
    ],
    ids=["number", "missing", "array"],
)
def test_invalid_bodies_are_worded_by_jsonschema_rs(
    dtmf_body: tuple[Body, SchemaSet], value: object, reference: str
) -> None:
    body, schemas = dtmf_body
    assert body.errors(schemas, value) == [reference]
