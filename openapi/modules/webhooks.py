"""Verify the callbacks Plivo sends to your application, and sign them in tests.

Plivo signs every request it sends to a `callback_url` with the account's Auth Token:
`X-Plivo-Signature-V3` is an HMAC-SHA256 over the URL the request was sent to, its
parameters and the `X-Plivo-Signature-V3-Nonce` header (the algorithm of the official SDK's
`plivo.utils.signature_v3`). Anyone who learns a `callback_url` can send it a forged "digits
sent", so reject what does not verify:

    callback = verify_digits_sent(
        method=request.method,
        url=request.url,  # the full URL the request arrived at, query included
        headers=request.headers,
        body=request.body,  # the raw bytes
        auth_token=AUTH_TOKEN,
    )

What is signed (the spec's `x-decisions.callback-signature`): for GET, the URL with its query
parameters sorted; for a JSON POST, the URL, then the members of the JSON object sorted by name,
each name followed by its value. `X-Plivo-Signature-V2` signs the URL without its query and the
nonce only (not the parameters), so this module checks V3.

Copied verbatim into the generated package by `make generate` (openapi/generator.yaml).
"""

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Mapping
from typing import Any, Final, cast
from urllib.parse import parse_qs, urlparse, urlunparse

from ._spec import CALLBACK_BODIES, check_value
from .errors import InvalidParameterError, PlivoError
from .models.digits_sent_callback import DigitsSentCallback

SIGNATURE_V3: Final = "X-Plivo-Signature-V3"
NONCE_V3: Final = "X-Plivo-Signature-V3-Nonce"
SIGNATURE_V2: Final = "X-Plivo-Signature-V2"
NONCE_V2: Final = "X-Plivo-Signature-V2-Nonce"

Params = Mapping[str, Any]
"""Signed parameters: a string, number, boolean, list of those, or nested object per name."""

Headers = Mapping[str, str] | Iterable[tuple[str, str]]
"""A request's headers: any mapping (Starlette, Django), or (name, value) pairs (WSGI, Flask)."""


class WebhookError(PlivoError, ValueError):
    """A callback that must be rejected (answer it 4xx and do not act on it)."""


class SignatureMissingError(WebhookError):
    """The request carries no signature or no nonce header."""


class SignatureMismatchError(WebhookError):
    """The signature is not the one the Auth Token gives for this URL, body and nonce.

    The URL, the body or the nonce was changed, the request was not signed with this
    token, or `url` is not the URL the sender used (behind a proxy, pass the public one).
    """


class WebhookPayloadError(WebhookError):
    """The request is signed, but is not the documented callback (or cannot be read)."""


def new_nonce() -> str:
    """A fresh random nonce: 20 decimal digits, as Plivo's."""
    return f"{secrets.randbelow(10**20):020d}"


def signature_v3(auth_token: str, method: str, url: str, params: Params, nonce: str) -> str:
    """X-Plivo-Signature-V3 of a request to `url` carrying `params`.

    For GET, `params` are added to the query of `url` (pass {} when `url` already carries
    them); for POST they are the body's fields (form fields, or a JSON object's members).
    """
    return _hmac_b64(auth_token, signed_text_v3(method, url, params, nonce))


def signed_text_v3(method: str, url: str, params: Params, nonce: str) -> str:
    """The text X-Plivo-Signature-V3 is the HMAC-SHA256 of (no secret in it): to show a
    sender what it should have signed when a signature does not verify."""
    return f"{_base_v3(method.upper(), url, params)}.{nonce}"


def signature_v2(auth_token: str, url: str, nonce: str) -> str:
    """X-Plivo-Signature-V2: the URL without its query, then the nonce (nothing else)."""
    parts = urlparse(url)
    return _hmac_b64(
        auth_token, urlunparse((parts.scheme, parts.netloc, parts.path, "", "", "")) + nonce
    )


def signature_headers(auth_token: str, method: str, url: str, params: Params) -> dict[str, str]:
    """The four signature headers a sender adds to a request, each with a fresh nonce."""
    nonce_v3, nonce_v2 = new_nonce(), new_nonce()
    return {
        SIGNATURE_V3: signature_v3(auth_token, method, url, params, nonce_v3),
        NONCE_V3: nonce_v3,
        SIGNATURE_V2: signature_v2(auth_token, url, nonce_v2),
        NONCE_V2: nonce_v2,
    }


def verify_signature(
    *, method: str, url: str, headers: Headers, params: Params, auth_token: str
) -> None:
    """Raise SignatureMissingError or SignatureMismatchError unless the V3 signature holds.

    `params` are the request's body fields for POST and {} for GET (they are in `url`).
    The comparison takes the same time wherever the signatures differ.
    """
    lowered = {name.lower(): value for name, value in _pairs(headers)}
    signature = lowered.get(SIGNATURE_V3.lower())
    nonce = lowered.get(NONCE_V3.lower())
    if not signature:
        raise SignatureMissingError(f"no {SIGNATURE_V3} header: the request is not from Plivo")
    if not nonce:
        raise SignatureMissingError(f"no {NONCE_V3} header: the request is not from Plivo")
    expected = signature_v3(auth_token, method, url, params, nonce).encode("ascii")
    # Plivo may list several signatures, comma-separated: one must match.
    candidates = [c.strip().encode("utf-8", "replace") for c in signature.split(",")]
    if not any([hmac.compare_digest(expected, c) for c in candidates]):  # every one compared
        raise SignatureMismatchError(
            f"{SIGNATURE_V3} does not match this URL, body and nonce for this Auth Token"
        )


