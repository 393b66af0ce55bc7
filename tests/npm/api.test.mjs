// The npm package's JavaScript API in headless Chromium, as a user's page would use it: the
// built package (pkg/web) is loaded from a static server of another origin and reads streams
// of the test server (SSE_SERVER_URL). Each test uses its own `tag`, so the server's
// counters (`/stats`) and connection log (`/log`) are its own.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, packagePage, runInPage, serverHelpers, servePackage } from "./browser.mjs";

const server = process.env.SSE_SERVER_URL;
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
    // Reads up to `count` messages, then breaks out of the loop (which closes the stream).
    globalThis.take = async (stream, count) => {
      const events = [];
      if (count === 0) return events;
      for await (const event of stream) {
        events.push(event);
        if (events.length === count) break;
      }
      return events;
    };
    // The error a construction throws, as plain data.
    globalThis.thrown = (make) => {
      try {
        make();
      } catch (error) {
        return { isError: error instanceof Error, name: error.name, kind: error.kind, option: error.option, message: error.message };
      }
      return null;
    };
  });
});

after(async () => {
  await browser?.close();
  await statics?.close();
});

/** Runs `body(server, arg)` in the page (or `on`), failing after 15 s instead of hanging. */
function inPage(body, arg, on = page) {
  return runInPage(on, server, body, arg);
}

const { reset, stats, log, connections, waitForOpen } = serverHelpers(server);

const counterEvent = (id, origin) => ({ type: "message", data: `{"seq":${id}}`, lastEventId: `${id}`, origin });

test("a bad option throws at construction, naming the option", async () => {
  const errors = await inPage(() => {
    const { EventStream } = globalThis.wasmSse;
    const cases = {
      transport: { transport: "websocket" },
      negativeDelay: { retry: { initialDelayMs: -1 } },
      negativeMaxDelay: { transport: "fetch", retry: { maxDelayMs: -5 } },
      fractionalAttempts: { retry: { maxAttempts: 1.5 } },
      misspelt: { header: { a: "b" } },
      misspeltRetry: { retry: { initialDelay: 10 } },
      jsonType: { json: "yes" },
      events: { events: "tick" },
      headerValue: { transport: "fetch", headers: { "X-Count": 3 } },
      fetchOnly: { method: "POST" },
      signal: { signal: {} },
      notAnObject: "fetch",
    };
    return Object.fromEntries(
      Object.entries(cases).map(([name, options]) => [name, globalThis.thrown(() => new EventStream("/", options))]),
    );
  });
  const expected = {
    transport: ["transport", 'EventStream option "transport": expected "eventsource" or "fetch", got "websocket"'],
    negativeDelay: ["retry.initialDelayMs", 'EventStream option "retry.initialDelayMs": expected a finite number of at least 0, got -1'],
    negativeMaxDelay: ["retry.maxDelayMs", 'EventStream option "retry.maxDelayMs": expected a finite number of at least 0, got -5'],
    fractionalAttempts: ["retry.maxAttempts", 'EventStream option "retry.maxAttempts": expected a whole number of at least 0, got 1.5'],
    misspelt: ["header", 'EventStream option "header": unknown option; known ones are transport, headers, method, body, withCredentials, credentials, events, allEvents, lastEventIds, retry, json, signal, lastEventId, lastEventIdParam, stallTimeoutMs, maxEventSize, buffer, resend, endOn, onOpen, onError, onComment'],
    misspeltRetry: ["retry.initialDelay", 'EventStream option "retry.initialDelay": unknown option; known ones are initialDelayMs, maxDelayMs, maxAttempts, factor, jitter, onStatus'],
    jsonType: ["json", 'EventStream option "json": expected true or false, got "yes"'],
    events: ["events", 'EventStream option "events": expected an array of strings, got "tick"'],
    headerValue: ["headers.X-Count", 'EventStream option "headers.X-Count": expected a string value'],
    fetchOnly: ["method", 'EventStream option "method": needs transport: "fetch" (the browser\'s EventSource cannot do it)'],
    signal: ["signal", 'EventStream option "signal": expected an AbortSignal, got object'],
    notAnObject: ["options", 'EventStream option "options": expected an object'],
  };
  for (const [name, [option, message]] of Object.entries(expected)) {
    assert.deepEqual(errors[name], { isError: true, name: "EventStreamError", kind: "options", option, message }, name);
  }
});

