// The TypeScript client sends what the caller set and nothing else: a request field's `default`
// in the spec is the server's to apply. Checked on the raw body a loopback server receives, for
// every body field with a default (read from the spec by the project's Python).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import { after, before, beforeEach, test } from "node:test";

import { Client } from "../../generated/typescript/dist/index.js";
import { AUTH_ID, AUTH_TOKEN, BRIDGED_CALL_UUID, PYTHON, ROOT } from "./mock.mjs";

const DEFAULTED = JSON.parse(
  execFileSync(
    PYTHON,
    [
      "-c",
      `import json, yaml
spec = yaml.safe_load(open("openapi/plivo-dtmf.yaml", encoding="utf-8"))
def flat(node):
    while "$ref" in node:
        target = spec
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    merged = {}
    for member in node.get("allOf", []):
        merged.update(flat(member))
    merged.update({k: v for k, v in node.items() if k != "allOf"})
    return merged
body = flat(spec["paths"]["/v1/Account/{auth_id}/Call/{call_uuid}/DTMF/"]["post"]["requestBody"]["content"]["application/json"]["schema"])
print(json.dumps({name: flat(p)["default"] for name, p in body["properties"].items() if "default" in flat(p)}))`,
    ],
    { cwd: ROOT, encoding: "utf-8" },
  ),
);

const bodies = [];
let server;
let baseUrl;
before(async () => {
  server = createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      bodies.push(Buffer.concat(chunks).toString("utf-8"));
      response.writeHead(202, { "Content-Type": "application/json" });
      response.end(JSON.stringify({ message: "digits sent", api_id: "07abfd94-58c0-11e1-86da-adf28403fe48" }));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  baseUrl = `http://127.0.0.1:${server.address().port}`;
});
after(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, "close");
});
beforeEach(() => {
  bodies.length = 0;
});

function ours() {
  return new Client({ authId: AUTH_ID, authToken: AUTH_TOKEN, baseUrl, env: {}, maxRetries: 0 });
}

test("the spec gives defaults to check", () => {
  assert.ok("leg" in DEFAULTED && "callback_method" in DEFAULTED, JSON.stringify(DEFAULTED));
});

test("only the fields set are sent", async () => {
  await ours().sendDigits(BRIDGED_CALL_UUID, { digits: "8743#" });
  assert.deepEqual(bodies.map((raw) => JSON.parse(raw)), [{ digits: "8743#" }]);
});

for (const [name, value] of Object.entries(DEFAULTED)) {
  test(`${name} set to its default is sent`, async () => {
    const given = { digits: "1", [name]: value };
    await ours().sendDigits(BRIDGED_CALL_UUID, given);
    assert.deepEqual(bodies.map((raw) => JSON.parse(raw)), [given]);
  });
}
