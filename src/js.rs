//! The npm package's JavaScript API: `EventStream`, an async iterable over an
//! [`EventSource`], configured by a plain options object.
//!
//! ```js
//! import init, { EventStream } from "wasm-sse";
//! await init();
//! const stream = new EventStream("/feed", { transport: "fetch", json: true });
//! for await (const event of stream) console.log(event.type, event.data, event.lastEventId);
//! ```
//!
//! It adds no protocol logic: options become a [`Builder`], items of the [`EventSource`]
//! become iterator results, and [`Error`]s become JavaScript `Error`s with a `kind`.
//! Behind the cargo feature `js`, so that Rust users do not get these exports.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::task::{Poll, Waker};
use std::time::Duration;

use futures_util::StreamExt;
use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;

use crate::connection::Status;
use crate::{
    Builder, ConnectionState, Credentials, EndReason, Error, Event, EventSource, Message, Overflow,
    RetryPolicy, Transport,
};

#[wasm_bindgen(module = "/src/js/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = streamError)]
    fn stream_error(kind: &str, message: &str, details: &JsValue) -> JsValue;

    /// The JavaScript side of a stream's iteration: queued messages and pending `next()`s.
    #[wasm_bindgen(js_name = newQueue)]
    fn new_queue(json: bool, last_event_id: &str) -> JsValue;

    /// Drops what `queue` holds: later `next()` calls are `done`.
    #[wasm_bindgen(js_name = closeQueue)]
    fn close_queue(queue: &JsValue);

    #[wasm_bindgen(js_name = iteratorResult)]
    fn iterator_result(value: &JsValue, done: bool) -> JsValue;

    #[wasm_bindgen(js_name = reportError)]
    fn report_error(error: &JsValue);

    #[wasm_bindgen(js_name = installClassHooks)]
    fn install_class_hooks(instance: &JsValue);

    #[wasm_bindgen(js_name = errorClass)]
    fn error_class() -> JsValue;
}

/// The TypeScript declarations of the API, written by hand: wasm-bindgen cannot say that
/// `EventStream` is generic in its data, nor describe the options object.
#[wasm_bindgen(typescript_custom_section)]
const TYPESCRIPT: &'static str = r#"
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
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSED: 2;
}

export const EventStream: EventStreamConstructor;
"#;

/// A server-sent event stream for JavaScript: an async iterator of message objects.
#[wasm_bindgen(skip_typescript)]
pub struct EventStream {
    shared: Rc<Shared>,
}

/// What the stream, its pending pulls and its abort listener share.
#[derive(Default)]
struct Shared {
    /// `None` once closed, and while a pull polls it (see `poll_batch`).
    source: RefCell<Option<EventSource>>,
    /// The source's state and end reason, readable while it is being polled.
    status: Option<Rc<Status>>,
    url: String,
    on_open: Option<js_sys::Function>,
    on_error: Option<js_sys::Function>,
    on_comment: Option<js_sys::Function>,
    abort: RefCell<Option<AbortListener>>,
    /// The waker of a pending pull, so that `close()` ends it.
    waker: RefCell<Option<Waker>>,
    /// The JavaScript queue (`newQueue` in glue.js) that `next()` serves messages from.
    queue: JsValue,
    /// An item that ended the previous batch, delivered by the next pull.
    held: RefCell<Option<Option<Result<Event, Error>>>>,
    /// The previous batch's buffer, kept so that its capacity is reused.
    spare: RefCell<String>,
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("url", &self.shared.url)
            .field("state", &self.shared.state())
            .finish_non_exhaustive()
    }
}

thread_local! {
    static HOOKS_INSTALLED: Cell<bool> = const { Cell::new(false) };
}

#[wasm_bindgen]
impl EventStream {
    /// Opens a stream of `url` with `options`; throws an `EventStreamError` for a bad option
    /// (kind `"options"`), URL (`"invalid-url"`) or request (`"invalid-request"`).
    #[wasm_bindgen(constructor)]
    pub fn new(url: JsValue, options: JsValue) -> Result<EventStream, JsValue> {
        install_hooks();
        let url = match url.as_string() {
            Some(url) => url,
            None if url.is_instance_of::<web_sys::Url>() => {
                url.unchecked_ref::<web_sys::Url>().href()
            }
            None => return Err(option_error("url", "expected a string or a URL")),
        };
        let options = Options::read(&options)?;
        let signal = options.signal.clone();
        let (on_open, on_error) = (options.on_open.clone(), options.on_error.clone());
        let on_comment = options.on_comment.clone();
        let queue = new_queue(
            options.json,
            options.last_event_id.as_deref().unwrap_or_default(),
        );
        let source = options
            .builder(&url)
            .open()
            .map_err(|err| error_to_js(&err))?;
        let shared = Rc::new(Shared {
            url: source.url().to_owned(),
            status: Some(source.status()),
            source: RefCell::new(Some(source)),
            on_open,
            on_error,
            on_comment,
            queue,
            ..Shared::default()
        });
        if let Some(signal) = signal {
            if signal.aborted() {
                shared.close();
            } else {
                let listener = AbortListener::new(signal, Rc::downgrade(&shared))?;
                *shared.abort.borrow_mut() = Some(listener);
            }
        }
        Ok(EventStream { shared })
    }

