"""State: accounts, live calls, b-legs and each call's DTMF event log (spec x-decisions)."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import yaml
from plivo_mock.app import MockApp
from plivo_mock.config import BRIDGED_CALL_UUID, UNBRIDGED_CALL_UUID, Account, MockConfig
from plivo_mock.state import Event
from plivo_mock.testing import dtmf_path

pytestmark = pytest.mark.anyio

OTHER = Account("SAOTHERACCOUNT000001", "other-token")


async def events(client: httpx.AsyncClient, call_uuid: str) -> dict[str, Any]:
    answer = await client.get(f"/__mock__/calls/{call_uuid}/events")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_event_records_digits_leg_time_api_id(client: httpx.AsyncClient) -> None:
    answer = await client.post(dtmf_path(BRIDGED_CALL_UUID), json={"digits": "8743#"})
    [event] = (await events(client, BRIDGED_CALL_UUID))["events"]
    assert event["digits"] == "8743#"
    assert event["leg"] == "aleg"  # the spec's default
    assert event["api_id"] == answer.json()["api_id"]
    assert datetime.fromisoformat(event["time"]).tzinfo is not None
    assert event["unknown_fields"] == {} and event["callback"] is None


def test_an_event_holds_no_empty_dict_and_shares_its_leg_string() -> None:
    # A million events may be kept (issue 6): each byte of an event counts a million times.
    leg = "".join(["b", "leg"])  # a fresh string, as the JSON parser makes one
    event = Event.accepted("1", leg, 0.0, "api-id", {})
    assert event.unknown_fields is None
    assert event.to_json()["unknown_fields"] == {}
    assert event.leg is sys.intern("bleg")


async def test_bleg_on_bridged_call_is_recorded_as_bleg(client: httpx.AsyncClient) -> None:
    body = {"digits": "1w2W3", "leg": "bleg"}
    assert (await client.post(dtmf_path(BRIDGED_CALL_UUID), json=body)).status_code == 202
    [event] = (await events(client, BRIDGED_CALL_UUID))["events"]
    assert event["leg"] == "bleg"


async def test_bleg_on_unbridged_call_is_404_and_records_nothing(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.post(dtmf_path(UNBRIDGED_CALL_UUID), json={"digits": "1", "leg": "bleg"})
    assert answer.status_code == 404
    assert "b-leg not found" in answer.json()["error"]
    assert (await events(client, UNBRIDGED_CALL_UUID))["events"] == []


async def test_bridging_a_call_makes_bleg_reachable(client: httpx.AsyncClient) -> None:
    assert (await client.post(f"/__mock__/calls/{UNBRIDGED_CALL_UUID}/bridge")).json()["bleg"]
    answer = await client.post(dtmf_path(UNBRIDGED_CALL_UUID), json={"digits": "1", "leg": "bleg"})
    assert answer.status_code == 202


async def test_unknown_call_is_404_call_not_found(client: httpx.AsyncClient) -> None:
    answer = await client.post(dtmf_path(str(uuid.UUID(int=7))), json={"digits": "1"})
    assert answer.status_code == 404
    assert answer.json()["error"] == "call not found"


async def test_another_accounts_call_is_404_identical_to_an_unknown_call(
    make_app: Callable[..., MockApp], client_for: Callable[..., httpx.AsyncClient]
) -> None:
    app = make_app(accounts=(MockConfig().default_account, OTHER))
    other = client_for(app, auth=(OTHER.auth_id, OTHER.auth_token))
    theirs = await other.post(dtmf_path(BRIDGED_CALL_UUID, OTHER.auth_id), json={"digits": "1"})
    unknown = await other.post(
        dtmf_path(str(uuid.UUID(int=7)), OTHER.auth_id), json={"digits": "1"}
    )
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json()["error"] == unknown.json()["error"]
    assert theirs.headers.keys() == unknown.headers.keys()
    events_of_theirs = await other.get(f"/__mock__/calls/{BRIDGED_CALL_UUID}/events")
    assert events_of_theirs.status_code == 404


async def test_hung_up_call_is_404_but_its_events_stay_readable(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.post(dtmf_path(BRIDGED_CALL_UUID), json={"digits": "1"})).is_success
    assert (await client.delete(f"/__mock__/calls/{BRIDGED_CALL_UUID}")).status_code == 204
    answer = await client.post(dtmf_path(BRIDGED_CALL_UUID), json={"digits": "2"})
    assert answer.status_code == 404 and answer.json()["error"] == "call not found"
    assert [e["digits"] for e in (await events(client, BRIDGED_CALL_UUID))["events"]] == ["1"]


async def test_unknown_body_fields_are_accepted_and_recorded(client: httpx.AsyncClient) -> None:
    body = {"digits": "1", "call_uuid": BRIDGED_CALL_UUID, "legs": "bleg"}
    assert (await client.post(dtmf_path(BRIDGED_CALL_UUID), json=body)).status_code == 202
    [event] = (await events(client, BRIDGED_CALL_UUID))["events"]
    assert event["unknown_fields"] == {"call_uuid": BRIDGED_CALL_UUID, "legs": "bleg"}
    assert event["leg"] == "aleg"  # plivo-go's `legs` is not `leg`


async def test_every_field_the_spec_names_is_recorded_also_one_added_to_it(
    tmp_path: Path,
    make_app: Callable[..., MockApp],
    client_for: Callable[..., httpx.AsyncClient],
) -> None:
    """An application's test can check a field was sent, whatever field the spec adds."""
    root = Path(__file__).parent.parent / "openapi"
    spec = yaml.safe_load((root / "plivo-dtmf.yaml").read_text("utf-8"))
    request = spec["components"]["schemas"]["SendDigitsRequest"]
    request["properties"]["tone_ms"] = {"type": "integer", "minimum": 40, "default": 100}
    request["properties"]["note"] = {"type": "string", "maxLength": 8}
    (tmp_path / "plivo-dtmf.yaml").write_text(yaml.safe_dump(spec), "utf-8")
    (tmp_path / "mock-control.yaml").write_text((root / "mock-control.yaml").read_text("utf-8"))
    app = make_app(
        spec_path=tmp_path / "plivo-dtmf.yaml", control_spec_path=tmp_path / "mock-control.yaml"
    )
    client = client_for(app, checked=False)  # the oracle reads the spec in openapi/
    path = dtmf_path(BRIDGED_CALL_UUID)
    assert (await client.post(path, json={"digits": "1", "tone_ms": 20})).status_code == 400
    sent = {"digits": "1", "tone_ms": 250, "note": "hi", "extra": True}
    assert (await client.post(path, json=sent)).status_code == 202
    assert (await client.post(path, json={"digits": "2"})).status_code == 202
    first, second = (await events(client, BRIDGED_CALL_UUID))["events"]
    assert first["fields"] == {
        "digits": "1",
        "leg": "aleg",
        "callback_method": "POST",
        "tone_ms": 250,
        "note": "hi",
    }
    assert first["unknown_fields"] == {"extra": True}
    # The spec's defaults filled in, as for `leg`.
    assert second["fields"] == {
        "digits": "2",
        "leg": "aleg",
        "callback_method": "POST",
        "tone_ms": 100,
    }


