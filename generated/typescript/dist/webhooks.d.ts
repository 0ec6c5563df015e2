/**
 * Verify the callbacks Plivo sends to your application, and sign them in tests: the Python
 * client's `plivo_dtmf_client.webhooks`, with the same algorithm, errors and meanings.
 *
 * Plivo signs every request it sends to a `callback_url` with the account's Auth Token:
 * `X-Plivo-Signature-V3` is an HMAC-SHA256 over the URL the request was sent to, its
 * parameters and the `X-Plivo-Signature-V3-Nonce` header (the algorithm of the official SDKs'
 * `validate_v3_signature`). Anyone who learns a `callback_url` can send it a forged "digits
 * sent", so reject what does not verify.
 *
 * What is signed (the spec's `x-decisions.callback-signature`): for GET, the URL with its query
 * parameters sorted; for a JSON POST, the URL, then the members of the JSON object sorted by
 * name, each name followed by its value. `X-Plivo-Signature-V2` signs the URL without its query
 * and the nonce only (not the parameters), so only V3 is verified.
 *
 * URLs are read as Python's `urllib.parse` reads them (no normalisation: the host's case, the
 * port and percent-escapes are signed as written), values are written as Python's `str()` does,
 * and names are sorted by code point, because the signer is plivo-python's algorithm.
 *
 * That signed text has no separators, so different requests can share it (`{"ab": "c"}` and
 * `{"a": "bc"}`, a query value `a%26b%3D1` and two parameters `a&b=1`, a member `[]` that adds
 * nothing, two integers JSON.parse reads as one number). What the verifier returns must be what
 * was signed, so it accepts a request only if reading its signed text back (`readBack`: one
 * fixed reading) gives exactly the method, query parameters and body members (JSON strings) the
 * request carries; anything else, including every part of the URL that is not signed
 * (`;params`, a fragment), is refused. Input is bounded (size, nesting depth) before it is
 * parsed, and every failure is a WebhookError. To refuse replays, pass a `NonceStore`.
 */
import { PlivoError } from "./errors.js";
import type { components } from "./schema.js";
export declare const SIGNATURE_V3 = "X-Plivo-Signature-V3";
export declare const NONCE_V3 = "X-Plivo-Signature-V3-Nonce";
export declare const SIGNATURE_V2 = "X-Plivo-Signature-V2";
export declare const NONCE_V2 = "X-Plivo-Signature-V2-Nonce";
/**
 * A callback body is a few hundred bytes; the spec's `x-limits.body-bytes` for requests,
 * counted in UTF-8 bytes whether the body is given as bytes or as a string.
 */
export declare const MAX_BODY_BYTES = 8192;
/** The spec's `x-limits.target-bytes` for the path and query, plus room for scheme and host. */
export declare const MAX_URL_CHARS: number;
/** The spec's `x-limits.header-bytes`, for each signature and nonce header read. */
export declare const MAX_HEADER_CHARS = 8192;
/**
 * The spec's `x-limits.callback-json-depth`: the callback is one flat object; deeper nesting
 * is refused before JSON.parse sees it.
 */
export declare const MAX_JSON_DEPTH = 16;
/** The documented body of the "digits sent" callback, plus any parameter of the receiver's own. */
export type DigitsSentCallback = components["schemas"]["DigitsSentCallback"] & Readonly<Record<string, unknown>>;
/** Signed parameters: a string, number, boolean, null, list of those, or nested object per name. */
export type Params = Readonly<Record<string, unknown>>;
/**
 * A request's headers: a plain object (node:http's `req.headers`, express), a fetch `Headers`,
 * or [name, value] pairs. Names are matched case-insensitively.
 */
