// The npm package outside the browser: imported from its files as Node, Deno and Bun import
// it, reading streams of the test server (SSE_SERVER_URL). Node and Bun have no EventSource
// of their own, so both classes use the fetch transport by default there; Deno has one, and
// the drop-in class's cases run over both transports there. Run by `node --test`,
// `deno test` and `bun test` (scripts/test.sh); each case uses its own tag, so the server's
// log is its own.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import init, { EventSource, EventStream } from "../../npm/index.js";

const server = process.env.SSE_SERVER_URL;
const runtime = globalThis.Deno ? "deno" : globalThis.Bun ? "bun" : "node";
const hasEventSource = typeof globalThis.EventSource === "function";
const transports = hasEventSource ? ["fetch", "eventsource"] : ["fetch"];
let run = 0;

before(async () => {
  assert.ok(server, "SSE_SERVER_URL is set by the test command to the test server's URL");
  // No URL: the package finds its .wasm beside itself, a file here.
  await init();
});

/** A tag of this run and runtime, so that reruns and runtimes do not share server logs. */
function tag(name) {
  run += 1;
  return `${runtime}-${name}-${process.pid}-${run}`;
}

async function requests(tag) {
  const log = await (await fetch(`${server}/log?tag=${tag}`)).json();
  return log.filter((record) => record.method !== "OPTIONS");
}

/** Resolves with what `record(source, done)` collected once it calls `done`; fails after 10 s. */
function collect(source, record) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      source.close();
      reject(new Error("timed out"));
    }, 10_000);
    record((value) => {
      clearTimeout(timer);
      source.close();
      resolve(value);
    });
  });
}

test("EventStream reads messages, over fetch where the runtime has no EventSource", async () => {
  const t = tag("stream");
  const stream = new EventStream(`${server}/counter?count=3&tag=${t}`, hasEventSource ? { transport: "fetch" } : undefined);
  const seen = [];
  for await (const event of stream) {
    seen.push([event.type, event.data, event.lastEventId]);
    if (seen.length === 3) break;
  }
  assert.deepEqual(seen, [
    ["message", '{"seq":1}', "1"],
    ["message", '{"seq":2}', "2"],
    ["message", '{"seq":3}', "3"],
  ]);
  assert.equal(stream.readyState, 2);
  // Only the fetch transport knows the response.
  assert.equal(stream.response.status, 200);
});

for (const transport of transports) {
  test(`EventSource over ${transport}: open, then MessageEvents with data, lastEventId and origin, in order`, async () => {
    const t = tag("drop-in");
    const source = new EventSource(`${server}/counter?count=3&tag=${t}`, { transport });
    assert.equal(source.readyState, EventSource.CONNECTING);
    assert.equal(source.url, `${server}/counter?count=3&tag=${t}`);
    const seen = await collect(source, (done) => {
      const seen = [];
      source.onopen = () => seen.push(["open", source.readyState]);
      source.addEventListener("message", (event) => {
        assert.ok(event instanceof MessageEvent);
        assert.equal(event.origin, server);
        seen.push([event.data, event.lastEventId, source.readyState]);
        if (seen.length === 4) done(seen);
      });
    });
    assert.deepEqual(seen, [
      ["open", 1],
      ['{"seq":1}', "1", 1],
      ['{"seq":2}', "2", 1],
      ['{"seq":3}', "3", 1],
    ]);
    assert.equal(source.readyState, EventSource.CLOSED);
  });

  test(`EventSource over ${transport}: a dropped connection is an error event while CONNECTING, then resumes with Last-Event-ID`, async () => {
    const t = tag("reconnect");
    const source = new EventSource(`${server}/counter?count=5&drop_after=3&retry=50&tag=${t}`, { transport });
    const seen = await collect(source, (done) => {
      const seen = [];
      source.onerror = (event) => seen.push(["error", source.readyState, event.error.kind, event.attempt, event.delayMs]);
      source.onmessage = (event) => {
        seen.push(event.lastEventId);
        if (event.lastEventId === "5") done(seen);
      };
    });
    // Over fetch the stream reconnects (the attempt and its delay, the server's retry: 50); the
    // runtime's own EventSource reconnects by itself and tells neither.
    const error = transport === "fetch" ? ["error", 0, "stream-ended", 1, 50] : ["error", 0, "disconnected", null, null];
    assert.deepEqual(seen, ["1", "2", "3", error, "4", "5"]);
    const log = await requests(t);
    assert.deepEqual(log.map((record) => record.last_event_id), [null, "3"]);
    assert.equal(seen.length, 6);
  });

  test(`EventSource over ${transport}: a listener added after construction gets its type`, async () => {
    const t = tag("named");
    const source = new EventSource(`${server}/named?tag=${t}`, { transport });
    const seen = await collect(source, (done) => {
      const seen = [];
      source.addEventListener("open", () => {
        source.addEventListener("tick", (event) => {
          seen.push(`tick ${event.data}`);
          if (seen.length === 2) done(seen);
        });
      });
    });
    assert.deepEqual(seen, ["tick 1", "tick 3"]);
  });

  test(`EventSource over ${transport}: an HTTP error status closes it with a typed error, as the spec fails the connection`, async () => {
    const t = tag("status");
    const source = new EventSource(`${server}/status/503?tag=${t}`, { transport });
    const event = await collect(source, (done) => {
      source.onerror = (event) => done({ readyState: source.readyState, kind: event.error.kind, status: event.error.status, endReason: event.endReason });
    });
    const expected = transport === "fetch"
      ? { readyState: 2, kind: "status", status: 503, endReason: "error" }
      // The runtime's EventSource does not say why.
      : { readyState: 2, kind: "connection-failed", status: undefined, endReason: "error" };
    assert.deepEqual(event, expected);
    assert.equal((await requests(t)).length, 1);
  });

  test(`EventSource over ${transport}: 204 No Content closes it with an error event and no error object`, async () => {
    const t = tag("no-content");
    const source = new EventSource(`${server}/status/204?tag=${t}`, { transport });
    const event = await collect(source, (done) => {
      source.onerror = (event) => done({ readyState: source.readyState, error: event.error?.kind ?? null, endReason: event.endReason });
    });
    // 204 is the spec's "stop reconnecting": a clean end over fetch; the runtime's EventSource
    // only says that it failed.
    const expected = transport === "fetch"
      ? { readyState: 2, error: null, endReason: "no-content" }
      : { readyState: 2, error: "connection-failed", endReason: "error" };
    assert.deepEqual(event, expected);
  });

  test(`EventSource over ${transport}: close() inside a listener stops delivery at once`, async () => {
    const t = tag("close");
    const source = new EventSource(`${server}/bulk?count=200&payload=8&tag=${t}`, { transport });
    const seen = [];
    await new Promise((resolve) => {
      source.onmessage = (event) => {
        seen.push(event.lastEventId);
        if (seen.length === 2) {
          source.close();
          resolve();
        }
      };
    });
    // Many messages came in the same read; none may follow the close.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(seen, ["1", "2"]);
    assert.equal(source.readyState, EventSource.CLOSED);
  });

  test(`EventSource over ${transport}: restart() reconnects at once with the last event id`, async () => {
    const t = tag("restart");
    const source = new EventSource(`${server}/counter?count=4&interval_ms=20&tag=${t}`, { transport });
    const seen = await collect(source, (done) => {
      const seen = [];
      source.onopen = () => seen.push("open");
      source.onmessage = (event) => {
        seen.push(event.lastEventId);
        if (event.lastEventId === "2" && seen.filter((item) => item === "open").length === 1) source.restart();
        if (event.lastEventId === "4") done(seen);
      };
    });
    assert.deepEqual(seen, ["open", "1", "2", "open", "3", "4"]);
    const log = await requests(t);
    if (transport === "fetch") {
      assert.deepEqual(log.map((record) => record.last_event_id), [null, "2"]);
    } else {
      // A new EventSource cannot be given the header: the id goes in the `lastEventId` parameter.
      assert.deepEqual(log.map((record) => new URLSearchParams(record.query).get("lastEventId")), [null, "2"]);
    }
  });
}

