// verifyDigitsSent under hostile input (issue 24 items 7-10), as tests/test_webhooks_hostile.py
// checks the Python verifier: whatever a request carries, a WebhookError or exactly what the
// signature covers; replays refused with a NonceStore.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  MAX_BODY_BYTES,
  MAX_JSON_DEPTH,
  NONCE_V3,
  NonceStore,
  ReplayError,
  SIGNATURE_V3,
  SignatureMismatchError,
  UnsignedContentError,
  WebhookError,
  WebhookPayloadError,
  signatureHeaders,
  signatureV3,
  verifyDigitsSent,
} from "../../generated/typescript/dist/index.js";

const TOKEN = "receiver-token";
const URL_ = "https://example.com/cb";
const GOOD = {
  api_id: "07abfd94-58c0-11e1-86da-adf28403fe48",
  call_uuid: "0b3c0f2e-1111-4222-8333-444455556666",
  digits: "8743#",
  leg: "aleg",
  status: "sent",
};
const GET_URL = `${URL_}?${new URLSearchParams(GOOD)}`;

/** A small seeded generator (mulberry32): the same corpus on every run. */
function seeded(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, below: (n) => Math.floor(next() * n), pick: (list) => list[Math.floor(next() * list.length)] };
}

function verify(method, url, headers, body = "", extra = {}) {
  return verifyDigitsSent({ method, url, headers, body, authToken: TOKEN, ...extra });
}

/** POST `body` (an object, or raw text) signed over `signedAs` (default: the body itself). */
function post(body, signedAs, extra = {}) {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  return verify("POST", URL_, signatureHeaders(TOKEN, "POST", URL_, signedAs ?? body), raw, extra);
}

function get(url, signedUrl = url) {
  return verify("GET", url, signatureHeaders(TOKEN, "GET", signedUrl, {}));
}

const isA = (kind) => (error) => error instanceof kind;

// --- item 7: only WebhookError, whatever the input ---------------------------------------

test("a lone surrogate in the body is a WebhookError, and does not verify as U+FFFD", () => {
  assert.throws(() => post('{"digits": "\\ud800"}', { digits: "x" }), isA(WebhookPayloadError));
  const body = JSON.stringify(GOOD).replace('"sent"', '"\\ud800"');
  assert.throws(() => post(body, { ...GOOD, status: "\ufffd" }), /surrogate/);
});

test("deep nesting and oversized bodies are refused before parsing", () => {
  assert.throws(() => post("[".repeat(5000), {}), /nested/);
  const over = MAX_JSON_DEPTH + 1;
  assert.throws(() => post('{"a":'.repeat(over) + "1" + "}".repeat(over), {}), /nested/);
  assert.throws(() => post(" ".repeat(MAX_BODY_BYTES) + "{}", {}), new RegExp(String(MAX_BODY_BYTES)));
  assert.throws(() => post(new Uint8Array(MAX_BODY_BYTES + 1).fill(32), {}), new RegExp(String(MAX_BODY_BYTES)));
});