async def test_the_202_message_is_the_one_the_spec_x_cases_give(
    tmp_path: Path,
    make_app: Callable[..., MockApp],
    client_for: Callable[..., httpx.AsyncClient],
) -> None:
    """Which message answers which request is read from the spec, not typed in the mock."""
    root = Path(__file__).parent.parent / "openapi"
    spec = yaml.safe_load((root / "plivo-dtmf.yaml").read_text("utf-8"))
    dtmf = next(item for path, item in spec["paths"].items() if path.endswith("/DTMF/"))
    sync_case, async_case = dtmf["post"]["responses"]["202"]["x-cases"][::-1]
    sync_case["response"]["properties"]["message"]["const"] = "queued"
    async_case["response"]["properties"]["message"]["const"] = "accepted"
    (tmp_path / "plivo-dtmf.yaml").write_text(yaml.safe_dump(spec), "utf-8")
    (tmp_path / "mock-control.yaml").write_text((root / "mock-control.yaml").read_text("utf-8"))
    app = make_app(
        spec_path=tmp_path / "plivo-dtmf.yaml", control_spec_path=tmp_path / "mock-control.yaml"
    )
    client = client_for(app, checked=False)  # the oracle reads the spec in openapi/
    path = dtmf_path(BRIDGED_CALL_UUID)
    sent = await client.post(path, json={"digits": "1"})
    spawned = await client.post(path, json={"digits": "1", "callback_url": "http://127.0.0.1:9/"})
    assert (sent.status_code, sent.json()["message"]) == (202, "queued")
    assert (spawned.status_code, spawned.json()["message"]) == (202, "accepted")
    assert set(sent.json()) == set(spawned.json()) == {"message", "api_id"}


