/**
 * The client: Plivo credentials, base URL, a timeout and safe retries, around openapi-fetch
 * typed by the spec's paths (src/schema.ts, written by openapi-typescript).
 */

import { Buffer } from "node:buffer";
import { debuglog } from "node:util";

import createClient from "openapi-fetch";
import type { Client as FetchClient } from "openapi-fetch";

import {
  APIConnectionError,
  APITimeoutError,
  CredentialsError,
  errorFromResponse,
  malformedSuccess,
} from "./errors.js";
import type { components, paths } from "./schema.js";
import { DEFAULT_BASE_URL, REQUEST_RULES, SUCCESS, VERSION } from "./spec.js";
import { checkRequest, checkValue } from "./validation.js";

export type SendDigitsRequest = components["schemas"]["SendDigitsRequest"];
export type SendDigitsAccepted = components["schemas"]["SendDigitsAccepted"];
export type LiveCalls = components["schemas"]["LiveCalls"];
export type Leg = components["schemas"]["Leg"];
export type CallbackMethod = components["schemas"]["CallbackMethod"];

/**
 * `U`, which must be a `T`, with no property that `T` does not name. A request body's type has
 * no index signature (scripts/generate_typescript.py closes it), which catches a misspelt field
 * in an object literal; this also catches it in a variable, whose extra properties TypeScript
 * would otherwise let through: `{ digits: "9", legs: "bleg" }` does not compile either way.
 * Each extra property gets a type no value has, named for it, and excluded from inference
 * (`NoInfer`, else tsc infers through it and reduces the body to `never`): the error then reads
 * `Type 'string' is not assignable to type 'UnknownField<"legs">'`, naming the field.
 */
export type Exact<T, U extends T> = U &
  NoInfer<{ [K in Exclude<keyof U, keyof T>]: UnknownField<K> }>;

/** The type of a property a request body does not name: tsc's errors show it with the name. */
export type UnknownField<K> = { error: "not a field of this request body"; field: K };

export const AUTH_ID_ENV = "PLIVO_AUTH_ID";
export const AUTH_TOKEN_ENV = "PLIVO_AUTH_TOKEN";
export const BASE_URL_ENV = "PLIVO_BASE_URL";

/** 5 s per attempt, like Plivo's own SDKs. */
export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_RETRIES = 2;
export const INITIAL_RETRY_DELAY_MS = 500;
export const MAX_RETRY_DELAY_MS = 8000;
/** A Retry-After longer than this is not waited for: the RateLimitError is thrown at once. */
export const MAX_RETRY_AFTER_MS = 60_000;

export const USER_AGENT = `plivo-dtmf-client/${VERSION} node/${process.version}`;

const SEND_DIGITS = "/v1/Account/{auth_id}/Call/{call_uuid}/DTMF/";
const LIST_LIVE_CALLS = "/v1/Account/{auth_id}/Call/";

/**
 * Error codes of failures before the first byte of the request left this process (undici's
 * `cause.code`): retrying them can never make the server act twice. A reset or a timeout can.
 */
const NOT_SENT = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** `NODE_DEBUG=plivo-dtmf` prints each retry to stderr. */
const debug = debuglog("plivo-dtmf");

