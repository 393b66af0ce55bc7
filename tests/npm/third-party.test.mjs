// The package against a third-party SSE server that is not part of this project: nginx with
// the nchan pub/sub module (tests/npm/nchan.mjs). The page is of another origin; nchan needs
// nothing but what the standard says, and refuses a subscriber without
// `Accept: text/event-stream`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, packagePage, servePackage } from "./browser.mjs";
import { startNchan } from "./nchan.mjs";

const WAIT = { timeout: 15_000 };
let nchan;
let statics;
let browser;
let page;
let problems;

before(async () => {
  nchan = await startNchan();
  statics = await servePackage();
  browser = await launchBrowser();
  ({ page, problems } = await packagePage(browser, statics.url));
});

after(async () => {
  await browser?.close();
  await statics?.close();
  await nchan?.stop();
});

/** Opens a stream in the page and starts reading `count` messages into `globalThis.reads[name]`. */
async function subscribe(name, url, options, count) {
  await page.evaluate(([name, url, options, count]) => {
    const { EventStream } = globalThis.wasmSse;
    globalThis.reads ??= {};
    const read = (globalThis.reads[name] = { opened: false, disconnected: false, events: [] });
    const stream = new EventStream(url, {
      ...options,
      onOpen: () => (read.opened = true),
      onError: (error) => (read.disconnected ||= ["disconnected", "stream-ended"].includes(error.kind)),
    });
    read.done = (async () => {
      for await (const event of stream) {
        read.events.push({ type: event.type, data: event.data, lastEventId: event.lastEventId, origin: event.origin });
        if (read.events.length === count) break;
      }
    })();
  }, [name, url, options, count]);
  await page.waitForFunction((name) => globalThis.reads[name].opened, name, WAIT);
}

function received(name) {
  return page.evaluate(async (name) => {
    await globalThis.reads[name].done;
    return globalThis.reads[name].events;
  }, name);
}

for (const transport of ["eventsource", "fetch"]) {
  test(`${transport}: receives what nchan publishes, in order, with nchan's ids`, async () => {
    const channel = `api${transport}`;
    await subscribe(transport, `${nchan.url}/sub/${channel}`, { transport }, 3);
    await nchan.publish(channel, "first");
    await nchan.publish(channel, '{"second":2}');
    await nchan.publish(channel, "line one\nline two");
    const events = await received(transport);
    assert.deepEqual(events.map((event) => [event.type, event.data, event.origin]), [
      ["message", "first", nchan.url],
      ["message", '{"second":2}', nchan.url],
      ["message", "line one\nline two", nchan.url],
    ]);
    for (const { lastEventId } of events) assert.match(lastEventId, /^\d+:\d+$/, "nchan's own message ids");
  });
}

test("eventsource: resumes from nchan's buffer after a lastEventId", async () => {
  const channel = "resume";
  await subscribe("live", `${nchan.url}/sub/${channel}`, {}, 3);
  for (const text of ["one", "two", "three"]) await nchan.publish(channel, text);
  const live = await received("live");
  // A new EventSource cannot send Last-Event-ID: the id travels as `?lastEventId=`.
  await subscribe("resumed", `${nchan.url}/sub/${channel}`, { lastEventId: live[0].lastEventId }, 2);
  const resumed = await received("resumed");
  assert.deepEqual(resumed.map((event) => [event.data, event.lastEventId]), live.slice(1).map((event) => [event.data, event.lastEventId]));
});

test("eventsource: when nchan ends the connection, the stream reconnects by Last-Event-ID and loses nothing", async () => {
  const channel = "brief";
  await subscribe("brief", `${nchan.url}/brief/${channel}`, {}, 3);
  await nchan.publish(channel, "before");
  await page.waitForFunction(() => globalThis.reads.brief.events.length === 1, null, WAIT);
  // nchan ends the subscriber after a second; the browser waits before it reconnects.
  await page.waitForFunction(() => globalThis.reads.brief.disconnected, null, WAIT);
  await nchan.publish(channel, "while away");
  await nchan.publish(channel, "after");
  const events = await received("brief");
  assert.deepEqual(events.map((event) => event.data), ["before", "while away", "after"]);
});

test("fetch: when nchan ends the connection, the id travels as a query parameter and nothing is lost", async () => {
  const channel = "brieffetch";
  // nchan refuses Last-Event-ID in its CORS preflight; as a query parameter it needs none.
  const options = { transport: "fetch", lastEventIdParam: "lastEventId", retry: { initialDelayMs: 200 } };
  await subscribe("brief-fetch", `${nchan.url}/brief/${channel}`, options, 3);
  await nchan.publish(channel, "before");
  await page.waitForFunction(() => globalThis.reads["brief-fetch"].events.length === 1, null, WAIT);
  await page.waitForFunction(() => globalThis.reads["brief-fetch"].disconnected, null, WAIT);
  await nchan.publish(channel, "while away");
  await nchan.publish(channel, "after");
  const events = await received("brief-fetch");
  assert.deepEqual(events.map((event) => event.data), ["before", "while away", "after"]);
});

test("the demo page's Any feed prints nchan's messages as they arrive", async () => {
  const server = process.env.SSE_SERVER_URL;
  assert.ok(server, "SSE_SERVER_URL is set by the test command to the test server's URL");
  const demo = await browser.newPage();
  const feed = `${nchan.url}/sub/demo`;
  await demo.goto(`${server}/www/?feed=${encodeURIComponent(feed)}&transport=fetch`);
  await demo.waitForFunction(() => document.querySelector("#inspect-state").textContent === "open", null, WAIT);
  await nchan.publish("demo", "hello from nchan");
  const line = demo.locator("#inspect-log li", { hasText: "hello from nchan" });
  await line.waitFor(WAIT);
  assert.match(await line.textContent(), /^#1 message id=\d+:\d+ {2}hello from nchan$/);
  await demo.close();
});

test("the page logged no errors", () => {
  assert.deepEqual(problems, []);
});
