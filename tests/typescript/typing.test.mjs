// tsc --strict rejects each misuse in misuse.ts with the marked error code at the marked word,
// and nothing else there: the counterpart of tests/typing/misuse.py for mypy.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const HERE = fileURLToPath(new URL(".", import.meta.url));
const TSC = fileURLToPath(new URL("../../generated/typescript/node_modules/typescript/bin/tsc", import.meta.url));

test("misuse.ts fails to compile exactly where it is marked, with the marked errors", async () => {
  const lines = (await readFile(`${HERE}misuse.ts`, "utf8")).split("\n");
  const expected = [];
  lines.forEach((line, index) => {
    const marked = /\/\/ tsc: (TS\d+) @(\S+)$/.exec(line);
    if (marked !== null) {
      const column = line.indexOf(marked[2] === "{" ? "{ " : marked[2]) + 1;
      expected.push(`${index + 1}:${column} ${marked[1]}`);
    }
  });
  assert.ok(expected.length >= 6, "the markers were read");
  const failed = await run("node", [TSC, "-p", `${HERE}tsconfig.misuse.json`]).then(
    () => assert.fail("misuse.ts compiled"),
    (error) => error,
  );
  const found = [...failed.stdout.matchAll(/misuse\.ts\((\d+),(\d+)\): error (TS\d+)/g)].map(
    ([, line, column, code]) => `${line}:${column} ${code}`,
  );
  assert.deepEqual(found, expected, failed.stdout);
});

test("a misspelt field's error names it, not `never`", async () => {
  const failed = await run("node", [TSC, "-p", `${HERE}tsconfig.misuse.json`]).then(
    () => assert.fail("misuse.ts compiled"),
    (error) => error,
  );
  for (const field of ["legs", "callbackUrl"]) {
    assert.match(failed.stdout, new RegExp(`to type 'UnknownField<"${field}">'`), failed.stdout);
  }
  assert.doesNotMatch(failed.stdout, /type 'never'/, failed.stdout);
});