export type HeadersInput = Readonly<Record<string, string | readonly string[] | undefined>> | Headers | Iterable<readonly [string, string]>;
/** A callback that must be rejected (answer it 4xx and do not act on it). */
export declare class WebhookError extends PlivoError {
}
/** The request carries no signature or no nonce header. */
export declare class SignatureMissingError extends WebhookError {
}
/**
 * The signature is not the one the Auth Token gives for this URL, body and nonce: the URL, the
 * body or the nonce was changed, the request was not signed with this token, or `url` is not the
 * URL the sender used (behind a proxy, pass the public one).
 */
export declare class SignatureMismatchError extends WebhookError {
}
/** The request is signed, but is not the documented callback (or cannot be read). */
export declare class WebhookPayloadError extends WebhookError {
}
/**
 * The request carries something its signature does not cover, or not unambiguously: a member
 * or parameter the signed text leaves out (`[]`, `{}`), a query value whose decoded `&` or `=`
 * reads as another parameter, a body member that is not a documented string, `;params` or a
 * fragment in the URL. Another request with other values could carry the same signature.
 */
export declare class UnsignedContentError extends WebhookPayloadError {
}
/** The nonce was seen before: the callback is a replay of one already accepted. */
export declare class ReplayError extends WebhookError {
}
/**
 * The nonces of accepted callbacks, to refuse a replay: bounded in size and age. A nonce is
 * remembered for `maxAgeMs`, and at most `maxSize` of them (the oldest go first): nonces carry
 * no time, so a replay later than that is not recognised. Size them to cover the time in which
 * acting twice on a callback would harm (the default: an hour, at up to 100,000 callbacks).
 */
export declare class NonceStore {
    #private;
    readonly maxSize: number;
    readonly maxAgeMs: number;
    constructor(options?: {
        maxSize?: number;
        maxAgeMs?: number;
        clock?: () => number;
    });
    get size(): number;
    /** Remember `nonce`, or throw ReplayError if it is remembered already. */
    checkAndRemember(nonce: string): void;
}
export interface VerifyOptions {
    /** "GET" or "POST" (any case). */
    method: string;
    /** The full URL the request arrived at: scheme, host, path and query, as the sender addressed it. */
    url: string;
    headers: HeadersInput;
    /** The raw body (ignored for GET): read it before any JSON middleware parses it. */
    body: string | Uint8Array;
    /** The Auth Token of the account that sent the DTMF request (never empty). */
    authToken: string;
    /** Remembers the nonces of accepted callbacks: a replay throws ReplayError. */
    nonces?: NonceStore;
}
/** A fresh random nonce: 20 decimal digits, as Plivo's. */
export declare function newNonce(): string;
/**
 * X-Plivo-Signature-V3 of a request to `url` carrying `params`. For GET, `params` are added to
 * the query of `url` (pass {} when `url` already carries them); for POST they are the body's
 * fields (form fields, or a JSON object's members).
 */
export declare function signatureV3(authToken: string, method: string, url: string, params: Params, nonce: string): string;
/** X-Plivo-Signature-V2: the URL without its query, then the nonce (nothing else). */
export declare function signatureV2(authToken: string, url: string, nonce: string): string;
/** The four signature headers a sender adds to a request, each with a fresh nonce. */
export declare function signatureHeaders(authToken: string, method: string, url: string, params: Params): Record<string, string>;
/**
 * Throw SignatureMissingError or SignatureMismatchError unless the V3 signature holds. `params`
 * are the request's body fields for POST and {} for GET (they are in `url`). The comparison takes
 * the same time wherever the signatures differ. Returns the nonce. This checks the signature
 * only: verifyDigitsSent also checks that it covers what is returned.
 */
export declare function verifySignature(options: {
    method: string;
    url: string;
    headers: HeadersInput;
    params: Params;
    authToken: string;
}): string;
/**
 * The callback a request carries, once its signature is verified. Throws a WebhookError,
 * whatever the input: SignatureMissingError, SignatureMismatchError, WebhookPayloadError (and its
 * UnsignedContentError) or ReplayError.
 */
export declare function verifyDigitsSent(options: VerifyOptions): DigitsSentCallback;
