"""Reading what `st` wrote, writing the probes' reports, and the one-screen summary.

Files under the report directory (default `reports/contract/`):
`schemathesis-junit.xml`, `schemathesis-html/`, `schemathesis.json`, `schemathesis.ndjson`
(written by `st`), `probes-junit.xml`, `index.html` (both parts, linked) and `summary.json`
(the verdict, for scripts and the mutant tests).
"""

from __future__ import annotations

import base64
import html
import json
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

from .decisions import DecisionOutcome
from .probes import ProbeResult

# Errors the provider causes (it dropped the connection, timed out...): contract violations.
PROVIDER_ERRORS = frozenset(
    {"Network Error", "Unresponsive Operation", "Server Unavailable", "Unhealthy API"}
)
EXIT_PASS, EXIT_VIOLATED, EXIT_ERROR = 0, 1, 2
# Failed schemathesis cases listed in the printed summary; summary.json has all of them.
_LISTED_FAILURES = 10


@dataclass
class FuzzResult:
    """What one `st run` did, from its JSON report, NDJSON events and the hooks' counters."""

    exit_code: int
    cases: int = 0
    seconds: float = 0.0
    complete: bool = False
    failed_checks: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    hook_stats: dict[str, int] = field(default_factory=dict)
    ran: bool = True
    # schemathesis' own counts, as its summary prints them ("N found M unique failures").
    cases_with_failures: int = 0
    unique_failures: int = 0
    # "<code> <title>" -> count, from its JSON report's failures.
    failures: dict[str, int] = field(default_factory=dict)
    # Each failed (check, case), from the NDJSON events: what the report points at.
    check_failures: list[CheckFailure] = field(default_factory=list)

    @property
    def provider_errors(self) -> dict[str, int]:
        return {k: v for k, v in self.errors.items() if k in PROVIDER_ERRORS}

    @property
    def setup_errors(self) -> dict[str, int]:
        """Errors that are the suite's or the configuration's, not the provider's."""
        explained = self.hook_stats.get("over_budget", 0) + self.hook_stats.get(
            "refused_valid_bodies", 0
        )
        errors = {k: v for k, v in self.errors.items() if k not in PROVIDER_ERRORS}
        if explained and set(errors) <= {"Hook Error"}:
            return {}
        return errors


@dataclass
class CheckFailure:
    """One schemathesis check that failed on one case: what was sent, what came back.

    The Authorization value is whatever `st` recorded: `[Filtered]` (its sanitiser hides it).
    """

    check: str
    message: str
    method: str
    url: str
    headers: dict[str, str]
    body_base64: str | None
    status: int | None
    # A curl line that sends it again (the runner writes it; st's own say [Filtered]).
    reproduce: str = ""

    @property
    def body(self) -> bytes | None:
        return None if self.body_base64 is None else base64.b64decode(self.body_base64)


def _interaction_failure(check: dict[str, Any], interaction: dict[str, Any]) -> CheckFailure:
    request = interaction.get("request") or {}
    response = interaction.get("response") or {}
    headers = {
        name: (values[0] if isinstance(values, list) and values else str(values))
        for name, values in (request.get("headers") or {}).items()
    }
    body = request.get("body")
    failure = (check.get("failure_info") or {}).get("failure") or {}
    return CheckFailure(
        check=str(check["name"]),
        message=str(failure.get("message") or failure.get("title") or ""),
        method=str(request.get("method") or ""),
        url=str(request.get("uri") or ""),
        headers=headers,
        body_base64=body.get("$base64") if isinstance(body, dict) else None,
        status=response.get("status_code") if isinstance(response, dict) else None,
    )


def failures_from_ndjson(path: Path) -> list[CheckFailure]:
    """Every (check, case) that failed, with the exchange it failed on, once each."""
    found: dict[tuple[str, str], CheckFailure] = {}
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as events:
        for line in events:
            if '"ScenarioFinished"' not in line[:40]:
                continue
            recorder = json.loads(line)["ScenarioFinished"].get("recorder") or {}
            interactions = recorder.get("interactions") or {}
            for case_id, checks in (recorder.get("checks") or {}).items():
                for check in checks:
                    if check.get("status") != "failure" or (check["name"], case_id) in found:
                        continue
                    found[(check["name"], case_id)] = _interaction_failure(
                        check, interactions.get(case_id) or {}
                    )
    return list(found.values())