test("a URL that cannot be parsed throws an invalid-url error", async () => {
  const errors = await inPage(() => {
    const { EventStream } = globalThis.wasmSse;
    return [
      globalThis.thrown(() => new EventStream("http://[::1")),
      globalThis.thrown(() => new EventStream("data:text/plain,hi", { transport: "fetch" })),
      globalThis.thrown(() => new EventStream(42)),
    ];
  });
  assert.equal(errors[0].kind, "invalid-url");
  assert.match(errors[0].message, /^invalid URL "http:\/\/\[::1": /);
  assert.equal(errors[1].kind, "invalid-url");
  assert.match(errors[1].message, /only http: and https: URLs can be fetched/);
  assert.deepEqual([errors[2].kind, errors[2].option], ["options", "url"]);
});

for (const transport of ["eventsource", "fetch"]) {
  test(`${transport}: iterates messages in order with type, data, lastEventId and origin`, async () => {
    const tag = `npm-iterate-${transport}`;
    const result = await inPage(async (server, [tag, transport]) => {
      const { EventStream } = globalThis.wasmSse;
      const stream = new EventStream(`${server}/counter?count=3&tag=${tag}`, { transport });
      const states = [stream.readyState];
      const events = [];
      for await (const event of stream) {
        events.push(event);
        states.push(stream.readyState);
        if (events.length === 3) break;
      }
      return { events, states, after: [stream.readyState, stream.state], url: stream.url, lastEventId: stream.lastEventId };
    }, [tag, transport]);
    assert.deepEqual(result.events, [1, 2, 3].map((id) => counterEvent(id, server)));
    assert.deepEqual(result.states, [0, 1, 1, 1]);
    assert.deepEqual(result.after, [2, "closed"]);
    assert.equal(result.url, `${server}/counter?count=3&tag=${tag}`);
    assert.equal(result.lastEventId, "3");
  });

  test(`${transport}: breaking out of for-await closes the connection`, async () => {
    const tag = `npm-break-${transport}`;
    const events = await inPage(async (server, [tag, transport]) => {
      const { EventStream } = globalThis.wasmSse;
      const stream = new EventStream(`${server}/counter?interval_ms=20&tag=${tag}`, { transport });
      const events = await globalThis.take(stream, 2);
      return { data: events.map((event) => event.data), readyState: stream.readyState, next: await stream.next() };
    }, [tag, transport]);
    assert.deepEqual(events, { data: ['{"seq":1}', '{"seq":2}'], readyState: 2, next: { done: true, value: undefined } });
    await waitForOpen(tag, 0);
  });

  test(`${transport}: close() ends a pending next() and every later one`, async () => {
    const tag = `npm-close-${transport}`;
    const result = await inPage(async (server, [tag, transport]) => {
      const { EventStream } = globalThis.wasmSse;
      // `/named` sends its events at once, then holds: the third next() waits.
      const stream = new EventStream(`${server}/named?tag=${tag}`, { transport });
      const first = await stream.next();
      const pending = stream.next();
      stream.close();
      stream.close();
      return { first: first.value.data, pending: await pending, later: await stream.next(), state: stream.state };
    }, [tag, transport]);
    assert.deepEqual(result, { first: "plain", pending: { done: true, value: undefined }, later: { done: true, value: undefined }, state: "closed" });
    await waitForOpen(tag, 0);
  });

  test(`${transport}: a burst is served in order, lastEventId follows what was delivered, and close() drops the rest`, async () => {
    const tag = `npm-burst-${transport}`;
    const result = await inPage(async (server, [tag, transport]) => {
      const { EventStream } = globalThis.wasmSse;
      // 50 events written at once: they reach the page as one batch or a few.
      const stream = new EventStream(`${server}/counter?count=50&tag=${tag}`, { transport });
      const first = await stream.next();
      // Wait until the whole burst has surely arrived (and been queued), then ask for five
      // at once, without awaiting in between.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const five = await Promise.all([stream.next(), stream.next(), stream.next(), stream.next(), stream.next()]);
      const lastEventId = stream.lastEventId;
      stream.close();
      return { first: first.value.lastEventId, five: five.map((item) => item.value.lastEventId), lastEventId, after: await stream.next() };
    }, [tag, transport]);
    assert.deepEqual(result, { first: "1", five: ["2", "3", "4", "5", "6"], lastEventId: "6", after: { done: true, value: undefined } });
    await waitForOpen(tag, 0);
  });

  test(`${transport}: next() calls made before anything arrived are answered in call order`, async () => {
    const tag = `npm-early-${transport}`;
    const result = await inPage(async (server, [tag, transport]) => {
      const { EventStream } = globalThis.wasmSse;
      // The first event comes 100 ms after the others would have: all three calls wait.
      const stream = new EventStream(`${server}/counter?count=3&interval_ms=100&tag=${tag}`, { transport });
      const calls = [stream.next(), stream.next(), stream.next()];
      const settled = [];
      calls.forEach((call, index) => call.then(() => settled.push(index)));
      const results = await Promise.all(calls);
      stream.close();
      return { ids: results.map((item) => item.value.lastEventId), settled };
    }, [tag, transport]);
    assert.deepEqual(result, { ids: ["1", "2", "3"], settled: [0, 1, 2] });
  });

  test(`${transport}: aborting while messages are queued ends the iteration at once`, async () => {
    const tag = `npm-abort-queued-${transport}`;
    const result = await inPage(async (server, [tag, transport]) => {
      const { EventStream } = globalThis.wasmSse;
      const controller = new AbortController();
      const stream = new EventStream(`${server}/counter?count=50&tag=${tag}`, { transport, signal: controller.signal });
      const first = await stream.next();
      await new Promise((resolve) => setTimeout(resolve, 200));
      controller.abort();
      return { first: first.value.lastEventId, after: await stream.next(), readyState: stream.readyState };
    }, [tag, transport]);
    assert.deepEqual(result, { first: "1", after: { done: true, value: undefined }, readyState: 2 });
    await waitForOpen(tag, 0);
  });

  test(`${transport}: aborting the signal ends the iteration and closes the connection`, async () => {
    const tag = `npm-abort-${transport}`;
    const result = await inPage(async (server, [tag, transport]) => {
      const { EventStream } = globalThis.wasmSse;
      const controller = new AbortController();
      const stream = new EventStream(`${server}/counter?interval_ms=20&tag=${tag}`, { transport, signal: controller.signal });
      const seen = [];
      for await (const event of stream) {
        seen.push(event.lastEventId);
        if (seen.length === 2) controller.abort();
      }
      const aborted = new AbortController();
      aborted.abort();
      const never = new EventStream(`${server}/counter?tag=${tag}-pre`, { transport, signal: aborted.signal });
      return { seen, readyState: stream.readyState, preAborted: [never.readyState, await never.next()] };
    }, [tag, transport]);
    assert.deepEqual(result, { seen: ["1", "2"], readyState: 2, preAborted: [2, { done: true, value: undefined }] });
    await waitForOpen(tag, 0);
  });

  test(`${transport}: json mode parses data, and data that is not JSON is a decode error the stream goes on after`, async () => {
    const body = encodeURIComponent('id: 1\ndata: {"a":[1,2]}\n\nid: 2\ndata: not json\n\nid: 3\ndata: "text"\n\n');
    const result = await inPage(async (server, [body, transport]) => {
      const { EventStream } = globalThis.wasmSse;
      const errors = [];
      const stream = new EventStream(`${server}/raw?body=${body}&tag=npm-json`, {
        transport,
        json: true,
        onError: (error) => errors.push({ kind: error.kind, event: error.event, data: error.data, message: error.message }),
      });
      const events = await globalThis.take(stream, 2);
      return { data: events.map((event) => [event.lastEventId, event.data]), errors };
    }, [body, transport]);
    assert.deepEqual(result.data, [["1", { a: [1, 2] }], ["3", "text"]]);
    assert.equal(result.errors.length, 1);
    assert.deepEqual({ ...result.errors[0], message: undefined }, { kind: "decode", event: "message", data: "not json", message: undefined });
    assert.match(result.errors[0].message, /^could not decode "message" event data "not json": /);
  });

  test(`${transport}: named events are delivered when asked for, others are not`, async () => {
    const result = await inPage(async (server, transport) => {
      const { EventStream } = globalThis.wasmSse;
      const named = await globalThis.take(new EventStream(`${server}/named?tag=npm-named`, { transport, events: ["tick", "error"] }), 4);
      const plain = await globalThis.take(new EventStream(`${server}/named?tag=npm-named`, { transport }), 1);
      return { named: named.map((event) => [event.type, event.data]), plain: plain.map((event) => [event.type, event.data]) };
    }, transport);
    assert.deepEqual(result.named, [["tick", "1"], ["message", "plain"], ["tick", "3"], ["error", "not-an-error"]]);
    assert.deepEqual(result.plain, [["message", "plain"]]);
  });

  test(`${transport}: reconnects after the server ends the stream, resuming after the last event id`, async () => {
    const tag = `npm-resume-${transport}`;
    await reset(tag);
    const result = await inPage(async (server, [tag, transport]) => {
      const { EventStream } = globalThis.wasmSse;
      const calls = [];
      const stream = new EventStream(`${server}/counter?count=4&drop_after=2&retry=50&tag=${tag}`, {
        transport,
        retry: { initialDelayMs: 50 },
        onOpen: () => calls.push("open"),
        onError: (error) => calls.push(error.kind),
      });
      const events = await globalThis.take(stream, 4);
      return { ids: events.map((event) => event.lastEventId), calls };
    }, [tag, transport]);
    assert.deepEqual(result.ids, ["1", "2", "3", "4"]);
    const ended = transport === "fetch" ? "stream-ended" : "disconnected";
    assert.deepEqual(result.calls, ["open", ended, "open"]);
    const requests = (await log(tag)).filter((record) => record.method === "GET");
    assert.deepEqual(requests.map((record) => record.last_event_id), [null, "2"]);
  });
}

