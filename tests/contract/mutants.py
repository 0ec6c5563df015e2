"""Deliberately broken providers: the real mock behind a middleware that injects one bug.

The mock itself is never edited. Each mutant rewrites what goes into the mock and/or what
comes out of it (an ASGI wrapper around `plivo_mock.app.create_app(...)`), selected by
name, and is served on a real loopback socket so that the runner `make contract` uses is
what is run against it. `caught_by` names the checks (`negative_data_rejection`...) and
probes (`probe:<name>`) that are expected to report the bug; any one of them suffices.

Serve one by hand:  .venv/bin/python -m tests.contract.mutants NAME [--port 4020]
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import math
import re
import threading
import time
import unicodedata
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from plivo_contract.spec import load
from plivo_mock.app import create_app
from plivo_mock.config import Account, MockConfig
from plivo_mock.protocol import PlivoHttpProtocol

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SPEC = load()
_DTMF_PATH = re.compile(r"^/v1/Account/(?P<auth_id>[^/]+)/Call/(?P<call_uuid>[^/]+)/DTMF/?$")
_LIST_PATH = re.compile(r"^/v1/Account/(?P<auth_id>[^/]+)/Call/$")


@dataclass
class Exchange:
    """One HTTP request or response as the middleware sees it (headers lower-cased)."""

    status: int = 0
    method: str = ""
    path: str = ""
    query: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    # The TCP peer (host, port): one connection.
    client: tuple[str, int] | None = None

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return None

    def with_json(self, document: Any) -> Exchange:
        return replace(self, body=json.dumps(document).encode())

    @property
    def is_dtmf(self) -> bool:
        return bool(_DTMF_PATH.match(self.path))

    @property
    def basic_user(self) -> str | None:
        credentials = self.basic_credentials
        return credentials[0] if credentials is not None else None

    @property
    def basic_credentials(self) -> tuple[str, str] | None:
        value = self.headers.get("authorization", "")
        if not value.startswith("Basic "):
            return None
        try:
            user, _, password = base64.b64decode(value[6:], validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return user, password


Forward = Callable[[Exchange], Awaitable[Exchange]]


@dataclass(frozen=True)
class Broken:
    """What a mutant knows: the accounts of the mock it wraps."""

    accounts: tuple[Account, ...]

    def basic(self, account: Account) -> str:
        raw = f"{account.auth_id}:{account.auth_token}".encode()
        return "Basic " + base64.b64encode(raw).decode()

    def account(self, auth_id: str | None) -> Account | None:
        return next((a for a in self.accounts if a.auth_id == auth_id), None)


Behaviour = Callable[[Exchange, Forward, Broken], Awaitable[Exchange]]


@dataclass(frozen=True)
class Mutant:
    name: str
    bug: str
    caught_by: frozenset[str]
    behaviour: Behaviour | None = None
    config: dict[str, Any] = field(default_factory=dict)
    # Runner knobs this mutant needs (and its correct twin gets too), e.g. the rate probe.
    knobs: dict[str, str] = field(default_factory=dict)
    # PlivoHttpProtocol.with_limits(...) settings: bugs below the app (the head timeout).
    protocol: dict[str, Any] = field(default_factory=dict)


MUTANTS: dict[str, Mutant] = {}


def mutant(
    name: str,
    bug: str,
    *caught_by: str,
    config: dict[str, Any] | None = None,
    knobs: dict[str, str] | None = None,
) -> Callable[[Behaviour], Behaviour]:
    def register(behaviour: Behaviour) -> Behaviour:
        MUTANTS[name] = Mutant(
            name, bug, frozenset(caught_by), behaviour, config or {}, knobs or {}
        )
        return behaviour

    return register


def _error(status: int, message: str, **headers: str) -> Exchange:
    # A fresh api_id, as the mock gives: a mutant breaks one thing only.
    body = json.dumps({"api_id": str(uuid.uuid4()), "error": message})
    return Exchange(
        status=status,
        headers={"content-type": "application/json", **headers},
        body=body.encode(),
    )


def _body_dict(request: Exchange) -> dict[str, Any] | None:
    document = request.json()
    return document if isinstance(document, dict) else None


def _rewrite_body(request: Exchange, change: Callable[[dict[str, Any]], bool]) -> Exchange:
    """Apply `change` to a DTMF JSON body; re-encode it only when `change` says it changed."""
    document = _body_dict(request) if request.is_dtmf else None
    if document is None or not change(document):
        return request
    return request.with_json(document)


# --- wrong answers on success ---------------------------------------------------------------


@mutant("success-200", "200 instead of the documented 202", "status_code_conformance")
async def _success_200(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    response = await forward(request)
    return replace(response, status=200) if response.status == 202 else response


@mutant("no-api-id", "api_id missing from every body", "response_schema_conformance")
async def _no_api_id(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    response = await forward(request)
    document = response.json()
    if isinstance(document, dict) and "api_id" in document:
        return response.with_json({k: v for k, v in document.items() if k != "api_id"})
    return response


@mutant("text-errors", "errors as text/plain, not JSON", "content_type_conformance")
async def _text_errors(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    response = await forward(request)
    if response.status < 400:
        return response
    message = str((response.json() or {}).get("error", "error"))
    return replace(
        response, headers={**response.headers, "content-type": "text/plain"}, body=message.encode()
    )


@mutant(
    "crash-long-digits",
    "500 when digits are longer than 64 characters",
    "not_a_server_error",
)
async def _crash_long_digits(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    document = _body_dict(request) if request.is_dtmf else None
    digits = document.get("digits") if document else None
    if isinstance(digits, str) and len(digits) > 64:
        return _error(500, "internal server error")
    return await forward(request)


# --- validation too lax ----------------------------------------------------------------------


def _valid_looking(value: str) -> bool:
    return bool(re.fullmatch(r"[0-9A-D*#wW]+(@[1-9][0-9]{1,3})?", value))


@mutant(
    "invalid-digits-accepted",
    "digits outside the grammar are sent anyway",
    "negative_data_rejection",
    "probe:digits_empty",
)
async def _invalid_digits(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    def change(document: dict[str, Any]) -> bool:
        digits = document.get("digits")
        if isinstance(digits, str) and not _valid_looking(digits):
            document["digits"] = "1"
            return True
        return False

    return await forward(_rewrite_body(request, change))


@mutant(
    "hostless-callback-url-accepted",
    "a callback_url without a host (http://, http://u@/) is taken as a request without one",
    "probe:near_miss_body_callback_url",
)
async def _hostless_callback_url(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    def change(document: dict[str, Any]) -> bool:
        url = document.get("callback_url")
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            if not urlsplit(url).hostname:
                del document["callback_url"]
                return True
        return False

    return await forward(_rewrite_body(request, change))


@mutant(
    "digits-optional",
    "a body without digits is accepted",
    "negative_data_rejection",
    "probe:digits_missing",
)
async def _digits_optional(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    def change(document: dict[str, Any]) -> bool:
        if "digits" in document:
            return False
        document["digits"] = "1"
        return True

    return await forward(_rewrite_body(request, change))


@mutant(
    "trailing-newline-accepted",
    "validator written re.match('^...$'): accepts '1\\n'",
    "probe:digits_trailing_newline",
)
async def _trailing_newline(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    def change(document: dict[str, Any]) -> bool:
        digits = document.get("digits")
        if isinstance(digits, str) and digits.endswith("\n") and _valid_looking(digits[:-1]):
            document["digits"] = digits[:-1]
            return True
        return False

    return await forward(_rewrite_body(request, change))


@mutant(
    "non-ascii-digits-accepted",
    "validator uses str.isdigit(): accepts Arabic-Indic digits",
    "probe:digits_non_ascii",
)
async def _non_ascii(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    def change(document: dict[str, Any]) -> bool:
        digits = document.get("digits")
        if isinstance(digits, str) and digits.isdigit() and not digits.isascii():
            document["digits"] = "".join(str(unicodedata.decimal(c)) for c in digits)
            return True
        return False

    return await forward(_rewrite_body(request, change))


@mutant(
    "digits-number-accepted",
    "digits as a JSON number is converted to a string",
    "probe:digits_json_number",
    "negative_data_rejection",
)
async def _digits_number(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    def change(document: dict[str, Any]) -> bool:
        digits = document.get("digits")
        if isinstance(digits, int) and not isinstance(digits, bool) and digits >= 0:
            document["digits"] = str(digits)
            return True
        return False

    return await forward(_rewrite_body(request, change))


@mutant(
    "leg-case-insensitive",
    "leg compared case-insensitively: BLEG accepted",
    "probe:leg_other_case",
)
async def _leg_case(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    def change(document: dict[str, Any]) -> bool:
        leg = document.get("leg")
        if isinstance(leg, str) and leg != leg.lower():
            document["leg"] = leg.lower()
            return True
        return False

    return await forward(_rewrite_body(request, change))


@mutant(
    "content-type-ignored",
    "any Content-Type is parsed as JSON",
    "probe:content_type_wrong",
    "probe:content_type_missing",
)
async def _content_type_ignored(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    if request.is_dtmf and request.body:
        request = replace(request, headers={**request.headers, "content-type": "application/json"})
    return await forward(request)


@mutant(
    "body-limit-as-400",
    "an oversized body is a 400, not the documented 413",
    "probe:body_too_large",
)
async def _body_limit(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    response = await forward(request)
    return replace(response, status=400) if response.status == 413 else response


# --- validation too strict -------------------------------------------------------------------


@mutant(
    "zero-rejected",
    'digits "0" treated as missing (a falsy check)',
    "probe:digits_zero",
    "positive_data_acceptance",
)
async def _zero_rejected(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    document = _body_dict(request) if request.is_dtmf else None
    if document is not None and document.get("digits") == "0":
        return _error(400, "digits is required")
    return await forward(request)


@mutant(
    "strict-unknown-fields",
    "unknown body fields rejected (breaks the Python and Java SDKs)",
    "probe:unknown_fields_ignored",
    "positive_data_acceptance",
)
async def _strict_unknown(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    document = _body_dict(request) if request.is_dtmf else None
    known = {"digits", "leg", "callback_url", "callback_method"}
    if document is not None and set(document) - known:
        return _error(400, f"unknown fields: {sorted(set(document) - known)}")
    return await forward(request)


@mutant(
    "charset-rejected",
    "application/json; charset=utf-8 answered 415",
    "probe:content_type_charset",
)
async def _charset_rejected(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    if request.is_dtmf and ";" in request.headers.get("content-type", ""):
        return _error(415, "Content-Type must be application/json")
    return await forward(request)


# --- authentication and authorisation -------------------------------------------------------


@mutant(
    "auth-ignored",
    "no credential check at all",
    "missing_required_header",
    "ignored_auth",
    "probe:no_credentials",
)
async def _auth_ignored(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    if request.path.startswith("/v1/"):
        authorization = broken.basic(broken.accounts[0])
        request = replace(request, headers={**request.headers, "authorization": authorization})
    return await forward(request)


@mutant(
    "password-unchecked",
    "only the Auth ID is checked, never the token",
    "probe:wrong_password",
)
async def _password_unchecked(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    account = broken.account(request.basic_user)
    if account is not None and request.path.startswith("/v1/"):
        request = replace(
            request, headers={**request.headers, "authorization": broken.basic(account)}
        )
    return await forward(request)


@mutant(
    "bearer-accepted",
    "Authorization: Bearer <token> accepted as well as Basic",
    "probe:non_basic_scheme",
)
async def _bearer(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    value = request.headers.get("authorization", "")
    if value.startswith("Bearer "):
        token = value[len("Bearer ") :]
        account = next((a for a in broken.accounts if a.auth_token == token), None)
        if account is not None:
            request = replace(
                request, headers={**request.headers, "authorization": broken.basic(account)}
            )
    return await forward(request)


@mutant(
    "auth-id-unchecked",
    "the path's auth_id is not compared with the credentials",
    "probe:path_auth_id_mismatch",
)
async def _auth_id_unchecked(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    user = request.basic_user
    match = _DTMF_PATH.match(request.path) or _LIST_PATH.match(request.path)
    if user is not None and match is not None and match["auth_id"] != user:
        path = request.path.replace(f"/Account/{match['auth_id']}/", f"/Account/{user}/", 1)
        request = replace(request, path=path)
    return await forward(request)


@mutant(
    "cross-account",
    "calls of other accounts reachable with one's own credentials",
    "probe:other_account_call",
)
async def _cross_account(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    response = await forward(request)
    match = _DTMF_PATH.match(request.path)
    if response.status != 404 or match is None or broken.account(request.basic_user) is None:
        return response
    for account in broken.accounts:
        if account.auth_id == match["auth_id"]:
            continue
        path = request.path.replace(f"/Account/{match['auth_id']}/", f"/Account/{account.auth_id}/")
        headers = {**request.headers, "authorization": broken.basic(account)}
        other = await forward(replace(request, path=path, headers=headers))
        if other.status < 300:
            return other
    return response


@mutant(
    "no-www-authenticate",
    "401 without WWW-Authenticate",
    "response_headers_conformance",
    "probe:no_credentials",
)
async def _no_www_authenticate(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    response = await forward(request)
    headers = {k: v for k, v in response.headers.items() if k != "www-authenticate"}
    return replace(response, headers=headers)


# --- methods and paths -----------------------------------------------------------------------


@mutant(
    "no-allow-header",
    "405 without Allow",
    "unsupported_method",
    "allow_header_conformance",
    "response_headers_conformance",
    "probe:method_put",
)
async def _no_allow(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    response = await forward(request)
    return replace(response, headers={k: v for k, v in response.headers.items() if k != "allow"})


@mutant(
    "head-options-200",
    "HEAD and OPTIONS answered 200 (framework defaults)",
    "probe:method_head",
    "probe:method_options",
)
async def _head_options(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    if request.method in ("HEAD", "OPTIONS") and request.is_dtmf:
        return Exchange(status=200, headers={"allow": "POST, HEAD, OPTIONS"}, body=b"")
    return await forward(request)


@mutant(
    "slash-redirect",
    "missing trailing slash redirected with 307 (Starlette's default)",
    "probe:path_without_trailing_slash",
)
async def _slash_redirect(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    if request.is_dtmf and not request.path.endswith("/"):
        return Exchange(status=307, headers={"location": request.path + "/"}, body=b"")
    return await forward(request)


# --- legs ------------------------------------------------------------------------------------


@mutant(
    "leg-ignored",
    "leg ignored: every digit goes to the a-leg",
    "probe:bleg_on_bridged_call",
    "probe:bleg_on_unbridged_call",
)
async def _leg_ignored(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    def change(document: dict[str, Any]) -> bool:
        return document.pop("leg", None) is not None

    return await forward(_rewrite_body(request, change))


@mutant(
    "leg-default-bleg",
    "a missing leg defaults to bleg",
    "probe:default_leg",
)
async def _leg_default(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    def change(document: dict[str, Any]) -> bool:
        if "leg" in document:
            return False
        document["leg"] = "bleg"
        return True

    return await forward(_rewrite_body(request, change))


@mutant(
    "bleg-rejected",
    "leg=bleg answered 404 even on a bridged call",
    "live_call_accepts_valid_digits",
    "probe:bleg_on_bridged_call",
)
async def _bleg_rejected(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    document = _body_dict(request) if request.is_dtmf else None
    if document is not None and document.get("leg") == "bleg":
        return _error(404, "b-leg not found")
    return await forward(request)


# --- normalisation before validation (issue 13) ----------------------------------------------


@mutant(
    "digits-case-folded",
    "digits upper-cased before validation: '*2a#' accepted as '*2A#'",
    "probe:near_miss_body_digits",
)
async def _digits_case_folded(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    def change(document: dict[str, Any]) -> bool:
        digits = document.get("digits")
        if isinstance(digits, str) and digits.upper() != digits:
            document["digits"] = digits.upper()
            return True
        return False

    return await forward(_rewrite_body(request, change))


@mutant(
    "digits-stripped",
    "whitespace around digits stripped before validation: ' 8743#' accepted",
    "probe:near_miss_body_digits",
)
async def _digits_stripped(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    def change(document: dict[str, Any]) -> bool:
        digits = document.get("digits")
        if isinstance(digits, str) and digits.strip() != digits:
            document["digits"] = digits.strip()
            return True
        return False

    return await forward(_rewrite_body(request, change))


# --- JSON decoding strictness ------------------------------------------------------------------


def _finite(value: Any) -> Any:
    """What a lenient provider keeps of a value: NaN/Infinity as null, lone surrogates as '?'."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {str(_finite(k)): _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


