"use strict";
/**
 * Every error this client throws, in one family rooted at PlivoError (the Python client's,
 * with the same names).
 *
 * PlivoError
 * ├── CredentialsError             no Auth ID / Auth Token (options or environment)
 * ├── InvalidParameterError        a value breaks a rule of the spec; nothing was sent
 * ├── APIConnectionError           no usable answer (connection failed, after retries)
 * │   └── APITimeoutError          a timeout; the request may have been processed
 * └── APIError                     an answer the client cannot turn into a result:
 *     │                            .status .apiId .error .headers .body
 *     ├── APIResponseValidationError   a success status without the documented body
 *     └── APIStatusError           an error status
 *         ├── BadRequestError              400
 *         ├── AuthenticationError          401
 *         ├── ForbiddenError               403
 *         ├── NotFoundError                404
 *         ├── MethodNotAllowedError        405
 *         ├── PayloadTooLargeError         413
 *         ├── UnsupportedMediaTypeError    415
 *         ├── RateLimitError               429
 *         ├── ServerError                  any 5xx
 *         │   └── InternalServerError      500
 *         └── UnexpectedStatusError        any other status
 *
 * Written by `make generate` from openapi/typescript/src/errors.ts.jinja. Do not edit.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.STATUS_ERRORS = exports.InternalServerError = exports.RateLimitError = exports.UnsupportedMediaTypeError = exports.PayloadTooLargeError = exports.MethodNotAllowedError = exports.NotFoundError = exports.ForbiddenError = exports.AuthenticationError = exports.BadRequestError = exports.UnexpectedStatusError = exports.ServerError = exports.APIStatusError = exports.APIResponseValidationError = exports.APIError = exports.APITimeoutError = exports.APIConnectionError = exports.InvalidParameterError = exports.CredentialsError = exports.PlivoError = void 0;
exports.errorFromResponse = errorFromResponse;
exports.malformedSuccess = malformedSuccess;
/** Base class of every error thrown by this client. */
class PlivoError extends Error {
    constructor(message, options) {
        super(message, options);
        this.name = new.target.name;
    }
}
exports.PlivoError = PlivoError;
/** No Auth ID or no Auth Token, neither as options nor in the environment. */
class CredentialsError extends PlivoError {
}
exports.CredentialsError = CredentialsError;
/** A value breaks a rule of the OpenAPI document; thrown before any HTTP request. */
class InvalidParameterError extends PlivoError {
    field;
    rule;
    constraint;
    value;
    /**
     * @param field the parameter or body property, as named in the spec (e.g. "digits").
     * @param rule the JSON Schema keyword broken.
     * @param constraint the keyword's value in the spec (e.g. the pattern).
     * @param value the rejected value.
     */
    constructor(field, rule, constraint, value, detail) {
        super(`${field}: ${detail} (${rule}); got ${shorten(describe(value))}`);
        this.field = field;
        this.rule = rule;
        this.constraint = constraint;
        this.value = value;
    }
}
exports.InvalidParameterError = InvalidParameterError;
/** The request got no usable answer: connection refused, reset, DNS failure, and so on. */
class APIConnectionError extends PlivoError {
    method;
    url;
    constructor(message, method, url, options) {
        super(message, options);
        this.method = method;
        this.url = url;
    }
}
exports.APIConnectionError = APIConnectionError;
/** A timeout. The server may have acted on the request, so it was not retried. */
class APITimeoutError extends APIConnectionError {
}
exports.APITimeoutError = APITimeoutError;
/** An answer the client cannot turn into a result. */
class APIError extends PlivoError {
    status;
    apiId;
    error;
    headers;
    body;
    constructor(message, details) {
        super(message);
        this.status = details.status;
        this.apiId = details.apiId;
        this.error = details.error;
        this.headers = details.headers;
        this.body = details.body;
    }
}
exports.APIError = APIError;
/** A documented success status whose body is not the documented JSON. */
class APIResponseValidationError extends APIError {
}
exports.APIResponseValidationError = APIResponseValidationError;
/** An error status; the subclass tells which. */
class APIStatusError extends APIError {
}
exports.APIStatusError = APIStatusError;
/** Any 5xx. Not retried unless `retryServerErrors: true`: the digits may have been sent. */
class ServerError extends APIStatusError {
}
exports.ServerError = ServerError;
/** A status the spec does not document, including non-IANA codes (e.g. 520, 499). */
class UnexpectedStatusError extends APIStatusError {
}
exports.UnexpectedStatusError = UnexpectedStatusError;
/** 400: A parameter is missing or invalid. */
class BadRequestError extends APIStatusError {
}
exports.BadRequestError = BadRequestError;
/** 401: Authentication failed, or the credentials do not match the path's Auth ID. */
class AuthenticationError extends APIStatusError {
}
exports.AuthenticationError = AuthenticationError;
/** 403: The account may not do this (geo permissions or verification). */
class ForbiddenError extends APIStatusError {
}
exports.ForbiddenError = ForbiddenError;
/** 404: No such live call on this account (or no bridged b-leg for leg=bleg). */
class NotFoundError extends APIStatusError {
}
exports.NotFoundError = NotFoundError;
/** 405: The resource does not answer this method. */
class MethodNotAllowedError extends APIStatusError {
}
exports.MethodNotAllowedError = MethodNotAllowedError;
/** 413: The request body is over 8192 bytes. */
class PayloadTooLargeError extends APIStatusError {
}
exports.PayloadTooLargeError = PayloadTooLargeError;
/** 415: The request body is not application/json. */
class UnsupportedMediaTypeError extends APIStatusError {
}
exports.UnsupportedMediaTypeError = UnsupportedMediaTypeError;
/** 429: Over 300 requests in 5 seconds for this account. */
class RateLimitError extends APIStatusError {
}
exports.RateLimitError = RateLimitError;
/** 500: The provider failed. */
class InternalServerError extends ServerError {
}
exports.InternalServerError = InternalServerError;
/** The error class of each error status documented in the spec. */
exports.STATUS_ERRORS = {
    400: BadRequestError,
    401: AuthenticationError,
    403: ForbiddenError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    413: PayloadTooLargeError,
    415: UnsupportedMediaTypeError,
    429: RateLimitError,
    500: InternalServerError,
};
/** The error for an error answer, whatever its status and body. */
function errorFromResponse(status, headers, body) {
    const cls = exports.STATUS_ERRORS[status] ??
        (status >= 500 && status <= 599 ? ServerError : UnexpectedStatusError);
    const { apiId, error } = plivoErrorFields(body);
    let detail = error ?? `the body is not Plivo's JSON error: ${shorten(JSON.stringify(body))}`;
    if (apiId !== undefined) {
        detail += ` (api_id ${apiId})`;
    }
    if (cls === UnexpectedStatusError) {
        detail += "; this status is not documented for this API";
    }
    return new cls(`HTTP ${status}: ${detail}`, { status, apiId, error, headers, body });
}
/** The error for a success status whose body is not the documented `expected` schema. */
function malformedSuccess(status, headers, body, expected) {
    const { apiId } = plivoErrorFields(body);
    return new APIResponseValidationError(`HTTP ${status}: the body is not the documented ${expected}: ${shorten(JSON.stringify(body))}`, { status, apiId, headers, body });
}
/** `api_id` and `error` from a Plivo-shaped JSON body; undefined for what is missing. */
function plivoErrorFields(body) {
    let parsed;
    try {
        parsed = JSON.parse(body);
    }
    catch {
        return {};
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        return {};
    }
    const { api_id: apiId, error } = parsed;
    const fields = {};
    if (typeof apiId === "string") {
        fields.apiId = apiId;
    }
    if (typeof error === "string") {
        fields.error = error;
    }
    else if (error !== undefined && error !== null) {
        fields.error = JSON.stringify(error);
    }
    return fields;
}
function describe(value) {
    return typeof value === "string" ? JSON.stringify(value) : String(value);
}
function shorten(text, limit = 200) {
    return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}