test("fetch: sends the method, headers, body and lastEventId", async () => {
  const echo = await inPage(async (server) => {
    const { EventStream } = globalThis.wasmSse;
    const stream = new EventStream(`${server}/echo?tag=npm-echo`, {
      transport: "fetch",
      method: "POST",
      headers: { Authorization: "Bearer secret", "X-Feed": "prices" },
      body: '{"topic":"prices"}',
      lastEventId: "41",
      events: ["echo"],
      json: true,
    });
    const [event] = await globalThis.take(stream, 1);
    return { type: event.type, ...event.data };
  });
  assert.equal(echo.type, "echo");
  assert.equal(echo.method, "POST");
  assert.equal(echo.body, '{"topic":"prices"}');
  assert.equal(echo.headers.authorization, "Bearer secret");
  assert.equal(echo.headers["x-feed"], "prices");
  assert.equal(echo.headers.accept, "text/event-stream");
  assert.equal(echo.headers["last-event-id"], "41");
});

test("fetch: headers may be a Headers or pairs, and the body bytes", async () => {
  const echoes = await inPage(async (server) => {
    const { EventStream } = globalThis.wasmSse;
    const read = async (options) => {
      const stream = new EventStream(`${server}/echo?tag=npm-echo-forms`, { transport: "fetch", events: ["echo"], json: true, method: "PUT", ...options });
      const [event] = await globalThis.take(stream, 1);
      return [event.data.headers["x-a"], event.data.body];
    };
    return [
      await read({ headers: new Headers({ "X-A": "from Headers" }), body: new TextEncoder().encode("bytes ✓") }),
      await read({ headers: [["X-A", "from pairs"]], body: new TextEncoder().encode("buffer").buffer }),
    ];
  });
  assert.deepEqual(echoes, [["from Headers", "bytes ✓"], ["from pairs", "buffer"]]);
});

