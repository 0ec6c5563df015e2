"""make release and its gate, end to end in throwaway copies of the repository."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from release import PACKAGES, throwaway_copy

ROOT = Path(__file__).resolve().parent.parent
SPEC = Path("openapi/plivo-dtmf.yaml")
GENERATED = Path("generated/python")
CHANGELOG = Path("openapi/changelogs/python.md")
TS = Path("generated/typescript")
TS_CHANGELOG = Path("openapi/changelogs/typescript.md")


def clone(dest: Path) -> Path:
    return throwaway_copy(dest, ROOT)


def run(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=tree, capture_output=True, text=True, timeout=240
    )


def edit_spec(tree: Path, old: str, new: str) -> None:
    spec = tree / SPEC
    text = spec.read_text("utf-8")
    assert old in text
    spec.write_text(text.replace(old, new, 1), "utf-8")


def latest_release(tree: Path) -> str:
    versions = [p.stem for p in (tree / "openapi/releases").glob("*.yaml")]
    return max(versions, key=lambda v: tuple(int(x) for x in v.split(".")))


def bumped_major(version: str) -> str:
    return f"{int(version.split('.')[0]) + 1}.0.0"


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A copy with a breaking + an added + a docs edit, released on 2027-01-02."""
    tree = clone(tmp_path_factory.mktemp("release"))
    before = latest_release(tree)
    edit_spec(tree, "enum: [aleg, bleg]", "enum: [aleg, bleg, both]")
    edit_spec(tree, "maxLength: 128", "maxLength: 256")
    edit_spec(tree, "summary: Send digits on a call", "summary: Send DTMF digits on a call")
    done = run(tree, "scripts/release.py", "--date", "2027-01-02")
    assert done.returncode == 0, done.stdout + done.stderr
    return tree, before, done.stdout


def test_release_writes_the_version_everywhere(released: tuple[Path, str, str]) -> None:
    tree, before, out = released
    version = bumped_major(before)
    assert f"released {version} (major release" in out
    package = tree / GENERATED
    assert f'version = "{version}"' in (package / "pyproject.toml").read_text("utf-8")
    init = (package / "plivo_dtmf_client/__init__.py").read_text("utf-8")
    assert f'__version__ = "{version}"' in init
    meta = (package / "plivo_dtmf_client/_meta.py").read_text("utf-8")
    assert f'PACKAGE_VERSION: Final = "{version}"' in meta
    manifest = json.loads((tree / TS / "package.json").read_text("utf-8"))
    lock = json.loads((tree / TS / "package-lock.json").read_text("utf-8"))
    assert [manifest["version"], lock["version"], lock["packages"][""]["version"]] == [version] * 3
    for source in ("src/spec.ts", "dist/spec.js"):
        spec_module = (tree / TS / source).read_text("utf-8")
        assert f'export const VERSION = "{version}";' in spec_module
    generator = (tree / "openapi/generator.yaml").read_text("utf-8")
    assert f"package_version_override: {version}\n" in generator
    assert (tree / f"openapi/releases/{version}.yaml").read_bytes() == (tree / SPEC).read_bytes()


def test_release_prepends_an_ordered_changelog_section(released: tuple[Path, str, str]) -> None:
    tree, before, _ = released
    version = bumped_major(before)
    text = (tree / CHANGELOG).read_text("utf-8")
    assert (tree / GENERATED / "CHANGELOG.md").read_text("utf-8") == text
    headings = re.findall(r"^## (\S+) \((\S+)\)$", text, re.M)
    assert headings[0] == (version, "2027-01-02")
    assert headings[1][0] == before
    entry = text[text.index(f"## {version}") : text.index(f"## {before}")]
    titles = re.findall(r"^### (.+)$", entry, re.M)
    assert titles == ["Breaking changes", "Added", "Changed", "Docs"]
    breaking = entry[entry.index("### Breaking") : entry.index("### Added")]
    assert re.search(
        r"^- \*\*BREAKING\*\* .*`leg`: enum value \"both\" added \[Leg\] "
        r"\(`response-enum-value-added`\)$",
        breaking,
        re.M,
    )
    assert "(`request-enum-value-added`)" in entry[entry.index("### Added") :]
    assert "(`request-max-length-increased`)" in entry[entry.index("### Changed") :]
    assert "(`summary-changed`)" in entry[entry.index("### Docs") :]


