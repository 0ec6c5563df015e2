"""Every exception this client raises, in one family rooted at PlivoError.

PlivoError
├── CredentialsError             no Auth ID / Auth Token (arguments or environment)
├── InvalidParameterError        a value breaks a rule of the spec; nothing was sent
├── APIConnectionError           no usable answer (connection failed, after retries)
│   └── APITimeoutError          a timeout; the request may have been processed
└── APIError                     an answer the client cannot turn into a result:
    │                            .status_code .api_id .error .response
    ├── APIResponseValidationError   a success status without the documented body
    └── APIStatusError           an error status
        ├── BadRequestError              400
        ├── AuthenticationError          401
        ├── ForbiddenError               403
        ├── NotFoundError                404
        ├── MethodNotAllowedError        405
        ├── PayloadTooLargeError         413
        ├── UnsupportedMediaTypeError    415
        ├── RateLimitError               429
        ├── ServerError                  any 5xx
        │   └── InternalServerError      500
        └── UnexpectedStatusError        any other status (including non-IANA ones)
"""

import json
from http import HTTPStatus
from typing import Any

import httpx


class PlivoError(Exception):
    """Base class of every exception raised by this client."""


class CredentialsError(PlivoError):
    """No Auth ID or no Auth Token, neither as arguments nor in the environment."""


class InvalidParameterError(PlivoError, ValueError):
    """A value breaks a rule of the OpenAPI document; raised before any HTTP request.

    Attributes:
        field: the parameter or body property, as named in the spec (e.g. "digits").
        rule: the JSON Schema keyword broken, as the spec writes it ("pattern", "maxLength", "minimum", "format"...).
        constraint: the keyword's value in the spec (e.g. the pattern).
        value: the rejected value.
    """

    def __init__(self, field: str, rule: str, constraint: Any, value: Any, message: str) -> None:
        self.field = field
        self.rule = rule
        self.constraint = constraint
        self.value = value
        super().__init__(f"{field}: {message} ({rule}); got {_shorten(repr(value))}")


class APIConnectionError(PlivoError):
    """The request got no usable answer: connection refused, reset, TLS failure, and so on.

    Raised after the retries the client allows (see Client.max_retries).
    """

    def __init__(self, message: str, *, request: httpx.Request) -> None:
        self.request = request
        super().__init__(message)


class APITimeoutError(APIConnectionError):
    """A timeout. Unless it was a connect (or pool) timeout, the server may have acted on it."""


class APIError(PlivoError):
    """An answer the client cannot turn into a result.

    Attributes:
        status_code: the HTTP status, as an int (it may be a non-IANA code such as 520).
        api_id: Plivo's `api_id` from the JSON body, or None when the body has none.
        error: Plivo's `error` message from the JSON body, or None when the body has none.
        response: the httpx.Response, for headers and the raw body.
    """

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        api_id: str | None = None,
        error: str | None = None,
    ) -> None:
        self.response = response
        self.status_code: int = response.status_code
        self.api_id = api_id
        self.error = error
        super().__init__(message)


class APIResponseValidationError(APIError):
    """A documented success status whose body is not the documented JSON."""


class APIStatusError(APIError):
    """An error status; the subclass tells which."""


class ServerError(APIStatusError):
    """Any 5xx. Not retried unless Client(retry_server_errors=True): the digits may have been sent."""


class UnexpectedStatusError(APIStatusError):
    """A status the spec does not document, including non-IANA codes (e.g. 520, 499)."""


class BadRequestError(APIStatusError):
    """400: A parameter is missing or invalid."""


class AuthenticationError(APIStatusError):
    """401: Authentication failed, or the credentials do not match the path's Auth ID."""


class ForbiddenError(APIStatusError):
    """403: The account may not do this (geo permissions or verification)."""


class NotFoundError(APIStatusError):
    """404: No such live call on this account (or no bridged b-leg for leg=bleg)."""


class MethodNotAllowedError(APIStatusError):
    """405: The resource does not answer this method."""


class PayloadTooLargeError(APIStatusError):
    """413: The request body is over 8192 bytes."""


class UnsupportedMediaTypeError(APIStatusError):
    """415: The request body is not application/json."""


class RateLimitError(APIStatusError):
    """429: Over 300 requests in 5 seconds for this account."""


class InternalServerError(ServerError):
    """500: The provider failed."""


STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: ForbiddenError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    413: PayloadTooLargeError,
    415: UnsupportedMediaTypeError,
    429: RateLimitError,
    500: InternalServerError,
}
"""The exception class of each error status documented in the spec."""


def error_from_response(response: httpx.Response) -> APIStatusError:
    """The exception for an error answer, whatever its status and body."""
    code = response.status_code
    cls = STATUS_ERRORS.get(code) or (ServerError if 500 <= code <= 599 else UnexpectedStatusError)
    api_id, error = _plivo_error_fields(response)
    if error is not None:
        detail = error
    else:
        detail = f"the body is not Plivo's JSON error: {_shorten(repr(response.text))}"
    if api_id is not None:
        detail += f" (api_id {api_id})"
    if cls is UnexpectedStatusError:
        detail += "; this status is not documented for this API"
    return cls(f"{_status_line(response)}: {detail}", response=response, api_id=api_id, error=error)


def malformed_success(response: httpx.Response, expected: str) -> APIResponseValidationError:
    """The exception for a success status whose body is not the documented `expected` model."""
    api_id, _ = _plivo_error_fields(response)
    return APIResponseValidationError(
        f"{_status_line(response)}: the body is not the documented {expected}: {_shorten(repr(response.text))}",
        response=response,
        api_id=api_id,
    )


def _plivo_error_fields(response: httpx.Response) -> tuple[str | None, str | None]:
    """`api_id` and `error` from a Plivo-shaped JSON body; None for what is missing."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return None, None
    if not isinstance(body, dict):
        return None, None
    api_id, error = body.get("api_id"), body.get("error")
    return (
        api_id if isinstance(api_id, str) else None,
        error if isinstance(error, str) else (json.dumps(error) if error is not None else None),
    )


def _status_line(response: httpx.Response) -> str:
    # httpx knows no reason phrase for non-IANA codes (upstream #1442: HTTPStatus(520) raises).
    code = response.status_code
    try:
        phrase = HTTPStatus(code).phrase
    except ValueError:
        return f"HTTP {code}"
    return f"{code} {phrase}"


def _shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "CredentialsError",
    "InvalidParameterError",
    "PlivoError",
    "STATUS_ERRORS",
    "ServerError",
    "UnexpectedStatusError",
    "BadRequestError",
    "AuthenticationError",
    "ForbiddenError",
    "NotFoundError",
    "MethodNotAllowedError",
    "PayloadTooLargeError",
    "UnsupportedMediaTypeError",
    "RateLimitError",
    "InternalServerError",
]
