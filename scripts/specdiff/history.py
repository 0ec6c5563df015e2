"""The recorded releases: one frozen copy of the spec per released version.

`openapi/releases/<version>.yaml` is the spec exactly as released (byte for byte), so the next
`make spec-diff` starts from it and the gate can re-check every release's bump.
"""

from __future__ import annotations

import re
from pathlib import Path

from specdiff.load import ROOT

RELEASES = Path("openapi") / "releases"
_VERSION = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")

Version = tuple[int, int, int]


def parse_version(text: str) -> Version:
    match = _VERSION.match(text)
    if match is None:
        raise ValueError(f"not a MAJOR.MINOR.PATCH version: {text!r}")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def show(version: Version) -> str:
    return ".".join(str(part) for part in version)


_PACKAGE_VERSION = re.compile(r"(\d+\.\d+\.\d+)(?:\.dev(\d+))?")


def npm_spelling(python: str) -> str:
    """A package version (PEP 440, `X.Y.Z` or `X.Y.Z.devN`) as npm spells it (`X.Y.Z-dev.N`):
    the one spelling both the release gate and the TypeScript generator use."""
    found = _PACKAGE_VERSION.fullmatch(python)
    if found is None:
        raise ValueError(f"not X.Y.Z or X.Y.Z.devN: {python!r}")
    release, dev = found.groups()
    return release if dev is None else f"{release}-dev.{dev}"


def bumped(version: Version, bump: str) -> Version:
    major, minor, patch = version
    if bump == "major":
        return major + 1, 0, 0
    if bump == "minor":
        return major, minor + 1, 0
    if bump == "patch":
        return major, minor, patch + 1
    raise ValueError(f"no release for bump {bump!r}")


def bump_between(old: Version, new: Version) -> str:
    """What kind of release going from `old` to `new` is."""
    if new[0] != old[0]:
        return "major" if new > old else "none"
    if new[1] != old[1]:
        return "minor" if new > old else "none"
    return "patch" if new > old else "none"


def releases(root: Path = ROOT) -> list[tuple[Version, Path]]:
    """The recorded releases, oldest first."""
    folder = root / RELEASES
    found = []
    for path in folder.glob("*.yaml") if folder.is_dir() else []:
        try:
            found.append((parse_version(path.stem), path))
        except ValueError:
            continue
    return sorted(found)


def snapshot(version: Version, root: Path = ROOT) -> Path:
    return root / RELEASES / f"{show(version)}.yaml"
