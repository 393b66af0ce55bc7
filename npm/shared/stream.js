// A tab's own stream over a shared connection (`shared: true`): what `new EventStream(url,
// options)` returns then. It is an `EventStream` to every use (iteration, `next()`,
// `lastEventId`, `close()`, `restart()`, the state accessors, and the `_pull()`/`_listen()`
// the drop-in `EventSource` class reads), but its messages come from the holder of the
// connection (the SharedWorker, or the leader tab) through a link (npm/shared/links.js).
// What is the tab's own stays here: JSON parsing, the event types it asked for, `endOn`,
// its callbacks, its signal, and a bounded queue: one slow tab cannot hold back the others,
// so past `MAX_QUEUED` bytes its stream fails with an `"overflow"` error.
/** Bytes of messages a tab may leave unread before its stream fails. */
export const MAX_QUEUED = 16 * 1024 * 1024;

/** Options that only the tab's own stream uses; every other one is the connection's. */
const OWN = ["json", "signal", "endOn", "onOpen", "onError", "onComment", "events", "allEvents", "lastEventId", "lastEventIds"];

/**
 * What streams sharing one connection must agree on, as a string: streams with equal keys
 * share, others do not. `url` is absolute, `transport` the one chosen.
 */
export function shareKey(url, transport, connection) {
  const parts = [url, transport];
  for (const name of Object.keys(connection).sort()) {
    parts.push(name, canonical(connection[name]));
  }
  return JSON.stringify(parts);
}