test("a fatal error ends the iteration by throwing an Error with its kind and status", async () => {
  const result = await inPage(async (server) => {
    const { EventStream } = globalThis.wasmSse;
    const failure = async (url, options) => {
      const stream = new EventStream(url, options);
      try {
        for await (const event of stream) return { unexpected: event };
      } catch (error) {
        return { isError: error instanceof Error, kind: error.kind, status: error.status, message: error.message, readyState: stream.readyState, next: await stream.next() };
      }
      return { ended: true };
    };
    return {
      status: await failure(`${server}/status/404?tag=npm-fatal`, { transport: "fetch" }),
      contentType: await failure(`${server}/wrong-content-type?tag=npm-fatal`, { transport: "fetch" }),
      browser: await failure(`${server}/status/500?tag=npm-fatal`),
      retriesSpent: await failure(`${server}/status/503?tag=npm-fatal`, { transport: "fetch", retry: { initialDelayMs: 10, maxAttempts: 2 } }),
      noRetry: await failure(`${server}/status/503?tag=npm-fatal`, { transport: "fetch", retry: false, onError: () => { throw new Error("no error is recoverable without retries"); } }),
    };
  });
  assert.deepEqual(result.status, { isError: true, kind: "status", status: 404, message: "the server answered 404", readyState: 2, next: { done: true, value: undefined } });
  assert.deepEqual(result.contentType, {
    isError: true, kind: "content-type", status: undefined, message: "the server sent text/plain instead of text/event-stream", readyState: 2, next: { done: true, value: undefined },
  });
  assert.equal(result.browser.kind, "connection-failed");
  assert.equal(result.browser.status, undefined);
  assert.deepEqual([result.retriesSpent.kind, result.retriesSpent.status], ["status", 503]);
  assert.deepEqual([result.noRetry.kind, result.noRetry.status], ["status", 503]);
});

