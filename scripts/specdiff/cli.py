"""`make spec-diff`: the changes between two specs, as text, markdown or JSON.

Exit 0 when nothing is breaking, 1 when something is, 2 on input it cannot use (with a
one-line reason on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from specdiff.compare import Change, bump_of, diff
from specdiff.history import releases
from specdiff.load import ROOT, SPEC, SpecInputError, read
from specdiff.rules import BREAKING, LEVELS


def render(changes: list[Change], fmt: str, old_name: str, new_name: str) -> str:
    bump = bump_of(changes)
    if fmt == "json":
        return json.dumps({"bump": bump, "changes": [c.as_json() for c in changes]}, indent=2)
    counts = ", ".join(
        f"{n} {level}" for level in LEVELS if (n := sum(c.level == level for c in changes))
    )
    summary = f"{len(changes)} change{'s' * (len(changes) != 1)}"
    summary += f" ({counts})" if counts else ""
    if fmt == "markdown":
        lines = [f"### `{old_name}` → `{new_name}`: {summary}, bump **{bump}**", ""]
        if changes:
            lines += ["| level | rule | location | change |", "|---|---|---|---|"]
            lines += [
                f"| {c.level} | `{c.id}` | `{c.location}` | {_cell(c.message)} |" for c in changes
            ]
        return "\n".join(lines)
    lines = [f"{old_name} -> {new_name}: {summary}, bump {bump}"]
    for c in changes:
        lines += [f"  {c.level:<12} {c.id}: {c.message}", f"  {'':<12} at {c.location}"]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def default_old() -> str:
    recorded = releases()
    if not recorded:
        raise SpecInputError("no release recorded in openapi/releases/: pass OLD=<file or ref>")
    return str(recorded[-1][1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="spec-diff", description=__doc__)
    parser.add_argument("--old", help="file or git ref (default: the last recorded release)")
    parser.add_argument("--new", default=str(SPEC), help="file or git ref (default: the spec)")
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    args = parser.parse_args(argv)
    try:
        old_source = args.old or default_old()
        old, _ = read(old_source)
        new, _ = read(args.new)
        changes = diff(old, new)
    except SpecInputError as error:
        print(f"spec-diff: {error}", file=sys.stderr)
        return 2
    except (AttributeError, TypeError, KeyError, IndexError) as error:
        # A document that parses but has the wrong shape somewhere the walk reads.
        print(
            f"spec-diff: invalid OpenAPI document: {type(error).__name__}: {error}", file=sys.stderr
        )
        return 2
    print(render(changes, args.format, _name(old_source), _name(args.new)))
    return 1 if any(c.level == BREAKING for c in changes) else 0


def _name(source: str) -> str:
    path = Path(source).resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) and path.exists() else source