/** A value as JSON can say it: a body's bytes as numbers. */
function canonical(value) {
  if (value instanceof ArrayBuffer) return Array.from(new Uint8Array(value));
  if (ArrayBuffer.isView(value)) return Array.from(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  return value;
}

/** Headers as `[name, value]` pairs with lowercase names, in order: what `postMessage` can carry. */
function headerPairs(headers) {
  const pairs = headers instanceof Headers ? [...headers] : Array.isArray(headers) ? headers : Object.entries(headers);
  return pairs.map(([name, value]) => [String(name).toLowerCase(), String(value)]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** Splits `options` into the tab's own and the connection's (cloneable, for the holder). */
export function splitOptions(options, optionError) {
  const own = {};
  const connection = {};
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (OWN.includes(name)) own[name] = value;
    else connection[name] = value;
  }
  if (typeof connection.headers === "function") {
    throw optionError("headers", "shared: true takes headers as an object: a function cannot run where the shared connection is held");
  }
  if (connection.headers !== undefined) connection.headers = headerPairs(connection.headers);
  return { own, connection };
}

let nextId = 0;
const pageId = Math.random().toString(36).slice(2, 10);

/** Makes the class of shared streams, an `EventStream` subclass to `instanceof`. */
export function defineSharedStream(EventStream) {
  const streamError = (kind, message, details) => {
    const EventStreamError = EventStream._errorClass();
    return new EventStreamError(kind, message, details);
  };
  const fromData = (data) => {
    const { kind, message, ...details } = data ?? { kind: "js", message: "the shared connection failed" };
    return streamError(kind, message, details);
  };

  class SharedStream {
    #link;
    #id = `${pageId}:${nextId++}`;
    #url;
    #json;
    #endOn;
    #onOpen;
    #onError;
    #onComment;
    /** The event types delivered, or `null` for all. */
    #types;
    /** What arrived and has not been pulled: batch strings and connection events, in order. */
    #items = [];
    #at = 0;
    #bytes = 0;
    #wake = null;
    /** Set once nothing more arrives: `{ error }` or `{ reason }`. */
    #end = null;
    #state = "connecting";
    #reconnect = null;
    #response = null;
    #endReason = null;
    #tabs = 1;
    #queue;
    #signal;
    #abort = null;

    constructor(url, transport, key, own, connection, link) {
      this.#link = link;
      this.#url = url;
      this.#json = own.json === true;
      this.#endOn = own.endOn;
      this.#onOpen = own.onOpen;
      this.#onError = own.onError;
      this.#onComment = own.onComment;
      this.#types = own.allEvents === true ? null : new Set(["message", ...(own.events ?? [])]);
      // The queue glue.js's `next()` serves (the shape of its `newQueue`).
      this.#queue = { json: this.#json, lastEventId: own.lastEventId ?? "", parts: [], at: 0, closed: false, tail: null, waiting: 0 };
      const signal = own.signal;
      if (signal?.aborted) {
        this.#finish({ reason: "closed" });
        return;
      }
      if (signal !== undefined) {
        this.#signal = signal;
        this.#abort = () => this.close();
        signal.addEventListener("abort", this.#abort, { once: true });
      }
      link.join({
        id: this.#id,
        key,
        url,
        options: { ...connection, transport },
        lastEventId: own.lastEventId,
        receive: (message) => this.#receive(message),
      });
      if (transport === "eventsource" && this.#types !== null) {
        for (const type of this.#types) if (type !== "message") link.listen(this.#id, type);
      }
    }

    get url() {
      return this.#url;
    }

    get readyState() {
      return this.#state === "closed" ? 2 : this.#state === "open" ? 1 : 0;
    }

    get state() {
      return this.#state;
    }

    get reconnect() {
      return this.#state === "reconnecting" ? this.#reconnect : null;
    }

    get response() {
      return this.#response;
    }

    get endReason() {
      return this.#endReason;
    }

    /** Always `true`: this stream reads a connection shared with other tabs. */
    get shared() {
      return true;
    }

    /** How many tabs read the connection, this one included. */
    get tabs() {
      return this.#tabs;
    }

    close() {
      if (this.#state === "closed") return;
      this.#finish({ reason: "closed" });
    }

    return(value) {
      this.close();
      return Promise.resolve({ value, done: true });
    }

    /** Restarts the shared connection: every tab's stream reconnects with it. */
    restart() {
      if (this.#state !== "closed") this.#link.restart(this.#id);
    }

    free() {
      this.close();
    }

    [Symbol.dispose]() {
      this.close();
    }

    _queue() {
      return this.#queue;
    }

    _listen(type) {
      if (this.#types === null || this.#types.has(type)) return;
      this.#types.add(type);
      this.#link.listen(this.#id, type);
    }

    _decodeFailed(type, data, exception) {
      const reason = exception?.message ?? String(exception);
      this.#call(this.#onError, streamError("decode", `could not decode ${JSON.stringify(type)} event data ${JSON.stringify(data)}: ${reason}`, { event: type, data }));
    }

    /** The next batch for `next()` or the `EventSource` class; `undefined` once ended. */
    async _pull() {
      for (;;) {
        while (this.#at < this.#items.length) {
          const item = this.#items[this.#at];
          this.#items[this.#at++] = undefined;
          const batch = this.#take(item);
          if (batch !== undefined) return batch;
        }
        this.#items = [];
        this.#at = 0;
        if (this.#end !== null) {
          if (this.#end.error !== undefined) throw this.#end.error;
          return undefined;
        }
        await new Promise((resolve) => { this.#wake = resolve; });
      }
    }

    /** A message from the holder of the connection. */
    #receive(message) {
      if (this.#end !== null) return;
      switch (message.k) {
        case "welcome":
          this.#state = message.state;
          this.#response = message.response;
          this.#reconnect = message.reconnect;
          this.#tabs = message.tabs ?? this.#tabs;
          if (message.state === "open") this.#push({ open: message.response });
          return;
        case "tabs":
          this.#tabs = message.count;
          return;
        case "open":
          this.#state = "open";
          this.#response = message.response;
          this.#push({ open: message.response });
          return;
        case "error":
          this.#state = message.state === "closed" ? "connecting" : message.state;
          this.#reconnect = message.reconnect;
          this.#push({ error: fromData(message.error) });
          return;
        case "comment":
          this.#push({ comment: message.text });
          return;
        case "batch":
          this.#bytes += message.batch.length;
          if (this.#bytes > MAX_QUEUED) {
            this.#finish({ error: streamError("overflow", `consumer fell behind the shared connection: more than ${MAX_QUEUED} bytes unread, stream closed`, { capacity: MAX_QUEUED }) });
            return;
          }
          this.#push(message.batch);
          return;
        case "end":
          this.#finish({ reason: message.endReason ?? "closed" });
          return;
        case "fail":
          this.#finish({ error: fromData(message.error) });
          return;
        default:
      }
    }

    #push(item) {
      this.#items.push(item);
      this.#wakeUp();
    }

    #wakeUp() {
      const wake = this.#wake;
      this.#wake = null;
      wake?.();
    }

    /** Handles one queued item; returns the batch to deliver, if it is one with messages left. */
    #take(item) {
      if (typeof item === "string") {
        this.#bytes -= item.length;
        return this.#select(item);
      }
      if ("open" in item) this.#call(this.#onOpen, item.open);
      else if ("error" in item) this.#call(this.#onError, item.error);
      else this.#call(this.#onComment, item.comment);
      return undefined;
    }

    /** The batch less the types not asked for, cut before a message that `endOn` matches. */
    #select(batch) {
      if (this.#types === null && this.#endOn === undefined) return batch;
      const parts = batch.split("\r");
      let kept = parts[0];
      let count = 0;
      for (let at = 1; at < parts.length; at += 3) {
        const [type, lastEventId, data] = [parts[at], parts[at + 1], parts[at + 2]];
        if (this.#types !== null && !this.#types.has(type)) continue;
        if (this.#ends(type, lastEventId, data, parts[0])) {
          this.#endAtMarker();
          break;
        }
        kept += `\r${type}\r${lastEventId}\r${data}`;
        count += 1;
      }
      return count === 0 ? undefined : kept;
    }

    #ends(type, lastEventId, data, origin) {
      const endOn = this.#endOn;
      if (endOn === undefined) return false;
      if (typeof endOn === "string") return data === endOn;
      try {
        return endOn({ type, data, lastEventId, origin }) === true;
      } catch (error) {
        reportError(error);
        return false;
      }
    }

    /**
     * The marker ends the stream where it stands in the stream, before anything queued after
     * it: also before an end or failure of the connection that arrived while this tab had not
     * read that far.
     */
    #endAtMarker() {
      // Leaving again, if the connection's end came first, is a no-op for every link.
      this.#end = null;
      this.#finish({ reason: "end-marker" });
    }

    /** Nothing more arrives: the tab leaves the connection; what is queued can still be pulled, unless closed. */
    #finish(end) {
      if (this.#end !== null) return;
      this.#end = end;
      this.#state = "closed";
      this.#endReason = end.error !== undefined ? "error" : end.reason;
      this.#link?.leave(this.#id);
      if (this.#abort !== null) {
        this.#signal.removeEventListener("abort", this.#abort);
        this.#abort = null;
      }
      // Closed, ended by its marker or overflowed: nothing queued is delivered any more (an
      // end or a failure of the connection itself comes after everything it sent).
      if (end.reason === "closed" || end.reason === "end-marker" || end.error?.kind === "overflow") {
        this.#items = [];
        this.#at = 0;
        this.#bytes = 0;
        const queue = this.#queue;
        queue.closed = end.reason === "closed";
        queue.parts = [];
        queue.at = 0;
      }
      this.#wakeUp();
    }

    #call(callback, argument) {
      if (typeof callback !== "function") return;
      try {
        callback(argument);
      } catch (error) {
        reportError(error);
      }
    }
  }
  Object.setPrototypeOf(SharedStream.prototype, EventStream.prototype);
  Object.defineProperty(SharedStream.prototype, Symbol.toStringTag, { value: "EventStream", configurable: true });
  return SharedStream;
}

/** Reports an exception of a user's callback the way the DOM does, without ending the stream. */
function reportError(error) {
  if (typeof globalThis.reportError === "function") globalThis.reportError(error);
  else setTimeout(() => { throw error; });
}