export interface ClientOptions {
  /** The Auth ID (HTTP Basic username); default: $PLIVO_AUTH_ID. Checked against the spec's `auth_id` rule here, once. */
  authId?: string;
  /** The Auth Token (HTTP Basic password); default: $PLIVO_AUTH_TOKEN. Never shown by console.log nor in an error. */
  authToken?: string;
  /** Default: $PLIVO_BASE_URL, else DEFAULT_BASE_URL (the spec's first server). */
  baseUrl?: string;
  /** Milliseconds per attempt, answer body included; default 5000. */
  timeoutMs?: number;
  /**
   * Retries after the first attempt (default 2). Only what cannot have reached the server is
   * retried: 429 Too Many Requests (after Retry-After when given, else exponential backoff
   * with jitter, capped) and connection failures before sending. Timeouts never are: the
   * digits may already have been played.
   */
  maxRetries?: number;
  /**
   * Also retry 5xx answers. **Off by default, and dangerous for this API**: a 5xx may come
   * after the digits were played, so a retry can send them twice.
   */
  retryServerErrors?: boolean;
  /** The backoff: 500 ms doubling up to 8000 ms, each delay shortened by up to 25 % at random. */
  initialRetryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Extra headers sent with every request (Authorization cannot be overridden). */
  headers?: Record<string, string>;
  /** Where the environment variables are read; default: process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Injectable for tests: the fetch, sleep and random number functions used. */
  fetch?: typeof globalThis.fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface RequestOptions {
  /** The account in the path; default: the client's Auth ID. */
  authId?: string;
  /** Aborts the request (and any retry wait); the abort reason is thrown as is. */
  signal?: AbortSignal;
  /** This request's timeout per attempt, in milliseconds. */
  timeoutMs?: number;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A Plivo API client for the DTMF endpoint. */
export class Client {
  readonly authId: string;
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly retryServerErrors: boolean;
  readonly initialRetryDelayMs: number;
  readonly maxRetryDelayMs: number;
  // Private fields: console.log, util.inspect and JSON.stringify never show them.
  readonly #api: FetchClient<paths>;
  readonly #fetch: typeof globalThis.fetch;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;

  constructor(options: ClientOptions = {}) {
    const env = options.env ?? process.env;
    const authId = options.authId || env[AUTH_ID_ENV] || undefined;
    const authToken = options.authToken || env[AUTH_TOKEN_ENV] || undefined;
    if (authId === undefined || authToken === undefined) {
      const missing = [
        [AUTH_ID_ENV, authId],
        [AUTH_TOKEN_ENV, authToken],
      ]
        .filter(([, value]) => value === undefined)
        .map(([name]) => name);
      throw new CredentialsError(
        "Plivo credentials are missing: pass new Client({ authId, authToken }) or set the " +
          `${AUTH_ID_ENV} and ${AUTH_TOKEN_ENV} environment variables (missing: ${missing.join(", ")}).`,
      );
    }
    const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    if (!Number.isInteger(maxRetries) || maxRetries < 0) {
      throw new RangeError("maxRetries must be an integer, 0 or more");
    }
    // The endpoints put the client's own Auth ID in the path: it is checked here, once.
    for (const rules of Object.values(REQUEST_RULES)) {
      const rule = rules.path["auth_id"];
      if (rule !== undefined) checkValue("auth_id", authId, rule);
    }
    this.authId = authId;
    this.baseUrl = options.baseUrl || env[BASE_URL_ENV] || DEFAULT_BASE_URL;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxRetries = maxRetries;
    this.retryServerErrors = options.retryServerErrors ?? false;
    this.initialRetryDelayMs = options.initialRetryDelayMs ?? INITIAL_RETRY_DELAY_MS;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? MAX_RETRY_DELAY_MS;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#random = options.random ?? Math.random;
    const credentials = Buffer.from(`${authId}:${authToken}`, "utf8").toString("base64");
    this.#api = createClient<paths>({
      baseUrl: this.baseUrl,
      headers: {
        Accept: "application/json",
        "User-Agent": USER_AGENT,
        ...options.headers,
        Authorization: `Basic ${credentials}`,
      },
      // The Python client follows no redirects either: this API never uses them.
      redirect: "manual",
    });
  }

