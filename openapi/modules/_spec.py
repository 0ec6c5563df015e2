"""What the OpenAPI document says about requests, checked before any HTTP call.

The rules themselves are in `_meta.py`, written at generation time from the spec by
openapi/hooks/emit_spec_module.py (the generator's own template context has no servers,
patterns or lengths); this module enforces them.
"""

import ipaddress
import math
import operator
import re
from fractions import Fraction
from typing import Any, Final, TypedDict

from ._meta import CALLBACK_BODIES, DEFAULT_BASE_URL, REQUEST_RULES
from .errors import InvalidParameterError


class Rule(TypedDict, total=False):
    """The JSON Schema keywords of one value that the client enforces: every keyword the
    spec uses on a request field (generation fails on one it could not enforce)."""

    type: str
    enum: tuple[Any, ...]
    const: Any
    minimum: float
    maximum: float
    exclusiveMinimum: float
    exclusiveMaximum: float
    multipleOf: float
    format: str
    minLength: int
    maxLength: int
    pattern: str
    """As written in the spec (ECMA-262), for messages."""
    python_pattern: str
    """The same expression for `re.search`: an anchoring `$` is written `\\Z`."""


OperationRules = dict[str, dict[str, Rule]]
"""Rules by location ("path", "query", "body"), then by parameter or property name."""


class BodyRules(TypedDict):
    """What a JSON object body must hold: its required members, and a rule per member."""

    required: tuple[str, ...]
    properties: dict[str, Rule]


_PATTERNS: Final[dict[str, re.Pattern[str]]] = {
    rule["python_pattern"]: re.compile(rule["python_pattern"], re.ASCII)
    for operation in REQUEST_RULES.values()
    for location in operation.values()
    for rule in location.values()
    if "python_pattern" in rule
}
"""Every pattern of REQUEST_RULES, compiled once at import: re.search() with a string pattern looks it
up in re's cache on every call, which costs more than the match itself."""

# RFC 3986 `URI` (scheme, then hier-part, query and fragment), as JSON Schema's "uri" format
# and the server's validator read it: absolute, ASCII only, every `%` followed by two hex
# digits. An IP literal (`[...]`) is checked by the ipaddress module.
_PCT = r"%[0-9A-Fa-f]{2}"
_PCHAR = rf"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|{_PCT})"
_URI: Final = re.compile(
    rf"""[A-Za-z][A-Za-z0-9+\-.]*:
    (?:
        //(?:(?:[A-Za-z0-9\-._~!$&'()*+,;=:]|{_PCT})*@)?
        (?:\[(?P<literal>[^\]]*)\]|(?:[A-Za-z0-9\-._~!$&'()*+,;=]|{_PCT})*)
        (?::[0-9]*)?
        (?:/{_PCHAR}*)*
      | /(?:{_PCHAR}+(?:/{_PCHAR}*)*)?
      | {_PCHAR}+(?:/{_PCHAR}*)*
      |
    )
    (?:\?(?:{_PCHAR}|[/?])*)?
    (?:\#(?:{_PCHAR}|[/?])*)?""",
    re.VERBOSE,
)
_IP_FUTURE: Final = re.compile(r"v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+")


def _is_uri(value: str) -> bool:
    found = _URI.fullmatch(value)
    if found is None:
        return False
    literal = found.group("literal")
    if literal is None or _IP_FUTURE.fullmatch(literal):
        return True
    try:
        ipaddress.IPv6Address(literal)
    except ValueError:
        return False
    return "%" not in literal  # a zone ID is not part of RFC 3986


_FORMATS: Final = {"uri": (_is_uri, "an absolute URI (RFC 3986)")}
"""The `format` values the client checks, and how a message names them."""

_JSON_TYPES: Final[dict[str, tuple[type, ...]]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list, tuple),
    "object": (dict,),
}