    /// `readyState` while connecting or waiting to reconnect: 0.
    #[wasm_bindgen(getter = CONNECTING)]
    pub fn connecting_constant() -> u16 {
        0
    }

    /// `readyState` while open: 1.
    #[wasm_bindgen(getter = OPEN)]
    pub fn open_constant() -> u16 {
        1
    }

    /// `readyState` once closed: 2.
    #[wasm_bindgen(getter = CLOSED)]
    pub fn closed_constant() -> u16 {
        2
    }

    /// The `EventStreamError` class, for the drop-in `EventSource` (npm/event_source.js).
    #[wasm_bindgen(js_name = _errorClass)]
    pub fn error_class() -> JsValue {
        error_class()
    }

    /// The JavaScript queue behind `next()` and `lastEventId` (defined in glue.js).
    #[wasm_bindgen(js_name = _queue)]
    pub fn queue(&self) -> JsValue {
        self.shared.queue.clone()
    }

    /// The messages ready now (waiting for at least one) as one batch string for glue.js's
    /// `next()`, or `undefined` once the stream has ended; rejects with the error that ended it.
    #[wasm_bindgen(js_name = _pull)]
    pub fn pull(&self) -> Promise {
        let shared = Rc::clone(&self.shared);
        future_to_promise(async move { pull_batch(&shared).await })
    }

    /// Reports a message whose data `JSON.parse` refused, as a `"decode"` error to `onError`.
    #[wasm_bindgen(js_name = _decodeFailed)]
    pub fn decode_failed(&self, event: String, data: String, exception: JsValue) {
        let err = Error::Decode {
            event,
            data,
            reason: crate::error::js_message(&exception),
        };
        self.shared.call(&self.shared.on_error, &error_to_js(&err));
    }

    /// Closes the stream: what `break` out of a `for await` loop calls.
    #[wasm_bindgen(js_name = "return")]
    pub fn return_(&self, value: JsValue) -> Promise {
        self.shared.close();
        Promise::resolve(&iterator_result(&value, true))
    }

    /// Closes the connection; pending and later `next()` calls are `done`.
    pub fn close(&self) {
        self.shared.close();
    }

    /// Drops the connection and connects again at once with the last event id; a reconnect
    /// being waited for is made now. Does nothing once the stream has ended.
    pub fn restart(&self) {
        if let Some(status) = &self.shared.status {
            status.restart();
        }
    }

    /// Delivers messages of `event_type` too from now on (the drop-in `EventSource` calls it
    /// when a listener for a new type is added).
    #[wasm_bindgen(js_name = _listen)]
    pub fn listen(&self, event_type: &str) {
        if let Some(status) = &self.shared.status {
            status.listen(event_type);
        }
    }

    /// 0 (connecting), 1 (open) or 2 (closed), as `EventSource.readyState`.
    #[wasm_bindgen(getter, js_name = readyState)]
    pub fn ready_state(&self) -> u16 {
        match self.shared.state().ready_state() {
            crate::ReadyState::Connecting => 0,
            crate::ReadyState::Open => 1,
            crate::ReadyState::Closed => 2,
        }
    }

    /// `"connecting"`, `"open"`, `"reconnecting"` or `"closed"`.
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> String {
        match self.shared.state() {
            ConnectionState::Connecting => "connecting",
            ConnectionState::Open => "open",
            ConnectionState::Reconnecting { .. } => "reconnecting",
            ConnectionState::Closed => "closed",
        }
        .to_owned()
    }

    /// `{ attempt, delayMs }` while waiting to reconnect, else `null`.
    #[wasm_bindgen(getter)]
    pub fn reconnect(&self) -> JsValue {
        match self.shared.state() {
            ConnectionState::Reconnecting { attempt, delay } => object(&[
                ("attempt", attempt.into()),
                ("delayMs", millis(delay).into()),
            ]),
            _ => JsValue::NULL,
        }
    }

    /// `{ status, headers }` of the response the stream last opened with (fetch transport),
    /// else `null`.
    #[wasm_bindgen(getter)]
    pub fn response(&self) -> JsValue {
        self.shared.response()
    }

    /// The absolute URL of the stream.
    #[wasm_bindgen(getter)]
    pub fn url(&self) -> String {
        self.shared.url.clone()
    }

    /// Why the stream ended: `"no-content"` (the server answered 204), `"end-marker"` (a
    /// message matched `endOn`), `"response-ended"` (the response of a request that is not
    /// sent again ended), `"closed"` (by `close()`, `break` or the signal) or `"error"` (the
    /// error iteration threw); `null` while it runs.
    #[wasm_bindgen(getter, js_name = endReason)]
    pub fn end_reason(&self) -> JsValue {
        let reason = self.shared.status.as_ref().and_then(|s| s.end_reason());
        match reason {
            None => JsValue::NULL,
            Some(EndReason::NoContent) => "no-content".into(),
            Some(EndReason::Closed) => "closed".into(),
            Some(EndReason::EndMarker) => "end-marker".into(),
            Some(EndReason::ResponseEnded) => "response-ended".into(),
            Some(_) => "error".into(),
        }
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        // `free()`, `Symbol.dispose` or garbage collection of the JavaScript object.
        self.shared.close();
    }
}

