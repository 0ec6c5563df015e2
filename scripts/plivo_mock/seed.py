"""Extra accounts and live calls from a seed file (YAML or JSON).

Its format is the control document's `x-seed-file` schema, which refers to the Plivo
spec's own Auth ID and call UUID schemas.
"""

from __future__ import annotations

from pathlib import Path

from .config import Account
from .spec import ApiDocument, SpecError, read_yaml
from .state import SeedCall


class SeedError(ValueError):
    pass


def load_seed(path: Path, control: ApiDocument) -> tuple[list[Account], list[SeedCall]]:
    try:
        raw = read_yaml(path)
    except SpecError as exc:
        raise SeedError(f"seed file {exc}") from None
    validator = control.schema_validator("/x-seed-file/schema")
    problems = control.schemas.errors(validator, raw, where="seed")
    if problems:
        raise SeedError(f"seed file {path}: {'; '.join(problems)}")
    accounts: list[Account] = []
    calls: list[SeedCall] = []
    for entry in raw["accounts"]:
        accounts.append(Account(entry["auth_id"], entry["auth_token"]))
        for call in entry.get("calls", []):
            calls.append(SeedCall(entry["auth_id"], call["call_uuid"], call.get("bleg", False)))
    return accounts, calls
