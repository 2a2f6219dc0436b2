// The browser configurator (examples/configurator) in real headless Chromium: served from
// 127.0.0.1 by a tiny static server, it must load the `--target web` build, disable what the
// rules rule out with the reason on hover, and show the native CLI's total for the same input.
// Saves a screenshot to target/configurator.png.
//
// Needs Debian's chromium (CHROMIUM, default /usr/bin/chromium). Without it the test is skipped,
// unless ORDO_BROWSER_TEST=required (as scripts/test-wasm sets), where that is a failure.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";

import { chromiumPath, cliCheck, cliEval, launchChromium, repoRoot } from "./support.mjs";

const pageDir = path.join(repoRoot, "examples/configurator");
const required = process.env.ORDO_BROWSER_TEST === "required";
const AS_OF = "2026-03-01";
const bikesFile = path.join(repoRoot, "examples/bikes/bikes.ordo");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".ordo": "text/plain; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
};

/** A static file server for `root` on 127.0.0.1 (a free port). */
async function serve(root) {
  const server = createServer(async (request, response) => {
    const url = new URL(request.url, "http://127.0.0.1");
    const relative = decodeURIComponent(url.pathname).replace(/^\/+/, "") || "index.html";
    const file = path.resolve(root, relative);
    if (!file.startsWith(root + path.sep)) {
      response.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
      response.end(body);
    } catch {
      response.writeHead(404).end("not found");
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${server.address().port}/` };
}

function skipReason() {
  if (!existsSync(chromiumPath)) return `no Chromium at ${chromiumPath}`;
  if (!existsSync(path.join(pageDir, "pkg/ordo_wasm.js"))) {
    return "examples/configurator/pkg is missing: run bindings/wasm/build.sh";
  }
  return null;
}

test("the configurator in headless Chromium", async (t) => {
  const reason = skipReason();
  if (reason) {
    assert.ok(!required, `the browser test is required but cannot run: ${reason}`);
    t.skip(reason);
    return;
  }
  const { server, url } = await serve(pageDir);
  const browser = await launchChromium();
  const problems = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console error: ${message.text()}`);
    });
    await page.goto(`${url}index.html`);
    await page.waitForSelector("body[data-ready='true']", { timeout: 20000 });
    assert.equal(await page.locator("#notice").isHidden(), true, "the page shows an error notice");

    const option = (field, value) => page.locator(`[data-field="${field}"] .option[data-value="${value}"]`);
    const pick = async (field, value) => {
      await option(field, value).click();
      await page.waitForFunction(
        ([f, v]) => document.querySelector(`[data-field="${f}"] .option[data-value="${v}"] input`).checked,
        [field, value],
      );
    };

    await t.test("shows the rules' name, version and hash", async () => {
      const native = cliCheck(bikesFile).ruleset;
      assert.equal(await page.textContent("#rules-name"), native.name);
      assert.equal(await page.textContent("#rules-version"), native.version);
      assert.equal(await page.getAttribute("#rules-hash", "title"), native.hash);
      assert.equal(await page.textContent("#quote-empty"), "Choose a frame to see your quote.");
    });

    await page.fill("#as_of", AS_OF);
    await pick("frame", "gravel");

    await t.test("a blocked option is disabled and shows its reason on hover", async () => {
      const electric = option("groupset", "electric");
      assert.ok(await electric.evaluate((e) => e.classList.contains("blocked")));
      assert.ok(await electric.locator("input").isDisabled());
      assert.equal(await electric.getAttribute("title"), "There is no electric gravel bike");
      await electric.hover();
      const tooltip = await electric.evaluate((e) => getComputedStyle(e, "::after").content);
      assert.equal(tooltip, '"There is no electric gravel bike"');
      await electric.click({ force: true });
      assert.equal(await electric.locator("input").isChecked(), false, "a blocked option was chosen");
      const childSeat = option("accessories", "child_seat");
      assert.ok(await childSeat.locator("input").isDisabled());
      assert.match(await childSeat.getAttribute("title"), /child seat mounts on city, trekking and cargo/);
      assert.equal(await option("groupset", "sport").locator("input").isDisabled(), false);
    });

    // The bikes example's quote.json, chosen by hand.
    await pick("frame", "trekking");
    await pick("size", "l");
    await pick("groupset", "sport");
    await pick("accessories", "lights");
    await pick("accessories", "rack");
    await page.fill("#quantity", "12");
    await page.selectOption("#dealer", "registered");
    await page.fill("#fleet_discount", "5");
    await page.selectOption("#country", "DE");

    await t.test("the total is the native CLI's total for the same input", async () => {
      assert.equal(await option("groupset", "electric").locator("input").isDisabled(), false);
      const sent = JSON.parse(await page.textContent("#request-json"));
      assert.equal(sent.as_of, AS_OF);
      const native = cliEval(bikesFile, JSON.stringify(sent.input), { asOf: AS_OF });
      assert.ok(native.ok, native.errorText);
      const expected = JSON.parse(native.text).quotes.quote;
      await page.waitForFunction((v) => document.querySelector("#total").dataset.value === v, expected.total);
      // The same as the example's own quote.json (written with "0.05" for 5%).
      const example = readFileSync(path.join(repoRoot, "examples/bikes/quote.json"), "utf8");
      assert.equal(JSON.parse(cliEval(bikesFile, example, { asOf: AS_OF }).text).quotes.quote.total, expected.total);
      const lines = await page.locator("#quote-lines tbody tr").evaluateAll((rows) =>
        rows.map((r) => [r.dataset.id, r.querySelector("td").dataset.value]),
      );
      assert.deepEqual(lines, expected.lines.map((l) => [l.id, l.amount ?? ""]));
      const shown = await page.textContent("#total");
      assert.equal(shown.replace(/[€,]/g, ""), expected.total);
      assert.equal(await page.textContent("#messages li.ok"), "This bike can be ordered as configured.");
    });

    await t.test("validation messages follow the rules", async () => {
      await page.fill("#quantity", "5");
      await page.waitForSelector("#messages li.error");
      assert.equal(
        await page.textContent('#messages li[data-id="fleet_minimum"]'),
        "Fleet discounts start at 10 bikes",
      );
      await page.fill("#fleet_discount", "0");
      await page.fill("#quantity", "60");
      await page.waitForSelector('#messages li[data-id="big_order"]');
      assert.equal(
        await page.getAttribute('#messages li[data-id="big_order"]', "class"),
        "warning",
      );
      // No assembly band covers 0 bikes: the engine's error is shown, and no price.
      await page.fill("#quantity", "0");
      await page.waitForSelector('#messages li[data-id="out_of_bands"]');
      assert.equal(await page.isVisible("#quote-lines"), false);
      assert.match(await page.textContent("#quote-empty"), /cannot be priced/);
      await page.fill("#quantity", "4");
      await page.waitForSelector("#messages li.ok");
    });

    // A picture of the page as a customer sees it: a cargo bike, with a blocked size's reason.
    await pick("frame", "cargo");
    await pick("accessories", "child_seat");
    await option("size", "xl").hover();
    const shot = path.join(repoRoot, "target/configurator.png");
    mkdirSync(path.dirname(shot), { recursive: true });
    await page.screenshot({ path: shot, fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    server.close();
  }
});
