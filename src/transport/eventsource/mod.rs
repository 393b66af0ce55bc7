//! The transport over the browser's own `EventSource` (web-sys).
//!
//! The browser parses the stream and reconnects by itself while it can; this module turns
//! its callbacks into stream items through a bounded [`Buffer`]. Messages do not cross into
//! wasm one by one: a small JavaScript inbox (`inbox.js`) collects those of one browser task
//! and hands them over as one string. Every listener is removed and the connection closed
//! when the [`NativeSource`] drops. When the browser gives up (an HTTP error, a refused
//! response), [`NativeConnector`] opens a new `EventSource`, with the last event id in the
//! query: the browser cannot send `Last-Event-ID` on a new one.

mod buffer;

use std::cell::RefCell;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll};

use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsCast;

use crate::error::Error;
use crate::event::{Event, Message};
use crate::transport::{js_message, url_with_param, Connecting, Connector, Listener, Opened, Step};
use buffer::{Buffer, Pushed};
pub use buffer::{Overflow, DEFAULT_CAPACITY};
use smol_str::SmolStr;

/// The name of the query parameter that carries the last event id when a new browser
/// `EventSource` replaces one the browser gave up on (it cannot send `Last-Event-ID` itself).
///
/// The parameter is part of that `EventSource`'s URL for good: when the browser later
/// reconnects it by itself, the request still carries the parameter it was opened with, and
/// the newer id in the `Last-Event-ID` header. A server should therefore prefer the header
/// to the parameter (the test server does; tests/eventsource.rs shows the requests).
pub const LAST_EVENT_ID_PARAM: &str = "lastEventId";

/// The `EventSource` transport of one stream: opens a browser `EventSource` for each
/// connection of ours, resuming from the last event id the previous one saw.
#[derive(Debug)]
pub(crate) struct NativeConnector {
    url: String,
    options: NativeOptions,
    /// The query parameter that carries the last event id.
    param: String,
    /// The last event id to resume from, updated when a connection ends.
    last_event_id: String,
}

impl NativeConnector {
    pub(crate) fn new(
        url: String,
        options: NativeOptions,
        param: Option<String>,
        last_event_id: String,
    ) -> Self {
        NativeConnector {
            url,
            options,
            param: param.unwrap_or_else(|| LAST_EVENT_ID_PARAM.to_owned()),
            last_event_id,
        }
    }

    /// Opens a browser `EventSource` now; a URL it refuses is [`Error::InvalidUrl`].
    pub(crate) fn open(&self) -> Result<NativeSource, Error> {
        let url = url_with_param(&self.url, &self.param, &self.last_event_id);
        NativeSource::open(&url, &self.options)
    }

    /// Keeps the id a browser `EventSource` ended with, for the next one to resume from.
    ///
    /// An empty id is ignored: the browser cannot be given the id a new `EventSource`
    /// resumes from, so until the server sends a new one it reports none, and taking that
    /// for a reset would lose the place. (A reset by an empty `id:` is therefore not carried
    /// across a reconnect of ours; the fetch transport carries it.)
    fn keep_last_event_id(&mut self, id: Option<String>) {
        if let Some(id) = id.filter(|id| !id.is_empty()) {
            self.last_event_id = id;
        }
    }
}

impl Connector for NativeConnector {
    type Connection = NativeSource;

    fn connect(&mut self) -> Connecting<NativeSource> {
        let opened = self.open().map(|connection| Opened {
            connection,
            head: None,
            is_open: false,
        });
        Box::pin(std::future::ready(opened))
    }

    fn poll_next(&mut self, source: &mut NativeSource, cx: &mut Context<'_>) -> Poll<Step> {
        let Poll::Ready(item) = source.poll_next(cx) else {
            return Poll::Pending;
        };
        Poll::Ready(match item {
            Some(Ok(Event::Open)) => Step::Open,
            Some(Err(Error::Disconnected)) => Step::Reconnecting(Error::Disconnected),
            Some(Err(err)) if source.is_ended() => Step::Ended(Err(err)),
            Some(item) => Step::Item(item),
            // The fatal item was the last; nothing is polled after it.
            None => Step::Ended(Err(Error::ConnectionFailed)),
        })
    }

    fn listen(&mut self, source: &mut NativeSource, types: &[String]) {
        source.listen(types);
    }

    fn disconnect(&mut self, source: NativeSource) {
        self.keep_last_event_id(source.last_event_id());
    }

    fn last_event_id(&self, live: Option<&NativeSource>) -> String {
        let latest = live.and_then(NativeSource::last_event_id);
        latest
            .filter(|id| !id.is_empty())
            .unwrap_or_else(|| self.last_event_id.clone())
    }
}

