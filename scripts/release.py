"""`make release`: version, changelog and recorded spec of the generated SDKs, from the spec.

    python scripts/release.py [--date YYYY-MM-DD]   release what changed since the last release
    python scripts/release.py --check               the gate run by `make check-generated`

A release diffs the spec against the last recorded release (scripts/specdiff), takes the next
semver the changes require (breaking: major, non-breaking: minor, docs: patch), writes it where
each package's version lives, prepends a dated section to each package's changelog, records the
spec as `openapi/releases/<version>.yaml` and regenerates. It refuses when nothing changed.
With no release recorded yet, the first one records the spec as the packages' current version.
The same spec, date and history give the same bytes. The gate checks that the packages'
versions and changelogs agree with the recorded releases and that every release bumped at
least as much as its changes require; unreleased spec edits are allowed and only listed.
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
from dataclasses import dataclass
from pathlib import Path

from specdiff.compare import Change, bump_of, diff
from specdiff.history import (
    Version,
    bump_between,
    bumped,
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
    """A file holding the version, and the pattern whose one group is the version."""

    path: Path
    pattern: str

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
    """One generated SDK. All packages share the spec's version history, hence one version.

    `source` is where the version is set (the generator reads it there; packages may share
    it); `generated` are the places generation writes it to, which the gate reads back. The
    changelog is kept under openapi/ and copied into the package by its generation
    (generated/ is never edited). `generator` is the script that regenerates the package.
    """

    name: str
    source: VersionAt
    changelog: Path
    generated_changelog: Path
    generated: tuple[VersionAt, ...]
    generator: Path


_GENERATOR_VERSION = VersionAt(
    Path("openapi/generator.yaml"), r"(?m)^package_version_override: (\S+)$"
)
"""The one version source: scripts/generate.py and scripts/generate_typescript.py read it."""

PACKAGES = (
    Package(
        name="plivo-dtmf-client (Python)",
        source=_GENERATOR_VERSION,
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
        source=_GENERATOR_VERSION,
        changelog=Path("openapi/changelogs/typescript.md"),
        generated_changelog=Path("generated/typescript/CHANGELOG.md"),
        generated=(
            VersionAt(Path("generated/typescript/package.json"), r'(?m)^  "version": "([^"]+)"'),
            # package-lock.json carries it twice: at the top and in the root package, "".
            VersionAt(
                Path("generated/typescript/package-lock.json"), r'(?m)^  "version": "([^"]+)"'
            ),
            VersionAt(
                Path("generated/typescript/package-lock.json"),
                r'(?m)^    "": \{\n      "name": "[^"]+",\n      "version": "([^"]+)"',
            ),
            # VERSION makes the User-Agent (src/client.ts); dist/ is what runs.
            VersionAt(
                Path("generated/typescript/src/spec.ts"), r'(?m)^export const VERSION = "([^"]+)";'
            ),
            VersionAt(
                Path("generated/typescript/dist/spec.js"),
                r'(?m)^export const VERSION = "([^"]+)";',
            ),
        ),
        generator=Path("scripts/generate_typescript.py"),
    ),
)

CHANGELOG_HEAD = """\
# Changelog: {name}

