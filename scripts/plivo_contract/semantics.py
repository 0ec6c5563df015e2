"""What a provider must answer to a valid request on the live call the suite pinned.

Schemathesis' own `positive_data_acceptance` tolerates 404 for valid data (the resource may
not exist), which hides a provider that rejects `leg=bleg` on a bridged call. The suite knows
more: it pinned a live call and, when it could find out, whether that call has a bridged
b-leg. This module turns that knowledge into the statuses a valid request may get, read from
the spec; the schemathesis hooks and the in-process tests both use it.
"""

from __future__ import annotations

import base64
import hmac
import json
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from plivo_mock.expectations import RequestFacts, for_spec

from .spec import NotStrictJson, Spec

Bleg = Literal["bridged", "unbridged", "unknown"]
BLEG_CHOICES: tuple[Bleg, ...] = ("bridged", "unbridged", "unknown")


def parse_bleg(value: str) -> Bleg | None:
    """The b-leg knowledge named by `value`, or None when it names none."""
    for choice in BLEG_CHOICES:
        if value == choice:
            return choice
    return None


@dataclass(frozen=True, slots=True)
class LiveCall:
    """The account and live call a run is pinned to, and what is known about its b-leg."""

    auth_id: str
    auth_token: str
    call_uuid: str
    bleg: Bleg

    def __repr__(self) -> str:  # never show the token
        return (
            f"LiveCall(auth_id={self.auth_id!r}, call_uuid={self.call_uuid!r}, bleg={self.bleg!r})"
        )

    def owns_credentials(self, authorization: str | None) -> bool:
        expected = (
            "Basic " + base64.b64encode(f"{self.auth_id}:{self.auth_token}".encode()).decode()
        )
        return authorization is not None and hmac.compare_digest(authorization, expected)


def decode_json(body: bytes | str | None) -> Any:
    if body is None:
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


def _raw(body: bytes | str | None) -> bytes | None:
    return body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body


def decode_strict(body: bytes | str | None) -> Any:
    """The body as the spec's json-body decision reads it; None when it rejects it."""
    raw = _raw(body)
    if raw is None:
        return None
    try:
        return Spec.strict_json(raw)
    except NotStrictJson:
        return None


def _pinned_path(spec: Spec, call: LiveCall, operation_id: str) -> str:
    operation = spec.operations[operation_id]
    return urlsplit(operation.url("http://x", auth_id=call.auth_id, call_uuid=call.call_uuid)).path


def sent_request_is_valid(
    spec: Spec,
    call: LiveCall,
    *,
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes | str | None,
) -> bool:
    """Whether what went over the wire is valid per the spec for the pinned account and call.

    Schemathesis labels a case negative by what it generated; pinned parameters and the
    configured credentials may then overwrite the invalid part, and the request it sends is
    valid after all. Rejection is not owed to such a request.
    """
    split = urlsplit(url)
    lowered = {name.lower(): value for name, value in headers.items()}
    if not call.owns_credentials(lowered.get("authorization")):
        return False
    listing = spec.list_calls
    if method.upper() == listing.method and split.path == _pinned_path(
        spec, call, listing.operation_id
    ):
        query = parse_qs(split.query, keep_blank_values=True)
        return spec.valid_query(listing, query)
    return (
        expected_statuses(spec, call, method=method, url=url, headers=headers, body=body)
        is not None
    )


def expected_statuses(
    spec: Spec,
    call: LiveCall,
    *,
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes | str | None,
) -> frozenset[int] | None:
    """Statuses allowed for this request, or None when it is not a valid one on the pinned call."""
    send = spec.send
    if method.upper() != send.method:
        return None
    split = urlsplit(url)
    if split.path != _pinned_path(spec, call, send.operation_id) or split.query:
        return None
    lowered = {name.lower(): value for name, value in headers.items()}
    if not call.owns_credentials(lowered.get("authorization")):
        return None
    document = decode_strict(body)
    if not spec.valid_body(document):
        return None
    throttled = send.status_of("TooManyRequests")
    # The spec's order of checks, shared with the mock's proxy (plivo_mock.expectations).
    problem = (
        for_spec(spec.path)
        .expect(RequestFacts.sent(method, url, headers, _raw(body) or b""))
        .problem
    )
    if problem is not None:
        if problem.rule == "body-limit":
            # body-limit decision: answered 413 before it is parsed, however valid it is.
            return frozenset({send.status_of("PayloadTooLarge"), throttled})
        return None
    accepted = send.success
    not_found = send.status_of("NotFound")
    leg = document.get("leg", spec.default_leg)
    if leg != spec.other_leg or call.bleg == "bridged":
        return frozenset({accepted, throttled})
    if call.bleg == "unbridged":
        return frozenset({not_found, throttled})
    return frozenset({accepted, not_found, throttled})


def request_facts(response: Any) -> dict[str, Any]:
    """Method, URL, headers and body of what schemathesis actually sent for `response`."""
    request = response.request
    return {
        "method": request.method or "",
        "url": request.url or "",
        "headers": dict(request.headers),
        "body": request.body,
    }


def live_call_violation(spec: Spec, call: LiveCall, response: Any) -> str | None:
    """Why the answer to a valid request on the pinned call breaks the contract, if it does."""
    allowed = expected_statuses(spec, call, **request_facts(response))
    if allowed is None or response.status_code in allowed:
        return None
    return (
        f"A valid request on live call {call.call_uuid} (b-leg {call.bleg}) got "
        f"{response.status_code}; the spec allows {sorted(allowed)}"
    )


def answer_case_violation(spec: Spec, response: Any) -> str | None:
    """Why a sendDigits answer is not the one `x-cases` gives its request (the async message).

    Only a valid request has an answer case: an invalid one is owed a 4xx, whatever it looks
    like (an accepted `"callback_url": null` is negative_data_rejection's finding, not a
    wrong async message).
    """
    facts = request_facts(response)
    operation = spec.operation_for(facts["method"], urlsplit(facts["url"]).path)
    if operation is None:
        return None
    if operation.operation_id == spec.send.operation_id:
        headers = {name.lower(): value for name, value in facts["headers"].items()}
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        raw = _raw(facts["body"])
        if media_type != spec.request_media_type or not spec.accepts_raw_body(raw):
            return None
        if raw is not None and len(raw) > spec.body_limit:
            return None
    return spec.case_violation(
        operation, response.status_code, decode_strict(facts["body"]), decode_json(response.content)
    )


def is_false_rejection_failure(spec: Spec, call: LiveCall, failure: Any, response: Any) -> bool:
    """A "negative data accepted" failure whose request, as sent, was valid after all."""
    if "negative_data_rejection" not in getattr(failure, "checks", ()):
        return False
    return sent_request_is_valid(spec, call, **request_facts(response))
