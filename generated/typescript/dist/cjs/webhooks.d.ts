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
 */
import { PlivoError } from "./errors.js";
import type { components } from "./schema.js";
export declare const SIGNATURE_V3 = "X-Plivo-Signature-V3";
export declare const NONCE_V3 = "X-Plivo-Signature-V3-Nonce";
export declare const SIGNATURE_V2 = "X-Plivo-Signature-V2";
export declare const NONCE_V2 = "X-Plivo-Signature-V2-Nonce";
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
export interface VerifyOptions {
    /** "GET" or "POST" (any case). */
    method: string;
    /** The full URL the request arrived at: scheme, host, path and query, as the sender addressed it. */
    url: string;
    headers: HeadersInput;
    /** The raw body (ignored for GET): read it before any JSON middleware parses it. */
    body: string | Uint8Array;
    /** The Auth Token of the account that sent the DTMF request. */
    authToken: string;
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
 * the same time wherever the signatures differ.
 */
export declare function verifySignature(options: {
    method: string;
    url: string;
    headers: HeadersInput;
    params: Params;
    authToken: string;
}): void;
/**
 * The callback a request carries, once its signature is verified. Throws a WebhookError:
 * SignatureMissingError, SignatureMismatchError or WebhookPayloadError.
 */
export declare function verifyDigitsSent(options: VerifyOptions): DigitsSentCallback;