test("while reconnecting, state and reconnect say so, and onError hears each failure", async () => {
  const tag = "npm-reconnecting";
  await reset(tag);
  await fetch(`${server}/control/fail?tag=${tag}&n=2&status=503`);
  const result = await inPage(async (server, tag) => {
    const { EventStream } = globalThis.wasmSse;
    const seen = [];
    const stream = new EventStream(`${server}/counter?count=1&tag=${tag}`, {
      transport: "fetch",
      retry: { initialDelayMs: 40, factor: 1, jitter: 0 },
      onError: (error) => seen.push([error.kind, error.status, stream.state, stream.reconnect, stream.readyState]),
    });
    const [event] = await globalThis.take(stream, 1);
    return { seen, data: event.data };
  }, tag);
  assert.deepEqual(result.seen, [
    ["status", 503, "reconnecting", { attempt: 1, delayMs: 40 }, 0],
    ["status", 503, "reconnecting", { attempt: 2, delayMs: 40 }, 0],
  ]);
  assert.equal(result.data, '{"seq":1}');
});

test("calls to next() made together get successive messages", async () => {
  const ids = await inPage(async (server) => {
    const { EventStream } = globalThis.wasmSse;
    const stream = new EventStream(`${server}/counter?count=5&tag=npm-together`, { transport: "fetch" });
    const results = await Promise.all([stream.next(), stream.next(), stream.next()]);
    stream.close();
    return results.map((result) => result.value.lastEventId);
  });
  assert.deepEqual(ids, ["1", "2", "3"]);
});

test("the class says it is its own async iterator and carries EventSource's constants", async () => {
  const result = await inPage(async (server) => {
    const { EventStream } = globalThis.wasmSse;
    const stream = new EventStream(new URL(`${server}/counter?count=1&tag=npm-class`));
    const self = stream[Symbol.asyncIterator]() === stream;
    const returned = await stream.return("bye");
    return {
      self,
      returned,
      constants: [EventStream.CONNECTING, EventStream.OPEN, EventStream.CLOSED, stream.OPEN],
      readyState: stream.readyState,
    };
  });
  assert.deepEqual(result, { self: true, returned: { value: "bye", done: true }, constants: [0, 1, 2, 1], readyState: 2 });
});

// Inputs from the world: what the package did wrong when tried from outside the project.

test("a duration that is not a number of milliseconds from 0 to 2^53 - 1 is an option error, not a trap", async () => {
  const errors = await inPage(() => {
    const { EventStream } = globalThis.wasmSse;
    const cases = {
      hugeStall: { transport: "fetch", stallTimeoutMs: 1e300 },
      hugeInitial: { retry: { initialDelayMs: 1e300 } },
      hugeMax: { transport: "fetch", retry: { maxDelayMs: 1e300 } },
      pastSafe: { transport: "fetch", stallTimeoutMs: 2 ** 53 },
      negativeStall: { transport: "fetch", stallTimeoutMs: -1 },
      nanStall: { transport: "fetch", stallTimeoutMs: NaN },
      infiniteMax: { transport: "fetch", retry: { maxDelayMs: Infinity } },
      zeroStall: { transport: "fetch", stallTimeoutMs: 0 },
    };
    return Object.fromEntries(
      Object.entries(cases).map(([name, options]) => [name, globalThis.thrown(() => new EventStream("/", options))]),
    );
  });
  const most = "expected a number of milliseconds of at most 9007199254740991";
  const finite = "expected a finite number of at least 0";
  const expected = {
    hugeStall: ["stallTimeoutMs", `${most}, got 1e+300`],
    hugeInitial: ["retry.initialDelayMs", `${most}, got 1e+300`],
    hugeMax: ["retry.maxDelayMs", `${most}, got 1e+300`],
    pastSafe: ["stallTimeoutMs", `${most}, got 9007199254740992`],
    negativeStall: ["stallTimeoutMs", `${finite}, got -1`],
    nanStall: ["stallTimeoutMs", `${finite}, got NaN`],
    infiniteMax: ["retry.maxDelayMs", `${finite}, got Infinity`],
    zeroStall: ["stallTimeoutMs", "must be more than 0"],
  };
  for (const [name, [option, problem]] of Object.entries(expected)) {
    assert.deepEqual(errors[name], {
      isError: true, name: "EventStreamError", kind: "options", option, message: `EventStream option "${option}": ${problem}`,
    }, name);
  }
});