/// Installs the class hooks once, on the prototype of a throwaway closed stream.
fn install_hooks() {
    if HOOKS_INSTALLED.with(|installed| installed.replace(true)) {
        return;
    }
    let probe = EventStream {
        shared: Rc::default(),
    };
    install_class_hooks(&JsValue::from(probe));
}

impl Shared {
    fn state(&self) -> ConnectionState {
        self.status
            .as_ref()
            .map_or(ConnectionState::Closed, |status| status.state())
    }

    /// Closes the connection, empties the queue and wakes a pending pull, which then ends
    /// the iteration. Called while the source is being polled (from a page's `fetch`
    /// wrapper), it finds no source here: the poll drops it when it is done.
    fn close_connection(&self) {
        if let Some(status) = &self.status {
            status.end(EndReason::Closed);
        }
        let source = self.source.borrow_mut().take();
        drop(source);
        self.held.replace(None);
        if !self.queue.is_undefined() {
            close_queue(&self.queue);
        }
        if let Some(waker) = self.waker.borrow_mut().take() {
            waker.wake();
        }
    }

    /// Closes the connection and removes the abort listener.
    fn close(&self) {
        self.close_connection();
        let listener = self.abort.borrow_mut().take();
        drop(listener);
    }

    /// `{ status, headers }` of the response the stream last opened with, or `null`.
    fn response(&self) -> JsValue {
        let Some(head) = self.status.as_ref().and_then(|status| status.response()) else {
            return JsValue::NULL;
        };
        let headers = Object::new();
        for (name, value) in &head.headers {
            // Setting a property on a fresh plain object cannot fail.
            let _ = Reflect::set(&headers, &name.into(), &value.into());
        }
        object(&[("status", head.status.into()), ("headers", headers.into())])
    }

    fn call(&self, callback: &Option<js_sys::Function>, argument: &JsValue) {
        if let Some(callback) = callback {
            if let Err(exception) = callback.call1(&JsValue::UNDEFINED, argument) {
                report_error(&exception);
            }
        }
    }
}

/// The most a batch holds before it is handed over, in bytes: messages beyond wait for the
/// next pull (the fetch transport reads only as fast as batches are taken).
const BATCH_BYTES: usize = 256 * 1024;

/// Pulls until there are messages, the end, or an error that ends the stream; calls
/// `onOpen` and `onError` on the way. Resolves to a [`Batch`] string, or `undefined` at the end.
async fn pull_batch(shared: &Shared) -> Result<JsValue, JsValue> {
    let mut batch = Batch {
        text: shared.spare.take(),
        origin_len: 0,
    };
    loop {
        let held = shared.held.borrow_mut().take();
        let item = match held {
            Some(Some(Ok(Event::Message(message)))) => {
                // A message of another origin than the previous batch's: it starts this one.
                batch.push(&message);
                continue;
            }
            Some(item) => item,
            None => {
                let stop = std::future::poll_fn(|cx| poll_batch(shared, cx, &mut batch)).await;
                if !batch.text.is_empty() {
                    shared.held.replace(stop);
                    let text = JsValue::from_str(&batch.text);
                    // Kept for the next batch, unless a giant message made it giant.
                    if batch.text.capacity() <= 2 * BATCH_BYTES {
                        batch.text.clear();
                        shared.spare.replace(batch.text);
                    }
                    return Ok(text);
                }
                match stop {
                    Some(item) => item,
                    None => continue,
                }
            }
        };
        match item {
            None => {
                shared.close();
                return Ok(JsValue::UNDEFINED);
            }
            Some(Ok(Event::Open)) => shared.call(&shared.on_open, &shared.response()),
            Some(Ok(Event::Comment(text))) => shared.call(&shared.on_comment, &text.into()),
            // Messages go into batches (above, and in `poll_batch`).
            Some(Ok(Event::Message(_))) => {}
            Some(Err(err)) => {
                let error = error_to_js(&err);
                if shared.state() == ConnectionState::Closed {
                    shared.close();
                    return Err(error);
                }
                shared.call(&shared.on_error, &error);
            }
        }
    }
}

/// Messages handed to glue.js as one string: their origin, then the `type`, `lastEventId`
/// and `data` of each, all joined by `\r` (a carriage return ends a line in an event stream,
/// so no field holds one). One string crossing per batch instead of four per message.
struct Batch {
    text: String,
    origin_len: usize,
}

impl Batch {
    /// Adds `message`, unless it comes from another origin than the batch's messages.
    fn push(&mut self, message: &Message) -> bool {
        if self.text.is_empty() {
            self.text.push_str(&message.origin);
            self.origin_len = self.text.len();
        } else if self.text[..self.origin_len] != message.origin {
            return false;
        }
        for part in [
            &message.event,
            &message.last_event_id,
            message.data.as_str(),
        ] {
            self.text.push('\r');
            self.text.push_str(part);
        }
        true
    }
}

