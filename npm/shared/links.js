// How a tab's shared streams reach the one connection of their key. Three links, one
// interface (`join(subscriber)`, `leave(id)`, `listen(id, type)`, `restart(id)`):
//
// - `WorkerLink`: a SharedWorker (npm/shared/worker.js) holds the connections and writes to
//   each tab's port. A port has no close event, so each tab holds a Web Lock for its life and
//   the worker waits for it: granted means the tab is gone (closed, crashed or discarded).
//   If the worker cannot start, the tab falls back to the next link.
// - `LockLink`: no SharedWorker (Safari before 16, Chrome Android before 148, a worker that
//   failed). Per key, the tab that holds a Web Lock leads: it holds the connection and relays
//   everything over a BroadcastChannel. The next tab in the lock's queue takes over when the
//   leader leaves (the lock is released at once, even if the tab crashed), resuming with the
//   last event id it delivered. A leader that stops answering pings (a frozen background tab)
//   has its lock stolen.
// - `LocalLink`: neither (Node, Deno, Bun, old browsers): streams of one page share, tabs do not.
//
// Every link also leaves its connections when the page is hidden into the back/forward cache
// (a held lock or open connection keeps it out) and joins again when it is shown.
import { Hub, lastIdOf } from "./hub.js";

/** How often a follower checks on its leader, and how long a leader may stay silent after a ping. */
const PING_MS = 1000;
const SILENT_MS = 3000;
/** How long a new leader lets the last messages of the previous one arrive before resuming. */
const HANDOVER_MS = 50;

let tokens = 0;
const pageToken = Math.random().toString(36).slice(2, 10);
const token = () => `${pageToken}:${tokens++}`;

/** The link for this page: the best the runtime has. */
export function chooseLink(EventStream, makeWorker) {
  const locks = typeof navigator === "object" ? navigator.locks : undefined;
  const lockLink = () => (locks !== undefined && typeof BroadcastChannel === "function"
    ? new LockLink(EventStream, locks)
    : new LocalLink(EventStream));
  if (typeof SharedWorker === "function") return new WorkerLink(makeWorker, lockLink, locks);
  return lockLink();
}

/** Calls `hide()` when the page goes into the back/forward cache, `show()` when it comes back. */
function onPageCache(hide, show, always = false) {
  if (typeof addEventListener !== "function") return;
  addEventListener("pagehide", (event) => {
    if (always || event.persisted) hide();
  });
  addEventListener("pageshow", (event) => {
    if (event.persisted) show();
  });
}

/** Streams of this page share; nothing crosses to other tabs. */
export class LocalLink {
  #hub;

  constructor(EventStream) {
    this.#hub = new Hub(EventStream);
    this.kind = "local";
  }

  join(subscriber) {
    const { id, key, url, options, lastEventId, receive } = subscriber;
    this.#hub.join(id, key, url, options, lastEventId, receive);
  }

  leave(id) {
    this.#hub.leave(id);
  }

  listen(id, type) {
    this.#hub.listen(id, type);
  }

  restart(id) {
    this.#hub.restart(id);
  }
}

/** The tab's side of the SharedWorker. */
export class WorkerLink {
  /** Subscriber id → the subscriber, with the last event id delivered to it. */
  #subscribers = new Map();
  #port = null;
  #fallback;
  #link = null;
  #locks;
  #releaseTab = null;

