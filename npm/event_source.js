// The drop-in `EventSource`: the WHATWG interface (an EventTarget with readyState, onopen,
// onmessage, onerror, close(), MessageEvents) over the package's `EventStream`, which does
// the connecting, parsing and reconnecting. Code written for the browser's EventSource keeps
// working; `init` also takes every `EventStream` option (transport, headers, method, body,
// retry, …).
//
// Messages reach it as the batches `EventStream._pull()` resolves to (see src/js/glue.js:
// origin, then type, lastEventId and data per message, joined by "\r"), and each becomes one
// MessageEvent dispatched on the instance (one made as cheaply as an Event, see below). Connection events come from the stream's
// `onOpen` and `onError`, called in order between the batches.

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;

/** Options of `EventStream` that the class has its own way for. */
const REFUSED = {
  json: "parse e.data with JSON.parse in the listener",
  events: "add a listener for the type: every type listened for is delivered",
  onOpen: "use onopen or addEventListener(\"open\")",
  onError: "use onerror or addEventListener(\"error\")",
};

/**
 * Makes the `EventSource` class over `EventStream` (the package's, from either build);
 * `isReady()` says whether the wasm module has been initialised.
 */
export function defineEventSource(EventStream, isReady) {
  /** An `EventStreamError` (the class lives in the wasm build's glue); a TypeError before init. */
  const streamError = (kind, message, details) => {
    if (!isReady()) return new TypeError(message);
    const EventStreamError = EventStream._errorClass();
    return new EventStreamError(kind, message, details);
  };

  /** The `error` event: why, and while reconnecting, the attempt and its delay. */
  class EventSourceErrorEvent extends Event {
    constructor(type, init = {}) {
      super(type, init);
      /** The `EventStreamError` (a `kind`, and `status` where there is one); `null` for a clean end. */
      this.error = init.error ?? null;
      /** While reconnecting: the attempt about to be made (from 1); else `null`. */
      this.attempt = init.attempt ?? null;
      /** While reconnecting: the wait before that attempt in ms; else `null`. */
      this.delayMs = init.delayMs ?? null;
      /** Once closed: why (`"error"`, `"no-content"`, `"end-marker"`, `"response-ended"`); else `null`. */
      this.endReason = init.endReason ?? null;
    }
  }

  class EventSource extends EventTarget {
    #stream;
    #url;
    #withCredentials;
    /** Closed by `close()`: nothing more is dispatched. */
    #closed = false;
    /** Failed at construction, with no stream (a URL that cannot be fetched): `true`, then
     * `"error"` once that is told; `false` for a source with a stream. */
    #failed = false;
    /** The `on…` handlers, by event type. */
    #handlers = new Map();
    /** Every event type listened for, told to the stream once each. */
    #types = new Set(["message"]);

    constructor(url, init = undefined) {
      super();
      if (arguments.length === 0) {
        throw new TypeError("Failed to construct 'EventSource': 1 argument required, but only 0 present.");
      }
      if (!isReady()) {
        throw streamError("options", "wasm-sse is not initialised: call `await init()` before `new EventSource(url)`", {});
      }
      if (init !== undefined && init !== null && typeof init !== "object" && typeof init !== "function") {
        throw new TypeError("Failed to construct 'EventSource': The provided value is not of type 'EventSourceInit'.");
      }
      const options = { ...(init ?? {}) };
      for (const [name, instead] of Object.entries(REFUSED)) {
        if (options[name] !== undefined) {
          throw streamError("options", `EventSource option "${name}": not taken by the EventSource class; ${instead}`, { option: name });
        }
      }
      if (options.withCredentials !== undefined) options.withCredentials = Boolean(options.withCredentials);
      const fetch = options.transport === "fetch" || (options.transport === undefined && !hasEventSource());
      if (fetch) {
        // Any type a listener is added for later is delivered: the stream delivers all.
        options.allEvents = true;
        // The spec's reconnecting unless told otherwise: a fixed delay, HTTP errors fatal.
        if (options.retry === undefined) options.retry = "browser";
      }
      options.onOpen = () => {
        if (!this.#closed) this.dispatchEvent(new Event("open"));
      };
      options.onError = (error) => {
        if (this.#closed) return;
        const reconnect = this.#stream?.reconnect ?? null;
        this.dispatchEvent(new EventSourceErrorEvent("error", {
          error,
          attempt: reconnect?.attempt,
          delayMs: reconnect?.delayMs,
        }));
      };
      let stream;
      try {
        stream = new EventStream(String(url instanceof URL ? url.href : url), options);
      } catch (error) {
        // The spec's SyntaxError for a URL that does not parse, still carrying its kind.
        const href = url instanceof URL ? url.href : String(url);
        if (error?.kind === "invalid-url" && parsesAsAbsolute(href)) {
          // A URL that parses but cannot be fetched (ftp:, mailto:, about:blank): the spec's
          // fetch gives a network error: the source is CONNECTING, then CLOSED with an `error`
          // event, as the browser's own is; nothing is thrown.
          this.#url = new URL(href).href;
          this.#withCredentials = options.withCredentials === true || options.credentials === "include";
          this.#failed = true;
          setTimeout(() => {
            if (this.#closed) return;
            this.#closed = true;
            this.#failed = "error";
            this.dispatchEvent(new EventSourceErrorEvent("error", { error, endReason: "error" }));
          }, 0);
          return;
        }
        if (error?.kind === "invalid-url") {
          const syntax = new DOMException(error.message, "SyntaxError");
          Object.assign(syntax, { kind: error.kind, url: error.url });
          throw syntax;
        }
        throw error;
      }
      this.#stream = stream;
      this.#url = stream.url;
      this.#withCredentials = options.withCredentials === true || options.credentials === "include";
      this.#pump(stream);
    }

    /** The absolute URL of the stream. */
    get url() {
      return this.#url;
    }

    /** Whether cookies go cross-origin (`withCredentials`, or `credentials: "include"`). */
    get withCredentials() {
      return this.#withCredentials;
    }

    /** 0 connecting (or waiting to reconnect), 1 open, 2 closed. */
    get readyState() {
      return this.#closed ? CLOSED : (this.#stream?.readyState ?? CONNECTING);
    }

    /** Where the connection stands: `"connecting"`, `"open"`, `"reconnecting"` or `"closed"`. */
    get state() {
      return this.#closed ? "closed" : (this.#stream?.state ?? "connecting");
    }

    /** The status and headers the stream last opened with (fetch transport), else `null`. */
    get response() {
      return this.#stream?.response ?? null;
    }

    /** Why the stream ended, `null` while it runs (see `EventStream.endReason`). */
    get endReason() {
      if (this.#failed) return this.#failed === "error" ? "error" : this.#closed ? "closed" : null;
      return this.#stream.endReason;
    }

    get onopen() {
      return this.#handlers.get("open") ?? null;
    }
    set onopen(handler) {
      this.#setHandler("open", handler);
    }
    get onmessage() {
      return this.#handlers.get("message") ?? null;
    }
    set onmessage(handler) {
      this.#setHandler("message", handler);
    }
    get onerror() {
      return this.#handlers.get("error") ?? null;
    }
    set onerror(handler) {
      this.#setHandler("error", handler);
    }

    addEventListener(type, listener, options) {
      super.addEventListener(type, listener, options);
      this.#listen(String(type));
    }

    /** Closes the connection for good; no event is dispatched after, not even one already received. */
    close() {
      this.#closed = true;
      this.#stream?.close();
    }

    /** Drops the connection and connects again now, resuming from the last event id; a reconnect being waited for is made at once. Does nothing once closed. */
    restart() {
      if (!this.#closed) this.#stream?.restart();
    }

    #listen(type) {
      if (!this.#types.has(type)) {
        this.#types.add(type);
        this.#stream?._listen(type);
      }
    }

    /** An event handler attribute: one listener per type, added where it was first set. */
    #setHandler(type, handler) {
      const callable = typeof handler === "function" || (typeof handler === "object" && handler !== null);
      if (!this.#handlers.has(type) && callable) {
        this.#handlers.set(type, handler);
        this.addEventListener(type, (event) => {
          const current = this.#handlers.get(type);
          if (typeof current === "function") return current.call(this, event);
          return undefined;
        });
      }
      if (callable) this.#handlers.set(type, handler);
      else this.#handlers.set(type, null);
    }

    /** Takes the stream's batches and dispatches each message, until the stream ends. */
    async #pump(stream) {
      for (;;) {
        let batch;
        try {
          batch = await stream._pull();
        } catch (error) {
          // The error that ended the stream: readyState is CLOSED.
          if (!this.#closed) this.dispatchEvent(new EventSourceErrorEvent("error", { error, endReason: "error" }));
          return;
        }
        if (this.#closed) return;
        if (batch === undefined) {
          // A clean end (204, an end marker, the response of a request not sent again): the
          // spec fails the connection with an `error` event.
          this.dispatchEvent(new EventSourceErrorEvent("error", { endReason: stream.endReason }));
          return;
        }
        const parts = batch.split("\r");
        const origin = parts[0];
        for (let at = 1; at < parts.length; at += 3) {
          this.dispatchEvent(new StreamMessageEvent(parts[at], parts[at + 2], origin, parts[at + 1]));
          if (this.#closed) return;
        }
      }
    }
  }

  for (const target of [EventSource, EventSource.prototype]) {
    for (const [name, value] of Object.entries({ CONNECTING, OPEN, CLOSED })) {
      Object.defineProperty(target, name, { value, enumerable: true });
    }
  }
  Object.defineProperty(EventSource.prototype, Symbol.toStringTag, { value: "EventSource", configurable: true });
  return { EventSource, EventSourceErrorEvent };
}

const NO_PORTS = Object.freeze([]);

/** Whether `href` is an absolute URL (one that `new URL` takes without a base). */
function parsesAsAbsolute(href) {
  try {
    new URL(href);
    return true;
  } catch {
    return false;
  }
}

/**
 * The `MessageEvent` the class dispatches: a `MessageEvent` to every check (`instanceof`, its
 * prototype's `toStringTag`, `data`, `origin`, `lastEventId`, `ports`, `source`), made at the
 * cost of a plain `Event`. Chromium's `MessageEvent` constructor converts an init dictionary of
 * six members on every call, 2.5-4.7 µs, five times what the rest of a message costs the class
 * (measured with 100,000 constructions); this one sets three private fields.
 */
class StreamMessageEvent extends Event {
  #data;
  #origin;
  #lastEventId;

  constructor(type, data, origin, lastEventId) {
    super(type);
    this.#data = data;
    this.#origin = origin;
    this.#lastEventId = lastEventId;
  }

  get data() {
    return this.#data;
  }

  get origin() {
    return this.#origin;
  }

  get lastEventId() {
    return this.#lastEventId;
  }

  get ports() {
    return NO_PORTS;
  }

  get source() {
    return null;
  }
}
// MessageEvent's accessors above are shadowed, so none of its brand checks is ever reached.
if (typeof globalThis.MessageEvent === "function") {
  Object.setPrototypeOf(StreamMessageEvent.prototype, globalThis.MessageEvent.prototype);
}

/** Whether the runtime has an EventSource of its own, as the package found it when it loaded. */
const nativeEventSource = typeof globalThis.EventSource === "function";

function hasEventSource() {
  return nativeEventSource;
}
