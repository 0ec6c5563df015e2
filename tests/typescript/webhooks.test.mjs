// Signed callbacks in the TypeScript SDK (issue 18 item 4): the mock, a real process on
// loopback, delivers POST and GET callbacks to a real node:http receiver started here, and
// verifyDigitsSent accepts them and rejects tampered copies. The Python side is the oracle
// both ways, run as a real process (.venv/bin/python): signatures made by plivo-python 4.63.0's
// signing functions and by plivo_dtmf_client.webhooks are accepted here, and what this module
// signs is accepted by plivo-python's validators and by the Python verifier.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { once } from "node:events";
import { createServer } from "node:http";
import { after, before, describe, test } from "node:test";

import {
  CALLBACK_BODIES,
  NONCE_V2,
  NONCE_V3,
  PlivoError,
  SIGNATURE_V2,
  SIGNATURE_V3,
  SignatureMismatchError,
  SignatureMissingError,
  WebhookError,
  WebhookPayloadError,
  newNonce,
  signatureHeaders,
  signatureV2,
  signatureV3,
  verifyDigitsSent,
} from "../../generated/typescript/dist/index.js";
import { AUTH_ID, AUTH_TOKEN, BRIDGED_CALL_UUID, Mock, PYTHON, ROOT } from "./mock.mjs";

const API_ID = "07abfd94-58c0-11e1-86da-adf28403fe48";
const OTHER_TOKEN = "token-of-B-\u00fc"; // not ASCII: both sides must sign its UTF-8 bytes
const GOOD = { api_id: API_ID, call_uuid: BRIDGED_CALL_UUID, digits: "8743#", leg: "aleg", status: "sent" };

/** A loopback HTTP server that records every request (raw body included) and answers 200. */
class Receiver {
  static async start() {
    const receiver = new Receiver();
    await receiver.#listen();
    return receiver;
  }

  #waiting = [];
  #received = [];

  async #listen() {
    this.server = createServer(async (req, res) => {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const got = { method: req.method, target: req.url, headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks) };
      res.end("ok");
      const waiter = this.#waiting.shift();
      if (waiter) waiter(got);
      else this.#received.push(got);
    });
    this.server.listen(0, "127.0.0.1"); // the OS picks a free port
    await once(this.server, "listening");
    this.port = this.server.address().port;
    this.url = `http://127.0.0.1:${this.port}/callback`;
  }

  /** The next request, within `ms`; with the URL it arrived at. */
  next(ms = 10_000) {
    const ready = this.#received.shift();
    const arrived = ready
      ? Promise.resolve(ready)
      : new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no callback within ${ms} ms`)), ms);
          this.#waiting.push((got) => {
            clearTimeout(timer);
            resolve(got);
          });
        });
    return arrived.then((got) => ({ ...got, url: `http://127.0.0.1:${this.port}${got.target}` }));
  }

  async stop() {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, "close");
  }
}

/** Run `script` with the project's Python, `input` as JSON on stdin; its JSON stdout. */
function python(script, input) {
  const out = execFileSync(PYTHON, ["-c", script], { cwd: ROOT, input: JSON.stringify(input), encoding: "utf8" });
  return JSON.parse(out);
}

let mock;
let receiver;
before(async () => {
  [mock, receiver] = await Promise.all([Mock.start(), Receiver.start()]);
});
after(async () => {
  await Promise.all([mock?.stop(), receiver?.stop()]);
});

/** Ask the mock for an asynchronous send; the callback it delivers to the receiver. */
async function callback(body) {
  const answer = await fetch(`${mock.baseUrl}/v1/Account/${AUTH_ID}/Call/${BRIDGED_CALL_UUID}/DTMF/`, {
    method: "POST",
    headers: {
      Authorization: `Basic ${Buffer.from(`${AUTH_ID}:${AUTH_TOKEN}`).toString("base64")}`,
      "Content-Type": "application/json",
    },
    body: JSON.stringify({ callback_url: receiver.url, ...body }),
  });
  assert.equal(answer.status, 202, await answer.text());
  return receiver.next();
}

