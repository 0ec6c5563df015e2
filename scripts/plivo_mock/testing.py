"""Run the mock as a real server from tests (yours or ours).

    with MockServer("--strict") as mock:
        httpx.post(mock.base_url + dtmf_path(BRIDGED_CALL_UUID), ...)

The server is `python -m plivo_mock` on a free loopback port, in its own process. Start-up
is polled on `/__mock__/health` with a deadline; if the server exits or the deadline
passes, MockStartError carries the server's log.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx

from .config import EMBEDDED_AUTH_ID

HEALTH_PATH = "/__mock__/health"


class MockStartError(RuntimeError):
    pass


def env_without_credentials(**extra: str) -> dict[str, str]:
    """os.environ without PLIVO_* variables (so the mock uses its embedded account)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLIVO_")}
    env.update(extra)
    return env


def free_port() -> int:
    """A port that was free a moment ago on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def dtmf_path(call_uuid: str, auth_id: str = EMBEDDED_AUTH_ID) -> str:
    return f"/v1/Account/{auth_id}/Call/{call_uuid}/DTMF/"


def wait_healthy(
    base_url: str,
    deadline_s: float,
    process: subprocess.Popen[bytes] | None = None,
    health_path: str = HEALTH_PATH,
) -> None:
    """Poll the health endpoint until it answers 200; raise MockStartError otherwise."""
    deadline = time.monotonic() + deadline_s
    last = "no answer"
    with httpx.Client(timeout=1.0, trust_env=False) as client:
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                raise MockStartError(f"the mock exited with status {process.returncode}")
            try:
                if client.get(base_url + health_path).status_code == 200:
                    return
            except httpx.HTTPError as exc:
                last = type(exc).__name__
            time.sleep(0.05)
    raise MockStartError(f"the mock was not healthy within {deadline_s:g} s ({last})")


class MockServer:
    """`python -m plivo_mock ARGS` on 127.0.0.1 and a free port, until stop().

    `python` is this interpreter unless given (the one of a venv the mock is installed in).
    """

    def __init__(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        log_path: Path | None = None,
        deadline_s: float = 15.0,
        port: int | None = None,
        health_path: str = HEALTH_PATH,
        python: str | Path = sys.executable,
        cwd: Path | None = None,
    ) -> None:
        self.cwd = cwd
        self.args = args
        # Proxy mode (--proxy) is ready when its own /__mock__/violations answers.
        self.health_path = health_path
        self.python = str(python)
        self.env = dict(os.environ if env is None else env)
        self.deadline_s = deadline_s
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        if log_path is None:
            handle, name = tempfile.mkstemp(prefix="plivo-mock-", suffix=".log")
            os.close(handle)
            log_path = Path(name)
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def start(self) -> Self:
        argv = [self.python, "-m", "plivo_mock", "--port", str(self.port), *self.args]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.env,
                cwd=self.cwd,
            )
        try:
            wait_healthy(self.base_url, self.deadline_s, self.process, self.health_path)
        except MockStartError as exc:
            self.stop()
            raise MockStartError(f"{exc}; its log:\n{self.log()}") from None
        return self

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout_s: float = 10.0) -> int:
        """Stop the server with `sig` (killing it after `timeout_s`); its exit status."""
        process = self.process
        if process is None:
            return 0
        if process.poll() is None:
            process.send_signal(sig)
            try:
                process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout_s)
        return process.returncode

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