def check_request(
    method: str,
    path: str,
    *,
    path_params: dict[str, Any],
    query: dict[str, Any],
    body: Any,
) -> None:
    """Raise InvalidParameterError for the first value that breaks a rule of the spec.

    Values are checked as they will be sent (enums already turned into their JSON values),
    so the client rejects exactly what the spec rejects.
    """
    rules = REQUEST_RULES.get((method, path))
    if rules is None:
        return
    bodies = body if isinstance(body, dict) else {}
    for location, values in (("path", path_params), ("query", query), ("body", bodies)):
        if values:
            for name, rule in rules[location].items():
                if name in values:
                    check_value(name, values[name], rule)


def check_value(field: str, value: Any, rule: Rule) -> None:
    """Check one value against one rule; the order makes the message the most useful one."""
    expected = rule.get("type")
    if expected in _JSON_TYPES and (
        not isinstance(value, _JSON_TYPES[expected]) or (isinstance(value, bool) and expected != "boolean")
    ):
        # JSON Schema counts 2.0 as an integer: a number with no fraction.
        if not (expected == "integer" and isinstance(value, float) and value.is_integer()):
            raise InvalidParameterError(
                field, "type", expected, value, f"must be a JSON {expected}, not {type(value).__name__}"
            )
    if "enum" in rule and value not in rule["enum"]:
        allowed = ", ".join(repr(v) for v in rule["enum"])
        raise InvalidParameterError(field, "enum", rule["enum"], value, f"must be one of {allowed}")
    if "const" in rule and value != rule["const"]:
        raise InvalidParameterError(field, "const", rule["const"], value, f"must be {rule['const']!r}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        _check_number(field, value, rule)
    if not isinstance(value, str):
        return
    if "minLength" in rule and len(value) < rule["minLength"]:
        raise InvalidParameterError(
            field,
            "minLength",
            rule["minLength"],
            value,
            f"must be at least {rule['minLength']} characters long, not {len(value)}",
        )
    if "maxLength" in rule and len(value) > rule["maxLength"]:
        raise InvalidParameterError(
            field,
            "maxLength",
            rule["maxLength"],
            value,
            f"must be at most {rule['maxLength']} characters long, not {len(value)}",
        )
    python_pattern = rule.get("python_pattern")
    if python_pattern is not None:
        compiled = _PATTERNS.get(python_pattern) or re.compile(python_pattern, re.ASCII)
        if compiled.search(value) is None:
            raise InvalidParameterError(
                field, "pattern", rule["pattern"], value, f"must match the pattern {rule['pattern']}"
            )
    if "format" in rule:
        is_valid, described = _FORMATS[rule["format"]]
        if not is_valid(value):
            raise InvalidParameterError(field, "format", rule["format"], value, f"must be {described}")


def _check_number(field: str, value: float, rule: Rule) -> None:
    bounds = (
        ("minimum", rule.get("minimum"), operator.ge, "at least"),
        ("maximum", rule.get("maximum"), operator.le, "at most"),
        ("exclusiveMinimum", rule.get("exclusiveMinimum"), operator.gt, "more than"),
        ("exclusiveMaximum", rule.get("exclusiveMaximum"), operator.lt, "less than"),
    )
    for keyword, limit, holds, words in bounds:
        if limit is not None and not holds(value, limit):
            raise InvalidParameterError(field, keyword, limit, value, f"must be {words} {limit}")
    step = rule.get("multipleOf")
    # Exact decimal fractions, not floats: 0.3 is a multiple of 0.1 though 0.3 % 0.1 is not 0
    # in binary; as JSON has them, by their shortest repr.
    if step is not None and math.isfinite(value) and Fraction(str(value)) % Fraction(str(step)):
        raise InvalidParameterError(field, "multipleOf", step, value, f"must be a multiple of {step}")


def check_parameter(location: str, name: str, value: Any) -> None:
    """Check one value against the rule of every operation's parameter of that name.

    For a value given once and used by many requests (the client's own Auth ID), so that
    the requests need not check it again.
    """
    for rules in REQUEST_RULES.values():
        rule = rules[location].get(name)
        if rule is not None:
            check_value(name, value, rule)


__all__ = [
    "CALLBACK_BODIES",
    "DEFAULT_BASE_URL",
    "REQUEST_RULES",
    "Rule",
    "check_parameter",
    "check_request",
    "check_value",
]
