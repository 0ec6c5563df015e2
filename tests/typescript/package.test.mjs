// The package as users install it: the tarball `make dist` builds (`npm pack
// generated/typescript --pack-destination dist`, done here into a temporary folder) installed
// into an empty project, as the README says, then used from an ES module, from a CommonJS
// `.cjs` file and from TypeScript consumers of both kinds. Its one runtime dependency comes
// from npm's cache, filled by `npm ci`. The Python client's counterpart installs a wheel.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { lstat, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import { AUTH_ID, AUTH_TOKEN, BRIDGED_CALL_UUID, Mock } from "./mock.mjs";

const run = promisify(execFile);
const PACKAGE = fileURLToPath(new URL("../../generated/typescript", import.meta.url));
const TSC = join(PACKAGE, "node_modules", "typescript", "bin", "tsc");
const QUIET = ["--no-audit", "--no-fund", "--loglevel=error"];
const INSTALL = ["install", "--prefer-offline", "--ignore-scripts", ...QUIET];
const README_INSTALL = "npm install ./dist/plivo-dtmf-client-<version>.tgz";

let folder, app, manifest, mock;

/** `npm pack` of `source` into `destination`; the tarball's file name. */
async function pack(source, destination) {
  const { stdout } = await run("npm", ["pack", source, "--pack-destination", destination, ...QUIET]);
  return stdout.trim().split("\n").at(-1);
}

/** Run `node` in the app with the mock's credentials; its stdout, parsed as JSON. */
async function node(args) {
  const env = { ...process.env, PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN, PLIVO_BASE_URL: mock.baseUrl };
  const { stdout } = await run("node", args, { cwd: app, env });
  return JSON.parse(stdout);
}

before(async () => {
  [mock, folder] = await Promise.all([Mock.start(), mkdtemp(join(tmpdir(), "plivo-dtmf-ts-"))]);
  manifest = JSON.parse(await readFile(join(PACKAGE, "package.json"), "utf8"));
  app = join(folder, "app");
  await mkdir(join(app, "dist"), { recursive: true });
  await writeFile(join(app, "package.json"), '{"name": "app", "private": true}\n');
  const tarball = await pack(PACKAGE, join(app, "dist"));
  // The README's command, in the app's folder: the tarball, copied with its dependency.
  const command = README_INSTALL.replace("<version>", manifest.version);
  assert.equal(command, `npm install ./dist/${tarball}`);
  await run("npm", [...INSTALL, command.split(" ").at(-1)], { cwd: app });
});

after(async () => {
  await mock?.stop();
  if (folder !== undefined) await rm(folder, { recursive: true, force: true });
});

test("the README installs the make dist tarball (the command run here), not a path", async () => {
  const readme = await readFile(join(PACKAGE, "README.md"), "utf8");
  assert.ok(readme.includes(`\n${README_INSTALL}\n`), "the install command");
  assert.ok(!readme.includes("npm install --install-links"));
});

test("the README names every rule the client checks before sending", async () => {
  const readme = await readFile(join(PACKAGE, "README.md"), "utf8");
  const checks = readme.slice(readme.indexOf("**Checks before sending**"), readme.indexOf("**Request bodies are exact"));
  const source = await readFile(join(PACKAGE, "src", "errors.ts"), "utf8");
  const union = source.slice(source.indexOf("export type RuleKeyword ="), source.indexOf(";", source.indexOf("RuleKeyword =")));
  const keywords = [...union.matchAll(/"(\w+)"/g)].map(([, keyword]) => keyword);
  assert.ok(keywords.length >= 13, union);
  assert.deepEqual(keywords.filter((keyword) => !checks.includes(`\`${keyword}\``)), []);
});