  /**
   * Send digits on a call: plays DTMF tones into a live call, on the caller's side (`aleg`,
   * the default) or on the bridged other party (`bleg`).
   *
   * @throws InvalidParameterError a value breaks a rule of the spec, or the body has a field
   *   the spec does not name (JavaScript callers have no compiler to catch it); nothing was sent.
   * @throws APIStatusError an error status: one subclass per documented status
   *   (NotFoundError, RateLimitError, ...), ServerError for any 5xx.
   * @throws APIResponseValidationError a success status without the documented body.
   * @throws APIConnectionError no answer, after the client's retries (APITimeoutError on a timeout).
   */
  async sendDigits<Body extends SendDigitsRequest>(
    callUuid: string,
    body: Exact<SendDigitsRequest, Body>,
    options: RequestOptions = {},
  ): Promise<SendDigitsAccepted> {
    const operation = `post ${SEND_DIGITS}`;
    const authId = this.#checked(operation, options, { call_uuid: callUuid }, {}, body);
    return this.#result<SendDigitsAccepted>(operation, options, (fetch) =>
      this.#api.POST(SEND_DIGITS, {
        params: { path: { auth_id: authId, call_uuid: callUuid } },
        body,
        parseAs: "text",
        fetch,
      }),
    );
  }

  /** List the UUIDs of the account's live calls. Throws as sendDigits does. */
  async listLiveCalls(options: RequestOptions = {}): Promise<LiveCalls> {
    const operation = `get ${LIST_LIVE_CALLS}`;
    const query = { status: "live" } as const;
    const authId = this.#checked(operation, options, {}, query, undefined);
    return this.#result<LiveCalls>(operation, options, (fetch) =>
      this.#api.GET(LIST_LIVE_CALLS, {
        params: { path: { auth_id: authId }, query },
        parseAs: "text",
        fetch,
      }),
    );
  }

  /** Check a request against the spec's rules; the Auth ID it goes to. */
  #checked(
    operation: string,
    options: RequestOptions,
    path: Record<string, unknown>,
    query: Record<string, unknown>,
    body: unknown,
  ): string {
    const rules = REQUEST_RULES[operation];
    if (rules === undefined) {
      throw new Error(`no rules for ${operation}: regenerate the client`);
    }
    // The client's own Auth ID was checked once, by the constructor.
    const params = options.authId === undefined ? path : { auth_id: options.authId, ...path };
    checkRequest(rules, params, query, body);
    return options.authId ?? this.authId;
  }

  /** Send through openapi-fetch, then turn the answer into the documented result or an error. */
  async #result<T>(
    operation: string,
    options: RequestOptions,
    call: (fetch: (request: Request) => Promise<Response>) => Promise<{ data?: unknown; error?: unknown; response: Response }>,
  ): Promise<T> {
    let answer: { data?: unknown; error?: unknown; response: Response };
    let sent: Request | undefined;
    try {
      answer = await call((request) => {
        sent = request;
        return this.#send(request, options);
      });
    } catch (error) {
      // A timeout while reading the answer's body comes through openapi-fetch.
      if (sent !== undefined && isTimeout(error) && !options.signal?.aborted) {
        throw timeoutError(sent.method, sent.url, error);
      }
      throw error;
    }
    const { data, error, response } = answer;
    const success = SUCCESS[operation];
    if (response.ok && success !== undefined && response.status === success.status) {
      const text = typeof data === "string" ? data : "";
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw malformedSuccess(response.status, response.headers, text, success.schema);
      }
      if (!hasRequired(parsed, success.required)) {
        throw malformedSuccess(response.status, response.headers, text, success.schema);
      }
      return parsed as T;
    }
    const text = typeof error === "string" ? error : error === undefined ? "" : JSON.stringify(error);
    throw errorFromResponse(response.status, response.headers, text);
  }

  /** One request with this client's timeout and retry policy. */
  async #send(request: Request, options: RequestOptions): Promise<Response> {
    // Read once: every attempt sends the same bytes.
    const init: RequestInit = { method: request.method, headers: request.headers, redirect: "manual" };
    if (request.body !== null) {
      init.body = await request.arrayBuffer();
    }
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    for (let retries = 0; ; retries++) {
      const timeout = AbortSignal.timeout(timeoutMs);
      init.signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
      let response: Response;
      let delay: number | undefined;
      let reason: string;
      try {
        response = await this.#fetch(request.url, init);
      } catch (error) {
        if (options.signal?.aborted) {
          throw options.signal.reason;
        }
        if (isTimeout(error)) {
          throw timeoutError(request.method, request.url, error);
        }
        const code = causeCode(error);
        delay = code !== undefined && NOT_SENT.has(code) ? this.#retryDelay(retries) : undefined;
        if (delay === undefined) {
          throw new APIConnectionError(
            `${request.method} ${request.url}: ${code ?? describe(error)}`,
            request.method,
            request.url,
            { cause: error },
          );
        }
        reason = code ?? "connection error";
        debug("Retrying %s %s in %d ms after %s", request.method, request.url, Math.round(delay), reason);
        await this.#wait(delay, options.signal);
        continue;
      }
      delay = this.#retryDelay(retries, response);
      if (delay === undefined) {
        return response;
      }
      await response.arrayBuffer(); // read to the end, so that the connection is reused
      debug("Retrying %s %s in %d ms after %d", request.method, request.url, Math.round(delay), response.status);
      await this.#wait(delay, options.signal);
    }
  }

  /** Milliseconds to wait before the next attempt, or undefined to stop here. */
  #retryDelay(retries: number, response?: Response): number | undefined {
    if (retries >= this.maxRetries) {
      return undefined;
    }
    if (response === undefined) {
      return this.#backoff(retries);
    }
    const status = response.status;
    if (status !== 429 && !(this.retryServerErrors && status >= 500 && status <= 599)) {
      return undefined;
    }
    const retryAfter = retryAfterMs(response.headers.get("Retry-After"));
    if (retryAfter === undefined) {
      return this.#backoff(retries);
    }
    return retryAfter <= MAX_RETRY_AFTER_MS ? retryAfter : undefined;
  }

  #backoff(retries: number): number {
    const delay = Math.min(this.initialRetryDelayMs * 2 ** retries, this.maxRetryDelayMs);
    return delay * (1 - 0.25 * this.#random());
  }

  async #wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    await this.#sleep(ms);
    signal?.throwIfAborted();
  }
}

