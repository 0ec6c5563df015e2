"""make release and its gate, end to end in throwaway copies of the repository."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import lint_spec
import pytest
from release import PACKAGES, SOURCE, pending, throwaway_copy
from release_notes import ADVICE, advice
from specdiff.rules import RULES

ROOT = Path(__file__).resolve().parent.parent
SPEC = Path("openapi/plivo-dtmf.yaml")
GENERATED = Path("generated/python")
CHANGELOG = Path("openapi/changelogs/python.md")
TS = Path("generated/typescript")
TS_CHANGELOG = Path("openapi/changelogs/typescript.md")


TS_PLACE = next(at for at in PACKAGES[1].generated if at.path == TS / "package.json")


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


def recorded_releases(tree: Path) -> list[str]:
    """The versions openapi/releases/ records, newest first (as changelogs list them)."""
    versions = [p.stem for p in (tree / "openapi/releases").glob("*.yaml")]
    return sorted(versions, key=lambda v: tuple(int(x) for x in v.split(".")), reverse=True)


def latest_release(tree: Path) -> str:
    return recorded_releases(tree)[0]


def bumped_major(version: str) -> str:
    return f"{int(version.split('.')[0]) + 1}.0.0"


EDITS = (
    ("enum: [sent, failed]", "enum: [sent]"),
    ("enum: [aleg, bleg]", "enum: [aleg, bleg, both]"),
    ("maxLength: 128", "maxLength: 256"),
    ("ms; 1 to 128", "ms; 1 to 256"),  # the prose follows (the lint checks it)
    ("We cap `digits` at 128", "We cap `digits` at 256"),
    ("summary: Send digits on a call", "summary: Send DTMF digits on a call"),
)
"""A breaking + two added + a changed + docs edits."""


def regenerate(tree: Path) -> None:
    """What `make generate` runs: the pending version, then every generator."""
    done = run(tree, "scripts/release.py", "--set-version")
    assert done.returncode == 0, done.stdout + done.stderr
    for generator in ("scripts/generate.py", "scripts/generate_typescript.py"):
        done = run(tree, generator)
        assert done.returncode == 0, done.stdout + done.stderr


def files(tree: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(tree)): p.read_bytes()
        for p in sorted(tree.rglob("*"))
        if p.is_file()
        and "build" not in p.relative_to(tree).parts[:1]
        and "__pycache__" not in p.parts
    }


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A copy with EDITS, regenerated as `make generate` does: a tree ready to release."""
    tree = clone(tmp_path_factory.mktemp("edited"))
    before = latest_release(tree)
    for old, new in EDITS:
        edit_spec(tree, old, new)
    regenerate(tree)
    return tree, before


@pytest.fixture(scope="module")
def released(
    edited: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str, str]:
    """`edited`, released on 2027-01-02."""
    source, before = edited
    tree = tmp_path_factory.mktemp("released") / "tree"
    shutil.copytree(source, tree, symlinks=True)
    done = run(tree, "scripts/release.py", "--date", "2027-01-02")
    assert done.returncode == 0, done.stdout + done.stderr
    return tree, before, done.stdout


def versions(tree: Path) -> dict[str, set[str | None]]:
    """Every version each package carries, by package."""
    return {
        package.name: {at.read(tree) for at in (SOURCE, *package.generated)} for package in PACKAGES
    }


def test_between_releases_the_packages_carry_the_next_versions_pre_release(
    edited: tuple[Path, str],
) -> None:
    tree, before = edited
    version = bumped_major(before)
    assert versions(tree) == {package.name: {f"{version}.dev0"} for package in PACKAGES} | {
        "plivo-dtmf-client (TypeScript)": {f"{version}.dev0", f"{version}-dev.0"}
    }
    gate = run(tree, "scripts/release.py", "--check")
    assert gate.returncode == 0, gate.stderr
    assert f"carried as {version}.dev0" in gate.stdout