/// Adds the messages ready now to `batch`. Ready once there is something to hand over: with
/// the item that stopped the batch (the end, `Open`, an error, a message of another origin),
/// or with `None` when nothing more is ready or the batch is full.
fn poll_batch(
    shared: &Shared,
    cx: &mut std::task::Context<'_>,
    batch: &mut Batch,
) -> Poll<Option<Option<Result<Event, Error>>>> {
    // Taken out while it is polled, not borrowed: a poll calls `fetch()`, which a page may
    // have wrapped, and the wrapper may read this stream's state or close it.
    let Some(mut source) = shared.source.take() else {
        return Poll::Ready(Some(None));
    };
    let polled = fill_batch(shared, &mut source, cx, batch);
    if shared.state() == ConnectionState::Closed {
        // Ended meanwhile (closed from inside the poll, or finished): it has nothing more to
        // give, and dropping it releases its connection. What it waited for will not come.
        drop(source);
        return match polled {
            Poll::Pending => Poll::Ready(Some(None)),
            ready => ready,
        };
    }
    shared.source.replace(Some(source));
    polled
}

/// `poll_batch` with the source in hand.
fn fill_batch(
    shared: &Shared,
    source: &mut EventSource,
    cx: &mut std::task::Context<'_>,
    batch: &mut Batch,
) -> Poll<Option<Option<Result<Event, Error>>>> {
    while batch.text.len() < BATCH_BYTES {
        let item = match source.poll_next_unpin(cx) {
            Poll::Pending if batch.text.is_empty() => {
                *shared.waker.borrow_mut() = Some(cx.waker().clone());
                return Poll::Pending;
            }
            Poll::Pending => return Poll::Ready(None),
            Poll::Ready(item) => item,
        };
        match item {
            Some(Ok(Event::Message(message))) if !batch.push(&message) => {
                return Poll::Ready(Some(Some(Ok(Event::Message(message)))));
            }
            Some(Ok(Event::Message(_))) => {}
            item => return Poll::Ready(Some(item)),
        }
    }
    Poll::Ready(None)
}

/// Removes its `abort` listener from the signal when dropped.
struct AbortListener {
    signal: web_sys::AbortSignal,
    closure: Closure<dyn FnMut()>,
}

impl AbortListener {
    fn new(signal: web_sys::AbortSignal, shared: Weak<Shared>) -> Result<Self, JsValue> {
        let closure = Closure::<dyn FnMut()>::new(move || {
            // The listener itself is dropped later, by `close()` or the stream's drop: not
            // from inside its own call.
            if let Some(shared) = shared.upgrade() {
                shared.close_connection();
            }
        });
        signal.add_event_listener_with_callback("abort", closure.as_ref().unchecked_ref())?;
        Ok(AbortListener { signal, closure })
    }
}

impl Drop for AbortListener {
    fn drop(&mut self) {
        // Removing a registered listener cannot fail; nothing to report from a drop.
        let _ = self
            .signal
            .remove_event_listener_with_callback("abort", self.closure.as_ref().unchecked_ref());
    }
}

/// The options object, read and checked.
#[derive(Default)]
struct Options {
    transport: Transport,
    headers: Vec<(String, String)>,
    headers_fn: Option<js_sys::Function>,
    method: Option<String>,
    body: Option<Vec<u8>>,
    credentials: Credentials,
    events: Vec<String>,
    all_events: bool,
    last_event_ids: bool,
    retry: Option<RetryPolicy>,
    json: bool,
    signal: Option<web_sys::AbortSignal>,
    last_event_id: Option<String>,
    last_event_id_param: Option<String>,
    stall_timeout: Option<Duration>,
    max_event_size: Option<usize>,
    buffer: Option<(usize, Overflow)>,
    on_open: Option<js_sys::Function>,
    on_error: Option<js_sys::Function>,
    on_comment: Option<js_sys::Function>,
    resend: bool,
    end_on: Option<EndOnOption>,
}

/// `endOn`: the data that ends the stream, or a function of the message that says so.
enum EndOnOption {
    Data(String),
    Test(js_sys::Function),
}

/// Every option name, in the order of the TypeScript declaration.
const OPTION_NAMES: &[&str] = &[
    "transport",
    "headers",
    "method",
    "body",
    "withCredentials",
    "credentials",
    "events",
    "allEvents",
    "lastEventIds",
    "retry",
    "json",
    "signal",
    "lastEventId",
    "lastEventIdParam",
    "stallTimeoutMs",
    "maxEventSize",
    "buffer",
    "resend",
    "endOn",
    "onOpen",
    "onError",
    "onComment",
];

/// Options only the fetch transport has, by their JavaScript names.
const FETCH_ONLY: &[&str] = &[
    "allEvents",
    "headers",
    "method",
    "body",
    "stallTimeoutMs",
    "maxEventSize",
    "resend",
    "onComment",
];

