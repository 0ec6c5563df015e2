"""Section `client`: what a send costs the caller, ours against raw httpx and plivo-python.

Every client sends sequentially to the floor server (so the server's share of each round trip
is as small and as equal as it gets), one process per client and repetition, interleaved.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field

from benchmarks import servers
from benchmarks.accounts import BenchAccount
from benchmarks.client_worker import KINDS
from benchmarks.report import Table, Target, targets_table
from benchmarks.stats import TIMES, median, ratio, with_spread

LABELS = {
    "httpx": "raw `httpx.Client` post",
    "httpx-async": "raw `httpx.AsyncClient` post",
    "ours": "plivo-dtmf-client, sync",
    "ours-async": "plivo-dtmf-client, async",
    "httpx-aiohttp": "raw `httpx_aiohttp.HttpxAiohttpClient` post",
    "ours-aiohttp": "plivo-dtmf-client, async, `DefaultAioHttpClient`",
    "plivo-python": "plivo-python 4.63.0",
}


@dataclass
class ClientRuns:
    kind: str
    rps: list[float] = field(default_factory=list)
    cpu_us: list[float] = field(default_factory=list)
    rss_mib: list[float] = field(default_factory=list)
    error: str | None = None


def worker(kind: str, url: str, account: BenchAccount, calls: int, warmup: int) -> dict[str, float]:
    env = servers.python_env({"BENCH_AUTH_ID": account.auth_id})
    env["BENCH_AUTH_TOKEN"] = account.auth_token
    argv = [sys.executable, "-m", "benchmarks.client_worker", kind, "--url", url]
    argv += ["--calls", str(calls), "--warmup", str(warmup)]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr else "no output")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def run(quick: bool) -> list[Table]:
    repetitions, calls, warmup = (1, 300, 50) if quick else (5, 1000, 200)
    account = BenchAccount()
    results = {kind: ClientRuns(kind) for kind in KINDS}
    with servers.floor_server() as floor:
        for rep in range(repetitions):
            shift = rep % len(KINDS)
            for kind in [*KINDS[shift:], *KINDS[:shift]]:
                runs = results[kind]
                if runs.error:
                    continue
                try:
                    figures = worker(kind, floor.url, account, calls, warmup)
                except (RuntimeError, subprocess.TimeoutExpired) as failure:
                    runs.error = str(failure)
                    continue
                runs.rps.append(figures["calls"] / figures["wall_s"])
                runs.cpu_us.append(figures["cpu_s"] / figures["calls"] * 1e6)
                runs.rss_mib.append(figures["rss_kib"] / 1024)

    table = Table(
        f"Client cost ({calls:,} sequential sends after {warmup} warm-up, {TIMES} {repetitions}, "
        "against the floor server)",
        ["client", "req/s", "client CPU µs/call", "peak RSS MiB"],
    )
    for kind in KINDS:
        runs = results[kind]
        if runs.error:
            table.add(LABELS[kind], f"failed: {runs.error}", "", "")
            continue
        table.add(
            LABELS[kind],
            with_spread(runs.rps),
            with_spread(runs.cpu_us),
            with_spread(runs.rss_mib, 1),
        )
    table.notes.append(
        "CPU µs/call: CPU time (user + system) of the client process over the timed sends, "
        "divided by the sends; the async ones run on asyncio's default loop. The aiohttp rows "
        "use httpx-aiohttp's transport (the client's `aiohttp` extra)."
    )

    def compared(label: str, figure: str, ours: str, theirs: str, target: float) -> Target:
        """Target on the ratio of one figure ("cpu_us" or "rps") of two clients."""
        mine, others = getattr(results[ours], figure), getattr(results[theirs], figure)
        return Target(
            label,
            ratio(median(mine), median(others)),
            target,
            at_least=figure == "rps",  # CPU per call should be low, throughput high
            runs=[ratio(x, y) for x, y in zip(mine, others, strict=False)],
        )

    targets = [
        compared("CPU/call: ours sync / raw httpx", "cpu_us", "ours", "httpx", 1.10),
        compared(
            "CPU/call: ours async / raw httpx async", "cpu_us", "ours-async", "httpx-async", 1.10
        ),
        compared(
            "CPU/call: ours on aiohttp / raw httpx on aiohttp",
            "cpu_us",
            "ours-aiohttp",
            "httpx-aiohttp",
            1.10,
        ),
        compared("req/s: ours sync / plivo-python", "rps", "ours", "plivo-python", 1.1),
    ]
    return [table, targets_table("Client targets", targets)]
