"""What each kind of spec change means for someone using the packages, by spec-diff rule id.

A changelog line is spec-diff's message (the operation, the field, the values) followed by
this: what the user's code now meets (the error or the type) and what to do. `make release`
writes it; tests/test_release.py checks that every rule of scripts/specdiff/rules.py has one.
"""

from __future__ import annotations

_INVALID = "`InvalidParameterError` (Python `errors.InvalidParameterError`), before sending"

ADVICE: dict[str, str] = {
    # Paths and operations
    "api-path-removed": "Its client functions are gone: calls to them no longer compile or import.",
    "api-path-added": "New client functions; nothing changes for existing code.",
    "api-operation-removed": "Its client function is gone: remove the calls.",
    "api-operation-added": "A new client function; nothing changes for existing code.",
    "api-operation-id-changed": (
        "The client function (and Python module) is renamed after it: update imports and calls."
    ),
    "api-operation-tag-changed": (
        "The Python module moves to the new `api/<tag>/` package: update the imports."
    ),
    "deprecation-changed": (
        "Deprecated: it still works; plan to stop using it (undeprecated: nothing to change)."
    ),
    "api-stability-decreased": "Expect it to change without a major release; pin the version.",
    "api-callback-removed": "The provider stops sending it: receivers get nothing more.",
    "api-callback-added": "The provider may call your `callback_url` for it: verify and accept it.",
    "api-security-removed": "Requests with those credentials are now refused (401): switch.",
    "api-security-added": "Another way to authenticate is accepted; nothing to change.",
    "security-scheme-changed": "Credentials are sent differently: check how you authenticate.",
    "security-scheme-unused-changed": "No operation uses that scheme: nothing to change.",
    "api-security-scope-added": (
        "Credentials without the new scope are now refused: grant it to yours."
    ),
    "api-security-scope-removed": "Fewer scopes are needed; nothing to change.",
    "api-operation-servers-changed": (
        "The SDKs keep sending to the top-level server (or your `base_url`); nothing to change."
    ),
    "api-default-server-changed": (
        "Clients without a base URL now send to the new server; pin `base_url` to keep the old."
    ),
    "api-server-removed": "If you set that server as base URL, move to a listed one.",
    "api-server-added": "Another server you may set as base URL.",
    # Requests
    "request-parameter-removed": "Passing it now fails: the argument is gone; drop it.",
    "new-required-request-parameter": "Calls without it now fail (a missing argument): pass it.",
    "new-optional-request-parameter": "You may pass it; existing calls are unchanged.",
    "request-parameter-became-required": "Calls without it now fail (missing argument): pass it.",
    "request-parameter-became-optional": "You may now leave it out.",
    "request-body-removed": "The body argument is gone: drop it.",
    "new-required-request-body": "Calls must now pass a body.",
    "new-optional-request-body": "You may pass a body.",
    "request-body-became-required": "Calls must now pass a body.",
    "request-body-became-optional": "You may now leave the body out.",
    "request-body-media-type-removed": "Bodies of that media type are refused: send JSON.",
    "request-body-media-type-added": "Another body media type is accepted.",
    "request-property-removed": "The field is gone from the request model: stop setting it.",
    "new-required-request-property": (
        "The request model requires it (a missing-argument error; in TypeScript a type error): "
        "set it."
    ),
    "new-optional-request-property": "You may set it; existing requests are unchanged.",
    "request-property-became-required": "Requests without it now fail: set it.",
    "request-property-became-optional": "You may now leave it out.",
    "request-type-changed": f"Values of the old type now raise {_INVALID}: convert them.",
    "request-type-widened": "More kinds of value are accepted.",
    "request-path-parameter-renamed": (
        "The function's argument is renamed (same URL on the wire): update calls that pass it "
        "by keyword."
    ),
    "request-pattern-generalized": "More values are accepted; nothing to change.",
    "request-pattern-changed": (
        f"Values the new pattern does not match now raise {_INVALID}: check yours against it."
    ),
    "request-pattern-removed": "Values are no longer checked against a pattern.",
    "request-max-length-decreased": f"Longer values now raise {_INVALID}: shorten them.",
    "request-max-length-increased": "Longer values are accepted.",
    "request-min-length-increased": f"Shorter values now raise {_INVALID}.",
    "request-min-length-decreased": "Shorter values are accepted.",
    "request-enum-value-removed": (
        f"Sending that value now raises {_INVALID} (in TypeScript a type error): use a listed one."
    ),
    "request-enum-value-added": "You may send the new value.",
    "request-constraint-tightened": (
        f"Values outside the new bound or format now raise {_INVALID}: check yours."
    ),
    "request-constraint-loosened": "More values are accepted.",
    "request-default-changed": (
        "Requests that leave it out now get the new default: set it to keep the old behaviour."
    ),
    # Responses
    "response-success-status-removed": "That success status no longer comes: do not wait for it.",
    "response-success-status-added": "Another success status may come; the client parses it.",
    "response-error-status-removed": (
        "Its exception class is gone: remove `except`/`instanceof` checks naming it."
    ),
    "response-error-status-removed-from-operation": "This operation no longer answers it.",
    "response-error-status-added": (
        "A new exception class for it (an `APIStatusError`); catch it if you handle errors one "
        "by one."
    ),
    "response-media-type-removed": "Answers of that media type stop.",
    "response-media-type-added": "Answers may come as another media type.",
    "response-property-removed": "The attribute is gone from the answer: stop reading it.",
    "response-property-added": "A new attribute of the answer; existing code is unchanged.",
    "response-property-became-optional": (
        "The attribute may be missing (Python `UNSET`, TypeScript `undefined`): check first."
    ),
    "response-property-became-required": "The attribute is always present now.",
    "response-type-changed": (
        "The attribute's type changed: code reading it must handle the new type (for an enum: "
        "match the listed values and keep a default case for others, as the README shows)."
    ),
    "response-enum-value-added": (
        "The value may now arrive: this version returns it as the enum member, an earlier one "
        "with open enums as a plain string. Handle it where you switch on the field."
    ),
    "response-enum-value-removed": (
        "That value no longer arrives and its enum member is gone: drop code comparing with it."
    ),
    "response-became-enum": (
        "The field now lists its values as an enum (open: others still parse as strings); "
        "switch on the listed ones and keep a default case."
    ),
    "response-constraint-changed": "Values may be shaped differently; the client does not check.",
    "response-required-header-removed": "The header may be missing: do not rely on it.",
    "response-optional-header-removed": "The header no longer comes.",
    "response-header-added": "A new header you may read.",
    "response-header-became-optional": "The header may be missing: do not rely on it.",
    "response-header-became-required": "The header is always sent now.",
    "response-link-changed": "Nothing changes for the clients.",
    # Callbacks
    "callback-parameter-removed": "Receivers reading it get nothing: stop relying on it.",
    "callback-parameter-added": (
        "Callbacks carry it; receivers that ignore it keep working (`verify_digits_sent` / "
        "`verifyDigitsSent` check the signature headers)."
    ),
    "callback-parameter-became-optional": "Receivers must cope with its absence.",
    "callback-parameter-became-required": "Callbacks always carry it now.",
    "callback-response-status-removed": "Receivers should not answer that status any more.",
    "callback-response-status-added": "Receivers may answer that status.",
    # Models
    "sdk-model-removed": "The model class is gone: remove its imports.",
    "sdk-model-added": "A new model class; nothing changes for existing code.",
    # Documentation
    "description-changed": "Documentation only.",
    "summary-changed": "Documentation only.",
    "examples-changed": "Documentation only.",
    "code-samples-changed": "Documentation only.",
    "info-changed": "Documentation only (decisions and limits are in the spec's info).",
    "tag-changed": "Documentation only.",
    "extension-changed": (
        "Only the spec's extensions (the mock and contract suite read some): no client change."
    ),
    "unclassified-change": "No rule classifies it: read the spec diff before upgrading.",
}


def advice(rule_id: str) -> str:
    return ADVICE.get(rule_id, ADVICE["unclassified-change"])
