//! [`EventSource`]: a server-sent event stream as a typed Rust [`Stream`](futures_core::Stream),
//! and the [`Builder`] of its options.

mod builder;
mod credentials;
mod decode;

use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_core::stream::FusedStream;

use crate::connection::{Running, Status};
use crate::error::Error;
use crate::event::{ConnectionState, EndReason, Event, ReadyState};
pub use builder::{Builder, Transport};
pub use credentials::Credentials;
use decode::Decoder;

/// A connection to a server-sent event stream, read as a
/// [`Stream`](futures_core::Stream) of `Result<Event<T>, Error>`.
///
/// ```no_run
/// use futures::StreamExt;
/// use wasm_sse::{Event, EventSource};
///
/// #[derive(serde::Deserialize)]
/// struct Hello { message: String }
///
/// # async fn run() -> Result<(), wasm_sse::Error> {
/// let mut feed = EventSource::new("/feed")?.json::<Hello>();
/// while let Some(item) = feed.next().await {
///     match item {
///         Ok(Event::Open) => {}
///         Ok(Event::Message(msg)) => println!("{}", msg.data.message),
///         Err(err) => eprintln!("{err}"),
///         Ok(_) => {} // comments, when asked for
///     }
/// }
/// # Ok(()) }
/// ```
///
/// Errors are items. One that ends the stream is its last item; others (a dropped
/// connection that is re-established, a message that did not decode) leave it running, and
/// [`state`](Self::state) tells what happens next.
/// Dropping the `EventSource` closes the connection, aborts any request, cancels any
/// reconnect timer and removes every listener.
#[must_use = "a stream does nothing unless polled; dropping it closes the connection"]
pub struct EventSource<T = String> {
    stream: Option<Pin<Box<dyn Running>>>,
    state: Rc<Status>,
    url: String,
    decoder: Decoder<T>,
}

impl EventSource {
    /// A stream over `running`, whose status is `state`.
    pub(crate) fn running(running: Pin<Box<dyn Running>>, state: Rc<Status>, url: String) -> Self {
        EventSource {
            stream: Some(running),
            state,
            url,
            decoder: Decoder::Fn(decode::text),
        }
    }
}

impl<T> std::fmt::Debug for EventSource<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventSource")
            .field("url", &self.url)
            .field("state", &self.state.state())
            .field("data", &std::any::type_name::<T>())
            .finish()
    }
}

impl EventSource {
    /// Opens a stream of `url` (absolute, or relative to the page) over the browser's
    /// `EventSource`, with the default options.
    ///
    /// A URL that cannot be parsed is [`Error::InvalidUrl`].
    pub fn new(url: &str) -> Result<Self, Error> {
        Self::builder(url).open()
    }

    /// Options for a stream of `url`; [`Builder::open`] opens it.
    pub fn builder(url: impl Into<String>) -> Builder {
        Builder::new(url.into())
    }

    /// Decodes every message's data as JSON into `T`.
    ///
    /// A message that does not decode is an [`Error::Decode`] item; the stream goes on.
    pub fn json<T: serde::de::DeserializeOwned>(self) -> EventSource<T> {
        self.decoded(Decoder::Fn(decode::json::<T>))
    }

    /// Decodes every message's data with `decode`: another format than JSON, or JSON read
    /// another way. A message it refuses is an [`Error::Decode`] item whose reason is the
    /// error's text; the stream goes on.
    ///
    /// ```no_run
    /// use wasm_sse::EventSource;
    ///
    /// # fn run() -> Result<(), wasm_sse::Error> {
    /// // "12.5,13.0,12.75" per message.
    /// let prices = EventSource::new("/prices")?.decode_with(|data| {
    ///     data.split(',').map(str::parse::<f64>).collect::<Result<Vec<_>, _>>()
    /// });
    /// # Ok(()) }
    /// ```
    pub fn decode_with<T, E>(
        self,
        decode: impl Fn(&str) -> Result<T, E> + 'static,
    ) -> EventSource<T>
    where
        T: 'static,
        E: std::fmt::Display,
    {
        self.decoded(Decoder::Boxed(Box::new(move |message| {
            decode::with(&decode, message)
        })))
    }

    fn decoded<T>(self, decoder: Decoder<T>) -> EventSource<T> {
        EventSource {
            stream: self.stream,
            state: self.state,
            url: self.url,
            decoder,
        }
    }
}

impl<T> EventSource<T> {
    /// The absolute URL of the stream.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The last event id: what the stream resumes from if it connects again now (sent as
    /// `Last-Event-ID`, or the query parameter). Empty before the server has sent an `id:`
    /// (and not given with [`Builder::last_event_id`]), and once the stream is closed.
    ///
    /// ```no_run
    /// use futures::StreamExt;
    /// use wasm_sse::EventSource;
    ///
    /// # async fn run() -> Result<(), wasm_sse::Error> {
    /// let mut feed = EventSource::new("/feed")?;
    /// while let Some(Ok(_)) = feed.next().await {
    ///     // Keep the place, to resume in another session with `Builder::last_event_id`.
    ///     let _place = feed.last_event_id();
    /// }
    /// # Ok(()) }
    /// ```
    pub fn last_event_id(&self) -> String {
        self.stream
            .as_ref()
            .map(|stream| stream.last_event_id())
            .unwrap_or_default()
    }