/// What the native transport needs to open a connection.
#[derive(Debug, Clone)]
pub(crate) struct NativeOptions {
    pub(crate) with_credentials: bool,
    /// Event types listened for besides `message`.
    pub(crate) events: Vec<String>,
    pub(crate) capacity: usize,
    pub(crate) overflow: Overflow,
    /// Fill in each message's last event id (see `Builder::with_last_event_ids`).
    pub(crate) last_event_ids: bool,
}

#[wasm_bindgen(module = "/src/transport/eventsource/inbox.js")]
extern "C" {
    /// The JavaScript side that collects messages (see `inbox.js`).
    type Inbox;
    #[wasm_bindgen(constructor)]
    fn new(wake: &js_sys::Function, read_ids: bool) -> Inbox;
    /// The listener to register for every message type.
    #[wasm_bindgen(method, getter)]
    fn listener(this: &Inbox) -> js_sys::Function;
    /// The origin of the first message of the current batch.
    #[wasm_bindgen(method, getter)]
    fn origin(this: &Inbox) -> String;
    #[wasm_bindgen(method)]
    fn take(this: &Inbox) -> Option<String>;
    /// The last event id as of the latest message, `None` before the first.
    #[wasm_bindgen(method, getter, js_name = lastEventId)]
    fn last_event_id(this: &Inbox) -> Option<String>;
    #[wasm_bindgen(method)]
    fn close(this: &Inbox);

    /// `new EventSource(url, { withCredentials })` of the runtime's own `EventSource`, as it
    /// was when the package loaded: a page may since have replaced the global with this
    /// package's drop-in class. Throws where the runtime has none.
    #[wasm_bindgen(js_name = openEventSource, catch)]
    fn open_event_source(
        url: &str,
        with_credentials: bool,
    ) -> Result<web_sys::EventSource, wasm_bindgen::JsValue>;

    /// Whether the runtime has an `EventSource` of its own (Node and Deno have none).
    #[wasm_bindgen(js_name = hasEventSource)]
    pub(crate) fn has_event_source() -> bool;
}

/// State shared by the listeners (which fill it) and the stream (which drains it).
struct Shared {
    buffer: Buffer,
    inbox: Inbox,
    /// The origin of the current connection's messages.
    origin: SmolStr,
    /// Whether batches carry each message's last event id.
    read_ids: bool,
    /// Whether stream messages named `open` and `error` are wanted: they arrive on the
    /// connection's own listeners.
    named_open: bool,
    named_error: bool,
    /// What the inbox calls once per batch; it holds only a weak reference back.
    _wake: Closure<dyn FnMut()>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("buffer", &self.buffer)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

/// One browser `EventSource` and the listeners wired to it.
pub(crate) struct NativeSource {
    source: web_sys::EventSource,
    shared: Rc<RefCell<Shared>>,
    /// The connection's own `open` and `error` listeners, then the inbox's for every
    /// message type: all removed when the source drops.
    listeners: Vec<Listener>,
    /// The message types the inbox's listener is registered for.
    message_types: Vec<String>,
    /// How many of the types asked for after opening (`listen`) are registered.
    late_types: usize,
}

impl std::fmt::Debug for NativeSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeSource")
            .field("url", &self.source.url())
            .field("ready_state", &self.source.ready_state())
            .field("shared", &self.shared)
            .finish_non_exhaustive()
    }
}

impl NativeSource {
    /// Opens `url`; a URL the browser cannot parse is [`Error::InvalidUrl`].
    fn open(url: &str, options: &NativeOptions) -> Result<Self, Error> {
        if !has_event_source() {
            return Err(Error::InvalidRequest(
                "this runtime has no EventSource of its own (Node, Deno): use the fetch transport"
                    .into(),
            ));
        }
        let source =
            open_event_source(url, options.with_credentials).map_err(|err| Error::InvalidUrl {
                url: url.to_owned(),
                reason: js_message(&err),
            })?;
        let wanted = |name: &str| options.events.iter().any(|wanted| wanted == name);
        let shared = Rc::new_cyclic(|weak: &Weak<RefCell<Shared>>| {
            let (weak, source) = (weak.clone(), source.clone());
            let wake = Closure::<dyn FnMut()>::new(move || {
                if let Some(shared) = weak.upgrade() {
                    shared.borrow_mut().drain(&source);
                }
            });
            RefCell::new(Shared {
                buffer: Buffer::new(options.capacity, options.overflow),
                inbox: Inbox::new(wake.as_ref().unchecked_ref(), options.last_event_ids),
                origin: SmolStr::default(),
                read_ids: options.last_event_ids,
                named_open: wanted("open"),
                named_error: wanted("error"),
                _wake: wake,
            })
        });
        let inbox_listener = shared.borrow().inbox.listener();
        let target: &web_sys::EventTarget = source.as_ref();
        let failed = |err: wasm_bindgen::JsValue| Error::from_js(&err);

        // The connection's `open` and `error` are plain events; a stream event of the same
        // name arrives on the same listener as a MessageEvent and must not be confused.
        let mut listeners = Vec::with_capacity(options.events.len() + 3);
        for is_open in [true, false] {
            let name = if is_open { "open" } else { "error" };
            let callback = connection_listener(&shared, &source, is_open, &inbox_listener);
            listeners.push(Listener::new(target, name, callback).map_err(failed)?);
        }
        let mut message_types = vec!["message".to_owned()];
        for name in &options.events {
            if !matches!(name.as_str(), "open" | "error") && !message_types.contains(name) {
                message_types.push(name.clone());
            }
        }
        for name in &message_types {
            listeners.push(Listener::function(target, name, &inbox_listener).map_err(failed)?);
        }
        Ok(NativeSource {
            source,
            shared,
            listeners,
            message_types,
            late_types: 0,
        })
    }

