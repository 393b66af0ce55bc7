/** Which network API carries the stream. */
export type TransportName = "eventsource" | "fetch";

/** When and how often a failed connection is opened again. */
export interface RetryOptions {
  /** Delay before the first reconnect when the server sent no `retry:` field. Default 3000. Durations are milliseconds from 0 to 2^53 - 1; any length is honoured. */
  initialDelayMs?: number;
  /** The longest delay that backoff reaches. Default 30000. */
  maxDelayMs?: number;
  /** Reconnect attempts in a row before the stream fails for good. Default: no limit. */
  maxAttempts?: number;
  /** What each failed attempt multiplies the delay by, at least 1. Default 2. */
  factor?: number;
  /** The largest fraction of a delay taken off at random, 0 to 1. Default 0.2. */
  jitter?: number;
  /** Also reconnect after a 408, 429 or 5xx answer (waiting at least its `Retry-After`). Default true. */
  onStatus?: boolean;
}

/** Request headers: a plain object of strings, a `Headers`, or `[name, value]` pairs. */
export type HeaderList = Record<string, string> | Headers | Array<[string, string]>;

/** The response a fetch stream opened with: its status and the headers the page may read (cross-origin: the safelisted ones and those the server exposes), names in lowercase. */
export interface StreamResponse {
  status: number;
  headers: Record<string, string>;
}

/** Options of `new EventStream(url, options)`. Unknown names are refused. */
export interface EventStreamOptions {
  /** `"eventsource"`: the runtime's own EventSource, the default where there is one (browsers, Deno). `"fetch"`: fetch() parsed in wasm, with method, headers, body and typed errors; the default in Node and Bun. */
  transport?: TransportName;
  /** Request headers (fetch transport), or a function that makes them (or a promise of them) before every request: the first and each reconnect, so a refreshed token is sent. On a 401 it is called once more and the request sent again at once. */
  headers?: HeaderList | (() => HeaderList | Promise<HeaderList>);
  /** Request method, default "GET" (fetch transport). */
  method?: string;
  /** Request body, sent again on every reconnect (fetch transport, not with GET). */
  body?: string | Uint8Array | ArrayBuffer;
  /** Send cookies cross-origin. Default false. */
  withCredentials?: boolean;
  /** fetch's credentials mode, instead of `withCredentials`: `"omit"` (fetch transport), `"same-origin"` (default) or `"include"` (what `withCredentials: true` is). */
  credentials?: "omit" | "same-origin" | "include";
  /** Event types delivered besides `"message"` (the `event:` field). */
  events?: string[];
  /** Deliver messages of every event type, not only `"message"` and `events` (fetch transport). */
  allEvents?: boolean;
  /** Fill in each message's `lastEventId`. Default true; `false` saves the browser's EventSource a string per message (the id the connection ends with is still kept for resuming). */
  lastEventIds?: boolean;
  /** Reconnection policy; `"browser"` for the spec's (the server's `retry:` or 3 s, fixed, HTTP errors end the stream); `false` to never reconnect. Default: backoff (see `RetryOptions`) over fetch; over the browser's EventSource, its own reconnecting only. */
  retry?: RetryOptions | "browser" | false;
  /** Parse every message's data with JSON.parse; data that is not JSON is a `"decode"` error given to `onError`. */
  json?: boolean;
  /** Aborting it closes the stream. */
  signal?: AbortSignal;
  /** The id to resume after on the first request. */
  lastEventId?: string;
  /** Send the last event id as this query parameter instead of the `Last-Event-ID` header (no CORS preflight). */
  lastEventIdParam?: string;
  /** Reconnect when no byte arrives for this long (fetch transport). More than 0; any length up to 2^53 - 1 ms is honoured, past the 24.8 days of one browser timer too. */
  stallTimeoutMs?: number;
  /** The largest event accepted, in bytes (fetch transport). Default 4194304 (4 MiB); a larger event is an `"event-too-large"` error. */
  maxEventSize?: number;
  /** Messages held for a consumer that falls behind (eventsource transport), and what happens past that. */
  buffer?: { capacity: number; overflow?: "fail" | "drop-oldest" | "drop-newest" };
  /** Send a request that is not a plain GET (another method or a body) again after its response ends or fails, even when the server sent no id to resume from (fetch transport). Default false: without ids such a request is sent once, and the end of its response ends the stream. */
  resend?: boolean;
  /** End the stream cleanly at the first message whose data is this string (`"[DONE]"`), or for which this function of the message (its data unparsed) returns true: the message is not delivered and the connection is closed at once. */
  endOn?: string | ((message: StreamEvent<string>) => boolean);
  /** Share one connection with every stream of the same request in every tab of the origin (the same URL, transport, method, headers, body, credentials, retry and other connection options; `json`, `events`, `allEvents`, `endOn`, `lastEventId`, the callbacks and the signal stay each stream's own). A SharedWorker shipped with the package holds the connection; where there is none (or it fails to start), the tab holding a Web Lock does and relays over a BroadcastChannel, and the next tab takes over, resuming with `Last-Event-ID`, when it closes or stops answering; where neither exists (Node, Deno, Bun), the streams of one page share. A stream that joins starts from the next message; `restart()` restarts the shared connection. `headers` must be an object, not a function. A stream that falls 16 MiB behind fails with an `"overflow"` error. Default false. */
  shared?: boolean;
  /** Called on every (re)connection, while the stream is iterated. */
  onOpen?: (response: StreamResponse | null) => void;
  /** Called with each error the stream goes on after (a reconnect, a message that is not JSON), while it is iterated. */
  onError?: (error: EventStreamError) => void;
  /** Called with the text of each comment line the server sends (`: keep-alive` gives `"keep-alive"`: the text after the colon, less one leading space), in stream order with the messages, while the stream is iterated (fetch transport: the browser's EventSource drops comments). A comment longer than `maxEventSize` is a `"comment-too-large"` error. */
  onComment?: (text: string) => void;
}