  constructor(makeWorker, fallback, locks) {
    this.kind = "worker";
    this.#fallback = fallback;
    this.#locks = locks;
    let worker;
    try {
      worker = makeWorker();
    } catch {
      this.#broken();
      return;
    }
    worker.addEventListener("error", () => this.#broken());
    this.#port = worker.port;
    this.#port.onmessage = (event) => this.#receive(event.data);
    this.#port.start();
    this.#holdTabLock();
    // A closed tab leaves at once (the lock tells the worker too, later, if this never runs).
    onPageCache(() => this.#hide(), () => this.#show(), true);
  }

  join(subscriber) {
    if (this.#link !== null) {
      this.#link.join(subscriber);
      return;
    }
    const { id, key, url, options, lastEventId } = subscriber;
    this.#subscribers.set(id, subscriber);
    this.#port.postMessage({ k: "join", id, key, url, options, lastEventId });
  }

  leave(id) {
    if (this.#link !== null) {
      this.#link.leave(id);
      return;
    }
    if (this.#subscribers.delete(id)) this.#port.postMessage({ k: "leave", id });
  }

  listen(id, type) {
    const subscriber = this.#subscribers.get(id);
    if (subscriber !== undefined) (subscriber.types ??= new Set()).add(type);
    if (this.#link !== null) this.#link.listen(id, type);
    else this.#port.postMessage({ k: "listen", id, type });
  }

  restart(id) {
    if (this.#link !== null) this.#link.restart(id);
    else this.#port.postMessage({ k: "restart", id });
  }

  #receive(message) {
    if (message.k === "broken") {
      this.#broken();
      return;
    }
    const subscriber = this.#subscribers.get(message.id);
    if (subscriber === undefined) return;
    if (message.k === "batch") subscriber.lastEventId = lastIdOf(message.batch) ?? subscriber.lastEventId;
    if (message.k === "end" || message.k === "fail") this.#subscribers.delete(message.id);
    subscriber.receive(message);
  }

  /** The worker failed to start (or to load the wasm): every stream moves to the next link, resuming. */
  #broken() {
    if (this.#link !== null) return;
    this.#link = this.#fallback();
    this.kind = this.#link.kind;
    this.#port?.close();
    for (const subscriber of this.#subscribers.values()) {
      this.#link.join(subscriber);
      for (const type of subscriber.types ?? []) this.#link.listen(subscriber.id, type);
    }
    this.#subscribers.clear();
    this.#releaseTab?.();
  }

  /** A lock held while the page lives; the worker's request for it is granted when the page is gone. */
  #holdTabLock() {
    if (this.#locks === undefined) return;
    const name = `wasm-sse tab ${token()}`;
    this.#locks.request(name, () => {
      this.#port?.postMessage({ k: "tab", lock: name });
      return new Promise((resolve) => { this.#releaseTab = resolve; });
    });
  }

  #hide() {
    if (this.#link !== null) return;
    for (const id of this.#subscribers.keys()) this.#port.postMessage({ k: "leave", id });
    this.#releaseTab?.();
    this.#releaseTab = null;
  }

  #show() {
    if (this.#link !== null) return;
    this.#holdTabLock();
    for (const subscriber of this.#subscribers.values()) {
      const { id, key, url, options, lastEventId } = subscriber;
      this.#port.postMessage({ k: "join", id, key, url, options, lastEventId });
      for (const type of subscriber.types ?? []) this.#port.postMessage({ k: "listen", id, type });
    }
  }
}

/** The tabs' side of the Web Locks path: one group per key, led by one tab. */
export class LockLink {
  #hub;
  #locks;
  #groups = new Map();
  /** Subscriber id → its group. */
  #of = new Map();

  constructor(EventStream, locks) {
    this.kind = "locks";
    // It sees only this page's streams: each group counts the tabs in the lock's queue.
    this.#hub = new Hub(EventStream, false);
    this.#locks = locks;
    onPageCache(() => this.#hide(), () => this.#show());
  }

  join(subscriber) {
    let group = this.#groups.get(subscriber.key);
    if (group === undefined) {
      group = new Group(this.#hub, this.#locks, subscriber, () => this.#groups.delete(subscriber.key));
      this.#groups.set(subscriber.key, group);
    }
    this.#of.set(subscriber.id, group);
    group.add(subscriber);
  }

  leave(id) {
    const group = this.#of.get(id);
    this.#of.delete(id);
    group?.remove(id);
  }

  listen(id, type) {
    this.#of.get(id)?.listen(id, type);
  }

  restart(id) {
    this.#of.get(id)?.restart(id);
  }

  /** How this page stands in the group of `id`'s key: `"leader"` or `"follower"` (tests, the demo). */
  role(id) {
    return this.#of.get(id)?.leading ? "leader" : "follower";
  }

  #hide() {
    for (const group of this.#groups.values()) group.suspend();
  }

  #show() {
    for (const group of this.#groups.values()) group.resume();
  }
}

/** One key's connection as this page sees it: leading it, or following the tab that does. */
class Group {
  #hub;
  #locks;
  #forget;
  #name;
  #channel = null;
  #timer = null;
  /** Subscriber id → subscriber, with the last event id delivered to it. */
  subscribers = new Map();
  /** Types listened for beyond "message" by this page's subscribers. */
  #types = new Set();
  /** The current tenure while this page leads, else `null`. */
  leading = null;
  /** The queued lock request, while this page waits to lead. */
  #waiting = null;
  /** The leader whose messages are taken; `null` until one is heard. */
  #leader = null;
  #heard = 0;
  #pinged = null;
  /** How many tabs read the connection, as the leader last counted. */
  #tabs = 1;
  #lastEventId;
  #key;

  constructor(hub, locks, first, forget) {
    this.#hub = hub;
    this.#locks = locks;
    this.#forget = forget;
    this.#key = first.key;
    this.#name = `wasm-sse ${first.key}`;
    this.#lastEventId = first.lastEventId;
    this.#open();
  }

  add(subscriber) {
    this.subscribers.set(subscriber.id, subscriber);
    if (this.leading?.open) this.#hubJoin(subscriber);
    else this.#channel?.postMessage({ k: "hello", from: subscriber.id });
  }

  remove(id) {
    if (!this.subscribers.delete(id)) return;
    if (this.leading?.open) this.#hub.leave(id);
    if (this.subscribers.size === 0) {
      this.#close();
      this.#forget();
    }
  }

  listen(id, type) {
    this.#types.add(type);
    if (this.leading?.open) this.#hub.listen(id, type);
    else this.#channel?.postMessage({ k: "listen", type });
  }

  restart(id) {
    if (this.leading?.open) this.#hub.restart(id);
    else this.#channel?.postMessage({ k: "restart" });
  }

  suspend() {
    this.#close();
  }

  resume() {
    this.#open();
    for (const subscriber of this.subscribers.values()) this.#channel.postMessage({ k: "hello", from: subscriber.id });
  }

  #open() {
    this.#channel = new BroadcastChannel(this.#name);
    this.#channel.onmessage = (event) => this.#message(event.data);
    this.#heard = Date.now();
    this.#timer = setInterval(() => this.#check(), PING_MS);
    this.#request(false);
  }

  #close() {
    if (this.leading !== null) this.#stepDown(this.leading);
    this.#waiting?.abort();
    this.#waiting = null;
    clearInterval(this.#timer);
    this.#channel?.close();
    this.#channel = null;
  }

  /** Asks for the leader's lock: queued behind the leader, or taking it from a silent one. */
  #request(steal) {
    const tenure = { open: false, release: null };
    const options = {};
    if (steal) options.steal = true;
    else {
      this.#waiting = new AbortController();
      options.signal = this.#waiting.signal;
    }
    const granted = new Promise((resolve) => { tenure.granted = resolve; });
    this.#locks.request(this.#name, options, () => this.#lead(tenure)).catch(() => {
      // Stolen from this page, or the wait was given up: either way it leads no more.
      if (this.leading === tenure) {
        this.#stepDown(tenure);
        if (this.#channel !== null) this.#request(false);
      }
    });
    return granted;
  }

  async #lead(tenure) {
    this.#waiting = null;
    const held = new Promise((resolve) => { tenure.release = resolve; });
    if (this.#channel === null || this.subscribers.size === 0) {
      tenure.granted();
      return;
    }
    this.leading = tenure;
    // The previous leader's last messages may still be on their way: take them first.
    await new Promise((resolve) => setTimeout(resolve, HANDOVER_MS));
    if (this.leading !== tenure) {
      tenure.granted();
      return;
    }
    const me = token();
    this.#leader = me;
    tenure.open = true;
    tenure.channelId = `channel:${me}`;
    this.#channel.postMessage({ k: "leader", from: me });
    tenure.granted();
    const channel = this.#channel;
    const { key, url, options } = this.subscribers.values().next().value;
    // Every message of the connection passes here once: where the resume point is kept.
    this.#hub.join(tenure.channelId, key, url, options, this.#lastEventId, (message) => {
      this.#advance(message);
      if (message.k !== "welcome") channel.postMessage({ ...message, from: me });
    });
    for (const type of this.#types) this.#hub.listen(tenure.channelId, type);
    for (const subscriber of this.subscribers.values()) this.#hubJoin(subscriber);
    // Counted afresh: what this page's streams were last told came from the previous leader.
    this.#tabs = 0;
    this.#countTabs();
    await held;
  }

  /** Joins a stream of this page to the connection it leads (its types: in `#types`, listened for by the channel's subscriber). */
  #hubJoin(subscriber) {
    const { id, key, url, options, lastEventId, receive } = subscriber;
    this.#hub.join(id, key, url, options, lastEventId, receive);
  }

  #stepDown(tenure) {
    if (this.leading !== tenure) return;
    this.leading = null;
    this.#leader = null;
    if (tenure.open) {
      this.#hub.leave(tenure.channelId);
      for (const id of this.subscribers.keys()) this.#hub.leave(id);
    }
    tenure.release?.();
    tenure.granted?.();
  }

