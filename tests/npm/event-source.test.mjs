// The drop-in `EventSource` class in headless Chromium, over both transports, against the
// test server: the interface and event sequence of the browser's own EventSource (the spec's
// readyState/error steps), and the extensions. The package is loaded from another origin,
// so every stream is cross-origin. Each test uses its own tag.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, packagePage, runInPage, serverHelpers, servePackage } from "./browser.mjs";

const server = process.env.SSE_SERVER_URL;
const { reset, connections, waitForOpen } = serverHelpers(server);
let browser;
let statics;
let page;
let problems;

before(async () => {
  assert.ok(server, "SSE_SERVER_URL is set by the test command to the test server's URL");
  statics = await servePackage();
  browser = await launchBrowser();
  ({ page, problems } = await packagePage(browser, statics.url));
  await page.evaluate(() => {
    // Opens `url` with `init`, hands each event to `record(event, source, done)` and
    // resolves with what `done(value)` is given; the source is closed then.
    globalThis.until = (url, init, record) => new Promise((resolve) => {
      const source = new wasmSse.EventSource(url, init);
      record(source, (value) => {
        source.close();
        resolve(value);
      });
    });
  });
});

after(async () => {
  await browser?.close();
  await statics?.close();
});

function inPage(body, arg) {
  return runInPage(page, server, body, arg);
}

test("the class has the WHATWG interface: constants, accessors, EventTarget, errors of the constructor", async () => {
  const facts = await inPage((server) => {
    const { EventSource } = wasmSse;
    const thrown = (make) => {
      try {
        make();
      } catch (error) {
        return { name: error.name, isDOMException: error instanceof DOMException, kind: error.kind ?? null };
      }
      return null;
    };
    const source = new EventSource(`${server}/counter?count=1&tag=interface`);
    const proto = EventSource.prototype;
    const facts = {
      constants: [EventSource.CONNECTING, EventSource.OPEN, EventSource.CLOSED, source.CONNECTING, source.OPEN, source.CLOSED],
      length: EventSource.length,
      eventTarget: source instanceof EventTarget,
      tag: Object.prototype.toString.call(source),
      accessors: ["url", "withCredentials", "readyState", "onopen", "onmessage", "onerror"]
        .filter((name) => typeof Object.getOwnPropertyDescriptor(proto, name)?.get === "function"),
      readyState: source.readyState,
      withCredentials: [source.withCredentials, new EventSource(`${server}/counter?count=1`, { withCredentials: 1 }).withCredentials],
      // readyState of something that is not an EventSource: a TypeError, as WebIDL has it.
      brand: thrown(() => Object.getOwnPropertyDescriptor(proto, "readyState").get.call({})),
      noArgument: thrown(() => new EventSource()),
      badUrl: thrown(() => new EventSource("http://[bad")),
      stringified: new EventSource({ toString: () => `${server}/counter?count=1` }).url,
    };
    source.close();
    facts.closed = source.readyState;
    return facts;
  });
  assert.deepEqual(facts, {
    constants: [0, 1, 2, 0, 1, 2],
    length: 1,
    eventTarget: true,
    tag: "[object EventSource]",
    accessors: ["url", "withCredentials", "readyState", "onopen", "onmessage", "onerror"],
    readyState: 0,
    withCredentials: [false, true],
    brand: { name: "TypeError", isDOMException: false, kind: null },
    noArgument: { name: "TypeError", isDOMException: false, kind: null },
    badUrl: { name: "SyntaxError", isDOMException: true, kind: "invalid-url" },
    stringified: `${server}/counter?count=1`,
    closed: 2,
  });
});

test("installed as globalThis.EventSource, it still opens the browser's own", async () => {
  const seen = await inPage(async (server) => {
    const native = globalThis.EventSource;
    globalThis.EventSource = wasmSse.EventSource;
    try {
      return await until(`${server}/counter?count=2&tag=installed`, undefined, (source, done) => {
        const seen = [];
        source.onmessage = (event) => {
          seen.push(event.data);
          if (seen.length === 2) done(seen);
        };
      });
    } finally {
      globalThis.EventSource = native;
    }
  });
  assert.deepEqual(seen, ['{"seq":1}', '{"seq":2}']);
});

