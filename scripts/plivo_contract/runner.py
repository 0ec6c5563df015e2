"""`make contract`: schemathesis and the probes against one provider, then one verdict.

Exit 0 when the provider keeps the contract, 1 when it breaks it (a check or a probe failed,
or it dropped connections), 2 when the run itself could not do its job (configuration, spec,
unreachable provider, refused credentials, request budget spent before the end).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from . import decisions as decision_module
from . import families
from . import probes as probe_module
from . import settings as settings_module
from . import states as states_module
from .provider import Budget, BudgetExhausted, MockControl, Provider, ProviderError, RateLimited
from .report import (
    EXIT_ERROR,
    FuzzResult,
    RunSummary,
    read_fuzz_result,
    render_text,
    write_html,
    write_probes_junit,
    write_summary_json,
)
from .semantics import Bleg, LiveCall
from .settings import ConfigError, Settings
from .spec import SPEC_ENV, Spec, SpecError
from .states import StateError

CONFIG_PATH = Path(__file__).resolve().parent / "schemathesis.toml"
# Requests kept back from schemathesis for the probes (a family sends tens, the others a few).
PROBE_RESERVE = 300


def st_own_requests(spec: Spec) -> int:
    """At most this many requests `st` sends outside the hooks, so never counted by them: its
    start-up capability probe (GET /schemathesis-probe...) and, once per secured operation,
    the ignored_auth check's resend without and with invalid credentials."""
    return 1 + 2 * len(spec.operations)


_ST_OUTPUTS = (
    "schemathesis.json",
    "schemathesis.ndjson",
    "schemathesis-junit.xml",
    "hook-stats.json",
    "probes-junit.xml",
    "summary.json",
    "index.html",
)


