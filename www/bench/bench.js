// The clients `npm run bench` compares, each reading the same `/bulk` stream until `count`
// messages, decoding every message's JSON and checking that the sequence numbers are
// 1..count in order. `run(name, url, count)` times one of them.
import init, * as rust from "../generated/bench/clients/bench_clients.js";
import { createParser, fetchEventSource } from "../generated/bench/rivals.js";

/** Throws unless `seq` is the next expected sequence number; true after the last. */
function checker(count) {
  let next = 1;
  return {
    take(seq) {
      if (seq !== next) throw new Error(`expected seq ${next}, got ${seq}`);
      next += 1;
      return seq === count;
    },
    early(why) {
      return new Error(`${why} before seq ${next} of ${count}`);
    },
  };
}

/**
 * The browser's EventSource, handing each message to `seqOf` (which parses its JSON) until
 * `count` sequence numbers have been checked.
 */
function browserEventSource(url, count, seqOf) {
  return new Promise((resolve, reject) => {
    const source = new EventSource(url);
    const check = checker(count);
    source.onmessage = (event) => {
      try {
        if (check.take(seqOf(event))) {
          source.close();
          resolve();
        }
      } catch (err) {
        source.close();
        reject(err);
      }
    };
    source.onerror = () => {
      source.close();
      reject(check.early("error"));
    };
  });
}

/** The browser's EventSource and JSON.parse: the baseline. */
function rawEventSource(url, count) {
  return browserEventSource(url, count, (event) => JSON.parse(event.data).seq);
}

/**
 * The baseline that also reads each message's `lastEventId`, as any client that reports
 * per-message ids must: Chromium makes a new string for every read.
 */
function rawEventSourceWithIds(url, count) {
  return browserEventSource(url, count, (event) => {
    const seq = JSON.parse(event.data).seq;
    if (event.lastEventId !== String(seq)) throw new Error(`id ${event.lastEventId} on seq ${seq}`);
    return seq;
  });
}

/** The whole body as one ArrayBuffer, unparsed: how fast the bytes arrive at all. */
async function transferFloor(url, count) {
  const bytes = await fetch(url).then((response) => response.arrayBuffer());
  // Not parsed, but checked: the stream must end with the last event.
  const tail = new TextDecoder().decode(new Uint8Array(bytes, Math.max(0, bytes.byteLength - 256)));
  if (!tail.includes(`{"seq":${count},`)) throw new Error(`the body does not end with seq ${count}`);
}

/** @microsoft/fetch-event-source 2 and JSON.parse. */
async function microsoftFetchEventSource(url, count) {
  const controller = new AbortController();
  const check = checker(count);
  let done = false;
  await fetchEventSource(url, {
    signal: controller.signal,
    openWhenHidden: true,
    onmessage(event) {
      if (check.take(JSON.parse(event.data).seq)) {
        done = true;
        controller.abort();
      }
    },
    onclose() {
      throw check.early("the stream ended");
    },
    onerror(err) {
      throw err;
    },
  });
  if (!done) throw check.early("aborted");
}

/** eventsource-parser 4 over fetch and TextDecoder, and JSON.parse. */
async function eventsourceParser(url, count) {
  const controller = new AbortController();
  const check = checker(count);
  let done = false;
  let failure = null;
  const parser = createParser({
    onEvent(event) {
      if (done || failure) return;
      try {
        done = check.take(JSON.parse(event.data).seq);
      } catch (err) {
        failure = err;
      }
    },
  });
  const response = await fetch(url, { signal: controller.signal, headers: { Accept: "text/event-stream" } });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { value, done: ended } = await reader.read();
    if (ended) break;
    parser.feed(decoder.decode(value, { stream: true }));
    if (done || failure) break;
  }
  controller.abort();
  if (failure) throw failure;
  if (!done) throw check.early("the stream ended");
}

/** Diagnostic: eventsource-parser without JSON.parse, counting messages. */
async function eventsourceParserText(url, count) {
  const controller = new AbortController();
  let received = 0;
  const parser = createParser({
    onEvent() {
      received += 1;
    },
  });
  const response = await fetch(url, { signal: controller.signal, headers: { Accept: "text/event-stream" } });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  while (received < count) {
    const { value, done } = await reader.read();
    if (done) break;
    parser.feed(decoder.decode(value, { stream: true }));
  }
  controller.abort();
  if (received < count) throw new Error(`the stream ended after ${received} of ${count}`);
}

