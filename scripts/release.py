"""`make release`: version, changelogs and recorded spec of the four packages, from the spec.

    python scripts/release.py [--date YYYY-MM-DD]   release what changed since the last release
    python scripts/release.py --dry-run             print the next version and the entries only
    python scripts/release.py --set-version         write the pending version (`make generate`)
    python scripts/release.py --check               the gate run by `make check-generated`

One version names the four packages (plivo-dtmf-client for Python and for TypeScript, the
mock's control client plivo-mock-control-client and the toolkit plivo-dtmf): it is set in one
place, openapi/generator.yaml's package_version_override, which the generators and the root
pyproject.toml (hatch's dynamic version) read. Between releases it is a pre-release of the
next version, computed by spec-diff against the last recorded release: `X.Y.Z.dev0` (npm:
`X.Y.Z-dev.0`); when the spec is the last release's, that release's number. A number is never
carried by contents that differ from the spec recorded under it.

A release diffs the spec against the last recorded release (scripts/specdiff), takes the next
semver the changes require (breaking: major, non-breaking: minor, docs: patch), and refuses,
writing nothing, when nothing changed, when the spec fails `make lint-spec`'s validators, when
the gate fails or when generated/ has drifted from openapi/. Otherwise it writes the version,
prepends a dated section to each package's changelog (each change in words: what it means for
a user's code, scripts/release_notes.py), records the spec as `openapi/releases/<version>.yaml`
and regenerates. The same spec, date and history give the same bytes. The gate checks that
the packages carry the version the spec calls for, that the changelogs list the recorded
releases, and that every release bumped at least as much as its changes require.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import lint_spec
from release_notes import advice
from specdiff.compare import Change, bump_of, diff
from specdiff.history import (
    Version,
    bump_between,
    bumped,
    npm_spelling,
    parse_version,
    releases,
    show,
    snapshot,
)
from specdiff.load import ROOT, SpecInputError, parse
from specdiff.rules import BREAKING, BUMPS, DOCS, RULES

SPEC = Path("openapi") / "plivo-dtmf.yaml"


@dataclass(frozen=True)
class VersionAt:
    """A file holding the version, and the pattern whose one group is the version. `npm`:
    the place spells a pre-release as npm does (`1.1.0-dev.0`), else as Python (`1.1.0.dev0`)."""

    path: Path
    pattern: str
    npm: bool = False

    def read(self, root: Path) -> str | None:
        file = root / self.path
        match = (
            re.search(self.pattern, file.read_text(encoding="utf-8")) if file.is_file() else None
        )
        return match.group(1) if match else None

    def write(self, root: Path, version: str) -> None:
        file = root / self.path
        text = file.read_text(encoding="utf-8")
        match = re.search(self.pattern, text)
        if match is None:
            raise SystemExit(f"release: no version found in {self.path} ({self.pattern})")
        file.write_text(text[: match.start(1)] + version + text[match.end(1) :], encoding="utf-8")


@dataclass(frozen=True)
class Package:
    """One package. All four share the spec's version history, hence one version, set in
    SOURCE; `generated` are the places generation writes it to, which the gate reads back. The
    changelog is kept under openapi/changelogs/ and copied into the package by its generation
    (generated/ is never edited); the toolkit's is not copied (it is the repository)."""

    name: str
    changelog: Path
    generated_changelog: Path | None
    generated: tuple[VersionAt, ...]
    generator: Path | None


SOURCE = VersionAt(Path("openapi/generator.yaml"), r"(?m)^package_version_override: (\S+)$")
"""The one version source: scripts/generate.py (both Python clients), generate_typescript.py
and the root pyproject.toml (hatch's regex version source, TOOLKIT_VERSION) read it."""

TOOLKIT_VERSION = {
    "source": "regex",
    "path": str(SOURCE.path),
    # SOURCE's pattern, its one capturing group named as hatch wants it.
    "pattern": re.sub(r"\((?!\?)", "(?P<version>", SOURCE.pattern, count=1),
}
"""What the root pyproject.toml's [tool.hatch.version] must say (the gate checks)."""

