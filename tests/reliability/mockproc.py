"""The mock as a real process on a free loopback port, and a client for its control API."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
START_DEADLINE_S = 20.0


@dataclass(frozen=True)
class Credentials:
    auth_id: str
    auth_token: str

    def __repr__(self) -> str:
        return f"Credentials(auth_id={self.auth_id!r})"

    @property
    def httpx_auth(self) -> httpx.BasicAuth:
        return httpx.BasicAuth(self.auth_id, self.auth_token)


# Fixed, recognisable test credentials: A is the default account (from the environment,
# so the mock never prints its token), B comes from the seed file.
ACCOUNT_A = Credentials("MARELIABILITY0000001", "rel-token-A-7f3c9e1d5b2a")
ACCOUNT_B = Credentials("SARELIABILITY0000002", "rel-token-B-2a8d4f6c0e9b")
ACCOUNT_B_CALL = "b0000000-0000-4000-8000-00000000000b"


def write_seed(directory: Path) -> Path:
    """A seed file giving account B one bridged live call."""
    seed = directory / "seed.yaml"
    seed.write_text(
        "accounts:\n"
        f"  - auth_id: {ACCOUNT_B.auth_id}\n"
        f"    auth_token: {ACCOUNT_B.auth_token}\n"
        "    calls:\n"
        f"      - call_uuid: {ACCOUNT_B_CALL}\n"
        "        bleg: true\n",
        encoding="utf-8",
    )
    return seed


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


class MockProcess:
    """`python -m plivo_mock` with its stdout and stderr captured to a file."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
        self.process = process
        self.port = port
        self.log_path = log_path

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def memory_kib(self) -> dict[str, int]:
        """VmRSS and VmHWM (peak resident set) from /proc, in KiB."""
        status = Path(f"/proc/{self.pid}/status").read_text(encoding="ascii")
        figures = {}
        for line in status.splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                figures[key] = int(value.split()[0])
        return figures

    def terminate(self, timeout: float = 10.0) -> int:
        """SIGTERM, then wait for the exit status (SIGKILL after `timeout`)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)
            raise


def start_mock(workdir: Path, extra_args: Sequence[str] = ()) -> MockProcess:
    """Start the mock with accounts A (environment) and B (seed) and wait until it is healthy."""
    seed = write_seed(workdir)
    env = {
        **os.environ,
        "PLIVO_AUTH_ID": ACCOUNT_A.auth_id,
        "PLIVO_AUTH_TOKEN": ACCOUNT_A.auth_token,
        "PYTHONUNBUFFERED": "1",
    }
    # A port picked by binding :0 can be taken again before the mock binds it; retry.
    last_log = ""
    for attempt in range(3):
        port = free_port()
        log_path = workdir / f"mock-{port}-{attempt}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "plivo_mock", "--host", HOST, "--port", str(port)),
                    *("--seed", str(seed), *extra_args),
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        mock = MockProcess(process, port, log_path)
        if _wait_healthy(mock):
            return mock
        mock.terminate()
        last_log = mock.log()
        if "address already in use" not in last_log.lower():
            break
    raise RuntimeError(f"the mock did not start; its log:\n{last_log}")


def _wait_healthy(mock: MockProcess) -> bool:
    deadline = time.monotonic() + START_DEADLINE_S
    with httpx.Client(base_url=mock.base_url, timeout=1.0, trust_env=False) as client:
        while time.monotonic() < deadline:
            if mock.process.poll() is not None:
                return False
            try:
                if client.get("/__mock__/health").status_code == 200:
                    return True
            except httpx.TransportError:
                pass
            time.sleep(0.05)  # a poll interval, not a synchronisation
    return False


class Control:
    """The mock's control API (openapi/mock-control.yaml) for one account."""

    def __init__(self, base_url: str, account: Credentials) -> None:
        self._http = httpx.Client(
            base_url=base_url, auth=account.httpx_auth, timeout=5.0, trust_env=False
        )

    def close(self) -> None:
        self._http.close()

    def _ok(self, response: httpx.Response, status: int) -> Any:
        if response.status_code != status:
            raise AssertionError(
                f"control API {response.request.method} {response.request.url.path}: "
                f"{response.status_code} {response.text}"
            )
        return response.json() if response.content else None

    def calls(self) -> list[dict[str, Any]]:
        calls: list[dict[str, Any]] = self._ok(self._http.get("/__mock__/calls"), 200)["calls"]
        return calls

    def event_counts(self) -> dict[str, tuple[int, int]]:
        """Per call UUID: (events kept, events dropped)."""
        return {c["call_uuid"]: (c["events"], c["dropped_events"]) for c in self.calls()}

    def create_call(self, *, bleg: bool = False) -> str:
        call_uuid: str = self._ok(self._http.post("/__mock__/calls", json={"bleg": bleg}), 201)[
            "call_uuid"
        ]
        return call_uuid

    def hang_up(self, call_uuid: str) -> None:
        self._ok(self._http.delete(f"/__mock__/calls/{call_uuid}"), 204)

    def events(self, call_uuid: str) -> list[dict[str, Any]]:
        answer = self._ok(self._http.get(f"/__mock__/calls/{call_uuid}/events"), 200)
        assert answer["dropped"] == 0, f"{answer['dropped']} events dropped on {call_uuid}"
        events: list[dict[str, Any]] = answer["events"]
        return events

    def inject_fault(
        self, call_uuid: str, *, count: int, status: int | None = None, delay_ms: int | None = None
    ) -> None:
        fault: dict[str, Any] = {"call_uuid": call_uuid, "count": count}
        fault.update({"status": status} if status is not None else {"delay_ms": delay_ms})
        self._ok(self._http.post("/__mock__/faults", json=fault), 201)

    def reset(self) -> None:
        self._ok(self._http.post("/__mock__/reset"), 204)
