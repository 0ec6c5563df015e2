"""Schemathesis hooks of the contract suite, loaded by `st` through `schemathesis.toml`.

They make a run safe for a real account and sharper than the built-in checks:

- a hard request budget (`CONTRACT_HOOK_BUDGET`): past it, no request leaves the machine;
- `negative-only` (`CONTRACT_NEGATIVE_ONLY=1`): no schema-valid digits body is ever sent to the
  DTMF path, whatever the method, credentials or content type (cases are filtered, and a
  backstop refuses any that slip through);
- callbacks (`CONTRACT_CALLBACK`): `keep`, `drop`, or a URL replacing every valid
  `callback_url`, so a real provider does not call arbitrary generated hosts;
- the checks `live_call_accepts_valid_digits` and `answer_matches_request_case` (the answer
  `x-cases` gives the request, e.g. "async api spawned" with callback_url; see `semantics.py`).

The runner (`plivo-contract`) sets these variables; with none set the hooks only count.
"""

from __future__ import annotations

import atexit
import json
import os
import threading
from pathlib import Path
from typing import Any

import schemathesis

from plivo_contract import semantics, spec

SPEC = spec.load()
_BUDGET = int(os.environ.get("CONTRACT_HOOK_BUDGET") or 0) or None
_NEGATIVE_ONLY = os.environ.get("CONTRACT_NEGATIVE_ONLY") == "1"
_CALLBACK = os.environ.get("CONTRACT_CALLBACK") or "keep"
_STATS_PATH = os.environ.get("CONTRACT_HOOK_STATS")
_BLEG = os.environ.get("CONTRACT_CALL_BLEG") or "unknown"
_CALL = (
    semantics.LiveCall(
        auth_id=os.environ["PLIVO_AUTH_ID"],
        auth_token=os.environ["PLIVO_AUTH_TOKEN"],
        call_uuid=os.environ["CALL_UUID"],
        bleg=semantics.parse_bleg(_BLEG) or "unknown",
    )
    if all(os.environ.get(name) for name in ("PLIVO_AUTH_ID", "PLIVO_AUTH_TOKEN", "CALL_UUID"))
    else None
)

_lock = threading.Lock()
_stats = {
    "sent": 0,
    "over_budget": 0,
    "filtered_valid_bodies": 0,
    "refused_valid_bodies": 0,
    "dropped_false_negative_failures": 0,
    "callbacks_rewritten": 0,
}


class RequestBudgetExhausted(Exception):
    """The run has sent as many requests as it was allowed to."""


class NegativeOnlyRefused(Exception):
    """A schema-valid digits body was about to be sent in negative-only mode."""


def _write_stats() -> None:
    if _STATS_PATH:
        with _lock:
            Path(_STATS_PATH).write_text(json.dumps(_stats), encoding="utf-8")


atexit.register(_write_stats)


def _carries_valid_digits(case: Any) -> bool:
    return bool(case.path == SPEC.send.path and SPEC.valid_body(case.body))


@schemathesis.hook
def filter_case(context: schemathesis.HookContext, case: Any) -> bool:
    if _NEGATIVE_ONLY and _carries_valid_digits(case):
        with _lock:
            _stats["filtered_valid_bodies"] += 1
        return False
    return True


@schemathesis.hook
def before_call(context: schemathesis.HookContext, case: Any, kwargs: Any) -> None:
    if _NEGATIVE_ONLY and _carries_valid_digits(case):
        with _lock:
            _stats["refused_valid_bodies"] += 1
        raise NegativeOnlyRefused("negative-only: refusing to send a schema-valid digits body")
    if _CALLBACK != "keep" and isinstance(case.body, dict):
        url = case.body.get("callback_url")
        # A real provider would call whatever host was generated.
        if SPEC.valid_callback_url(url):
            with _lock:
                _stats["callbacks_rewritten"] += 1
            if _CALLBACK == "drop":
                case.body = {k: v for k, v in case.body.items() if k != "callback_url"}
            else:
                case.body = {**case.body, "callback_url": _CALLBACK}
    with _lock:
        if _BUDGET is not None and _stats["sent"] >= _BUDGET:
            _stats["over_budget"] += 1
            raise RequestBudgetExhausted(f"request budget of {_BUDGET} spent")
        _stats["sent"] += 1


@schemathesis.hook
def filter_failure(
    context: schemathesis.HookContext, failure: Any, case: Any, response: schemathesis.Response
) -> bool:
    if _CALL is not None and semantics.is_false_rejection_failure(SPEC, _CALL, failure, response):
        with _lock:
            _stats["dropped_false_negative_failures"] += 1
        return False
    return True


@schemathesis.check
def live_call_accepts_valid_digits(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Any
) -> bool | None:
    """A valid request on the pinned live call gets the spec's success status (see semantics)."""
    problem = semantics.live_call_violation(SPEC, _CALL, response) if _CALL else None
    if problem is not None:
        raise AssertionError(problem)
    return None


@schemathesis.check
def answer_matches_request_case(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Any
) -> bool | None:
    """A success answer matches the `x-cases` entry its request falls under (see semantics)."""
    problem = semantics.answer_case_violation(SPEC, response)
    if problem is not None:
        raise AssertionError(problem)
    return None