PACKAGES = (
    Package(
        name="plivo-dtmf-client (Python)",
        changelog=Path("openapi/changelogs/python.md"),
        generated_changelog=Path("generated/python/CHANGELOG.md"),
        generated=(
            VersionAt(Path("generated/python/pyproject.toml"), r'(?m)^version = "([^"]+)"$'),
            VersionAt(
                Path("generated/python/plivo_dtmf_client/__init__.py"),
                r'(?m)^__version__ = "([^"]+)"$',
            ),
            # PACKAGE_VERSION makes the User-Agent (client.py).
            VersionAt(
                Path("generated/python/plivo_dtmf_client/_meta.py"),
                r'(?m)^PACKAGE_VERSION: Final = "([^"]+)"$',
            ),
        ),
        generator=Path("scripts/generate.py"),
    ),
    Package(
        name="plivo-dtmf-client (TypeScript)",
        changelog=Path("openapi/changelogs/typescript.md"),
        generated_changelog=Path("generated/typescript/CHANGELOG.md"),
        generated=(
            VersionAt(
                Path("generated/typescript/package.json"), r'(?m)^  "version": "([^"]+)"', True
            ),
            # package-lock.json carries it twice: at the top and in the root package, "".
            VersionAt(
                Path("generated/typescript/package-lock.json"),
                r'(?m)^  "version": "([^"]+)"',
                True,
            ),
            VersionAt(
                Path("generated/typescript/package-lock.json"),
                r'(?m)^    "": \{\n      "name": "[^"]+",\n      "version": "([^"]+)"',
                True,
            ),
            # VERSION makes the User-Agent (src/client.ts); dist/ is what runs.
            VersionAt(
                Path("generated/typescript/src/spec.ts"),
                r'(?m)^export const VERSION = "([^"]+)";',
                True,
            ),
            VersionAt(
                Path("generated/typescript/dist/spec.js"),
                r'(?m)^export const VERSION = "([^"]+)";',
                True,
            ),
        ),
        generator=Path("scripts/generate_typescript.py"),
    ),
    Package(
        name="plivo-mock-control-client",
        changelog=Path("openapi/changelogs/mock-control.md"),
        generated_changelog=Path("generated/python-mock-control/CHANGELOG.md"),
        generated=(
            VersionAt(
                Path("generated/python-mock-control/pyproject.toml"), r'(?m)^version = "([^"]+)"$'
            ),
        ),
        generator=Path("scripts/generate.py"),
    ),
    Package(
        name="plivo-dtmf (toolkit)",
        changelog=Path("openapi/changelogs/toolkit.md"),
        generated_changelog=None,
        generated=(),
        generator=None,
    ),
)

CHANGELOG_HEAD = """\
# Changelog: {name}

Every release of this package, newest first. Each entry is written by `make release` from the
changes to the OpenAPI document since the previous release (`make spec-diff`): what each
means for your code, then the id of its rule (scripts/specdiff/README.md in the plivo-dtmf
repository). The four packages of plivo-dtmf share one version and these entries.
"""
_HEADING = re.compile(r"^## (\S+) \((\d{4}-\d{2}-\d{2})\)$", re.MULTILINE)


class Refused(Exception):
    """A release or a gate check that cannot pass; the message says why."""


@dataclass(frozen=True)
class Pending:
    """Where the spec stands against the last recorded release."""

    previous: Version
    changes: list[Change]

    @property
    def version(self) -> Version:
        """The next release's version, or the last one's when nothing changed."""
        return bumped(self.previous, bump_of(self.changes)) if self.changes else self.previous

    def spelled(self, npm: bool = False) -> str:
        """The version the packages carry now: a pre-release of the next one while changes
        are pending (PEP 440 `X.Y.Z.dev0`, npm `X.Y.Z-dev.0`), else the released number."""
        python = show(self.version) if not self.changes else f"{show(self.version)}.dev0"
        return npm_spelling(python) if npm else python