def read_fuzz_result(report_dir: Path, exit_code: int) -> FuzzResult:
    result = FuzzResult(exit_code=exit_code)
    document_path = report_dir / "schemathesis.json"
    if document_path.exists():
        document = json.loads(document_path.read_text(encoding="utf-8"))
        result.cases = int(document["test_cases"]["generated"])
        result.seconds = float(document.get("running_time") or 0.0)
        result.complete = bool(document.get("complete"))
        result.errors = {e["title"]: int(e["count"]) for e in document.get("errors", [])}
        counts = document["test_cases"]
        result.cases_with_failures = int(counts.get("with_failures") or 0)
        result.unique_failures = int(counts.get("unique_failures") or 0)
        result.failures = {
            f"{f.get('code', '')} {f['title']}".strip(): int(f["count"])
            for f in document.get("failures", [])
        }
    result.check_failures = failures_from_ndjson(report_dir / "schemathesis.ndjson")
    result.failed_checks = dict(Counter(failure.check for failure in result.check_failures))
    stats_path = report_dir / "hook-stats.json"
    if stats_path.exists():
        result.hook_stats = json.loads(stats_path.read_text(encoding="utf-8"))
    return result


@dataclass
class RunSummary:
    base_url: str
    auth_id: str
    mode: str
    provider_kind: str
    call_uuid: str
    call_source: str
    call_bleg: str
    seed: int
    phases: list[str]
    fuzz: FuzzResult | None
    probes: list[ProbeResult]
    requests: int
    budget: int
    seconds: float
    notes: list[str] = field(default_factory=list)
    exit_code: int = EXIT_PASS
    budget_exhausted: bool = False
    decisions: list[DecisionOutcome] = field(default_factory=list)
    # The provider states the states hook made: its teardown hung those calls up.
    hook_states: list[str] = field(default_factory=list)

    @property
    def probe_failures(self) -> list[ProbeResult]:
        return [p for p in self.probes if p.outcome == "failed"]

    @property
    def caught_by(self) -> list[str]:
        """Every check and probe that reported a violation, probes as `probe:<name>`."""
        caught = list(self.fuzz.failed_checks) if self.fuzz is not None else []
        caught += [f"error:{name}" for name in (self.fuzz.provider_errors if self.fuzz else {})]
        caught += [f"probe:{p.name}" for p in self.probe_failures]
        return caught

    def verdict(self) -> int:
        fuzz = self.fuzz
        violated = bool(self.probe_failures) or (
            fuzz is not None and bool(fuzz.failed_checks or fuzz.provider_errors)
        )
        if violated:
            return EXIT_VIOLATED
        if fuzz is not None and (fuzz.setup_errors or fuzz.exit_code not in (0, 1)):
            return EXIT_ERROR
        if self.budget_exhausted:
            return EXIT_ERROR
        return EXIT_PASS


def write_probes_junit(path: Path, probes: list[ProbeResult]) -> None:
    suite = ElementTree.Element(
        "testsuite",
        {
            "name": "contract-probes",
            "tests": str(len(probes)),
            "failures": str(sum(p.outcome == "failed" for p in probes)),
            "skipped": str(sum(p.outcome == "skipped" for p in probes)),
            "time": f"{sum(p.seconds for p in probes):.3f}",
        },
    )
    for result in probes:
        case = ElementTree.SubElement(
            suite,
            "testcase",
            {"classname": "probes", "name": result.name, "time": f"{result.seconds:.3f}"},
        )
        if result.outcome == "failed":
            ElementTree.SubElement(case, "failure", {"message": result.description}).text = (
                f"{result.detail}\nreproduce: {result.reproduce}"
                if result.reproduce
                else result.detail
            )
        elif result.outcome == "skipped":
            ElementTree.SubElement(case, "skipped", {"message": result.detail})
    suites = ElementTree.Element("testsuites")
    suites.append(suite)
    ElementTree.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)


def _row(*cells: object) -> str:
    return "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>"


