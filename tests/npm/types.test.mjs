// The package's TypeScript declarations, checked with tsc against what a user writes
// (tests/npm/types/usage.ts imports "wasm-sse" by name, through package.json "exports").
// Each `@ts-expect-error` there is a mistake the declarations must refuse.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { root } from "./browser.mjs";

test("the declarations accept the documented usage and refuse misuse", async () => {
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const project = join(root, "tests", "npm", "types", "tsconfig.json");
  const result = await promisify(execFile)(process.execPath, [tsc, "-p", project], { cwd: root }).catch((error) => error);
  assert.equal(result.stdout, "", "tsc reports no error");
  assert.equal(result.code ?? 0, 0);
});
