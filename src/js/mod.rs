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

mod batch;
mod error;
mod options;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::task::Waker;
use std::time::Duration;

use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;

use crate::connection::Status;
use crate::error::Error;
use crate::event::{ConnectionState, EndReason, Event};
use crate::source::EventSource;
use crate::transport::Listener;
use batch::pull_batch;
use error::{error_to_js, option_error};
use options::Options;

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

/// The TypeScript declarations of the API (`types.d.ts`), written by hand: wasm-bindgen
/// cannot say that `EventStream` is generic in its data, nor describe the options object.
#[wasm_bindgen(typescript_custom_section)]
const TYPESCRIPT: &str = include_str!("types.d.ts");

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
    /// The `abort` listener on the `signal` option.
    abort: RefCell<Option<Listener>>,
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

/// The URL argument as a string: a string, or a `URL`'s `href`.
fn url_string(url: &JsValue) -> Result<String, JsValue> {
    match url.as_string() {
        Some(url) => Ok(url),
        None if url.is_instance_of::<web_sys::Url>() => {
            Ok(url.unchecked_ref::<web_sys::Url>().href())
        }
        None => Err(option_error("url", "expected a string or a URL")),
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
        let url = url_string(&url)?;
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
                let weak = Rc::downgrade(&shared);
                let listener = Listener::new(&signal, "abort", move |_| {
                    // The listener itself is dropped later, by `close()` or the stream's
                    // drop: not from inside its own call.
                    if let Some(shared) = weak.upgrade() {
                        shared.close_connection();
                    }
                })?;
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

    /// Checks `url` and `options` as the constructor does, without opening anything, and
    /// returns the absolute URL and the transport: what a stream shared across tabs is keyed
    /// by (npm/shared/stream.js), before the tab that holds the connection opens it.
    #[wasm_bindgen(js_name = _validate)]
    pub fn validate(url: JsValue, options: JsValue) -> Result<js_sys::Array, JsValue> {
        // A shared stream's class inherits `next()` and `lastEventId` from this one's prototype.
        install_hooks();
        let url = url_string(&url)?;
        let options = Options::read(&options)?;
        let url = crate::transport::resolve_url(&url).map_err(|err| error_to_js(&err))?;
        let transport = match options.transport() {
            crate::source::Transport::EventSource => "eventsource",
            crate::source::Transport::Fetch => "fetch",
        };
        Ok(js_sys::Array::of2(&url.into(), &transport.into()))
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
            reason: crate::transport::js_message(&exception),
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
            crate::event::ReadyState::Connecting => 0,
            crate::event::ReadyState::Open => 1,
            crate::event::ReadyState::Closed => 2,
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
