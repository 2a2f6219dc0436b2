// node speed.mjs INPUT N: the hand-written quote's module and the engine's (bindings/wasm/pkg/
// nodejs, built by bindings/wasm/build.sh), each timed by timing.mjs's bestOf (N calls a
// round); prints the best round's time per call.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { bestOf } from './timing.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const require = createRequire(import.meta.url);
const [input, count] = process.argv.slice(2);
const n = Number(count);
const text = fs.readFileSync(input, 'utf8');
const folder = path.join(root, 'examples/conveyors');
const csv = fs.readFileSync(path.join(folder, 'contracts.csv'), 'utf8');

const best = (call) => bestOf(n, call).toFixed(2);

const { Quote } = require(path.join(here, 'pkg/conveyors_by_hand.js'));
const quote = new Quote(csv, '2026-08-03');
console.log(`by hand, WebAssembly (Node.js ${process.versions.node}): ${best(() => quote.evaluateJson(text))} µs`);

const engine = path.join(root, 'bindings/wasm/pkg/nodejs/ordo_wasm.js');
if (fs.existsSync(engine)) {
  const { Ruleset } = require(engine);
  const source = fs.readFileSync(path.join(folder, 'conveyors.ordo'), 'utf8');
  const ruleset = Ruleset.compile(source, 'conveyors.ordo', { 'contracts.csv': csv });
  const options = { asOf: '2026-08-03' };
  console.log(`engine, WebAssembly (Node.js ${process.versions.node}): ${best(() => ruleset.evaluateJson(text, options))} µs`);
}