function hostileCorpus(rng) {
  const good = JSON.stringify(GOOD);
  const bodies = [
    "[".repeat(50_000),
    "{".repeat(3000),
    '{"a":'.repeat(2000),
    '{"digits": "\\ud800"}',
    '{"\\ud800": 1}',
    `\ufeff${good}`,
    new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from(good)]),
    Buffer.from(good, "utf16le"),
    '{"n": NaN}',
    `{"n": ${"9".repeat(5000)}}`,
    '{"digits": "1", "digits": "2"}',
    Uint8Array.of(0xff, 0xfe),
    "",
    "null",
    '{"a": [[], {}, [{"": ""}]], "b": [1, "x", null, true, 1.5]}',
    '{"__proto__": {"x": 1}}',
    null,
    12,
    {},
  ];
  for (let i = 0; i < 40; i++) bodies.push(Uint8Array.from({ length: rng.below(64) }, () => rng.below(256)));
  const pieces = ["[", "]", "{", "}", '"', "\\", ":", ",", "1", "-", "e", "\\u", "d800", " ", "\u0000"];
  for (let i = 0; i < 60; i++) bodies.push(Array.from({ length: 60 }, () => rng.pick(pieces)).join(""));
  const queries = ["a=%FF", "a=%ED%A0%80", "next=/a%26nexz%3D1", "%3D=1", "a=1&&b=2&", "==&&=", `${"a".repeat(9000)}=1`, "a=%zz%", "x=\ud800", ";a=1"];
  for (let i = 0; i < 40; i++) queries.push(Array.from({ length: 30 }, () => rng.pick("a=&%;.+2F0D6")).join(""));
  const urls = [
    "http://[::1",
    `${URL_};jsessionid=evil`,
    `${URL_}#frag`,
    "https://example.com/c\tb",
    ` ${URL_}`,
    "https://example.com/\ud800",
    `https://example.com/${"a".repeat(20_000)}`,
    "",
    "cb",
    "//x",
  ];
  const headers = [
    {},
    { [SIGNATURE_V3]: "x" },
    { [SIGNATURE_V3]: "x".repeat(100_000), [NONCE_V3]: "1" },
    { [SIGNATURE_V3]: "x", [NONCE_V3]: "\ud800" },
    { [SIGNATURE_V3]: "\ud800,x", [NONCE_V3]: "1" },
    { [SIGNATURE_V3]: ",,,", [NONCE_V3]: "1.2" },
    [[SIGNATURE_V3, 1], [NONCE_V3, null]],
    [["only-one"]],
    { [SIGNATURE_V3]: ["a"], [NONCE_V3]: ["1"] },
    new Headers({ [SIGNATURE_V3]: "a" }),
  ];
  const corpus = [];
  const sign = (method, url, params) => {
    try {
      return signatureHeaders(TOKEN, method, url, params);
    } catch {
      return signatureHeaders(TOKEN, method, URL_, {});
    }
  };
  for (const body of bodies) {
    let params = {};
    try {
      const parsed = JSON.parse(typeof body === "string" ? body : Buffer.from(body).toString());
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) params = parsed;
    } catch {}
    corpus.push(["POST", URL_, sign("POST", URL_, params), body]);
  }
  for (const query of queries) {
    const url = `${GET_URL}&${query}`;
    corpus.push(["GET", url, sign("GET", url, {}), ""]);
  }
  for (const url of urls) {
    for (const method of ["GET", "POST"]) corpus.push([method, url, sign(method, url, method === "POST" ? GOOD : {}), good]);
  }
  for (const h of headers) corpus.push(["POST", URL_, h, good]);
  for (const method of ["PUT", "", "G".repeat(10_000), "\ud800", 7]) corpus.push([method, URL_, {}, ""]);
  return corpus;
}

test("a hostile corpus (fixed seed) gives only WebhookErrors", () => {
  const corpus = hostileCorpus(seeded(24));
  const outcomes = {};
  for (const [method, url, headers, body] of corpus) {
    let outcome = "accepted";
    try {
      verify(method, url, headers, body);
    } catch (error) {
      assert.ok(error instanceof WebhookError, `${error?.name}: ${error?.message} for ${method} ${url.slice(0, 80)}`);
      outcome = error.constructor.name;
    }
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  }
  assert.ok(corpus.length >= 200);
  for (const kind of ["SignatureMissingError", "SignatureMismatchError", "WebhookPayloadError", "UnsignedContentError"]) {
    assert.ok(outcomes[kind] > 0, `${kind}: ${JSON.stringify(outcomes)}`);
  }
  assert.ok(outcomes.accepted > 0 && outcomes.accepted < corpus.length / 4, JSON.stringify(outcomes));
});

// --- item 8: only what the signature covers is returned ----------------------------------

test("a member added to a genuinely signed body is refused, [] and {} included", () => {
  for (const extra of [{ x: [] }, { x: {} }, { x: { "": "" } }, { "": "" }, { x: [[]] }, { x: "1" }, { zz: "" }]) {
    assert.throws(() => post({ ...GOOD, ...extra }, GOOD), isA(WebhookError), JSON.stringify(extra));
    assert.throws(() => post({ ...GOOD, ...extra }), isA(UnsignedContentError), JSON.stringify(extra));
  }
});

test("two big integers JSON.parse reads as one number do not verify under one signature", () => {
  const body = (n) => `{"api_id":"${GOOD.api_id}","call_uuid":"${GOOD.call_uuid}","digits":"1","leg":"aleg","status":"sent","n":${n}}`;
  const signedAs = JSON.parse(body("12345678901234567890"));
  assert.equal(JSON.parse(body("12345678901234567891")).n, signedAs.n); // the precision lost
  for (const n of ["12345678901234567890", "12345678901234567891"]) {
    assert.throws(() => post(body(n), signedAs), isA(UnsignedContentError));
  }
  assert.throws(() => post({ ...GOOD, digits: 1 }), isA(WebhookPayloadError));
});