test("fetch: a stall timeout past the 24.8 days of one browser timer does not stall every read", async () => {
  const tag = "npm-long-stall";
  await reset(tag);
  const result = await inPage(async (server, tag) => {
    const { EventStream } = globalThis.wasmSse;
    const errors = [];
    const stream = new EventStream(`${server}/counter?count=3&interval_ms=30&tag=${tag}`, {
      transport: "fetch",
      stallTimeoutMs: 2 ** 31,
      onError: (error) => errors.push(error.kind),
    });
    const events = await globalThis.take(stream, 3);
    return { ids: events.map((event) => event.lastEventId), errors };
  }, tag);
  assert.deepEqual(result, { ids: ["1", "2", "3"], errors: [] });
  assert.equal((await connections(tag)).length, 1);
});

test("fetch: a non-Latin-1 event id goes back as its UTF-8 bytes and the stream goes on", async () => {
  const tag = "npm-utf8-id";
  await reset(tag);
  const ids = await inPage(async (server, tag) => {
    const { EventStream } = globalThis.wasmSse;
    const body = encodeURIComponent("id: café-😀-0\ndata: a\n\n");
    const stream = new EventStream(`${server}/raw?body=${body}&after=eof&tag=${tag}`, { transport: "fetch", retry: { initialDelayMs: 20 } });
    const events = await globalThis.take(stream, 2);
    return events.map((event) => event.lastEventId);
  }, tag);
  assert.deepEqual(ids, ["café-😀-0", "café-😀-0"]);
  const sent = (await connections(tag)).map((record) => record.last_event_id_hex);
  assert.deepEqual(sent, [null, Buffer.from("café-😀-0").toString("hex")]);
});

test("fetch: a 204 ends the iteration done, with no error, after the last message", async () => {
  const tag = "npm-204";
  await reset(tag);
  const result = await inPage(async (server, tag) => {
    const { EventStream } = globalThis.wasmSse;
    const errors = [];
    const stream = new EventStream(`${server}/counter?count=2&drop_after=2&tag=${tag}`, {
      transport: "fetch",
      retry: { initialDelayMs: 20 },
      onError: (error) => errors.push(error.kind),
    });
    const running = stream.endReason;
    const ids = [];
    for await (const event of stream) ids.push(event.lastEventId);
    return { ids, errors, running, endReason: stream.endReason, state: stream.state, readyState: stream.readyState, next: await stream.next() };
  }, tag);
  assert.deepEqual(result, {
    ids: ["1", "2"], errors: ["stream-ended"], running: null, endReason: "no-content", state: "closed", readyState: 2, next: { done: true, value: undefined },
  });
  assert.deepEqual((await connections(tag)).map((record) => record.status), [200, 204]);
});

test("endReason says whether a stream was closed or failed", async () => {
  const reasons = await inPage(async (server) => {
    const { EventStream } = globalThis.wasmSse;
    const closed = new EventStream(`${server}/counter?count=5&tag=npm-end-reason`, { transport: "fetch" });
    await globalThis.take(closed, 1);
    const failed = new EventStream(`${server}/status/404?tag=npm-end-reason`, { transport: "fetch" });
    await failed.next().catch(() => {});
    return [closed.endReason, failed.endReason];
  });
  assert.deepEqual(reasons, ["closed", "error"]);
});

test("fetch: a page's fetch wrapper may read the stream, close it or abort it while it connects", async () => {
  const tag = "npm-reentrant";
  await reset(tag);
  // A page of its own: a panic would poison the module that the other tests share.
  const { page: own, problems: ownProblems } = await packagePage(browser, statics.url);
  try {
    const result = await inPage(async (server, tag) => {
      const { EventStream } = globalThis.wasmSse;
      const original = globalThis.fetch;
      let inside = () => {};
      // What MSW, Sentry and auth wrappers do: run code of the page on every fetch.
      globalThis.fetch = (...args) => {
        inside();
        return original(...args);
      };
      const url = `${server}/counter?count=2&tag=${tag}`;
      const reader = new EventStream(url, { transport: "fetch" });
      const seen = [];
      inside = () => seen.push([reader.readyState, reader.state, reader.lastEventId, reader.reconnect, reader.endReason]);
      const events = [(await reader.next()).value, (await reader.next()).value];
      reader.close();

      const closer = new EventStream(url, { transport: "fetch" });
      inside = () => closer.close();
      const closed = await closer.next();

      const controller = new AbortController();
      const aborted = new EventStream(url, { transport: "fetch", signal: controller.signal });
      inside = () => controller.abort();
      const abortedNext = await aborted.next();
      globalThis.fetch = original;
      return {
        seen,
        ids: events.map((event) => event.lastEventId),
        closed: [closed, closer.state, closer.endReason],
        aborted: [abortedNext, aborted.state, aborted.endReason],
      };
    }, tag, own).catch((error) => assert.fail(`${error.message}; the page logged: ${ownProblems.join(" | ")}`));
    assert.deepEqual(result, {
      seen: [[0, "connecting", "", null, null]],
      ids: ["1", "2"],
      closed: [{ done: true, value: undefined }, "closed", "closed"],
      aborted: [{ done: true, value: undefined }, "closed", "closed"],
    });
    await waitForOpen(tag, 0);
    assert.deepEqual(ownProblems, []);
  } finally {
    await own.close();
  }
});

