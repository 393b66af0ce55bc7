// `shared: true` in headless Chromium: several tabs (pages of one browser context, so one
// origin's SharedWorker and Web Locks) read one stream of the test server over one
// connection, counted and logged by the server. Every path: the SharedWorker, the Web Locks
// leader (the SharedWorker removed before the page loads), and a frozen leader
// (`Page.setWebLifecycleState`); both transports. Each test uses its own tag.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, serverHelpers, servePackage } from "./browser.mjs";

const server = process.env.SSE_SERVER_URL;
const { connections, stats, waitForOpen } = serverHelpers(server);
let browser;
let statics;
let tags = 0;

before(async () => {
  assert.ok(server, "SSE_SERVER_URL is set by the test command to the test server's URL");
  statics = await servePackage();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await statics?.close();
});

/**
 * `count` tabs of one new browser context, each with the package loaded and `follow(url,
 * options)` defined: it opens a shared stream and records every message's id in `seen`.
 * `withoutSharedWorker` removes `SharedWorker` before any page script runs.
 */
async function tabs(count, { withoutSharedWorker = false } = {}) {
  const context = await browser.newContext();
  if (withoutSharedWorker) await context.addInitScript(() => { delete globalThis.SharedWorker; });
  const pages = [];
  const problems = [];
  for (let i = 0; i < count; i++) {
    const page = await context.newPage();
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(`${statics.url}/`);
    await page.evaluate(async () => {
      const module = await import("/npm/index.js");
      await module.default();
      globalThis.wasmSse = module;
      globalThis.seen = [];
      globalThis.states = [];
      globalThis.follow = (url, options = {}) => {
        const stream = new module.EventStream(url, {
          shared: true,
          ...options,
          onError: (error) => globalThis.states.push(`error:${error.kind}`),
        });
        globalThis.stream = stream;
        globalThis.finished = (async () => {
          try {
            for await (const message of stream) globalThis.seen.push(Number(message.lastEventId));
          } catch (error) {
            return `error:${error.kind}`;
          }
          return stream.endReason;
        })();
        return { sharing: module.EventStream.sharing, shared: stream.shared };
      };
    });
    pages.push(page);
  }
  return { context, pages, problems };
}

/** Polls `page` until `predicate(arg)` holds there (an event-driven wait, 15 s at most). */
function until(page, predicate, arg) {
  return page.waitForFunction(predicate, arg, { timeout: 15_000, polling: 20 });
}

/**
 * The id each connection of `tag` resumed after, `null` for none: the `Last-Event-ID` header,
 * or the `lastEventId` query parameter, which the browser's EventSource is given instead for
 * its first request (it cannot send the header then).
 */
async function resumedAfter(tag) {
  return (await connections(tag)).map((record) => record.last_event_id ?? new URLSearchParams(record.query).get("lastEventId"));
}

const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

