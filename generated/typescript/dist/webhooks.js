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
import { createHmac, randomInt, timingSafeEqual } from "node:crypto";
import { InvalidParameterError, PlivoError } from "./errors.js";
import { BODY_BYTES, CALLBACK_BODIES, CALLBACK_JSON_DEPTH, CALLBACK_OPERATION_ID, HEADER_BYTES, SIGNATURE_V2_HEADER, SIGNATURE_V2_NONCE_HEADER, SIGNATURE_V3_HEADER, SIGNATURE_V3_NONCE_HEADER, TARGET_BYTES, } from "./spec.js";
import { checkValue } from "./validation.js";
// The callback's header parameters in the spec (written into src/spec.ts by make generate).
export const SIGNATURE_V3 = SIGNATURE_V3_HEADER;
export const NONCE_V3 = SIGNATURE_V3_NONCE_HEADER;
export const SIGNATURE_V2 = SIGNATURE_V2_HEADER;
export const NONCE_V2 = SIGNATURE_V2_NONCE_HEADER;
/**
 * A callback body is a few hundred bytes; the spec's `x-limits.body-bytes` for requests,
 * counted in UTF-8 bytes whether the body is given as bytes or as a string.
 */
export const MAX_BODY_BYTES = BODY_BYTES;
/** The spec's `x-limits.target-bytes` for the path and query, plus room for scheme and host. */
export const MAX_URL_CHARS = TARGET_BYTES + 1024;
/** The spec's `x-limits.header-bytes`, for each signature and nonce header read. */
export const MAX_HEADER_CHARS = HEADER_BYTES;
/**
 * The spec's `x-limits.callback-json-depth`: the callback is one flat object; deeper nesting
 * is refused before JSON.parse sees it.
 */
export const MAX_JSON_DEPTH = CALLBACK_JSON_DEPTH;
/** A callback that must be rejected (answer it 4xx and do not act on it). */
export class WebhookError extends PlivoError {
}
/** The request carries no signature or no nonce header. */
export class SignatureMissingError extends WebhookError {
}
/**
 * The signature is not the one the Auth Token gives for this URL, body and nonce: the URL, the
 * body or the nonce was changed, the request was not signed with this token, or `url` is not the
 * URL the sender used (behind a proxy, pass the public one).
 */
export class SignatureMismatchError extends WebhookError {
}
/** The request is signed, but is not the documented callback (or cannot be read). */
export class WebhookPayloadError extends WebhookError {
}
/**
 * The request carries something its signature does not cover, or not unambiguously: a member
 * or parameter the signed text leaves out (`[]`, `{}`), a query value whose decoded `&` or `=`
 * reads as another parameter, a body member that is not a documented string, `;params` or a
 * fragment in the URL. Another request with other values could carry the same signature.
 */
export class UnsignedContentError extends WebhookPayloadError {
}
/** The nonce was seen before: the callback is a replay of one already accepted. */
export class ReplayError extends WebhookError {
}
/**
 * The nonces of accepted callbacks, to refuse a replay: bounded in size and age. A nonce is
 * remembered for `maxAgeMs`, and at most `maxSize` of them (the oldest go first): nonces carry
 * no time, so a replay later than that is not recognised. Size them to cover the time in which
 * acting twice on a callback would harm (the default: an hour, at up to 100,000 callbacks).
 */