// LLM streams: an OpenAI-compatible POST, ended by [DONE], never sent again by surprise.

const completionBody = JSON.stringify({ model: "test", stream: true, messages: [{ role: "user", content: "Hi" }] });

/** Streams a completion of the test server in the page with `options`, breaking out after `stopAfter` messages; resolves to its text, errors and end reason. */
function complete(tag, params, options, stopAfter = 0) {
  return inPage(async (server, [tag, params, options, body, stopAfter]) => {
    const { EventStream } = globalThis.wasmSse;
    const errors = [];
    const stream = new EventStream(`${server}/v1/chat/completions?tag=${tag}${params}`, {
      transport: "fetch",
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
      json: true,
      retry: { initialDelayMs: 20 },
      onError: (error) => errors.push(error.kind),
      ...options,
    });
    let text = "";
    let thrown = null;
    let messages = 0;
    try {
      for await (const event of stream) {
        text += event.data.choices[0].delta.content ?? "";
        if (++messages === stopAfter) break;
      }
    } catch (error) {
      thrown = error.kind;
    }
    return { text, errors, thrown, endReason: stream.endReason };
  }, [tag, params, options, completionBody, stopAfter]);
}

async function posts(tag) {
  return (await connections(tag)).map((record) => [record.method, record.body === completionBody, record.last_event_id]);
}

test("fetch: a completion ended by [DONE] is one POST, its text whole, the marker not delivered", async () => {
  const tag = "npm-llm-done";
  await reset(tag);
  assert.deepEqual(await complete(tag, "", { endOn: "[DONE]" }), {
    text: "Hello! How can I help you today?", errors: [], thrown: null, endReason: "end-marker",
  });
  assert.deepEqual(await posts(tag), [["POST", true, null]]);
  await waitForOpen(tag, 0);
});

test("fetch: a POST without ids is not sent again after a clean end or an error, unless resend is set", async () => {
  const tags = ["npm-llm-eof", "npm-llm-error", "npm-llm-resend"];
  for (const tag of tags) await reset(tag);
  assert.deepEqual(await complete(tags[0], "&done=0", {}), {
    text: "Hello! How can I help you today?", errors: [], thrown: null, endReason: "response-ended",
  });
  assert.deepEqual(await complete(tags[1], "&error_after=2", { endOn: "[DONE]" }), {
    text: "Hello! How", errors: [], thrown: "network", endReason: "error",
  });
  // resend: broken off after two tokens, sent again, and read for one more token.
  assert.deepEqual(await complete(tags[2], "&error_after=2", { resend: true }, 3), {
    text: "Hello! HowHello!", errors: ["network"], thrown: null, endReason: "closed",
  });
  assert.deepEqual(await posts(tags[0]), [["POST", true, null]]);
  assert.deepEqual(await posts(tags[1]), [["POST", true, null]]);
  assert.deepEqual(await posts(tags[2]), [["POST", true, null], ["POST", true, null]]);
});

test("fetch: with ids a broken-off POST is sent again with its body and Last-Event-ID", async () => {
  const tag = "npm-llm-ids";
  await reset(tag);
  assert.deepEqual(await complete(tag, "&ids=1&error_after=3", { endOn: "[DONE]" }), {
    text: "Hello! How can I help you today?", errors: ["network", "network"], thrown: null, endReason: "end-marker",
  });
  assert.deepEqual(await posts(tag), [["POST", true, null], ["POST", true, "3"], ["POST", true, "6"]]);
});

