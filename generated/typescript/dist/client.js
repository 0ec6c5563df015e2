/**
 * The client: Plivo credentials, base URL, a timeout and safe retries, around openapi-fetch
 * typed by the spec's paths (src/schema.ts, written by openapi-typescript).
 */
import { Buffer } from "node:buffer";
import { debuglog } from "node:util";
import createClient from "openapi-fetch";
import { APIConnectionError, APITimeoutError, CredentialsError, errorFromResponse, malformedSuccess, } from "./errors.js";
import { DEFAULT_BASE_URL, REQUEST_RULES, SUCCESS, VERSION } from "./spec.js";
import { checkRequest, checkValue } from "./validation.js";
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
const defaultSleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** A Plivo API client for the DTMF endpoint. */
export class Client {
    authId;
    baseUrl;
    timeoutMs;
    maxRetries;
    retryServerErrors;
    initialRetryDelayMs;
    maxRetryDelayMs;
    // Private fields: console.log, util.inspect and JSON.stringify never show them.
    #api;
    #fetch;
    #sleep;
    #random;
    constructor(options = {}) {
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
            throw new CredentialsError("Plivo credentials are missing: pass new Client({ authId, authToken }) or set the " +
                `${AUTH_ID_ENV} and ${AUTH_TOKEN_ENV} environment variables (missing: ${missing.join(", ")}).`);
        }
        const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
        if (!Number.isInteger(maxRetries) || maxRetries < 0) {
            throw new RangeError("maxRetries must be an integer, 0 or more");
        }
        // The endpoints put the client's own Auth ID in the path: it is checked here, once.
        for (const rules of Object.values(REQUEST_RULES)) {
            const rule = rules.path["auth_id"];
            if (rule !== undefined)
                checkValue("auth_id", authId, rule);
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
        this.#api = createClient({
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
    async sendDigits(callUuid, body, options = {}) {
        const operation = `post ${SEND_DIGITS}`;
        const authId = this.#checked(operation, options, { call_uuid: callUuid }, {}, body);
        return this.#result(operation, options, (fetch) => this.#api.POST(SEND_DIGITS, {
            params: { path: { auth_id: authId, call_uuid: callUuid } },
            body,
            parseAs: "text",
            fetch,
        }));
    }
    /** List the UUIDs of the account's live calls. Throws as sendDigits does. */
    async listLiveCalls(options = {}) {
        const operation = `get ${LIST_LIVE_CALLS}`;
        const query = { status: "live" };
        const authId = this.#checked(operation, options, {}, query, undefined);
        return this.#result(operation, options, (fetch) => this.#api.GET(LIST_LIVE_CALLS, {
            params: { path: { auth_id: authId }, query },
            parseAs: "text",
            fetch,
        }));
    }
    /** Check a request against the spec's rules; the Auth ID it goes to. */
    #checked(operation, options, path, query, body) {
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
    async #result(operation, options, call) {
        let answer;
        let sent;
        try {
            answer = await call((request) => {
                sent = request;
                return this.#send(request, options);
            });
        }
        catch (error) {
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
            let parsed;
            try {
                parsed = JSON.parse(text);
            }
            catch {
                throw malformedSuccess(response.status, response.headers, text, success.schema);
            }
            if (!hasRequired(parsed, success.required)) {
                throw malformedSuccess(response.status, response.headers, text, success.schema);
            }
            return parsed;
        }
        const text = typeof error === "string" ? error : error === undefined ? "" : JSON.stringify(error);
        throw errorFromResponse(response.status, response.headers, text);
    }
    /** One request with this client's timeout and retry policy. */
    async #send(request, options) {
        // Read once: every attempt sends the same bytes.
        const init = { method: request.method, headers: request.headers, redirect: "manual" };
        if (request.body !== null) {
            init.body = await request.arrayBuffer();
        }
        const timeoutMs = options.timeoutMs ?? this.timeoutMs;
        for (let retries = 0;; retries++) {
            const timeout = AbortSignal.timeout(timeoutMs);
            init.signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
            let response;
            let delay;
            let reason;
            try {
                response = await this.#fetch(request.url, init);
            }
            catch (error) {
                if (options.signal?.aborted) {
                    throw options.signal.reason;
                }
                if (isTimeout(error)) {
                    throw timeoutError(request.method, request.url, error);
                }
                const code = causeCode(error);
                delay = code !== undefined && NOT_SENT.has(code) ? this.#retryDelay(retries) : undefined;
                if (delay === undefined) {
                    throw new APIConnectionError(`${request.method} ${request.url}: ${code ?? describe(error)}`, request.method, request.url, { cause: error });
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
    #retryDelay(retries, response) {
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
    #backoff(retries) {
        const delay = Math.min(this.initialRetryDelayMs * 2 ** retries, this.maxRetryDelayMs);
        return delay * (1 - 0.25 * this.#random());
    }
    async #wait(ms, signal) {
        signal?.throwIfAborted();
        await this.#sleep(ms);
        signal?.throwIfAborted();
    }
}
/** Retry-After in milliseconds: delay-seconds or an HTTP-date (RFC 9110); undefined if unusable. */
export function retryAfterMs(value) {
    if (value === null) {
        return undefined;
    }
    const trimmed = value.trim();
    let ms;
    if (/^[0-9]+(\.[0-9]+)?$/.test(trimmed)) {
        ms = Number(trimmed) * 1000;
    }
    else {
        const when = Date.parse(trimmed);
        if (Number.isNaN(when)) {
            return undefined;
        }
        ms = when - Date.now();
    }
    return Number.isFinite(ms) ? Math.max(ms, 0) : undefined;
}
function hasRequired(value, required) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return false;
    }
    return required.every((name) => value[name] !== undefined);
}
function isTimeout(error) {
    return error instanceof Error && error.name === "TimeoutError";
}
function timeoutError(method, url, error) {
    return new APITimeoutError(`${method} ${url}: no answer in time; the server may have acted on the request, so it was not retried`, method, url, { cause: error });
}
/** The system error code under undici's "fetch failed" TypeError, if any. */
function causeCode(error) {
    let cause = error instanceof Error ? error.cause : undefined;
    // Happy eyeballs (autoSelectFamily) reports an AggregateError of the attempts.
    if (cause instanceof AggregateError && cause.errors.length > 0 && !hasCode(cause)) {
        cause = cause.errors[0];
    }
    return hasCode(cause) ? cause.code : undefined;
}
function hasCode(value) {
    return typeof value === "object" && value !== null && typeof value.code === "string";
}
function describe(error) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