export class NonceStore {
    maxSize;
    maxAgeMs;
    #clock;
    /** Insertion order is arrival order: the oldest, hence the first to expire, come first. */
    #seen = new Map();
    constructor(options = {}) {
        this.maxSize = options.maxSize ?? 100_000;
        this.maxAgeMs = options.maxAgeMs ?? 3_600_000;
        this.#clock = options.clock ?? (() => performance.now());
        if (!(this.maxSize >= 1) || !(this.maxAgeMs > 0))
            throw new RangeError("maxSize must be at least 1 and maxAgeMs positive");
    }
    get size() {
        this.#expire(this.#clock());
        return this.#seen.size;
    }
    /** Remember `nonce`, or throw ReplayError if it is remembered already. */
    checkAndRemember(nonce) {
        const now = this.#clock();
        this.#expire(now);
        if (this.#seen.has(nonce))
            throw new ReplayError(`the nonce in ${NONCE_V3} was seen before: a replayed callback`);
        this.#seen.set(nonce, now);
        for (const oldest of this.#seen.keys()) {
            if (this.#seen.size <= this.maxSize)
                break;
            this.#seen.delete(oldest);
        }
    }
    #expire(now) {
        for (const [nonce, seenAt] of this.#seen) {
            if (now - seenAt < this.maxAgeMs)
                break;
            this.#seen.delete(nonce);
        }
    }
}
/** A fresh random nonce: 20 decimal digits, as Plivo's. */
export function newNonce() {
    let nonce = "";
    for (let i = 0; i < 20; i++)
        nonce += String(randomInt(10));
    return nonce;
}
/**
 * X-Plivo-Signature-V3 of a request to `url` carrying `params`. For GET, `params` are added to
 * the query of `url` (pass {} when `url` already carries them); for POST they are the body's
 * fields (form fields, or a JSON object's members).
 */
export function signatureV3(authToken, method, url, params, nonce) {
    return hmacBase64(authToken, `${baseV3(method.toUpperCase(), url, params)}.${nonce}`);
}
/** X-Plivo-Signature-V2: the URL without its query, then the nonce (nothing else). */
export function signatureV2(authToken, url, nonce) {
    return hmacBase64(authToken, withoutQuery(url) + nonce);
}
/** The four signature headers a sender adds to a request, each with a fresh nonce. */
export function signatureHeaders(authToken, method, url, params) {
    const nonceV3 = newNonce();
    const nonceV2 = newNonce();
    return {
        [SIGNATURE_V3]: signatureV3(authToken, method, url, params, nonceV3),
        [NONCE_V3]: nonceV3,
        [SIGNATURE_V2]: signatureV2(authToken, url, nonceV2),
        [NONCE_V2]: nonceV2,
    };
}
/**
 * Throw SignatureMissingError or SignatureMismatchError unless the V3 signature holds. `params`
 * are the request's body fields for POST and {} for GET (they are in `url`). The comparison takes
 * the same time wherever the signatures differ. Returns the nonce. This checks the signature
 * only: verifyDigitsSent also checks that it covers what is returned.
 */
export function verifySignature(options) {
    checkToken(options.authToken);
    checkText("the URL", options.url, MAX_URL_CHARS);
    const [signature, nonce] = signatureHeadersOf(options.headers);
    let expected;
    try {
        expected = Buffer.from(signatureV3(options.authToken, options.method, options.url, options.params, nonce));
    }
    catch {
        throw new WebhookPayloadError("the request cannot be read as signed text");
    }
    // Plivo may list several signatures, comma-separated: one must match, and every one is compared.
    let matched = false;
    for (const candidate of signature.split(",")) {
        const given = Buffer.from(candidate.trim());
        matched = (given.length === expected.length && timingSafeEqual(given, expected)) || matched;
    }
    if (!matched) {
        throw new SignatureMismatchError(`${SIGNATURE_V3} does not match this URL, body and nonce for this Auth Token`);
    }
    return nonce;
}
/**
 * The callback a request carries, once its signature is verified. Throws a WebhookError,
 * whatever the input: SignatureMissingError, SignatureMismatchError, WebhookPayloadError (and its
 * UnsignedContentError) or ReplayError.
 */
export function verifyDigitsSent(options) {
    checkToken(options.authToken);
    const method = checkText("the method", options.method, 16).toUpperCase();
    checkUrl(options.url);
    const query = queryPairs(options.url);
    let fields;
    let nonce;
    if (method === "GET") {
        fields = grouped(query);
        nonce = verifySignature({ ...options, method, params: {} });
    }
    else if (method === "POST") {
        fields = jsonObject(options.body);
        nonce = verifySignature({ ...options, method, params: fields });
    }
    else {
        throw new WebhookPayloadError(`callbacks are sent with GET or POST, not ${JSON.stringify(method)}`);
    }
    const callback = digitsSent(fields);
    checkCovered(method, options.url, query, fields);
    options.nonces?.checkAndRemember(nonce);
    return callback;
}
// --- bounds: checked before anything is parsed ------------------------------------------------
function checkToken(authToken) {
    // A receiver whose token is unset (`?? ""`) must not accept callbacks signed with the empty
    // key, which anyone can make.
    if (typeof authToken !== "string" || authToken === "") {
        throw new WebhookError("authToken is empty: no callback can be verified without it");
    }
    if (!wellFormed(authToken))
        throw new WebhookError("authToken is not valid text (a lone surrogate)");
}
function checkText(what, value, limit) {
    if (typeof value !== "string")
        throw new WebhookPayloadError(`${what} is not text`);
    if (value.length > limit)
        throw new WebhookPayloadError(`${what} is longer than ${limit} characters`);
    // Buffer.from and TextEncoder write a lone surrogate as U+FFFD: "\ud800" would sign as "\ufffd".
    if (!wellFormed(value))
        throw new WebhookPayloadError(`${what} is not valid text (a lone surrogate)`);
    return value;
}
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
function wellFormed(text) {
    return !LONE_SURROGATE.test(text);
}
function checkUrl(url) {
    checkText("the URL", url, MAX_URL_CHARS);
    // urllib.parse drops tabs and newlines anywhere and leading controls: bytes not signed.
    if (/[\u0000-\u0020\u007f]/.test(url))
        throw new UnsignedContentError("the URL has spaces or control characters");
    if (url.includes("#"))
        throw new UnsignedContentError("the URL has a fragment, which is not signed");
    if (splitUrl(url).params) {
        throw new UnsignedContentError("the URL's last path segment has ;parameters, which are not signed");
    }
}
function signatureHeadersOf(headers) {
    let signature = "";
    let nonce = "";
    try {
        const pairs = headers instanceof Headers || Symbol.iterator in headers
            ? headers
            : Object.entries(headers);
        for (const [name, raw] of pairs) {
            if (typeof name !== "string")
                continue;
            const value = typeof raw === "string" ? raw : Array.isArray(raw) ? raw.map(String).join(",") : undefined;
            if (value === undefined)
                continue;
            const lowered = name.toLowerCase();
            if (lowered === SIGNATURE_V3.toLowerCase())
                signature = value;
            else if (lowered === NONCE_V3.toLowerCase())
                nonce = value;
        }
    }
    catch {
        throw new WebhookPayloadError("the headers cannot be read as [name, value] pairs");
    }
    if (!signature)
        throw new SignatureMissingError(`no ${SIGNATURE_V3} header: the request is not from Plivo`);
    if (!nonce)
        throw new SignatureMissingError(`no ${NONCE_V3} header: the request is not from Plivo`);
    checkText(`the ${SIGNATURE_V3} header`, signature, MAX_HEADER_CHARS);
    checkText(`the ${NONCE_V3} header`, nonce, MAX_HEADER_CHARS);
    // The signed message is text + "." + nonce: a nonce with a "." would let the end of the text
    // move into it (a query value 1.5 signed as 1 with nonce "5.<nonce>").
    if (!/^[A-Za-z0-9_-]+$/.test(nonce)) {
        throw new SignatureMismatchError(`${NONCE_V3} is not letters and digits, as Plivo's are`);
    }
    return [signature, nonce];
}
function digitsSent(fields) {
    const rules = bodyRules();
    const missing = rules.required.filter((name) => !Object.hasOwn(fields, name));
    if (missing.length > 0) {
        throw new WebhookPayloadError(`the callback has no ${missing.join(", ")}`);
    }
    for (const [name, rule] of Object.entries(rules.properties)) {
        if (!Object.hasOwn(fields, name))
            continue;
        try {
            checkValue(name, fields[name], rule);
        }
        catch (error) {
            if (error instanceof InvalidParameterError) {
                throw new WebhookPayloadError(`the callback's ${error.message}`);
            }
            throw error;
        }
    }
    return fields;
}
function jsonObject(body) {
    let text;
    if (typeof body === "string") {
        // The limit is in UTF-8 bytes, as for bytes (and in Python): a string's length counts
        // UTF-16 units, fewer than its bytes when a character is not ASCII. A string longer than
        // the limit in units is over it in bytes too, so it is refused before it is measured.
        if (body.length > MAX_BODY_BYTES || Buffer.byteLength(body, "utf8") > MAX_BODY_BYTES) {
            throw new WebhookPayloadError(`the body is over ${MAX_BODY_BYTES} bytes`);
        }
        text = checkText("the body", body, MAX_BODY_BYTES);
    }
    else if (body instanceof Uint8Array) {
        if (body.length > MAX_BODY_BYTES)
            throw new WebhookPayloadError(`the body is over ${MAX_BODY_BYTES} bytes`);
        try {
            // ignoreBOM keeps a byte order mark in the text, where JSON.parse refuses it.
            text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(body);
        }
        catch {
            throw new WebhookPayloadError("the body is not JSON (not UTF-8)");
        }
    }
    else {
        throw new WebhookPayloadError("the body is not text or bytes");
    }
    scanJson(text);
    let parsed;
    try {
        parsed = JSON.parse(text);
    }
    catch {
        throw new WebhookPayloadError("the body is not JSON, so its signature cannot be checked");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        const kind = parsed === null ? "null" : Array.isArray(parsed) ? "list" : typeof parsed;
        throw new WebhookPayloadError(`the body is a JSON ${kind}, not an object: its signature cannot be checked`);
    }
    if (text.includes("\\u") && !wellFormedValue(parsed)) {
        throw new WebhookPayloadError("the body has a lone surrogate escape, which is not text");
    }
    return parsed;
}
/**
 * Refuse nesting deeper than MAX_JSON_DEPTH and duplicate keys (the spec's json-body decision:
 * JSON readers keep different ones of two equal keys; JSON.parse silently keeps the last) before
 * JSON.parse reads the text. Malformed text is left to JSON.parse.
 */
function scanJson(text) {
    const open = [];
    let expectKey = false;
    for (let i = 0; i < text.length; i++) {
        const char = text[i];
        if (char === '"') {
            let end = i + 1;
            while (end < text.length && text[end] !== '"')
                end += text[end] === "\\" ? 2 : 1;
            const keys = open.at(-1);
            if (keys && expectKey) {
                let key;
                try {
                    key = JSON.parse(text.slice(i, end + 1));
                }
                catch {
                    throw new WebhookPayloadError("the body is not JSON, so its signature cannot be checked");
                }
                if (keys.has(String(key)))
                    throw new WebhookPayloadError("the body has a duplicate key, which is ambiguous");
                keys.add(String(key));
                expectKey = false;
            }
            i = end;
        }
        else if (char === "{" || char === "[") {
            open.push(char === "{" ? new Set() : null);
            expectKey = char === "{";
            if (open.length > MAX_JSON_DEPTH)
                throw new WebhookPayloadError(`the body is nested over ${MAX_JSON_DEPTH} deep`);
        }
        else if (char === "}" || char === "]") {
            open.pop();
            expectKey = false;
        }
        else if (char === ",") {
            expectKey = open.at(-1) instanceof Set;
        }
    }
}
function wellFormedValue(value) {
    if (typeof value === "string")
        return wellFormed(value);
    if (typeof value !== "object" || value === null)
        return true;
    return Object.entries(value).every(([key, item]) => wellFormed(key) && wellFormedValue(item));
}
/** The query's [name, value] pairs as the signer reads them, but refusing bad UTF-8. */
function queryPairs(url) {
    const pairs = [];
    try {
        for (const [name, values] of parseQuery(splitUrl(url).query, true)) {
            for (const value of values)
                pairs.push([name, value]);
        }
    }
    catch {
        // The signer reads bad UTF-8 as U+FFFD: different bytes, one signed text.
        throw new UnsignedContentError("the URL's query is not UTF-8 once decoded");
    }
    return pairs;
}
/** Query pairs by name; a repeated one as a list, in signed (sorted) order. */
function grouped(pairs) {
    const fields = new Map();
    for (const [name, value] of [...pairs].sort(comparePairs)) {
        const known = fields.get(name);
        fields.set(name, known === undefined ? value : Array.isArray(known) ? [...known, value] : [known, value]);
    }
    // fromEntries defines own properties: a parameter named __proto__ stays a parameter.
    return Object.fromEntries(fields);
}
function comparePairs(a, b) {
    return pyCompare(a[0], b[0]) || pyCompare(a[1], b[1]);
}
// --- what the signature covers ---------------------------------------------------------------
function bodyRules() {
    const rules = CALLBACK_BODIES[CALLBACK_OPERATION_ID];
    if (rules === undefined)
        throw new Error("the spec documents no digitsSentCallback");
    return rules;
}
const BODY_NAMES = Object.keys(bodyRules().properties).sort(pyCompare);
const REQUIRED = bodyRules().required;
/** Throw UnsignedContentError unless reading the signed text back gives this request. */
function checkCovered(method, url, query, fields) {
    const base = withoutQuery(url);
    const text = baseV3(method, url, method === "POST" ? fields : {});
    const got = readBack(text.length > base.length ? text.slice(base.length + 1) : null);
    if (got.method !== method)
        throw new UnsignedContentError(`the signed text of this ${method} reads as a ${got.method}`);
    const sent = [...query].sort(comparePairs);
    const differs = sent.length !== got.query.length || sent.some((pair, i) => comparePairs(pair, got.query[i] ?? ["", ""]) !== 0);
    if (differs) {
        const name = [...sent, ...got.query].find(([n, v]) => !sent.some(([a, b]) => a === n && b === v) || !got.query.some(([a, b]) => a === n && b === v))?.[0] ?? "?";
        throw new UnsignedContentError(`the query parameter ${JSON.stringify(name.slice(0, 64))} is not covered by the signature unambiguously`);
    }
    if (method === "POST") {
        const body = got.body ?? new Map();
        for (const name of [...new Set([...Object.keys(fields), ...body.keys()])].sort(pyCompare)) {
            if (!Object.hasOwn(fields, name) || fields[name] !== body.get(name)) {
                throw new UnsignedContentError(`the body member ${JSON.stringify(name.slice(0, 64))} is not covered by the signature unambiguously ` +
                    "(only the documented members, as JSON strings, are)");
            }
        }
    }
}
/**
 * The one reading of a signed text's part after "?" (null: the text has no "?"). A query part is
 * "name=value" pairs joined by "&"; a body part is documented member names, each followed by its
 * value up to the first later name. GET first when the whole reads as a query with every
 * required member; else POST with the body starting at the last place (the start, or after a
 * "." ending a query) it reads with them all: the last, because a receiver's own query may hold
 * anything (a ".api_id"), Plivo's values may not.
 */
function readBack(rest) {
    if (rest === null)
        return { method: "GET", query: [], body: null };
    const query = queryText(rest);
    if (query !== null && REQUIRED.every((name) => query.some(([n]) => n === name))) {
        return { method: "GET", query: query.sort(comparePairs), body: null };
    }
    const starts = nameStarts(rest);
    // endsQuery[i]: rest.slice(0, i) reads as pairs (every "&"-piece has a "="), found in one pass.
    const endsQuery = [false];
    let pieceOk = false;
    let allOk = true;
    for (const char of rest.split("")) {
        if (char === "&") {
            allOk = allOk && pieceOk;
            pieceOk = false;
        }
        else if (char === "=") {
            pieceOk = true;
        }
        endsQuery.push(allOk && pieceOk);
    }
    const candidates = [0];
    for (let i = 0; i < rest.length; i++)
        if (rest[i] === ".")
            candidates.push(i + 1);
    for (const start of candidates.reverse()) {
        if (start && !endsQuery[start - 1])
            continue;
        const members = bodyText(rest, start, starts);
        if (REQUIRED.every((name) => members.has(name))) {
            const before = start ? (queryText(rest.slice(0, start - 1)) ?? []) : [];
            return { method: "POST", query: before.sort(comparePairs), body: members };
        }
    }
    return { method: "GET", query: (query ?? []).sort(comparePairs), body: null };
}
function queryText(text) {
    const pairs = [];
    for (const piece of text.split("&")) {
        const equals = piece.indexOf("=");
        if (equals < 0)
            return null;
        pairs.push([piece.slice(0, equals), piece.slice(equals + 1)]);
    }
    return pairs;
}
/** Where each documented member name occurs in `text`, overlaps included. */
function nameStarts(text) {
    const starts = new Map();
    for (const name of BODY_NAMES) {
        const found = [];
        for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1))
            found.push(at);
        starts.set(name, found);
    }
    return starts;
}
function bodyText(text, start, starts) {
    const members = new Map();
    let name = BODY_NAMES.filter((n) => text.startsWith(n, start)).sort((a, b) => b.length - a.length)[0];
    let at = start;
    while (name !== undefined) {
        const valueAt = at + name.length;
        let following;
        for (const later of BODY_NAMES.slice(BODY_NAMES.indexOf(name) + 1)) {
            const places = starts.get(later) ?? [];
            const place = places[firstAtLeast(places, valueAt)];
            if (place !== undefined && (following === undefined || place < following[0]))
                following = [place, later];
        }
        members.set(name, text.slice(valueAt, following ? following[0] : text.length));
        [at, name] = following ?? [text.length, undefined];
    }
    return members;
}
/** The index of the first of the sorted `places` that is at least `value` (bisect_left). */
function firstAtLeast(places, value) {
    let low = 0;
    let high = places.length;
    while (low < high) {
        const middle = (low + high) >>> 1;
        if ((places[middle] ?? 0) < value)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}
function hmacBase64(authToken, message) {
    return createHmac("sha256", Buffer.from(authToken, "utf8")).update(message, "utf8").digest("base64");
}
const SCHEME = /^[A-Za-z][A-Za-z0-9+\-.]*$/;
/** Schemes whose last path segment's ";params" urllib.parse.urlparse splits off (and we drop). */
const USES_PARAMS = new Set(["", "ftp", "hdl", "prospero", "http", "imap", "https", "shttp", "rtsp", "rtspu", "sip", "sips", "mms", "sftp", "tel"]);
/** urllib.parse.urlparse: no normalisation beyond lower-casing the scheme. */
function splitUrl(raw) {
    let rest = raw.replace(/^[\u0000-\u0020]+/, "").replace(/[\t\r\n]/g, "");
    let scheme = "";
    const colon = rest.indexOf(":");
    if (colon > 0 && SCHEME.test(rest.slice(0, colon))) {
        scheme = rest.slice(0, colon).toLowerCase();
        rest = rest.slice(colon + 1);
    }
    let netloc = "";
    if (rest.startsWith("//")) {
        const ends = ["/", "?", "#"].map((c) => rest.indexOf(c, 2)).filter((i) => i >= 0);
        const end = ends.length > 0 ? Math.min(...ends) : rest.length;
        netloc = rest.slice(2, end);
        rest = rest.slice(end);
    }
    const hash = rest.indexOf("#");
    if (hash >= 0)
        rest = rest.slice(0, hash);
    let query = "";
    const mark = rest.indexOf("?");
    if (mark >= 0) {
        query = rest.slice(mark + 1);
        rest = rest.slice(0, mark);
    }
    let params = false;
    if (USES_PARAMS.has(scheme) && rest.includes(";")) {
        const semicolon = rest.indexOf(";", Math.max(rest.lastIndexOf("/"), 0));
        if (semicolon >= 0) {
            rest = rest.slice(0, semicolon);
            params = true;
        }
    }
    return { scheme, netloc, path: rest, query, params };
}
/** urlunparse((scheme, netloc, path, "", "", "")): the URL without params, query or fragment. */
function withoutQuery(url) {
    const { scheme, netloc, path } = splitUrl(url);
    let out = path;
    if (netloc || scheme === "http" || scheme === "https") {
        if (out && !out.startsWith("/"))
            out = `/${out}`;
        out = `//${netloc}${out}`;
    }
    return scheme ? `${scheme}:${out}` : out;
}
/**
 * urllib.parse.parse_qs(query, keep_blank_values=True), keeping the order of first appearance;
 * `strict`: errors="strict" (bad UTF-8 throws) instead of "replace".
 */
function parseQuery(query, strict = false) {
    const found = new Map();
    for (const piece of query.split("&")) {
        if (!piece)
            continue;
        const equals = piece.indexOf("=");
        const name = unquotePlus(equals >= 0 ? piece.slice(0, equals) : piece, strict);
        const value = unquotePlus(equals >= 0 ? piece.slice(equals + 1) : "", strict);
        const values = found.get(name);
        if (values === undefined)
            found.set(name, [value]);
        else
            values.push(value);
    }
    return found;
}
/** urllib.parse.unquote_plus: "+" is a space, a bad escape stays as written, bad UTF-8 is U+FFFD. */
function unquotePlus(text, strict = false) {
    const spaced = text.replace(/\+/g, " ");
    if (!spaced.includes("%"))
        return spaced;
    const bytes = [];
    for (let i = 0; i < spaced.length; i++) {
        const escape = spaced.slice(i + 1, i + 3);
        if (spaced[i] === "%" && /^[0-9A-Fa-f]{2}$/.test(escape)) {
            bytes.push(Number.parseInt(escape, 16));
            i += 2;
        }
        else {
            const point = spaced.codePointAt(i) ?? 0;
            if (point > 0xffff)
                i++;
            bytes.push(...Buffer.from(String.fromCodePoint(point), "utf8"));
        }
    }
    return new TextDecoder("utf-8", { fatal: strict }).decode(Uint8Array.from(bytes));
}
/** Python's str() of a JSON value: True, None, 1.5, 1e+16; integers as written. */
function pyText(value) {
    if (typeof value === "string")
        return value;
    if (value === true)
        return "True";
    if (value === false)
        return "False";
    if (value === null || value === undefined)
        return "None";
    if (typeof value === "number")
        return pyNumber(value);
    if (Array.isArray(value))
        return `[${value.map(pyRepr).join(", ")}]`;
    return `{${Object.entries(value)
        .map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`)
        .join(", ")}}`;
}
function pyRepr(value) {
    return typeof value === "string" ? `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'` : pyText(value);
}
/**
 * An integral number as Python's int (JSON.stringify writes it so, and Python reads that back as
 * an int), any other as Python's float repr (the same shortest digits as JavaScript's, written
 * differently). JSON.parse cannot tell 2.0 from 2: a body member written 2.0 is signed by Python
 * as "2.0" and read here as "2" (no documented member is a number).
 */