for (const transport of ["eventsource", "fetch"]) {
  test(`${transport}: a URL that parses but cannot be fetched gives CLOSED and an error event, not an exception`, async () => {
    const seen = await inPage((server, transport) => {
      const { EventSource } = globalThis.wasmSse;
      return Promise.all(["ftp://example.invalid/", "mailto:someone@example.invalid", "about:blank"].map((url) => new Promise((resolve) => {
        let source;
        try {
          source = new EventSource(url, { transport });
        } catch (error) {
          resolve(`thrown ${error.name}`);
          return;
        }
        const atOnce = source.readyState;
        source.onerror = () => resolve([source.url, atOnce, source.readyState, source.endReason]);
      })));
    }, transport);
    // As the browser's own EventSource: CONNECTING, then CLOSED with an error event.
    assert.deepEqual(seen, [["ftp://example.invalid/", 0, 2, "error"], ["mailto:someone@example.invalid", 0, 2, "error"], ["about:blank", 0, 2, "error"]]);
    // Closed before it is told, it tells nothing and says it was closed.
    const closed = await inPage((server, transport) => new Promise((resolve) => {
      const source = new wasmSse.EventSource("ftp://example.invalid/", { transport });
      let errors = 0;
      source.onerror = () => errors++;
      source.close();
      // A task queued after the one that would have told the failure: it runs after it.
      setTimeout(() => resolve([source.readyState, source.endReason, errors]), 0);
    }), transport);
    assert.deepEqual(closed, [2, "closed", 0]);
  });

  test(`${transport}: open, then MessageEvents with data, origin and lastEventId, readyState OPEN in each`, async () => {
    const tag = `es-order-${transport}`;
    await reset(tag);
    const seen = await inPage((server, [tag, transport]) => until(`${server}/counter?count=3&tag=${tag}`, { transport }, (source, done) => {
      const seen = [];
      source.onopen = function (event) {
        seen.push(["open", event.constructor.name, this === source, source.readyState]);
      };
      source.addEventListener("message", (event) => {
        const kind = event instanceof MessageEvent && event instanceof Event ? Object.prototype.toString.call(event) : "not a MessageEvent";
        seen.push([kind, event.type, event.data, event.lastEventId, event.origin, event.ports.length, event.source, event.target === source, source.readyState]);
        if (seen.length === 4) done(seen);
      });
    }), [tag, transport]);
    const origin = new URL(server).origin;
    assert.deepEqual(seen, [
      ["open", "Event", true, 1],
      ["[object MessageEvent]", "message", '{"seq":1}', "1", origin, 0, null, true, 1],
      ["[object MessageEvent]", "message", '{"seq":2}', "2", origin, 0, null, true, 1],
      ["[object MessageEvent]", "message", '{"seq":3}', "3", origin, 0, null, true, 1],
    ]);
  });

  test(`${transport}: a listener added after construction receives its type; open and error named events reach their listeners as MessageEvents`, async () => {
    const tag = `es-named-${transport}`;
    const seen = await inPage((server, [tag, transport]) => until(`${server}/named?tag=${tag}`, { transport }, (source, done) => {
      const seen = [];
      setTimeout(() => {
        source.addEventListener("tick", (event) => seen.push(`tick ${event.data}`));
        source.addEventListener("open", (event) => seen.push(event instanceof MessageEvent ? `open message ${event.data}` : "open"));
        source.addEventListener("error", (event) => {
          seen.push(event instanceof MessageEvent ? `error message ${event.data}` : "error");
          if (event instanceof MessageEvent) done(seen);
        });
      }, 0);
    }), [tag, transport]);
    assert.deepEqual(seen, ["open", "tick 1", "tick 3", "open message not-an-open", "error message not-an-error"]);
  });

  test(`${transport}: a reconnect is readyState CONNECTING and an error event, then open, resuming after the last id`, async () => {
    const tag = `es-reconnect-${transport}`;
    await reset(tag);
    const seen = await inPage((server, [tag, transport]) => until(`${server}/counter?count=4&drop_after=2&retry=50&tag=${tag}`, { transport }, (source, done) => {
      const seen = [];
      source.onopen = () => seen.push(`open ${source.readyState}`);
      source.onerror = (event) => seen.push(`error ${source.readyState} ${event.error.kind}`);
      source.onmessage = (event) => {
        seen.push(event.lastEventId);
        if (event.lastEventId === "4") done(seen);
      };
    }), [tag, transport]);
    const kind = transport === "fetch" ? "stream-ended" : "disconnected";
    assert.deepEqual(seen, ["open 1", "1", "2", `error 0 ${kind}`, "open 1", "3", "4"]);
    const ids = (await connections(tag)).map((record) => record.last_event_id);
    assert.deepEqual(ids, [null, "2"]);
  });

  test(`${transport}: an HTTP error fails the connection: readyState CLOSED in one error event, no second request`, async () => {
    const tag = `es-fatal-${transport}`;
    await reset(tag);
    const seen = await inPage((server, [tag, transport]) => until(`${server}/status/404?tag=${tag}`, { transport }, (source, done) => {
      const seen = [];
      source.onerror = (event) => {
        seen.push([source.readyState, event.error.kind, event.error.status ?? null, event.endReason]);
        // Another error event would come within the retry delay the server would get.
        setTimeout(() => done(seen), 300);
      };
    }), [tag, transport]);
    const error = transport === "fetch" ? [2, "status", 404, "error"] : [2, "connection-failed", null, "error"];
    assert.deepEqual(seen, [error]);
    assert.equal((await connections(tag)).length, 1);
  });

  test(`${transport}: close() inside a listener stops delivery at once and hangs up`, async () => {
    const tag = `es-close-${transport}`;
    await reset(tag);
    const seen = await inPage((server, [tag, transport]) => new Promise((resolve) => {
      const source = new wasmSse.EventSource(`${server}/bulk?count=200&payload=8&tag=${tag}`, { transport });
      const seen = [];
      source.onmessage = (event) => {
        seen.push(event.lastEventId);
        if (seen.length === 3) {
          source.close();
          // Messages of the same read already received must not follow.
          setTimeout(() => resolve([seen, source.readyState]), 200);
        }
      };
    }), [tag, transport]);
    assert.deepEqual(seen, [["1", "2", "3"], 2]);
    await waitForOpen(tag, 0);
  });

  test(`${transport}: restart() drops the connection and resumes at once from the last id`, async () => {
    const tag = `es-restart-${transport}`;
    await reset(tag);
    const seen = await inPage((server, [tag, transport]) => until(`${server}/counter?count=4&interval_ms=30&tag=${tag}`, { transport }, (source, done) => {
      const seen = [];
      source.onopen = () => seen.push("open");
      source.onmessage = (event) => {
        seen.push(event.lastEventId);
        if (event.lastEventId === "2" && seen.length === 3) source.restart();
        if (event.lastEventId === "4") done(seen);
      };
    }), [tag, transport]);
    assert.deepEqual(seen, ["open", "1", "2", "open", "3", "4"]);
    const requests = await connections(tag);
    assert.equal(requests.length, 2);
    // A new browser EventSource cannot send the header: the id goes in a parameter.
    const resumed = transport === "fetch" ? requests[1].last_event_id : new URLSearchParams(requests[1].query).get("lastEventId");
    assert.equal(resumed, "2");
  });
}