for (const transport of ["fetch", "eventsource"]) {
  // After the last id the stream reconnects with Last-Event-ID and the server answers 204:
  // the end over fetch, a failed connection to the browser's EventSource.
  const ended = transport === "fetch" ? "no-content" : "error:connection-failed";
  for (const withoutSharedWorker of [false, true]) {
    const path = withoutSharedWorker ? "Web Locks leader" : "SharedWorker";

    test(`${path}, ${transport}: 4 tabs read one connection, each every message once, in order`, async () => {
      const tag = `shared-${tags++}`;
      const { context, pages, problems } = await tabs(4, { withoutSharedWorker });
      const url = `${server}/counter?count=30&interval_ms=10&first_after_ms=400&after=eof&tag=${tag}`;
      for (const page of pages) {
        const how = await page.evaluate(([url, transport]) => follow(url, { transport }), [url, transport]);
        assert.deepEqual(how, { sharing: withoutSharedWorker ? "locks" : "worker", shared: true });
      }
      // Every tab counts the four (the worker counts ports, the leader the lock's queue).
      for (const page of pages) await until(page, () => stream.tabs === 4);
      for (const page of pages) {
        assert.equal(await page.evaluate(() => finished), ended);
        assert.deepEqual(await page.evaluate(() => seen), range(1, 30));
      }
      assert.deepEqual(await resumedAfter(tag), [null, "30"]);
      assert.equal((await stats(tag)).open, 0);
      assert.deepEqual(problems, []);
      await context.close();
    });

    test(`${path}, ${transport}: closing the first tab mid-stream loses and repeats nothing in the others`, async () => {
      const tag = `shared-${tags++}`;
      const { context, pages, problems } = await tabs(4, { withoutSharedWorker });
      const url = `${server}/counter?count=60&interval_ms=25&first_after_ms=400&after=eof&tag=${tag}`;
      for (const page of pages) await page.evaluate(([url, transport]) => follow(url, { transport }), [url, transport]);
      await until(pages[0], () => seen.length >= 15);
      await pages[0].close();
      for (const page of pages.slice(1)) {
        assert.equal(await page.evaluate(() => finished), ended);
        assert.deepEqual(await page.evaluate(() => seen), range(1, 60));
      }
      const resumed = await resumedAfter(tag);
      if (withoutSharedWorker) {
        // The leader (the first tab) left: the next one resumed after what it had delivered.
        assert.equal(resumed.length, 3, JSON.stringify(resumed));
        assert.equal(resumed[0], null);
        assert.ok(Number(resumed[1]) >= 15 && Number(resumed[1]) < 60, JSON.stringify(resumed));
        assert.equal(resumed[2], "60");
      } else {
        // The worker holds the connection: a tab that leaves changes nothing upstream.
        assert.deepEqual(resumed, [null, "60"]);
      }
      assert.deepEqual(problems, []);
      await context.close();
    });

    test(`${path}, ${transport}: the connection stays while a tab reads it and is hung up when the last one leaves`, async () => {
      const tag = `shared-${tags++}`;
      const { context, pages, problems } = await tabs(3, { withoutSharedWorker });
      const url = `${server}/counter?interval_ms=50&tag=${tag}`;
      for (const page of pages) await page.evaluate(([url, transport]) => follow(url, { transport }), [url, transport]);
      for (const page of pages) await until(page, () => seen.length >= 3);
      // close() in one tab ends its stream alone.
      await pages[1].evaluate(() => stream.close());
      assert.equal(await pages[1].evaluate(() => finished), "closed");
      const at = await pages[2].evaluate(() => seen.length);
      await until(pages[2], (at) => seen.length >= at + 3, at);
      assert.equal((await stats(tag)).open, 1);
      await pages[0].close();
      const left = await pages[2].evaluate(() => seen.length);
      await until(pages[2], (left) => seen.length >= left + 3, left);
      await until(pages[2], () => stream.tabs === 1);
      await pages[2].close();
      await waitForOpen(tag, 0);
      const total = (await connections(tag)).length;
      assert.equal(total, withoutSharedWorker ? 2 : 1, `connections: ${total}`);
      assert.deepEqual(problems, []);
      await context.close();
    });
  }

  // Frozen through the DevTools protocol, a page's timers stop but its fetch and its
  // BroadcastChannel go on, so it may well keep leading; a page paused in the debugger is
  // silent altogether (a hung or frozen renderer), and the others must take its lock.
  for (const how of ["frozen", "paused"]) {
    test(`Web Locks leader, ${transport}: a ${how} leader loses nothing and repeats nothing in the others`, async () => {
      const tag = `shared-${tags++}`;
      const { context, pages, problems } = await tabs(3, { withoutSharedWorker: true });
      const url = `${server}/counter?count=80&interval_ms=50&first_after_ms=400&after=eof&tag=${tag}`;
      for (const page of pages) await page.evaluate(([url, transport]) => follow(url, { transport }), [url, transport]);
      await until(pages[0], () => seen.length >= 10);
      const cdp = await context.newCDPSession(pages[0]);
      if (how === "frozen") {
        await cdp.send("Page.setWebLifecycleState", { state: "frozen" });
      } else {
        await cdp.send("Debugger.enable");
        await cdp.send("Debugger.pause");
      }
      for (const page of pages.slice(1)) {
        assert.equal(await page.evaluate(() => finished), ended);
        assert.deepEqual(await page.evaluate(() => seen), range(1, 80));
      }
      const resumed = await resumedAfter(tag);
      assert.equal(resumed[0], null);
      assert.equal(resumed.at(-1), "80");
      if (how === "paused" || resumed.length === 3) {
        // At most one new connection, resuming after what the others had delivered.
        assert.equal(resumed.length, 3, JSON.stringify(resumed));
        assert.ok(Number(resumed[1]) >= 10 && Number(resumed[1]) < 80, JSON.stringify(resumed));
      } else {
        assert.equal(resumed.length, 2, JSON.stringify(resumed));
      }
      if (how === "frozen") await cdp.send("Page.setWebLifecycleState", { state: "active" });
      else await cdp.send("Debugger.resume");
      assert.deepEqual(problems, []);
      await context.close();
    });
  }
}