test("values moved across the unseparated member names are refused", () => {
  // Both valid callbacks by the schema; only the reading the text gives is accepted.
  const genuine = { ...GOOD, call_uuid: "c", digits: "1digits2" };
  const moved = { ...GOOD, call_uuid: "cdigits1", digits: "2" };
  assert.equal(signatureV3(TOKEN, "POST", URL_, moved, "1"), signatureV3(TOKEN, "POST", URL_, genuine, "1"));
  assert.equal(post(genuine).digits, "1digits2");
  assert.throws(() => post(moved, genuine), isA(UnsignedContentError));
});

test("an encoded separator in a query value is refused; the signature has one reading", () => {
  const encoded = `${GET_URL}&next=/a%26nexz%3D1`;
  assert.throws(() => get(encoded), (e) => e instanceof UnsignedContentError && /next/.test(e.message));
  const got = get(`${GET_URL}&next=/a&nexz=1`, encoded);
  assert.deepEqual([got.next, got.nexz], ["/a", "1"]);
  assert.throws(() => get(`${GET_URL}&a%3Db=c`), isA(UnsignedContentError));
  assert.throws(() => get(`${GET_URL}&t=%FF`, `${GET_URL}&t=%EF%BF%BD`), /UTF-8/);
});

test("URL parts the signature does not cover (;params, a fragment) are refused", () => {
  for (const [method, url] of [["GET", GET_URL], ["POST", URL_]]) {
    const headers = signatureHeaders(TOKEN, method, url, method === "POST" ? GOOD : {});
    for (const attacked of [url.replace("/cb", "/cb;jsessionid=evil"), url.replace("/cb", "/cb;"), `${url}#top`]) {
      assert.throws(() => verify(method, attacked, headers, JSON.stringify(GOOD)), isA(UnsignedContentError), attacked);
    }
  }
});

test("a nonce with a dot cannot carry the end of the signed text", () => {
  const genuine = `${GET_URL}&v=1.5`;
  const headers = signatureHeaders(TOKEN, "GET", genuine, {});
  assert.equal(verify("GET", genuine, headers).v, "1.5");
  const moved = { [SIGNATURE_V3]: headers[SIGNATURE_V3], [NONCE_V3]: `5.${headers[NONCE_V3]}` };
  assert.throws(() => verify("GET", genuine.slice(0, -2), moved), isA(SignatureMismatchError));
});

test("a receiver's own query with dots and member names still verifies", () => {
  for (const own of ["token=a.b.c", "next=https://x.example/api_id.call_uuid", "q=.api_id&r=.leg.status"]) {
    const url = `${URL_}?${own}`;
    const headers = signatureHeaders(TOKEN, "POST", url, GOOD);
    assert.deepEqual({ ...verify("POST", url, headers, JSON.stringify(GOOD)) }, GOOD);
    assert.equal(get(`${GET_URL}&${own}`).digits, GOOD.digits);
  }
});

test("accepted requests with one signed text carry the same values (3000 random requests)", () => {
  const rng = seeded(2026);
  const TOKENS = ["a", "leg", "aleg", "status", "sent", "digits", "1", "=", "&", ".", "%26", "%3D", ""];
  const text = () => Array.from({ length: rng.below(3) }, () => rng.pick(TOKENS)).join("");
  const readings = new Map();
  const requests = new Map();
  const nonce = "12345678901234567890";
  for (let i = 0; i < 3000; i++) {
    const own = Array.from({ length: rng.below(3) }, () => `${text()}=${text()}`).join("&");
    let method = "GET";
    let url = own ? `${GET_URL}&${own}` : GET_URL;
    let body = {};
    if (rng.next() >= 0.5) {
      method = "POST";
      url = own ? `${URL_}?${own}` : URL_;
      body = { ...GOOD };
      const names = Object.keys(GOOD);
      for (let k = rng.below(3); k > 0; k--) {
        const name = rng.pick(names);
        body[name] = rng.next() < 0.3 ? GOOD[name] + text() : text();
      }
      if (rng.next() < 0.3) body[rng.pick(["x", "", "legs", "digit"])] = rng.pick([text(), [], {}, 1]);
    }
    const raw = method === "POST" ? JSON.stringify(body) : "";
    const signature = signatureV3(TOKEN, method, url, body, nonce);
    requests.set(signature, new Set([...(requests.get(signature) ?? []), `${method} ${url} ${raw}`]));
    let got;
    try {
      got = verify(method, url, { [SIGNATURE_V3]: signature, [NONCE_V3]: nonce }, raw);
    } catch (error) {
      assert.ok(error instanceof WebhookError, String(error));
      continue;
    }
    const reading = JSON.stringify([method, Object.entries(got).sort()]);
    readings.set(signature, new Set([...(readings.get(signature) ?? []), reading]));
  }
  assert.deepEqual([...readings.values()].filter((set) => set.size > 1), []);
  const shared = [...requests.values()].filter((set) => set.size > 1).length;
  assert.ok(shared >= 20 && readings.size >= 200, `${shared} ${readings.size}`);
});

