"""`plivo-contract`'s command line: its help names every knob the runner reads, and a spec
that is not there is a configuration error before anything is sent."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from plivo_contract import cli

PACKAGE = Path(cli.__file__).parent
# The hooks read what the runner hands `st`; the example hook is an example's own.
NOT_KNOBS = ("hooks.py", "example_states.py")
_READ = re.compile(
    r'(?:env\.get\(|env\[|_int\(env, |environ\.get\(|environ\[)"([A-Z][A-Z_]+)"'
    r'|"([A-Z_]+_CALL_UUID)"'
)


def knobs_read() -> set[str]:
    names: set[str] = set()
    for path in PACKAGE.glob("*.py"):
        if path.name not in NOT_KNOBS:
            names |= {a or b for a, b in _READ.findall(path.read_text("utf-8"))}
    return names


def test_the_help_names_every_knob_the_runner_reads(capsys: pytest.CaptureFixture[str]) -> None:
    read = knobs_read()
    assert {"BASE_URL", "CONTRACT_STATES", "CALLBACK_LISTEN", "HUNG_UP_CALL_UUID"} <= read
    with pytest.raises(SystemExit) as exited:
        cli.main(["--help"])
    assert exited.value.code == 0
    shown = capsys.readouterr().out
    assert [name for name in sorted(read) if name not in shown] == []
    assert "--spec FILE" in shown and "--states HOOK" in shown


def test_a_missing_spec_file_is_a_configuration_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--spec", str(tmp_path / "nope.yaml")]) == 2
    assert f"--spec {tmp_path / 'nope.yaml'}: no such file" in capsys.readouterr().err


def test_the_readme_knob_table_names_every_knob_the_runner_reads_and_no_other() -> None:
    """One table, whose first column is exactly what the runner reads (and --spec's file)."""
    text = (PACKAGE / "README.md").read_text("utf-8")
    section = text.split("### Knobs", 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    named = {name for row in rows for name in re.findall(r"`([A-Z][A-Z_]+)`", row.split("|")[1])}
    assert named == knobs_read() | {"CONTRACT_SPEC"}
    assert text.count("### Knobs") == 1
