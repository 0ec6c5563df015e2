"""Markdown tables, target verdicts, and the report file they end up in."""

from __future__ import annotations

import math
import os
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.stats import DASH, TIMES, times


@dataclass
class Table:
    title: str
    columns: Sequence[str]
    rows: list[Sequence[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: str) -> None:
        self.rows.append(cells)

    def markdown(self) -> str:
        lines = [f"**{self.title}**", ""]
        lines.append("| " + " | ".join(self.columns) + " |")
        lines.append("|" + "|".join("---" for _ in self.columns) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        if self.notes:
            lines.append("")
            lines += self.notes
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Target:
    """A ratio the issue asks for, e.g. `>= 5x Prism`, with what was measured."""

    name: str
    measured: float
    bound: float
    at_least: bool
    # The same ratio within each repetition, to show how much it moved.
    runs: Sequence[float] = ()
    unit: str = TIMES

    @property
    def met(self) -> bool | None:
        if math.isnan(self.measured):
            return None
        return self.measured >= self.bound if self.at_least else self.measured <= self.bound

    def show(self, value: float) -> str:
        return times(value) if self.unit == TIMES else f"{value:.2f} {self.unit}"

    def cells(self) -> tuple[str, str, str, str, str]:
        sign = "≥" if self.at_least else "≤"
        verdict = {True: "met", False: "**missed**", None: "not measured"}[self.met]
        runs = [r for r in self.runs if not math.isnan(r)]
        spread = f"{self.show(min(runs))}{DASH}{self.show(max(runs))}" if len(runs) > 1 else ""
        unit = self.unit if self.unit == TIMES else f" {self.unit}"
        bound = f"{sign} {self.bound:g}{unit}"
        return (self.name, self.show(self.measured), spread, bound, verdict)


def targets_table(title: str, targets: Sequence[Target]) -> Table:
    table = Table(title, ["what", "measured", "per repetition", "target", "verdict"])
    for target in targets:
        table.add(*target.cells())
    return table


def machine_line() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}; {os.cpu_count()} CPUs ({cpu}); "
        f"Python {platform.python_version()}; load average at start {load}"
    )


def document(command: str, sections: Sequence[str]) -> str:
    head = [
        f"`{command}`, {machine_line()}.",
        f"Medians of interleaved repetitions, min{DASH}max in brackets; ratios come from figures "
        "measured in this same run.",
        "",
    ]
    return "\n".join(head) + "\n" + "\n".join(sections)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    sys.stdout.flush()