// --- item 9: no empty token, no duplicate keys -------------------------------------------

test("an empty auth token is refused, even for a callback signed with it", () => {
  const headers = signatureHeaders("", "POST", URL_, GOOD);
  assert.throws(
    () => verifyDigitsSent({ method: "POST", url: URL_, headers, body: JSON.stringify(GOOD), authToken: "" }),
    (e) => e instanceof WebhookError && /empty/.test(e.message),
  );
});

test("duplicate JSON keys are refused, not resolved to the last", () => {
  const raw = `${JSON.stringify(GOOD).slice(0, -1)}, "digits": "9"}`;
  assert.throws(() => post(raw, { ...GOOD, digits: "9" }), (e) => e instanceof WebhookPayloadError && /duplicate/.test(e.message));
  assert.throws(() => post('{"a": {"b": 1, "b": 2}}', {}), /duplicate/);
  // The same key in two objects is no duplicate: refused for other reasons.
  assert.throws(() => post('{"a": {"b": "1"}, "b": "2"}', {}), (e) => e instanceof WebhookError && !/duplicate/.test(e.message));
});

// --- item 10: replays --------------------------------------------------------------------

test("a replayed callback throws ReplayError; a refused one does not use up its nonce", () => {
  const nonces = new NonceStore();
  const headers = signatureHeaders(TOKEN, "POST", URL_, GOOD);
  assert.throws(() => verify("POST", URL_, headers, JSON.stringify({ ...GOOD, digits: "9" }), { nonces }), isA(SignatureMismatchError));
  assert.equal(nonces.size, 0);
  assert.equal(verify("POST", URL_, headers, JSON.stringify(GOOD), { nonces }).digits, GOOD.digits);
  assert.throws(() => verify("POST", URL_, headers, JSON.stringify(GOOD), { nonces }), (e) => e instanceof ReplayError && e instanceof WebhookError);
});

test("the nonce store forgets after maxAgeMs and beyond maxSize", () => {
  let now = 1_000_000;
  const store = new NonceStore({ maxSize: 3, maxAgeMs: 60_000, clock: () => now });
  for (const nonce of "abc") store.checkAndRemember(nonce);
  assert.throws(() => store.checkAndRemember("a"), isA(ReplayError));
  store.checkAndRemember("d"); // the fourth: "a", the oldest, goes
  assert.equal(store.size, 3);
  now += 10_000;
  store.checkAndRemember("a");
  now += 49_999;
  assert.throws(() => store.checkAndRemember("d"), isA(ReplayError));
  now += 1;
  assert.equal(store.size, 1); // "a", remembered 10 s after the others
  store.checkAndRemember("d");
});

test("a string body is bounded in UTF-8 bytes, as bytes are, not in UTF-16 units", () => {
  const sizeError = new RegExp(`over ${MAX_BODY_BYTES} bytes`);
  for (const char of ["a", "\u00e9", "\u20ac", "\u{1f600}"]) {
    const frame = '{"pad": ""}';
    const room = MAX_BODY_BYTES - Buffer.byteLength(frame);
    const width = Buffer.byteLength(char);
    const text = "a".repeat(room % width) + char.repeat(Math.floor(room / width));
    for (const extra of ["", "a"]) {
      const body = `{"pad": "${extra}${text}"}`;
      const bytes = new TextEncoder().encode(body);
      assert.equal(bytes.length, MAX_BODY_BYTES + extra.length);
      const verdicts = [body, bytes].map((raw) => {
        try {
          verify("POST", URL_, signatureHeaders(TOKEN, "POST", URL_, JSON.parse(body)), raw);
          return "accepted";
        } catch (error) {
          return sizeError.test(error.message) ? "size" : error.constructor.name;
        }
      });
      assert.equal(verdicts[0], verdicts[1], `${char} ${bytes.length} bytes`);
      assert.equal(verdicts[0] === "size", extra !== "", `${char} ${bytes.length} bytes: ${verdicts[0]}`);
    }
  }
});