test("fetch: the extensions reach the class: POST with a body and headers, endOn, and the response", async () => {
  const tag = "es-chat";
  await reset(tag);
  const seen = await inPage((server, tag) => until(`${server}/v1/chat/completions?tag=${tag}&reply=Hi%20there`, {
    transport: "fetch",
    method: "POST",
    headers: () => ({ "content-type": "application/json" }),
    body: JSON.stringify({ stream: true }),
    endOn: "[DONE]",
  }, (source, done) => {
    let text = "";
    source.onopen = () => {
      text += `[${source.response.status}]`;
    };
    source.onmessage = (event) => {
      text += JSON.parse(event.data).choices[0].delta.content ?? "";
    };
    source.onerror = (event) => done([text, source.readyState, event.error, event.endReason]);
  }), tag);
  assert.deepEqual(seen, ["[200]Hi there", 2, null, "end-marker"]);
  const requests = await connections(tag);
  assert.deepEqual(requests.map((record) => [record.method, record.body]), [["POST", '{"stream":true}']]);
});

test("options the class has its own way for are refused, naming the way", async () => {
  const errors = await inPage((server) => ["json", "events", "onOpen", "onError"].map((option) => {
    try {
      new wasmSse.EventSource(`${server}/counter`, { [option]: option === "events" ? [] : true });
    } catch (error) {
      return [error.name, error.kind, error.option, /EventSource option/.test(error.message)];
    }
    return null;
  }));
  assert.deepEqual(errors, [
    ["EventStreamError", "options", "json", true],
    ["EventStreamError", "options", "events", true],
    ["EventStreamError", "options", "onOpen", true],
    ["EventStreamError", "options", "onError", true],
  ]);
});

