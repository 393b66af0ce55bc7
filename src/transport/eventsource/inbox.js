// Collects the messages the browser's EventSource dispatches and hands them to wasm once per
// task instead of once per message: one string crossing for a whole network read.
//
// A batch is `type \r lastEventId \r data` per message (`type \r data` when ids are not
// read), joined by `\r`: a carriage return ends a line in an event stream, so it never occurs
// in an event type, an id or data.
// Reading `lastEventId` is not free: Chromium makes a new string for every read, which costs
// about a fifth of what the browser spends on a message. Without ids, only the last message's
// is read, when the connection ends.
// The wake-up is a MessageChannel task, not a microtask: a microtask would run after every
// listener call, so every message would be its own batch.
// The runtime's own EventSource, taken when the package loads: the page may later install
// the package's drop-in class as `globalThis.EventSource`, which must not open itself.
const NativeEventSource = typeof globalThis.EventSource === "function" ? globalThis.EventSource : null;

export function hasEventSource() {
  return NativeEventSource !== null;
}

export function openEventSource(url, withCredentials) {
  if (NativeEventSource === null) {
    throw new TypeError("this runtime has no EventSource of its own: use transport \"fetch\"");
  }
  return new NativeEventSource(url, { withCredentials });
}

// `event.origin` as the spec has it: Deno's EventSource gives the whole URL instead.
function originOf(origin) {
  if (!origin.includes("/", origin.indexOf("//") + 2)) return origin;
  try {
    return new URL(origin).origin;
  } catch {
    return origin;
  }
}

export class Inbox {
  constructor(wake, readIds) {
    this.parts = [];
    this.last = null;
    this.origin = "";
    this.wake = wake;
    this.scheduled = false;
    this.channel = new MessageChannel();
    this.channel.port1.onmessage = () => {
      this.scheduled = false;
      if (this.wake !== null) this.wake();
    };
    this.rawOrigin = null;
    this.listener = (event) => {
      if (this.parts.length === 0 && event.origin !== this.rawOrigin) {
        this.rawOrigin = event.origin;
        this.origin = originOf(event.origin);
      }
      this.last = event;
      if (readIds) this.parts.push(event.type, event.lastEventId, event.data);
      else this.parts.push(event.type, event.data);
      if (!this.scheduled) {
        this.scheduled = true;
        this.channel.port2.postMessage(null);
      }
    };
  }

  // The batch collected so far, or undefined; the inbox is empty after.
  take() {
    if (this.parts.length === 0) return undefined;
    const batch = this.parts.join("\r");
    this.parts.length = 0;
    return batch;
  }

  // The last event id as of the latest message, or undefined before the first.
  get lastEventId() {
    return this.last === null ? undefined : this.last.lastEventId;
  }

  // Drops what is left and never calls wake again.
  close() {
    this.wake = null;
    this.last = null;
    this.parts.length = 0;
    this.channel.port1.onmessage = null;
    this.channel.port1.close();
    this.channel.port2.close();
  }
}