/** Every client by row name, in the table's order. */
export const clients = {
  "raw-eventsource": rawEventSource,
  "raw-eventsource-ids": rawEventSourceWithIds,
  "transfer-floor": transferFloor,
  "microsoft-fetch-event-source": microsoftFetchEventSource,
  "eventsource-parser": eventsourceParser,
  "diag-eventsource-parser-text": eventsourceParserText,
  "gloo-net": (url, count) => rust.glooEventSource(url, count),
  "wasm-sse-eventsource": (url, count) => rust.wasmSseEventSource(url, count),
  "wasm-sse-eventsource-no-ids": (url, count) => rust.wasmSseEventSourceNoIds(url, count),
  "wasm-sse-fetch": (url, count) => rust.wasmSseFetch(url, count),
};

/** Resolves once the wasm module (and the npm package, when built) is loaded. */
export const ready = (async () => {
  await init();
  await addNpmRows();
  return Object.keys(clients);
})();

/** The npm package's `EventStream` rows, when `pkg/` has been built. */
async function addNpmRows() {
  let npm;
  try {
    npm = await import("/npm/index.js");
    if (typeof npm.default === "function") await npm.default();
  } catch {
    return;
  }
  if (typeof npm.EventStream !== "function") return;
  for (const transport of ["eventsource", "fetch"]) {
    clients[`npm-json-${transport}`] = (url, count) => npmEventStream(npm, transport, url, count);
  }
  if (typeof npm.EventSource === "function") {
    for (const transport of ["eventsource", "fetch"]) {
      clients[`npm-dropin-${transport}`] = (url, count) => npmDropIn(npm, transport, url, count);
    }
  }
  clients["diag-npm-text-fetch"] = (url, count) => npmEventStreamText(npm, url, count);
  clients["diag-npm-batches-fetch"] = (url, count) => npmBatches(npm, url, count);
}

/**
 * The drop-in class as code written for the browser's EventSource uses it:
 * `addEventListener("message", (event) => JSON.parse(event.data))`.
 */
function npmDropIn(npm, transport, url, count, arrived) {
  return new Promise((resolve, reject) => {
    const source = new npm.EventSource(url, { transport });
    const check = checker(count);
    source.addEventListener("message", (event) => {
      try {
        const data = JSON.parse(event.data);
        arrived?.(data.at_us);
        if (check.take(data.seq)) {
          source.close();
          resolve();
        }
      } catch (err) {
        source.close();
        reject(err);
      }
    });
    source.addEventListener("error", (event) => {
      source.close();
      reject(check.early(`error ${event.error?.kind ?? "(clean end)"}`));
    });
  });
}

/** Diagnostic: the npm API over fetch without JSON.parse, counting messages. */
async function npmEventStreamText(npm, url, count) {
  const stream = new npm.EventStream(url, { transport: "fetch" });
  let received = 0;
  for await (const message of stream) {
    received += message.data.length > 0 ? 1 : 0;
    if (received === count) return;
  }
  throw new Error(`the stream ended after ${received} of ${count}`);
}

/**
 * Diagnostic: what `next()` is built on (glue.js), without the iterator protocol: the
 * batches of the stream's internal `_pull()`, split and parsed as JSON. Not an API.
 */
async function npmBatches(npm, url, count) {
  const check = checker(count);
  const stream = new npm.EventStream(url, { transport: "fetch" });
  try {
    for (;;) {
      const batch = await stream._pull();
      if (batch === undefined) throw check.early("the stream ended");
      const parts = batch.split("\r");
      for (let at = 1; at < parts.length; at += 3) {
        if (check.take(JSON.parse(parts[at + 2]).seq)) return;
      }
    }
  } finally {
    stream.close();
  }
}

/** The npm API from JavaScript: `EventStream` with `json: true`. */
async function npmEventStream(npm, transport, url, count) {
  const check = checker(count);
  const stream = new npm.EventStream(url, { json: true, transport });
  try {
    for await (const message of stream) {
      if (check.take(message.data.seq)) return;
    }
    throw check.early("the stream ended");
  } finally {
    stream.close();
  }
}

