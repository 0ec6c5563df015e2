"""One client in its own process: `python -m benchmarks.client_worker KIND --url ...`.

Sends the same DTMF request sequentially, after a warm-up, and prints one JSON line: calls,
wall time, this process's CPU time over the timed calls, and its peak RSS. A process per
client keeps each one's imports and memory apart. Each client is imported only inside its
own sender, so the RSS of a process reflects that client alone. Credentials come from
BENCH_AUTH_ID / BENCH_AUTH_TOKEN.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DIGITS = "8743#"
LEG = "aleg"


@dataclass(frozen=True)
class Target:
    url: str
    auth_id: str
    auth_token: str
    call_uuid: str

    @property
    def path(self) -> str:
        return f"/v1/Account/{self.auth_id}/Call/{self.call_uuid}/DTMF/"


SyncSend = Callable[[], object]
AsyncSend = Callable[[], Awaitable[object]]


@contextlib.contextmanager
def httpx_sync(target: Target) -> Iterator[SyncSend]:
    """What a developer writes without an SDK: post, check the status, decode the JSON."""
    import httpx

    auth = (target.auth_id, target.auth_token)
    with httpx.Client(base_url=target.url, auth=auth, timeout=5.0) as client:

        def send() -> object:
            answer = client.post(target.path, json={"digits": DIGITS, "leg": LEG})
            answer.raise_for_status()
            return answer.json()

        yield send


@contextlib.asynccontextmanager
async def httpx_async(target: Target) -> AsyncIterator[AsyncSend]:
    import httpx

    async with raw_async_posts(target, httpx.AsyncClient) as send:
        yield send


@contextlib.asynccontextmanager
async def httpx_aiohttp(target: Target) -> AsyncIterator[AsyncSend]:
    """Raw httpx on httpx-aiohttp's transport, as its README shows."""
    from httpx_aiohttp import HttpxAiohttpClient

    async with raw_async_posts(target, HttpxAiohttpClient) as send:
        yield send


@contextlib.asynccontextmanager
async def raw_async_posts(target: Target, client_class: type[Any]) -> AsyncIterator[AsyncSend]:
    auth = (target.auth_id, target.auth_token)
    async with client_class(base_url=target.url, auth=auth, timeout=5.0) as client:

        async def send() -> object:
            answer = await client.post(target.path, json={"digits": DIGITS, "leg": LEG})
            answer.raise_for_status()
            return answer.json()

        yield send


@contextlib.contextmanager
def ours_sync(target: Target) -> Iterator[SyncSend]:
    from plivo_dtmf_client import Client
    from plivo_dtmf_client.api.calls import send_digits
    from plivo_dtmf_client.models import Leg, SendDigitsRequest

    with Client(
        base_url=target.url, auth_id=target.auth_id, auth_token=target.auth_token
    ) as client:

        def send() -> object:
            body = SendDigitsRequest(digits=DIGITS, leg=Leg.ALEG)
            return send_digits.sync(call_uuid=target.call_uuid, body=body, client=client)

        yield send


@contextlib.asynccontextmanager
async def ours_async(target: Target) -> AsyncIterator[AsyncSend]:
    async with ours_async_on(target, aiohttp=False) as send:
        yield send


@contextlib.asynccontextmanager
async def ours_aiohttp(target: Target) -> AsyncIterator[AsyncSend]:
    async with ours_async_on(target, aiohttp=True) as send:
        yield send


@contextlib.asynccontextmanager
async def ours_async_on(target: Target, *, aiohttp: bool) -> AsyncIterator[AsyncSend]:
    from plivo_dtmf_client import Client, DefaultAioHttpClient
    from plivo_dtmf_client.api.calls import send_digits
    from plivo_dtmf_client.models import Leg, SendDigitsRequest

    client = Client(base_url=target.url, auth_id=target.auth_id, auth_token=target.auth_token)
    if aiohttp:
        client.set_async_httpx_client(DefaultAioHttpClient())
    async with client:

        async def send() -> object:
            body = SendDigitsRequest(digits=DIGITS, leg=Leg.ALEG)
            return await send_digits.asyncio(call_uuid=target.call_uuid, body=body, client=client)

        yield send


@contextlib.contextmanager
def plivo_python(target: Target) -> Iterator[SyncSend]:
    """The official SDK, unmodified; only its base-URL module constants point here."""
    import plivo
    import plivo.rest.client as rest

    base = f"{target.url}/v1/Account"
    for name in (
        "PLIVO_API_BASE_URI",
        "API_VOICE_BASE_URI",
        "API_VOICE_BASE_URI_FALLBACK_1",
        "API_VOICE_BASE_URI_FALLBACK_2",
    ):
        setattr(rest, name, base)
    client = plivo.RestClient(target.auth_id, target.auth_token)

    def send() -> object:
        return client.calls.send_digits(call_uuid=target.call_uuid, digits=DIGITS, leg=LEG)

    yield send


SYNC: dict[str, Callable[[Target], contextlib.AbstractContextManager[SyncSend]]] = {
    "httpx": httpx_sync,
    "ours": ours_sync,
    "plivo-python": plivo_python,
}
ASYNC: dict[str, Callable[[Target], contextlib.AbstractAsyncContextManager[AsyncSend]]] = {
    "httpx-async": httpx_async,
    "ours-async": ours_async,
    "httpx-aiohttp": httpx_aiohttp,
    "ours-aiohttp": ours_aiohttp,
}
KINDS = [*SYNC, *ASYNC]


def peak_rss_kib() -> int:
    """This process image's peak RSS (VmHWM).

    Not ru_maxrss: Linux carries it across execve, so a child would report the RSS of the
    parent it was forked from whenever that is the larger.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def timed_sync(kind: str, target: Target, calls: int, warmup: int) -> dict[str, Any]:
    with SYNC[kind](target) as send:
        for _ in range(warmup):
            send()
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(calls):
            send()
        return {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu}


async def timed_async(kind: str, target: Target, calls: int, warmup: int) -> dict[str, Any]:
    async with ASYNC[kind](target) as send:
        for _ in range(warmup):
            await send()
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(calls):
            await send()
        return {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--url", required=True)
    parser.add_argument("--call-uuid", default="eba53b9e-8fbd-45c1-9444-696d2172fbc8")
    parser.add_argument("--calls", type=int, required=True)
    parser.add_argument("--warmup", type=int, default=0)
    args = parser.parse_args()
    target = Target(
        args.url, os.environ["BENCH_AUTH_ID"], os.environ["BENCH_AUTH_TOKEN"], args.call_uuid
    )
    if args.kind in SYNC:
        figures = timed_sync(args.kind, target, args.calls, args.warmup)
    else:
        figures = asyncio.run(timed_async(args.kind, target, args.calls, args.warmup))
    print(
        json.dumps({"kind": args.kind, "calls": args.calls, **figures, "rss_kib": peak_rss_kib()})
    )


if __name__ == "__main__":
    main()
