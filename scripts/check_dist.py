"""`make dist`'s own check: what is in dist/ is what a registry would be sent, and only that.

    python scripts/check_dist.py [DIST]

`twine check` (run by `make dist` before this) reads the metadata; this reads the file lists.
Each expected list is derived from the project's own declaration, never typed here:

- dist/ holds exactly one wheel and one sdist per Python project and one npm tarball, named
  after the version each project declares (a stale artifact of another version fails);
- a wheel holds every file of the packages its pyproject.toml ships (`module-name` for
  uv_build; hatch's `packages` and `force-include` for the toolkit, whose spec copies must be
  byte-identical to openapi/), and nothing else but its .dist-info: no tests, no caches;
- an sdist holds every source the wheel is built from (uv builds the wheel from the sdist, so
  a package missing here is missing there too) and no tests/;
- the npm tarball holds exactly the files package.json's `files` names (as on disk, less what
  git ignores) plus package.json and README.md, every `main`/`types`/`exports` target among
  them, a compiled .js and .d.ts for each src/*.ts, and no node_modules or tests.

Exit 0 when all hold; 1 with one line per problem.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TS_SDK = ROOT / "generated" / "typescript"
PYTHON_PROJECTS = (ROOT / "generated" / "python", ROOT / "generated" / "python-mock-control", ROOT)
# Path parts no artifact may carry: test code, build caches, dependencies of a checkout.
FORBIDDEN_PARTS = {"tests", "test", "__pycache__", "node_modules", ".pytest_cache", ".venv"}


@dataclass(frozen=True)
class PythonProject:
    root: Path
    name: str
    version: str
    # Files the wheel must hold: its path in the wheel -> its source in the checkout.
    shipped: dict[str, Path]

    @property
    def stem(self) -> str:
        return f"{self.name.replace('-', '_')}-{self.version}"


def _source_files(folder: Path) -> Iterator[Path]:
    """The files of a source folder as git sees them (tracked or new, never ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", "."],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in sorted(set(filter(None, listed.split("\0")))):
        path = folder / name
        if path.is_file():
            yield path


def _version(root: Path, project: dict[str, Any], tool: dict[str, Any]) -> str:
    """The declared version, or a dynamic one read where hatch reads it (`[tool.hatch.version]`
    path and pattern)."""
    if "version" in project:
        return str(project["version"])
    source = tool["hatch"]["version"]
    text = (root / source["path"]).read_text("utf-8")
    pattern = source.get(
        "pattern", r"""(?i)^(__version__|VERSION) *= *(['"])v?(?P<version>.+?)\2"""
    )
    found = re.search(pattern, text, re.M)
    if found is None:
        raise SystemExit(f"dist: no version in {source['path']} (pyproject.toml's hatch source)")
    return str(found.group("version"))


def python_project(root: Path) -> PythonProject:
    meta = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))
    project, tool = meta["project"], meta.get("tool", {})
    shipped: dict[str, Path] = {}
    hatch = tool.get("hatch", {}).get("build", {}).get("targets", {}).get("wheel")
    if hatch is not None:
        for package in hatch.get("packages", []):
            source = root / package
            for path in _source_files(source):
                shipped[f"{source.name}/{path.relative_to(source).as_posix()}"] = path
        for source, target in hatch.get("force-include", {}).items():
            shipped[target] = root / source
    else:
        module = tool["uv"]["build-backend"]["module-name"]
        for path in _source_files(root / module):
            shipped[path.relative_to(root).as_posix()] = path
    return PythonProject(root, project["name"], _version(root, project, tool), shipped)


def _forbidden(names: list[str]) -> list[str]:
    return [n for n in names if FORBIDDEN_PARTS & set(PurePosixPath(n).parts)]


def check_wheel(project: PythonProject, wheel: Path) -> Iterator[str]:
    with zipfile.ZipFile(wheel) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
        held = set(names)
        for target, source in sorted(project.shipped.items()):
            if target not in held:
                yield f"{wheel.name}: {target} missing (shipped from {source.relative_to(ROOT)})"
            elif archive.read(target) != source.read_bytes():
                yield f"{wheel.name}: {target} differs from {source.relative_to(ROOT)}"
    info = f"{project.stem}.dist-info/"
    for name in sorted(held - project.shipped.keys()):
        if not name.startswith(info):
            yield f"{wheel.name}: stray file {name}"
    for name in _forbidden(names):
        yield f"{wheel.name}: {name} is not for users (tests or caches)"