test("EventStream: allEvents delivers every type over fetch; lastEventIds: false leaves ids empty but still resumes", async () => {
  const tag = "es-ids-off";
  await reset(tag);
  const [types, ids] = await inPage(async (server, tag) => {
    const all = new wasmSse.EventStream(`${server}/named?tag=${tag}-all`, { transport: "fetch", allEvents: true });
    const types = [];
    for await (const event of all) {
      types.push(event.type);
      if (types.length === 6) break;
    }
    const quiet = new wasmSse.EventStream(`${server}/counter?count=4&drop_after=2&retry=50&tag=${tag}`, { transport: "fetch", lastEventIds: false });
    const ids = [];
    for await (const event of quiet) {
      ids.push([event.data, event.lastEventId]);
      if (ids.length === 4) break;
    }
    return [types, ids];
  }, tag);
  assert.deepEqual(types, ["tick", "message", "tock", "tick", "open", "error"]);
  assert.deepEqual(ids, [['{"seq":1}', ""], ['{"seq":2}', ""], ['{"seq":3}', ""], ['{"seq":4}', ""]]);
  assert.deepEqual((await connections(tag)).map((record) => record.last_event_id), [null, "2"]);
});

test("credentials: \"omit\" sends no cookie over fetch; with the browser's EventSource it is refused", async () => {
  const tag = "es-credentials";
  await reset(tag);
  const result = await inPage(async (server, tag) => {
    // A cookie for the server's origin, then two requests that may carry it.
    await fetch(`${server}/set-cookie?name=session&value=1&tag=${tag}`, { credentials: "include" });
    const cookies = [];
    for (const credentials of ["include", "omit"]) {
      const stream = new wasmSse.EventStream(`${server}/counter?count=1&tag=${tag}`, { transport: "fetch", credentials });
      await stream.next();
      stream.close();
      cookies.push(credentials);
    }
    let refused = null;
    try {
      new wasmSse.EventStream(`${server}/counter`, { credentials: "omit" });
    } catch (error) {
      refused = [error.kind, error.option];
    }
    return [cookies, refused];
  }, tag);
  assert.deepEqual(result[1], ["options", "credentials"]);
  const requests = (await connections(tag)).filter((record) => record.path === "/counter");
  assert.deepEqual(requests.map((record) => "cookie" in record.headers), [true, false]);
});

test("the page logged no errors but the HTTP failures the tests asked for", () => {
  const asked = /404|Failed to load resource|Cross origin requests are only supported for protocol schemes/;
  assert.deepEqual(problems.filter((text) => !asked.test(text)), []);
});