def pending(root: Path) -> Pending:
    recorded = releases(root)
    if not recorded:
        raise Refused("no release recorded in openapi/releases/: run `make release`")
    previous, last_path = recorded[-1]
    current = parse((root / SPEC).read_text(encoding="utf-8"), str(SPEC))
    return Pending(previous, diff(load_spec(last_path), current))


def set_version(root: Path) -> str:
    """Write the version the spec calls for into SOURCE (what `make generate` runs first).
    Before the first release there is nothing to compute from: SOURCE is left as it is."""
    if not releases(root):
        return SOURCE.read(root) or ""
    version = pending(root).spelled()
    if SOURCE.read(root) != version:
        SOURCE.write(root, version)
    return version


def section(version: Version, date: str, previous: Version | None, changes: list[Change]) -> str:
    lines = [f"## {show(version)} ({date})", ""]
    if previous is None:
        lines += [
            "First recorded release: the OpenAPI document of this version is kept as",
            f"`openapi/releases/{show(version)}.yaml`; later entries list the changes from it.",
        ]
        return "\n".join(lines) + "\n"
    lines.append(f"Changes since {show(previous)} (bump: {bump_of(changes)}).")
    groups = [
        ("Breaking changes", [c for c in changes if c.level == BREAKING]),
        (
            "Added",
            [
                c
                for c in changes
                if c.level not in (BREAKING, DOCS) and RULES[c.id].section == "Added"
            ],
        ),
        (
            "Changed",
            [
                c
                for c in changes
                if c.level not in (BREAKING, DOCS) and RULES[c.id].section != "Added"
            ],
        ),
        ("Docs", [c for c in changes if c.level == DOCS]),
    ]
    for title, group in groups:
        if group:
            lines += ["", f"### {title}", ""]
            mark = "**BREAKING** " if title == "Breaking changes" else ""
            lines += [f"- {mark}{c.message}. {advice(c.id)} (`{c.id}`)" for c in group]
    return "\n".join(lines) + "\n"


def prepend(changelog: str, name: str, entry: str) -> str:
    first = _HEADING.search(changelog)
    head = changelog[: first.start()] if first else CHANGELOG_HEAD.format(name=name) + "\n"
    rest = changelog[first.start() :] if first else ""
    return head + entry + ("\n" + rest if rest else "")


def load_spec(path: Path) -> dict[str, object]:
    return parse(path.read_text(encoding="utf-8"), str(path))


def generators() -> list[Path]:
    return list(dict.fromkeys(p.generator for p in PACKAGES if p.generator is not None))


