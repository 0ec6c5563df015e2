// Open enums (the spec's x-decisions.open-enums): what the TypeScript client parses keeps a
// value the spec does not list; what it sends stays closed. A loopback provider answers what
// the strict mock never would.
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";

import ts from "../../generated/typescript/node_modules/typescript/lib/typescript.js";
import {
  Client,
  InvalidParameterError,
  signatureHeaders,
  verifyDigitsSent,
} from "../../generated/typescript/dist/index.js";

const AUTH_ID = "MA2025RK4E639VJFZAGV";
const TOKEN = "ts-open-enum-token";
const CALL = "eba53b9e-8fbd-45c1-9444-696d2172fbc8";
const API_ID = "07abfd94-58c0-11e1-86da-adf28403fe48";
const README = new URL("../../generated/typescript/README.md", import.meta.url);

let server;
let answer;
let requests = 0;
before(async () => {
  server = createServer((req, res) => {
    requests += 1;
    req.resume().on("end", () => {
      res.writeHead(202, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ message: answer, api_id: API_ID }));
    });
  }).listen(0, "127.0.0.1");
  await once(server, "listening");
});
after(() => server.close());

function client() {
  const baseUrl = `http://127.0.0.1:${server.address().port}`;
  return new Client({ authId: AUTH_ID, authToken: TOKEN, baseUrl, env: {}, maxRetries: 0 });
}

describe("a 202 whose message the spec does not list", () => {
  test("is returned as the string it came as, not thrown", async () => {
    answer = "digits queued";
    const sent = await client().sendDigits(CALL, { digits: "1" });
    assert.deepEqual(sent, { message: "digits queued", api_id: API_ID });
  });

  test("a listed message is returned as it is", async () => {
    for (const listed of ["digits sent", "async api spawned"]) {
      answer = listed;
      assert.equal((await client().sendDigits(CALL, { digits: "1" })).message, listed);
    }
  });
});

test("a request enum stays closed: an unlisted leg is refused before sending", async () => {
  const before = requests;
  await assert.rejects(client().sendDigits(CALL, { digits: "1", leg: "cleg" }), (error) => {
    assert.ok(error instanceof InvalidParameterError);
    assert.match(error.message, /leg/);
    return true;
  });
  assert.equal(requests, before);
});

test("a signed callback with an unlisted status and leg verifies and keeps them", () => {
  const url = "https://example.com/dtmf-sent";
  const fields = { api_id: API_ID, call_uuid: CALL, digits: "1", leg: "cleg", status: "queued" };
  const callback = verifyDigitsSent({
    method: "POST",
    url,
    headers: signatureHeaders(TOKEN, "POST", url, fields),
    body: JSON.stringify(fields),
    authToken: TOKEN,
  });
  assert.equal(callback.status, "queued");
  assert.equal(callback.leg, "cleg");
});

describe("the README's switch", () => {
  const readme = readFileSync(README, "utf8");
  const [example] = readme.split("```").filter((block) => block.startsWith("ts\n") && block.includes("describeAnswer"));

  test("is the one usage.ts type-checks (tsc --strict)", () => {
    const usage = new Set(readFileSync(new URL("usage.ts", import.meta.url), "utf8").split("\n").map((l) => l.trim()));
    const lines = example.split("\n").slice(1).map((l) => l.trim()).filter((l) => l && !l.startsWith("import "));
    assert.ok(lines.length >= 8);
    assert.deepEqual(lines.filter((line) => !usage.has(line)), []);
  });

  test("tells listed and unlisted messages apart", async () => {
    const js = ts.transpileModule(example.slice(3), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const folder = mkdtempSync(path.join(tmpdir(), "open-enums-"));
    try {
      const file = path.join(folder, "example.mjs");
      writeFileSync(file, js);
      const { describeAnswer } = await import(pathToFileURL(file).href);
      const said = ["digits sent", "async api spawned", "digits queued"].map((message) =>
        describeAnswer({ message, api_id: API_ID }),
      );
      assert.equal(new Set(said).size, 3);
      assert.match(said[2], /digits queued/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
