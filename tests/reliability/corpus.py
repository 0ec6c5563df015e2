"""The hostile-input corpus: load `hostile_corpus.yaml` and turn each case into raw bytes."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

import yaml

CORPUS_PATH = Path(__file__).with_name("hostile_corpus.yaml")

_KEYS = {
    "name",
    "why",
    "method",
    "target",
    "version",
    "headers",
    "drop_headers",
    "set_headers",
    "add_headers",
    "pad_headers",
    "basic_credentials",
    "basic_encoding",
    "body",
    "encoding",
    "body_latin1",
    "body_b64",
    "body_parts",
    "chunked",
    "content_length",
    "half_close",
    "raw",
    "expect",
    "finding",
}


@dataclass(frozen=True)
class Expectation:
    """What a case must get: some statuses, any 4xx, or a close without an answer."""

    statuses: frozenset[int]
    any_client_error: bool = False
    closed: bool = False

    def allows(self, status: int) -> bool:
        return status in self.statuses or (self.any_client_error and 400 <= status < 500)

    def __str__(self) -> str:
        if self.closed:
            return "connection closed without an answer"
        if self.any_client_error:
            return "any 4xx"
        return " or ".join(str(s) for s in sorted(self.statuses))


@dataclass(frozen=True)
class Case:
    name: str
    fields: Mapping[str, Any]
    expect: Expectation
    finding: str | None

    @property
    def half_close(self) -> bool:
        return bool(self.fields.get("half_close", False))

    @property
    def is_head(self) -> bool:
        return self.fields.get("method") == "HEAD"

    def render(self, context: Mapping[str, str]) -> bytes:
        """The request exactly as it goes on the wire."""
        fields = self.fields

        def text(value: str) -> str:
            return Template(value).substitute(context)

        if "raw" in fields:
            return text(fields["raw"]).encode("latin-1")
        body = _body(fields, text)
        headers = _headers(fields, text, body)
        if fields.get("chunked"):
            body = _chunked(body)
        line = f"{fields['method']} {text(fields['target'])} {fields['version']}\r\n"
        head = line + "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\n"
        return head.encode("latin-1") + body


def _body(fields: Mapping[str, Any], text: Any) -> bytes:
    if "body_b64" in fields:
        return base64.b64decode(fields["body_b64"], validate=True)
    if "body_latin1" in fields:
        return bytes(text(fields["body_latin1"]).encode("latin-1"))
    if "body_parts" in fields:
        return "".join(part * times for part, times in fields["body_parts"]).encode()
    return bytes(text(fields["body"]).encode(fields.get("encoding", "utf-8")))


def _headers(fields: Mapping[str, Any], text: Any, body: bytes) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = [(name, value) for name, value in fields["headers"]]
    dropped = {name.lower() for name in fields.get("drop_headers", [])}
    pairs = [(name, value) for name, value in pairs if name.lower() not in dropped]
    replacements: list[tuple[str, str]] = [tuple(pair) for pair in fields.get("set_headers", [])]
    if "basic_credentials" in fields:
        raw = text(fields["basic_credentials"]).encode(fields.get("basic_encoding", "utf-8"))
        replacements.append(("Authorization", "Basic " + base64.b64encode(raw).decode()))
    for name, value in replacements:
        if any(existing.lower() == name.lower() for existing, _ in pairs):
            pairs = [(n, value if n.lower() == name.lower() else v) for n, v in pairs]
        else:
            pairs.append((name, value))
    pairs += [(name, value) for name, value in fields.get("add_headers", [])]
    padding = fields.get("pad_headers")
    if padding:
        pairs += [(f"X-Pad-{i}", "a" * padding["size"]) for i in range(padding["count"])]
    pairs = [(name, text(value)) for name, value in pairs]
    if fields.get("chunked"):
        pairs.append(("Transfer-Encoding", "chunked"))
        return pairs
    declared = fields.get("content_length", "auto")
    if declared == "auto":
        pairs.append(("Content-Length", str(len(body))))
    elif declared != "omit":
        pairs.append(("Content-Length", str(declared)))
    return pairs


def _chunked(body: bytes, size: int = 1024) -> bytes:
    chunks = [body[i : i + size] for i in range(0, len(body), size)]
    framed = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks)
    return framed + b"0\r\n\r\n"


def _expectation(value: Any) -> Expectation:
    if value == "closed":
        return Expectation(frozenset(), closed=True)
    if value == "4xx":
        return Expectation(frozenset(), any_client_error=True)
    statuses = [value] if isinstance(value, int) else value
    if not statuses or not all(isinstance(s, int) and 400 <= s < 600 for s in statuses):
        raise ValueError(f"bad expect {value!r}")
    return Expectation(frozenset(statuses))


def load(path: Path = CORPUS_PATH) -> list[Case]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    defaults: dict[str, Any] = document["defaults"]
    cases: list[Case] = []
    seen: set[str] = set()
    entries: Sequence[dict[str, Any]] = document["cases"]
    for entry in entries:
        unknown = set(entry) - _KEYS
        if unknown or "name" not in entry or "expect" not in entry:
            raise ValueError(f"corpus entry {entry.get('name')!r}: bad keys {sorted(unknown)}")
        if entry["name"] in seen:
            raise ValueError(f"corpus entry {entry['name']!r} appears twice")
        seen.add(entry["name"])
        cases.append(
            Case(
                name=entry["name"],
                fields={**defaults, **entry},
                expect=_expectation(entry["expect"]),
                finding=entry.get("finding"),
            )
        )
    return cases