test("a relative URL, with no document to resolve it against, is a clear error", () => {
  assert.throws(() => new EventSource("/feed"), (error) => {
    assert.equal(error.name, "SyntaxError");
    assert.equal(error.kind, "invalid-url");
    assert.match(error.message, /relative/);
    return true;
  });
  assert.throws(() => new EventStream("/feed"), (error) => {
    assert.equal(error.kind, "invalid-url");
    assert.match(error.message, /relative/);
    return true;
  });
});

test("the default transport is the runtime's EventSource where it has one; without, asking for it is a clear error", async () => {
  if (!hasEventSource) {
    assert.throws(() => new EventStream(`${server}/counter`, { transport: "eventsource" }), (error) => {
      assert.equal(error.kind, "invalid-request");
      assert.match(error.message, /no EventSource of its own/);
      return true;
    });
    return;
  }
  const stream = new EventStream(`${server}/counter?count=1&tag=${tag("default")}`);
  const { value } = await stream.next();
  assert.equal(value.data, '{"seq":1}');
  // Only the fetch transport knows the response.
  assert.equal(stream.response, null);
  stream.close();
});

test("shared: true shares one connection among the streams of the process, each with its own options", async () => {
  const name = tag("shared");
  const url = `${server}/counter?count=5&interval_ms=20&first_after_ms=200&after=eof&tag=${name}`;
  const texts = new EventStream(url, { shared: true, transport: "fetch" });
  const values = new EventStream(url, { shared: true, transport: "fetch", json: true });
  // Deno has Web Locks and BroadcastChannel (shared by its workers); Node and Bun share in the process only.
  assert.deepEqual([texts.shared, values.shared, EventStream.sharing], [true, true, runtime === "deno" ? "locks" : "local"]);
  const read = async (stream) => {
    const data = [];
    for await (const event of stream) data.push(event.data);
    return [data, stream.endReason];
  };
  const [text, json] = await Promise.all([read(texts), read(values)]);
  assert.deepEqual(text, [[1, 2, 3, 4, 5].map((seq) => `{"seq":${seq}}`), "no-content"]);
  assert.deepEqual(json, [[1, 2, 3, 4, 5].map((seq) => ({ seq })), "no-content"]);
  // One connection, and its reconnect after id 5, answered 204.
  assert.deepEqual((await requests(name)).map((record) => record.last_event_id ?? null), [null, "5"]);
});
