// The holder of shared connections: one `EventStream` per key (URL, transport, method,
// headers, body, credentials, retry, …), whose batches and connection events go to every
// subscriber of that key, each through its own `send`. It lives in the SharedWorker
// (subscribers: the tabs' ports) or in the leader tab of the Web Locks path (subscribers:
// the tab's own streams and the BroadcastChannel to the others). It never parses a message:
// the batches are the strings `EventStream._pull()` resolves to (origin, then type,
// lastEventId and data per message, joined by "\r"), passed on as they are.

/** An error as plain data that survives `postMessage` (an `Error`'s own fields do not). */
export function errorData(error) {
  if (error === null || error === undefined) return null;
  const data = { kind: error.kind ?? "js", message: String(error.message ?? error) };
  for (const [name, value] of Object.entries(error)) {
    if (name !== "stack" && (value === null || typeof value !== "object")) data[name] = value;
  }
  return data;
}

/** The id of the last message of a batch (the field before its last "\r"), or `undefined`. */
export function lastIdOf(batch) {
  const data = batch.lastIndexOf("\r");
  if (data <= 0) return undefined;
  const id = batch.lastIndexOf("\r", data - 1);
  return id < 0 ? undefined : batch.slice(id + 1, data);
}

/** One upstream connection and who listens to it. */
class Feed {
  constructor(hub, key, url, options, lastEventId) {
    this.hub = hub;
    this.key = key;
    /** Subscriber id → its `send(message)` and the tab it is in (to count the tabs). */
    this.subscribers = new Map();
    this.state = "connecting";
    this.response = null;
    this.reconnect = null;
    this.fetch = options.transport === "fetch";
    this.types = new Set(["message", ...(options.events ?? [])]);
    const own = { ...options, lastEventId: lastEventId ?? "" };
    if (this.fetch) {
      // Every type: each tab keeps the ones it asked for.
      own.allEvents = true;
      delete own.events;
      own.onComment = (text) => this.broadcast({ k: "comment", text });
    }
    own.onOpen = (response) => {
      this.state = "open";
      this.response = response;
      this.reconnect = null;
      this.broadcast({ k: "open", response });
    };
    own.onError = (error) => {
      const reconnect = this.stream?.reconnect ?? null;
      this.state = this.stream?.state ?? this.state;
      this.reconnect = reconnect;
      this.broadcast({ k: "error", error: errorData(error), reconnect, state: this.state });
    };
    this.stream = new hub.EventStream(url, own);
    this.pump();
  }

  /** What a subscriber that joins now is told first. */
  welcome() {
    const welcome = { k: "welcome", state: this.state, response: this.response, reconnect: this.reconnect };
    if (this.hub.countsTabs) welcome.tabs = this.tabs();
    return welcome;
  }

  /** How many tabs read the connection. */
  tabs() {
    return new Set([...this.subscribers.values()].map(({ tab }) => tab)).size;
  }

  broadcast(message) {
    for (const [id, { send }] of this.subscribers) send({ ...message, id });
  }

  async pump() {
    for (;;) {
      let batch;
      try {
        batch = await this.stream._pull();
      } catch (error) {
        this.finish({ k: "fail", error: errorData(error) });
        return;
      }
      if (this.closed) return;
      if (batch === undefined) {
        this.finish({ k: "end", endReason: this.stream.endReason });
        return;
      }
      this.broadcast({ k: "batch", batch });
    }
  }

  /** The stream ended by itself: every subscriber is told, and the key is free again. */
  finish(message) {
    this.closed = true;
    this.broadcast(message);
    this.subscribers.clear();
    this.hub.feeds.delete(this.key);
  }

  close() {
    this.closed = true;
    this.stream.close();
    this.stream.free?.();
    this.hub.feeds.delete(this.key);
  }
}

/** The feeds by key, joined and left by subscribers. */
export class Hub {
  /**
   * `countsTabs`: whether the hub sees every tab's subscribers (the worker's does) and tells
   * them how many tabs read each connection; the leader tab's hub does not, its link counts.
   */
  constructor(EventStream, countsTabs = true) {
    this.EventStream = EventStream;
    this.countsTabs = countsTabs;
    this.feeds = new Map();
    /** Subscriber id → its feed. */
    this.joined = new Map();
  }

  /**
   * Adds subscriber `id` to the feed of `key`, opening it (with `url`, `options` and, for the
   * first request, `lastEventId`) if there is none; `send` gets the welcome, then everything.
   * A feed that cannot open sends `fail` at once.
   */
  join(id, key, url, options, lastEventId, send, tab = id) {
    let feed = this.feeds.get(key);
    if (feed === undefined) {
      try {
        feed = new Feed(this, key, url, options, lastEventId);
      } catch (error) {
        send({ k: "fail", id, error: errorData(error) });
        return;
      }
      this.feeds.set(key, feed);
    }
    const tabs = feed.tabs();
    feed.subscribers.set(id, { send, tab });
    this.joined.set(id, feed);
    send({ ...feed.welcome(), id });
    if (feed.tabs() !== tabs) this.#tabsChanged(feed);
  }

  /** Tells every subscriber how many tabs read the connection now, where this hub can count them. */
  #tabsChanged(feed) {
    if (this.countsTabs) feed.broadcast({ k: "tabs", count: feed.tabs() });
  }

  /** Removes subscriber `id`; the last one to leave closes the connection. */
  leave(id) {
    const feed = this.joined.get(id);
    this.joined.delete(id);
    if (feed === undefined) return;
    const tabs = feed.tabs();
    feed.subscribers.delete(id);
    if (feed.subscribers.size === 0 && !feed.closed) feed.close();
    else if (feed.tabs() !== tabs) this.#tabsChanged(feed);
  }

  /** Subscriber `id` wants messages of `type` too (the EventSource transport listens per type). */
  listen(id, type) {
    const feed = this.joined.get(id);
    if (feed === undefined || feed.fetch || feed.types.has(type)) return;
    feed.types.add(type);
    feed.stream._listen(type);
  }

  /** Drops the connection of subscriber `id`'s feed and reconnects now, for everyone. */
  restart(id) {
    this.joined.get(id)?.stream.restart();
  }

  /** What a subscriber joining the feed of `key` now would be told first; `undefined` without one. */
  welcome(key) {
    return this.feeds.get(key)?.welcome();
  }
}
