"""The probe families derived from the spec (nearmiss.py), one probe at a time, in-process.

Each probe runs against the real mock on a loopback socket, behind a recorder, through the
same Provider and ProbeContext the runner builds: it passes on the correct mock, and in
negative-only mode every body it sends to the DTMF path is one the spec rejects (and the
mock records no digits). The mutants that each family catches are in test_mutants.py.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from plivo_contract import nearmiss, semantics
from plivo_contract.probes import PROBES, TIMEOUT_GRACE_S, ProbeContext, ProbeResult, run_probe
from plivo_contract.provider import Budget, MockControl, Provider, RateLimited, basic_auth
from plivo_contract.runner import CONFIG_PATH
from plivo_contract.semantics import LiveCall
from plivo_contract.spec import Spec, load
from plivo_mock.config import BRIDGED_CALL_UUID, EMBEDDED_ACCOUNT, UNBRIDGED_CALL_UUID

from .conftest import Recording, mock_config
from .mutants import ASGIApp, Receive, Scope, Send, build_app, serve

SPEC = load()
FAMILIES = {
    "patterns": sorted(name for name in PROBES if name.startswith("near_miss_")),
    "credentials": sorted(name for name in PROBES if name.startswith("credentials_")),
    "json": sorted(name for name in PROBES if name.startswith("json_")),
    "answer cases": ["async_answer", "sync_answer"],
    # families.py: one per input channel (the opt-in rate_limit_spread is in test_mutants).
    "channels": [
        "enum_variants",
        "field_name_variants",
        "methods_every_path",
        "content_type_near_misses",
        "pattern_boundaries",
        "body_limit_framings",
        "request_limits_at_boundary",
        "error_answers_hide_credentials",
        "error_answers_plivo_shaped",
        "api_ids_distinct",
    ],
}
FAMILY_PROBES = [(family, name) for family, names in FAMILIES.items() for name in names]


@dataclass
class Served:
    url: str
    recording: Recording


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    recording = Recording(build_app(None, mock_config()))
    with serve(recording) as url:
        yield Served(url, recording)


def _context(url: str, *, negative_only: bool, spec: Spec = SPEC) -> tuple[ProbeContext, Provider]:
    provider = Provider(
        SPEC,
        url,
        EMBEDDED_ACCOUNT.auth_id,
        EMBEDDED_ACCOUNT.auth_token,
        budget=Budget(10_000),
        rate_per_second=0,
    )
    context = ProbeContext(
        spec=spec,
        provider=provider,
        call=LiveCall(
            EMBEDDED_ACCOUNT.auth_id, EMBEDDED_ACCOUNT.auth_token, BRIDGED_CALL_UUID, "bridged"
        ),
        negative_only=negative_only,
        mock=MockControl(provider, EMBEDDED_ACCOUNT.auth_id, EMBEDDED_ACCOUNT.auth_token),
        bridged_call=BRIDGED_CALL_UUID,
        unbridged_call=UNBRIDGED_CALL_UUID,
        callback_url=f"{url}/__contract__/callback",
    )
    return context, provider


def _events(provider: Provider) -> int:
    control = MockControl(provider, EMBEDDED_ACCOUNT.auth_id, EMBEDDED_ACCOUNT.auth_token)
    return sum(len(control.events(call["call_uuid"])) for call in control.calls())


def test_every_family_has_probes() -> None:
    assert all(FAMILIES.values()), FAMILIES
    # One probe per string the spec constrains with a pattern, body and path.
    assert len(FAMILIES["patterns"]) == len(SPEC.pattern_targets()) >= 4


@pytest.mark.parametrize(("family", "name"), FAMILY_PROBES)
def test_family_probe_passes_on_the_correct_mock(family: str, name: str, served: Served) -> None:
    context, provider = _context(served.url, negative_only=False)
    with provider:
        result = run_probe(context, PROBES[name])
    assert result.outcome == "passed", result.detail
    assert result.requests >= 1


@pytest.mark.parametrize(("family", "name"), FAMILY_PROBES)
def test_family_probe_sends_only_rejected_bodies_in_negative_only_mode(
    family: str, name: str, served: Served
) -> None:
    context, provider = _context(served.url, negative_only=True)
    dtmf = SPEC.send.url("", auth_id=EMBEDDED_ACCOUNT.auth_id, call_uuid="x").split("/Call/")[0]
    with provider:
        before_events = _events(provider)
        start = len(served.recording.requests)
        result = run_probe(context, PROBES[name])
        sent = served.recording.requests[start:]
        after_events = _events(provider)
    bodies = [
        body
        for method, path, body in sent
        if path.startswith(dtmf) and path.endswith("/DTMF/") and method == SPEC.send.method
    ]
    assert not [b for b in bodies if SPEC.accepts_raw_body(b)], "a body the spec accepts was sent"
    assert after_events == before_events, "digits reached a call in negative-only mode"
    if family == "answer cases":
        assert result.outcome == "skipped" and "negative-only" in result.detail
    else:
        assert result.outcome == "passed", result.detail


def test_pattern_near_misses_are_one_step_from_a_spec_example() -> None:
    digits = next(t for t in SPEC.pattern_targets() if t.name == "digits")
    made = dict((value, label) for label, value in nearmiss.string_near_misses(digits.examples))
    first = digits.examples[0]
    for expected in (" " + first, first + "\n", first + " ", "\t" + first):
        assert expected in made
    assert any("\u200b" in value for value in made)
    assert any("\uff10" <= char <= "\uff19" for value in made for char in value)
    assert any("\u0660" <= char <= "\u0669" for value in made for char in value)
    # Every letter of every example flipped: the spec's own A-D example gives a lower-case one.
    lowered = [v for v in made if v.lower() != v.upper() and any(c in "abcd" for c in v)]
    assert lowered
    assert not set(digits.examples) & set(made)
    assert not [v for v in made if SPEC.valid_digits(v) and v.strip() != v]


def test_json_near_misses_are_all_rejected_by_the_json_body_decision() -> None:
    made = nearmiss.json_near_misses({"digits": "1"})
    assert set(made) == set(nearmiss.JSON_LABELS)
    assert [key for key, raw in made.items() if SPEC.accepts_raw_body(raw)] == []
    # ...and each is rejected only for its JSON: Python's lenient reading is a valid body.
    lenient_valid = {
        key for key, raw in made.items() if SPEC.valid_body(semantics.decode_json(raw))
    }
    assert {"nan", "infinity", "negative_infinity", "bom", "lone_surrogate"} <= lenient_valid


def test_credential_near_misses_differ_from_the_right_credentials() -> None:
    made = nearmiss.credential_near_misses(EMBEDDED_ACCOUNT.auth_id, EMBEDDED_ACCOUNT.auth_token)
    assert set(made) == set(nearmiss.CREDENTIAL_LABELS)
    assert basic_auth(EMBEDDED_ACCOUNT.auth_id, EMBEDDED_ACCOUNT.auth_token) not in made.values()
    assert len(set(made.values())) == len(made)


class _Throttled:
    """Answers 429 (Retry-After: 1) to the first `limited` requests, then passes them on."""

    def __init__(self, app: ASGIApp, limited: int) -> None:
        self.app = app
        self.limited = limited
        self.seen = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/__mock__"):
            await self.app(scope, receive, send)
            return
        self.seen += 1
        if self.seen > self.limited:
            await self.app(scope, receive, send)
            return
        body = json.dumps({"api_id": "7e8b4d5e-58c0-11e1-86da-adf28403fe48", "error": "slow"})
        headers = [(b"content-type", b"application/json"), (b"retry-after", b"1")]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": body.encode()})


def test_a_429_is_retried_after_retry_after() -> None:
    throttled = _Throttled(build_app(None, mock_config()), limited=1)
    with serve(throttled) as url:
        context, provider = _context(url, negative_only=False)
        with provider:
            started = time.monotonic()
            result = run_probe(context, PROBES["digits_empty"])
            waited = time.monotonic() - started
    assert result.outcome == "passed", result.detail
    assert throttled.seen == 2 and result.requests == 2
    assert waited >= 1.0  # it waited as Retry-After said before the second try


def test_a_probe_still_throttled_after_the_retries_is_skipped_not_failed() -> None:
    throttled = _Throttled(build_app(None, mock_config()), limited=1_000)
    with serve(throttled) as url:
        context, provider = _context(url, negative_only=False)
        with provider:
            with pytest.raises(RateLimited):
                provider.send("GET", context.list_path())
            result = run_probe(context, PROBES["digits_empty"])
    assert result.outcome == "skipped"
    assert result.detail.startswith("rate-limited:")


def test_a_valid_body_over_the_size_limit_may_be_answered_413() -> None:
    """Schema-valid (unknown fields are allowed) yet over x-limits.body-bytes."""
    call = LiveCall(
        EMBEDDED_ACCOUNT.auth_id, EMBEDDED_ACCOUNT.auth_token, BRIDGED_CALL_UUID, "bridged"
    )
    body = json.dumps({"digits": "1", "pad": "x" * SPEC.body_limit}).encode()
    assert SPEC.accepts_raw_body(body)
    url = SPEC.send.url("http://127.0.0.1", auth_id=call.auth_id, call_uuid=call.call_uuid)
    headers = {
        "Content-Type": SPEC.request_media_type,
        "Authorization": basic_auth(call.auth_id, call.auth_token),
    }
    allowed = semantics.expected_statuses(
        SPEC, call, method=SPEC.send.method, url=url, headers=headers, body=body
    )
    too_large, throttled = (SPEC.send.status_of(n) for n in ("PayloadTooLarge", "TooManyRequests"))
    assert allowed == frozenset({too_large, throttled})
    small = semantics.expected_statuses(
        SPEC, call, method=SPEC.send.method, url=url, headers=headers, body=b'{"digits": "1"}'
    )
    assert small is not None and SPEC.send.status_of("PayloadTooLarge") not in small
    # ...and schemathesis' own positive_data_acceptance lets the 413 through to that check.
    config = tomllib.loads(CONFIG_PATH.read_text("utf-8"))
    positive = config["checks"]["positive_data_acceptance"]["expected-statuses"]
    assert str(SPEC.send.status_of("PayloadTooLarge")) in positive


def test_the_body_timeout_probe_passes_on_the_mock() -> None:
    """Opt-in and slow (it waits for the mock's own deadline). No recorder in front: it would
    read the whole body before the mock, as the no-body-timeout mutant does."""
    with serve(build_app(None, mock_config())) as url:
        context, provider = _context(url, negative_only=False)
        with provider:
            result = run_probe(context, PROBES["body_timeout"])
    assert result.outcome == "passed", result.detail
    assert result.seconds >= SPEC.limits["body-timeout-seconds"] - 1


def _spec_with_head_timeout(tmp_path: Path, seconds: int) -> Spec:
    """The spec with another x-limits.head-timeout-seconds: the probe reads its limit there."""
    document = yaml.safe_load(SPEC.path.read_text("utf-8"))
    document["info"]["x-limits"]["head-timeout-seconds"] = seconds
    path = tmp_path / "head-timeout.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), "utf-8")
    return Spec(path)


def _head_probe(url: str, spec: Spec) -> ProbeResult:
    context, provider = _context(url, negative_only=False, spec=spec)
    with provider:
        return run_probe(context, PROBES["head_timeout"])


def test_the_head_timeout_probe_passes_on_the_mock(tmp_path: Path) -> None:
    """The mock and the spec both at 1 s (the spec's own 10 s is the no-head-timeout mutant's)."""
    spec = _spec_with_head_timeout(tmp_path, 1)
    with serve(build_app(None, mock_config()), protocol={"head_timeout_s": 1}) as url:
        result = _head_probe(url, spec)
    assert result.outcome == "passed", result.detail
    assert 1 <= result.seconds < 1 + TIMEOUT_GRACE_S


def test_the_head_timeout_probe_fails_a_head_cut_before_the_limit(tmp_path: Path) -> None:
    spec = _spec_with_head_timeout(tmp_path, 1)
    with serve(build_app(None, mock_config()), protocol={"head_timeout_s": 0.2}) as url:
        result = _head_probe(url, spec)
    assert result.outcome == "failed"
    assert "before the 1 s a head may take" in result.detail
    assert result.reproduce.startswith("curl -sS --max-time 6 -T <(printf %s $'POST ")


def test_the_head_timeout_probe_fails_a_close_without_the_400(tmp_path: Path) -> None:
    """A provider that drops a slow head without answering breaks the request-limits decision."""
    with socket.create_server(("127.0.0.1", 0)) as listener:

        def drop_after_the_first_bytes() -> None:
            connection, _ = listener.accept()
            with connection:
                connection.recv(4096)

        dropper = threading.Thread(target=drop_after_the_first_bytes, daemon=True)
        dropper.start()
        port = listener.getsockname()[1]
        result = _head_probe(f"http://127.0.0.1:{port}", _spec_with_head_timeout(tmp_path, 1))
        dropper.join(timeout=10)
    assert result.outcome == "failed"
    assert "without the 400" in result.detail


def test_a_plain_text_error_fails_the_shape_judge_and_not_the_credential_one() -> None:
    """Nothing leaks from the text-errors mutant: the credential judge passes, the shape one
    says what it found."""
    with serve(build_app("text-errors", mock_config())) as url:
        context, provider = _context(url, negative_only=False)
        with provider:
            shape = run_probe(context, PROBES["error_answers_plivo_shaped"])
            echo = run_probe(context, PROBES["error_answers_hide_credentials"])
    assert echo.outcome == "passed", echo.detail
    assert shape.outcome == "failed"
    assert "text/plain" in shape.detail and "not Plivo-shaped JSON" in shape.detail
