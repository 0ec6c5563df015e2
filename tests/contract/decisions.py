"""Which probes and checks test each decision the spec writes down (`info.x-decisions`,
`info.x-limits`), and which cannot be seen from outside, with the reason.

`tests/contract/test_decisions.py` fails when a key of either has neither, or names a probe or
check that does not exist. The run's summary and HTML report show, per decision, the probes
that covered it and their outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .probes import ProbeResult


@dataclass(frozen=True)
class Coverage:
    probes: tuple[str, ...] = ()
    # schemathesis checks (built-in or the suite's own, see hooks.py) that judge it too.
    checks: tuple[str, ...] = ()
    # Set when nothing sent from outside can tell: why.
    not_observable: str = ""


_DIGITS_NEAR = ("near_miss_body_digits", "digits_trailing_newline", "digits_non_ascii")
_JSON = (
    "json_nan",
    "json_infinity",
    "json_negative_infinity",
    "json_not_utf8",
    "json_bom",
    "json_lone_surrogate",
    "json_huge_integer",
    "duplicate_json_keys",
    "malformed_json",
)
_RATE = Coverage(
    probes=("rate_limit",),
    checks=("status_code_conformance",),
)

DECISIONS: dict[str, Coverage] = {
    "digits-characters": Coverage(
        (*_DIGITS_NEAR, "digits_empty", "digits_zero"), ("negative_data_rejection",)
    ),
    "digits-length": Coverage(("digits_too_long",), ("negative_data_rejection",)),
    "digits-type": Coverage(("digits_json_number",), ("negative_data_rejection",)),
    "leg-values": Coverage(("leg_other_case",), ("negative_data_rejection",)),
    "bleg-without-bridge": Coverage(
        ("bleg_on_unbridged_call", "bleg_on_bridged_call"), ("live_call_accepts_valid_digits",)
    ),
    "unknown-fields": Coverage(("unknown_fields_ignored",), ("positive_data_acceptance",)),
    "auth-id-mismatch": Coverage(("path_auth_id_mismatch", "near_miss_path_auth_id")),
    "other-account-call": Coverage(("other_account_call",)),
    "hung-up-call": Coverage(("hung_up_call", "live_call_listed")),
    "async-status": Coverage(("async_answer", "sync_answer"), ("answer_matches_request_case",)),
    "body-limit": Coverage(("body_too_large",), ("negative_data_rejection",)),
    "patterns": Coverage(
        (*_DIGITS_NEAR, "near_miss_body_callback_url", "near_miss_path_call_uuid"),
        ("negative_data_rejection",),
    ),
    "json-body": Coverage(_JSON),
    "request-limits": Coverage(("target_too_long", "header_too_long", "body_timeout")),
    "content-type": Coverage(
        (
            "content_type_wrong",
            "content_type_missing",
            "content_type_charset",
            "content_encoding_gzip",
        ),
        ("content_type_conformance",),
    ),
    "rate-limit": _RATE,
    # The probe's receiver checks each callback's signature and, for GET, that the query of
    # its own callback_url survived (callback_probe.py).
    "callback-signature": Coverage(("async_callback",)),
    "callback-query": Coverage(("async_callback",)),
}

LIMITS: dict[str, Coverage] = {
    "body-bytes": Coverage(("body_too_large",)),
    "target-bytes": Coverage(("target_too_long",)),
    "header-bytes": Coverage(("header_too_long",)),
    # Opt-in (CONTRACT_PROBES=body_timeout): it holds a connection for the whole limit.
    "body-timeout-seconds": Coverage(("body_timeout",)),
    "head-timeout-seconds": Coverage(
        not_observable="no probe sends a slow request head yet (the mock and the proxy are "
        "tested for it in tests/test_http_limits.py)"
    ),
    "rate-limit-requests": _RATE,
    "rate-limit-seconds": _RATE,
}

Verdict = Literal["kept", "violated", "not run", "not observable"]


@dataclass
class DecisionOutcome:
    key: str
    kind: str  # "x-decisions" or "x-limits"
    verdict: Verdict
    probes: dict[str, str] = field(default_factory=dict)  # name -> outcome (or "not run")
    checks: tuple[str, ...] = ()
    reason: str = ""


def missing(spec_keys: list[str], table: dict[str, Coverage]) -> list[str]:
    """Keys of the spec that the table neither maps to a probe or check nor declares unseen."""
    return [
        key
        for key in spec_keys
        if key not in table
        or not (table[key].probes or table[key].checks or table[key].not_observable)
    ]


def outcomes(
    decision_keys: list[str],
    limit_keys: list[str],
    probes: list[ProbeResult],
    failed_checks: set[str],
    checks_ran: bool,
) -> list[DecisionOutcome]:
    """Per key of the spec: which probes covered it in this run and what they found."""
    results = {p.name: p.outcome for p in probes}
    found = []
    for kind, keys, table in (
        ("x-decisions", decision_keys, DECISIONS),
        ("x-limits", limit_keys, LIMITS),
    ):
        for key in keys:
            coverage = table.get(key, Coverage())
            if coverage.not_observable:
                found.append(
                    DecisionOutcome(key, kind, "not observable", reason=coverage.not_observable)
                )
                continue
            ran = {name: results.get(name, "not run") for name in coverage.probes}
            checks = coverage.checks if checks_ran else ()
            verdict: Verdict
            if "failed" in ran.values() or set(checks) & failed_checks:
                verdict = "violated"
            elif "passed" in ran.values():
                verdict = "kept"
            else:
                verdict = "not run"
            found.append(DecisionOutcome(key, kind, verdict, ran, checks))
    return found
