"""The rule table: every change spec-diff reports has one of these ids, with a fixed level.

The level says what the change does to a user of the generated SDKs, not to the wire alone:
the client validates requests before sending (so a tightened request constraint fails calls
that worked), parses response and callback bodies into models with open enums (a value the
spec does not list is kept as a plain string, so a new one is harmless, but a removed one takes
its generated enum member with it), names modules after tags and operationIds, takes path
parameters as arguments named after them, and has one exception class per error status
documented anywhere. `section` is the changelog heading of a
non-breaking change. scripts/specdiff/README.md shows this table; a test keeps them equal.
"""

from __future__ import annotations

from dataclasses import dataclass

BREAKING = "breaking"
NON_BREAKING = "non-breaking"
DOCS = "docs"
LEVELS = (BREAKING, NON_BREAKING, DOCS)
BUMP_OF_LEVEL = {BREAKING: "major", NON_BREAKING: "minor", DOCS: "patch"}
BUMPS = ("none", "patch", "minor", "major")

ADDED = "Added"
CHANGED = "Changed"


@dataclass(frozen=True)
class Rule:
    id: str
    level: str
    section: str  # changelog section of a non-breaking change: Added or Changed
    doc: str


def _table(*rows: tuple[str, str, str, str]) -> dict[str, Rule]:
    return {row[0]: Rule(*row) for row in rows}