/** What went wrong, one name per cause. */
export type ErrorKind =
  | "options" | "invalid-url" | "invalid-request" | "disconnected" | "connection-failed"
  | "status" | "content-type" | "redirected" | "network" | "stream-ended" | "stalled" | "decode"
  | "event-too-large" | "comment-too-large" | "lagged" | "overflow" | "js";

/** Every error this package throws or reports. */
export interface EventStreamError extends Error {
  name: "EventStreamError";
  kind: ErrorKind;
  /** The HTTP status, for kind `"status"`. */
  status?: number;
  /** The `Retry-After` header in milliseconds, for kind `"status"` when the server sent one. */
  retryAfterMs?: number;
  /** The `Content-Type` the server sent, for kind `"content-type"`. */
  contentType?: string | null;
  /** The option at fault, for kind `"options"`. */
  option?: string;
  /** The event type and raw data of a message that was not JSON, for kind `"decode"`. */
  event?: string;
  data?: string;
}

/** One message of the stream. */
export interface StreamEvent<T = string> {
  /** The event type: the `event:` field, or `"message"`. */
  type: string;
  /** The data, or its parsed JSON with `json: true`. */
  data: T;
  /** The last event id seen on the stream. */
  lastEventId: string;
  /** The origin the stream came from. */
  origin: string;
}

/** Why a stream ended: the server answered 204; a message matched `endOn`; the response of a request that is not sent again (not a plain GET, no ids, no `resend`) ended; `close()`, `break` or the signal; the error that iteration threw. */
export type EndReasonName = "no-content" | "end-marker" | "response-ended" | "closed" | "error";

/** Where the connection stands. */
export type ConnectionStateName = "connecting" | "open" | "reconnecting" | "closed";

/** A server-sent event stream, read with `for await`. Closing it, breaking out of the loop, or aborting its signal closes the connection. */
export interface EventStream<T = string> extends AsyncIterator<StreamEvent<T>, undefined> {
  /** The next message; `done` once the stream is closed. Rejects with the error that ended the stream. */
  next(): Promise<IteratorResult<StreamEvent<T>, undefined>>;
  /** Closes the stream (what `break` in a `for await` calls). */
  return(value?: unknown): Promise<IteratorReturnResult<undefined>>;
  [Symbol.asyncIterator](): EventStream<T>;
  /** Closes the connection; iteration ends. Closing twice does nothing. */
  close(): void;
  /** Drops the connection and connects again now, resuming from the last event id; a reconnect being waited for is made at once. Does nothing once closed. */
  restart(): void;
  /** 0 connecting (or waiting to reconnect), 1 open, 2 closed, as EventSource. */
  readonly readyState: 0 | 1 | 2;
  /** Where the connection stands, reconnecting included. */
  readonly state: ConnectionStateName;
  /** While reconnecting: the attempt about to be made (from 1) and its delay. */
  readonly reconnect: { attempt: number; delayMs: number } | null;
  /** The absolute URL of the stream. */
  readonly url: string;
  /** The response the stream last opened with (fetch transport), else `null`. */
  readonly response: StreamResponse | null;
  /** Why the stream ended: the server answered 204 (`"no-content"`, iteration ends `done`, no error), it was closed (`close()`, `break`, the signal), or an error ended it (the one iteration threw); `null` while it runs. */
  readonly endReason: EndReasonName | null;
  /** The last event id received (or given as `lastEventId`). */
  readonly lastEventId: string;
  /** Whether the stream reads a connection shared across tabs (`shared: true`). */
  readonly shared: boolean;
  /** How many tabs read the stream's connection, this one included (1 unless shared); it changes as tabs come and go. */
  readonly tabs: number;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSED: 2;
  /** Closes the stream and frees its memory. */
  free(): void;
  [Symbol.dispose](): void;
}

export interface EventStreamConstructor {
  /** Opens a stream whose messages' data is parsed as JSON (`T` is what you expect it to hold). */
  new <T = unknown>(url: string | URL, options: EventStreamOptions & { json: true }): EventStream<T>;
  /** Opens a stream of text messages. Throws an `EventStreamError` for a bad option or URL. */
  new (url: string | URL, options?: EventStreamOptions & { json?: false }): EventStream<string>;
  new (url: string | URL, options?: EventStreamOptions): EventStream<unknown>;
  readonly prototype: EventStream<unknown>;
  /** How this page shares connections (`shared: true`): through the package's SharedWorker, a Web Locks leader tab, or only among its own streams; `null` before the first shared stream. */
  readonly sharing: "worker" | "locks" | "local" | null;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSED: 2;
}

export const EventStream: EventStreamConstructor;
