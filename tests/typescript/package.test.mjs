// Installable on its own: `npm pack` of generated/typescript/, installed into an empty
// project (its one runtime dependency from npm's cache, filled by `npm ci`), then imported
// by its package name. The Python client's counterpart builds and installs a wheel.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { lstat, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const PACKAGE = fileURLToPath(new URL("../../generated/typescript", import.meta.url));
const QUIET = ["--no-audit", "--no-fund", "--loglevel=error"];

test("the packed package installs into an empty project and imports by name", async () => {
  const folder = await mkdtemp(join(tmpdir(), "plivo-dtmf-ts-"));
  try {
    const { stdout } = await run("npm", ["pack", PACKAGE, "--pack-destination", folder, ...QUIET]);
    const tarball = join(folder, stdout.trim().split("\n").at(-1));
    const app = join(folder, "app");
    await mkdir(app);
    await writeFile(join(app, "package.json"), '{"name": "app", "private": true, "type": "module"}\n');
    await run("npm", ["install", "--prefer-offline", "--ignore-scripts", ...QUIET, tarball], { cwd: app });
    const probe =
      'import { Client, VERSION } from "plivo-dtmf-client";' +
      'const c = new Client({ authId: "MA2025RK4E639VJFZAGV", authToken: "t", env: {} });' +
      "console.log(JSON.stringify([VERSION, c.baseUrl]));";
    const { stdout: out } = await run("node", ["--input-type=module", "-e", probe], { cwd: app });
    const [version, baseUrl] = JSON.parse(out);
    const manifest = JSON.parse(await readFile(join(PACKAGE, "package.json"), "utf8"));
    assert.deepEqual([version, baseUrl], [manifest.version, "https://api.plivo.com"]);
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
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

test("installing from a path: --install-links copies it with its dependency; a plain install only links it", async () => {
  // The README's claim: a plain `npm install <path>` makes a symlink, so openapi-fetch resolves
  // only from <path>/node_modules (absent on a fresh checkout: ERR_MODULE_NOT_FOUND).
  const folder = await mkdtemp(join(tmpdir(), "plivo-dtmf-ts-"));
  try {
    const apps = { copied: ["--install-links"], linked: [] };
    for (const [name, flags] of Object.entries(apps)) {
      const app = join(folder, name);
      await mkdir(app);
      await writeFile(join(app, "package.json"), '{"name": "app", "private": true, "type": "module"}\n');
      await run("npm", ["install", "--prefer-offline", "--ignore-scripts", ...flags, ...QUIET, PACKAGE], { cwd: app });
    }
    const installed = (name, ...path) => join(folder, name, "node_modules", ...path);
    assert.ok((await lstat(installed("linked", "plivo-dtmf-client"))).isSymbolicLink());
    await assert.rejects(lstat(installed("linked", "openapi-fetch")), { code: "ENOENT" });
    assert.ok((await lstat(installed("copied", "plivo-dtmf-client"))).isDirectory());
    assert.ok((await lstat(installed("copied", "openapi-fetch", "package.json"))).isFile());
    const probe = 'import { Client, verifyDigitsSent } from "plivo-dtmf-client"; console.log(typeof Client, typeof verifyDigitsSent);';
    const { stdout } = await run("node", ["--input-type=module", "-e", probe], { cwd: join(folder, "copied") });
    assert.equal(stdout.trim(), "function function");
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});
