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
/** Base class of every error thrown by this client. */
export declare class PlivoError extends Error {
    constructor(message: string, options?: ErrorOptions);
}
/** No Auth ID or no Auth Token, neither as options nor in the environment. */
export declare class CredentialsError extends PlivoError {
}
/** The JSON Schema keyword a value broke. */
export type RuleKeyword = "required" | "type" | "enum" | "const" | "minLength" | "maxLength" | "pattern" | "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" | "multipleOf" | "format" | "additionalProperties";
/** A value breaks a rule of the OpenAPI document; thrown before any HTTP request. */
export declare class InvalidParameterError extends PlivoError {
    readonly field: string;
    readonly rule: RuleKeyword;
    readonly constraint: unknown;
    readonly value: unknown;
    /**
     * @param field the parameter or body property, as named in the spec (e.g. "digits").
     * @param rule the JSON Schema keyword broken.
     * @param constraint the keyword's value in the spec (e.g. the pattern).
     * @param value the rejected value.
     */
    constructor(field: string, rule: RuleKeyword, constraint: unknown, value: unknown, detail: string);
}
/** The request got no usable answer: connection refused, reset, DNS failure, and so on. */
export declare class APIConnectionError extends PlivoError {
    readonly method: string;
    readonly url: string;
    constructor(message: string, method: string, url: string, options?: ErrorOptions);
}
/** A timeout. The server may have acted on the request, so it was not retried. */
export declare class APITimeoutError extends APIConnectionError {
}
/** What an APIError carries about the answer. */
export interface APIErrorDetails {
    /** The HTTP status (it may be a non-IANA code such as 520). */
    status: number;
    /** Plivo's `api_id` from the JSON body, or undefined when the body has none. */
    apiId?: string | undefined;
    /** Plivo's `error` message from the JSON body, or undefined when the body has none. */
    error?: string | undefined;
    /** The answer's headers. */
    headers: Headers;
    /** The answer's body, as text. */
    body: string;
}
/** An answer the client cannot turn into a result. */
export declare class APIError extends PlivoError {
    readonly status: number;
    readonly apiId: string | undefined;
    readonly error: string | undefined;
    readonly headers: Headers;
    readonly body: string;
    constructor(message: string, details: APIErrorDetails);
}
/** A documented success status whose body is not the documented JSON. */
export declare class APIResponseValidationError extends APIError {
}
/** An error status; the subclass tells which. */
export declare class APIStatusError extends APIError {
}
/** Any 5xx. Not retried unless `retryServerErrors: true`: the digits may have been sent. */
export declare class ServerError extends APIStatusError {
}
/** A status the spec does not document, including non-IANA codes (e.g. 520, 499). */
export declare class UnexpectedStatusError extends APIStatusError {
}
/** 400: A parameter is missing or invalid. */
export declare class BadRequestError extends APIStatusError {
}
/** 401: Authentication failed, or the credentials do not match the path's Auth ID. */
export declare class AuthenticationError extends APIStatusError {
}
/** 403: The account may not do this (geo permissions or verification). */
export declare class ForbiddenError extends APIStatusError {
}
/** 404: No such live call on this account (or no bridged b-leg for leg=bleg). */
export declare class NotFoundError extends APIStatusError {
}
/** 405: The resource does not answer this method. */
export declare class MethodNotAllowedError extends APIStatusError {
}
/** 413: The request body is over 8192 bytes. */
export declare class PayloadTooLargeError extends APIStatusError {
}
/** 415: The request body is not application/json. */
export declare class UnsupportedMediaTypeError extends APIStatusError {
}
/** 429: Over 300 requests in 5 seconds for this account. */
export declare class RateLimitError extends APIStatusError {
}
/** 500: The provider failed. */
export declare class InternalServerError extends ServerError {
}
/** The error class of each error status documented in the spec. */
export declare const STATUS_ERRORS: Readonly<Record<number, typeof APIStatusError>>;
/** The error for an error answer, whatever its status and body. */
export declare function errorFromResponse(status: number, headers: Headers, body: string): APIStatusError;
/** The error for a success status whose body is not the documented `expected` schema. */
export declare function malformedSuccess(status: number, headers: Headers, body: string, expected: string): APIResponseValidationError;