test("fetch: a headers function runs before every request, a 401 refreshes once, and onOpen gets the response", async () => {
  const tags = ["npm-llm-token", "npm-llm-refresh"];
  for (const tag of tags) await reset(tag);
  const result = await inPage(async (server, [tags, body]) => {
    const { EventStream } = globalThis.wasmSse;
    const token = async (tag) => (await (await fetch(`${server}/v1/token?tag=${tag}`)).json()).token;
    const run = async (tag, params, makeHeaders) => {
      const calls = [];
      const responses = [];
      const stream = new EventStream(`${server}/v1/chat/completions?tag=${tag}${params}`, {
        transport: "fetch", method: "POST", body, json: true, endOn: "[DONE]", retry: { initialDelayMs: 20 },
        headers: () => makeHeaders(calls.push(calls.length + 1)),
        onOpen: (response) => responses.push([response.status, response.headers["content-type"]]),
      });
      let text = "";
      for await (const event of stream) text += event.data.choices[0].delta.content ?? "";
      return { text, calls: calls.length, responses };
    };
    return [
      // A promise of headers, made anew for each of the three requests the cuts cause.
      await run(tags[0], "&auth=1&ids=1&error_after=3", async () => ({ Authorization: `Bearer ${await token(tags[0])}` })),
      // The first token has expired: a 401, one refresh, one retry; plain objects this time.
      await run(tags[1], "&auth=1", (call) => (call === 1 ? { Authorization: "Bearer expired" } : token(tags[1]).then((t) => [["Authorization", `Bearer ${t}`]]))),
    ];
  }, [tags, completionBody]);
  const reply = "Hello! How can I help you today?";
  const opened = [200, "text/event-stream"];
  assert.deepEqual(result, [
    { text: reply, calls: 3, responses: [opened, opened, opened] },
    { text: reply, calls: 2, responses: [opened] },
  ]);
  const auth = async (tag) => (await connections(tag)).map((record) => [record.status, record.headers.authorization]);
  assert.deepEqual(await auth(tags[0]), [[200, "Bearer t1"], [200, "Bearer t2"], [200, "Bearer t3"]]);
  assert.deepEqual(await auth(tags[1]), [[401, "Bearer expired"], [200, "Bearer t1"]]);
});

test("fetch: onComment hears each comment line in stream order with the messages", async () => {
  const body = "data: 1\n\n: ping\ndata: 2\n\n:x\r\n\n:\n";
  const result = await inPage(async (server, body) => {
    const { EventStream } = globalThis.wasmSse;
    const seen = [];
    // Three bytes per write: the comments are cut across chunks.
    const url = `${server}/raw?chunk=3&after=eof&body=${encodeURIComponent(body)}`;
    const stream = new EventStream(url, {
      transport: "fetch",
      retry: false,
      onComment: (text) => seen.push(`comment:${text}`),
    });
    try {
      for await (const event of stream) seen.push(`message:${event.data}`);
    } catch (error) {
      // Without retrying, the end of the response is the end of the stream.
      seen.push(`thrown:${error.kind}`);
    }
    const refused = globalThis.thrown(() => new EventStream(url, { transport: "eventsource", onComment: () => {} }));
    return { seen, refused: refused?.message };
  }, body);
  assert.deepEqual(result.seen, ["message:1", "comment:ping", "message:2", "comment:x", "comment:", "thrown:stream-ended"]);
  assert.equal(result.refused, 'EventStream option "onComment": needs transport: "fetch" (the browser\'s EventSource cannot do it)');
});

test("resend and endOn are checked like every option", async () => {
  const errors = await inPage(() => {
    const { EventStream } = globalThis.wasmSse;
    return [
      globalThis.thrown(() => new EventStream("/", { resend: true })),
      globalThis.thrown(() => new EventStream("/", { transport: "fetch", endOn: 3 })),
    ].map((error) => error.message);
  });
  assert.deepEqual(errors, [
    'EventStream option "resend": needs transport: "fetch" (the browser\'s EventSource cannot do it)',
    'EventStream option "endOn": expected a string or a function, got 3',
  ]);
});

test("the page logged no errors but the HTTP failures the tests asked for", () => {
  // HTTP failures and the cut connections (`error_after`) the tests asked for.
  const asked = /^Failed to load resource: (the server responded with a status of (401|404|500|503)|net::ERR_INCOMPLETE_CHUNKED_ENCODING)/;
  const unexpected = problems.filter((text) => !asked.test(text));
  assert.deepEqual(unexpected, []);
});
