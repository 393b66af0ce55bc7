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

export function streamError(kind, message, details) {
  return new EventStreamError(kind, message, details);
}

/** One message as the iterator yields it; `JSON.parse` throws for data that is not JSON. */
export function streamEvent(type, data, lastEventId, origin, json) {
  return { type, data: json ? JSON.parse(data) : data, lastEventId, origin };
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
 * cannot say: `[Symbol.asyncIterator]()` returning the stream itself, and the `readyState`
 * constants on instances, as `EventSource` has them (the class has them as static getters).
 */
export function installClassHooks(instance) {
  const proto = Object.getPrototypeOf(instance);
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
