"""Which probes and checks test each decision the spec writes down (`info.x-decisions`,
`info.x-limits`), and which cannot be seen from outside, with the reason.

`tests/contract/test_decisions.py` fails when a key of either has neither, or names a probe or
check that does not exist. The run's summary and HTML report show, per decision, the probes
that covered it and their outcome.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import unquote, urlsplit

import jsonschema_rs

from .probes import ProbeResult
from .spec import NotStrictJson, Operation, Spec, SpecError


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
    probes=("rate_limit", "rate_limit_spread"),
    checks=("status_code_conformance",),
)

DECISIONS: dict[str, Coverage] = {
    "digits-characters": Coverage(
        (*_DIGITS_NEAR, "digits_empty", "digits_zero"), ("negative_data_rejection",)
    ),
    "digits-length": Coverage(
        ("digits_too_long", "pattern_boundaries"), ("negative_data_rejection",)
    ),
    "digits-type": Coverage(("digits_json_number",), ("negative_data_rejection",)),
    "leg-values": Coverage(("leg_other_case", "enum_variants"), ("negative_data_rejection",)),
    "bleg-without-bridge": Coverage(
        ("bleg_on_unbridged_call", "bleg_on_bridged_call"), ("live_call_accepts_valid_digits",)
    ),
    "unknown-fields": Coverage(
        ("unknown_fields_ignored", "field_name_variants"), ("positive_data_acceptance",)
    ),
    "auth-id-mismatch": Coverage(("path_auth_id_mismatch", "near_miss_path_auth_id")),
    "other-account-call": Coverage(("other_account_call",)),
    "hung-up-call": Coverage(("hung_up_call", "live_call_listed")),
    "async-status": Coverage(("async_answer", "sync_answer"), ("answer_matches_request_case",)),
    "body-limit": Coverage(("body_too_large", "body_limit_framings"), ("negative_data_rejection",)),
    "patterns": Coverage(
        (
            *_DIGITS_NEAR,
            "near_miss_body_callback_url",
            "near_miss_path_call_uuid",
            "pattern_boundaries",
        ),
        ("negative_data_rejection",),
    ),
    "json-body": Coverage(_JSON),
    "request-limits": Coverage(
        (
            "target_too_long",
            "header_too_long",
            "body_timeout",
            "head_timeout",
            "body_limit_framings",
            "request_limits_at_boundary",
        )
    ),
    "content-type": Coverage(
        (
            "content_type_wrong",
            "content_type_missing",
            "content_type_charset",
            "content_encoding_gzip",
            "content_type_near_misses",
        ),
        ("content_type_conformance",),
    ),
    "rate-limit": _RATE,
    # The probe's receiver checks each callback's signature and, for GET, that the query of
    # its own callback_url survived (callback_probe.py).
    "callback-signature": Coverage(("async_callback",)),
    "callback-query": Coverage(("async_callback",)),
    # The probe compares the callback's api_id with its request's 202.
    "callback-api-id": Coverage(("async_callback",)),
    # The clients' side is tests/test_open_enums.py and tests/typescript/; a provider is held
    # to the listed values by the strict checks of its answers and callbacks.
    "open-enums": Coverage(
        ("async_answer", "sync_answer", "async_callback"), ("response_schema_conformance",)
    ),
    # Its near-misses include the callback URL without a host (nearmiss.hostless_urls).
    "callback-url-host": Coverage(("near_miss_body_callback_url",), ("negative_data_rejection",)),
}

LIMITS: dict[str, Coverage] = {
    "body-bytes": Coverage(("body_too_large", "body_limit_framings")),
    "target-bytes": Coverage(("target_too_long", "request_limits_at_boundary")),
    "header-bytes": Coverage(("header_too_long", "request_limits_at_boundary")),
    # Opt-in (CONTRACT_PROBES=body_timeout,head_timeout): each holds a connection for the
    # whole limit.
    "body-timeout-seconds": Coverage(("body_timeout",)),
    "head-timeout-seconds": Coverage(("head_timeout",)),
    "rate-limit-requests": _RATE,
    "rate-limit-seconds": _RATE,
    "callback-json-depth": Coverage(
        not_observable="it bounds what the SDKs' webhook verifiers read (tests/"
        "test_webhooks_hostile.py, tests/typescript/), not what a provider answers"
    ),
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
    # The checks whose failing cases concern this decision.
    violated_by: set[str] = field(default_factory=set)


# A failed check counts against a decision only when the case it failed on has to do with
# it: what in the request the schema rejects (field, keyword), or what else the exchange was
# (a body over the limit, a 429...). So one accepted `"callback_url": null` is not reported
# as a violation of every decision that negative_data_rejection helps judge.
_SCHEMA_ERRORS: dict[tuple[str, str], tuple[str, ...]] = {
    ("digits", "type"): ("digits-type",),
    ("digits", "maxLength"): ("digits-length",),
    ("digits", "minLength"): ("digits-characters",),
    ("digits", "pattern"): ("digits-characters", "patterns"),
    ("leg", "enum"): ("leg-values",),
    ("leg", "type"): ("leg-values",),
    ("leg", "const"): ("leg-values",),
}
_RATE_KEYS = ("rate-limit", "rate-limit-requests", "rate-limit-seconds")


@dataclass(frozen=True)
class Exchange:
    """A request as it went over the wire and the status it got (None: no answer)."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes | None
    status: int | None


