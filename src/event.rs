//! What a stream yields: [`Event`], [`Message`] and the connection's [`ReadyState`].

use smol_str::SmolStr;

/// One item of a server-sent event stream.
///
/// `T` is the type of [`Message::data`]: `String` as received, or any
/// `serde::Deserialize` type after [`json`](crate::EventSource::json).
///
/// More kinds of item may come in later versions, each only when asked for (as
/// [`Comment`](Event::Comment) is), so a `match` needs a `_` arm.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event<T = String> {
    /// The connection is open: the server answered and events may follow.
    /// Yielded once per (re)connection.
    Open,
    /// A message dispatched by the server.
    Message(Message<T>),
    /// A comment line (`: keep-alive`): its text after the colon, less one leading space.
    /// Yielded only when asked for with [`comments`](crate::Builder::comments) (fetch
    /// transport: the browser's `EventSource` drops comments), in stream order.
    Comment(String),
}

impl<T> Event<T> {
    /// The message, if this event is one.
    pub fn into_message(self) -> Option<Message<T>> {
        match self {
            Event::Message(message) => Some(message),
            Event::Open | Event::Comment(_) => None,
        }
    }
}

/// A message the server dispatched (a block of fields ended by a blank line).
///
/// The event type, id and origin are [`SmolStr`]s: they compare with `&str` and `String`
/// (`msg.event == "tick"`), deref to `str`, and short ones are held inline, so a message
/// costs no allocation beyond its data.
///
/// More fields may come in later versions: outside this crate a message is made with
/// [`Message::new`], and its fields are read and set by name.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Message<T = String> {
    /// The event type: the `event:` field, or `"message"` when the server sent none.
    pub event: SmolStr,
    /// The `data:` lines joined with `\n`, or the value decoded from them.
    pub data: T,
    /// The last event id seen on this stream (it persists across messages and reconnects).
    pub last_event_id: SmolStr,
    /// The serialized origin of the URL the stream came from, e.g. `http://127.0.0.1:8080`.
    pub origin: SmolStr,
}

impl<T> Message<T> {
    /// A message of type `event` with `data`, no last event id and no origin: what a test of
    /// code that handles messages needs.
    ///
    /// ```
    /// use wasm_sse::Message;
    ///
    /// let mut tick = Message::new("tick", 42);
    /// tick.last_event_id = "7".into();
    /// assert_eq!((tick.event.as_str(), tick.data, tick.last_event_id.as_str()), ("tick", 42, "7"));
    /// ```
    pub fn new(event: impl Into<SmolStr>, data: T) -> Self {
        Message {
            event: event.into(),
            data,
            last_event_id: SmolStr::default(),
            origin: SmolStr::default(),
        }
    }

    /// Replaces the data, keeping the event type, id and origin.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Message<U> {
        Message {
            event: self.event,
            data: f(self.data),
            last_event_id: self.last_event_id,
            origin: self.origin,
        }
    }
}

impl Message<String> {
    /// Decodes the data as JSON into `T`.
    ///
    /// ```
    /// # use wasm_sse::Message;
    /// #[derive(serde::Deserialize)]
    /// struct Hello { message: String }
    ///
    /// let msg = Message::new("message", r#"{"message":"Hello, world!"}"#.to_owned());
    /// let hello: Hello = msg.json().unwrap();
    /// assert_eq!(hello.message, "Hello, world!");
    /// ```
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, crate::error::Error> {
        serde_json::from_str(&self.data).map_err(|err| {
            crate::error::Error::decode(self.event.to_string(), self.data.clone(), &err)
        })
    }
}

/// The state of the connection, as the browser's `EventSource.readyState` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReadyState {
    /// Connecting, or waiting to reconnect.
    Connecting,
    /// Connected: events are arriving.
    Open,
    /// Closed for good: by [`close`](crate::EventSource::close), by drop, or after a fatal error.
    Closed,
}

/// Where the connection stands, with what a UI needs to say so ("reconnecting in 4 s").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionState {
    /// The request is on its way (the first time, or a reconnect attempt).
    Connecting,
    /// Connected: events are arriving.
    Open,
    /// Waiting to reconnect.
    Reconnecting {
        /// Which consecutive attempt is next, from 1.
        attempt: u32,
        /// How long the wait is, from when the connection failed.
        delay: std::time::Duration,
    },
    /// Closed for good: by `close`, by drop, or after an error that ends the stream.
    Closed,
}

impl ConnectionState {
    /// The coarser web `readyState`: reconnecting counts as connecting.
    pub fn ready_state(self) -> ReadyState {
        match self {
            ConnectionState::Connecting | ConnectionState::Reconnecting { .. } => {
                ReadyState::Connecting
            }
            ConnectionState::Open => ReadyState::Open,
            ConnectionState::Closed => ReadyState::Closed,
        }
    }
}

/// Why a stream ended, once it has: [`EventSource::end_reason`](crate::EventSource::end_reason).
///
/// ```
/// use wasm_sse::{EndReason, Error};
///
/// // What a UI might say once the stream returned `None`.
/// fn say(reason: Option<EndReason>) -> String {
///     match reason {
///         None => "still running".into(),
///         Some(EndReason::NoContent) => "the server has nothing more to send".into(),
///         Some(EndReason::Closed) => "closed".into(),
///         Some(EndReason::Failed(err)) => format!("failed: {err}"),
///         Some(_) => "ended".into(),
///     }
/// }
/// assert_eq!(say(Some(EndReason::NoContent)), "the server has nothing more to send");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndReason {
    /// The server answered `204 No Content`, the spec's way to say "stop reconnecting":
    /// a clean end, not an error. Only the fetch transport can tell; the browser's
    /// `EventSource` reports a 204 as a failure like any other ([`Error::ConnectionFailed`](crate::Error::ConnectionFailed)).
    NoContent,
    /// The stream was closed by its user: `close()`, or a hook's `close()`.
    Closed,
    /// A message matched the end marker (`Builder::end_on_data("[DONE]")`); it was not
    /// delivered, and the connection was closed at once.
    EndMarker,
    /// The server ended the response of a request that is not sent again: one that is not a
    /// plain GET, with no id to resume from (see `Builder::resend`).
    ResponseEnded,
    /// An error ended the stream; it was the stream's last item.
    Failed(crate::error::Error),
}

/// The status and headers of the response a fetch stream opened with:
/// [`EventSource::response`](crate::EventSource::response).
///
/// Cross-origin, the browser shows only the CORS-safelisted headers and those the server
/// lists in `Access-Control-Expose-Headers`.
///
/// ```
/// use wasm_sse::ResponseHead;
///
/// let head = ResponseHead {
///     status: 200,
///     headers: vec![("x-ratelimit-remaining".into(), "41".into())],
/// };
/// assert_eq!(head.header("X-RateLimit-Remaining"), Some("41"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    /// The HTTP status: 200 for a stream that opened.
    pub status: u16,
    /// The headers, names in lowercase, in the browser's order.
    pub headers: Vec<(String, String)>,
}

impl ResponseHead {
    /// The value of header `name` (ASCII case-insensitive), if the response has it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}
