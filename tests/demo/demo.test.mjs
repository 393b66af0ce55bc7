// The demo page in a real headless Chromium, as a person would keep it open: it loads without
// console errors, prints the hello feed, counts events, draws the chart, shares its connection
// with a second tab, and when the server restarts it shows "reconnecting", then resumes by
// Last-Event-ID without losing an event.
// The test runs a server of its own on a fixed port, so it can really restart it.
// Screenshots are kept in test-results/.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { launchBrowser } from "../npm/browser.mjs";
import { freePort, startServer } from "./server.mjs";

const WAIT = { timeout: 15_000 };
let browser;
let server;
let port;
let page;
const problems = [];

before(async () => {
  port = await freePort();
  server = await startServer(port);
  browser = await launchBrowser();
  // A context of its own, so that a second tab of the dashboard shares its SharedWorker.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  await mkdir("test-results", { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const text = (selector) => page.locator(selector).textContent();
const number = async (selector) => Number((await text(selector)).replaceAll(",", ""));

/** Waits until the figure in `selector` exceeds `value`. */
function figureAbove(selector, value) {
  return page.waitForFunction(
    ([selector, value]) => Number(document.querySelector(selector).textContent.replaceAll(",", "")) > value,
    [selector, value],
    WAIT,
  );
}

test("the page loads without console errors and prints the hello feed as it arrives", async () => {
  await page.goto(`${server.url}/www/`);
  const lines = page.locator("#hello-list li");
  await lines.nth(1).waitFor(WAIT);
  assert.equal(await text("#hello-state"), "open");
  assert.match(await lines.first().textContent(), /^#\d+\s+Hello, world!$/);
  await page.waitForFunction(() => document.querySelector("#market-state").textContent === "open", null, WAIT);
  assert.deepEqual(problems, []);
});

test("the event count rises, the rate is shown and the chart has data", async () => {
  const before = await number("#events-count");
  await figureAbove("#events-count", before + 10);
  await page.waitForFunction(() => Number(document.querySelector("#events-rate").textContent) > 0, null, WAIT);
  for (const symbol of ["WASM", "RUST", "SSE", "HTTP"]) {
    const line = page.locator(`#chart polyline[data-series="${symbol}"]`);
    assert.ok(Number(await line.getAttribute("data-count")) > 100, `${symbol} has a line of the last 30 s`);
    assert.match(await line.getAttribute("points"), /^(\d+(\.\d)?,-?\d+(\.\d)? ){100,}/);
  }
  assert.equal(await page.locator("#tick-log tr").count(), 12);
  assert.equal(await text("#missed"), "0");
  await page.screenshot({ path: "test-results/demo.png" });
  assert.deepEqual(problems, []);
});

test("a second tab of the dashboard reads the same connection, and both count two tabs", async () => {
  const stats = async () => (await fetch(`${server.url}/stats?tag=dashboard`)).json();
  const before = await stats();
  assert.equal(before.open, 1);
  const second = await page.context().newPage();
  second.on("pageerror", (error) => problems.push(`uncaught in the second tab: ${error.message}`));
  await second.goto(`${server.url}/www/`);
  for (const tab of [page, second]) {
    await tab.waitForFunction(() => document.querySelector("#tabs").textContent === "2", null, WAIT);
  }
  const count = Number((await second.locator("#events-count").textContent()).replaceAll(",", ""));
  await second.waitForFunction((count) => Number(document.querySelector("#events-count").textContent.replaceAll(",", "")) > count + 10, count, WAIT);
  assert.equal(await second.locator("#missed").textContent(), "0");
  assert.deepEqual(await stats(), before, "no new connection for the second tab");
  await second.close();
  await page.waitForFunction(() => document.querySelector("#tabs").textContent === "1", null, WAIT);
  assert.deepEqual(problems, []);
});

test("a server restart shows reconnecting, then resumes by Last-Event-ID without losing events", async () => {
  await server.stop();
  const lastBefore = Number(await text("#last-id"));
  await page.waitForFunction(() => document.querySelector("#market-state").textContent === "reconnecting", null, WAIT);
  assert.match(await text("#market-detail"), /^attempt \d+ · in \d+\.\d s · /);
  await page.screenshot({ path: "test-results/demo-reconnecting.png" });
  // Down long enough for the market to move on without us.
  await new Promise((resolve) => setTimeout(resolve, 1500));

  server = await startServer(port);
  await page.waitForFunction(
    () => document.querySelector("#market-state").textContent === "open" && document.querySelector("#reconnects").textContent === "1",
    null,
    WAIT,
  );
  const resumedAt = await number("#events-count");
  await figureAbove("#events-count", resumedAt + 10);
  assert.ok(await number("#caught-up") >= 10, "the ticks sent while the server was down were replayed");
  assert.equal(await text("#missed"), "0");
  assert.equal(await text("#duplicates"), "0");
  assert.match(await text("#resume-note"), /^Reconnected, and resumed after tick #\d+ by Last-Event-ID: the server replayed the \d+ ticks/);
  assert.equal(await page.locator("#chart .markers line").count(), 1);

  // The new server process saw the page come back with the id it had reached.
  const requests = (await (await fetch(`${server.url}/log?tag=dashboard`)).json()).filter((record) => record.method === "GET");
  assert.ok(requests.length >= 1);
  assert.ok(Number(requests[0].last_event_id) >= lastBefore, `resumed after ${requests[0].last_event_id}, had ${lastBefore}`);

  // The hello feed, on the browser's own EventSource, came back too.
  const newestHello = () => Number(/^#(\d+)/.exec(document.querySelector("#hello-list li").textContent)[1]);
  const hello = await page.evaluate(newestHello);
  await page.waitForFunction(([newest, seen]) => new Function(`return (${newest})()`)() > seen, [newestHello.toString(), hello], WAIT);

  await page.screenshot({ path: "test-results/demo-resumed.png" });
  // While the server was down the browser logged the refused connections; nothing else.
  const unexpected = problems.filter((message) => !/net::ERR_CONNECTION_REFUSED/.test(message));
  assert.deepEqual(unexpected, []);
});

// The LLM chat, in Rust (examples/llm-chat) and in JavaScript (www/chat.html): Send streams the
// completion into the text area, exactly once per click; Stop aborts it mid-stream.
for (const [name, path] of [["Rust", "/examples/llm-chat/"], ["JavaScript", "/www/chat.html"]]) {
  test(`the ${name} LLM chat streams a completion token by token, and Stop hangs up`, async () => {
    const tag = `demo-chat-${name}`;
    const chat = await browser.newPage();
    const chatProblems = [];
    chat.on("console", (message) => message.type() === "error" && chatProblems.push(message.text()));
    chat.on("pageerror", (error) => chatProblems.push(`uncaught: ${error.message}`));
    try {
      await chat.goto(`${server.url}${path}?tag=${tag}&interval_ms=40`);
      await chat.click("#send");
      await chat.waitForFunction(() => document.querySelector("#state").textContent === "done", null, WAIT);
      assert.equal(await chat.inputValue("#output"), "Hello! How can I help you today?");
      await chat.screenshot({ path: `test-results/chat-${name.toLowerCase()}.png` });

      // Slowly this time, and stopped after the first tokens.
      await chat.goto(`${server.url}${path}?tag=${tag}&interval_ms=500`);
      await chat.click("#send");
      await chat.waitForFunction(() => document.querySelector("#output").value.length > 0, null, WAIT);
      await chat.click("#stop");
      await chat.waitForFunction(() => document.querySelector("#state").textContent === "stopped", null, WAIT);
      const stopped = await chat.inputValue("#output");
      assert.ok(stopped.length > 0 && stopped.length < "Hello! How can I help you today?".length, stopped);

      const stats = async () => (await fetch(`${server.url}/stats?tag=${tag}`)).json();
      for (let i = 0; i < 100 && (await stats()).open !== 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(await stats(), { open: 0, total: 2 }, "one POST per click, and Stop hung up");
      const log = await (await fetch(`${server.url}/log?tag=${tag}`)).json();
      assert.deepEqual(log.map((record) => [record.method, JSON.parse(record.body).stream]), [["POST", true], ["POST", true]]);
      assert.deepEqual(chatProblems, []);
    } finally {
      await chat.close();
    }
  });
}