def verify_digits_sent(
    *, method: str, url: str, headers: Headers, body: bytes, auth_token: str
) -> DigitsSentCallback:
    """The DigitsSentCallback a request carries, once its signature is verified.

    `method`: "GET" or "POST"; `url`: the full URL it arrived at (scheme, host, path and
    query, as the sender addressed it); `headers`: a mapping or (name, value) pairs; `body`: its
    raw bytes (ignored for GET); `auth_token`: the Auth Token of the account that sent the
    DTMF request. Raises a WebhookError subclass: SignatureMissingError,
    SignatureMismatchError or WebhookPayloadError.
    """
    method = method.upper()
    fields: dict[str, Any]
    if method == "GET":
        fields = _query_fields(url)
        verify_signature(method=method, url=url, headers=headers, params={}, auth_token=auth_token)
    elif method == "POST":
        fields = _json_object(body)
        verify_signature(
            method=method, url=url, headers=headers, params=fields, auth_token=auth_token
        )
    else:
        raise WebhookPayloadError(f"callbacks are sent with GET or POST, not {method}")
    return _digits_sent(fields)


def _pairs(headers: Headers) -> Iterable[tuple[str, str]]:
    items = getattr(headers, "items", None)
    if callable(items):
        return cast(Iterable[tuple[str, str]], items())
    return cast(Iterable[tuple[str, str]], headers)


def _digits_sent(fields: dict[str, Any]) -> DigitsSentCallback:
    rules = CALLBACK_BODIES["digitsSentCallback"]
    missing = [name for name in rules["required"] if name not in fields]
    if missing:
        raise WebhookPayloadError(f"the callback has no {', '.join(missing)}")
    for name, rule in rules["properties"].items():
        if name in fields:
            try:
                check_value(name, fields[name], rule)
            except InvalidParameterError as exc:
                raise WebhookPayloadError(f"the callback's {exc}") from None
    return DigitsSentCallback.from_dict(fields)


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise WebhookPayloadError(
            "the body is not JSON, so its signature cannot be checked"
        ) from None
    if not isinstance(parsed, dict):
        raise WebhookPayloadError(
            f"the body is a JSON {type(parsed).__name__}, not an object: "
            "its signature cannot be checked"
        )
    return parsed


def _query_fields(url: str) -> dict[str, Any]:
    """The query parameters of `url`; a repeated one as a list (which no documented field is)."""
    fields: dict[str, Any] = {}
    for name, values in parse_qs(urlparse(url).query, keep_blank_values=True).items():
        fields[name] = values[0] if len(values) == 1 else values
    return fields


def _hmac_b64(auth_token: str, message: str) -> str:
    digest = hmac.new(auth_token.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _base_v3(method: str, url: str, params: Params) -> str:
    """The signed text before ".nonce", as plivo.utils.signature_v3 builds it."""
    parts = urlparse(url)
    base = urlunparse((parts.scheme, parts.netloc, parts.path, "", "", ""))
    query: dict[str, Any] = dict(parse_qs(parts.query, keep_blank_values=True))
    if method == "GET":
        query = {**params, **query}
        sorted_query = _sorted_query(query)
        return f"{base}?{sorted_query}" if sorted_query else base
    sorted_query = _sorted_query(query)
    if not params:
        return f"{base}?{sorted_query}" if sorted_query else base
    return f"{base}?{sorted_query}{'.' if sorted_query else ''}{_sorted_params(params)}"


def _sorted_query(params: Params) -> str:
    pairs: list[str] = []
    for name in sorted(params):
        value = params[name]
        if isinstance(value, list):
            pairs.extend(f"{name}={_text(item)}" for item in sorted(value))
        else:
            pairs.append(f"{name}={_text(value)}")
    return "&".join(pairs)


def _sorted_params(params: Params) -> str:
    parts: list[str] = []
    for name in sorted(params):
        value = params[name]
        if isinstance(value, list):
            parts.extend(f"{name}{_text(item)}" for item in sorted(value))
        elif isinstance(value, dict):
            parts.append(f"{name}{_sorted_params(value)}")
        else:
            parts.append(f"{name}{_text(value)}")
    return "".join(parts)


def _text(value: Any) -> str:
    # As the official SDK formats values: Python's str() (True, 1.5, None).
    return value if isinstance(value, str) else str(value)


__all__ = [
    "NONCE_V2",
    "NONCE_V3",
    "SIGNATURE_V2",
    "SIGNATURE_V3",
    "SignatureMismatchError",
    "SignatureMissingError",
    "WebhookError",
    "WebhookPayloadError",
    "new_nonce",
    "signature_headers",
    "signature_v2",
    "signature_v3",
    "signed_text_v3",
    "verify_digits_sent",
    "verify_signature",
]