function verify(got, overrides = {}) {
  return verifyDigitsSent({
    method: got.method,
    url: got.url,
    headers: got.headers,
    body: got.body,
    authToken: AUTH_TOKEN,
    ...overrides,
  });
}

describe("the mock's callbacks", () => {
  test("a POST callback verifies, with headers as an object, a Headers or pairs, and is typed", async () => {
    const got = await callback({ digits: "12#", leg: "bleg" });
    assert.equal(got.method, "POST");
    const parsed = verify(got);
    assert.deepEqual(
      [parsed.digits, parsed.leg, parsed.status, parsed.call_uuid],
      ["12#", "bleg", "sent", BRIDGED_CALL_UUID],
    );
    assert.match(parsed.api_id, /^[0-9a-f-]{36}$/);
    const pairs = [];
    for (let i = 0; i < got.rawHeaders.length; i += 2) pairs.push([got.rawHeaders[i], got.rawHeaders[i + 1]]);
    assert.deepEqual(verify(got, { headers: pairs }), parsed);
    assert.deepEqual(verify(got, { headers: new Headers(pairs) }), parsed);
    assert.deepEqual(verify(got, { body: got.body.toString("utf8"), method: "post" }), parsed);
  });

  test("a tampered POST callback is rejected: body, URL, nonce, token, a missing header", async () => {
    const got = await callback({ digits: "1" });
    const body = JSON.parse(got.body);
    const cases = [
      { body: JSON.stringify({ ...body, digits: "9" }) },
      { body: JSON.stringify({ ...body, extra: "1" }) },
      { url: got.url.replace("127.0.0.1", "localhost") },
      { url: got.url.replace("/callback", "/other") },
      { url: `${got.url}?extra=1` },
      { headers: { ...got.headers, [NONCE_V3.toLowerCase()]: "0".repeat(20) } },
      { authToken: `${AUTH_TOKEN}x` },
    ];
    for (const overrides of cases) {
      assert.throws(() => verify(got, overrides), (error) => {
        assert.ok(error instanceof SignatureMismatchError, String(error));
        assert.match(error.message, /does not match this URL, body and nonce/);
        return error instanceof WebhookError && error instanceof PlivoError;
      });
    }
    for (const header of [SIGNATURE_V3, NONCE_V3]) {
      const headers = { ...got.headers };
      delete headers[header.toLowerCase()];
      assert.throws(() => verify(got, { headers }), (error) => error instanceof SignatureMissingError && error.message.includes(header));
    }
    assert.throws(() => verify(got, { body: "digits=1" }), (e) => e instanceof WebhookPayloadError && /not JSON/.test(e.message));
    assert.throws(() => verify(got, { body: Uint8Array.of(0xff) }), (e) => e instanceof WebhookPayloadError && /not JSON/.test(e.message));
    assert.throws(() => verify(got, { method: "PUT" }), (e) => e instanceof WebhookPayloadError && /PUT/.test(e.message));
    assert.doesNotThrow(() => verify(got)); // the untouched callback still verifies
  });

  test("a GET callback keeps the receiver's own query, verifies, and tampering is rejected", async () => {
    const got = await callback({ digits: "7", callback_method: "GET", callback_url: `${receiver.url}?token=abc%20d&x=1` });
    assert.equal(got.method, "GET");
    assert.equal(got.body.length, 0);
    const parsed = verify(got);
    assert.deepEqual([parsed.digits, parsed.leg, parsed.status, parsed.token], ["7", "aleg", "sent", "abc d"]);
    for (const url of [got.url.replace("digits=7", "digits=8"), got.url.replace("x=1", "x=2"), got.url.replace("x=1&", "")]) {
      assert.notEqual(url, got.url);
      assert.throws(() => verify(got, { url }), SignatureMismatchError);
    }
    assert.throws(() => verify(got, { authToken: OTHER_TOKEN }), SignatureMismatchError);
    assert.throws(
      () => verify(got, { headers: { ...got.headers, [NONCE_V3.toLowerCase()]: `1${got.headers[NONCE_V3.toLowerCase()]}` } }),
      SignatureMismatchError,
    );
  });

  test("plivo-python's validators and the Python verifier accept the same callbacks", async () => {
    const post = await callback({ digits: "3#" });
    const get = await callback({ digits: "4", callback_method: "GET" });
    const verdicts = python(
      `
import json, sys
from plivo.utils import validate_signature
from plivo.utils.signature_v3 import validate_v3_signature
from plivo_dtmf_client.webhooks import verify_digits_sent
out = []
for c in json.load(sys.stdin):
    h = c["headers"]
    params = json.loads(c["body"]) if c["method"] == "POST" else None
    out.append([
        validate_v3_signature(c["method"], c["url"], h["x-plivo-signature-v3-nonce"], c["token"], h["x-plivo-signature-v3"], params),
        validate_signature(c["url"], h["x-plivo-signature-v2-nonce"], h["x-plivo-signature-v2"], c["token"]),
        verify_digits_sent(method=c["method"], url=c["url"], headers=h, body=c["body"].encode(), auth_token=c["token"]).digits,
    ])
print(json.dumps(out))
`,
      [post, get].map((got) => ({ method: got.method, url: got.url, headers: got.headers, body: got.body.toString(), token: AUTH_TOKEN })),
    );
    assert.deepEqual(verdicts, [
      [true, true, "3#"],
      [true, true, "4"],
    ]);
    assert.equal(verify(post).digits, "3#");
    assert.equal(verify(get).digits, "4");
  });
});

