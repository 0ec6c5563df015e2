"""Section `mock`: the mock's throughput and latency beside the floor and Prism.

All servers run at once (idle ones cost nothing) and every repetition loads each in turn,
its order rotated, so slow drifts of a shared machine spread over all of them alike.
"""

from __future__ import annotations

import contextlib
import json
import math
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from benchmarks import servers
from benchmarks.accounts import DIGITS_INVALID, DIGITS_VALID, BenchAccount
from benchmarks.load import LoadGenerator, LoadResult, Request
from benchmarks.report import Table, Target, targets_table
from benchmarks.stats import TIMES, median, number, ratio, times, with_spread


@dataclass
class Subject:
    """One server answering one kind of request, and what it is expected to answer."""

    server: str
    kind: str
    request: Request
    expected: int
    process: servers.Server
    answered: int | None = None
    runs: list[LoadResult] = field(default_factory=list)
    cpu_us: list[float] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.server} {self.kind}"

    def rps(self) -> list[float]:
        return [run.rps for run in self.runs]

    def check(self, run: LoadResult, index: int) -> None:
        """A run only counts as what it claims if every answer had the probed status class."""
        expect_2xx = 200 <= self.expected < 400
        wrong = run.non_2xx if expect_2xx else run.requests - run.non_2xx
        if wrong or run.socket_errors:
            self.warnings.append(
                f"{self.label} run {index}: {wrong} answers of the wrong class, "
                f"{run.socket_errors} socket errors"
            )


def dtmf_request(url: str, account: BenchAccount, call_uuid: str, body: object) -> Request:
    return Request(
        "POST",
        url + account.dtmf_path(call_uuid),
        (("Content-Type", "application/json"), ("Authorization", account.authorization)),
        json.dumps(body).encode(),
    )


def probe(subject: Subject) -> None:
    request = subject.request
    answer = httpx.request(
        request.method, request.url, headers=dict(request.headers), content=request.body
    )
    subject.answered = answer.status_code
    if answer.status_code != subject.expected:
        subject.warnings.append(
            f"{subject.label}: expected {subject.expected}, probe got {answer.status_code}"
        )


def measure(
    subjects: Sequence[Subject], load: LoadGenerator, repetitions: int, duration_s: float
) -> None:
    for subject in subjects:
        load.run(subject.request, 1.0)  # warm-up: JIT-free, but caches and pools fill
    for rep in range(repetitions):
        shift = rep % len(subjects)
        for subject in [*subjects[shift:], *subjects[:shift]]:
            cpu_before = subject.process.cpu_seconds()
            run = load.run(subject.request, duration_s)
            cpu = subject.process.cpu_seconds() - cpu_before
            subject.check(run, rep + 1)
            subject.runs.append(run)
            subject.cpu_us.append(cpu / run.requests * 1e6 if run.requests else math.nan)


def per_run_ratios(a: Subject, b: Subject) -> list[float]:
    return [ratio(x.rps, y.rps) for x, y in zip(a.runs, b.runs, strict=False)]


def run(quick: bool) -> list[Table]:
    repetitions, duration_s = (1, 2.0) if quick else (3, 5.0)
    account = BenchAccount()
    load = LoadGenerator()
    notes: list[str] = []
    with contextlib.ExitStack() as stack:
        floor = stack.enter_context(servers.floor_server())
        mock = stack.enter_context(servers.mock_server(account.env))
        prism = None
        if shutil.which("npx"):
            try:
                prism = stack.enter_context(servers.prism_server())
            except servers.ServerFailed as failure:
                notes.append(f"Prism not measured: {str(failure).splitlines()[0]}")
        else:
            notes.append("Prism not measured: `npx` (Node.js) is not installed.")
        call_uuid = account.new_call(mock.url)

        def subject(server: servers.Server, kind: str, body: object, expected: int) -> Subject:
            request = dtmf_request(server.url, account, call_uuid, body)
            return Subject(server.name, kind, request, expected, server)

        subjects = [
            subject(floor, "any", DIGITS_VALID, 202),
            subject(mock, "valid", DIGITS_VALID, 202),
            subject(mock, "invalid", DIGITS_INVALID, 400),
        ]
        if prism is not None:
            subjects += [
                subject(prism, "valid", DIGITS_VALID, 202),
                subject(prism, "invalid", DIGITS_INVALID, 400),
            ]
        for each in subjects:
            probe(each)
        measure([s for s in subjects if s.answered == s.expected], load, repetitions, duration_s)

    table = Table(
        f"Mock throughput ({load.name}, {repetitions} {TIMES} {duration_s:g} s, loopback)",
        ["server", "request", "answer", "req/s", "p50 ms", "p99 ms", "server CPU µs/req"],
    )
    for each in subjects:
        table.add(
            each.server,
            each.kind,
            str(each.answered),
            with_spread(each.rps()),
            number(median([r.p50_ms for r in each.runs]), 2),
            number(median([r.p99_ms for r in each.runs]), 2),
            with_spread(each.cpu_us, 1),
        )
    table.notes += [
        "floor: a bare ASGI app answering 202 under the uvicorn settings of the mock (uvloop, "
        "httptools, no access log); mock: `python -m plivo_mock --no-rate-limit "
        "--no-access-log`, full spec validation; "
        "Prism 5.16.0 with logging silenced, serving the same spec. Server CPU µs/req: CPU "
        "time of the server's processes over a run divided by the requests answered; it "
        "moves less than req/s when other work shares the machine.",
        *notes,
        *(f"⚠ {w}" for s in subjects for w in s.warnings),
    ]
    by_label = {s.label: s for s in subjects}
    targets: list[Target] = []
    for kind in ("valid", "invalid"):
        ours = by_label[f"mock {kind}"]
        if f"prism {kind}" in by_label:
            theirs = by_label[f"prism {kind}"]
            targets.append(
                Target(
                    f"mock {kind} / Prism {kind}",
                    ratio(median(ours.rps()), median(theirs.rps())),
                    5.0,
                    at_least=True,
                    runs=per_run_ratios(ours, theirs),
                )
            )
        floor_subject = by_label["floor any"]
        targets.append(
            Target(
                f"mock {kind} / floor",
                ratio(median(ours.rps()), median(floor_subject.rps())),
                0.6,
                at_least=True,
                runs=per_run_ratios(ours, floor_subject),
            )
        )
    capacity = Table(
        "Capacity by server CPU per request (informative: other load moves it less)",
        ["ratio", "of medians"],
    )
    for kind in ("valid", "invalid"):
        ours = by_label[f"mock {kind}"]
        for other in ("prism " + kind, "floor any"):
            if other in by_label:
                theirs = by_label[other]
                capacity.add(
                    f"{theirs.label} CPU/req ÷ mock {kind} CPU/req",
                    times(ratio(median(theirs.cpu_us), median(ours.cpu_us))),
                )
    return [table, targets_table("Mock targets (req/s ratios)", targets), capacity]
