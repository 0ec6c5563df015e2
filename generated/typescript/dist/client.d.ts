/**
 * The client: Plivo credentials, base URL, a timeout and safe retries, around openapi-fetch
 * typed by the spec's paths (src/schema.ts, written by openapi-typescript).
 */
import type { components } from "./schema.js";
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
export type Exact<T, U extends T> = U & NoInfer<{
    [K in Exclude<keyof U, keyof T>]: UnknownField<K>;
}>;
/** The type of a property a request body does not name: tsc's errors show it with the name. */
export type UnknownField<K> = {
    error: "not a field of this request body";
    field: K;
};
export declare const AUTH_ID_ENV = "PLIVO_AUTH_ID";
export declare const AUTH_TOKEN_ENV = "PLIVO_AUTH_TOKEN";
export declare const BASE_URL_ENV = "PLIVO_BASE_URL";
/** 5 s per attempt, like Plivo's own SDKs. */
export declare const DEFAULT_TIMEOUT_MS = 5000;
export declare const DEFAULT_MAX_RETRIES = 2;
export declare const INITIAL_RETRY_DELAY_MS = 500;
export declare const MAX_RETRY_DELAY_MS = 8000;
/** A Retry-After longer than this is not waited for: the RateLimitError is thrown at once. */
export declare const MAX_RETRY_AFTER_MS = 60000;
export declare const USER_AGENT: string;
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
/** A Plivo API client for the DTMF endpoint. */
export declare class Client {
    #private;
    readonly authId: string;
    readonly baseUrl: string;
    readonly timeoutMs: number;
    readonly maxRetries: number;
    readonly retryServerErrors: boolean;
    readonly initialRetryDelayMs: number;
    readonly maxRetryDelayMs: number;
    constructor(options?: ClientOptions);
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
    sendDigits<Body extends SendDigitsRequest>(callUuid: string, body: Exact<SendDigitsRequest, Body>, options?: RequestOptions): Promise<SendDigitsAccepted>;
    /** List the UUIDs of the account's live calls. Throws as sendDigits does. */
    listLiveCalls(options?: RequestOptions): Promise<LiveCalls>;
}
/** Retry-After in milliseconds: delay-seconds or an HTTP-date (RFC 9110); undefined if unusable. */
export declare function retryAfterMs(value: string | null): number | undefined;
