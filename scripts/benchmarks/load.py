"""Bounded loopback load: wrk with a Lua script when it can be had, else a Python generator.

Both hold a fixed number of keep-alive connections, send the same request over and over for
a fixed duration (or, for the Python one, a fixed count), and report completed requests,
requests/s, p50/p99 latency and the answers outside 2xx/3xx, so a run whose server answered
something unexpected is visible instead of passing for a fast one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks.stats import percentile

CONNECTIONS = 16
# The Lua script takes the request from the environment so that credentials never reach a
# file or a command line; `done` prints one JSON line the harness parses.
WRK_SCRIPT = r"""
wrk.method = os.getenv("BENCH_METHOD")
wrk.body = os.getenv("BENCH_BODY")
for line in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^\n]+") do
  local name, value = string.match(line, "^([^:]+):%s*(.*)$")
  wrk.headers[name] = value
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"status":%d,' ..
    '"socket":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, e.status,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""

    def wire(self) -> bytes:
        """The HTTP/1.1 request as sent on a keep-alive connection."""
        parts = urlsplit(self.url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        lines = [f"{self.method} {target} HTTP/1.1", f"Host: {parts.netloc}"]
        lines += [f"{name}: {value}" for name, value in self.headers]
        lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


@dataclass(frozen=True)
class LoadResult:
    tool: str
    requests: int
    duration_s: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s > 0 else 0.0


def ensure_wrk(install: bool = True) -> str | None:
    """wrk's path; as root, install Debian's package first when it is missing."""
    found = shutil.which("wrk")
    if found or not install or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    print("wrk not found: installing Debian's package (apt-get)...", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        try:
            done = subprocess.run(argv, env=env, capture_output=True, timeout=300, check=False)
        except subprocess.TimeoutExpired:
            return None
        if done.returncode != 0:
            print(done.stderr.decode(errors="replace")[-2000:], file=sys.stderr)
            return None
    return shutil.which("wrk")


def run_wrk(wrk: str, request: Request, duration_s: float) -> LoadResult:
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        script = Path(tmp) / "request.lua"
        script.write_text(WRK_SCRIPT, encoding="utf-8")
        env = {
            **os.environ,
            "BENCH_METHOD": request.method,
            "BENCH_BODY": request.body.decode("utf-8"),
            "BENCH_HEADERS": "\n".join(f"{n}: {v}" for n, v in request.headers),
        }
        argv = [wrk, "-t1", f"-c{CONNECTIONS}", f"-d{max(1, round(duration_s))}s"]
        argv += ["--timeout", "5s", "-s", str(script), request.url]
        done = subprocess.run(
            argv, env=env, capture_output=True, text=True, timeout=duration_s + 30, check=False
        )
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            figures = json.loads(line.removeprefix("BENCH_JSON "))
            return LoadResult(
                tool="wrk",
                requests=figures["requests"],
                duration_s=figures["duration_us"] / 1e6,
                p50_ms=figures["p50_us"] / 1000,
                p99_ms=figures["p99_us"] / 1000,
                non_2xx=figures["status"],
                socket_errors=figures["socket"],
            )
    raise RuntimeError(f"wrk printed no figures (exit {done.returncode}): {done.stderr[-500:]}")


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Read one response; return its status. Handles Content-Length and chunked bodies."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


async def _python_load(
    request: Request, duration_s: float, count: int | None, connections: int
) -> LoadResult:
    parts = urlsplit(request.url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    wire = request.wire()
    latencies: list[float] = []
    statuses = {"non_2xx": 0, "socket": 0}
    # Requests still to send; the connections share it (one event loop: no lock needed).
    budget = {"left": count if count is not None else -1}
    start = time.perf_counter()
    deadline = start + duration_s

    def take() -> bool:
        """Claim the next request, unless the count or the time is used up."""
        if budget["left"] == 0 or time.perf_counter() >= deadline:
            return False
        if budget["left"] > 0:
            budget["left"] -= 1
        return True

    async def connection() -> None:
        writer: asyncio.StreamWriter | None = None
        try:
            while take():
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                sent = time.perf_counter()
                try:
                    writer.write(wire)
                    status = await _read_response(reader)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    statuses["socket"] += 1
                    writer.close()
                    writer = None
                    continue
                latencies.append(time.perf_counter() - sent)
                if not 200 <= status < 400:
                    statuses["non_2xx"] += 1
        finally:
            if writer is not None:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()

    await asyncio.wait_for(
        asyncio.gather(*(connection() for _ in range(connections))), timeout=duration_s + 30
    )
    elapsed = time.perf_counter() - start
    latencies.sort()
    return LoadResult(
        tool="python",
        requests=len(latencies),
        duration_s=elapsed,
        p50_ms=percentile(latencies, 50) * 1000,
        p99_ms=percentile(latencies, 99) * 1000,
        non_2xx=statuses["non_2xx"],
        socket_errors=statuses["socket"],
    )


def run_python(
    request: Request,
    duration_s: float,
    *,
    count: int | None = None,
    connections: int = CONNECTIONS,
) -> LoadResult:
    """The fallback generator: bounded by `duration_s` and, if given, by `count` requests."""
    try:
        import uvloop

        runner: asyncio.Runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:
        runner = asyncio.Runner()
    with runner:
        return runner.run(_python_load(request, duration_s, count, connections))


class LoadGenerator:
    """wrk when available (installed on demand), the Python generator otherwise."""

    def __init__(self, prefer_wrk: bool = True) -> None:
        self.wrk = ensure_wrk() if prefer_wrk else None
        self.name = "wrk -t1 -c16" if self.wrk else f"python asyncio, {CONNECTIONS} connections"

    def run(self, request: Request, duration_s: float) -> LoadResult:
        if self.wrk:
            return run_wrk(self.wrk, request, duration_s)
        return run_python(request, duration_s)