/** Runs client `name` once; resolves to `{ ms }` or `{ error }`. */
export async function run(name, url, count) {
  const client = clients[name];
  if (!client) return { error: `no client named ${name}` };
  const start = performance.now();
  try {
    await client(url, count);
  } catch (err) {
    return { error: String(err?.message ?? err) };
  }
  return { ms: performance.now() - start };
}

/** Bytes of the Rust clients' wasm linear memory. */
export const wasmMemory = () => rust.wasmMemoryBytes();

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The memory checks' workloads, by name: `memoryCheck(name, cycles)` runs one. */
const memoryChecks = {
  "open-close-eventsource": (n) => rust.memOpenClose(`/counter?count=1&tag=mem-oc-es-${n}-${Date.now()}`, n, "eventsource"),
  "open-close-fetch": (n) => rust.memOpenClose(`/counter?count=1&tag=mem-oc-fetch-${n}-${Date.now()}`, n, "fetch"),
  reconnects: (n) =>
    rust.memReconnects(`/counter?count=${n + 1}&retry=1&drop_after=1&tag=mem-rc-${n}-${Date.now()}`, n + 1),
  "stalled-consumer": (n) =>
    rust
      .memStalled(`/bulk?count=100000&tag=mem-stall-${Date.now()}`, 100000, n, sleep(3000))
      .then(([stalledWasm, delivered, skipped]) => ({ stalledWasm, delivered, skipped })),
};

/** Runs memory check `name` with `n` cycles (or a buffer of `n`); resolves to its result or `{ error }`. */
export async function memoryCheck(name, n) {
  try {
    return { result: (await memoryChecks[name](n)) ?? null };
  } catch (err) {
    return { error: String(err?.message ?? err) };
  }
}

// Latency: how long after the server's write of a token it reaches the page's code. The server
// stamps each message with the time of its write (`/counter?stamp=1`, microseconds since the
// epoch, same machine); each runner hands every message's stamp to `arrived` as soon as the
// client delivers it.

/** The latency runners by row name: `(url, count, arrived) => Promise`. */
const latencyClients = {
  "raw-eventsource": (url, count, arrived) =>
    browserEventSource(url, count, (event) => {
      const data = JSON.parse(event.data);
      arrived(data.at_us);
      return data.seq;
    }),
  "eventsource-parser": async (url, count, arrived) => {
    const check = checker(count);
    const controller = new AbortController();
    const response = await fetch(url, { signal: controller.signal, headers: { Accept: "text/event-stream" } });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let finished = false;
    const parser = createParser({
      onEvent(event) {
        const data = JSON.parse(event.data);
        arrived(data.at_us);
        finished ||= check.take(data.seq);
      },
    });
    try {
      while (!finished) {
        const { value, done } = await reader.read();
        if (done) throw check.early("the stream ended");
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } finally {
      controller.abort();
    }
  },
  "wasm-sse-fetch": (url, count, arrived) => rust.latencyFetch(url, count, arrived),
};

/** The npm package's latency row, once `ready` has loaded it. */
async function addNpmLatency() {
  const npm = await import("/npm/index.js").catch(() => null);
  if (typeof npm?.EventStream !== "function") return;
  latencyClients["npm-json-fetch"] = async (url, count, arrived) => {
    const check = checker(count);
    const stream = new npm.EventStream(url, { json: true, transport: "fetch" });
    try {
      for await (const message of stream) {
        arrived(message.data.at_us);
        if (check.take(message.data.seq)) return;
      }
      throw check.early("the stream ended");
    } finally {
      stream.close();
    }
  };
  if (typeof npm.EventSource === "function") {
    latencyClients["npm-dropin-fetch"] = (url, count, arrived) => npmDropIn(npm, "fetch", url, count, arrived);
  }
}
const latencyReady = ready.then(addNpmLatency);

/** The latency rows available. */
export const latencyRows = async () => (await latencyReady, Object.keys(latencyClients));

/**
 * Runs latency row `name` once over `url` (stamped messages); resolves to every message's
 * latency in milliseconds, in order, or `{ error }`.
 */
export async function latency(name, url, count) {
  await latencyReady;
  const client = latencyClients[name];
  if (!client) return { error: `no latency client named ${name}` };
  const latencies = [];
  const arrived = (atUs) => latencies.push(performance.timeOrigin + performance.now() - atUs / 1000);
  try {
    await client(url, count, arrived);
  } catch (err) {
    return { error: String(err?.message ?? err) };
  }
  return { latencies };
}
