"""Server processes for a benchmark: start on a free loopback port, poll until ready, stop.

Each server runs in its own session so that stopping it ends its whole process group (npx
starts Prism through a shell and node) and nothing else.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
SPEC = ROOT / "openapi" / "plivo-dtmf.yaml"
PRISM = "@stoplight/prism-cli@5.16.0"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def python_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This interpreter's environment with `scripts/` importable (for `-m benchmarks...`)."""
    path = os.environ.get("PYTHONPATH", "")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(SCRIPTS), path) if p)}
    env.update(extra or {})
    return env


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU time of every live process in a process group (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="ascii").rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended while we looked
        # After the command name: state ppid pgrp session ... utime(12th) stime(13th).
        if int(fields[2]) == pgid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        """CPU used so far by the server and its children (npx runs Prism as a child)."""
        return group_cpu_seconds(self.process.pid)

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


class ServerFailed(RuntimeError):
    pass


def wait_ready(server: Server, path: str, deadline_s: float) -> None:
    """Poll `path` until the server answers anything; fail fast if the process exits."""
    deadline = time.monotonic() + deadline_s
    with httpx.Client(timeout=1.0) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise ServerFailed(
                    f"{server.name} exited with {server.process.returncode}:\n{server.log_tail()}"
                )
            with contextlib.suppress(httpx.TransportError):
                client.get(server.url + path)
                return
            time.sleep(0.1)
    raise ServerFailed(f"{server.name} not ready after {deadline_s:.0f} s:\n{server.log_tail()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextlib.contextmanager
def running(
    name: str,
    argv: Sequence[str],
    *,
    port: int,
    ready_path: str = "/",
    deadline_s: float = 30.0,
    env: Mapping[str, str] | None = None,
) -> Iterator[Server]:
    with tempfile.NamedTemporaryFile(prefix=f"bench-{name}-", suffix=".log", delete=False) as f:
        log = Path(f.name)
    with log.open("wb") as out:
        process = subprocess.Popen(
            list(argv),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
            env=dict(env) if env is not None else python_env(),
            start_new_session=True,
        )
    server = Server(name, port, process, log)
    try:
        wait_ready(server, ready_path, deadline_s)
        yield server
    finally:
        stop(process)
        log.unlink(missing_ok=True)


def floor_server(port: int | None = None) -> contextlib.AbstractContextManager[Server]:
    port = port or free_port()
    argv = [sys.executable, "-m", "benchmarks.floor", "--port", str(port)]
    return running("floor", argv, port=port)


def mock_server(account: Mapping[str, str]) -> contextlib.AbstractContextManager[Server]:
    """The mock as `make mock` serves it, rate limit and access log off for throughput.

    Its default account comes from `account` (PLIVO_AUTH_ID / PLIVO_AUTH_TOKEN).
    """
    port = free_port()
    argv = [sys.executable, "-m", "plivo_mock", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--no-rate-limit", "--no-access-log"]
    return running("mock", argv, port=port, ready_path="/__mock__/health", env=python_env(account))


def prism_server() -> contextlib.AbstractContextManager[Server]:
    """Prism serving our spec, its logging silenced (its fastest setting).

    The first start may download Prism through npx, hence the long deadline.
    """
    port = free_port()
    argv = ["npx", "--yes", PRISM, "mock", "-h", "127.0.0.1", "-p", str(port), "-v", "silent"]
    return running("prism", [*argv, str(SPEC)], port=port, deadline_s=180.0)
