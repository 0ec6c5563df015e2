"""What an error answer must look like, read from the two OpenAPI documents."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

from tests.client_support import DTMF_PATH, SPEC_PATH, resolve

from .rawhttp import RawResponse

CONTROL_SPEC = SPEC_PATH.parent / "mock-control.yaml"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@cache
def _document(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def _validator(schema: dict[str, Any]) -> Any:
    """A 2020-12 validator for a schema of the Plivo spec (its `#/components` refs resolve)."""
    return jsonschema_rs.validator_for({**schema, "components": _document(SPEC_PATH)["components"]})


@cache
def documented_client_errors() -> frozenset[int]:
    """Every 4xx either document gives to any operation."""
    statuses: set[int] = set()
    for path in (SPEC_PATH, CONTROL_SPEC):
        for item in _document(path)["paths"].values():
            for method, operation in item.items():
                if method in HTTP_METHODS:
                    statuses.update(int(s) for s in operation["responses"] if s.startswith("4"))
    return frozenset(statuses)


@cache
def _error_validator() -> Any:
    return _validator(_document(SPEC_PATH)["components"]["schemas"]["Error"])


@cache
def _required_headers(status: int) -> tuple[tuple[str, Any], ...]:
    """The headers the DTMF operation's response for `status` must carry, with validators."""
    spec = _document(SPEC_PATH)
    responses = spec["paths"][DTMF_PATH]["post"]["responses"]
    if str(status) not in responses:
        return ()
    response = resolve(responses[str(status)])
    required = []
    for name, header in response.get("headers", {}).items():
        header = resolve(header)
        if header.get("required"):
            required.append((name, _validator(header["schema"])))
    return tuple(required)


def error_problems(answer: RawResponse, *, head: bool = False) -> list[str]:
    """Everything wrong with `answer` as a Plivo-shaped JSON error; empty when it is right."""
    problems: list[str] = []
    content_type = answer.header("Content-Type") or ""
    if content_type.split(";")[0].strip().lower() != "application/json":
        problems.append(f"Content-Type is {content_type!r}, not application/json")
    for name, validator in _required_headers(answer.status):
        value = answer.header(name)
        if value is None:
            problems.append(f"{answer.status} without its {name} header")
        elif not validator.is_valid(value):
            problems.append(f"{name}: {value!r} does not match the spec")
    if head:
        return problems
    try:
        body = json.loads(answer.body)
    except ValueError:
        problems.append(f"body is not JSON: {answer.body[:200]!r}")
        return problems
    problems += [f"body: {error}" for error in _error_validator().iter_errors(body)]
    return problems


def error_body(answer: RawResponse) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(answer.body)
    return body