// --- the same signatures as plivo-python and plivo_dtmf_client.webhooks ---------------------

const URLS = [
  "https://example.com/dtmf",
  "https://example.com/dtmf?b=2&a=1&a=0",
  "http://127.0.0.1:8080/a/b/?token=x%20y&empty=",
  "https://Example.COM:443/a;p/b;q?y=1+2&flag&x=%zz#frag",
];
/**
 * Checked against plivo_dtmf_client.webhooks only: plivo-python's validators refuse an upper-case
 * scheme, and it reads a query's non-ASCII bytes as Latin-1 (it parses the URL as bytes).
 */
const OURS_ONLY_URLS = ["HTTPS://Example.COM/dtmf;v1?z=1", "https://example.com/cb?snow=%E2%98%83&e=%C3%A9&bad=%FF"];
const POST_PARAMS = [
  GOOD,
  {},
  { a: "1", b: ["y", "x"], n: 2, f: 1.5, t: true, no: false, z: null },
  { nested: { b: "2", a: "1" }, u: "\u00e9\u2603" },
  { big: 1e20, small: 0.00001, neg: -3, third: 1 / 3, large: 12345678901234567 },
  { "\u{1F600}": "astral", "\uFFFF": "bmp", A: "upper", a: "lower" }, // code point order, not UTF-16
];
const GET_PARAMS = [{}, GOOD, { b: ["y", "x"], a: "1", n: 2 }];
const TOKENS = [AUTH_TOKEN, OTHER_TOKEN];

function vectors() {
  const cases = [];
  for (const [urls, plivo] of [
    [URLS, true],
    [OURS_ONLY_URLS, false],
  ]) {
    for (const url of urls) {
      for (const token of TOKENS) {
        for (const [method, sets] of [
          ["POST", POST_PARAMS],
          ["GET", GET_PARAMS],
        ]) {
          for (const params of sets) {
            const nonce = newNonce();
            cases.push({ method, url, params, token, nonce, plivo, ts_v3: signatureV3(token, method, url, params, nonce), ts_v2: signatureV2(token, url, nonce) });
          }
        }
      }
    }
  }
  return cases;
}