impl Options {
    fn read(value: &JsValue) -> Result<Self, JsValue> {
        if value.is_undefined() || value.is_null() {
            // Every default as an empty object has it.
            return Options::read(&Object::new());
        }
        if !value.is_object() || value.is_function() || js_sys::Array::is_array(value) {
            return Err(option_error("options", "expected an object"));
        }
        let object: &Object = value.unchecked_ref();
        check_names(object, OPTION_NAMES, "")?;
        let get = |name: &str| Reflect::get(object, &name.into()).unwrap_or(JsValue::UNDEFINED);
        let options = Options {
            transport: match get("transport").as_string().as_deref() {
                None if get("transport").is_undefined() => default_transport(),
                Some("eventsource") => Transport::EventSource,
                Some("fetch") => Transport::Fetch,
                _ => {
                    return Err(option_error(
                        "transport",
                        &format!(
                            "expected \"eventsource\" or \"fetch\", got {}",
                            describe(&get("transport"))
                        ),
                    ))
                }
            },
            headers: match get("headers").is_function() {
                true => Vec::new(),
                false => headers(&get("headers"))?,
            },
            headers_fn: get("headers").dyn_into::<js_sys::Function>().ok(),
            method: string(&get("method"), "method")?,
            body: body(&get("body"))?,
            credentials: credentials(&get("withCredentials"), &get("credentials"))?,
            events: strings(&get("events"), "events")?,
            all_events: boolean(&get("allEvents"), "allEvents")?,
            last_event_ids: get("lastEventIds").is_undefined()
                || boolean(&get("lastEventIds"), "lastEventIds")?,
            retry: retry(&get("retry"))?,
            json: boolean(&get("json"), "json")?,
            signal: signal(&get("signal"))?,
            last_event_id: string(&get("lastEventId"), "lastEventId")?,
            last_event_id_param: string(&get("lastEventIdParam"), "lastEventIdParam")?,
            stall_timeout: duration(&get("stallTimeoutMs"), "stallTimeoutMs")?,
            max_event_size: integer(&get("maxEventSize"), "maxEventSize", 1)?,
            buffer: buffer(&get("buffer"))?,
            on_open: function(&get("onOpen"), "onOpen")?,
            on_error: function(&get("onError"), "onError")?,
            on_comment: function(&get("onComment"), "onComment")?,
            resend: boolean(&get("resend"), "resend")?,
            end_on: end_on(&get("endOn"))?,
        };
        if options.stall_timeout == Some(Duration::ZERO) {
            return Err(option_error("stallTimeoutMs", "must be more than 0"));
        }
        if options.transport == Transport::EventSource {
            if options.credentials == Credentials::Omit {
                return Err(option_error(
                    "credentials",
                    "\"omit\" needs transport: \"fetch\" (the browser's EventSource always sends them to its own origin)",
                ));
            }
            if let Some(name) = FETCH_ONLY.iter().find(|name| !get(name).is_undefined()) {
                return Err(option_error(
                    name,
                    "needs transport: \"fetch\" (the browser's EventSource cannot do it)",
                ));
            }
        } else if options.buffer.is_some() {
            return Err(option_error(
                "buffer",
                "only applies to transport: \"eventsource\" (fetch reads as fast as you iterate)",
            ));
        }
        Ok(options)
    }

    fn builder(self, url: &str) -> Builder {
        let mut builder = EventSource::builder(url)
            .transport(self.transport)
            .credentials(self.credentials)
            .events(self.events)
            .with_last_event_ids(self.last_event_ids);
        if self.all_events {
            builder = builder.all_events();
        }
        if let Some(make) = self.headers_fn {
            builder = builder
                .headers_made_by(move || Box::pin(made_headers(make.call0(&JsValue::UNDEFINED))));
        }
        for (name, value) in self.headers {
            builder = builder.header(name, value);
        }
        if let Some(method) = self.method {
            builder = builder.method(method);
        }
        if let Some(body) = self.body {
            builder = builder.body(body);
        }
        if let Some(policy) = self.retry {
            builder = builder.retry(policy);
        }
        if let Some(id) = self.last_event_id {
            builder = builder.last_event_id(id);
        }
        if let Some(name) = self.last_event_id_param {
            builder = builder.last_event_id_param(name);
        }
        if let Some(timeout) = self.stall_timeout {
            builder = builder.stall_timeout(timeout);
        }
        if self.resend {
            builder = builder.resend(true);
        }
        if self.on_comment.is_some() {
            builder = builder.comments(true);
        }
        match self.end_on {
            Some(EndOnOption::Data(marker)) => builder = builder.end_on_data(marker),
            Some(EndOnOption::Test(test)) => {
                builder = builder.end_on(move |message| {
                    let message = object(&[
                        ("type", message.event.as_str().into()),
                        ("data", message.data.as_str().into()),
                        ("lastEventId", message.last_event_id.as_str().into()),
                        ("origin", message.origin.as_str().into()),
                    ]);
                    match test.call1(&JsValue::UNDEFINED, &message) {
                        Ok(verdict) => verdict.is_truthy(),
                        Err(exception) => {
                            report_error(&exception);
                            false
                        }
                    }
                })
            }
            None => {}
        }
        if let Some(bytes) = self.max_event_size {
            builder = builder.max_event_size(bytes);
        }
        if let Some((capacity, overflow)) = self.buffer {
            builder = builder.buffer(capacity, overflow);
        }
        builder
    }
}

