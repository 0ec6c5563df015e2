"""Routing: only the spec's paths and methods; everything else is a Plivo-shaped JSON error."""

from __future__ import annotations

import httpx
import pytest
from plivo_mock.config import BRIDGED_CALL_UUID
from plivo_mock.testing import dtmf_path

pytestmark = pytest.mark.anyio

LIST = "/v1/Account/MAMOCKDTMF0000000001/Call/"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"])
async def test_other_methods_on_dtmf_are_405_with_allow_post(
    client: httpx.AsyncClient, method: str
) -> None:
    answer = await client.request(method, dtmf_path(BRIDGED_CALL_UUID))
    assert answer.status_code == 405
    assert answer.headers["allow"] == "POST"
    assert answer.json()["error"].startswith(f"method {method} not allowed")


async def test_post_on_live_calls_list_is_405_with_allow_get(client: httpx.AsyncClient) -> None:
    answer = await client.post(LIST, json={})
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET"


async def test_allow_lists_every_method_of_a_control_path(client: httpx.AsyncClient) -> None:
    answer = await client.put("/__mock__/calls")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, POST"


async def test_unknown_path_is_404_json(client: httpx.AsyncClient) -> None:
    answer = await client.get("/v1/Account/MAMOCKDTMF0000000001/Recording/")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/json"
    assert set(answer.json()) == {"api_id", "error"}


async def test_path_without_trailing_slash_is_404_never_a_redirect(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.post(dtmf_path(BRIDGED_CALL_UUID).rstrip("/"), json={"digits": "1"})
    assert answer.status_code == 404
    assert "location" not in answer.headers
    assert "end with '/'" in answer.json()["error"]


async def test_api_ids_are_distinct_version_1_uuids(client: httpx.AsyncClient) -> None:
    import uuid

    ids = [
        (await client.post(dtmf_path(BRIDGED_CALL_UUID), json={"digits": "1"})).json()["api_id"]
        for _ in range(5)
    ]
    assert len(set(ids)) == 5
    assert all(uuid.UUID(api_id).version == 1 for api_id in ids)


def test_api_ids_carry_the_current_time_and_strictly_increase() -> None:
    import time
    import uuid

    from plivo_mock.asgi import new_api_id

    before = time.time_ns() // 100 + 0x01B21DD213814000  # 100-ns intervals since 1582
    stamps = [uuid.UUID(new_api_id()).time for _ in range(1000)]
    after = time.time_ns() // 100 + 0x01B21DD213814000 + len(stamps)
    assert stamps == sorted(set(stamps))  # strictly increasing
    assert before <= stamps[0] and stamps[-1] <= after


async def test_encoded_slashes_are_data_not_separators(client: httpx.AsyncClient) -> None:
    """`%2F` is data (RFC 3986 2.2): spelling the route with it reaches nothing."""
    path = f"/v1/Account/MAMOCKDTMF0000000001/Call/{BRIDGED_CALL_UUID}%2FDTMF%2F"
    answer = await client.post(path, json={"digits": "1"})
    assert answer.status_code == 404
    events = await client.get(f"/__mock__/calls/{BRIDGED_CALL_UUID}/events")
    assert events.json()["events"] == []


async def test_other_percent_escapes_in_a_segment_are_decoded(client: httpx.AsyncClient) -> None:
    """Each segment is percent-decoded once split: %41 is A and %2D is "-" (RFC 3986 6.2.2.2)."""
    encoded_uuid = BRIDGED_CALL_UUID.replace("-", "%2D")
    path = f"/v1/%41ccount/MAMOCKDTMF0000000001/Call/{encoded_uuid}/DTMF/"
    answer = await client.post(path, json={"digits": "1"})
    assert answer.status_code == 202, answer.text
    events = await client.get(f"/__mock__/calls/{BRIDGED_CALL_UUID}/events")
    assert [event["digits"] for event in events.json()["events"]] == ["1"]
