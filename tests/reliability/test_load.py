"""50 concurrent clients against the mock process: every 202 is recorded once, in order.

The load is a number of sends per client, not a time window: on a busy machine a window
ends before some clients have sent anything, and what the tests assert would depend on it.
"""

from __future__ import annotations

import asyncio
import itertools
import ssl
from collections import Counter
from dataclasses import dataclass

import httpx
import pytest

from .mockproc import ACCOUNT_A, Control, MockProcess

CLIENTS = 50
SHARED_CALLS = 4  # clients 0-39 share these, ten per call
SEPARATE_CALLS = 10  # clients 40-49 have one each
SENDS_PER_CLIENT = 20
# Peak RSS may grow by the events it keeps (a few thousand small records), not without end.
RSS_GROWTH_LIMIT_KIB = 64 * 1024
# One SSL context for all the clients (the mock speaks plain HTTP): httpx builds one per client
# otherwise, tens of ms each.
SSL_CONTEXT = ssl.create_default_context()


@dataclass(frozen=True)
class Accepted:
    client: int
    seq: int
    call_uuid: str
    digits: str
    api_id: str


@dataclass
class LoadResult:
    accepted: list[Accepted]
    refused: Counter[int]
    transport_errors: Counter[str]


def _digits(client: int, seq: int) -> str:
    """Client number and sequence number, in the spec's digit alphabet."""
    return f"{client:02d}*{seq:05d}"


def _parse_digits(digits: str) -> tuple[int, int]:
    client, seq = digits.split("*")
    return int(client), int(seq)


async def _client(
    number: int, call_uuid: str, base_url: str, start: asyncio.Barrier, result: LoadResult
) -> None:
    path = f"/v1/Account/{ACCOUNT_A.auth_id}/Call/{call_uuid}/DTMF/"
    async with httpx.AsyncClient(
        base_url=base_url,
        auth=ACCOUNT_A.httpx_auth,
        timeout=10.0,
        limits=httpx.Limits(max_connections=1),
        trust_env=False,
        verify=SSL_CONTEXT,
    ) as client:
        # Connected before the sends start, all at once: the clients of a call then race from
        # their first send (a connect in between would let the first one run ahead).
        health = await client.get("/__mock__/health")
        health.raise_for_status()
        await start.wait()
        for seq in range(SENDS_PER_CLIENT):
            digits = _digits(number, seq)
            try:
                answer = await client.post(path, json={"digits": digits})
            except httpx.TransportError as exc:
                result.transport_errors[type(exc).__name__] += 1
                continue
            if answer.status_code == 202:
                result.accepted.append(
                    Accepted(number, seq, call_uuid, digits, answer.json()["api_id"])
                )
            else:
                result.refused[answer.status_code] += 1


async def _run_load(base_url: str, calls: list[str]) -> LoadResult:
    result = LoadResult([], Counter(), Counter())
    start = asyncio.Barrier(CLIENTS)
    await asyncio.gather(
        *(
            _client(number, calls[_call_index(number)], base_url, start, result)
            for number in range(CLIENTS)
        )
    )
    return result


def _call_index(client: int) -> int:
    shared_clients = CLIENTS - SEPARATE_CALLS
    if client < shared_clients:
        return client % SHARED_CALLS
    return SHARED_CALLS + (client - shared_clients)


@pytest.fixture(scope="module")
def load_run(mock: MockProcess, control_a: Control) -> tuple[LoadResult, list[str], dict[str, int]]:
    calls = [control_a.create_call(bleg=False) for _ in range(SHARED_CALLS + SEPARATE_CALLS)]
    memory_before = mock.memory_kib()
    result = asyncio.run(_run_load(mock.base_url, calls))
    memory_after = mock.memory_kib()
    figures = {
        "requests": len(result.accepted) + sum(result.refused.values()),
        "accepted": len(result.accepted),
        "rss_before_kib": memory_before["VmRSS"],
        "hwm_before_kib": memory_before["VmHWM"],
        "rss_after_kib": memory_after["VmRSS"],
        "hwm_after_kib": memory_after["VmHWM"],
    }
    print(f"load figures: {figures}")
    return result, calls, figures


def test_load_gets_only_202_answers(
    load_run: tuple[LoadResult, list[str], dict[str, int]],
) -> None:
    result, _, _ = load_run
    assert result.accepted, "no request was accepted"
    assert not result.refused, f"refused with {dict(result.refused)}"
    assert not result.transport_errors, f"transport errors {dict(result.transport_errors)}"


def test_recorded_events_equal_the_202_answers_exactly(
    load_run: tuple[LoadResult, list[str], dict[str, int]], control_a: Control
) -> None:
    result, calls, _ = load_run
    for call_uuid in calls:
        events = control_a.events(call_uuid)
        recorded = Counter(event["api_id"] for event in events)
        duplicated = [api_id for api_id, n in recorded.items() if n > 1]
        assert not duplicated, f"{call_uuid}: recorded twice: {duplicated[:5]}"
        answered = {a.api_id: a for a in result.accepted if a.call_uuid == call_uuid}
        lost = answered.keys() - recorded.keys()
        extra = recorded.keys() - answered.keys()
        assert not lost, f"{call_uuid}: {len(lost)} accepted requests were not recorded"
        assert not extra, f"{call_uuid}: {len(extra)} events nobody got a 202 for"
        for event in events:
            assert event["digits"] == answered[event["api_id"]].digits


def test_each_clients_digits_are_recorded_in_the_order_sent(
    load_run: tuple[LoadResult, list[str], dict[str, int]], control_a: Control
) -> None:
    _, calls, _ = load_run
    for call_uuid in calls:
        last_seq: dict[int, int] = {}
        for event in control_a.events(call_uuid):
            client, seq = _parse_digits(event["digits"])
            assert seq > last_seq.get(client, -1), f"client {client} out of order on {call_uuid}"
            last_seq[client] = seq


def test_shared_calls_interleave_several_clients(
    load_run: tuple[LoadResult, list[str], dict[str, int]], control_a: Control
) -> None:
    """The load really mixes clients on a call (else the order check above proves little):
    every send of each of its clients is recorded once, and they alternate."""
    _, calls, _ = load_run
    for index, call_uuid in enumerate(calls[:SHARED_CALLS]):
        senders = [_parse_digits(e["digits"]) for e in control_a.events(call_uuid)]
        own = [n for n in range(CLIENTS - SEPARATE_CALLS) if _call_index(n) == index]
        expected = {(n, seq) for n in own for seq in range(SENDS_PER_CLIENT)}
        assert sorted(senders) == sorted(expected), f"{call_uuid}: not every send recorded once"
        runs = [client for client, _ in itertools.groupby(client for client, _ in senders)]
        assert len(runs) > len(own), f"{call_uuid}: each client's sends in one block: {runs}"


def test_peak_memory_of_the_mock_stays_bounded_under_load(
    load_run: tuple[LoadResult, list[str], dict[str, int]],
) -> None:
    _, _, figures = load_run
    growth = figures["hwm_after_kib"] - figures["hwm_before_kib"]
    assert growth < RSS_GROWTH_LIMIT_KIB, f"peak RSS grew by {growth} KiB: {figures}"
