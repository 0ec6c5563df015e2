// The generated TypeScript client (generated/typescript/dist) against the mock Plivo, a real
// process on loopback, with node's own test runner: `make test-typescript`.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { format, inspect } from "node:util";

import {
  APIConnectionError,
  APIStatusError,
  APITimeoutError,
  AuthenticationError,
  Client,
  CredentialsError,
  DEFAULT_BASE_URL,
  InternalServerError,
  InvalidParameterError,
  NotFoundError,
  RateLimitError,
  REQUEST_RULES,
  STATUS_ERRORS,
  ServerError,
  UnexpectedStatusError,
  checkRequest,
  retryAfterMs,
} from "../../generated/typescript/dist/index.js";
import { AUTH_ID, AUTH_TOKEN, BRIDGED_CALL_UUID, Mock, UNBRIDGED_CALL_UUID, freePort } from "./mock.mjs";

let mock;
before(async () => {
  mock = await Mock.start();
});
after(async () => {
  await mock?.stop();
});
beforeEach(() => mock.reset());

/** A client of the mock whose waits are recorded instead of slept, and whose fetches are counted. */
function ours(options = {}) {
  const sleeps = [];
  const sent = [];
  const client = new Client({
    authId: AUTH_ID,
    authToken: AUTH_TOKEN,
    baseUrl: mock.baseUrl,
    env: {},
    sleep: async (ms) => void sleeps.push(ms),
    fetch: (url, init) => {
      sent.push({ url, body: init?.body === undefined ? undefined : Buffer.from(init.body).toString() });
      return fetch(url, init);
    },
    ...options,
  });
  return { client, sleeps, sent };
}

describe("sending digits", () => {
  test("send with leg=bleg: the mock plays them once, with the api_id answered", async () => {
    const { client, sent } = ours();
    const answer = await client.sendDigits(BRIDGED_CALL_UUID, { digits: "8743#", leg: "bleg" });
    assert.equal(answer.message, "digits sent");
    const [event, ...others] = await mock.events();
    assert.deepEqual(others, []);
    assert.deepEqual([event.digits, event.leg, event.api_id], ["8743#", "bleg", answer.api_id]);
    assert.deepEqual(JSON.parse(sent[0].body), { digits: "8743#", leg: "bleg" });
  });

  test("default leg: no leg is sent and the mock plays on the a-leg", async () => {
    const { client, sent } = ours();
    await client.sendDigits(UNBRIDGED_CALL_UUID, { digits: "0" });
    assert.deepEqual(JSON.parse(sent[0].body), { digits: "0" });
    const [event] = await mock.events(UNBRIDGED_CALL_UUID);
    assert.deepEqual([event.digits, event.leg], ["0", "aleg"]);
  });

  test("credentials and base URL come from PLIVO_* when not given", async () => {
    const env = { PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN, PLIVO_BASE_URL: mock.baseUrl };
    const client = new Client({ env });
    assert.deepEqual([client.authId, client.baseUrl, client.timeoutMs], [AUTH_ID, mock.baseUrl, 5000]);
    await client.sendDigits(BRIDGED_CALL_UUID, { digits: "1" });
    assert.equal((await mock.events()).length, 1);
  });

  test("without PLIVO_BASE_URL the base URL is the spec's server", () => {
    const client = new Client({ authId: AUTH_ID, authToken: "t", env: {} });
    assert.equal(client.baseUrl, DEFAULT_BASE_URL);
    assert.equal(DEFAULT_BASE_URL, "https://api.plivo.com");
  });

  test("missing credentials are a CredentialsError naming what is missing", () => {
    assert.throws(() => new Client({ env: { PLIVO_AUTH_ID: AUTH_ID } }), (error) => {
      assert.ok(error instanceof CredentialsError);
      assert.match(error.message, /missing: PLIVO_AUTH_TOKEN\)/);
      return true;
    });
  });

  test("live calls are listed", async () => {
    const { client } = ours();
    const answer = await client.listLiveCalls();
    assert.deepEqual(answer.calls, [BRIDGED_CALL_UUID, UNBRIDGED_CALL_UUID]);
  });
});

