// A fixed amount of work for instruction counts (`valgrind --tool=callgrind`), which do not
// depend on the machine's load as rates in seconds do: compiles examples/bikes/bikes.ordo,
// calls `evaluateJson` on examples/bikes/quote.json 3,000 times to warm V8 up, then N times.
// Run it with two values of N; the difference of the counts over the difference of the Ns is
// the cost of one call (benches/RESULTS-wasm.md):
//
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null node count.mjs 500
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null node count.mjs 1500
//
// With PRINT=1 the last result is printed (to compare it with the native one).

import { readFileSync } from "node:fs";
import path from "node:path";

import { loadWasm, repoRoot } from "./tests/support.mjs";

const n = Number(process.argv[2] ?? 1000);
const source = readFileSync(path.join(repoRoot, "examples/bikes/bikes.ordo"), "utf8");
const input = readFileSync(path.join(repoRoot, "examples/bikes/quote.json"), "utf8");

const { Ruleset } = loadWasm();
const ruleset = Ruleset.compile(source);
let result = "";
for (let i = 0; i < 3000; i++) result = ruleset.evaluateJson(input);
for (let i = 0; i < n; i++) result = ruleset.evaluateJson(input);
if (process.env.PRINT) console.log(result);
