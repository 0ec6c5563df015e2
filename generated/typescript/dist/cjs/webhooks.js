"use strict";
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
Object.defineProperty(exports, "__esModule", { value: true });
exports.WebhookPayloadError = exports.SignatureMismatchError = exports.SignatureMissingError = exports.WebhookError = exports.NONCE_V2 = exports.SIGNATURE_V2 = exports.NONCE_V3 = exports.SIGNATURE_V3 = void 0;
exports.newNonce = newNonce;
exports.signatureV3 = signatureV3;
exports.signatureV2 = signatureV2;
exports.signatureHeaders = signatureHeaders;
exports.verifySignature = verifySignature;
exports.verifyDigitsSent = verifyDigitsSent;
const node_crypto_1 = require("node:crypto");
const errors_js_1 = require("./errors.js");
const spec_js_1 = require("./spec.js");
const validation_js_1 = require("./validation.js");
exports.SIGNATURE_V3 = "X-Plivo-Signature-V3";
exports.NONCE_V3 = "X-Plivo-Signature-V3-Nonce";
exports.SIGNATURE_V2 = "X-Plivo-Signature-V2";
exports.NONCE_V2 = "X-Plivo-Signature-V2-Nonce";
/** A callback that must be rejected (answer it 4xx and do not act on it). */
class WebhookError extends errors_js_1.PlivoError {
}
exports.WebhookError = WebhookError;
/** The request carries no signature or no nonce header. */
class SignatureMissingError extends WebhookError {
}
exports.SignatureMissingError = SignatureMissingError;
/**
 * The signature is not the one the Auth Token gives for this URL, body and nonce: the URL, the
 * body or the nonce was changed, the request was not signed with this token, or `url` is not the
 * URL the sender used (behind a proxy, pass the public one).
 */
class SignatureMismatchError extends WebhookError {
}
exports.SignatureMismatchError = SignatureMismatchError;
/** The request is signed, but is not the documented callback (or cannot be read). */
class WebhookPayloadError extends WebhookError {
}
exports.WebhookPayloadError = WebhookPayloadError;
/** A fresh random nonce: 20 decimal digits, as Plivo's. */
function newNonce() {
    let nonce = "";
    for (let i = 0; i < 20; i++)
        nonce += String((0, node_crypto_1.randomInt)(10));
    return nonce;
}
/**
 * X-Plivo-Signature-V3 of a request to `url` carrying `params`. For GET, `params` are added to
 * the query of `url` (pass {} when `url` already carries them); for POST they are the body's
 * fields (form fields, or a JSON object's members).
 */
function signatureV3(authToken, method, url, params, nonce) {
    return hmacBase64(authToken, `${baseV3(method.toUpperCase(), url, params)}.${nonce}`);
}
/** X-Plivo-Signature-V2: the URL without its query, then the nonce (nothing else). */
function signatureV2(authToken, url, nonce) {
    return hmacBase64(authToken, withoutQuery(url) + nonce);
}
/** The four signature headers a sender adds to a request, each with a fresh nonce. */
function signatureHeaders(authToken, method, url, params) {
    const nonceV3 = newNonce();
    const nonceV2 = newNonce();
    return {
        [exports.SIGNATURE_V3]: signatureV3(authToken, method, url, params, nonceV3),
        [exports.NONCE_V3]: nonceV3,
        [exports.SIGNATURE_V2]: signatureV2(authToken, url, nonceV2),
        [exports.NONCE_V2]: nonceV2,
    };
}
/**
 * Throw SignatureMissingError or SignatureMismatchError unless the V3 signature holds. `params`
 * are the request's body fields for POST and {} for GET (they are in `url`). The comparison takes
 * the same time wherever the signatures differ.
 */
function verifySignature(options) {
    const lowered = lowerCased(options.headers);
    const signature = lowered.get(exports.SIGNATURE_V3.toLowerCase());
    const nonce = lowered.get(exports.NONCE_V3.toLowerCase());
    if (!signature) {
        throw new SignatureMissingError(`no ${exports.SIGNATURE_V3} header: the request is not from Plivo`);
    }
    if (!nonce) {
        throw new SignatureMissingError(`no ${exports.NONCE_V3} header: the request is not from Plivo`);
    }
    const expected = Buffer.from(signatureV3(options.authToken, options.method, options.url, options.params, nonce));
    // Plivo may list several signatures, comma-separated: one must match, and every one is compared.
    let matched = false;
    for (const candidate of signature.split(",")) {
        const given = Buffer.from(candidate.trim());
        matched = (given.length === expected.length && (0, node_crypto_1.timingSafeEqual)(given, expected)) || matched;
    }
    if (!matched) {
        throw new SignatureMismatchError(`${exports.SIGNATURE_V3} does not match this URL, body and nonce for this Auth Token`);
    }
}
/**
 * The callback a request carries, once its signature is verified. Throws a WebhookError:
 * SignatureMissingError, SignatureMismatchError or WebhookPayloadError.
 */
