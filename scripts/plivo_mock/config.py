"""How a mock is set up: accounts, limits, modes. Plain data, built once at start-up."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

# An installed wheel holds the documents as package data (pyproject.toml force-includes them);
# a checkout (and its editable install) reads openapi/ itself, so an edit there is served.
_PACKAGED = Path(__file__).resolve().parent / "openapi"
_OPENAPI_DIR = _PACKAGED if _PACKAGED.is_dir() else Path(__file__).resolve().parents[2] / "openapi"
_SPEC_PATH = _OPENAPI_DIR / "plivo-dtmf.yaml"
# The spec's `info.x-limits`: the numbers of its body-limit, request-limits and rate-limit
# decisions, so that the defaults below are read, never retyped.
_LIMITS: dict[str, Any] = yaml.safe_load(_SPEC_PATH.read_text(encoding="utf-8"))["info"]["x-limits"]

EMBEDDED_AUTH_ID = "MAMOCKDTMF0000000001"
# A published, mock-only credential: printed at start-up so that anyone can use it.
EMBEDDED_AUTH_TOKEN = "mock-token-0001"  # noqa: S105

# The call UUID of the spec's examples and x-codeSamples (which send leg=bleg), so that
# they run against a fresh mock unchanged; tests check the spec still uses it.
BRIDGED_CALL_UUID = "eba53b9e-8fbd-45c1-9444-696d2172fbc8"
UNBRIDGED_CALL_UUID = "a1b2c3d4-0000-4000-8000-000000000001"

# x-decisions.body-limit: larger bodies are answered 413 before parsing.
BODY_LIMIT_BYTES = int(_LIMITS["body-bytes"])
# x-decisions.request-limits: the request target (path and query) and each header (name and
# value) are limited to this many bytes; over it, a 400.
TARGET_LIMIT_BYTES = int(_LIMITS["target-bytes"])
HEADER_LIMIT_BYTES = int(_LIMITS["header-bytes"])
# The decision names no count; a hundred header fields is far more than any client sends.
HEADER_COUNT_LIMIT = 100
# The largest request head (request line and header fields) those limits let through; the
# HTTP layer stops reading a head past it, before it is parsed (protocol.py). The request
# line's method and version and each field's ": " and CRLF are a few bytes more.
HEAD_LIMIT_BYTES = TARGET_LIMIT_BYTES + HEADER_COUNT_LIMIT * (HEADER_LIMIT_BYTES + 4) + 64
# x-decisions.request-limits: a head not fully arrived this long after the connection opened
# or the previous answer was sent is a 400.
HEAD_TIMEOUT_S = float(_LIMITS["head-timeout-seconds"])
# x-decisions.request-limits: a body not fully arrived this long after the mock starts
# reading it is a 400 (a client that stalls would otherwise hold a task forever).
BODY_TIMEOUT_S = float(_LIMITS["body-timeout-seconds"])

# Bounds of every number a MockConfig holds: a count must fit a deque's maxlen, a duration
# must be one asyncio can wait (a day is more than any test needs).
MAX_COUNT = 2**31 - 1
MAX_SECONDS = 86400.0

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


@dataclass(frozen=True)
class Account:
    """A Plivo account the mock knows; the token never appears in a repr."""

    auth_id: str
    auth_token: str = field(repr=False)

    @property
    def token_is_embedded(self) -> bool:
        return self.auth_id == EMBEDDED_AUTH_ID and self.auth_token == EMBEDDED_AUTH_TOKEN


EMBEDDED_ACCOUNT = Account(EMBEDDED_AUTH_ID, EMBEDDED_AUTH_TOKEN)


@dataclass(frozen=True)
class MockConfig:
    """Everything `create_app` needs. The first account is the default one.

    The default account always starts with two live calls: BRIDGED_CALL_UUID (with a
    b-leg) and UNBRIDGED_CALL_UUID (without); `seed_file` adds accounts and calls.
    """

    accounts: tuple[Account, ...] = (EMBEDDED_ACCOUNT,)
    seed_file: Path | None = None
    strict: bool = False
    # Requests per account per window; None switches the limit off.
    rate_limit: int | None = int(_LIMITS["rate-limit-requests"])
    rate_window_s: float = float(_LIMITS["rate-limit-seconds"])
    max_events_per_call: int = 1000
    max_calls_per_account: int = 1000
    body_limit: int = BODY_LIMIT_BYTES
    target_limit: int = TARGET_LIMIT_BYTES
    header_limit: int = HEADER_LIMIT_BYTES
    header_count_limit: int = HEADER_COUNT_LIMIT
    body_timeout_s: float = BODY_TIMEOUT_S
    # The control API (`/__mock__/`) answers loopback peers only; others get the 404 of an
    # unknown path. Off for a mock reached across hosts (containers).
    control_loopback_only: bool = True
    callback_hosts: frozenset[str] = LOOPBACK_HOSTS
    callback_timeout_s: float = 5.0
    access_log: bool = True
    spec_path: Path = _SPEC_PATH
    control_spec_path: Path = _OPENAPI_DIR / "mock-control.yaml"
    # Injected by tests to move time without sleeping (rate-limit windows).
    clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Checked here, not where used: a 0 rate limit or event cap would otherwise start a
        # mock whose every request is a 500.
        counts = {
            "rate_limit": self.rate_limit,
            "max_events_per_call": self.max_events_per_call,
            "max_calls_per_account": self.max_calls_per_account,
            "body_limit": self.body_limit,
            "target_limit": self.target_limit,
            "header_limit": self.header_limit,
            "header_count_limit": self.header_count_limit,
        }
        for name, count in counts.items():
            if count is None and name == "rate_limit":
                continue
            if not (isinstance(count, int) and 1 <= count <= MAX_COUNT):
                raise ValueError(f"{name} must be a whole number from 1 to {MAX_COUNT}: {count!r}")
        for name, seconds in {
            "rate_window_s": self.rate_window_s,
            "body_timeout_s": self.body_timeout_s,
            "callback_timeout_s": self.callback_timeout_s,
        }.items():
            if not (isinstance(seconds, int | float) and 0 < seconds <= MAX_SECONDS):
                raise ValueError(f"{name} must be more than 0 and at most {MAX_SECONDS:g} s")

    @property
    def default_account(self) -> Account:
        return self.accounts[0]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> MockConfig:
        """The default account from PLIVO_AUTH_ID/PLIVO_AUTH_TOKEN, else the embedded one.

        `environ` defaults to os.environ; `overrides` are MockConfig fields.
        """
        env = os.environ if environ is None else environ
        auth_id = env.get("PLIVO_AUTH_ID", "")
        auth_token = env.get("PLIVO_AUTH_TOKEN", "")
        if bool(auth_id) != bool(auth_token):
            raise ValueError("set both PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN, or neither")
        config = cls(**overrides)
        if auth_id:
            config = replace(config, accounts=(Account(auth_id, auth_token),))
        return config

    def with_event_log_cap(self, cap: int) -> MockConfig:
        """The same configuration keeping at most `cap` events per call."""
        return replace(self, max_events_per_call=cap)
