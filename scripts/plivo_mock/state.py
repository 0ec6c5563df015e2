"""What the mock remembers: accounts, live calls, each call's DTMF events and faults.

All of it lives in memory and is bounded: events per call (oldest dropped, and counted),
calls per account. Every method runs without awaiting, so on the server's single event
loop each is atomic; the lock additionally keeps the state consistent if an embedding
application drives one app from several threads.
"""

from __future__ import annotations

import sys
import threading
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from .config import BRIDGED_CALL_UUID, UNBRIDGED_CALL_UUID, Account


@dataclass
class CallbackOutcome:
    """Where an asynchronous request's result goes, and what became of it."""

    url: str
    method: str
    status: str = "pending"  # pending, delivered, failed, blocked
    http_status: int | None = None
    error: str | None = None
    signed: bool = False  # that it was; never the signature, the nonce or the token

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "method": self.method,
            "status": self.status,
            "http_status": self.http_status,
            "error": self.error,
            "signed": self.signed,
        }


# Held in an event's own slots, so not again among its other named fields.
_HELD = frozenset({"digits", "leg"})
_NONE: Mapping[str, Any] = MappingProxyType({})


@dataclass(slots=True)
class Event:
    """One accepted (202) DTMF request.

    A million of them may be kept (issue 6), so each holds as little as it can: slots, no
    empty dict for the usual request without unknown fields, and `leg` interned (a few
    values, each otherwise a fresh string from the JSON parser).
    """

    digits: str
    leg: str
    time: float  # seconds since the epoch; formatted (ISO 8601, UTC) only when read
    api_id: str
    unknown_fields: dict[str, Any] | None  # None: there were none (read as {})
    callback: CallbackOutcome | None = None
    # The other fields the spec names, where not at the spec's default (None: there were
    # none), and those defaults, shared by every event: read together as `fields`.
    other_fields: dict[str, Any] | None = None
    defaults: Mapping[str, Any] | None = None

    @classmethod
    def accepted(
        cls,
        digits: str,
        leg: str,
        at: float,
        api_id: str,
        unknown_fields: dict[str, Any],
        body: Mapping[str, Any] = _NONE,
        defaults: Mapping[str, Any] = _NONE,
    ) -> Event:
        """`body` is the accepted body, defaults filled in, with its unknown fields too."""
        others = {
            name: value
            for name, value in body.items()
            if name not in _HELD
            and name not in unknown_fields
            and not (name in defaults and _same(defaults[name], value))
        }
        return cls(
            digits,
            sys.intern(leg),
            at,
            api_id,
            unknown_fields or None,
            None,
            others or None,
            defaults,
        )

    @property
    def fields(self) -> dict[str, Any]:
        """Every field of the accepted body that the spec names, its defaults filled in."""
        return {
            **(self.defaults or {}),
            **(self.other_fields or {}),
            "digits": self.digits,
            "leg": self.leg,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "digits": self.digits,
            "leg": self.leg,
            "fields": self.fields,
            "time": datetime.fromtimestamp(self.time, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "api_id": self.api_id,
            "unknown_fields": {} if self.unknown_fields is None else self.unknown_fields,
            "callback": None if self.callback is None else self.callback.to_json(),
        }


def _same(default: Any, value: Any) -> bool:
    # JSON's true is not 1, though Python's True == 1.
    return type(default) is type(value) and bool(default == value)


@dataclass
class Fault:
    """Injected behaviour for the next `remaining` DTMF requests on a call."""

    remaining: int
    status: int | None = None
    delay_ms: int | None = None
    message: str | None = None
    """The 202's `message` in place of the spec's: a value a client's open enums must keep."""


@dataclass
class Call:
    call_uuid: str
    owner: str
    bleg: bool
    events: deque[Event]
    live: bool = True
    dropped_events: int = 0
    fault: Fault | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "call_uuid": self.call_uuid,
            "live": self.live,
            "bleg": self.bleg,
            "events": len(self.events),
            "dropped_events": self.dropped_events,
        }


@dataclass(frozen=True)
class SeedCall:
    owner: str
    call_uuid: str
    bleg: bool


class CallLimitReached(Exception):
    pass


@dataclass
class MockState:
    """Accounts are fixed at start-up; calls, events and faults change and can be reset."""

    accounts: dict[str, Account]
    seed_calls: tuple[SeedCall, ...]
    max_events_per_call: int
    max_calls_per_account: int
    calls: dict[str, Call] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def build(
        cls,
        accounts: list[Account],
        extra_calls: list[SeedCall],
        max_events_per_call: int,
        max_calls_per_account: int,
    ) -> MockState:
        default = accounts[0].auth_id
        standard = [
            SeedCall(default, BRIDGED_CALL_UUID, True),
            SeedCall(default, UNBRIDGED_CALL_UUID, False),
        ]
        seeds = standard + extra_calls
        uuids = [seed.call_uuid for seed in seeds]
        duplicates = sorted({u for u in uuids if uuids.count(u) > 1})
        if duplicates:
            raise ValueError(f"call UUIDs given more than once: {', '.join(duplicates)}")
        state = cls(
            accounts={account.auth_id: account for account in accounts},
            seed_calls=tuple(seeds),
            max_events_per_call=max_events_per_call,
            max_calls_per_account=max_calls_per_account,
        )
        state.reset(None)
        return state

    def _new_call(self, owner: str, call_uuid: str, bleg: bool) -> Call:
        return Call(call_uuid, owner, bleg, deque(maxlen=self.max_events_per_call))

    def reset(self, owner: str | None) -> None:
        """Back to the start-up calls: of one account, or of all when `owner` is None."""
        with self._lock:
            for call_uuid in [u for u, c in self.calls.items() if owner in (None, c.owner)]:
                del self.calls[call_uuid]
            for seed in self.seed_calls:
                if owner in (None, seed.owner):
                    self.calls[seed.call_uuid] = self._new_call(
                        seed.owner, seed.call_uuid, seed.bleg
                    )

    def find(self, owner: str, call_uuid: str, *, live: bool = True) -> Call | None:
        """The call if it belongs to `owner` (and is live, unless live=False), else None.

        Another account's call and an unknown UUID give the same answer, so UUIDs cannot
        be probed across accounts.
        """
        call = self.calls.get(call_uuid)
        if call is None or call.owner != owner or (live and not call.live):
            return None
        return call

    def of_account(self, owner: str) -> list[Call]:
        return [call for call in self.calls.values() if call.owner == owner]

    def create_call(self, owner: str, bleg: bool) -> Call:
        with self._lock:
            if len(self.of_account(owner)) >= self.max_calls_per_account:
                raise CallLimitReached
            call = self._new_call(owner, str(uuid.uuid4()), bleg)
            self.calls[call.call_uuid] = call
            return call

    def hang_up(self, call: Call) -> None:
        with self._lock:
            call.live = False
            call.fault = None

    def bridge(self, call: Call) -> None:
        with self._lock:
            call.bleg = True

    def set_fault(self, call: Call, fault: Fault) -> None:
        with self._lock:
            call.fault = fault

    def take_fault(self, call: Call) -> Fault | None:
        """Consume one use of the call's fault, if any."""
        if call.fault is None:
            return None
        with self._lock:
            fault = call.fault
            if fault is None:
                return None
            fault.remaining -= 1
            if fault.remaining <= 0:
                call.fault = None
            return fault

    def record(self, call: Call, event: Event) -> None:
        with self._lock:
            if len(call.events) == call.events.maxlen:
                call.dropped_events += 1
            call.events.append(event)
