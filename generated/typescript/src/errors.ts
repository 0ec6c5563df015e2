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
export class PlivoError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** No Auth ID or no Auth Token, neither as options nor in the environment. */
export class CredentialsError extends PlivoError {}

/** The JSON Schema keyword a value broke. */
export type RuleKeyword =
  | "required"
  | "type"
  | "enum"
  | "const"
  | "minLength"
  | "maxLength"
  | "pattern"
  | "minimum"
  | "maximum"
  | "exclusiveMinimum"
  | "exclusiveMaximum"
  | "multipleOf"
  | "format"
  | "additionalProperties";

/** A value breaks a rule of the OpenAPI document; thrown before any HTTP request. */
export class InvalidParameterError extends PlivoError {
  /**
   * @param field the parameter or body property, as named in the spec (e.g. "digits").
   * @param rule the JSON Schema keyword broken.
   * @param constraint the keyword's value in the spec (e.g. the pattern).
   * @param value the rejected value.
   */
  constructor(
    readonly field: string,
    readonly rule: RuleKeyword,
    readonly constraint: unknown,
    readonly value: unknown,
    detail: string,
  ) {
    super(`${field}: ${detail} (${rule}); got ${shorten(describe(value))}`);
  }
}

/** The request got no usable answer: connection refused, reset, DNS failure, and so on. */
export class APIConnectionError extends PlivoError {
  constructor(
    message: string,
    readonly method: string,
    readonly url: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A timeout. The server may have acted on the request, so it was not retried. */
export class APITimeoutError extends APIConnectionError {}

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
export class APIError extends PlivoError {
  readonly status: number;
  readonly apiId: string | undefined;
  readonly error: string | undefined;
  readonly headers: Headers;
  readonly body: string;

  constructor(message: string, details: APIErrorDetails) {
    super(message);
    this.status = details.status;
    this.apiId = details.apiId;
    this.error = details.error;
    this.headers = details.headers;
    this.body = details.body;
  }
}

/** A documented success status whose body is not the documented JSON. */
export class APIResponseValidationError extends APIError {}

/** An error status; the subclass tells which. */
export class APIStatusError extends APIError {}

/** Any 5xx. Not retried unless `retryServerErrors: true`: the digits may have been sent. */
export class ServerError extends APIStatusError {}

/** A status the spec does not document, including non-IANA codes (e.g. 520, 499). */
export class UnexpectedStatusError extends APIStatusError {}

/** 400: A parameter is missing or invalid. */
export class BadRequestError extends APIStatusError {}

/** 401: Authentication failed, or the credentials do not match the path's Auth ID. */
export class AuthenticationError extends APIStatusError {}

/** 403: The account may not do this (geo permissions or verification). */
export class ForbiddenError extends APIStatusError {}

/** 404: No such live call on this account (or no bridged b-leg for leg=bleg). */
export class NotFoundError extends APIStatusError {}

/** 405: The resource does not answer this method. */
export class MethodNotAllowedError extends APIStatusError {}

/** 413: The request body is over 8192 bytes. */
export class PayloadTooLargeError extends APIStatusError {}

/** 415: The request body is not application/json. */
export class UnsupportedMediaTypeError extends APIStatusError {}

/** 429: Over 300 requests in 5 seconds for this account. */
export class RateLimitError extends APIStatusError {}

/** 500: The provider failed. */
export class InternalServerError extends ServerError {}

/** The error class of each error status documented in the spec. */
export const STATUS_ERRORS: Readonly<Record<number, typeof APIStatusError>> = {
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
export function errorFromResponse(status: number, headers: Headers, body: string): APIStatusError {
  const cls =
    STATUS_ERRORS[status] ??
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
export function malformedSuccess(
  status: number,
  headers: Headers,
  body: string,
  expected: string,
): APIResponseValidationError {
  const { apiId } = plivoErrorFields(body);
  return new APIResponseValidationError(
    `HTTP ${status}: the body is not the documented ${expected}: ${shorten(JSON.stringify(body))}`,
    { status, apiId, headers, body },
  );
}

/** `api_id` and `error` from a Plivo-shaped JSON body; undefined for what is missing. */
function plivoErrorFields(body: string): { apiId?: string; error?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return {};
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return {};
  }
  const { api_id: apiId, error } = parsed as Record<string, unknown>;
  const fields: { apiId?: string; error?: string } = {};
  if (typeof apiId === "string") {
    fields.apiId = apiId;
  }
  if (typeof error === "string") {
    fields.error = error;
  } else if (error !== undefined && error !== null) {
    fields.error = JSON.stringify(error);
  }
  return fields;
}

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function shorten(text: string, limit = 200): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}
