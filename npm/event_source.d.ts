import type { EventStreamError, EventStreamOptions, StreamResponse, ConnectionStateName, EndReasonName } from "../pkg/web/wasm_sse.js";

/** `init` of the drop-in `EventSource`: the spec's `withCredentials`, and every `EventStream` option but those the class has its own way for. */
export interface WasmEventSourceInit extends Omit<EventStreamOptions, "json" | "events" | "onOpen" | "onError"> {
  withCredentials?: boolean;
}

/** The `error` event: why, and while reconnecting, the attempt and its delay. */
export declare class EventSourceErrorEvent extends Event {
  /** The typed error (a `kind`, and `status` where there is one); `null` for a clean end (204, an end marker). */
  readonly error: EventStreamError | null;
  /** While reconnecting (fetch transport, or after the browser gave up): the attempt about to be made, from 1; else `null`. */
  readonly attempt: number | null;
  /** While reconnecting: the wait before that attempt in ms; else `null`. */
  readonly delayMs: number | null;
  /** Once closed: why; `null` while reconnecting. */
  readonly endReason: EndReasonName | null;
}

export interface WasmEventSourceEventMap {
  open: Event;
  message: MessageEvent<string>;
  error: EventSourceErrorEvent;
}

/**
 * The WHATWG `EventSource`, over this package's connection loop: the same interface as the
 * browser's (lib.dom's `EventSource`), plus headers, POST, retry policies, typed errors,
 * stall timeouts and bounded memory through `init`. Call `await init()` first.
 */
export declare class EventSource extends EventTarget {
  constructor(url: string | URL, init?: WasmEventSourceInit);
  /** The absolute URL of the stream. */
  readonly url: string;
  readonly withCredentials: boolean;
  /** 0 connecting (or waiting to reconnect), 1 open, 2 closed. */
  readonly readyState: 0 | 1 | 2;
  /** Where the connection stands, reconnecting included. */
  readonly state: ConnectionStateName;
  /** The status and headers the stream last opened with (fetch transport), else `null`. */
  readonly response: StreamResponse | null;
  /** Why the stream ended; `null` while it runs. */
  readonly endReason: EndReasonName | null;
  // Each handler is set with its own event type and read back as lib.dom's handlers are
  // typed, so that an instance can stand where lib.dom's `EventSource` is expected.
  get onopen(): ((ev: Event) => any) | null;
  set onopen(handler: ((this: EventSource, ev: Event) => any) | null);
  get onmessage(): ((ev: MessageEvent) => any) | null;
  set onmessage(handler: ((this: EventSource, ev: MessageEvent<string>) => any) | null);
  get onerror(): ((ev: Event) => any) | null;
  set onerror(handler: ((this: EventSource, ev: EventSourceErrorEvent) => any) | null);
  /** Closes the connection for good; no event is dispatched after. */
  close(): void;
  /** Drops the connection and connects again now, resuming from the last event id. Does nothing once closed. */
  restart(): void;
  addEventListener<K extends keyof WasmEventSourceEventMap>(type: K, listener: (this: EventSource, ev: WasmEventSourceEventMap[K]) => any, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: (this: EventSource, event: MessageEvent<string>) => any, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof WasmEventSourceEventMap>(type: K, listener: (this: EventSource, ev: WasmEventSourceEventMap[K]) => any, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: (this: EventSource, event: MessageEvent<string>) => any, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSED: 2;
  static readonly CONNECTING: 0;
  static readonly OPEN: 1;
  static readonly CLOSED: 2;
}