/// The browser's `EventSource` where the runtime has one; fetch in Node, Deno and Bun.
fn default_transport() -> Transport {
    if crate::native::has_event_source() {
        Transport::EventSource
    } else {
        Transport::Fetch
    }
}

/// Refuses a name of `object` that is not in `known` (a misspelt option is a bug, not a no-op).
fn check_names(object: &Object, known: &[&str], prefix: &str) -> Result<(), JsValue> {
    for name in Object::keys(object).iter() {
        let name = name.as_string().unwrap_or_default();
        if !known.contains(&name.as_str()) {
            return Err(option_error(
                &format!("{prefix}{name}"),
                &format!("unknown option; known ones are {}", known.join(", ")),
            ));
        }
    }
    Ok(())
}

fn string(value: &JsValue, name: &str) -> Result<Option<String>, JsValue> {
    match value.as_string() {
        Some(text) => Ok(Some(text)),
        None if value.is_undefined() => Ok(None),
        None => Err(expected(name, "a string", value)),
    }
}

fn boolean(value: &JsValue, name: &str) -> Result<bool, JsValue> {
    match value.as_bool() {
        Some(flag) => Ok(flag),
        None if value.is_undefined() => Ok(false),
        None => Err(expected(name, "true or false", value)),
    }
}

/// A finite number of at least 0 (at least 1 when `at_least_one`).
fn number(value: &JsValue, name: &str, at_least_one: bool) -> Result<Option<f64>, JsValue> {
    if value.is_undefined() {
        return Ok(None);
    }
    let floor = if at_least_one { 1.0 } else { 0.0 };
    match value.as_f64() {
        Some(n) if n.is_finite() && n >= floor => Ok(Some(n)),
        Some(_) => Err(expected(
            name,
            if at_least_one {
                "a finite number of at least 1"
            } else {
                "a finite number of at least 0"
            },
            value,
        )),
        None => Err(expected(name, "a number", value)),
    }
}

/// A whole number of at least `floor`.
fn integer(value: &JsValue, name: &str, floor: u32) -> Result<Option<usize>, JsValue> {
    match value.as_f64() {
        Some(n) if n.fract() == 0.0 && n >= f64::from(floor) && n <= 9_007_199_254_740_991.0 => {
            Ok(Some(n as usize))
        }
        None if value.is_undefined() => Ok(None),
        _ => Err(expected(
            name,
            &format!("a whole number of at least {floor}"),
            value,
        )),
    }
}

/// The largest number of milliseconds a duration option takes: `Number.MAX_SAFE_INTEGER`,
/// some 285,000 years. Every length up to it is honoured (see `timer.rs`).
const MAX_MS: f64 = 9_007_199_254_740_991.0;

/// A duration in milliseconds, from 0 to [`MAX_MS`].
fn duration(value: &JsValue, name: &str) -> Result<Option<Duration>, JsValue> {
    match number(value, name, false)? {
        Some(ms) if ms > MAX_MS => Err(expected(
            name,
            "a number of milliseconds of at most 9007199254740991",
            value,
        )),
        // Whole milliseconds, then the fraction: `ms` ≤ 2^53 fits a u64 exactly.
        Some(ms) => Ok(Some(
            Duration::from_millis(ms as u64)
                + Duration::from_nanos((ms.fract() * 1e6).round() as u64),
        )),
        None => Ok(None),
    }
}

fn strings(value: &JsValue, name: &str) -> Result<Vec<String>, JsValue> {
    if value.is_undefined() {
        return Ok(Vec::new());
    }
    if !js_sys::Array::is_array(value) {
        return Err(expected(name, "an array of strings", value));
    }
    let array: &js_sys::Array = value.unchecked_ref();
    array
        .iter()
        .map(|item| {
            item.as_string()
                .ok_or_else(|| expected(name, "an array of strings", value))
        })
        .collect()
}

/// What a `headers` function returned (or threw), awaited if it is a promise, as headers.
async fn made_headers(made: Result<JsValue, JsValue>) -> Result<Vec<(String, String)>, Error> {
    let failed = |err: JsValue| {
        Error::InvalidRequest(format!("headers(): {}", crate::error::js_message(&err)))
    };
    let mut value = made.map_err(failed)?;
    if let Some(promise) = value.dyn_ref::<Promise>() {
        value = wasm_bindgen_futures::JsFuture::from(promise.clone())
            .await
            .map_err(failed)?;
    }
    headers(&value).map_err(failed)
}

fn end_on(value: &JsValue) -> Result<Option<EndOnOption>, JsValue> {
    if let Some(marker) = value.as_string() {
        return Ok(Some(EndOnOption::Data(marker)));
    }
    match function(value, "endOn") {
        Ok(test) => Ok(test.map(EndOnOption::Test)),
        Err(_) => Err(expected("endOn", "a string or a function", value)),
    }
}