def test_dry_run_prints_the_version_and_entries_and_writes_nothing(
    edited: tuple[Path, str],
) -> None:
    tree, before = edited
    version = bumped_major(before)
    snapshot = files(tree)
    done = run(tree, "scripts/release.py", "--dry-run", "--date", "2027-01-02")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"next version: {version} (major release after {before})")
    for package in PACKAGES:
        assert f"\n  {package.changelog} ({package.name})\n" in done.stdout
    assert done.stdout.count(f"\n## {version} (2027-01-02)\n") == 1
    assert f"[Leg]. {advice('request-enum-value-added')} (`request-enum-value-added`)" in (
        done.stdout
    )
    assert files(tree) == snapshot


def test_release_writes_the_version_everywhere(released: tuple[Path, str, str]) -> None:
    tree, before, out = released
    version = bumped_major(before)
    assert f"released {version} (major release" in out
    assert versions(tree) == {package.name: {version} for package in PACKAGES}
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
    control = (tree / "generated/python-mock-control/pyproject.toml").read_text("utf-8")
    assert f'version = "{version}"' in control
    generator = (tree / "openapi/generator.yaml").read_text("utf-8")
    assert f"package_version_override: {version}\n" in generator
    assert (tree / f"openapi/releases/{version}.yaml").read_bytes() == (tree / SPEC).read_bytes()


def test_the_toolkit_wheel_carries_the_released_version(
    released: tuple[Path, str, str], tmp_path: Path
) -> None:
    tree, before, _ = released
    uv = Path(sys.executable).parent / "uv"
    subprocess.run(
        [str(uv), "build", "--wheel", "-q", "-o", str(tmp_path), str(tree)],
        check=True,
        capture_output=True,
        timeout=240,
    )
    assert [p.name for p in tmp_path.glob("*.whl")] == [
        f"plivo_dtmf-{bumped_major(before)}-py3-none-any.whl"
    ]


def _entry(text: str, version: str, before: str) -> str:
    return text[text.index(f"## {version}") : text.index(f"## {before}")]


def test_release_prepends_an_ordered_changelog_section(released: tuple[Path, str, str]) -> None:
    tree, before, _ = released
    version = bumped_major(before)
    text = (tree / CHANGELOG).read_text("utf-8")
    assert (tree / GENERATED / "CHANGELOG.md").read_text("utf-8") == text
    headings = re.findall(r"^## (\S+) \((\S+)\)$", text, re.M)
    assert headings[0] == (version, "2027-01-02")
    assert headings[1][0] == before
    entry = _entry(text, version, before)
    titles = re.findall(r"^### (.+)$", entry, re.M)
    assert titles == ["Breaking changes", "Added", "Changed", "Docs"]
    breaking = entry[entry.index("### Breaking") : entry.index("### Added")]
    assert re.search(
        r"^- \*\*BREAKING\*\* .*`status`: enum value `failed` removed.* "
        r"\(`response-enum-value-removed`\)$",
        breaking,
        re.M,
    )
    added = entry[entry.index("### Added") : entry.index("### Changed")]
    # Response and callback enums are open: a value added is not breaking.
    assert re.search(
        r"`leg`: enum value `both` added \[Leg\].* \(`response-enum-value-added`\)$", added, re.M
    )
    assert "(`request-enum-value-added`)" in added
    assert "(`request-max-length-increased`)" in entry[entry.index("### Changed") :]
    assert "(`summary-changed`)" in entry[entry.index("### Docs") :]


