// The demo page in a real headless Chromium, as a person would open it: it loads without
// console errors, the Rust code prints the hello feed as it arrives, and a screenshot is kept.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { chromium } from "playwright-core";

const server = process.env.SSE_SERVER_URL;
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

test("the demo prints the hello feed as it arrives, without console errors", async () => {
  const page = await browser.newPage({ viewport: { width: 1000, height: 600 } });
  const problems = [];
  page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
  page.on("pageerror", (error) => problems.push(error.message));

  await page.goto(`${server}/www/`);
  const lines = page.locator("#hello-list li");
  await lines.nth(1).waitFor({ timeout: 10_000 });
  assert.equal(await page.locator("#hello-state").textContent(), "open");
  assert.match(await lines.first().textContent(), /^#\d+\s+Hello, world!$/);

  await mkdir("test-results", { recursive: true });
  await page.screenshot({ path: "test-results/demo.png" });
  assert.deepEqual(problems, []);
});