def refusals(root: Path) -> list[str]:
    """Why the tree at `root` must not be released ([] when it may): the spec fails a
    validator of `make lint-spec`, the gate fails, or (checked only when both pass, as it
    regenerates everything) generated/ has drifted."""
    found = [f"the spec fails `make lint-spec`: {f}" for f in lint_spec.failures(root)]
    if releases(root):  # the first release has no gate to pass yet
        found += [f"the release gate fails: {p}" for p in check(root)]
    if found:
        return [*found, "(the drift check was not run: it takes a regeneration)"]
    for generator in generators():
        done = subprocess.run(
            [sys.executable, str(root / generator), "--check"],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            lines = (done.stdout + done.stderr).strip().splitlines()
            shown = "\n".join(lines[:40] + (["..."] if len(lines) > 40 else []))
            found.append(
                f"the drift check fails (`{generator} --check`): run `make generate`, then release "
                f"again:\n{shown}"
            )
    return found


@dataclass(frozen=True)
class Plan:
    version: Version
    previous: Version | None
    changes: list[Change]
    entry: str


def plan(root: Path, date: str) -> Plan:
    """The next release, or Refused when there is nothing to release."""
    recorded = releases(root)
    if recorded:
        state = pending(root)
        if not state.changes:
            raise Refused(
                f"nothing to release: the spec has no changes since {show(state.previous)} "
                "(formatting and key order are not changes)"
            )
        version, previous, changes = state.version, state.previous, state.changes
    else:
        version, previous, changes = parse_version(SOURCE.read(root) or ""), None, []
    if snapshot(version, root).exists():
        raise Refused(f"{snapshot(version, root).relative_to(root)} exists already")
    return Plan(version, previous, changes, section(version, date, previous, changes))


def dry_run(root: Path, date: str) -> str:
    """What `release` would write, as text; it writes nothing."""
    planned = plan(root, date)
    refused = refusals(root)
    out = [
        f"next version: {show(planned.version)}"
        + (
            f" ({bump_of(planned.changes)} release after {show(planned.previous)})"
            if planned.previous
            else " (first recorded release)"
        ),
        "",
    ]
    out += ["the new entry of each changelog:"]
    out += [f"  {package.changelog} ({package.name})" for package in PACKAGES]
    out += ["", planned.entry]
    out += (
        ["would be refused:", *(f"- {r}" for r in refused)]
        if refused
        else ["nothing written (dry run); `make release` would write this."]
    )
    return "\n".join(out) + "\n"


def release(root: Path, date: str, *, regenerate: bool = True) -> str:
    """Make the next release in the tree at `root`; answer a one-line summary."""
    planned = plan(root, date)
    refused = refusals(root)
    if refused:
        raise Refused("nothing written:\n" + "\n".join(f"- {r}" for r in refused))
    spec_bytes = (root / SPEC).read_bytes()
    SOURCE.write(root, show(planned.version))
    for package in PACKAGES:
        changelog = root / package.changelog
        text = changelog.read_text(encoding="utf-8") if changelog.exists() else ""
        changelog.parent.mkdir(parents=True, exist_ok=True)
        changelog.write_text(prepend(text, package.name, planned.entry), encoding="utf-8")
    target = snapshot(planned.version, root)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(spec_bytes)
    if regenerate:
        for generator in generators():
            subprocess.run([sys.executable, str(root / generator)], cwd=root, check=True)
    changes = planned.changes
    kind = "first recorded release" if planned.previous is None else f"{bump_of(changes)} release"
    return f"released {show(planned.version)} ({kind}, {len(changes)} changes) on {date}"


def _toolkit_version_source(root: Path) -> list[str]:
    """The root pyproject.toml must take its version from SOURCE, not carry its own."""
    data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    project = data.get("project", {})
    hatch = data.get("tool", {}).get("hatch", {}).get("version", {})
    if "version" in project or "version" not in project.get("dynamic", []):
        return [
            f"plivo-dtmf (toolkit): pyproject.toml sets its own version "
            f"{project.get('version')!r}; it must be dynamic, read from {SOURCE.path}"
        ]
    if {k: hatch.get(k, "regex" if k == "source" else None) for k in TOOLKIT_VERSION} != (
        TOOLKIT_VERSION
    ):
        return [f"plivo-dtmf (toolkit): [tool.hatch.version] must be {TOOLKIT_VERSION}"]
    return []


def check(root: Path) -> list[str]:
    """Everything wrong between the packages and the recorded releases ([] when all agree)."""
    recorded = releases(root)
    if not recorded:
        return ["no release recorded in openapi/releases/: run `make release`"]
    problems: list[str] = []
    versions = [show(v) for v, _ in recorded]
    state = pending(root)
    released = set(versions)
    for package in PACKAGES:
        places = (SOURCE, *package.generated)
        for at in places:
            found, want = at.read(root), state.spelled(at.npm)
            if found == want:
                continue
            if found in released and state.changes:
                why = (
                    f"is release {found}, whose recorded spec differs from these contents "
                    f"({len(state.changes)} changes since {show(state.previous)}, bump "
                    f"{bump_of(state.changes)})"
                )
            elif state.changes:
                why = f"is stale: the changes since {show(state.previous)} call for {want}"
            else:
                why = f"but the spec is release {want}'s"
            problems.append(
                f"{package.name}: version {found} in {at.path} {why}; it must be {want} "
                "(`make generate` writes it)"
            )
        changelog = root / package.changelog
        text = changelog.read_text(encoding="utf-8") if changelog.is_file() else ""
        listed = [m.group(1) for m in _HEADING.finditer(text)]
        if listed != versions[::-1]:
            problems.append(
                f"{package.name}: {package.changelog} lists releases {listed}, but "
                f"openapi/releases/ records {versions[::-1]}"
            )
        generated = root / package.generated_changelog if package.generated_changelog else None
        if generated and (not generated.is_file() or generated.read_bytes() != text.encode()):
            problems.append(
                f"{package.name}: {package.generated_changelog} is not "
                f"{package.changelog}: run `make generate`"
            )
    problems += _toolkit_version_source(root)
    for (old_v, old_path), (new_v, new_path) in itertools.pairwise(recorded):
        changes = diff(load_spec(old_path), load_spec(new_path))
        need, got = bump_of(changes), bump_between(old_v, new_v)
        if BUMPS.index(got) < BUMPS.index(need):
            cause = [c for c in changes if c.level == BREAKING] if need == "major" else changes
            named = "; ".join(f"{c.id} at {c.location}" for c in cause)
            problems.append(
                f"release {show(new_v)} is a {got} release after {show(old_v)}, but its changes "
                f"require {need}: {named}"
            )
    return problems


COPIED = ("openapi", "scripts", "generated", "pyproject.toml", "README.md")


def throwaway_copy(dest: Path, root: Path = ROOT) -> Path:
    """The files a release reads and writes (openapi/, scripts/, generated/, pyproject.toml),
    tracked or new, copied under `dest`: for the demo and the tests, which release without
    touching the tree."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "--", *COPIED],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    for name in listed:
        if (root / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / name, dest / name)
    # The TypeScript generator's pinned tools (installed per lock by generate_typescript.py):
    # shared rather than reinstalled; the copy's lock is the same, so they are only read.
    tools = root / "build" / "typescript-tools"
    if tools.is_dir():
        (dest / "build").mkdir(exist_ok=True)
        (dest / "build" / "typescript-tools").symlink_to(tools, target_is_directory=True)
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--check", action="store_true", help="the gate: check, change nothing")
    action.add_argument(
        "--dry-run", action="store_true", help="print the next version and entries, write nothing"
    )
    action.add_argument(
        "--set-version", action="store_true", help="write the pending version (make generate)"
    )
    parser.add_argument(
        "--date",
        default=os.environ.get("RELEASE_DATE")
        or datetime.datetime.now(datetime.UTC).date().isoformat(),
        help="the release date, YYYY-MM-DD (default: $RELEASE_DATE, else today in UTC)",
    )
    parser.add_argument("--no-generate", action="store_true", help="skip `make generate`")
    args = parser.parse_args(argv)
    try:
        if args.check:
            problems = check(ROOT)
            for problem in problems:
                print(f"release gate: {problem}", file=sys.stderr)
            if problems:
                return 1
            recorded = releases(ROOT)
            state = pending(ROOT)
            note = (
                (
                    f"; {len(state.changes)} unreleased spec changes (bump "
                    f"{bump_of(state.changes)}), carried as {state.spelled()}: "
                    "`make spec-diff` lists them, `make release DRY_RUN=1` previews the release"
                )
                if state.changes
                else ""
            )
            print(f"releases agree: {len(recorded)} recorded, latest {show(recorded[-1][0])}{note}")
            return 0
        if args.set_version:
            print(f"version: {set_version(ROOT)} ({SOURCE.path})")
            return 0
        datetime.date.fromisoformat(args.date)
        if args.dry_run:
            text = dry_run(ROOT, args.date)
            print(text, end="")
            return 1 if "\nwould be refused:" in text else 0
        print(release(ROOT, args.date, regenerate=not args.no_generate))
        return 0
    except Refused as refused:
        print(f"release: {refused}", file=sys.stderr)
        return 1
    except (SpecInputError, ValueError) as error:
        print(f"release: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
