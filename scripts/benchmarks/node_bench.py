"""Section `node`: what a send costs a Node caller: the TypeScript SDK against a raw fetch and
plivo-node, measured like section `client` (one process per client and repetition,
interleaved, sequential sends to the floor server).

Needs node and npm. generated/typescript/ is installed from its lock file and plivo-node into
build/node-sdk (the folder tests/test_mock_clients.py uses) when missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from benchmarks import servers
from benchmarks.accounts import BenchAccount
from benchmarks.client_bench import ClientRuns
from benchmarks.report import Table, Target, targets_table
from benchmarks.stats import TIMES, median, ratio, with_spread

WORKER = Path(__file__).with_name("node_worker.mjs")
TS_SDK = servers.ROOT / "generated" / "typescript"
NODE_SDK = servers.ROOT / "build" / "node-sdk"
PLIVO_NODE = "plivo@4.79.0"  # the version tests/test_mock_clients.py installs
CALL_UUID = "eba53b9e-8fbd-45c1-9444-696d2172fbc8"

KINDS = ["fetch", "ours", "plivo-node"]
LABELS = {
    "fetch": "raw `fetch` post (Node's undici)",
    "ours": "plivo-dtmf-client (TypeScript)",
    "plivo-node": PLIVO_NODE.replace("@", " "),
}


def npm(*args: str, cwd: Path) -> None:
    done = subprocess.run(
        ["npm", *args, "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"npm {args[0]} failed in {cwd}: {done.stderr.strip()[-300:]}")


def install() -> None:
    if not (TS_SDK / "node_modules" / "openapi-fetch").is_dir():
        npm("ci", cwd=TS_SDK)
    if not (NODE_SDK / "node_modules" / "plivo").is_dir():
        NODE_SDK.mkdir(parents=True, exist_ok=True)
        npm("install", "--prefix", str(NODE_SDK), "--save-exact", PLIVO_NODE, cwd=NODE_SDK)


def worker(kind: str, url: str, account: BenchAccount, calls: int, warmup: int) -> dict[str, float]:
    env = servers.python_env({"BENCH_AUTH_ID": account.auth_id, "NODE_SDK_DIR": str(NODE_SDK)})
    env["BENCH_AUTH_TOKEN"] = account.auth_token
    argv = ["node", str(WORKER), kind, url, CALL_UUID, str(calls), str(warmup)]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr else "no output")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def run(quick: bool) -> list[Table]:
    repetitions, calls, warmup = (1, 300, 50) if quick else (5, 1000, 200)
    table = Table(
        f"Node client cost ({calls:,} sequential sends after {warmup} warm-up, "
        f"{TIMES} {repetitions}, against the floor server)",
        ["client", "req/s", "client CPU µs/call", "peak RSS MiB"],
    )
    if shutil.which("node") is None or shutil.which("npm") is None:
        table.notes.append("Not measured: node and npm are not installed.")
        return [table]
    install()
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
        "CPU µs/call: CPU time (user + system) of the node process over the timed sends, "
        "divided by the sends. Ours checks each request against the spec's rules and goes "
        "through openapi-fetch; the raw fetch does neither."
    )

    def compared(label: str, figure: str, ours: str, theirs: str, target: float) -> Target:
        mine, others = getattr(results[ours], figure), getattr(results[theirs], figure)
        return Target(
            label,
            ratio(median(mine), median(others)),
            target,
            at_least=figure == "rps",
            runs=[ratio(x, y) for x, y in zip(mine, others, strict=False)],
        )

    targets = [
        compared("CPU/call: ours / raw fetch", "cpu_us", "ours", "fetch", 1.3),
        compared("req/s: ours / plivo-node", "rps", "ours", "plivo-node", 0.9),
    ]
    return [table, targets_table("Node client targets", targets)]