async def test_recorded_fields_of_an_asynchronous_request(client: httpx.AsyncClient) -> None:
    body = {"digits": "1", "leg": "bleg", "callback_url": "http://127.0.0.1:9/cb"}
    assert (await client.post(dtmf_path(BRIDGED_CALL_UUID), json=body)).status_code == 202
    [event] = (await events(client, BRIDGED_CALL_UUID))["events"]
    assert event["fields"] == {**body, "callback_method": "POST"}


async def test_strict_mode_rejects_unknown_fields_naming_them(
    make_app: Callable[..., MockApp], client_for: Callable[..., httpx.AsyncClient]
) -> None:
    client = client_for(make_app(strict=True))
    answer = await client.post(
        dtmf_path(BRIDGED_CALL_UUID), json={"digits": "8743#", "legs": "bleg"}
    )
    assert answer.status_code == 400
    assert "unknown field(s) legs" in answer.json()["error"]
    assert (await events(client, BRIDGED_CALL_UUID))["events"] == []
    ok = await client.post(dtmf_path(BRIDGED_CALL_UUID), json={"digits": "1", "leg": "bleg"})
    assert ok.status_code == 202


async def test_event_log_is_capped_and_counts_dropped_events(
    make_app: Callable[..., MockApp], client_for: Callable[..., httpx.AsyncClient]
) -> None:
    client = client_for(make_app(max_events_per_call=3))
    for digit in "12345":
        await client.post(dtmf_path(BRIDGED_CALL_UUID), json={"digits": digit})
    log = await events(client, BRIDGED_CALL_UUID)
    assert [e["digits"] for e in log["events"]] == ["3", "4", "5"]
    assert log["dropped"] == 2


async def test_concurrent_requests_all_recorded_in_order_of_acceptance(
    client: httpx.AsyncClient,
) -> None:
    api_ids: list[str] = []

    async def send(n: int) -> None:
        answer = await client.post(dtmf_path(BRIDGED_CALL_UUID), json={"digits": str(n)})
        assert answer.status_code == 202
        api_ids.append(answer.json()["api_id"])

    async with anyio.create_task_group() as group:
        for n in range(50):
            group.start_soon(send, n)
    recorded = [e["api_id"] for e in (await events(client, BRIDGED_CALL_UUID))["events"]]
    assert sorted(recorded) == sorted(api_ids) and len(recorded) == 50


async def test_list_live_calls_shows_only_live_calls_of_the_account(
    client: httpx.AsyncClient,
) -> None:
    path = "/v1/Account/MAMOCKDTMF0000000001/Call/"
    before = (await client.get(path, params={"status": "live"})).json()["calls"]
    assert before == [BRIDGED_CALL_UUID, UNBRIDGED_CALL_UUID]
    await client.delete(f"/__mock__/calls/{BRIDGED_CALL_UUID}")
    after = (await client.get(path, params={"status": "live"})).json()["calls"]
    assert after == [UNBRIDGED_CALL_UUID]


def test_default_bridged_call_is_the_uuid_of_the_spec_examples() -> None:
    """The x-codeSamples send leg=bleg to the spec's example UUID: it must be bridged."""
    from pathlib import Path

    import yaml

    spec = yaml.safe_load((Path(__file__).parent.parent / "openapi/plivo-dtmf.yaml").read_text())
    assert spec["components"]["parameters"]["CallUuid"]["schema"]["examples"] == [BRIDGED_CALL_UUID]
    samples = spec["paths"]["/v1/Account/{auth_id}/Call/{call_uuid}/DTMF/"]["post"]["x-codeSamples"]
    assert all(BRIDGED_CALL_UUID in sample["source"] for sample in samples)