describe("typed errors", () => {
  test("one class per documented error status, read from the spec", () => {
    const documented = Object.keys(STATUS_ERRORS).map(Number);
    assert.deepEqual(documented, [400, 401, 403, 404, 405, 413, 415, 429, 500]);
    assert.ok(new STATUS_ERRORS[500]("x", { status: 500, headers: new Headers(), body: "" }) instanceof ServerError);
  });

  test("bleg on a call with no bridge is a NotFoundError with status, apiId and error", async () => {
    const { client } = ours();
    await assert.rejects(client.sendDigits(UNBRIDGED_CALL_UUID, { digits: "1", leg: "bleg" }), (error) => {
      assert.ok(error instanceof NotFoundError && error instanceof APIStatusError);
      assert.equal(error.status, 404);
      assert.match(error.apiId, /^[0-9a-f-]{36}$/);
      assert.match(error.error, /^b-leg not found/);
      return true;
    });
  });

  test("a wrong token is an AuthenticationError that shows no token", async () => {
    const token = "not-the-token-s3cr3t";
    const { client, sent } = ours({ authToken: token });
    await assert.rejects(client.sendDigits(BRIDGED_CALL_UUID, { digits: "1" }), (error) => {
      assert.ok(error instanceof AuthenticationError);
      assert.equal(error.status, 401);
      assert.match(error.headers.get("WWW-Authenticate"), /^Basic/);
      const shown = inspect(error, { showHidden: true, depth: Infinity }) + JSON.stringify(error);
      assert.ok(!shown.includes(token) && !shown.includes(btoa(`${AUTH_ID}:${token}`)));
      return true;
    });
    assert.equal(sent.length, 1);
    assert.deepEqual(await mock.events(), []);
  });

  test("an undocumented 4xx is an UnexpectedStatusError", async () => {
    await mock.inject({ count: 1, status: 409 });
    const { client } = ours();
    await assert.rejects(client.sendDigits(BRIDGED_CALL_UUID, { digits: "1" }), (error) => {
      assert.ok(error instanceof UnexpectedStatusError);
      assert.equal(error.status, 409);
      assert.match(error.error, /injected fault/);
      return true;
    });
  });

  test("console.log of a client shows no token", () => {
    const token = "tok-never-shown-42";
    const client = new Client({ authId: AUTH_ID, authToken: token, env: {} });
    const shown = [
      format("%o", client),
      format("%O", client),
      inspect(client, { showHidden: true, depth: Infinity }),
      JSON.stringify(client),
    ].join("\n");
    assert.ok(shown.includes(AUTH_ID));
    assert.ok(!shown.includes(token) && !shown.includes(btoa(`${AUTH_ID}:${token}`)), shown);
  });
});

