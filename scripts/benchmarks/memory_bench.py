"""Section `memory`: the mock's RSS under a big state, and what importing each client costs."""

from __future__ import annotations

import json
import subprocess
import sys

from benchmarks import servers
from benchmarks.accounts import BenchAccount
from benchmarks.client_bench import LABELS, worker
from benchmarks.report import Table
from benchmarks.stats import TIMES, number

CLIENTS = ["httpx", "ours", "ours-async", "ours-aiohttp", "plivo-python"]


def mock_table(quick: bool) -> Table:
    calls, events, burst = (1_000, 50_000, 5_000) if quick else (10_000, 1_000_000, 100_000)
    account = BenchAccount()
    argv = [sys.executable, "-m", "benchmarks.mock_memory", "--calls", str(calls)]
    argv += ["--events", str(events), "--burst", str(burst)]
    table = Table(
        f"Mock memory ({calls:,} live calls, {events:,} DTMF events round-robin, then "
        f"{burst:,} more on one call)",
        ["stage", "RSS MiB"],
    )
    done = subprocess.run(
        argv,
        env=servers.python_env(account.env),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        table.add("failed", " / ".join(tail))
        return table
    f = json.loads(done.stdout.strip().splitlines()[-1])
    cap, max_calls = f["max_events_per_call"], f["default_max_calls_per_account"]
    per_event = (f["events_rss_mib"] - f["calls_rss_mib"]) * 2**20 / events
    bound_mib = per_event * cap * max_calls / 2**20
    table.add("app built, start-up state", number(f["start_rss_mib"], 1))
    table.add(f"after {calls:,} live calls", number(f["calls_rss_mib"], 1))
    table.add(f"after {events:,} DTMF events", number(f["events_rss_mib"], 1))
    table.add(f"after {burst:,} more on one call", number(f["burst_rss_mib"], 1))
    table.add("**peak**", f"**{number(f['peak_rss_mib'], 1)}**")
    table.notes.append(
        f"Per-call event log cap: {cap:,} (`MockConfig.max_events_per_call`, oldest dropped "
        f"and counted). Retained at the end: {f['retained_events']:,} events, "
        f"{f['dropped_events']:,} dropped; the burst call holds {f['burst_call_events']:,}. "
        f"About {per_event:,.0f} bytes of RSS per retained event, so the default limits "
        f"({max_calls:,} calls per account {TIMES} {cap:,} events) bound one account's logs "
        f"at about {bound_mib:,.0f} MiB. Driven in-process through the app's ASGI interface "
        "(same app, config and validation as the server; no sockets), rate limit off."
    )
    return table


def clients_table(quick: bool) -> Table:
    sends = 200 if quick else 1000
    account = BenchAccount()
    table = Table(
        "Client process memory (peak RSS, MiB)",
        ["client", "import + construct", f"after {sends:,} sends"],
    )
    with servers.floor_server() as floor:
        for kind in CLIENTS:
            cells = []
            for calls in (0, sends):
                try:
                    figures = worker(kind, floor.url, account, calls, 0)
                    cells.append(number(figures["rss_kib"] / 1024, 1))
                except (RuntimeError, subprocess.TimeoutExpired) as failure:
                    cells.append(f"failed: {failure}")
            table.add(LABELS[kind], *cells)
    table.notes.append(
        "One fresh Python process per figure (same interpreter and venv); each imports only "
        "its own client."
    )
    return table


def run(quick: bool) -> list[Table]:
    return [mock_table(quick), clients_table(quick)]