  /** Keeps the id to resume from if this page comes to lead: the last one delivered. */
  #advance(message) {
    if (message.k === "batch") this.#lastEventId = lastIdOf(message.batch) ?? this.#lastEventId;
  }

  #message(message) {
    switch (message.k) {
      case "hello":
        if (this.leading?.open) {
          const welcome = this.#hub.welcome(this.#key);
          if (welcome !== undefined) this.#channel.postMessage({ ...welcome, tabs: this.#tabs, to: message.from, from: this.#leader });
          this.#countTabs();
        }
        return;
      case "ping":
        if (this.leading?.open) this.#channel.postMessage({ k: "pong", from: this.#leader });
        return;
      case "listen":
        if (this.leading?.open) this.#hub.listen(this.leading.channelId, message.type);
        return;
      case "restart":
        if (this.leading?.open) this.#hub.restart(this.leading.channelId);
        return;
      case "leader":
        if (this.leading?.open) return;
        this.#leader = message.from;
        this.#heard = Date.now();
        // The new leader's connection must deliver the types this page listens for.
        for (const type of this.#types) this.#channel.postMessage({ k: "listen", type });
        return;
      default:
    }
    // A message of the connection, from the leader (the previous one, while this page takes over).
    if (this.leading?.open || message.from === undefined) return;
    this.#leader ??= message.from;
    if (message.from !== this.#leader) return;
    this.#heard = Date.now();
    if (message.k === "pong") return;
    if (message.k === "welcome") {
      const subscriber = this.subscribers.get(message.to);
      if (subscriber !== undefined) subscriber.receive({ ...message, id: subscriber.id });
      return;
    }
    this.#advance(message);
    for (const subscriber of [...this.subscribers.values()]) subscriber.receive({ ...message, id: subscriber.id });
  }

  /** A follower's heartbeat: ping a quiet leader; take the lock from one that does not answer. */
  #check() {
    if (this.leading?.open) this.#countTabs();
    if (this.leading !== null || this.#channel === null) return;
    const now = Date.now();
    if (this.#pinged !== null && this.#heard < this.#pinged) {
      if (now - this.#pinged >= SILENT_MS) this.#steal();
      return;
    }
    if (now - this.#heard >= PING_MS) {
      this.#pinged = now;
      this.#channel.postMessage({ k: "ping" });
    }
  }

  /** The leader counts the tabs of the group (its own and those queued for the lock) and tells them all when that changes. */
  async #countTabs() {
    const { held = [], pending = [] } = await this.#locks.query();
    const count = [...held, ...pending].filter((lock) => lock.name === this.#name).length;
    if (!this.leading?.open || count === this.#tabs || count === 0) return;
    this.#tabs = count;
    const message = { k: "tabs", count };
    this.#channel.postMessage({ ...message, from: this.#leader });
    for (const subscriber of this.subscribers.values()) subscriber.receive({ ...message, id: subscriber.id });
  }

  /** Takes the lock from a leader that went silent; one follower at a time, and only if it is still silent. */
  #steal() {
    this.#locks.request(`${this.#name} steal`, { ifAvailable: true }, async (lock) => {
      if (lock === null || this.leading !== null || this.#channel === null) return;
      if (this.#pinged === null || this.#heard >= this.#pinged) return;
      this.#pinged = null;
      this.#waiting?.abort();
      this.#waiting = null;
      // Held until this page has told the others that it leads.
      await this.#request(true);
    });
  }
}
