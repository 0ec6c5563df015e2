"""The knobs of one contract run, read from the environment (`make contract VAR=...`).

Anything wrong here is a configuration error: the runner exits 2 before sending a request.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from .semantics import BLEG_CHOICES, Bleg, parse_bleg

Mode = Literal["full", "negative-only"]
ALL_PHASES = ("examples", "coverage", "fuzzing", "stateful")
# Phases whose cases may legitimately be valid: examples are valid by construction and the
# stateful phase follows the live-calls link with valid data.
NEGATIVE_ONLY_PHASES = ("coverage", "fuzzing")
_RATE = re.compile(r"^(\d+)/([smhd])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class ConfigError(Exception):
    """The run is misconfigured; the message says which variable and why."""


@dataclass(frozen=True, slots=True)
class Settings:
    base_url: str
    auth_id: str
    auth_token: str
    call_uuid: str | None
    call_bleg: Bleg
    mode: Mode
    phases: tuple[str, ...]
    budget: int
    rate_limit: str
    max_examples: int
    max_time: int | None
    seed: int
    probes: tuple[str, ...] | None  # None: every probe
    rate_limit_probe: tuple[int, int] | None
    other_auth_id: str | None
    other_auth_token: str | None
    other_call_uuid: str | None
    # Calls a real provider cannot be asked to make: given by the user for one run.
    bridged_call_uuid: str | None
    unbridged_call_uuid: str | None
    hung_up_call_uuid: str | None
    callback_url: str | None
    report_dir: Path
    loopback: bool
    # The provider team's setup hook for the calls the probes need (see states.py).
    states: str | None = None

    def __repr__(self) -> str:  # never show a token
        return f"Settings(base_url={self.base_url!r}, auth_id={self.auth_id!r}, mode={self.mode!r})"

    @property
    def rate_per_second(self) -> float:
        found = _RATE.match(self.rate_limit)
        assert found is not None
        return int(found[1]) / _SECONDS[found[2]]


def is_loopback(base_url: str) -> bool:
    host = urlsplit(base_url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name) or str(default)
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name}={value} must be at least {minimum}")
    return value


def _names(raw: str, allowed: tuple[str, ...], name: str) -> tuple[str, ...]:
    values = tuple(part.strip() for part in raw.split(",") if part.strip())
    unknown = [value for value in values if value not in allowed]
    if unknown or not values:
        raise ConfigError(f"{name}={raw!r}: choose from {', '.join(allowed)}")
    return values


def load(
    env: Mapping[str, str], *, probe_names: tuple[str, ...], spec_rate: tuple[int, int]
) -> Settings:
    """Settings from `env`; `probe_names` and the spec's rate limit bound what is accepted."""
    missing = [n for n in ("BASE_URL", "PLIVO_AUTH_ID", "PLIVO_AUTH_TOKEN") if not env.get(n)]
    if missing:
        raise ConfigError(
            f"set {', '.join(missing)}: make contract BASE_URL=https://... "
            "PLIVO_AUTH_ID=... PLIVO_AUTH_TOKEN=... [CALL_UUID=...]"
        )
    base_url = env["BASE_URL"].rstrip("/")
    split = urlsplit(base_url)
    if split.scheme not in ("http", "https") or not split.hostname or split.path:
        raise ConfigError(f"BASE_URL={base_url!r}: want scheme://host[:port] with no path")
    loopback = is_loopback(base_url)

    call_uuid = env.get("CALL_UUID") or None
    if call_uuid is not None and not _UUID.match(call_uuid):
        raise ConfigError(f"CALL_UUID={call_uuid!r} is not a lower-case UUID")
    bleg_raw = env.get("CALL_BLEG") or "unknown"
    bleg = parse_bleg(bleg_raw)
    if bleg is None:
        raise ConfigError(f"CALL_BLEG={bleg_raw!r}: choose from {', '.join(BLEG_CHOICES)}")

    # A real account gets negative-only unless asked otherwise: nothing valid reaches a call.
    mode_raw = env.get("CONTRACT_MODE") or ("full" if loopback else "negative-only")
    mode: Mode
    if mode_raw == "full":
        mode = "full"
    elif mode_raw == "negative-only":
        mode = "negative-only"
    else:
        raise ConfigError(f"CONTRACT_MODE={mode_raw!r}: choose full or negative-only")
    default_phases = ALL_PHASES if mode == "full" else NEGATIVE_ONLY_PHASES
    phases_raw = env.get("CONTRACT_PHASES") or ",".join(default_phases)
    # "none": the probes only, no schemathesis run.
    phases = () if phases_raw == "none" else _names(phases_raw, ALL_PHASES, "CONTRACT_PHASES")
    if mode == "negative-only" and set(phases) - set(NEGATIVE_ONLY_PHASES):
        raise ConfigError(
            f"CONTRACT_PHASES={','.join(phases)}: negative-only runs only "
            f"{', '.join(NEGATIVE_ONLY_PHASES)} (the other phases send valid digits)"
        )

    # 40/s is 200 per 5 s: under Plivo's 300 even where schemathesis' and the probes' windows meet.
    rate_limit = env.get("CONTRACT_RATE_LIMIT") or "40/s"
    found = _RATE.match(rate_limit)
    if found is None:
        raise ConfigError(f"CONTRACT_RATE_LIMIT={rate_limit!r}: want N/s, N/m, N/h or N/d")
    limit, window = spec_rate
    per_window = int(found[1]) / _SECONDS[found[2]] * window
    if per_window >= limit and not loopback:
        raise ConfigError(
            f"CONTRACT_RATE_LIMIT={rate_limit} is {per_window:g} requests per {window} s; "
            f"keep it under the provider's {limit} per {window} s"
        )

    probes_raw = env.get("CONTRACT_PROBES") or "all"
    probes: tuple[str, ...] | None
    if probes_raw == "all":
        probes = None
    elif probes_raw == "none":
        probes = ()
    else:
        probes = _names(probes_raw, probe_names, "CONTRACT_PROBES")

    if not phases and probes == ():
        # Nothing would be sent: a PASS would say nothing about the provider.
        raise ConfigError(
            "CONTRACT_PHASES=none and CONTRACT_PROBES=none: nothing would be tested; "
            "name at least one phase or probe"
        )

    rate_probe_raw = env.get("CONTRACT_RATE_LIMIT_PROBE") or ""
    rate_probe: tuple[int, int] | None = None
    if rate_probe_raw:
        found = re.match(r"^(\d+)/(\d+)$", rate_probe_raw)
        if found is None or int(found[1]) < 1 or int(found[2]) < 1:
            raise ConfigError(
                f"CONTRACT_RATE_LIMIT_PROBE={rate_probe_raw!r}: want REQUESTS/SECONDS, e.g. 300/5"
            )
        rate_probe = (int(found[1]), int(found[2]))

    max_time_raw = env.get("CONTRACT_MAX_TIME")
    other_call = env.get("OTHER_CALL_UUID") or None
    if other_call is not None and not _UUID.match(other_call):
        raise ConfigError(f"OTHER_CALL_UUID={other_call!r} is not a lower-case UUID")
    known_calls = {}
    for name in ("BRIDGED_CALL_UUID", "UNBRIDGED_CALL_UUID", "HUNG_UP_CALL_UUID"):
        value = env.get(name) or None
        if value is not None and not _UUID.match(value):
            raise ConfigError(f"{name}={value!r} is not a lower-case UUID")
        known_calls[name] = value
    if (
        known_calls["BRIDGED_CALL_UUID"]
        and known_calls["BRIDGED_CALL_UUID"] == (known_calls["UNBRIDGED_CALL_UUID"])
    ):
        raise ConfigError("BRIDGED_CALL_UUID and UNBRIDGED_CALL_UUID name the same call")
    # Relative to where the run starts (scripts/contract starts it at the repository root).
    report_dir = Path(env.get("CONTRACT_REPORT_DIR") or Path("reports") / "contract")
    return Settings(
        base_url=base_url,
        auth_id=env["PLIVO_AUTH_ID"],
        auth_token=env["PLIVO_AUTH_TOKEN"],
        call_uuid=call_uuid,
        call_bleg=bleg,
        mode=mode,
        phases=phases,
        budget=_int(env, "CONTRACT_BUDGET", 2000),
        rate_limit=rate_limit,
        max_examples=_int(env, "CONTRACT_MAX_EXAMPLES", 50),
        max_time=_int(env, "CONTRACT_MAX_TIME", 0, minimum=1) if max_time_raw else None,
        seed=_int(env, "CONTRACT_SEED", 20261126, minimum=0),
        probes=probes,
        rate_limit_probe=rate_probe,
        other_auth_id=env.get("OTHER_AUTH_ID") or None,
        other_auth_token=env.get("OTHER_AUTH_TOKEN") or None,
        other_call_uuid=other_call,
        bridged_call_uuid=known_calls["BRIDGED_CALL_UUID"],
        unbridged_call_uuid=known_calls["UNBRIDGED_CALL_UUID"],
        hung_up_call_uuid=known_calls["HUNG_UP_CALL_UUID"],
        callback_url=env.get("CALLBACK_URL") or None,
        report_dir=report_dir.resolve(),
        loopback=loopback,
        states=env.get("CONTRACT_STATES") or None,
    )


def from_environ(*, probe_names: tuple[str, ...], spec_rate: tuple[int, int]) -> Settings:
    return load(os.environ, probe_names=probe_names, spec_rate=spec_rate)