/** Retry-After in milliseconds: delay-seconds or an HTTP-date (RFC 9110); undefined if unusable. */
export function retryAfterMs(value: string | null): number | undefined {
  if (value === null) {
    return undefined;
  }
  const trimmed = value.trim();
  let ms: number;
  if (/^[0-9]+(\.[0-9]+)?$/.test(trimmed)) {
    ms = Number(trimmed) * 1000;
  } else {
    const when = Date.parse(trimmed);
    if (Number.isNaN(when)) {
      return undefined;
    }
    ms = when - Date.now();
  }
  return Number.isFinite(ms) ? Math.max(ms, 0) : undefined;
}

function hasRequired(value: unknown, required: readonly string[]): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return false;
  }
  return required.every((name) => (value as Record<string, unknown>)[name] !== undefined);
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === "TimeoutError";
}

function timeoutError(method: string, url: string, error: unknown): APITimeoutError {
  return new APITimeoutError(
    `${method} ${url}: no answer in time; the server may have acted on the request, so it was not retried`,
    method,
    url,
    { cause: error },
  );
}

/** The system error code under undici's "fetch failed" TypeError, if any. */
function causeCode(error: unknown): string | undefined {
  let cause: unknown = error instanceof Error ? error.cause : undefined;
  // Happy eyeballs (autoSelectFamily) reports an AggregateError of the attempts.
  if (cause instanceof AggregateError && cause.errors.length > 0 && !hasCode(cause)) {
    cause = cause.errors[0];
  }
  return hasCode(cause) ? cause.code : undefined;
}

function hasCode(value: unknown): value is { code: string } {
  return typeof value === "object" && value !== null && typeof (value as { code?: unknown }).code === "string";
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