Every release of this package, newest first. Each entry is written by `make release` from the
changes to the OpenAPI document since the previous release (`make spec-diff`); the id after
each change names its rule (scripts/specdiff/README.md in the plivo-dtmf repository).
"""
_HEADING = re.compile(r"^## (\S+) \((\d{4}-\d{2}-\d{2})\)$", re.MULTILINE)


class Refused(Exception):
    """A release or a gate check that cannot pass; the message says why."""


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
            lines += [f"- {mark}{c.message} (`{c.id}`)" for c in group]
    return "\n".join(lines) + "\n"


def prepend(changelog: str, name: str, entry: str) -> str:
    first = _HEADING.search(changelog)
    head = changelog[: first.start()] if first else CHANGELOG_HEAD.format(name=name) + "\n"
    rest = changelog[first.start() :] if first else ""
    return head + entry + ("\n" + rest if rest else "")


def load_spec(path: Path) -> dict[str, object]:
    return parse(path.read_text(encoding="utf-8"), str(path))


def release(root: Path, date: str, *, regenerate: bool = True) -> str:
    """Make the next release in the tree at `root`; answer a one-line summary."""
    spec_bytes = (root / SPEC).read_bytes()
    current = parse(spec_bytes.decode("utf-8"), str(SPEC))
    recorded = releases(root)
    previous: Version | None = None
    changes: list[Change] = []
    if recorded:
        previous, last_path = recorded[-1]
        changes = diff(load_spec(last_path), current)
        if not changes:
            raise Refused(
                f"nothing to release: the spec has no changes since {show(previous)} "
                "(formatting and key order are not changes)"
            )
        version = bumped(previous, bump_of(changes))
    else:
        found = {p.source.read(root) for p in PACKAGES}
        if len(found) != 1 or None in found:
            raise Refused(
                f"first release: the packages' versions disagree: {sorted(map(str, found))}"
            )
        version = parse_version(found.pop() or "")
    target = snapshot(version, root)
    if target.exists():
        raise Refused(f"{target.relative_to(root)} exists already")
    entry = section(version, date, previous, changes)
    for package in PACKAGES:
        package.source.write(root, show(version))
        changelog = root / package.changelog
        text = changelog.read_text(encoding="utf-8") if changelog.exists() else ""
        changelog.parent.mkdir(parents=True, exist_ok=True)
        changelog.write_text(prepend(text, package.name, entry), encoding="utf-8")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(spec_bytes)
    if regenerate:
        for package in PACKAGES:
            subprocess.run([sys.executable, str(root / package.generator)], cwd=root, check=True)
    kind = "first recorded release" if previous is None else f"{bump_of(changes)} release"
    return f"released {show(version)} ({kind}, {len(changes)} changes) on {date}"


def check(root: Path) -> list[str]:
    """Everything wrong between the packages and the recorded releases ([] when all agree)."""
    recorded = releases(root)
    if not recorded:
        return ["no release recorded in openapi/releases/: run `make release`"]
    problems: list[str] = []
    versions = [show(v) for v, _ in recorded]
    latest = versions[-1]
    for package in PACKAGES:
        for at in (package.source, *package.generated):
            found = at.read(root)
            if found != latest:
                problems.append(
                    f"{package.name}: version {found} in {at.path}, but the last recorded "
                    f"release is {latest}"
                )
        changelog = root / package.changelog
        text = changelog.read_text(encoding="utf-8") if changelog.is_file() else ""
        listed = [m.group(1) for m in _HEADING.finditer(text)]
        if listed != versions[::-1]:
            problems.append(
                f"{package.name}: {package.changelog} lists releases {listed}, but "
                f"openapi/releases/ records {versions[::-1]}"
            )
        generated = root / package.generated_changelog
        if not generated.is_file() or generated.read_bytes() != changelog.read_bytes():
            problems.append(
                f"{package.name}: {package.generated_changelog} is not "
                f"{package.changelog}: run `make generate`"
            )
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


def throwaway_copy(dest: Path, root: Path = ROOT) -> Path:
    """The files a release reads and writes (openapi/, scripts/, generated/), tracked or new,
    copied under `dest`: for the demo and the tests, which release without touching the tree."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "--", "openapi", "scripts", "generated"],
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
    parser.add_argument("--check", action="store_true", help="the gate: check, change nothing")
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
            pending = diff(load_spec(recorded[-1][1]), load_spec(ROOT / SPEC))
            note = (
                (
                    f"; {len(pending)} unreleased spec changes (bump {bump_of(pending)}): "
                    "`make spec-diff` lists them"
                )
                if pending
                else ""
            )
            print(f"releases agree: {len(recorded)} recorded, latest {show(recorded[-1][0])}{note}")
            return 0
        datetime.date.fromisoformat(args.date)
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