function pyNumber(value) {
    if (Number.isInteger(value))
        return BigInt(value).toString();
    if (!Number.isFinite(value))
        return Number.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";
    const [mantissa = "", exponentText = "0"] = value.toExponential().split("e");
    const exponent = Number(exponentText);
    if (exponent < -4 || exponent >= 16) {
        const sign = exponent < 0 ? "-" : "+";
        return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
    }
    const text = String(value);
    return text.includes(".") ? text : `${text}.0`;
}
/** Python's ordering of str (by code point; UTF-16 order differs above U+FFFF), or of numbers. */
function pyCompare(a, b) {
    if (typeof a === "number" && typeof b === "number")
        return a - b;
    const left = Array.from(pyText(a), (c) => c.codePointAt(0) ?? 0);
    const right = Array.from(pyText(b), (c) => c.codePointAt(0) ?? 0);
    for (let i = 0; i < Math.min(left.length, right.length); i++) {
        const diff = (left[i] ?? 0) - (right[i] ?? 0);
        if (diff !== 0)
            return diff;
    }
    return left.length - right.length;
}
function sortedNames(params) {
    return Object.keys(params).sort(pyCompare);
}
/** The signed text before ".nonce", as plivo.utils.signature_v3 builds it. */
function baseV3(method, url, params) {
    const base = withoutQuery(url);
    const query = Object.fromEntries(parseQuery(splitUrl(url).query));
    if (method === "GET") {
        const sorted = sortedQuery({ ...params, ...query });
        return sorted ? `${base}?${sorted}` : base;
    }
    const sorted = sortedQuery(query);
    if (Object.keys(params).length === 0) {
        return sorted ? `${base}?${sorted}` : base;
    }
    return `${base}?${sorted}${sorted ? "." : ""}${sortedParams(params)}`;
}
function sortedQuery(params) {
    const pairs = [];
    for (const name of sortedNames(params)) {
        const value = params[name];
        if (Array.isArray(value)) {
            for (const item of [...value].sort(pyCompare))
                pairs.push(`${name}=${pyText(item)}`);
        }
        else {
            pairs.push(`${name}=${pyText(value)}`);
        }
    }
    return pairs.join("&");
}
function sortedParams(params) {
    const parts = [];
    for (const name of sortedNames(params)) {
        const value = params[name];
        if (Array.isArray(value)) {
            for (const item of [...value].sort(pyCompare))
                parts.push(`${name}${pyText(item)}`);
        }
        else if (typeof value === "object" && value !== null) {
            parts.push(`${name}${sortedParams(value)}`);
        }
        else {
            parts.push(`${name}${pyText(value)}`);
        }
    }
    return parts.join("");
}