def write_html(path: Path, summary: RunSummary) -> None:
    fuzz = summary.fuzz
    rows = [
        _row("provider", f"{summary.base_url} ({summary.provider_kind})"),
        _row("account", summary.auth_id),
        _row(
            "live call", f"{summary.call_uuid} ({summary.call_source}; b-leg {summary.call_bleg})"
        ),
        _row("mode", summary.mode),
        _row("seed", summary.seed),
        _row("requests", f"{summary.requests} of a budget of {summary.budget}"),
        _row("verdict", f"exit {summary.exit_code}"),
    ]
    checks = "".join(_row(n, c) for n, c in sorted((fuzz.failures if fuzz else {}).items()))
    cases = "".join(
        _row(f.check, f"{f.method} {f.url}", f.status, f.message, f.reproduce)
        for f in (fuzz.check_failures if fuzz else [])
    )
    failed_names = ", ".join(sorted(fuzz.failed_checks)) if fuzz else ""
    probes = "".join(
        _row(p.name, p.outcome, p.description, p.detail, p.reproduce, p.requests)
        for p in summary.probes
    )
    decisions = "".join(
        _row(
            f"{d.kind}.{d.key}",
            d.verdict,
            ", ".join(f"{name} ({outcome})" for name, outcome in d.probes.items()) or "-",
            ", ".join(d.checks) or "-",
            d.reason,
        )
        for d in summary.decisions
    )
    fuzz_line = (
        f"{fuzz.cases} cases in {fuzz.seconds:.1f} s, phases {', '.join(summary.phases)}; "
        f"{fuzz.cases_with_failures} found {fuzz.unique_failures} unique failures"
        + (f" (checks: {failed_names})" if failed_names else "")
        if fuzz is not None
        else "not run"
    )
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in summary.notes)
    path.write_text(
        f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Contract run</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td{{border:1px solid #ccc;padding:.3em;vertical-align:top}}</style></head><body>
<h1>Contract run: {"PASS" if summary.exit_code == 0 else "FAIL"}</h1>
<table>{"".join(rows)}</table><ul>{notes}</ul>
<h2>Schemathesis</h2><p>{html.escape(fuzz_line)}:
<a href="schemathesis-html/index.html">full report</a>,
<a href="schemathesis-junit.xml">JUnit XML</a></p>
<table><tr><th>failure</th><th>unique failures</th></tr>{checks}</table>
<p>Each failed case (schemathesis' own report hides the credentials, so its curl lines do not
run; these do, with PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN set):</p>
<table><tr><th>check</th><th>request</th><th>status</th><th>message</th><th>reproduce</th></tr>
{cases}</table>
<h2>Decisions of the spec</h2>
<p>Every key of <code>info.x-decisions</code> and <code>info.x-limits</code>: the probes and
checks that test it, and what they found in this run.</p>
<table><tr><th>decision</th><th>verdict</th><th>probes (outcome)</th><th>checks</th>
<th>why not observable</th></tr>{decisions}</table>
<h2>Probes</h2><p><a href="probes-junit.xml">JUnit XML</a></p>
<table><tr><th>probe</th><th>outcome</th><th>expects</th><th>detail</th><th>reproduce</th>
<th>requests</th></tr>
{probes}</table></body></html>
""",
        encoding="utf-8",
    )


def write_summary_json(path: Path, summary: RunSummary) -> None:
    document: dict[str, Any] = {
        "exit_code": summary.exit_code,
        "caught_by": summary.caught_by,
        "cases": summary.fuzz.cases if summary.fuzz else 0,
        "fuzz": asdict(summary.fuzz) if summary.fuzz else None,
        "probes": {p.name: p.outcome for p in summary.probes},
        "reproduce": {p.name: p.reproduce for p in summary.probes if p.reproduce},
        "schemathesis_failures": [
            {
                "check": f.check,
                "request": f"{f.method} {f.url}",
                "status": f.status,
                "message": f.message,
                "reproduce": f.reproduce,
            }
            for f in (summary.fuzz.check_failures if summary.fuzz else [])
        ],
        "decisions": {
            f"{d.kind}.{d.key}": {
                "verdict": d.verdict,
                "probes": d.probes,
                "checks": list(d.checks),
                "violated_by": sorted(d.violated_by),
                "reason": d.reason,
            }
            for d in summary.decisions
        },
        "requests": summary.requests,
        "budget": summary.budget,
        "budget_exhausted": summary.budget_exhausted,
        "seconds": round(summary.seconds, 3),
        "mode": summary.mode,
        "provider_kind": summary.provider_kind,
        "call_bleg": summary.call_bleg,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


# The summary is one screen: a line longer than this ends by saying where the rest is.
SUMMARY_WIDTH = 400
_LISTED_KEYS = 6


def _short(line: str, where: str) -> str:
    if len(line) <= SUMMARY_WIDTH:
        return line
    tail = f"... (in full in {where})"
    return line[: SUMMARY_WIDTH - len(tail)] + tail


def render_text(summary: RunSummary, report_dir: Path) -> str:
    """The one-screen summary printed at the end of a run."""
    fuzz = summary.fuzz
    lines = [
        "",
        "=" * 30 + " contract summary " + "=" * 30,
        f"provider   {summary.base_url} ({summary.provider_kind}), account {summary.auth_id}",
        f"live call  {summary.call_uuid} ({summary.call_source}; b-leg {summary.call_bleg})",
        f"mode       {summary.mode}, seed {summary.seed}, "
        f"{summary.requests} requests of a budget of {summary.budget}",
    ]
    if fuzz is None:
        lines.append("fuzzing    not run")
    else:
        rate = fuzz.cases / fuzz.seconds if fuzz.seconds else 0.0
        lines.append(
            f"fuzzing    {fuzz.cases} cases in {fuzz.seconds:.1f} s ({rate:.0f}/s), "
            f"phases {','.join(summary.phases)}, st exit {fuzz.exit_code}"
        )
        if fuzz.failures or fuzz.failed_checks:
            # The same counts as schemathesis' own summary, so the two never disagree.
            plural = "" if fuzz.unique_failures == 1 else "s"
            lines.append(
                f"  FAILED   {fuzz.cases_with_failures} found {fuzz.unique_failures} unique "
                f"failure{plural} (checks: {', '.join(sorted(fuzz.failed_checks)) or '-'})"
            )
        for title, count in sorted(fuzz.failures.items()):
            lines.append(f"           {title}: {count}")
        for failure in fuzz.check_failures[:_LISTED_FAILURES]:
            first = failure.message.strip().splitlines()[-1] if failure.message.strip() else ""
            lines.append(
                _short(
                    f"  FAILED   {failure.check}: {failure.method} {urlsplit(failure.url).path} "
                    f"got {failure.status}" + (f" ({first})" if first else ""),
                    "summary.json",
                )
            )
            if failure.reproduce:
                lines.append(f"           reproduce: {failure.reproduce}")
        if len(fuzz.check_failures) > _LISTED_FAILURES:
            lines.append(
                f"           ... {len(fuzz.check_failures) - _LISTED_FAILURES} more "
                "in summary.json (schemathesis_failures)"
            )
        for name, count in sorted(fuzz.errors.items()):
            kind = "provider" if name in fuzz.provider_errors else "run"
            lines.append(f"  ERROR    {name} x{count} ({kind} error)")
    counts = Counter(p.outcome for p in summary.probes)
    lines.append(
        f"probes     {counts['passed']} passed, {counts['failed']} failed, "
        f"{counts['skipped']} skipped"
    )
    for result in summary.probe_failures:
        lines.append(_short(f"  FAILED   {result.name}: {result.detail}", "probes-junit.xml"))
        if result.reproduce:
            lines.append(f"           reproduce: {result.reproduce}")
    replayable = any(p.reproduce for p in summary.probe_failures) or any(
        f.reproduce for f in (fuzz.check_failures if fuzz is not None else [])
    )
    if summary.hook_states and replayable:
        lines.append(
            f"  note     calls in these lines came from the states hook "
            f"({', '.join(summary.hook_states)}) and its teardown hung them up: run its "
            "setup again, or pin live calls, before replaying"
        )
    skipped = [p.name for p in summary.probes if p.outcome == "skipped"]
    if skipped:
        lines.append(f"  skipped  {', '.join(skipped)} (reasons in probes-junit.xml)")
    if summary.decisions:
        verdicts = Counter(d.verdict for d in summary.decisions)

        def listed(verdict: str) -> str:
            keys = [d.key for d in summary.decisions if d.verdict == verdict]
            shown = ", ".join(keys[:_LISTED_KEYS])
            if len(keys) > _LISTED_KEYS:
                shown += f", {len(keys) - _LISTED_KEYS} more in summary.json"
            return f"{len(keys)} {verdict}" + (f" ({shown})" if keys else "")

        lines.append(
            f"decisions  {len(summary.decisions)} in the spec: {verdicts['kept']} kept, "
            f"{verdicts['violated']} violated, {listed('not run')}, {listed('not observable')}"
        )
        for decision in summary.decisions:
            if decision.verdict == "violated":
                failed = [f"probe:{n}" for n, o in decision.probes.items() if o == "failed"]
                failed += sorted(decision.violated_by)
                lines.append(f"  VIOLATED {decision.kind}.{decision.key}: {', '.join(failed)}")
    lines.extend(f"note       {note}" for note in summary.notes)
    lines.append(
        f"reports    {report_dir}/index.html (JUnit XML: schemathesis-junit.xml, probes-junit.xml)"
    )
    verdict = {EXIT_PASS: "PASS", EXIT_VIOLATED: "CONTRACT VIOLATED", EXIT_ERROR: "ERROR"}
    lines.append(f"result     {verdict[summary.exit_code]} (exit {summary.exit_code})")
    return "\n".join(lines)