/// `withCredentials` (a boolean) or `credentials` (fetch's mode names), not both.
fn credentials(with_credentials: &JsValue, mode: &JsValue) -> Result<Credentials, JsValue> {
    if !with_credentials.is_undefined() && !mode.is_undefined() {
        return Err(option_error(
            "credentials",
            "give either credentials or withCredentials, not both",
        ));
    }
    if !mode.is_undefined() {
        return match mode.as_string().as_deref() {
            Some("omit") => Ok(Credentials::Omit),
            Some("same-origin") => Ok(Credentials::SameOrigin),
            Some("include") => Ok(Credentials::Include),
            _ => Err(expected(
                "credentials",
                "\"omit\", \"same-origin\" or \"include\"",
                mode,
            )),
        };
    }
    Ok(match boolean(with_credentials, "withCredentials")? {
        true => Credentials::Include,
        false => Credentials::SameOrigin,
    })
}

fn function(value: &JsValue, name: &str) -> Result<Option<js_sys::Function>, JsValue> {
    match value.dyn_ref::<js_sys::Function>() {
        Some(function) => Ok(Some(function.clone())),
        None if value.is_undefined() => Ok(None),
        None => Err(expected(name, "a function", value)),
    }
}

fn signal(value: &JsValue) -> Result<Option<web_sys::AbortSignal>, JsValue> {
    match value.dyn_ref::<web_sys::AbortSignal>() {
        Some(signal) => Ok(Some(signal.clone())),
        None if value.is_undefined() => Ok(None),
        None => Err(expected("signal", "an AbortSignal", value)),
    }
}

/// Headers as a plain object, a `Headers`, or an array of `[name, value]` pairs.
fn headers(value: &JsValue) -> Result<Vec<(String, String)>, JsValue> {
    const WHAT: &str = "an object of strings, a Headers or an array of [name, value] pairs";
    if value.is_undefined() {
        return Ok(Vec::new());
    }
    if !value.is_object() {
        return Err(expected("headers", WHAT, value));
    }
    let entries: Vec<JsValue> = if let Ok(Some(iterator)) = js_sys::try_iter(value) {
        iterator
            .collect::<Result<_, _>>()
            .map_err(|_| expected("headers", WHAT, value))?
    } else {
        Object::entries(value.unchecked_ref()).iter().collect()
    };
    entries
        .iter()
        .map(|entry| {
            let pair = entry
                .dyn_ref::<js_sys::Array>()
                .filter(|pair| pair.length() == 2)
                .ok_or_else(|| expected("headers", WHAT, value))?;
            match (pair.get(0).as_string(), pair.get(1).as_string()) {
                (Some(name), Some(value)) => Ok((name, value)),
                (name, _) => Err(option_error(
                    &format!("headers.{}", name.unwrap_or_default()),
                    "expected a string value",
                )),
            }
        })
        .collect()
}

/// A body as a string, a `Uint8Array` (or other view) or an `ArrayBuffer`.
fn body(value: &JsValue) -> Result<Option<Vec<u8>>, JsValue> {
    if value.is_undefined() {
        return Ok(None);
    }
    if let Some(text) = value.as_string() {
        return Ok(Some(text.into_bytes()));
    }
    if value.is_instance_of::<js_sys::ArrayBuffer>() {
        return Ok(Some(js_sys::Uint8Array::new(value).to_vec()));
    }
    if js_sys::ArrayBuffer::is_view(value) {
        let view: &js_sys::Uint8Array = value.unchecked_ref();
        let bytes = js_sys::Uint8Array::new_with_byte_offset_and_length(
            &view.buffer(),
            view.byte_offset(),
            view.byte_length(),
        );
        return Ok(Some(bytes.to_vec()));
    }
    Err(expected(
        "body",
        "a string, a Uint8Array or an ArrayBuffer",
        value,
    ))
}

/// `retry`: `false` for never, or the policy's numbers.
fn retry(value: &JsValue) -> Result<Option<RetryPolicy>, JsValue> {
    if value.is_undefined() {
        return Ok(None);
    }
    if value.as_bool() == Some(false) {
        return Ok(Some(RetryPolicy::never()));
    }
    if value.as_string().as_deref() == Some("browser") {
        return Ok(Some(RetryPolicy::browser()));
    }
    if !value.is_object() || js_sys::Array::is_array(value) {
        return Err(expected("retry", "an object, \"browser\" or false", value));
    }
    let object: &Object = value.unchecked_ref();
    check_names(
        object,
        &[
            "initialDelayMs",
            "maxDelayMs",
            "maxAttempts",
            "factor",
            "jitter",
            "onStatus",
        ],
        "retry.",
    )?;
    let get = |name: &str| Reflect::get(object, &name.into()).unwrap_or(JsValue::UNDEFINED);
    let mut policy = RetryPolicy::default();
    if let Some(delay) = duration(&get("initialDelayMs"), "retry.initialDelayMs")? {
        policy = policy.initial_delay(delay);
    }
    if let Some(delay) = duration(&get("maxDelayMs"), "retry.maxDelayMs")? {
        policy = policy.max_delay(delay);
    }
    if let Some(attempts) = integer(&get("maxAttempts"), "retry.maxAttempts", 0)? {
        policy = policy.max_attempts(u32::try_from(attempts).unwrap_or(u32::MAX));
    }
    if let Some(factor) = number(&get("factor"), "retry.factor", true)? {
        policy = policy.factor(factor);
    }
    match number(&get("jitter"), "retry.jitter", false)? {
        Some(jitter) if jitter > 1.0 => {
            return Err(expected(
                "retry.jitter",
                "a number from 0 to 1",
                &get("jitter"),
            ))
        }
        Some(jitter) => policy = policy.jitter(jitter),
        None => {}
    }
    if !get("onStatus").is_undefined() {
        policy = policy.on_status(boolean(&get("onStatus"), "retry.onStatus")?);
    }
    Ok(Some(policy))
}

