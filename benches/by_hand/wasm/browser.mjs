// node browser.mjs INPUT N: speed.mjs's measure in headless Chromium. The hand-written quote's
// module (pkg-web) and the engine's (bindings/wasm/pkg/web, built by bindings/wasm/build.sh),
// each on a page of their own, timed in the page by timing.mjs's bestOf (N calls a round);
// prints the best round's time per call, by the page's clock. Chromium is launched as
// the binding's browser tests launch it (bindings/wasm/tests/support.mjs).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { bestOf } from './timing.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const { launchChromium } = await import(path.join(root, 'bindings/wasm/tests/support.mjs'));
const [input, count] = process.argv.slice(2);
const folder = path.join(root, 'examples/conveyors');
const text = fs.readFileSync(input, 'utf8');
const csv = fs.readFileSync(path.join(folder, 'contracts.csv'), 'utf8');
const source = fs.readFileSync(path.join(folder, 'conveyors.ordo'), 'utf8');

/** Serves `dir` at http://bench.test/ and runs `setup` (which sets globalThis.call) there. */
async function timed(browser, dir, setup) {
  const page = await browser.newPage();
  await page.route('http://bench.test/**', (route) => {
    const name = path.basename(new URL(route.request().url()).pathname) || 'index.html';
    if (name === 'index.html') {
      return route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>speed</title>' });
    }
    const type = name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
    return route.fulfill({ contentType: type, body: fs.readFileSync(path.join(dir, name)) });
  });
  await page.goto('http://bench.test/index.html');
  await page.evaluate(setup, { text, csv, source });
  const best = await page.evaluate(`(${bestOf})(${Number(count)}, globalThis.call)`);
  await page.close();
  return best.toFixed(2);
}

const browser = await launchChromium();
const version = browser.version();
const byHand = await timed(browser, path.join(here, 'pkg-web'), async ({ text, csv }) => {
  const module = await import('/conveyors_by_hand.js');
  await module.default();
  const quote = new module.Quote(csv, '2026-08-03');
  globalThis.call = () => quote.evaluateJson(text);
});
console.log(`by hand, WebAssembly (Chromium ${version}): ${byHand} µs`);
const engineDir = path.join(root, 'bindings/wasm/pkg/web');
if (fs.existsSync(engineDir)) {
  const engine = await timed(browser, engineDir, async ({ text, csv, source }) => {
    const module = await import('/ordo_wasm.js');
    await module.default();
    const ruleset = module.Ruleset.compile(source, 'conveyors.ordo', { 'contracts.csv': csv });
    globalThis.call = () => ruleset.evaluateJson(text, { asOf: '2026-08-03' });
  });
  console.log(`engine, WebAssembly (Chromium ${version}): ${engine} µs`);
}
await browser.close();