    /// The messages only: [`Event::Open`] and comments are skipped, and each item is a
    /// [`Message`](crate::Message) or an error. The adapter derefs to the `EventSource`, for
    /// its state and `close`.
    ///
    /// ```no_run
    /// use futures::StreamExt;
    /// use wasm_sse::EventSource;
    ///
    /// # async fn run() -> Result<(), wasm_sse::Error> {
    /// let mut messages = EventSource::new("/feed")?.messages();
    /// while let Some(message) = messages.next().await {
    ///     println!("{}", message?.data);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn messages(self) -> Messages<T> {
        Messages(self)
    }

    /// Where the connection stands, including a pending reconnect's attempt and delay.
    pub fn state(&self) -> ConnectionState {
        self.state.state()
    }

    /// The connection's state as the web's `readyState` names it.
    pub fn ready_state(&self) -> ReadyState {
        self.state.state().ready_state()
    }

    /// Why the stream ended, `None` while it runs.
    ///
    /// A server's `204 No Content` ends a fetch stream cleanly: the stream returns `None`
    /// after the last message, with no error item, and this says [`EndReason::NoContent`].
    ///
    /// ```no_run
    /// use futures::StreamExt;
    /// use wasm_sse::{EndReason, EventSource, Transport};
    ///
    /// # async fn run() -> Result<(), wasm_sse::Error> {
    /// let mut feed = EventSource::builder("/feed").transport(Transport::Fetch).open()?;
    /// while let Some(_item) = feed.next().await {}
    /// if feed.end_reason() == Some(EndReason::NoContent) {
    ///     // The server said it has nothing more to send.
    /// }
    /// # Ok(()) }
    /// ```
    pub fn end_reason(&self) -> Option<EndReason> {
        self.state.end_reason()
    }

    /// The status and headers of the response the stream last opened with (rate-limit
    /// headers, say), updated at every [`Event::Open`]; `None` before the first and with
    /// [`Transport::EventSource`], whose browser API shows no response.
    ///
    /// ```no_run
    /// use futures::StreamExt;
    /// use wasm_sse::{Event, EventSource, Transport};
    ///
    /// # async fn run() -> Result<(), wasm_sse::Error> {
    /// let mut feed = EventSource::builder("/feed").transport(Transport::Fetch).open()?;
    /// if let Some(Ok(Event::Open)) = feed.next().await {
    ///     let remaining = feed.response().and_then(|r| r.header("x-ratelimit-remaining").map(str::to_owned));
    /// }
    /// # Ok(()) }
    /// ```
    pub fn response(&self) -> Option<crate::event::ResponseHead> {
        self.state.response()
    }

    /// Closes the connection. The stream then ends (`None`); nothing buffered is delivered.
    /// Closing twice does nothing, nor does closing a stream that has ended (its
    /// [`end_reason`](Self::end_reason) stays).
    pub fn close(&mut self) {
        self.stream = None;
        self.state.end(EndReason::Closed);
    }

    /// Drops the connection and connects again at once, resuming from the last event id
    /// (the `Last-Event-ID` the next request carries); a reconnect being waited for is made
    /// now. The stream goes on: its next item is `Open` of the new connection. Nothing
    /// happens once the stream has ended.
    ///
    /// ```no_run
    /// # fn run(feed: &wasm_sse::EventSource) {
    /// // The user came back to the tab: do not wait out the backoff.
    /// feed.restart();
    /// # }
    /// ```
    pub fn restart(&self) {
        self.state.restart();
    }

    /// The status shared with the connection loop, for the JavaScript API and the hooks: read
    /// without borrowing the stream, which may be in the middle of a poll.
    #[cfg(any(
        feature = "js",
        feature = "leptos",
        feature = "yew",
        feature = "dioxus"
    ))]
    pub(crate) fn status(&self) -> Rc<Status> {
        Rc::clone(&self.state)
    }
}

impl<T> futures_core::Stream for EventSource<T> {
    type Item = Result<Event<T>, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let Some(stream) = &mut this.stream else {
            return Poll::Ready(None);
        };
        match stream.as_mut().poll_next(cx) {
            Poll::Ready(Some(item)) => Poll::Ready(Some(decode::apply(&this.decoder, item))),
            Poll::Ready(None) => {
                this.close();
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T> FusedStream for EventSource<T> {
    fn is_terminated(&self) -> bool {
        self.stream.is_none()
    }
}

/// An [`EventSource`] that yields its messages only: see [`EventSource::messages`].
#[derive(Debug)]
#[must_use = "a stream does nothing unless polled; dropping it closes the connection"]
pub struct Messages<T = String>(EventSource<T>);

impl<T> futures_core::Stream for Messages<T> {
    type Item = Result<crate::event::Message<T>, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let source = &mut self.get_mut().0;
        loop {
            match Pin::new(&mut *source).poll_next(cx) {
                Poll::Ready(Some(Ok(Event::Message(message)))) => {
                    return Poll::Ready(Some(Ok(message)))
                }
                Poll::Ready(Some(Ok(_))) => {}
                Poll::Ready(Some(Err(err))) => return Poll::Ready(Some(Err(err))),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<T> FusedStream for Messages<T> {
    fn is_terminated(&self) -> bool {
        self.0.is_terminated()
    }
}

impl<T> std::ops::Deref for Messages<T> {
    type Target = EventSource<T>;

    fn deref(&self) -> &EventSource<T> {
        &self.0
    }
}

impl<T> std::ops::DerefMut for Messages<T> {
    fn deref_mut(&mut self) -> &mut EventSource<T> {
        &mut self.0
    }
}