def test_changelog_lines_say_what_changes_for_the_user(released: tuple[Path, str, str]) -> None:
    """Each line: spec-diff's field and values, then the consequence and what to do."""
    tree, before, _ = released
    entry = _entry((tree / CHANGELOG).read_text("utf-8"), bumped_major(before), before)
    lines = {line for line in entry.splitlines() if line.startswith("- ")}
    sent = [line for line in lines if "request body `leg`: enum value `both` added" in line]
    tail = f"{advice('request-enum-value-added')} (`request-enum-value-added`)"
    assert sent and all(line.endswith(tail) for line in sent), sent
    parsed = [
        line
        for line in lines
        if "`leg`: enum value `both` added [Leg]" in line and "callback" in line
    ]
    assert parsed and all("plain string" in line for line in parsed), parsed
    longer = [line for line in lines if "request-max-length-increased" in line]
    assert longer and all("Longer values are accepted." in line for line in longer)
    for line in lines:
        rule_id = re.findall(r"\(`([a-z-]+)`\)$", line)[-1]
        assert f". {advice(rule_id)} (`{rule_id}`)" in line, line


def test_every_rule_says_what_it_means_for_the_user() -> None:
    assert set(ADVICE) == set(RULES)
    assert all(text.endswith(".") and len(text) > 10 for text in ADVICE.values())


def test_all_four_packages_get_the_same_entry(released: tuple[Path, str, str]) -> None:
    tree, before, _ = released
    version = bumped_major(before)
    entries = set()
    for package in PACKAGES:
        text = (tree / package.changelog).read_text("utf-8")
        assert text.startswith(f"# Changelog: {package.name}\n")
        if package.generated_changelog is not None:
            assert (tree / package.generated_changelog).read_text("utf-8") == text
        entries.add(_entry(text, version, before))
    assert len(entries) == 1


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


def test_same_input_same_bytes(edited: tuple[Path, str], tmp_path: Path) -> None:
    outputs = []
    for name in ("one", "two"):
        tree = tmp_path / name
        shutil.copytree(edited[0], tree, symlinks=True)
        done = run(tree, "scripts/release.py", "--no-generate", "--date", "2027-03-04")
        assert done.returncode == 0, done.stderr
        version = latest_release(tree)
        outputs.append(
            [(tree / p).read_bytes() for p in (Path(f"openapi/releases/{version}.yaml"),)]
            + [(tree / p.changelog).read_bytes() for p in PACKAGES]
            + [(tree / "openapi/generator.yaml").read_bytes()]
        )
    assert outputs[0] == outputs[1]
    assert b"## " in outputs[0][1] and b"(2027-03-04)" in outputs[0][1]


def test_release_refuses_a_spec_that_fails_lint_and_writes_nothing(tmp_path: Path) -> None:
    """The accident of issue 21: a new required field leaves the spec's own examples invalid."""
    tree = clone(tmp_path)
    edit_spec(tree, "required: [message, api_id]", "required: [message, api_id, queued_at]")
    before = files(tree)
    for args in ((), ("--dry-run",)):
        done = run(tree, "scripts/release.py", *args, "--date", "2027-01-02")
        assert done.returncode == 1, done.stdout + done.stderr
        said = done.stdout + done.stderr
        assert "the spec fails `make lint-spec`: redocly lint" in said
        findings = re.findall(r"^  \d+:\d+ +error .*'queued_at'.*$", said, re.M)
        assert findings and len(findings) == len(set(findings)), said  # each error once
        assert said.count("openapi/plivo-dtmf.yaml") == 1, said  # no progress lines
        assert files(tree) == before


def test_release_refuses_a_drifted_tree_and_writes_nothing(tmp_path: Path) -> None:
    tree = clone(tmp_path)
    readme = tree / GENERATED / "README.md"
    readme.write_text(readme.read_text("utf-8") + "A hand edit.\n", "utf-8")
    edit_spec(tree, "summary: Send digits on a call", "summary: Send DTMF digits on a call")
    carry(tree, pending(tree).spelled())  # the gate passes: only the drift check can refuse
    before = files(tree)
    done = run(tree, "scripts/release.py", "--date", "2027-01-02")
    assert done.returncode == 1
    assert done.stderr.startswith("release: nothing written:\n")
    assert "the drift check fails (`scripts/generate.py --check`" in done.stderr
    assert "+A hand edit." in done.stderr or "-A hand edit." in done.stderr
    assert files(tree) == before