for (const withoutSharedWorker of [false, true]) {
  const path = withoutSharedWorker ? "Web Locks leader" : "SharedWorker";
  test(`${path}: a dropped connection reaches every tab as an error, and every tab resumes with it`, async () => {
    const tag = `shared-${tags++}`;
    const { context, pages, problems } = await tabs(3, { withoutSharedWorker });
    const url = `${server}/counter?interval_ms=40&first_after_ms=400&tag=${tag}`;
    for (const page of pages) await page.evaluate(([url]) => follow(url, { transport: "fetch", retry: { initialDelayMs: 100 } }), [url]);
    for (const page of pages) await until(page, () => seen.length >= 5);
    await fetch(`${server}/control/drop?tag=${tag}`);
    for (const page of pages) {
      await until(page, () => states.includes("error:stream-ended") && seen.length >= 20);
      const seen = await page.evaluate(() => seen.slice(0, 20));
      assert.deepEqual(seen, range(1, 20));
    }
    const resumed = await resumedAfter(tag);
    assert.equal(resumed.length, 2, JSON.stringify(resumed));
    assert.equal(resumed[0], null);
    assert.ok(Number(resumed[1]) >= 5, JSON.stringify(resumed));
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test("8 tabs, more than the 6 connections a browser opens per origin, all read the stream", async () => {
  // Without sharing, the 7th tab's stream would wait for a connection that never frees up.
  const tag = `shared-${tags++}`;
  const { context, pages, problems } = await tabs(8);
  const url = `${server}/counter?count=10&interval_ms=20&first_after_ms=400&after=eof&tag=${tag}`;
  for (const page of pages) await page.evaluate((url) => follow(url, { transport: "fetch" }), url);
  for (const page of pages) {
    assert.equal(await page.evaluate(() => finished), "no-content");
    assert.deepEqual(await page.evaluate(() => [seen, stream.tabs]), [range(1, 10), 8]);
  }
  assert.deepEqual(await resumedAfter(tag), [null, "10"]);
  assert.deepEqual(problems, []);
  await context.close();
});

test("endOn ends one tab's stream at its marker; the other tabs and the connection go on", async () => {
  const tag = `shared-${tags++}`;
  const { context, pages, problems } = await tabs(2);
  const url = `${server}/counter?count=6&interval_ms=20&first_after_ms=400&after=eof&tag=${tag}`;
  // The first tab reads only once everything has arrived: what follows the marker is queued.
  await pages[0].evaluate((url) => {
    globalThis.late = new wasmSse.EventStream(url, { shared: true, transport: "fetch", endOn: '{"seq":3}' });
  }, url);
  await pages[1].evaluate((url) => follow(url, { transport: "fetch" }), url);
  assert.deepEqual(await pages[1].evaluate(async () => [await finished, seen]), ["no-content", range(1, 6)]);
  const late = await pages[0].evaluate(async () => {
    const ids = [];
    for await (const message of late) ids.push(Number(message.lastEventId));
    return [ids, late.endReason];
  });
  assert.deepEqual(late, [[1, 2], "end-marker"]);
  assert.deepEqual(await resumedAfter(tag), [null, "6"]);
  assert.deepEqual(problems, []);
  await context.close();
});

test("streams of different requests do not share; a bad option throws as without sharing", async () => {
  const tag = `shared-${tags++}`;
  const { context, pages } = await tabs(2);
  const url = `${server}/counter?interval_ms=50&tag=${tag}`;
  await pages[0].evaluate((url) => follow(url, { transport: "fetch", headers: { "x-tab": "a" } }), url);
  await pages[1].evaluate((url) => follow(url, { transport: "fetch", headers: { "x-tab": "b" } }), url);
  for (const page of pages) await until(page, () => seen.length >= 2);
  assert.equal((await stats(tag)).open, 2);
  const thrown = await pages[0].evaluate((url) => {
    const kinds = [];
    for (const options of [{ shared: "yes" }, { shared: true, headers: () => ({}), transport: "fetch" }, { shared: true, transport: "eventsource", method: "POST" }]) {
      try {
        new wasmSse.EventStream(url, options);
      } catch (error) {
        kinds.push([error.kind, error.option]);
      }
    }
    try {
      new wasmSse.EventStream("http://[", { shared: true });
    } catch (error) {
      kinds.push([error.kind]);
    }
    return kinds;
  }, url);
  assert.deepEqual(thrown, [["options", "shared"], ["options", "headers"], ["options", "method"], ["invalid-url"]]);
  await context.close();
  await waitForOpen(tag, 0);
});

test("a tab that stops reading fails with an overflow error past 16 MiB, and the others read on", async () => {
  const tag = `shared-${tags++}`;
  const { context, pages, problems } = await tabs(2);
  // 150,000 events of ~127 bytes: 19 MB, more than the 16 MiB a stream may leave unread.
  const url = `${server}/bulk?count=150000&payload=64&tag=${tag}`;
  await pages[0].evaluate((url) => {
    follow(url, { transport: "fetch" });
  }, url);
  await pages[1].evaluate((url) => {
    globalThis.idle = new wasmSse.EventStream(url, { shared: true, transport: "fetch" });
  }, url);
  assert.equal(await pages[0].evaluate(() => finished), "no-content");
  const read = await pages[0].evaluate(() => seen.every((id, at) => id === at + 1) && seen.length);
  assert.equal(read, 150000);
  const idle = await pages[1].evaluate(async () => {
    const failure = await idle.next().then(() => null, (error) => error.kind);
    return { failure, state: idle.state, endReason: idle.endReason };
  });
  assert.deepEqual(idle, { failure: "overflow", state: "closed", endReason: "error" });
  assert.deepEqual(problems, []);
  await context.close();
});

test("the drop-in EventSource takes shared: true: two tabs, one connection, the spec's events in each", async () => {
  const tag = `shared-${tags++}`;
  const { context, pages, problems } = await tabs(2);
  const url = `${server}/counter?count=5&interval_ms=20&first_after_ms=400&event=tick&tag=${tag}`;
  const runs = pages.map((page) => page.evaluate((url) => new Promise((resolve) => {
    const source = new wasmSse.EventSource(url, { shared: true });
    const events = [];
    source.onopen = () => events.push(`open:${source.readyState}`);
    source.addEventListener("tick", (event) => {
      events.push(`${event.type}:${event.lastEventId}:${event.data}`);
      if (event.lastEventId === "5") {
        source.close();
        resolve({ events, readyState: source.readyState, isMessageEvent: event instanceof MessageEvent });
      }
    });
  }), url));
  const expected = ["open:1", ...[1, 2, 3, 4, 5].map((id) => `tick:${id}:{"seq":${id}}`)];
  for (const run of await Promise.all(runs)) {
    assert.deepEqual(run, { events: expected, readyState: 2, isMessageEvent: true });
  }
  await waitForOpen(tag, 0);
  assert.equal((await connections(tag)).length, 1);
  assert.deepEqual(problems, []);
  await context.close();
});