function verifyDigitsSent(options) {
    const method = options.method.toUpperCase();
    let fields;
    if (method === "GET") {
        fields = queryFields(options.url);
        verifySignature({ ...options, method, params: {} });
    }
    else if (method === "POST") {
        fields = jsonObject(options.body);
        verifySignature({ ...options, method, params: fields });
    }
    else {
        throw new WebhookPayloadError(`callbacks are sent with GET or POST, not ${method}`);
    }
    return digitsSent(fields);
}
function lowerCased(headers) {
    const found = new Map();
    const pairs = headers instanceof Headers || Symbol.iterator in headers
        ? headers
        : Object.entries(headers);
    for (const [name, value] of pairs) {
        if (value === undefined)
            continue;
        found.set(name.toLowerCase(), typeof value === "string" ? value : value.join(","));
    }
    return found;
}
function digitsSent(fields) {
    const rules = spec_js_1.CALLBACK_BODIES["digitsSentCallback"];
    if (rules === undefined)
        throw new Error("the spec documents no digitsSentCallback");
    const missing = rules.required.filter((name) => !Object.hasOwn(fields, name));
    if (missing.length > 0) {
        throw new WebhookPayloadError(`the callback has no ${missing.join(", ")}`);
    }
    for (const [name, rule] of Object.entries(rules.properties)) {
        if (!Object.hasOwn(fields, name))
            continue;
        try {
            (0, validation_js_1.checkValue)(name, fields[name], rule);
        }
        catch (error) {
            if (error instanceof errors_js_1.InvalidParameterError) {
                throw new WebhookPayloadError(`the callback's ${error.message}`);
            }
            throw error;
        }
    }
    return fields;
}
function jsonObject(body) {
    let parsed;
    try {
        const text = typeof body === "string" ? body : new TextDecoder("utf-8", { fatal: true }).decode(body);
        parsed = JSON.parse(text);
    }
    catch {
        throw new WebhookPayloadError("the body is not JSON, so its signature cannot be checked");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        const kind = parsed === null ? "null" : Array.isArray(parsed) ? "list" : typeof parsed;
        throw new WebhookPayloadError(`the body is a JSON ${kind}, not an object: its signature cannot be checked`);
    }
    return parsed;
}
/** The query parameters of `url`; a repeated one as a list (which no documented field is). */
function queryFields(url) {
    // fromEntries defines own properties: a parameter named __proto__ stays a parameter.
    return Object.fromEntries(Array.from(parseQuery(splitUrl(url).query), ([name, values]) => [name, values.length === 1 ? values[0] : values]));
}
function hmacBase64(authToken, message) {
    return (0, node_crypto_1.createHmac)("sha256", Buffer.from(authToken, "utf8")).update(message, "utf8").digest("base64");
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
    if (USES_PARAMS.has(scheme) && rest.includes(";")) {
        const semicolon = rest.indexOf(";", Math.max(rest.lastIndexOf("/"), 0));
        if (semicolon >= 0)
            rest = rest.slice(0, semicolon);
    }
    return { scheme, netloc, path: rest, query };
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
/** urllib.parse.parse_qs(query, keep_blank_values=True), keeping the order of first appearance. */
function parseQuery(query) {
    const found = new Map();
    for (const piece of query.split("&")) {
        if (!piece)
            continue;
        const equals = piece.indexOf("=");
        const name = unquotePlus(equals >= 0 ? piece.slice(0, equals) : piece);
        const value = unquotePlus(equals >= 0 ? piece.slice(equals + 1) : "");
        const values = found.get(name);
        if (values === undefined)
            found.set(name, [value]);
        else
            values.push(value);
    }
    return found;
}
/** urllib.parse.unquote_plus: "+" is a space, a bad escape stays as written, bad UTF-8 is U+FFFD. */
function unquotePlus(text) {
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
    return new TextDecoder("utf-8").decode(Uint8Array.from(bytes));
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