describe("retries", () => {
  test("an injected 429 is retried after its Retry-After and the digits play once", async () => {
    await mock.inject({ count: 1, status: 429 });
    const { client, sleeps, sent } = ours();
    const answer = await client.sendDigits(BRIDGED_CALL_UUID, { digits: "5" });
    assert.equal(answer.message, "digits sent");
    assert.deepEqual(sleeps, [1000]); // the mock's Retry-After: 1
    assert.equal(sent.length, 2);
    assert.equal((await mock.events()).length, 1);
  });

  test("a 429 after the last retry is a RateLimitError", async () => {
    await mock.inject({ count: 3, status: 429 });
    const { client, sleeps } = ours();
    await assert.rejects(client.sendDigits(BRIDGED_CALL_UUID, { digits: "5" }), RateLimitError);
    assert.deepEqual(sleeps, [1000, 1000]);
    assert.deepEqual(await mock.events(), []);
  });

  test("Retry-After is read as seconds or an HTTP date; anything else falls back to backoff", () => {
    assert.equal(retryAfterMs("3"), 3000);
    assert.equal(retryAfterMs("0.5"), 500);
    assert.equal(retryAfterMs(new Date(Date.now() - 60_000).toUTCString()), 0);
    const later = retryAfterMs(new Date(Date.now() + 120_000).toUTCString());
    assert.ok(later > 100_000 && later <= 120_000, String(later));
    assert.equal(retryAfterMs("soon"), undefined);
    assert.equal(retryAfterMs(null), undefined);
  });

  test("a Retry-After over 60 s is not waited for: RateLimitError at once", async () => {
    const answer = () =>
      new Response(JSON.stringify({ api_id: "07abfd94-58c0-11e1-86da-adf28403fe48", error: "too many requests" }), {
        status: 429,
        headers: { "Content-Type": "application/json", "Retry-After": "3600" },
      });
    const sleeps = [];
    const client = new Client({
      authId: AUTH_ID,
      authToken: AUTH_TOKEN,
      env: {},
      fetch: async () => answer(),
      sleep: async (ms) => void sleeps.push(ms),
    });
    await assert.rejects(client.sendDigits(BRIDGED_CALL_UUID, { digits: "1" }), (error) => {
      assert.ok(error instanceof RateLimitError);
      assert.deepEqual([error.status, error.error, error.headers.get("Retry-After")], [429, "too many requests", "3600"]);
      return true;
    });
    assert.deepEqual(sleeps, []);
  });

  test("an injected 500 is not retried: InternalServerError, nothing played", async () => {
    await mock.inject({ count: 1, status: 500 });
    const { client, sleeps, sent } = ours();
    await assert.rejects(client.sendDigits(BRIDGED_CALL_UUID, { digits: "5" }), (error) => {
      assert.ok(error instanceof InternalServerError && error instanceof ServerError);
      assert.equal(error.status, 500);
      return true;
    });
    assert.deepEqual([sleeps, sent.length], [[], 1]);
    assert.deepEqual(await mock.events(), []);
  });

  test("an injected 503 is not retried: ServerError", async () => {
    await mock.inject({ count: 1, status: 503 });
    const { client, sleeps } = ours();
    await assert.rejects(client.sendDigits(BRIDGED_CALL_UUID, { digits: "5" }), (error) => {
      assert.ok(error instanceof ServerError && !(error instanceof InternalServerError));
      assert.equal(error.status, 503);
      return true;
    });
    assert.deepEqual(sleeps, []);
  });

  test("retryServerErrors: true retries a 503 with backoff", async () => {
    await mock.inject({ count: 1, status: 503 });
    const { client, sleeps } = ours({ retryServerErrors: true, random: () => 0 });
    await client.sendDigits(BRIDGED_CALL_UUID, { digits: "5" });
    assert.deepEqual(sleeps, [500]);
    assert.equal((await mock.events()).length, 1);
  });

  test("a refused connection (nothing sent) is retried, then an APIConnectionError", async () => {
    const port = await freePort();
    const { client, sleeps } = ours({ baseUrl: `http://127.0.0.1:${port}`, random: () => 1 });
    await assert.rejects(client.sendDigits(BRIDGED_CALL_UUID, { digits: "5" }), (error) => {
      assert.ok(error instanceof APIConnectionError && !(error instanceof APITimeoutError));
      assert.match(error.message, /ECONNREFUSED/);
      const shown = inspect(error, { showHidden: true, depth: Infinity });
      assert.ok(!shown.includes(AUTH_TOKEN) && !shown.includes(btoa(`${AUTH_ID}:${AUTH_TOKEN}`)));
      return true;
    });
    assert.deepEqual(sleeps, [375, 750]);
  });

  test("a timeout is not retried, because the digits may play", async () => {
    await mock.inject({ count: 1, delay_ms: 1500 });
    const { client, sleeps } = ours({ timeoutMs: 300 });
    await assert.rejects(client.sendDigits(BRIDGED_CALL_UUID, { digits: "5" }), APITimeoutError);
    assert.deepEqual(sleeps, []);
    // The mock plays the digits once its delay is over: poll for it, with a deadline.
    const deadline = Date.now() + 10_000;
    while ((await mock.events()).length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal((await mock.events()).length, 1);
  });
});

describe("validation before sending", () => {
  const digitsRule = REQUEST_RULES["post /v1/Account/{auth_id}/Call/{call_uuid}/DTMF/"].body.digits;
  const cases = [
    ["pattern", "digits", BRIDGED_CALL_UUID, { digits: "1\n" }],
    ["pattern", "digits", BRIDGED_CALL_UUID, { digits: "12x" }],
    ["minLength", "digits", BRIDGED_CALL_UUID, { digits: "" }],
    ["maxLength", "digits", BRIDGED_CALL_UUID, { digits: "1".repeat(digitsRule.maxLength + 1) }],
    ["type", "digits", BRIDGED_CALL_UUID, { digits: 123 }],
    ["required", "digits", BRIDGED_CALL_UUID, { leg: "aleg" }],
    ["enum", "leg", BRIDGED_CALL_UUID, { digits: "1", leg: "both" }],
    ["enum", "callback_method", BRIDGED_CALL_UUID, { digits: "1", callback_method: "PUT" }],
    ["pattern", "callback_url", BRIDGED_CALL_UUID, { digits: "1", callback_url: "ftp://x" }],
    // Passes the pattern, breaks `format: uri` (a space, a bad escape, a bad IPv6 literal).
    ["format", "callback_url", BRIDGED_CALL_UUID, { digits: "1", callback_url: "http://a b/cb" }],
    ["format", "callback_url", BRIDGED_CALL_UUID, { digits: "1", callback_url: "http://h/%zz" }],
    ["format", "callback_url", BRIDGED_CALL_UUID, { digits: "1", callback_url: "http://[::1%25eth0]/cb" }],
    ["pattern", "call_uuid", BRIDGED_CALL_UUID.toUpperCase(), { digits: "1" }],
  ];
  for (const [rule, field, callUuid, body] of cases) {
    test(`${field} breaking ${rule} is an InvalidParameterError and nothing is sent`, async () => {
      const { client, sent } = ours();
      await assert.rejects(client.sendDigits(callUuid, body), (error) => {
        assert.ok(error instanceof InvalidParameterError);
        assert.deepEqual([error.field, error.rule], [field, rule]);
        return true;
      });
      assert.equal(sent.length, 0);
    });
  }

  test("a misspelt body field from JavaScript (legs) is refused, naming it; nothing is played", async () => {
    const { client, sent } = ours();
    await assert.rejects(client.sendDigits(BRIDGED_CALL_UUID, { digits: "9", legs: "bleg" }), (error) => {
      assert.ok(error instanceof InvalidParameterError);
      assert.deepEqual([error.field, error.rule, error.value], ["legs", "additionalProperties", "bleg"]);
      assert.match(error.message, /^legs: is not a field of the request body \(digits, leg, callback_url, callback_method\)/);
      return true;
    });
    assert.equal(sent.length, 0);
    assert.deepEqual(await mock.events(), []);
  });

  test("every operation's body takes the fields the spec names, and refuses any near-miss of them", () => {
    const withBody = Object.entries(REQUEST_RULES).filter(([, rules]) => Object.keys(rules.body).length > 0);
    assert.ok(withBody.length > 0);
    for (const [operation, rules] of withBody) {
      for (const name of Object.keys(rules.body)) {
        // An undefined value is not sent: only the name is under test (then "required" may fire).
        assert.throws(
          () => checkRequest(rules, {}, {}, { [name]: undefined, ...Object.fromEntries(rules.required.map((r) => [r, undefined])) }),
          (error) => error.rule === "required",
          `${operation}: ${name}`,
        );
        const camel = name.replace(/_([a-z])/g, (_, letter) => letter.toUpperCase());
        const nearMisses = [`${name}s`, name.toUpperCase(), ` ${name}`, name.slice(0, -1), camel === name ? `${name}_` : camel];
        for (const typo of nearMisses.filter((miss) => !Object.hasOwn(rules.body, miss))) {
          assert.throws(
            () => checkRequest(rules, {}, {}, { [typo]: "x" }),
            (error) => error instanceof InvalidParameterError && error.rule === "additionalProperties" && error.field === typo,
            `${operation}: ${JSON.stringify(typo)}`,
          );
        }
      }
    }
  });

  test("an answer keeps the fields the spec does not name (only request bodies are exact)", async () => {
    const answer = { message: "digits sent", api_id: "07abfd94-58c0-11e1-86da-adf28403fe48", added_later: 1 };
    const { client } = ours({
      fetch: async () => new Response(JSON.stringify(answer), { status: 202, headers: { "Content-Type": "application/json" } }),
    });
    assert.deepEqual(await client.sendDigits(BRIDGED_CALL_UUID, { digits: "1" }), answer);
  });

  test("URIs the spec's format accepts pass (IPv6 literal, query, fragment)", async () => {
    const { client } = ours();
    for (const url of ["http://[::1]:9/cb?x=1#f", "https://example.com/a%20b", "http://127.0.0.1:8/"]) {
      await client.sendDigits(BRIDGED_CALL_UUID, { digits: "1", callback_url: url });
    }
    assert.equal((await mock.events()).length, 3);
  });

  test("the longest valid digits pass and are played", async () => {
    const { client } = ours();
    const digits = `${"1".repeat(digitsRule.maxLength - 4)}@500`;
    await client.sendDigits(BRIDGED_CALL_UUID, { digits });
    assert.equal((await mock.events())[0].digits, digits);
  });

  test("a malformed Auth ID is refused by the constructor", () => {
    assert.throws(
      () => new Client({ authId: "ma2025rk4e639vjfzagv", authToken: "t", env: {} }),
      (error) => error instanceof InvalidParameterError && error.field === "auth_id",
    );
  });

  test("another account's Auth ID per request is checked too", async () => {
    const { client, sent } = ours();
    await assert.rejects(
      client.sendDigits(BRIDGED_CALL_UUID, { digits: "1" }, { authId: "XX" }),
      (error) => error instanceof InvalidParameterError && error.field === "auth_id",
    );
    assert.equal(sent.length, 0);
  });
});

describe("a value the spec does not list, from the mock (the README's open-enum example)", () => {
  test("the message fault's 202 is returned with its unlisted message; the next is strict", async () => {
    await mock.inject({ message: "digits queued" });
    const { client } = ours();
    const sent = await client.sendDigits(BRIDGED_CALL_UUID, { digits: "1" });
    assert.equal(sent.message, "digits queued");
    assert.equal((await client.sendDigits(BRIDGED_CALL_UUID, { digits: "2" })).message, "digits sent");
    assert.deepEqual((await mock.events()).map((event) => event.digits), ["1", "2"]);
  });
});