@mutant(
    "json-lenient",
    "Python's json.loads defaults: NaN, Infinity, a BOM, Latin-1 bytes, lone surrogates accepted",
    "probe:json_nan",
    "probe:json_infinity",
    "probe:json_bom",
    "probe:json_not_utf8",
    "probe:json_lone_surrogate",
)
async def _json_lenient(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    if not request.is_dtmf or not request.body:
        return await forward(request)
    try:
        text = request.body.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = request.body.decode("latin-1")
    try:
        document = json.loads(text)
    except ValueError:
        return await forward(request)
    return await forward(request.with_json(_finite(document)))


# --- credential comparison ---------------------------------------------------------------------


@mutant(
    "token-prefix-accepted",
    "the token compared only over what was sent: an empty or prefix token passes",
    "probe:credentials_empty_token",
    "probe:credentials_token_prefix",
)
async def _token_prefix(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    credentials = request.basic_credentials
    account = broken.account(credentials[0]) if credentials else None
    if credentials and account is not None and account.auth_token.startswith(credentials[1]):
        request = replace(
            request, headers={**request.headers, "authorization": broken.basic(account)}
        )
    return await forward(request)


@mutant(
    "auth-id-case-insensitive",
    "the Auth ID looked up case-insensitively (a database collation)",
    "probe:credentials_auth_id_other_case",
)
async def _auth_id_case(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    credentials = request.basic_credentials
    if credentials is not None:
        user, password = credentials
        for account in broken.accounts:
            if account.auth_id.lower() == user.lower() and account.auth_token == password:
                request = replace(
                    request, headers={**request.headers, "authorization": broken.basic(account)}
                )
    return await forward(request)


# --- the answer per case ----------------------------------------------------------------------


@mutant(
    "async-answered-digits-sent",
    'with callback_url the 202 says "digits sent", not "async api spawned"',
    "probe:async_answer",
    "answer_matches_request_case",
)
async def _async_message(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    response = await forward(request)
    document = response.json()
    if response.status == 202 and isinstance(document, dict):
        return response.with_json({**document, "message": "digits sent"})
    return response


@mutant(
    "callback-url-null-sync",
    '"callback_url": null read as absent: 202 "digits sent" instead of a 400',
    "negative_data_rejection",
)
async def _callback_url_null(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    def drop_null(document: dict[str, Any]) -> bool:
        if "callback_url" in document and document["callback_url"] is None:
            del document["callback_url"]
            return True
        return False

    return await forward(_rewrite_body(request, drop_null))


@mutant(
    "callback-query-dropped",
    "the callback goes to callback_url without its query (a receiver's own token is lost)",
    "probe:async_callback",
    knobs={"CONTRACT_PROBES": "async_callback", "CONTRACT_PHASES": "none"},
)
async def _callback_query_dropped(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    def drop_query(document: dict[str, Any]) -> bool:
        url = document.get("callback_url")
        if isinstance(url, str) and "?" in url:
            document["callback_url"] = url.split("?", 1)[0]
            return True
        return False

    return await forward(_rewrite_body(request, drop_query))


@mutant(
    "no-body-timeout",
    "a body that stops arriving is waited for forever (no x-limits.body-timeout-seconds)",
    "probe:body_timeout",
    knobs={"CONTRACT_PROBES": "body_timeout", "CONTRACT_PHASES": "none"},
)
async def _no_body_timeout(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    # The middleware reads the whole body before the mock sees it: the mock's deadline
    # never starts, as in a provider that reads bodies with no timeout.
    return await forward(request)


# No middleware (it would read the body first, and so be no-body-timeout too): the mock's
# protocol with its head timer a century away, so that only a slow head shows the bug.
MUTANTS["no-head-timeout"] = Mutant(
    "no-head-timeout",
    "a request head that stops arriving is waited for forever (no x-limits.head-timeout-seconds)",
    frozenset({"probe:head_timeout"}),
    knobs={"CONTRACT_PROBES": "head_timeout", "CONTRACT_PHASES": "none"},
    protocol={"head_timeout_s": math.inf},
)


# --- rate limit ------------------------------------------------------------------------------

# The correct twin of this mutant is the mock with the same low limit, switched on.
RATE_LIMIT = 40


@mutant(
    "no-rate-limit",
    "no per-account rate limit",
    "probe:rate_limit",
    config={"rate_limit": None},
    knobs={
        "CONTRACT_RATE_LIMIT_PROBE": f"{RATE_LIMIT}/5",
        "CONTRACT_PROBES": "rate_limit",
        "CONTRACT_PHASES": "none",
    },
)
async def _no_rate_limit(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    return await forward(request)


def twin_config(item: Mutant) -> dict[str, Any]:
    """MockConfig overrides of the correct provider a mutant is compared with."""
    return {"rate_limit": RATE_LIMIT} if "CONTRACT_RATE_LIMIT_PROBE" in item.knobs else {}


# --- families of input channels (issue 22): each caught by its family probe only ---------

_ENUM_FIELDS = ("leg", "callback_method")
_BODY_LIMIT = SPEC.body_limit
_MAX_DIGITS = SPEC.max_digits
_FAMILY = {"CONTRACT_PHASES": "none"}


@mutant(
    "enum-whitespace-stripped",
    "body enums stripped before the lookup: ' bleg' and 'aleg\\n' accepted",
    "probe:enum_variants",
    knobs={**_FAMILY, "CONTRACT_PROBES": "enum_variants"},
)
async def _enum_stripped(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    def change(document: dict[str, Any]) -> bool:
        changed = False
        for name in _ENUM_FIELDS:
            value = document.get(name)
            if isinstance(value, str) and value.strip() != value:
                document[name], changed = value.strip(), True
        return changed

    return await forward(_rewrite_body(request, change))


@mutant(
    "enum-nfkc-folded",
    "body enums NFKC-normalised before the lookup: full-width letters accepted",
    "probe:enum_variants",
    knobs={**_FAMILY, "CONTRACT_PROBES": "enum_variants"},
)
async def _enum_nfkc(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    def change(document: dict[str, Any]) -> bool:
        changed = False
        for name in _ENUM_FIELDS:
            value = document.get(name)
            if isinstance(value, str) and unicodedata.normalize("NFKC", value) != value:
                document[name], changed = unicodedata.normalize("NFKC", value), True
        return changed

    return await forward(_rewrite_body(request, change))


@mutant(
    "query-enum-case-insensitive",
    "the status query parameter compared case-insensitively: status=LIVE accepted",
    "probe:enum_variants",
    knobs={**_FAMILY, "CONTRACT_PROBES": "enum_variants"},
)
async def _query_enum_case(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    if _LIST_PATH.match(request.path) and request.query != request.query.lower():
        request = replace(request, query=request.query.lower())
    return await forward(request)


@mutant(
    "enum-empty-default",
    "an empty leg taken for the default ('leg or \"aleg\"')",
    "probe:enum_variants",
    knobs={**_FAMILY, "CONTRACT_PROBES": "enum_variants"},
)
async def _enum_empty(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    def change(document: dict[str, Any]) -> bool:
        if document.get("leg") == "":
            del document["leg"]
            return True
        return False

    return await forward(_rewrite_body(request, change))


@mutant(
    "target-limit-off-by-one",
    "a request target of exactly x-limits.target-bytes answered 400 (>= instead of >)",
    "probe:request_limits_at_boundary",
    knobs={**_FAMILY, "CONTRACT_PROBES": "request_limits_at_boundary"},
)
async def _target_off_by_one(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    size = len(request.path) + (len(request.query) + 1 if request.query else 0)
    if size >= int(SPEC.limits["target-bytes"]):
        return _error(400, "request target too long")
    return await forward(request)


@mutant(
    "header-limit-counts-more",
    "the header limit counted over the whole header block, not per header",
    "probe:request_limits_at_boundary",
    knobs={**_FAMILY, "CONTRACT_PROBES": "request_limits_at_boundary"},
)
async def _header_block(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    size = sum(len(k) + len(v) + 4 for k, v in request.headers.items())
    if size > int(SPEC.limits["header-bytes"]):
        return _error(400, "request headers too long")
    return await forward(request)


@mutant(
    "field-names-case-insensitive",
    'body field names matched case-insensitively: {"DIGITS": "1"} accepted',
    "probe:field_name_variants",
    knobs={**_FAMILY, "CONTRACT_PROBES": "field_name_variants"},
)
async def _field_names_case(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    def change(document: dict[str, Any]) -> bool:
        lowered = {k.lower(): v for k, v in document.items()}
        if lowered == document:
            return False
        document.clear()
        document.update(lowered)
        return True

    return await forward(_rewrite_body(request, change))


@mutant(
    "query-names-case-insensitive",
    "query parameter names matched case-insensitively: STATUS=live accepted",
    "probe:field_name_variants",
    knobs={**_FAMILY, "CONTRACT_PROBES": "field_name_variants"},
)
async def _query_names_case(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    if _LIST_PATH.match(request.path):
        pairs = [part.partition(b"=") for part in request.query.split(b"&") if part]
        query = b"&".join(k.lower() + sep + v for k, sep, v in pairs)
        request = replace(request, query=query)
    return await forward(request)


@mutant(
    "unlisted-method-200",
    "DELETE on the live-call list answered 200 with the list (one path, one method)",
    "probe:methods_every_path",
    knobs={**_FAMILY, "CONTRACT_PROBES": "methods_every_path"},
)
async def _unlisted_method(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    if request.method == "DELETE" and _LIST_PATH.match(request.path):
        return await forward(replace(request, method="GET", body=b""))
    return await forward(request)


@mutant(
    "patch-as-post",
    "PATCH on the DTMF path handled as POST (a route registered for both)",
    "probe:methods_every_path",
    knobs={**_FAMILY, "CONTRACT_PROBES": "methods_every_path"},
)
async def _patch_as_post(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    if request.method == "PATCH" and request.is_dtmf:
        return await forward(replace(request, method="POST"))
    return await forward(request)


def _without_padding(request: Exchange) -> Exchange:
    """The body as a provider with no size limit would go on to read it: parsed, and
    re-encoded small enough for the mock (its unknown fields dropped)."""
    document = _body_dict(request)
    if document is None:
        return request
    known = {k: v for k, v in document.items() if k in ("digits", "leg", "callback_url")}
    return request.with_json(known)


@mutant(
    "body-limit-content-length-only",
    "the body limit checked on the Content-Length header only: a chunked body of any size is read",
    "probe:body_limit_framings",
    knobs={**_FAMILY, "CONTRACT_PROBES": "body_limit_framings"},
)
async def _limit_content_length_only(
    request: Exchange, forward: Forward, broken: Broken
) -> Exchange:
    if (
        request.is_dtmf
        and "content-length" not in request.headers
        and len(request.body) > _BODY_LIMIT
    ):
        request = _without_padding(request)
    return await forward(request)


@mutant(
    "body-limit-off-by-one",
    "a body of exactly x-limits.body-bytes answered 413 (>= instead of >)",
    "probe:body_limit_framings",
    knobs={**_FAMILY, "CONTRACT_PROBES": "body_limit_framings"},
)
async def _limit_off_by_one(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    if request.is_dtmf and len(request.body) == _BODY_LIMIT:
        return _error(413, f"request body larger than {_BODY_LIMIT} bytes")
    return await forward(request)


@mutant(
    "content-type-prefix",
    "Content-Type tested by prefix: application/jsonx and application/json-patch accepted",
    "probe:content_type_near_misses",
    knobs={**_FAMILY, "CONTRACT_PROBES": "content_type_near_misses"},
)
async def _content_type_prefix(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    value = request.headers.get("content-type", "")
    if request.is_dtmf and value.startswith("application/json"):
        request = replace(request, headers={**request.headers, "content-type": "application/json"})
    return await forward(request)


@mutant(
    "digits-length-without-duration",
    "the 128-character limit counts the tones only, not the @duration part",
    "probe:pattern_boundaries",
    knobs={**_FAMILY, "CONTRACT_PROBES": "pattern_boundaries"},
)
async def _length_without_duration(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    def change(document: dict[str, Any]) -> bool:
        digits = document.get("digits")
        if not isinstance(digits, str) or len(digits) <= _MAX_DIGITS or not _valid_looking(digits):
            return False
        tones = digits.split("@")[0]
        if len(tones) > _MAX_DIGITS:
            return False
        document["digits"] = tones
        return True

    return await forward(_rewrite_body(request, change))


@mutant(
    "duration-below-minimum",
    "the @duration's digits written {0,3} instead of {1,3}: '1@5' (5 ms) accepted",
    "probe:pattern_boundaries",
    knobs={**_FAMILY, "CONTRACT_PROBES": "pattern_boundaries"},
)
async def _duration_below_min(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    def change(document: dict[str, Any]) -> bool:
        digits = document.get("digits")
        if isinstance(digits, str) and re.fullmatch(r"[0-9A-D*#wW]+@[1-9]", digits):
            document["digits"] = digits.split("@")[0]
            return True
        return False

    return await forward(_rewrite_body(request, change))


@mutant(
    "crash-at-max-length",
    "500 for digits of exactly maxLength characters (a buffer one byte short)",
    "probe:pattern_boundaries",
    knobs={**_FAMILY, "CONTRACT_PROBES": "pattern_boundaries"},
)
async def _crash_at_max(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    document = _body_dict(request) if request.is_dtmf else None
    digits = document.get("digits") if document else None
    if isinstance(digits, str) and len(digits) == _MAX_DIGITS:
        return _error(500, "internal server error")
    return await forward(request)


@mutant(
    "crash-at-max-duration",
    "500 for a 4-digit @duration (the optional part at its maximum)",
    "probe:pattern_boundaries",
    knobs={**_FAMILY, "CONTRACT_PROBES": "pattern_boundaries"},
)
async def _crash_at_max_duration(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    document = _body_dict(request) if request.is_dtmf else None
    digits = document.get("digits") if document else None
    if isinstance(digits, str) and re.search(r"@[0-9]{4}$", digits):
        return _error(500, "internal server error")
    return await forward(request)


@mutant(
    "credentials-echoed",
    "a 401 names the credentials it refused ('authentication failed for user:password')",
    "probe:error_answers_hide_credentials",
    knobs={**_FAMILY, "CONTRACT_PROBES": "error_answers_hide_credentials"},
)
async def _credentials_echoed(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    response = await forward(request)
    credentials = request.basic_credentials
    document = response.json()
    if response.status == 401 and credentials and isinstance(document, dict):
        user, password = credentials
        return response.with_json(
            {**document, "error": f"authentication failed for {user}:{password}"}
        )
    return response


@mutant(
    "authorization-echoed",
    "a 400 repeats the request's Authorization header (a debugging aid left on)",
    "probe:error_answers_hide_credentials",
    knobs={**_FAMILY, "CONTRACT_PROBES": "error_answers_hide_credentials"},
)
async def _authorization_echoed(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    response = await forward(request)
    document = response.json()
    if response.status == 400 and isinstance(document, dict):
        sent = request.headers.get("authorization", "-")
        return response.with_json(
            {**document, "error": f"{document.get('error')} (request {sent})"}
        )
    return response


@mutant(
    "constant-api-id",
    "every answer carries the same api_id",
    "probe:api_ids_distinct",
    knobs={**_FAMILY, "CONTRACT_PROBES": "api_ids_distinct"},
)
async def _constant_api_id(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
    response = await forward(request)
    document = response.json()
    if isinstance(document, dict) and "api_id" in document:
        return response.with_json({**document, "api_id": "07abfd94-58c0-11e1-86da-adf28403fe48"})
    return response


class _Window:
    """A sliding-window limiter over any key (the mutants below key it wrongly)."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit, self.seconds = limit, seconds
        self.seen: dict[object, deque[float]] = {}

    def over(self, key: object) -> bool:
        now = time.monotonic()
        times = self.seen.setdefault(key, deque())
        while times and now - times[0] > self.seconds:
            times.popleft()
        if len(times) >= self.limit:
            return True
        times.append(now)
        return False


def _rate_limited_by(key: Callable[[Exchange], object]) -> Behaviour:
    window = _Window(RATE_LIMIT, 5.0)

    async def behaviour(request: Exchange, forward: Forward, broken: Broken) -> Exchange:
        if request.path.startswith("/v1/") and window.over(key(request)):
            return _error(429, "too many requests", **{"retry-after": "5"})
        return await forward(request)

    return behaviour


_SPREAD = {
    "CONTRACT_RATE_LIMIT_PROBE": "{limit}/5",
    "CONTRACT_PROBES": "rate_limit_spread",
    "CONTRACT_PHASES": "none",
}


for _name, _bug, _key in (
    (
        "rate-limit-per-connection",
        "the rate limit counted per connection, not per account",
        lambda r: r.client,
    ),
    (
        "rate-limit-per-path",
        "the rate limit counted per account and path, not per account",
        lambda r: (r.basic_user, r.path),
    ),
    (
        "rate-limit-per-address",
        "the rate limit counted per client address, not per account",
        lambda r: r.client[0] if r.client else None,
    ),
):
    mutant(
        _name,
        _bug,
        "probe:rate_limit_spread",
        config={"rate_limit": None},
        knobs={k: v.format(limit=RATE_LIMIT) for k, v in _SPREAD.items()},
    )(_rate_limited_by(_key))


# --- the middleware and the server -----------------------------------------------------------


class MutantApp:
    """An ASGI app: `inner` (the mock) with one mutant's behaviour wrapped around it."""

    def __init__(self, inner: ASGIApp, behaviour: Behaviour | None, broken: Broken) -> None:
        self.inner = inner
        self.behaviour = behaviour
        self.broken = broken

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.behaviour is None:
            await self.inner(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        request = Exchange(
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b""),
            headers={k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]},
            body=b"".join(chunks),
            client=tuple(scope["client"]) if scope.get("client") else None,
        )
        response = await self.behaviour(request, self._forward(scope), self.broken)
        headers = [
            (k.encode("latin-1"), v.encode("latin-1"))
            for k, v in response.headers.items()
            if k != "content-length"
        ]
        headers.append((b"content-length", str(len(response.body)).encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        body = b"" if request.method == "HEAD" else response.body
        await send({"type": "http.response.body", "body": body})

    def _forward(self, scope: Scope) -> Forward:
        async def forward(request: Exchange) -> Exchange:
            headers = [
                (k.encode("latin-1"), v.encode("latin-1"))
                for k, v in request.headers.items()
                if k != "content-length"
            ]
            headers.append((b"content-length", str(len(request.body)).encode()))
            inner_scope = {
                **scope,
                "method": request.method,
                "path": request.path,
                "raw_path": request.path.encode(),
                "query_string": request.query,
                "headers": headers,
            }
            sent = False

            async def receive() -> Message:
                nonlocal sent
                if sent:
                    return {"type": "http.disconnect"}
                sent = True
                return {"type": "http.request", "body": request.body, "more_body": False}

            response = Exchange()
            parts: list[bytes] = []

            async def capture(message: Message) -> None:
                if message["type"] == "http.response.start":
                    response.status = int(message["status"])
                    response.headers = {
                        k.decode("latin-1").lower(): v.decode("latin-1")
                        for k, v in message.get("headers", [])
                    }
                elif message["type"] == "http.response.body":
                    parts.append(message.get("body", b""))

            await self.inner(inner_scope, receive, capture)
            response.body = b"".join(parts)
            return response

        return forward


def foreign(app: ASGIApp) -> ASGIApp:
    """`app` without the mock's control API: to the runner, a provider like any other."""

    async def hidden(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/__mock__"):
            reply = _error(404, "not found")
            headers = [(k.encode(), v.encode()) for k, v in reply.headers.items()]
            await send({"type": "http.response.start", "status": 404, "headers": headers})
            await send({"type": "http.response.body", "body": reply.body})
            return
        await app(scope, receive, send)

    return hidden


def build_app(name: str | None, config: MockConfig) -> ASGIApp:
    """The mock configured by `config`, broken as mutant `name` says (None: correct)."""
    item = MUTANTS[name] if name is not None else None
    if item is not None and item.config:
        config = replace(config, **item.config)
    inner = create_app(config)
    broken = Broken(tuple(config.accounts))
    return MutantApp(inner, item.behaviour if item else None, broken)


@contextmanager
def serve(
    app: ASGIApp, *, protocol: dict[str, Any] | None = None, deadline_s: float = 15.0
) -> Iterator[str]:
    """Serve `app` with uvicorn on a free loopback port in a thread; yields its base URL.

    `protocol`: PlivoHttpProtocol.with_limits settings (a mutant's, or a shorter head timeout).
    """
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            log_level="error",
            access_log=False,
            lifespan="on",
            # The mock's own protocol: malformed framing is answered as the mock answers it.
            http=PlivoHttpProtocol.with_limits(**protocol) if protocol else PlivoHttpProtocol,
        )
    )
    thread = threading.Thread(target=server.run, name="mutant-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + deadline_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the mutant server did not start")
        time.sleep(0.01)  # polling the server's own readiness flag, bounded by the deadline
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.contract.mutants")
    parser.add_argument("name", choices=sorted(MUTANTS))
    parser.add_argument("--port", type=int, default=4020)
    args = parser.parse_args()
    config = MockConfig.from_env()
    print(f"mutant {args.name}: {MUTANTS[args.name].bug}", flush=True)
    uvicorn.run(
        build_app(args.name, config),
        host="127.0.0.1",
        port=args.port,
        lifespan="off",
        http=PlivoHttpProtocol.with_limits(**MUTANTS[args.name].protocol),
    )


if __name__ == "__main__":
    main()