const SIGNERS = `
import json, sys
from plivo.utils import validate_signature
from plivo.utils.signature_v3 import construct_get_url, construct_post_url, get_signature_v3, validate_v3_signature
from plivo_dtmf_client.webhooks import signature_v2, signature_v3
out = []
for c in json.load(sys.stdin):
    m, url, params, token, nonce = c["method"], c["url"], c["params"], c["token"], c["nonce"]
    row = {"ours_v3": signature_v3(token, m, url, params, nonce), "ours_v2": signature_v2(token, url, nonce)}
    if c["plivo"]:
        base = construct_get_url(url, dict(params)) if m == "GET" else construct_post_url(url, params)
        row["plivo_v3"] = get_signature_v3(token.encode(), base.decode(), nonce.encode()).decode()
        row["plivo_accepts_ts_v3"] = validate_v3_signature(m, url, nonce, token, c["ts_v3"], dict(params))
        row["plivo_accepts_ts_v2"] = validate_signature(url, nonce, c["ts_v2"], token)
    out.append(row)
print(json.dumps(out))
`;

describe("signatures, cross-checked with Python", () => {
  test("signatureV3 and signatureV2 equal plivo-python's and plivo_dtmf_client.webhooks', both ways", () => {
    const cases = vectors();
    const rows = python(SIGNERS, cases);
    assert.equal(rows.length, cases.length);
    let againstPlivo = 0;
    cases.forEach((c, i) => {
      const row = rows[i];
      const where = `${c.method} ${c.url} ${JSON.stringify(c.params)} token ${TOKENS.indexOf(c.token)}`;
      assert.equal(c.ts_v3, row.ours_v3, `V3 vs plivo_dtmf_client: ${where}`);
      assert.equal(c.ts_v2, row.ours_v2, `V2 vs plivo_dtmf_client: ${where}`);
      if (c.plivo) {
        againstPlivo++;
        assert.equal(c.ts_v3, row.plivo_v3, `V3 vs plivo-python: ${where}`);
        assert.equal(row.plivo_accepts_ts_v3, true, where);
        assert.equal(row.plivo_accepts_ts_v2, true, where);
      }
    });
    assert.equal(againstPlivo, URLS.length * TOKENS.length * (POST_PARAMS.length + GET_PARAMS.length));
  });

  test("verifyDigitsSent accepts callbacks plivo-python signs, and Python verifies what TS signs", () => {
    const url = "http://127.0.0.1:8080/a/b/?token=x%20y";
    const getUrl = `${url}&${new URLSearchParams(GOOD)}`;
    const inputs = TOKENS.flatMap((token) => [
      { method: "POST", url, params: GOOD, token, nonce: newNonce(), headers: signatureHeaders(token, "POST", url, GOOD) },
      { method: "GET", url: getUrl, params: {}, token, nonce: newNonce(), headers: signatureHeaders(token, "GET", getUrl, {}) },
    ]);
    const rows = python(
      `
import json, sys
from plivo.utils.signature_v3 import construct_get_url, construct_post_url, get_signature_v3
from plivo_dtmf_client.webhooks import verify_digits_sent
out = []
for c in json.load(sys.stdin):
    m, url, params, token, nonce = c["method"], c["url"], c["params"], c["token"], c["nonce"]
    base = construct_get_url(url, {}) if m == "GET" else construct_post_url(url, params)
    body = json.dumps(params).encode() if m == "POST" else b""
    got = verify_digits_sent(method=m, url=url, headers=c["headers"], body=body, auth_token=token)
    out.append({"plivo_v3": get_signature_v3(token.encode(), base.decode(), nonce.encode()).decode(), "python_verified": got.to_dict()})
print(json.dumps(out))
`,
      inputs,
    );
    inputs.forEach((c, i) => {
      const row = rows[i];
      assert.deepEqual(row.python_verified, { ...GOOD, ...(c.method === "GET" ? { token: "x y" } : {}) });
      const headers = { [SIGNATURE_V3]: `other,${row.plivo_v3}`, [NONCE_V3]: c.nonce };
      const body = c.method === "POST" ? JSON.stringify(GOOD) : "";
      const parsed = verifyDigitsSent({ method: c.method, url: c.url, headers, body, authToken: c.token });
      assert.deepEqual([parsed.api_id, parsed.digits, parsed.leg], [API_ID, "8743#", "aleg"]);
      assert.throws(
        () => verifyDigitsSent({ method: c.method, url: c.url, headers: { ...headers, [NONCE_V3]: "1" }, body, authToken: c.token }),
        SignatureMismatchError,
      );
    });
  });

  test("a signed body that is not the documented callback is a WebhookPayloadError naming the field", () => {
    const url = "https://example.com/cb";
    const bad = [
      [{ ...GOOD, leg: 5 }, /leg/], // an unlisted leg is kept (open enum), not a number
      [{ ...GOOD, api_id: "not-an-id" }, /api_id/],
      [{ ...GOOD, digits: 1 }, /digits/],
      [Object.fromEntries(Object.entries(GOOD).filter(([k]) => k !== "status")), /has no status/],
    ];
    for (const [body, field] of bad) {
      const headers = signatureHeaders(AUTH_TOKEN, "POST", url, body);
      assert.throws(
        () => verifyDigitsSent({ method: "POST", url, headers, body: JSON.stringify(body), authToken: AUTH_TOKEN }),
        (error) => error instanceof WebhookPayloadError && field.test(error.message),
      );
    }
    const headers = signatureHeaders(AUTH_TOKEN, "POST", url, {});
    assert.throws(
      () => verifyDigitsSent({ method: "POST", url, headers, body: "[]", authToken: AUTH_TOKEN }),
      (error) => error instanceof WebhookPayloadError && /list/.test(error.message),
    );
  });

  test("the header names and the callback body's rules are the spec's, as the Python client reads them", () => {
    const [fromSpec, pythonRules] = python(
      `
import json, sys
from plivo_dtmf_client._spec import CALLBACK_BODIES
from tests.client_support import SPEC, resolve
cb = SPEC["paths"]["/v1/Account/{auth_id}/Call/{call_uuid}/DTMF/"]["post"]["callbacks"]["digitsSent"]
op = next(iter(cb.values()))["post"]
names = sorted(resolve(p)["name"] for p in op["parameters"] if resolve(p)["in"] == "header")
rules = {k: {"required": list(v["required"]), "properties": {n: {a: list(b) if isinstance(b, tuple) else b for a, b in r.items() if a != "python_pattern"} for n, r in v["properties"].items()}} for k, v in CALLBACK_BODIES.items()}
print(json.dumps([names, rules]))
`,
      null,
    );
    assert.deepEqual(fromSpec, [SIGNATURE_V3, NONCE_V3, SIGNATURE_V2, NONCE_V2].sort());
    assert.deepEqual(CALLBACK_BODIES, pythonRules);
  });

  test("nonces are fresh 20-digit strings", () => {
    const nonces = new Set(Array.from({ length: 50 }, newNonce));
    assert.equal(nonces.size, 50);
    for (const nonce of nonces) assert.match(nonce, /^[0-9]{20}$/);
  });
});

test("the README's webhook example is the one usage.ts type-checks (tsc --strict)", () => {
  const readme = readFileSync(new URL("../../generated/typescript/README.md", import.meta.url), "utf8");
  const [example] = readme.split("```").filter((block) => block.startsWith("ts\n") && block.includes("verifyDigitsSent"));
  const usage = new Set(readFileSync(new URL("usage.ts", import.meta.url), "utf8").split("\n").map((line) => line.trim()));
  const lines = example.split("\n").slice(1).map((line) => line.trim()).filter((line) => line && !line.startsWith("import "));
  assert.ok(lines.length >= 10);
  assert.deepEqual(lines.filter((line) => !usage.has(line)), []);
  assert.ok(lines.includes("const nonces = new NonceStore(); // the nonces of accepted callbacks: a replay throws ReplayError"));
  assert.match(example, /authToken: [^\n]*, nonces \}\);/); // replays refused
});
