"""Strict JSON request bodies: UTF-8 only, no duplicate keys, no NaN, no lone surrogates."""

from __future__ import annotations

import json
from typing import Any


class BadJson(ValueError):
    """The body is not a JSON text the mock accepts; the message says why."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise BadJson(f"duplicate key {json.dumps(key)} in a JSON object")
            seen.add(key)
    return result


def _no_constants(name: str) -> Any:
    raise BadJson(f"{name} is not valid JSON")


# Built once: json.loads with hooks would build a decoder on every call.
_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_no_constants)


def parse(body: bytes) -> Any:
    """Decode a request body, or raise BadJson.

    Duplicate keys are rejected rather than resolved (RFC 8259 leaves the meaning open, and
    parsers disagree on which value wins: `{"digits":"1","digits":"2"}` is ambiguous).
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadJson(f"request body is not UTF-8 (byte {exc.start})") from None
    try:
        value = _DECODER.decode(text)
    except BadJson:
        # Raised by the hooks; it is a ValueError too, which the last clause must not reword.
        raise
    except json.JSONDecodeError as exc:
        raise BadJson(
            f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except ValueError:
        # Python refuses to convert integers of more than 4300 digits (a guard against
        # quadratic conversion), which is not a JSONDecodeError.
        raise BadJson("JSON number too long") from None
    except RecursionError:
        raise BadJson("JSON nested too deeply") from None
    # A \ud800-style escape decodes to a lone surrogate, which no UTF-8 text can carry.
    if "\\u" in text:
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise BadJson("JSON string contains a lone surrogate escape") from None
    return value


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def json_bytes(value: Any) -> bytes:
    """Compact UTF-8 JSON, as the mock answers and sends callbacks."""
    return _ENCODER.encode(value).encode("utf-8")