def test_release_gives_the_typescript_package_the_same_entry(
    released: tuple[Path, str, str],
) -> None:
    tree, _, _ = released
    python, typescript = ((tree / p).read_text("utf-8") for p in (CHANGELOG, TS_CHANGELOG))
    assert (tree / TS / "CHANGELOG.md").read_text("utf-8") == typescript
    assert typescript.startswith("# Changelog: plivo-dtmf-client (TypeScript)\n")
    assert python.startswith("# Changelog: plivo-dtmf-client (Python)\n")
    assert typescript.split("\n", 1)[1] == python.split("\n", 1)[1]


def test_after_a_release_all_checks_pass_and_nothing_is_left(
    released: tuple[Path, str, str],
) -> None:
    tree, _, _ = released
    # make check-generated: both drift checks, then the gate.
    for generator in ("scripts/generate.py", "scripts/generate_typescript.py"):
        drift = run(tree, generator, "--check")
        assert drift.returncode == 0, drift.stdout + drift.stderr
    gate = run(tree, "scripts/release.py", "--check")
    assert gate.returncode == 0, gate.stderr
    assert "unreleased" not in gate.stdout
    diff = subprocess.run(
        [sys.executable, "-m", "specdiff", "--format", "json"],
        cwd=tree,
        env={"PYTHONPATH": str(tree / "scripts"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert (diff.returncode, diff.stdout.split()) == (
        0,
        '{ "bump": "none", "changes": [] }'.split(),
    )
    again = run(tree, "scripts/release.py", "--no-generate")
    assert again.returncode == 1
    assert "nothing to release: the spec has no changes since" in again.stderr


def test_same_input_same_bytes(tmp_path: Path) -> None:
    outputs = []
    for name in ("one", "two"):
        tree = clone(tmp_path / name)
        edit_spec(tree, "enum: [GET, POST]", "enum: [GET, POST, PUT]")
        done = run(tree, "scripts/release.py", "--no-generate", "--date", "2027-03-04")
        assert done.returncode == 0, done.stderr
        version = latest_release(tree)
        outputs.append(
            [
                (tree / p).read_bytes()
                for p in (
                    CHANGELOG,
                    TS_CHANGELOG,
                    Path("openapi/generator.yaml"),
                    Path(f"openapi/releases/{version}.yaml"),
                )
            ]
        )
    assert outputs[0] == outputs[1]
    assert b"## " in outputs[0][0] and b"(2027-03-04)" in outputs[0][0]


def _fake_release(tree: Path, version: str) -> None:
    """What a hand-made release would do, without regenerating: the gate must judge it."""
    previous = latest_release(tree)
    shutil.copyfile(tree / SPEC, tree / f"openapi/releases/{version}.yaml")
    for package in PACKAGES:
        for place in (package.source, *package.generated):
            place.write(tree, version)
    for path in (p for k in PACKAGES for p in (k.changelog, k.generated_changelog)):
        text = (tree / path).read_text("utf-8")
        at = text.index(f"## {previous} (")
        (tree / path).write_text(f"{text[:at]}## {version} (2027-01-01)\n\n{text[at:]}", "utf-8")


def test_gate_fails_a_release_that_bumps_too_little(tmp_path: Path) -> None:
    tree = clone(tmp_path)
    assert run(tree, "scripts/release.py", "--check").returncode == 0
    edit_spec(tree, "maxLength: 128", "maxLength: 64")
    major, minor, patch = (int(x) for x in latest_release(tree).split("."))
    _fake_release(tree, f"{major}.{minor}.{patch + 1}")
    gate = run(tree, "scripts/release.py", "--check")
    assert gate.returncode == 1
    assert f"is a patch release after {major}.{minor}.{patch}, but its changes require major" in (
        gate.stderr
    )
    assert "request-max-length-decreased at /paths/" in gate.stderr
    assert gate.stderr.count("release gate:") == 1, gate.stderr  # both packages agree


def test_gate_allows_unreleased_edits_and_catches_disagreement(tmp_path: Path) -> None:
    tree = clone(tmp_path)
    before = run(tree, "scripts/release.py", "--check")
    # The tree may already hold unreleased edits: this one must add one breaking change.
    found = re.search(r"(\d+) unreleased spec changes", before.stdout)
    pending = int(found.group(1)) if found else 0
    edit_spec(tree, "maxLength: 128", "maxLength: 64")
    gate = run(tree, "scripts/release.py", "--check")
    assert gate.returncode == 0, gate.stderr
    assert f"{pending + 1} unreleased spec changes (bump major)" in gate.stdout

    generator = tree / "openapi/generator.yaml"
    version = latest_release(tree)
    generator.write_text(generator.read_text("utf-8").replace(version, "9.9.9"), "utf-8")
    gate = run(tree, "scripts/release.py", "--check")
    assert gate.returncode == 1
    assert (
        f"version 9.9.9 in openapi/generator.yaml, but the last recorded release is {version}"
        in (gate.stderr)
    )

    generator.write_text(generator.read_text("utf-8").replace("9.9.9", version), "utf-8")
    changelog = tree / CHANGELOG
    changelog.write_text(
        changelog.read_text("utf-8").replace(f"## {version} (", "## 0.0.1 ("), "utf-8"
    )
    gate = run(tree, "scripts/release.py", "--check")
    assert gate.returncode == 1
    assert "openapi/changelogs/python.md lists releases ['0.0.1'" in gate.stderr
    assert "generated/python/CHANGELOG.md is not openapi/changelogs/python.md" in gate.stderr


def test_gate_checks_the_typescript_package(tmp_path: Path) -> None:
    tree = clone(tmp_path)
    version = latest_release(tree)
    manifest = tree / TS / "package.json"
    manifest.write_text(
        manifest.read_text("utf-8").replace(f'"version": "{version}"', '"version": "9.9.9"'),
        "utf-8",
    )
    changelog = tree / TS_CHANGELOG
    changelog.write_text(changelog.read_text("utf-8") + "\n## 0.9.0 (2026-11-01)\n", "utf-8")
    gate = run(tree, "scripts/release.py", "--check")
    assert gate.returncode == 1
    assert gate.stderr.splitlines() == [
        "release gate: plivo-dtmf-client (TypeScript): version 9.9.9 in "
        f"generated/typescript/package.json, but the last recorded release is {version}",
        "release gate: plivo-dtmf-client (TypeScript): openapi/changelogs/typescript.md lists "
        f"releases ['{version}', '0.9.0'], but openapi/releases/ records ['{version}']",
        "release gate: plivo-dtmf-client (TypeScript): generated/typescript/CHANGELOG.md is "
        "not openapi/changelogs/typescript.md: run `make generate`",
    ]


def test_release_refuses_bad_input(tmp_path: Path) -> None:
    tree = clone(tmp_path)
    (tree / SPEC).write_text("openapi: 3.1.0\ninfo: [\n", "utf-8")
    done = run(tree, "scripts/release.py", "--no-generate")
    assert done.returncode == 2
    assert done.stderr.startswith("release: openapi/plivo-dtmf.yaml: not valid YAML")
    bad_date = run(tree, "scripts/release.py", "--no-generate", "--date", "tomorrow")
    assert bad_date.returncode == 2
    assert "Traceback" not in done.stderr + bad_date.stderr
