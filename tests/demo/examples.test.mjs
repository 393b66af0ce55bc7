// The three framework examples (examples/leptos-feed, yew-feed, dioxus-feed) in a real headless
// Chromium, as scripts/build-examples.sh builds them and the test server serves them: each
// loads without console errors, shows the feed open with its latest items, and its Close
// button closes the stream (the server sees the connection go).
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser } from "../npm/browser.mjs";
import { freePort, startServer } from "./server.mjs";

const WAIT = { timeout: 15_000 };
let browser;
let server;

before(async () => {
  server = await startServer(await freePort());
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** How many connections of the example's feed (its tag) the server holds open. */
async function openConnections(tag) {
  const response = await fetch(`${server.url}/stats?tag=${tag}`);
  return (await response.json()).open;
}

for (const example of ["leptos-feed", "yew-feed", "dioxus-feed"]) {
  test(`${example}: shows the live feed, and Close closes its connection`, async () => {
    const page = await browser.newPage();
    const problems = [];
    page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
    page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
    await page.goto(`${server.url}/examples/${example}/`);
    await page.waitForFunction(() => Number(document.querySelector("#received")?.textContent) >= 3, null, WAIT);
    assert.equal(await page.textContent("#state"), "open");
    const items = await page.locator("#items li").allTextContents();
    assert.ok(items.length >= 3, `${items}`);
    assert.match(items[0], /^#\d+ \(id \d+\)$/);
    assert.equal(await openConnections(example), 1);

    await page.click("button");
    await page.waitForFunction(() => document.querySelector("#state").textContent === "closed", null, WAIT);
    for (let waited = 0; (await openConnections(example)) !== 0; waited += 50) {
      assert.ok(waited < 5_000, "the server still holds the connection 5 s after Close");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.deepEqual(problems, []);
    await page.close();
  });
}