def check_sdist(project: PythonProject, sdist: Path) -> Iterator[str]:
    with tarfile.open(sdist) as archive:
        names = [m.name for m in archive.getmembers() if m.isfile()]
    top = f"{project.stem}/"
    inside = {n.removeprefix(top) for n in names}
    for target, source in sorted(project.shipped.items()):
        relative = source.relative_to(project.root).as_posix()
        if relative not in inside:
            yield (
                f"{sdist.name}: {relative} missing (the wheel's {target} is built from it; "
                "pyproject.toml's [tool.hatch.build.targets.sdist] only-include must list it)"
            )
    for required in ("pyproject.toml", "PKG-INFO"):
        if required not in inside:
            yield f"{sdist.name}: {required} missing"
    for name in _forbidden(names):
        yield f"{sdist.name}: {name} is not for users (tests or caches)"


def _targets(value: Any) -> Iterator[str]:
    """Every file an `exports` map (or a main/types field) points at."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from _targets(inner)


def npm_expected(package: Path) -> tuple[dict[str, Any], set[str]]:
    manifest = json.loads((package / "package.json").read_text("utf-8"))
    expected = {"package.json", "README.md"}
    for entry in manifest.get("files", []):
        path = package / entry
        if path.is_dir():
            expected |= {p.relative_to(package).as_posix() for p in _source_files(path)}
        else:
            expected.add(entry)
    return manifest, expected


def check_tarball(tarball: Path, package: Path = TS_SDK) -> Iterator[str]:
    manifest, expected = npm_expected(package)
    with tarfile.open(tarball) as archive:
        names = [m.name for m in archive.getmembers() if m.isfile()]
    # npm puts every file under package/.
    held = {n.removeprefix("package/") for n in names}
    for name in sorted(expected - held):
        yield f"{tarball.name}: {name} missing (package.json `files` names it)"
    for name in sorted(held - expected):
        yield f"{tarball.name}: stray file {name}"
    entries = [manifest.get("main"), manifest.get("types"), *_targets(manifest.get("exports"))]
    for entry in filter(None, entries):
        if PurePosixPath(entry).as_posix().removeprefix("./") not in held:
            yield f"{tarball.name}: {entry} missing (package.json points at it)"
    for source in sorted(n for n in held if n.startswith("src/") and n.endswith(".ts")):
        stem = source.removeprefix("src/").removesuffix(".ts")
        for built in (f"dist/{stem}.js", f"dist/{stem}.d.ts"):
            if built not in held:
                yield f"{tarball.name}: {built} missing (compiled from {source})"
    for name in _forbidden(sorted(held)):
        yield f"{tarball.name}: {name} is not for users (tests or dependencies)"


def check(dist: Path) -> list[str]:
    projects = [python_project(root) for root in PYTHON_PROJECTS]
    manifest = json.loads((TS_SDK / "package.json").read_text("utf-8"))
    tarball = dist / f"{manifest['name'].lstrip('@').replace('/', '-')}-{manifest['version']}.tgz"
    expected = {
        dist / name for p in projects for name in (f"{p.stem}-py3-none-any.whl", f"{p.stem}.tar.gz")
    } | {tarball}
    # uv build leaves a .gitignore of its own in the folder: not an artifact.
    found = {p for p in dist.iterdir() if p.is_file() and p.name != ".gitignore"}
    problems = [f"{p.name}: not built" for p in sorted(expected - found)]
    problems += [f"{p.name}: not an artifact of this checkout" for p in sorted(found - expected)]
    for project in projects:
        wheel = dist / f"{project.stem}-py3-none-any.whl"
        sdist = dist / f"{project.stem}.tar.gz"
        if wheel.is_file():
            problems += check_wheel(project, wheel)
        if sdist.is_file():
            problems += check_sdist(project, sdist)
    if tarball.is_file():
        problems += check_tarball(tarball)
    return problems


def main(argv: list[str]) -> int:
    dist = Path(argv[0]) if argv else ROOT / "dist"
    if not dist.is_dir():
        print(f"dist: {dist} is not a folder (run make dist)", file=sys.stderr)
        return 1
    problems = check(dist)
    for problem in problems:
        print(f"dist: {problem}", file=sys.stderr)
    if not problems:
        print(f"dist: every artifact in {dist} checked")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