/// `buffer`: `{ capacity, overflow }`.
fn buffer(value: &JsValue) -> Result<Option<(usize, Overflow)>, JsValue> {
    if value.is_undefined() {
        return Ok(None);
    }
    if !value.is_object() || js_sys::Array::is_array(value) {
        return Err(expected(
            "buffer",
            "an object { capacity, overflow }",
            value,
        ));
    }
    let object: &Object = value.unchecked_ref();
    check_names(object, &["capacity", "overflow"], "buffer.")?;
    let get = |name: &str| Reflect::get(object, &name.into()).unwrap_or(JsValue::UNDEFINED);
    let capacity = integer(&get("capacity"), "buffer.capacity", 1)?
        .ok_or_else(|| option_error("buffer.capacity", "is required"))?;
    let overflow = match get("overflow").as_string().as_deref() {
        None if get("overflow").is_undefined() => Overflow::Fail,
        Some("fail") => Overflow::Fail,
        Some("drop-oldest") => Overflow::DropOldest,
        Some("drop-newest") => Overflow::DropNewest,
        _ => {
            return Err(expected(
                "buffer.overflow",
                "\"fail\", \"drop-oldest\" or \"drop-newest\"",
                &get("overflow"),
            ))
        }
    };
    Ok(Some((capacity, overflow)))
}

/// `option: expected WHAT, got VALUE`.
fn expected(option: &str, what: &str, value: &JsValue) -> JsValue {
    option_error(option, &format!("expected {what}, got {}", describe(value)))
}

/// An `EventStreamError` of kind `"options"` naming the option.
fn option_error(option: &str, problem: &str) -> JsValue {
    stream_error(
        "options",
        &format!("EventStream option \"{option}\": {problem}"),
        &object(&[("option", option.into())]),
    )
}

/// A short description of a value for an error message: strings quoted, numbers as they are.
fn describe(value: &JsValue) -> String {
    if let Some(text) = value.as_string() {
        return format!("{text:?}");
    }
    if let Some(number) = value.dyn_ref::<js_sys::Number>() {
        // As JavaScript writes it: `1e+300`, `NaN`, `Infinity`.
        return number
            .to_string_with_radix(10)
            .map(String::from)
            .unwrap_or_default();
    }
    if js_sys::Array::is_array(value) {
        return "an array".to_owned();
    }
    value
        .js_typeof()
        .as_string()
        .unwrap_or_else(|| "a value".to_owned())
}

/// An [`Error`] as an `EventStreamError` with its `kind` and details.
fn error_to_js(err: &Error) -> JsValue {
    let (kind, details): (&str, Vec<(&str, JsValue)>) = match err {
        Error::InvalidUrl { url, .. } => ("invalid-url", vec![("url", url.into())]),
        Error::InvalidRequest(_) => ("invalid-request", vec![]),
        Error::Disconnected => ("disconnected", vec![]),
        Error::ConnectionFailed => ("connection-failed", vec![]),
        Error::Status {
            status,
            retry_after,
        } => {
            let mut details = vec![("status", JsValue::from(*status))];
            if let Some(retry_after) = retry_after {
                details.push(("retryAfterMs", millis(*retry_after).into()));
            }
            ("status", details)
        }
        Error::ContentType { content_type } => (
            "content-type",
            vec![(
                "contentType",
                content_type.as_deref().map_or(JsValue::NULL, JsValue::from),
            )],
        ),
        Error::Network(_) => ("network", vec![]),
        Error::Redirected => ("redirected", vec![]),
        Error::StreamEnded => ("stream-ended", vec![]),
        Error::Stalled { .. } => ("stalled", vec![]),
        Error::Decode { event, data, .. } => (
            "decode",
            vec![("event", event.into()), ("data", data.into())],
        ),
        Error::EventTooLarge { .. } => ("event-too-large", vec![]),
        Error::CommentTooLarge { .. } => ("comment-too-large", vec![]),
        Error::Lagged { skipped } => ("lagged", vec![("skipped", (*skipped as f64).into())]),
        Error::Overflow { .. } => ("overflow", vec![]),
        Error::Js(_) => ("js", vec![]),
    };
    stream_error(kind, &err.to_string(), &object(&details))
}

/// A plain object of these properties.
fn object(properties: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (name, value) in properties {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&object, &(*name).into(), value);
    }
    object.into()
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