    /// Listens for the types of `types` it does not listen for yet (types asked for after
    /// the stream was opened).
    fn listen(&mut self, types: &[String]) {
        if types.len() <= self.late_types {
            return;
        }
        let inbox_listener = self.shared.borrow().inbox.listener();
        let target: &web_sys::EventTarget = self.source.as_ref();
        for name in &types[self.late_types..] {
            if let Some(wanted) = self.shared.borrow_mut().named_connection_event(name) {
                *wanted = true;
            } else if !self.message_types.contains(name) {
                // Adding a listener to an EventSource cannot fail.
                if let Ok(listener) = Listener::function(target, name, &inbox_listener) {
                    self.listeners.push(listener);
                    self.message_types.push(name.clone());
                }
            }
        }
        self.late_types = types.len();
    }

    /// Whether the stream has ended with the item just taken (the fatal one).
    fn is_ended(&self) -> bool {
        self.shared.borrow().buffer.is_ended()
    }

    /// The browser's last event id as of the latest message received, `None` before the
    /// first (read once, not per message: see `inbox.js`).
    fn last_event_id(&self) -> Option<String> {
        self.shared.borrow().inbox.last_event_id()
    }

    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Event, Error>>> {
        let polled = self.shared.borrow_mut().buffer.poll_next(cx.waker());
        if matches!(polled, Poll::Ready(None)) {
            // Ended by a fatal error: the browser may still be connecting; stop it.
            self.source.close();
        }
        polled
    }
}

/// The listener for `open` (`is_open`) or `error`: the connection's own event, or, when
/// wanted, a stream message of that name, handed to the inbox like any other.
fn connection_listener(
    shared: &Rc<RefCell<Shared>>,
    source: &web_sys::EventSource,
    is_open: bool,
    inbox_listener: &js_sys::Function,
) -> impl FnMut(web_sys::Event) + 'static {
    let shared = Rc::clone(shared);
    let source = source.clone();
    let inbox_listener = inbox_listener.clone();
    move |event: web_sys::Event| {
        if event.is_instance_of::<web_sys::MessageEvent>() {
            let wanted = {
                let shared = shared.borrow();
                if is_open {
                    shared.named_open
                } else {
                    shared.named_error
                }
            };
            if wanted {
                // Calling the inbox's own listener cannot throw.
                let _ = inbox_listener.call1(&wasm_bindgen::JsValue::NULL, &event);
            }
            return;
        }
        let mut shared = shared.borrow_mut();
        // The messages the inbox holds came before this event.
        shared.drain(&source);
        if is_open {
            shared.buffer.push(Ok(Event::Open));
        } else if source.ready_state() == web_sys::EventSource::CLOSED {
            shared.buffer.push_last(Err(Error::ConnectionFailed));
        } else {
            shared.buffer.push(Err(Error::Disconnected));
        }
    }
}

impl Shared {
    /// The flag of a stream message named like a connection event (`open`, `error`).
    fn named_connection_event(&mut self, name: &str) -> Option<&mut bool> {
        match name {
            "open" => Some(&mut self.named_open),
            "error" => Some(&mut self.named_error),
            _ => None,
        }
    }

    /// Moves the messages the inbox collected into the buffer, in order.
    fn drain(&mut self, source: &web_sys::EventSource) {
        let Some(batch) = self.inbox.take() else {
            return;
        };
        let origin = self.inbox.origin();
        if origin != self.origin {
            self.origin = SmolStr::new(origin);
        }
        let mut parts = batch.split('\r');
        while let Some(event) = parts.next() {
            let last_event_id = if self.read_ids {
                parts.next().unwrap_or_default()
            } else {
                ""
            };
            let Some(data) = parts.next() else {
                return;
            };
            let message = Message {
                event: SmolStr::new(event),
                data: data.to_owned(),
                last_event_id: SmolStr::new(last_event_id),
                origin: self.origin.clone(),
            };
            if self.buffer.push(Ok(Event::Message(message))) == Pushed::Overflowed {
                source.close();
                return;
            }
        }
    }
}

impl Drop for NativeSource {
    fn drop(&mut self) {
        // The listeners are removed after this, when the fields drop.
        self.source.close();
        self.shared.borrow().inbox.close();
    }
}