B, N, D = BREAKING, NON_BREAKING, DOCS
RULES = _table(
    # Paths and operations
    ("api-path-removed", B, CHANGED, "A path was removed: its SDK functions are gone."),
    ("api-path-added", N, ADDED, "A new path."),
    ("api-operation-removed", B, CHANGED, "An operation (method) was removed from a path."),
    ("api-operation-added", N, ADDED, "A new operation on an existing path."),
    (
        "api-operation-id-changed",
        B,
        CHANGED,
        "The operationId changed: the SDK module and function are named after it.",
    ),
    (
        "api-operation-tag-changed",
        B,
        CHANGED,
        "The first tag changed: the SDK groups operations into api/<tag>/ modules by it.",
    ),
    (
        "deprecation-changed",
        N,
        CHANGED,
        "An operation, parameter, header or schema property was deprecated or undeprecated: "
        "calls still work (semver: deprecating is a minor change).",
    ),
    (
        "api-stability-decreased",
        B,
        CHANGED,
        "x-stability-level went down (stable > beta > alpha > draft).",
    ),
    ("api-callback-removed", B, CHANGED, "A callback (or one of its URL expressions) was removed."),
    ("api-callback-added", N, ADDED, "A new callback."),
    # Security and servers
    (
        "api-security-removed",
        B,
        CHANGED,
        "A security alternative was removed (or security now required where none was).",
    ),
    ("api-security-added", N, ADDED, "A new security alternative an operation accepts."),
    (
        "api-security-scope-added",
        B,
        CHANGED,
        "A security requirement of an operation needs one more scope: tokens without it fail.",
    ),
    (
        "api-security-scope-removed",
        N,
        CHANGED,
        "A security requirement of an operation needs one scope fewer.",
    ),
    (
        "security-scheme-changed",
        B,
        CHANGED,
        "A security scheme an operation uses was removed, or its type, scheme, name or place "
        "changed.",
    ),
    (
        "security-scheme-unused-changed",
        N,
        CHANGED,
        "A security scheme no operation uses (before or after) was added, removed or changed: "
        "no call changes.",
    ),
    (
        "api-default-server-changed",
        B,
        CHANGED,
        "The first server's URL changed: the SDK's default base URL is taken from it.",
    ),
    ("api-server-removed", B, CHANGED, "A server other than the first was removed."),
    ("api-server-added", N, ADDED, "A new server."),
    (
        "api-operation-servers-changed",
        N,
        CHANGED,
        "A path's or operation's own servers were added, removed or changed: the SDKs ignore "
        "them (every call goes to the client's base URL, by default the first top-level "
        "server), so no SDK call changes.",
    ),
    # Parameters
    ("request-parameter-removed", B, CHANGED, "A parameter was removed (or renamed, or moved)."),
    (
        "request-path-parameter-renamed",
        B,
        CHANGED,
        "A path parameter was renamed (the path otherwise the same): the URL on the wire is "
        "unchanged, but the Python SDK's functions take path parameters as arguments named "
        "after them (call_uuid, auth_id=), so a call passing one by keyword fails.",
    ),
    ("new-required-request-parameter", B, ADDED, "A new required parameter."),
    ("new-optional-request-parameter", N, ADDED, "A new optional parameter."),
    ("request-parameter-became-required", B, CHANGED, "An optional parameter became required."),
    ("request-parameter-became-optional", N, CHANGED, "A required parameter became optional."),
    # Request bodies
    ("request-body-removed", B, CHANGED, "The request body was removed."),
    ("new-required-request-body", B, ADDED, "A new required request body."),
    ("new-optional-request-body", N, ADDED, "A new optional request body."),
    ("request-body-became-required", B, CHANGED, "An optional request body became required."),
    ("request-body-became-optional", N, CHANGED, "A required request body became optional."),
    ("request-body-media-type-removed", B, CHANGED, "A request media type was removed."),
    ("request-body-media-type-added", N, ADDED, "A new request media type."),
    # Request schemas (parameters and bodies): what the client validates before sending
    ("request-property-removed", B, CHANGED, "A request body property was removed or renamed."),
    ("new-required-request-property", B, ADDED, "A new required request body property."),
    ("new-optional-request-property", N, ADDED, "A new optional request body property."),
    ("request-property-became-required", B, CHANGED, "An optional property became required."),
    ("request-property-became-optional", N, CHANGED, "A required property became optional."),
    ("request-type-changed", B, CHANGED, "A request value's type changed or was narrowed."),
    ("request-type-widened", N, CHANGED, "A request value accepts more types than before."),
    ("request-pattern-changed", B, CHANGED, "A request pattern was added or changed."),
    ("request-pattern-removed", N, CHANGED, "A request pattern was removed."),
    (
        "request-pattern-generalized",
        N,
        CHANGED,
        "A request pattern was replaced by one that accepts every string (`.*`) or by an "
        "alternation with the old one (`old|new`).",
    ),
    ("request-max-length-decreased", B, CHANGED, "maxLength went down (or was set)."),
    ("request-max-length-increased", N, CHANGED, "maxLength went up (or was removed)."),
    ("request-min-length-increased", B, CHANGED, "minLength went up (or was set)."),
    ("request-min-length-decreased", N, CHANGED, "minLength went down (or was removed)."),
    ("request-enum-value-removed", B, CHANGED, "A request enum lost a value (or an enum was set)."),
    ("request-enum-value-added", N, ADDED, "A request enum gained a value (or lost its enum)."),
    (
        "request-constraint-tightened",
        B,
        CHANGED,
        "Another request constraint was tightened (maximum, minimum, items, format, ...).",
    ),
    ("request-constraint-loosened", N, CHANGED, "Another request constraint was loosened."),
    ("request-default-changed", N, CHANGED, "A request default changed: omitted values differ."),
    # Responses (and callback bodies, which the SDK parses the same way)
    ("response-success-status-removed", B, CHANGED, "A success status was removed or changed."),
    ("response-success-status-added", N, ADDED, "A new success status."),
    (
        "response-error-status-removed",
        B,
        CHANGED,
        "An error status no operation documents any more: its exception class is gone.",
    ),
    (
        "response-error-status-removed-from-operation",
        N,
        CHANGED,
        "An operation stopped documenting an error status another still documents "
        "(the exception class stays; the SDK maps statuses globally).",
    ),
    ("response-error-status-added", N, ADDED, "A new documented error status."),
    ("response-media-type-removed", B, CHANGED, "A response media type was removed."),
    ("response-media-type-added", N, ADDED, "A new response media type."),
    ("response-property-removed", B, CHANGED, "A response property was removed: its attribute."),
    ("response-property-added", N, ADDED, "A new response property."),
    (
        "response-property-became-optional",
        B,
        CHANGED,
        "A required response property became optional: its attribute may be UNSET.",
    ),
    (
        "response-property-became-required",
        N,
        CHANGED,
        "An optional response property is now always present.",
    ),
    ("response-type-changed", B, CHANGED, "A response value's type changed."),
    (
        "response-enum-value-added",
        N,
        ADDED,
        "A response or callback enum gained a value: the SDKs' enums are open, an unlisted "
        "value parses as a plain string.",
    ),
    (
        "response-enum-value-removed",
        B,
        CHANGED,
        "A response or callback enum lost a value (or its enum): parsing is unaffected, but "
        "the SDK enum member (or class) generated for it is gone, and code comparing with it "
        "fails.",
    ),
    (
        "response-became-enum",
        N,
        CHANGED,
        "A free-text response or callback value now has an enum: the SDKs still parse any "
        "string (open enums); a new enum class types the listed values.",
    ),
    (
        "response-constraint-changed",
        N,
        CHANGED,
        "A response pattern, length, bound or format changed (the SDK does not validate them).",
    ),
    ("response-required-header-removed", B, CHANGED, "A required response header was removed."),
    ("response-optional-header-removed", N, CHANGED, "An optional response header was removed."),
    ("response-header-added", N, ADDED, "A new response header."),
    ("response-header-became-optional", B, CHANGED, "A required response header became optional."),
    (
        "response-header-became-required",
        N,
        CHANGED,
        "An optional response header is now always sent.",
    ),
    (
        "response-link-changed",
        N,
        CHANGED,
        "A response link was added, removed or changed (the SDK ignores links; stateful "
        "contract tests follow them).",
    ),
    (
        "callback-parameter-removed",
        B,
        CHANGED,
        "A header or parameter the callback carried is gone: receivers that read it break.",
    ),
    (
        "callback-parameter-added",
        N,
        ADDED,
        "The callback carries a new header or parameter (receivers may ignore it).",
    ),
    (
        "callback-parameter-became-optional",
        B,
        CHANGED,
        "A callback header or parameter is no longer always sent.",
    ),
    (
        "callback-parameter-became-required",
        N,
        CHANGED,
        "A callback header or parameter is now always sent.",
    ),
    ("callback-response-status-removed", N, CHANGED, "A callback receiver's status was removed."),
    ("callback-response-status-added", N, ADDED, "A new status for the callback receiver."),
    # The SDK's model classes (one per object or enum schema in components/schemas)
    (
        "sdk-model-removed",
        B,
        CHANGED,
        "A component schema with a model class was removed or "
        "renamed: the class is gone from the models package.",
    ),
    ("sdk-model-added", N, ADDED, "A new component schema with a model class."),
    # Docs: patch
    ("description-changed", D, CHANGED, "A description changed."),
    ("summary-changed", D, CHANGED, "A summary or title changed."),
    ("examples-changed", D, CHANGED, "An example changed."),
    ("code-samples-changed", D, CHANGED, "x-codeSamples changed."),
    ("info-changed", D, CHANGED, "The info object (or the openapi version) changed."),
    ("tag-changed", D, CHANGED, "The top-level tag list changed."),
    ("extension-changed", D, CHANGED, "An x- extension other than x-stability-level changed."),
    # Anything no rule above recognises: assumed breaking until a rule says otherwise.
    (
        "unclassified-change",
        B,
        CHANGED,
        "A change no rule classifies; counted as breaking so that it is looked at.",
    ),
)