test("the installed package imports by name, at the spec's version, with its changelog", async () => {
  const probe =
    'import { Client, VERSION } from "plivo-dtmf-client";' +
    'const c = new Client({ authId: "MA2025RK4E639VJFZAGV", authToken: "t", env: {} });' +
    "console.log(JSON.stringify([VERSION, c.baseUrl]));";
  assert.deepEqual(await node(["--input-type=module", "-e", probe]), [manifest.version, "https://api.plivo.com"]);
  // The changelog `make release` writes ships with the package.
  const installed = join(app, "node_modules", "plivo-dtmf-client", "CHANGELOG.md");
  const changelog = await readFile(join(PACKAGE, "CHANGELOG.md"), "utf8");
  assert.equal(await readFile(installed, "utf8"), changelog);
  // Its newest entry is the package's version, or, between releases (X.Y.Z-dev.0), an
  // earlier release: the pre-release's own number is not released yet.
  const newest = changelog.match(/^## (\S+) \(/m)?.[1];
  const next = /^(\d+\.\d+\.\d+)-dev\.\d+$/.exec(manifest.version)?.[1];
  if (next === undefined) assert.equal(newest, manifest.version);
  else assert.ok(newest !== undefined && !changelog.includes(`## ${next} (`), newest);
});

test("after the tarball, another npm install keeps the SDK a copy with its dependency, and it sends", async () => {
  // `npm install --install-links <path>` was replaced by a symlink here, losing openapi-fetch.
  const other = join(folder, "other");
  await mkdir(other);
  await writeFile(join(other, "package.json"), '{"name": "other-dep", "version": "1.0.0", "main": "index.js"}\n');
  await writeFile(join(other, "index.js"), "module.exports = 1;\n");
  await run("npm", [...INSTALL, join(folder, await pack(other, folder))], { cwd: app });
  const installed = (...path) => lstat(join(app, "node_modules", ...path));
  assert.ok((await installed("other-dep", "index.js")).isFile());
  assert.ok((await installed("plivo-dtmf-client")).isDirectory());
  assert.ok((await installed("openapi-fetch", "package.json")).isFile());
  await mock.reset();
  const probe =
    'import { Client } from "plivo-dtmf-client";' +
    `const sent = await new Client().sendDigits("${BRIDGED_CALL_UUID}", { digits: "42#", leg: "bleg" });` +
    "console.log(JSON.stringify(sent.message));";
  assert.equal(await node(["--input-type=module", "-e", probe]), "digits sent");
  assert.deepEqual(
    (await mock.events()).map((e) => [e.digits, e.leg]),
    [["42#", "bleg"]],
  );
});

test("a .cjs file requires it, sends digits to the mock, and its error classes work with instanceof", async () => {
  await writeFile(
    join(app, "probe.cjs"),
    `const sdk = require("plivo-dtmf-client");
const { Client, InvalidParameterError, NotFoundError, APIStatusError, PlivoError } = sdk;
(async () => {
  const client = new Client();
  const out = { format: typeof module, file: require.resolve("plivo-dtmf-client") };
  out.message = (await client.sendDigits("${BRIDGED_CALL_UUID}", { digits: "8743#", leg: "bleg" })).message;
  try {
    await client.sendDigits("a1b2c3d4-0000-4000-8000-000000000001", { digits: "1", leg: "bleg" });
  } catch (error) {
    out.notFound = [error instanceof NotFoundError, error instanceof APIStatusError, error instanceof PlivoError, error.status];
  }
  try {
    await client.sendDigits("${BRIDGED_CALL_UUID}", { digits: "9", legs: "bleg" });
  } catch (error) {
    out.invalid = [error instanceof InvalidParameterError, error instanceof PlivoError, error.field];
  }
  const esm = await import("plivo-dtmf-client");
  out.sameNames = JSON.stringify(Object.keys(sdk).sort()) === JSON.stringify(Object.keys(esm).sort());
  console.log(JSON.stringify(out));
})().catch((error) => { console.error(error); process.exit(1); });
`,
  );
  await mock.reset();
  const out = await node(["probe.cjs"]);
  assert.equal(out.format, "object");
  assert.equal(out.file, join(app, "node_modules", "plivo-dtmf-client", "dist", "cjs", "index.js"));
  assert.equal(out.message, "digits sent");
  assert.deepEqual(out.notFound, [true, true, true, 404]);
  assert.deepEqual(out.invalid, [true, true, "legs"]);
  assert.ok(out.sameNames, "require() and import() export the same names");
  assert.deepEqual(
    (await mock.events()).map((e) => [e.digits, e.leg]),
    [["8743#", "bleg"]],
  );
});

test("tsc (moduleResolution node16) types a CommonJS and an ES module consumer, each from its own build", async () => {
  const consumer = `import { Client, NotFoundError } from "plivo-dtmf-client";
import type { SendDigitsAccepted } from "plivo-dtmf-client";
export async function send(client: Client): Promise<SendDigitsAccepted | number> {
  try {
    return await client.sendDigits("${BRIDGED_CALL_UUID}", { digits: "1", leg: "bleg" });
  } catch (error) {
    if (error instanceof NotFoundError) return error.status;
    throw error;
  }
}
// @ts-expect-error the body is exact here too (unused, hence an error, if the types were lost)
export const typo = (client: Client) => client.sendDigits("${BRIDGED_CALL_UUID}", { digits: "1", legs: "bleg" });
`;
  // One tsc run for both: under node16 each file's format is its nearest package.json's.
  const kinds = { cjs: ["commonjs", "dist/cjs/index.d.ts"], esm: ["module", "dist/index.d.ts"] };
  for (const [name, [type]] of Object.entries(kinds)) {
    await mkdir(join(app, name));
    await writeFile(join(app, name, "package.json"), JSON.stringify({ name, private: true, type }));
    await writeFile(join(app, name, "index.ts"), consumer);
  }
  const compilerOptions = {
    module: "node16",
    moduleResolution: "node16",
    target: "ES2022",
    strict: true,
    noEmit: true,
    // Our declarations were checked when generated; @types/node's need not be, again.
    skipLibCheck: true,
    typeRoots: [join(PACKAGE, "node_modules", "@types")],
    types: ["node"],
  };
  const files = Object.keys(kinds).map((name) => `${name}/index.ts`);
  await writeFile(join(app, "tsconfig.json"), JSON.stringify({ compilerOptions, files }));
  const { stdout } = await run("node", [TSC, "-p", app, "--traceResolution"]);
  // "======== Resolving module 'plivo-dtmf-client' from '<app>/cjs/index.ts'. ========" ...
  // "======== Module name 'plivo-dtmf-client' was successfully resolved to '<file>' ... ========"
  const resolved = [...stdout.matchAll(/Resolving module 'plivo-dtmf-client' from '([^']+)'[\s\S]*?successfully resolved to '([^']+)'/g)];
  const byConsumer = Object.fromEntries(resolved.map(([, from, to]) => [from, to]));
  for (const [name, [, declarations]] of Object.entries(kinds)) {
    assert.equal(byConsumer[join(app, name, "index.ts")], join(app, "node_modules", "plivo-dtmf-client", declarations), name);
  }
});
