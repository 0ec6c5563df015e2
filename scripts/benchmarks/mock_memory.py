"""The mock's memory under a big state: `python -m benchmarks.mock_memory --calls N --events M`.

Builds the app exactly as the server does and drives it in this process through its ASGI
interface (a real socket would take minutes for a million requests and measure the load
generator, not the state): N live calls created through the control API, then M accepted
DTMF requests spread round-robin over them, then a further burst on one call to show its
log stays at the cap. Prints one JSON line with RSS figures (MiB) and what the mock says
it retained. Credentials come from PLIVO_AUTH_ID / PLIVO_AUTH_TOKEN, as for the server.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
from pathlib import Path
from typing import Any

from benchmarks.accounts import DIGITS_VALID
from benchmarks.floor import Message, Scope

App = Any  # a plain ASGI callable


def rss_mib() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MiB, from /proc."""
    figures = {}
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            figures[name] = int(value.split()[0]) / 1024
    return figures["VmRSS"], figures["VmHWM"]


class Driver:
    """The least an ASGI server does for one request: a scope, the body, collect the reply."""

    def __init__(self, app: App, auth_id: str, auth_token: str) -> None:
        self.app = app
        token = base64.b64encode(f"{auth_id}:{auth_token}".encode()).decode("ascii")
        self.headers = [
            (b"host", b"127.0.0.1"),
            (b"authorization", f"Basic {token}".encode("ascii")),
            (b"content-type", b"application/json"),
        ]

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        scope: Scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode("ascii"),
            "query_string": b"",
            "root_path": "",
            "headers": [*self.headers, (b"content-length", str(len(body)).encode("ascii"))],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 4010),
        }
        delivered = False
        done = asyncio.Event()
        answer: dict[str, Any] = {"status": 0, "body": b""}

        async def receive() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
            elif message["type"] == "http.response.body":
                answer["body"] += message.get("body", b"")
                if not message.get("more_body", False):
                    done.set()

        await self.app(scope, receive, send)
        return int(answer["status"]), bytes(answer["body"])


async def lifespan_startup(app: App) -> asyncio.Task[None]:
    """Run the app's lifespan start-up, as uvicorn does before serving.

    The lifespan task stays pending, as under a server, until the loop ends.
    """
    queue: asyncio.Queue[Message] = asyncio.Queue()
    started = asyncio.Event()

    async def receive() -> Message:
        return await queue.get()

    async def send(message: Message) -> None:
        if message["type"].startswith("lifespan.startup"):
            started.set()

    scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
    task: asyncio.Task[None] = asyncio.create_task(app(scope, receive, send))
    await queue.put({"type": "lifespan.startup"})
    await asyncio.wait_for(started.wait(), timeout=10)
    return task


async def drive(app: App, calls: int, events: int, burst: int) -> dict[str, Any]:
    auth_id, auth_token = os.environ["PLIVO_AUTH_ID"], os.environ["PLIVO_AUTH_TOKEN"]
    driver = Driver(app, auth_id, auth_token)
    lifespan = await lifespan_startup(app)
    figures: dict[str, Any] = {"start_rss_mib": rss_mib()[0]}

    uuids: list[str] = []
    for _ in range(calls):
        status, body = await driver.request("POST", "/__mock__/calls", b'{"bleg": false}')
        if status != 201:
            raise SystemExit(f"creating call {len(uuids) + 1} answered {status}: {body[:200]!r}")
        uuids.append(json.loads(body)["call_uuid"])
    figures["calls_rss_mib"] = rss_mib()[0]

    payload = json.dumps(DIGITS_VALID).encode()
    paths = [f"/v1/Account/{auth_id}/Call/{u}/DTMF/" for u in uuids]
    for i in range(events):
        status, body = await driver.request("POST", paths[i % len(paths)], payload)
        if status != 202:
            raise SystemExit(f"DTMF request {i + 1} answered {status}: {body[:200]!r}")
    figures["events_rss_mib"] = rss_mib()[0]

    for i in range(burst):
        status, body = await driver.request("POST", paths[0], payload)
        if status != 202:
            raise SystemExit(f"burst request {i + 1} answered {status}: {body[:200]!r}")
    figures["burst_rss_mib"], figures["peak_rss_mib"] = rss_mib()

    status, body = await driver.request("GET", "/__mock__/calls")
    listed = json.loads(body)["calls"]
    figures["retained_events"] = sum(call["events"] for call in listed)
    figures["dropped_events"] = sum(call["dropped_events"] for call in listed)
    burst_call = next(call for call in listed if call["call_uuid"] == uuids[0])
    figures["burst_call_events"] = burst_call["events"]
    lifespan.cancel()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, required=True)
    parser.add_argument("--events", type=int, required=True)
    parser.add_argument("--burst", type=int, required=True)
    args = parser.parse_args()

    from plivo_mock.app import create_app
    from plivo_mock.config import MockConfig

    # The start-up calls count against the per-account limit too.
    config = MockConfig.from_env(
        os.environ, rate_limit=None, access_log=False, max_calls_per_account=args.calls + 10
    )
    app = create_app(config)
    figures = asyncio.run(drive(app, args.calls, args.events, args.burst))
    figures["max_events_per_call"] = config.max_events_per_call
    figures["default_max_calls_per_account"] = MockConfig().max_calls_per_account
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