def concerned_keys(spec: Spec, exchange: Exchange, auth_id: str) -> set[str]:
    """The keys of `x-decisions` and `x-limits` this exchange has to do with.

    `auth_id` is the run's own (the path's auth_id is compared with it: the Authorization
    header of a recorded case is sanitised away).
    """
    keys: set[str] = set()
    headers = {name.lower(): value for name, value in exchange.headers.items()}
    split = urlsplit(exchange.url)
    limits = spec.limits
    if isinstance(limits.get("target-bytes"), int):
        target = split.path + (f"?{split.query}" if split.query else "")
        if len(target.encode()) > limits["target-bytes"]:
            keys |= {"request-limits", "target-bytes"}
    if isinstance(limits.get("header-bytes"), int) and any(
        len(f"{name}: {value}".encode()) > limits["header-bytes"]
        for name, value in exchange.headers.items()
    ):
        keys |= {"request-limits", "header-bytes"}
    operation = spec.operation_for(exchange.method, split.path)
    if operation is None:
        return keys
    if exchange.status is not None and exchange.status == _status_or_none(
        operation, "TooManyRequests"
    ):
        keys.update(_RATE_KEYS)
    keys |= _path_keys(spec, operation.path, split.path, auth_id)
    if operation.operation_id != spec.send.operation_id:
        return keys
    raw = exchange.body or b""
    # Refused before the body is read (413, 415): what is in it is not at stake.
    if len(raw) > spec.body_limit:
        return keys | {"body-limit", "body-bytes"}
    media_type = headers.get("content-type", "").split(";")[0].strip().lower()
    encoding = headers.get("content-encoding", "identity").strip().lower()
    if media_type != spec.request_media_type or encoding not in ("", "identity"):
        return keys | {"content-type"}
    try:
        body = spec.strict_json(raw)
    except NotStrictJson:
        return keys | {"json-body"}
    validator = spec.validator("components/schemas/SendDigitsRequest")
    errors = list(validator.iter_errors(body)) if isinstance(body, dict) else []
    for error in errors:
        keys |= _schema_error_keys(error)
    if isinstance(body, dict) and not errors:
        known = spec.schema_at("components/schemas/SendDigitsRequest").get("properties", {})
        if set(body) - set(known):
            keys.add("unknown-fields")
        if body.get("leg", spec.default_leg) == spec.other_leg:
            keys.add("bleg-without-bridge")
        if exchange.status == operation.success:
            keys.add("async-status")
    return keys


def _schema_error_keys(error: jsonschema_rs.ValidationError) -> set[str]:
    path = list(error.instance_path)
    name = str(path[0]) if path else ""
    kind = error.kind.name
    found = set(_SCHEMA_ERRORS.get((name, kind), ()))
    if kind == "pattern":
        found.add("patterns")
    return found


def _status_or_none(operation: Operation, component: str) -> int | None:
    try:
        return operation.status_of(component)
    except SpecError:  # the operation documents no such response
        return None


def _path_keys(spec: Spec, template: str, path: str, auth_id: str) -> set[str]:
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    found = re.fullmatch(pattern, path)
    keys: set[str] = set()
    if found is None:
        return keys
    for name, value in found.groupdict().items():
        value = unquote(value)
        if name in ("auth_id", "call_uuid") and not spec.valid_path_param(name, value):
            keys.add("patterns")
        if name == "auth_id" and value != auth_id:
            keys.add("auth-id-mismatch")
    return keys


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
    concerned: Mapping[str, set[str]] | None = None,
) -> list[DecisionOutcome]:
    """Per key of the spec: which probes covered it in this run and what they found.

    `concerned`: per failed check, the keys its failing cases have to do with (see
    `concerned_keys`); a failed check not in it counts against every decision listing it.
    """
    concerned = concerned or {}
    results = {p.name: p.outcome for p in probes}
    concerns = {p.name: set(p.concerns) for p in probes if p.outcome == "failed" and p.concerns}
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
            # A failure about other decisions: the probe got past what it checks of this one.
            ran = {
                name: "passed" if key not in concerns.get(name, {key}) else outcome
                for name, outcome in ran.items()
            }
            checks = coverage.checks if checks_ran else ()
            violating = {
                check
                for check in set(checks) & failed_checks
                if check not in concerned or key in concerned[check]
            }
            verdict: Verdict
            if "failed" in ran.values() or violating:
                verdict = "violated"
            elif "passed" in ran.values():
                verdict = "kept"
            else:
                verdict = "not run"
            found.append(DecisionOutcome(key, kind, verdict, ran, checks, violated_by=violating))
    return found
