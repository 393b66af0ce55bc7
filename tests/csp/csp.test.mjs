// wasm-sse needs no eval or other dynamic code: the Rust hello feed runs in a page served with
//   Content-Security-Policy: default-src 'self'; script-src 'self' 'wasm-unsafe-eval'
// (wasm compilation allowed, nothing else), in a real headless Chromium against the test
// server, and the browser reports no violation but the inline script the page plants as a
// control. Needs `scripts/build-demo.sh` first and SSE_SERVER_URL; run: node --test tests/csp/
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const server = process.env.SSE_SERVER_URL;
const POLICY = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'";
let browser;

before(async () => {
  assert.ok(server, "SSE_SERVER_URL is set by the test command to the test server's URL");
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
});

after(async () => {
  await browser?.close();
});

/** Serves tests/csp/NAME at SERVER/csp/NAME, with the policy as a real response header. */
async function serveCspPage(page) {
  const types = { "": "text/html", "index.html": "text/html", "watch.js": "text/javascript", "main.js": "text/javascript" };
  await page.route(`${server}/csp/**`, async (route) => {
    const name = new URL(route.request().url()).pathname.slice("/csp/".length);
    if (!(name in types)) return route.fulfill({ status: 404, body: "not found" });
    await route.fulfill({
      status: 200,
      headers: { "content-type": types[name], "content-security-policy": POLICY },
      body: await readFile(join(here, name || "index.html")),
    });
  });
}

test("the Rust hello feed runs under script-src 'self' 'wasm-unsafe-eval' without a violation", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await serveCspPage(page);
  await page.goto(`${server}/csp/`);
  await page.locator("#hello-list li").nth(1).waitFor({ timeout: 10_000 });
  assert.equal(await page.locator("#hello-state").textContent(), "open");

  const { inlineRan, violations } = await page.evaluate(() => ({
    inlineRan: window.inlineScriptRan === true,
    violations: window.violations,
  }));
  // The control: the policy is in force (the planted inline script was refused)...
  assert.equal(inlineRan, false);
  assert.ok(violations.some((v) => v.blocked === "inline"), JSON.stringify(violations));
  // ...and it is the only thing refused: no eval, no Function(), no inline code of ours.
  assert.deepEqual(violations.filter((v) => v.blocked !== "inline"), []);
  assert.deepEqual(errors, []);
});

test("the generated JavaScript has no eval or Function constructor", async () => {
  const glue = await readFile(join(root, "www/generated/hello-feed/hello_feed.js"), "utf8");
  // (`Function(${name})` in a template string is how wasm-bindgen prints a function value.)
  for (const pattern of [/\beval\s*\(/, /\bnew\s+Function\s*\(/, /[^.\w`]Function\s*\(/, /setTimeout\(\s*["'`]/]) {
    assert.doesNotMatch(glue, pattern);
  }
});
