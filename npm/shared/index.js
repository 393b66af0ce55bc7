// `shared: true`: the `EventStream` class of the package's entries, which hands a stream with
// that option to the tab's link (npm/shared/links.js) instead of opening a connection of its own.
import { chooseLink } from "./links.js";
import { defineSharedStream, shareKey, splitOptions } from "./stream.js";

/**
 * The package's `EventStream`: the wasm class, and with `shared: true` a stream that shares one
 * connection with every stream of the same key in every tab of the origin. `makeWorker()`
 * starts the SharedWorker that holds the connections.
 */
export function shareable(WasmEventStream, makeWorker) {
  let link = null;
  let SharedStream = null;
  const optionError = (option, problem) => {
    const EventStreamError = WasmEventStream._errorClass();
    return new EventStreamError("options", `EventStream option "${option}": ${problem}`, { option });
  };

  class EventStream extends WasmEventStream {
    constructor(url, options = undefined) {
      if (options === null || typeof options !== "object" || options.shared === undefined) {
        super(url, options);
        return;
      }
      const { shared, ...rest } = options;
      if (typeof shared !== "boolean") throw optionError("shared", "expected true or false");
      if (!shared) {
        super(url, rest);
        return;
      }
      const [href, transport] = WasmEventStream._validate(url, rest);
      const { own, connection } = splitOptions(rest, optionError);
      link ??= chooseLink(WasmEventStream, makeWorker);
      SharedStream ??= defineSharedStream(EventStream);
      // A derived constructor may return another object: the stream of the shared connection.
      return new SharedStream(href, transport, shareKey(href, transport, connection), own, connection, link);
    }

    /** Whether the stream reads a connection shared across tabs: not this one. */
    get shared() {
      return false;
    }

    /** How many tabs read the connection: this one. */
    get tabs() {
      return 1;
    }

    /** How this page shares connections: `"worker"`, `"locks"` or `"local"` (`null` before the first shared stream). */
    static get sharing() {
      return link?.kind ?? null;
    }
  }
  return EventStream;
}
