//! The transports. Each is one [`Connector`]: it opens a connection and turns what arrives on
//! it into [`Step`]s; the connection loop (`connection.rs`) drives it and decides what
//! follows the end of a connection. Below them is what both need from the web platform: URL
//! resolution, JavaScript errors as [`Error`]s, a timer of any length, and (for the
//! `EventSource` transport and the JavaScript API) listeners removed on drop.
//!
//! ```text
//! connection::Loop<C: Connector> ──drives──▶ eventsource::NativeConnector (browser EventSource)
//!                                 └────────▶ fetch::FetchConnector        (fetch() + parser)
//! ```

#[cfg(feature = "eventsource")]
pub(crate) mod eventsource;
#[cfg(feature = "fetch")]
pub(crate) mod fetch;
#[cfg(feature = "eventsource")]
mod listener;
mod timer;

use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::future::LocalBoxFuture;

use crate::error::Error;
use crate::event::{Event, ResponseHead};

#[cfg(feature = "eventsource")]
pub(crate) use listener::Listener;
pub(crate) use timer::Sleep;

/// One transport: how a stream connects, and what its connections say.
///
/// A connector lives as long as its stream and keeps what outlives one connection (the
/// last event id, the parser of the fetch transport); each [`Connection`](Self::Connection)
/// is one request, closed when dropped.
pub(crate) trait Connector: 'static {
    /// One open connection; dropping it closes it, aborts its request and removes its
    /// listeners.
    type Connection;

    /// Starts a connection that resumes from the last event id.
    fn connect(&mut self) -> Connecting<Self::Connection>;

    /// An item that has arrived and is not delivered yet, whether or not a connection is
    /// live (the rest of a chunk, after a restart). Polled before [`poll_next`](Self::poll_next).
    fn ready(&mut self) -> Option<Result<Event, Error>> {
        None
    }

    /// What `connection` says next.
    fn poll_next(&mut self, connection: &mut Self::Connection, cx: &mut Context<'_>) -> Poll<Step>;

    /// Listens on `connection` for the event types of `types` it does not listen for yet:
    /// types asked for after the stream was opened. Transports that deliver every type the
    /// user asked for by themselves need nothing.
    fn listen(&mut self, _connection: &mut Self::Connection, _types: &[String]) {}

    /// `connection` is over (it ended or failed, or the loop drops it for a restart or the
    /// end of the stream): keeps what the next connection resumes from, and closes it.
    fn disconnect(&mut self, connection: Self::Connection);

    /// The server's latest `retry:`, where the transport reads the stream itself.
    fn server_retry(&self) -> Option<Duration> {
        None
    }

    /// Whether the request may be sent again after its response ended or failed.
    fn may_resend(&self) -> bool {
        true
    }

    /// The last event id: what the next connection resumes from, as of the latest message
    /// of `live`, the connection open now.
    fn last_event_id(&self, live: Option<&Self::Connection>) -> String;
}

/// A connection being made.
pub(crate) type Connecting<C> = LocalBoxFuture<'static, Result<Opened<C>, Error>>;

/// A connection made.
pub(crate) struct Opened<C> {
    pub(crate) connection: C,
    /// The response it opened with, when the transport sees it.
    pub(crate) head: Option<ResponseHead>,
    /// Open now (the response is in) rather than later, told by a [`Step::Open`].
    pub(crate) is_open: bool,
}

/// What a live connection says.
#[derive(Debug)]
// The fetch transport tells neither an `Open` of its own nor a reconnect by itself.
#[cfg_attr(not(feature = "eventsource"), allow(dead_code))]
pub(crate) enum Step {
    /// It is open: the browser's `EventSource` tells it by an event.
    Open,
    /// A message, a comment, or an error after which it goes on (an event too large).
    Item(Result<Event, Error>),
    /// It dropped, and the transport connects again by itself (the browser's `EventSource`).
    Reconnecting(Error),
    /// It is over: `Ok` at a clean end of the response, else why it failed.
    Ended(Result<(), Error>),
}

impl Error {
    /// Builds [`Error::Js`] from a thrown JavaScript value, keeping its message.
    pub(crate) fn from_js(value: &wasm_bindgen::JsValue) -> Self {
        Error::Js(js_message(value))
    }
}

/// The message of a thrown JavaScript value: `Error.message`, or its string form.
pub(crate) fn js_message(value: &wasm_bindgen::JsValue) -> String {
    use wasm_bindgen::JsCast;
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}

/// A random number in [0, 1): the jitter of reconnect delays.
pub(crate) fn random() -> f64 {
    js_sys::Math::random()
}

/// `url` with the query parameter `name` set to `last_event_id`, when there is one.
pub(crate) fn url_with_param(url: &str, name: &str, last_event_id: &str) -> String {
    if last_event_id.is_empty() {
        return url.to_owned();
    }
    match web_sys::Url::new(url) {
        Ok(parsed) => {
            parsed.search_params().set(name, last_event_id);
            parsed.href()
        }
        Err(_) => url.to_owned(),
    }
}

/// `url` resolved against the document's base URL (which honours `<base href>`), or a
/// worker's location, as `new EventSource(url)` resolves it.
pub(crate) fn resolve_url(url: &str) -> Result<String, Error> {
    let base = base_url();
    let parsed = match &base {
        Some(base) => web_sys::Url::new_with_base(url, base),
        None => web_sys::Url::new(url),
    };
    parsed
        .map(|parsed| parsed.href())
        .map_err(|err| Error::InvalidUrl {
            url: url.to_owned(),
            reason: match base {
                // Node, Deno and Bun: no page to be relative to.
                None if !url.contains(':') => "a relative URL needs a page to resolve it \
                    against, and there is none here (no document, no location): give an \
                    absolute URL"
                    .to_owned(),
                _ => js_message(&err),
            },
        })
}

/// `document.baseURI` in a window, `location.href` in a worker, `None` where neither is.
fn base_url() -> Option<String> {
    let property = |object: &wasm_bindgen::JsValue, name: &str| {
        js_sys::Reflect::get(object, &name.into())
            .ok()
            .filter(|value| !value.is_undefined() && !value.is_null())
    };
    let global = js_sys::global();
    let base = match property(&global, "document") {
        Some(document) => property(&document, "baseURI"),
        None => property(&global, "location").and_then(|location| property(&location, "href")),
    };
    base.and_then(|base| base.as_string())
}
