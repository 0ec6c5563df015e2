"""The client sends what the caller set, and nothing else: a field's `default` in the spec is
what the server applies when the field is absent, not something the client fills in.

Every request-body field with a default (read from the spec) is checked on the wire: the raw
body a loopback HTTP server received, from both the blocking and the asyncio send.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from plivo_dtmf_client import Client
from plivo_dtmf_client.api.calls import send_digits
from plivo_dtmf_client.models import SendDigitsRequest
from plivo_dtmf_client.types import UNSET

from tests.client_support import (
    AUTH_ID,
    CALL,
    DTMF_PATH,
    SPEC,
    TOKEN,
    AcceptingHandler,
    resolve,
    serving,
)


def flattened(schema: dict[str, Any]) -> dict[str, Any]:
    schema = resolve(schema)
    merged: dict[str, Any] = {}
    for member in schema.get("allOf", []):
        merged.update(flattened(member))
    merged.update({key: value for key, value in schema.items() if key != "allOf"})
    return merged


BODY = flattened(
    SPEC["paths"][DTMF_PATH]["post"]["requestBody"]["content"]["application/json"]["schema"]
)
DEFAULTED = {
    name: flattened(prop)["default"]
    for name, prop in BODY["properties"].items()
    if "default" in flattened(prop)
}
REQUIRED = {"digits": "8743#"}


def minimal() -> SendDigitsRequest:
    """Built as an application does, with the constructor and only the required fields."""
    return SendDigitsRequest(digits=REQUIRED["digits"])


def test_the_spec_gives_defaults_to_check() -> None:
    assert set(BODY["required"]) == set(REQUIRED)
    assert {"leg", "callback_method"} <= set(DEFAULTED)


class Recording(AcceptingHandler):
    bodies: ClassVar[list[bytes]] = []

    def respond(self, body: bytes) -> tuple[int, object]:
        self.bodies.append(body)
        return super().respond(body)


@pytest.fixture
def client() -> Iterator[Client]:
    Recording.bodies = []
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), Recording)) as server:
        port = server.server_address[1]
        with Client(
            AUTH_ID, TOKEN, base_url=f"http://127.0.0.1:{port}", httpx_args={"trust_env": False}
        ) as ours:
            yield ours


def sent_bodies(client: Client, body: SendDigitsRequest) -> list[dict[str, Any]]:
    """The raw JSON bodies the server received for one blocking and one asyncio send."""
    send_digits.sync(CALL, client=client, body=body)

    async def main() -> None:
        async with client:
            await send_digits.asyncio(CALL, client=client, body=body)

    asyncio.run(main())
    return [json.loads(raw) for raw in Recording.bodies]


def test_only_the_fields_set_are_sent(client: Client) -> None:
    assert sent_bodies(client, minimal()) == [REQUIRED, REQUIRED]


@pytest.mark.parametrize("name", sorted(DEFAULTED))
def test_a_defaulted_field_is_unset_until_set(name: str) -> None:
    assert getattr(minimal(), name) is UNSET
    assert name not in minimal().to_dict()


@pytest.mark.parametrize("name", sorted(DEFAULTED))
def test_a_field_set_to_its_default_is_sent(client: Client, name: str) -> None:
    given = {**REQUIRED, name: DEFAULTED[name]}
    assert sent_bodies(client, SendDigitsRequest.from_dict(given)) == [given, given]


def test_callback_method_alone_is_sent_as_set(client: Client) -> None:
    """The case the issue names, set on purpose: the client does not second-guess it."""
    given = {**REQUIRED, "callback_method": "GET"}
    assert sent_bodies(client, SendDigitsRequest.from_dict(given)) == [given, given]
