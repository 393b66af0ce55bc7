// The few parts of the JavaScript API that are plainer in JavaScript: event objects,
// `JSON.parse`, typed errors, and the async-iterator hooks of the `EventStream` class.

/** What every error of the package is: an `Error` with a `kind`, and `status` where there is one. */
export class EventStreamError extends Error {
  constructor(kind, message, details) {
    super(message);
    this.name = "EventStreamError";
    this.kind = kind;
    if (details !== undefined) Object.assign(this, details);
  }
}

export function errorClass() {
  return EventStreamError;
}

export function streamError(kind, message, details) {
  return new EventStreamError(kind, message, details);
}

// Iteration lives here: the stream (Rust) hands over the messages ready at once as one batch
// string (`_pull()`), and `next()` serves them from a queue, each as an already-settled
// promise. The queue holds no reference to its stream, so a stream that nobody holds can
// still be garbage-collected (and closed by its finalizer).

const QUEUE = Symbol("wasm-sse queue");
const DONE = Object.freeze({ value: undefined, done: true });

/** What the stream keeps for `next()`: made by the stream itself, emptied by its `close()`. */
export function newQueue(json, lastEventId) {
  return {
    json,
    lastEventId,
    // The current batch, split: origin, then type, lastEventId, data per message.
    parts: [],
    at: 0,
    closed: false,
    // The latest `next()` still waiting, and how many wait: each gets the next item in order.
    tail: null,
    waiting: 0,
  };
}

export function closeQueue(queue) {
  queue.closed = true;
  queue.parts = [];
  queue.at = 0;
}

function queueOf(stream) {
  return stream[QUEUE] ?? (stream[QUEUE] = stream._queue());
}

/** The next message of the current batch, or undefined when the batch is used up. */
function take(stream, queue) {
  const parts = queue.parts;
  while (queue.at < parts.length) {
    const at = queue.at;
    queue.at = at + 3;
    const type = parts[at];
    const lastEventId = parts[at + 1];
    const text = parts[at + 2];
    queue.lastEventId = lastEventId;
    let data = text;
    if (queue.json) {
      try {
        data = JSON.parse(text);
      } catch (exception) {
        // Not JSON: a "decode" error for onError, and the stream goes on.
        stream._decodeFailed(type, text, exception);
        continue;
      }
    }
    return { type, data, lastEventId, origin: parts[0] };
  }
  return undefined;
}

/** Takes the next message, pulling batches from the stream until there is one or it ends. */
async function fill(stream, queue) {
  for (;;) {
    if (queue.closed) return DONE;
    const value = take(stream, queue);
    if (value !== undefined) return { value, done: false };
    let batch;
    try {
      batch = await stream._pull();
    } catch (error) {
      closeQueue(queue);
      throw error;
    }
    if (batch === undefined) {
      closeQueue(queue);
      return DONE;
    }
    if (!queue.closed) {
      queue.parts = batch.split("\r");
      queue.at = 1;
    }
  }
}

/** `EventStream.prototype.next`: a message already queued is served at once. */
function next() {
  const queue = queueOf(this);
  if (queue.waiting === 0) {
    if (queue.closed) return Promise.resolve(DONE);
    const value = take(this, queue);
    if (value !== undefined) return Promise.resolve({ value, done: false });
  }
  const previous = queue.tail;
  queue.waiting += 1;
  const promise = (async () => {
    try {
      // Its outcome is its caller's; this call only waits for its turn.
      if (previous !== null) await previous.catch(() => {});
      return await fill(this, queue);
    } finally {
      queue.waiting -= 1;
      if (queue.tail === promise) queue.tail = null;
    }
  })();
  queue.tail = promise;
  return promise;
}

export function iteratorResult(value, done) {
  return { value, done };
}

/** Reports an exception thrown by a user's callback the way the DOM does, without ending the stream. */
export function reportError(error) {
  if (typeof globalThis.reportError === "function") globalThis.reportError(error);
  else setTimeout(() => { throw error; });
}

/**
 * Adds to the prototype of `instance` (a throwaway stream, freed here) what wasm-bindgen
 * cannot say: `next()` and `lastEventId` over the queue, `[Symbol.asyncIterator]()`
 * returning the stream itself, and the `readyState` constants on instances, as
 * `EventSource` has them (the class has them as static getters).
 */
export function installClassHooks(instance) {
  const proto = Object.getPrototypeOf(instance);
  Object.defineProperty(proto, "next", { value: next, writable: true, configurable: true });
  Object.defineProperty(proto, "lastEventId", {
    get() {
      return queueOf(this).lastEventId;
    },
    configurable: true,
  });
  Object.defineProperty(proto, Symbol.asyncIterator, {
    value: function asyncIterator() { return this; },
    writable: true,
    configurable: true,
  });
  for (const [name, value] of Object.entries({ CONNECTING: 0, OPEN: 1, CLOSED: 2 })) {
    Object.defineProperty(proto, name, { value, enumerable: true });
  }
  instance.free();
}