def test_lint_spec_and_the_docs_target_pin_the_same_redocly() -> None:
    makefile = (ROOT / "Makefile").read_text("utf-8")
    assert f"REDOCLY := {' '.join(lint_spec.REDOCLY)}" in makefile
    assert "scripts/lint_spec.py" in makefile[makefile.index("\nlint-spec:") :]


def _fake_release(tree: Path, version: str) -> None:
    """What a hand-made release would do, without regenerating: the gate must judge it."""
    previous = latest_release(tree)
    shutil.copyfile(tree / SPEC, tree / f"openapi/releases/{version}.yaml")
    carry(tree, version)
    for package in PACKAGES:
        for path in filter(None, (package.changelog, package.generated_changelog)):
            text = (tree / path).read_text("utf-8")
            at = text.index(f"## {previous} (")
            (tree / path).write_text(
                f"{text[:at]}## {version} (2027-01-01)\n\n{text[at:]}", "utf-8"
            )


def carry(tree: Path, version: str) -> None:
    """Write `version` (Python spelling; npm's where npm reads it) everywhere packages carry it."""
    npm = re.sub(r"\.dev(\d+)$", r"-dev.\1", version)
    for package in PACKAGES:
        for place in (SOURCE, *package.generated):
            place.write(tree, npm if place.npm else version)


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
    assert gate.stderr.count("release gate:") == 1, gate.stderr  # the packages agree


def test_gate_names_each_package_carrying_a_released_number_on_other_contents(
    tmp_path: Path,
) -> None:
    """Issue 21: after spec edits, packages still saying the last release's number."""
    tree = clone(tmp_path)
    edit_spec(tree, "maxLength: 128", "maxLength: 64")  # pending: a breaking change at least
    last = latest_release(tree)
    carry(tree, last)
    gate = run(tree, "scripts/release.py", "--check")
    assert gate.returncode == 1
    want = f"{bumped_major(last)}.dev0"
    for package in PACKAGES:
        assert (
            f"release gate: {package.name}: version {last} in openapi/generator.yaml is release "
            f"{last}, whose recorded spec differs from these contents"
        ) in gate.stderr
    assert (
        f"version {last} in generated/typescript/package.json is release {last}, whose recorded "
        f"spec differs"
    ) in gate.stderr
    assert f"it must be {want} (`make generate` writes it)" in gate.stderr


def test_gate_fails_a_stale_pre_release_number(tmp_path: Path) -> None:
    tree = clone(tmp_path)
    edit_spec(tree, "maxLength: 128", "maxLength: 64")
    last = latest_release(tree)
    major, minor, _ = (int(x) for x in last.split("."))
    carry(tree, f"{major}.{minor + 1}.0.dev0")  # a minor's pre-release: the bump is major
    gate = run(tree, "scripts/release.py", "--check")
    assert gate.returncode == 1
    assert (
        f"release gate: plivo-mock-control-client: version {major}.{minor + 1}.0.dev0 in "
        f"generated/python-mock-control/pyproject.toml is stale: the changes since {last} call "
        f"for {bumped_major(last)}.dev0"
    ) in gate.stderr
    assert f"version {major}.{minor + 1}.0-dev.0 in generated/typescript/package.json" in (
        gate.stderr
    )


def test_set_version_writes_the_pending_version_to_the_one_source(tmp_path: Path) -> None:
    tree = clone(tmp_path)
    edit_spec(tree, "maxLength: 128", "maxLength: 64")
    done = run(tree, "scripts/release.py", "--set-version")
    assert done.returncode == 0, done.stderr
    want = f"{bumped_major(latest_release(tree))}.dev0"
    assert done.stdout == f"version: {want} (openapi/generator.yaml)\n"
    assert SOURCE.read(tree) == want
    shutil.copyfile(tree / f"openapi/releases/{latest_release(tree)}.yaml", tree / SPEC)
    assert run(tree, "scripts/release.py", "--set-version").returncode == 0
    assert SOURCE.read(tree) == latest_release(tree)  # the spec is the release's again


