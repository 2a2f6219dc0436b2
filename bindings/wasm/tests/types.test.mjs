// The generated TypeScript definitions type-check a program that uses the whole API
// (tests/types/usage.ts) under `tsc --strict`.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

import { bindingDir } from "./support.mjs";

test("the TypeScript definitions type-check a program using the API", () => {
  assert.ok(existsSync(path.join(bindingDir, "pkg/web/ordo_wasm.d.ts")), "run build.sh first");
  const tsc = path.join(bindingDir, "node_modules/typescript/bin/tsc");
  const run = spawnSync(
    process.execPath,
    [
      tsc,
      "--noEmit",
      "--strict",
      "--target", "es2022",
      "--module", "es2022",
      "--moduleResolution", "bundler",
      "--lib", "esnext,dom",
      "--skipLibCheck", "false",
      path.join(bindingDir, "tests/types/usage.ts"),
    ],
    { encoding: "utf8" },
  );
  assert.equal(run.status, 0, `tsc reported:\n${run.stdout}${run.stderr}`);
});