@dataclass
class Setup:
    """The live call a run is pinned to, and what else discovery found or made."""

    call: LiveCall
    source: str
    kind: str
    mock: MockControl | None = None
    bridged_call: str | None = None
    unbridged_call: str | None = None
    hung_up_call: str | None = None
    other_account_call: str | None = None
    created: list[tuple[MockControl, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    states_hook: states_module.StateHook | None = None
    states_made: dict[str, dict[str, str]] = field(default_factory=dict)


# Setup attribute per provider state (states.STATES).
_STATE_ATTRIBUTES = {
    "bridged_call": "bridged_call",
    "unbridged_call": "unbridged_call",
    "hung_up_call": "hung_up_call",
    "other_account_call": "other_account_call",
}


def given_calls(settings: Settings) -> dict[str, str]:
    """The calls the user pinned by hand, by provider state."""
    pinned = {
        "bridged_call": settings.bridged_call_uuid,
        "unbridged_call": settings.unbridged_call_uuid,
        "hung_up_call": settings.hung_up_call_uuid,
        "other_account_call": settings.other_call_uuid,
    }
    return {state: uuid for state, uuid in pinned.items() if uuid is not None}


def discover(settings: Settings, spec: Spec, provider: Provider) -> Setup:
    notes: list[str] = []
    given = given_calls(settings)
    hook: states_module.StateHook | None = None
    made: dict[str, dict[str, str]] = {}
    if settings.states is not None:
        # The team's setup makes the calls not pinned by hand, before anything is sent.
        hook = states_module.load(settings.states)
        wanted = tuple(state for state in states_module.STATES if state not in given)
        made = states_module.set_up(hook, wanted, settings.base_url, settings.auth_id)
        given = {**{state: m["call_uuid"] for state, m in made.items()}, **given}
        notes += [
            f"the states hook made no {state.replace('_', ' ')}"
            for state in wanted
            if state not in made
        ]
    setup = _discover(settings, provider, given, notes, _pinned(settings, given, made))
    setup.states_hook, setup.states_made = hook, made
    return setup


# The knob that pins each state's call, to name in an error.
_STATE_KNOBS = {
    "bridged_call": "BRIDGED_CALL_UUID",
    "unbridged_call": "UNBRIDGED_CALL_UUID",
    "hung_up_call": "HUNG_UP_CALL_UUID",
}


def _pinned(
    settings: Settings, given: dict[str, str], made: dict[str, dict[str, str]]
) -> list[tuple[str, str, bool]]:
    """(where it came from, call, whether it must be live) for each call of this account the
    run was given; another account's call cannot be listed with this account's credentials."""
    pinned = [("CALL_UUID", settings.call_uuid, True)] if settings.call_uuid else []
    by_hand = given_calls(settings)
    for state, knob in _STATE_KNOBS.items():
        call_uuid = given.get(state)
        if call_uuid is None:
            continue
        origin = knob if state in by_hand or state not in made else f"the states hook's {state}"
        pinned.append((origin, call_uuid, state != "hung_up_call"))
    return pinned


def check_pinned(listed: list[str], pinned: list[tuple[str, str, bool]], listing: str) -> None:
    """A pinned call that is not (or, hung up, still) live would make every probe on it a
    404 and every decision it tests a false violation: a configuration error instead."""
    live = set(listed)
    for origin, call_uuid, must_be_live in pinned:
        if must_be_live and call_uuid not in live:
            raise ConfigError(
                f"{origin}={call_uuid} is not a live call ({listing} does not list it): "
                "pin a live call or unset it"
            )
        if not must_be_live and call_uuid in live:
            raise ConfigError(
                f"{origin}={call_uuid} is still live ({listing} lists it): "
                "pin a call that has hung up or unset it"
            )


def _discover(
    settings: Settings,
    provider: Provider,
    given: dict[str, str],
    notes: list[str],
    pinned: list[tuple[str, str, bool]],
) -> Setup:
    listed = provider.live_calls()
    listing = provider.spec.list_calls
    check_pinned(listed, pinned, f"{listing.method} {listing.url('', auth_id=settings.auth_id)}")
    if provider.is_mock():
        mock = MockControl(provider, settings.auth_id, settings.auth_token)
        setup = Setup(
            call=_pin(settings, "unknown", ""), source="", kind="plivo-dtmf mock", mock=mock
        )
        # Reuse the mock's calls so that repeated runs do not fill it; hang up only new ones.
        for attribute, live, bleg in (
            ("bridged_call", True, True),
            ("unbridged_call", True, False),
            ("hung_up_call", False, False),
        ):
            if attribute in given:
                continue
            call_uuid, created = mock.find_or_create(live=live, bleg=bleg)
            setattr(setup, attribute, call_uuid)
            if created:
                setup.created.append((mock, call_uuid))
        other_id, other_token = settings.other_auth_id, settings.other_auth_token
        if "other_account_call" not in given and other_id and other_token:
            other = MockControl(provider, other_id, other_token)
            call_uuid, created = other.find_or_create(live=True, bleg=False)
            setup.other_account_call = call_uuid
            if created:
                setup.created.append((other, call_uuid))
        _given_calls(given, setup)
        if settings.call_uuid is not None:
            known = {c["call_uuid"]: c for c in mock.calls() if c.get("live")}
            pinned_bleg: Bleg = settings.call_bleg
            if settings.call_uuid in known:
                has_bleg = known[settings.call_uuid].get("bleg")
                pinned_bleg = "bridged" if has_bleg else "unbridged"
            setup.call = _pin(settings, pinned_bleg, settings.call_uuid)
            setup.source = "CALL_UUID"
        else:
            bridged = setup.bridged_call
            assert bridged is not None
            setup.call = _pin(settings, "bridged", bridged)
            setup.source = (
                "the bridged call of BRIDGED_CALL_UUID or the states hook"
                if "bridged_call" in given
                else "a bridged call, from the mock's control API"
            )
        setup.notes = notes
        return setup

    if settings.call_uuid is not None:
        call, source = _pin(settings, settings.call_bleg, settings.call_uuid), "CALL_UUID"
    elif "bridged_call" in given:
        call = _pin(settings, "bridged", given["bridged_call"])
        source = (
            "BRIDGED_CALL_UUID"
            if settings.bridged_call_uuid is not None
            else "the bridged call the states hook made"
        )
    elif listed:
        call, source = _pin(settings, settings.call_bleg, listed[0]), "first listed live call"
    elif settings.mode == "negative-only":
        call = _pin(settings, "unknown", "00000000-0000-4000-8000-000000000000")
        source = "no live call: a placeholder UUID"
        notes.append("no live call was listed; most requests will be 404 and hide bugs")
    else:
        raise ConfigError(
            "the provider lists no live call: start one, pass CALL_UUID=..., or give a states "
            "hook (CONTRACT_STATES) that makes one"
        )
    setup = Setup(call=call, source=source, kind="provider", notes=notes)
    setup.bridged_call = call.call_uuid if call.bleg == "bridged" else None
    setup.unbridged_call = call.call_uuid if call.bleg == "unbridged" else None
    _given_calls(given, setup)
    return setup


def _given_calls(given: dict[str, str], setup: Setup) -> None:
    """The calls the user named or the states hook made override whatever discovery found."""
    for state, call_uuid in given.items():
        setattr(setup, _STATE_ATTRIBUTES[state], call_uuid)


def _pin(settings: Settings, bleg: Bleg, call_uuid: str) -> LiveCall:
    return LiveCall(settings.auth_id, settings.auth_token, call_uuid, bleg)


def _st_command() -> list[str]:
    st = Path(sys.executable).parent / "st"
    return [str(st)] if st.exists() else [sys.executable, "-m", "schemathesis.cli"]


def run_schemathesis(settings: Settings, setup: Setup, budget: int, spec: Spec) -> FuzzResult:
    callback = "keep" if setup.mock is not None else (settings.callback_url or "drop")
    env = {
        **os.environ,
        "BASE_URL": settings.base_url,
        "PLIVO_AUTH_ID": settings.auth_id,
        "PLIVO_AUTH_TOKEN": settings.auth_token,
        "CALL_UUID": setup.call.call_uuid,
        "CALL_BLEG": setup.call.bleg,
        "CONTRACT_CALL_BLEG": setup.call.bleg,
        "CONTRACT_RATE_LIMIT": settings.rate_limit,
        "CONTRACT_REPORT_DIR": str(settings.report_dir),
        "CONTRACT_HOOK_BUDGET": str(budget),
        "CONTRACT_HOOK_STATS": str(settings.report_dir / "hook-stats.json"),
        "CONTRACT_NEGATIVE_ONLY": "1" if settings.mode == "negative-only" else "0",
        "CONTRACT_CALLBACK": callback,
        SPEC_ENV: str(spec.path),
    }
    command = [
        *_st_command(),
        "--config-file",
        str(CONFIG_PATH),
        "run",
        str(spec.path),
        "--mode",
        "all" if settings.mode == "full" else "negative",
        "--phases",
        ",".join(settings.phases),
        "--seed",
        str(settings.seed),
        "--max-examples",
        str(settings.max_examples),
    ]
    if settings.max_time is not None:
        command += ["--max-time", str(settings.max_time)]
    print(f"contract: {' '.join(command[1:])}", flush=True)
    # st's own progress goes straight to the terminal.
    completed = subprocess.run(command, env=env, check=False)
    return read_fuzz_result(settings.report_dir, completed.returncode)


def concerned_by_check(spec: Spec, fuzz: FuzzResult | None, auth_id: str) -> dict[str, set[str]]:
    """Per failed check, the decisions its failing cases have to do with."""
    concerned: dict[str, set[str]] = {}
    for failure in fuzz.check_failures if fuzz is not None else []:
        exchange = decision_module.Exchange(
            failure.method, failure.url, failure.headers, failure.body, failure.status
        )
        keys = decision_module.concerned_keys(spec, exchange, auth_id)
        concerned.setdefault(failure.check, set()).update(keys)
    return concerned


def reproduce_failures(provider: Provider, fuzz: FuzzResult, report_dir: Path) -> None:
    """A runnable curl line for each failed schemathesis case (its own say `[Filtered]`).

    The sanitised Authorization is the run's own (schemathesis sends the configured
    credentials); for ignored_auth the point is a request the provider should have refused,
    so its line sends none.
    """
    for index, failure in enumerate(fuzz.check_failures):
        headers = {k: v for k, v in failure.headers.items() if k.lower() != "authorization"}
        if failure.check != "ignored_auth" and len(headers) < len(failure.headers):
            headers["Authorization"] = provider.authorization
        request = httpx.Request(
            failure.method or "GET", failure.url, headers=headers, content=failure.body
        )
        body_file = report_dir / "requests" / f"schemathesis-{index}-{failure.check}.body"
        failure.reproduce = probe_module.reproduction(provider, request, body_file)


def _clean(report_dir: Path) -> None:
    report_dir.mkdir(parents=True, exist_ok=True)
    for name in _ST_OUTPUTS:
        (report_dir / name).unlink(missing_ok=True)
    shutil.rmtree(report_dir / "schemathesis-html", ignore_errors=True)


def main() -> int:
    started = time.monotonic()
    try:
        spec = Spec()
        settings = settings_module.from_environ(
            probe_names=tuple(probe_module.PROBES), spec_rate=spec.rate_limit
        )
    except (SpecError, ConfigError) as exc:
        print(f"contract: configuration error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    _clean(settings.report_dir)
    budget = Budget(settings.budget)
    provider = Provider(
        spec,
        settings.base_url,
        settings.auth_id,
        settings.auth_token,
        budget=budget,
        rate_per_second=settings.rate_per_second,
    )
    # Every answer from here on is judged by the credential and api_id families.
    families.watch(provider)
    try:
        return _run(settings, spec, provider, started)
    except KeyboardInterrupt:
        print("contract: interrupted", file=sys.stderr)
        return 130
    finally:
        provider.close()


def _run(settings: Settings, spec: Spec, provider: Provider, started: float) -> int:
    try:
        setup = discover(settings, spec, provider)
    except (ProviderError, ConfigError, BudgetExhausted, RateLimited, StateError) as exc:
        print(f"contract: cannot test {settings.base_url}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print(
        f"contract: {settings.base_url} ({setup.kind}), mode {settings.mode}, "
        f"live call {setup.call.call_uuid} ({setup.source}; b-leg {setup.call.bleg})",
        flush=True,
    )
    try:
        fuzz: FuzzResult | None = None
        if settings.phases:
            own = st_own_requests(spec)
            rate_probes = len(probe_module.RATE_PROBES) * (settings.rate_limit_probe or (0, 0))[0]
            reserve = PROBE_RESERVE + own + rate_probes
            share = max(provider.budget.left - reserve, 1)
            fuzz = run_schemathesis(settings, setup, share, spec)
            reproduce_failures(provider, fuzz, settings.report_dir)
            sent = int(fuzz.hook_stats.get("sent", 0)) + own
            provider.budget.spent = min(provider.budget.spent + sent, provider.budget.limit)
        context = probe_module.ProbeContext(
            spec=spec,
            provider=provider,
            call=setup.call,
            negative_only=settings.mode == "negative-only",
            mock=setup.mock,
            bridged_call=setup.bridged_call,
            unbridged_call=setup.unbridged_call,
            hung_up_call=setup.hung_up_call,
            other_account_call=setup.other_account_call,
            rate_limit_probe=settings.rate_limit_probe,
            callback_url=settings.callback_url
            or (f"{settings.base_url}/__contract__/callback" if setup.mock is not None else None),
            given_callback_url=settings.callback_url,
            report_dir=settings.report_dir,
        )
        names = settings.probes
        if names is None:
            # Opt-in probes run when named; the rate probe also when its limit is given.
            names = tuple(
                n
                for n in probe_module.PROBES
                if n not in probe_module.OPT_IN
                or (n in probe_module.RATE_PROBES and settings.rate_limit_probe is not None)
            )
        results = probe_module.run_all(context, names)
    finally:
        if setup.states_hook is not None:
            setup.notes += states_module.tear_down(
                setup.states_hook, setup.states_made, settings.base_url, settings.auth_id
            )
        for control, call_uuid in setup.created:
            try:
                control.hang_up(call_uuid)
            except (ProviderError, BudgetExhausted, RateLimited, OSError):
                setup.notes.append(f"could not hang up {call_uuid} on the mock")
    summary = RunSummary(
        base_url=settings.base_url,
        auth_id=settings.auth_id,
        mode=settings.mode,
        provider_kind=setup.kind,
        call_uuid=setup.call.call_uuid,
        call_source=setup.source,
        call_bleg=setup.call.bleg,
        seed=settings.seed,
        phases=list(settings.phases),
        fuzz=fuzz,
        probes=results,
        requests=provider.budget.spent,
        budget=provider.budget.limit,
        seconds=time.monotonic() - started,
        notes=setup.notes,
        hook_states=sorted(setup.states_made),
    )
    unsent = int(fuzz.hook_stats.get("over_budget", 0)) if fuzz is not None else 0
    if unsent or provider.budget.exhausted:
        summary.budget_exhausted = True
        summary.notes.append(
            f"the request budget ran out ({unsent} schemathesis case(s) and "
            f"{sum(p.detail.startswith('request budget') for p in results)} probe(s) not sent): "
            "raise CONTRACT_BUDGET or lower CONTRACT_MAX_EXAMPLES"
        )
    summary.decisions = decision_module.outcomes(
        list(spec.decisions),
        list(spec.limits),
        results,
        set(fuzz.failed_checks) if fuzz is not None else set(),
        checks_ran=fuzz is not None,
        concerned=concerned_by_check(spec, fuzz, settings.auth_id),
    )
    summary.exit_code = summary.verdict()
    if fuzz is None and not any(p.outcome in ("passed", "failed") for p in results):
        # Every probe named was skipped: a PASS would say nothing about the provider.
        summary.exit_code = EXIT_ERROR
        summary.notes.append(
            "nothing was tested: no schemathesis phase ran and every probe was skipped "
            "(see the skip reasons; CONTRACT_PHASES, CONTRACT_PROBES)"
        )
    write_probes_junit(settings.report_dir / "probes-junit.xml", results)
    write_html(settings.report_dir / "index.html", summary)
    write_summary_json(settings.report_dir / "summary.json", summary)
    print(render_text(summary, settings.report_dir), flush=True)
    return summary.exit_code