def test_gate_fails_a_toolkit_with_a_version_of_its_own(tmp_path: Path) -> None:
    tree = clone(tmp_path)
    pyproject = tree / "pyproject.toml"
    text = pyproject.read_text("utf-8")
    pyproject.write_text(text.replace('dynamic = ["version"]', 'version = "0.1.0"'), "utf-8")
    gate = run(tree, "scripts/release.py", "--check")
    assert gate.returncode == 1
    assert "plivo-dtmf (toolkit): pyproject.toml sets its own version '0.1.0'" in gate.stderr


def test_gate_catches_a_changelog_that_disagrees(tmp_path: Path) -> None:
    tree = clone(tmp_path)
    version = latest_release(tree)
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
    recorded = recorded_releases(tree)
    carried = TS_PLACE.read(tree)
    manifest = tree / TS / "package.json"
    manifest.write_text(
        manifest.read_text("utf-8").replace(f'"version": "{carried}"', '"version": "9.9.9"'),
        "utf-8",
    )
    changelog = tree / TS_CHANGELOG
    changelog.write_text(changelog.read_text("utf-8") + "\n## 0.9.0 (2026-11-01)\n", "utf-8")
    gate = run(tree, "scripts/release.py", "--check")
    assert gate.returncode == 1
    lines = gate.stderr.splitlines()
    assert len(lines) == 3, gate.stderr
    assert lines[0].startswith(
        "release gate: plivo-dtmf-client (TypeScript): version 9.9.9 in "
        "generated/typescript/package.json "
    )
    assert lines[0].endswith(f"it must be {carried} (`make generate` writes it)")
    assert lines[1:] == [
        "release gate: plivo-dtmf-client (TypeScript): openapi/changelogs/typescript.md lists "
        f"releases {[*recorded, '0.9.0']}, but openapi/releases/ records {recorded}",
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


LONG_PATTERN = r"^(?:[0-9A-D*#wW]|\x23|\u0023)+(?:@[1-9][0-9]{1,3})?(?:\s*)(?:\.{0,0})$(?!\n)"
"""Longer than any terminal cut, with backslashes JSON would double."""


def test_changelog_shows_a_long_pattern_whole_and_as_written(tmp_path: Path) -> None:
    tree = clone(tmp_path)
    edit_spec(
        tree, r"pattern: ^[0-9A-D*#wW]+(@[1-9][0-9]{1,3})?$(?!\n)", f"pattern: {LONG_PATTERN}"
    )
    done = run(tree, "scripts/release.py", "--dry-run", "--date", "2027-01-02")
    lines = [
        line
        for line in done.stdout.splitlines()
        if "(`request-pattern-changed`)" in line and "`digits`" in line
    ]
    assert lines, done.stdout + done.stderr
    for line in lines:
        assert f"-> `{LONG_PATTERN}`" in line, line
        assert "\\\\" not in line and "..." not in line, line  # no doubled backslash


def test_release_refuses_prose_naming_a_limit_the_spec_no_longer_enforces(tmp_path: Path) -> None:
    """Digits `maxLength: 64` with "1 to 128 characters" left in the prose: lint refuses it."""
    tree = clone(tmp_path)
    edit_spec(tree, "maxLength: 128", "maxLength: 64")
    regenerate(tree)  # only the prose can refuse
    before = files(tree)
    done = run(tree, "scripts/release.py", "--date", "2027-01-02")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "prose names a number the spec does not enforce" in done.stderr
    assert "components/schemas/Digits: 128 (in '" in done.stderr
    assert "info/x-decisions/digits-length: 128 (in '" in done.stderr
    assert files(tree) == before
