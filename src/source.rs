//! [`EventSource`]: a server-sent event stream as a typed Rust [`Stream`](futures_core::Stream),
//! and the [`Builder`] of its options.

use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
#[cfg(feature = "fetch")]
use std::time::Duration;

#[cfg(feature = "eventsource")]
use crate::buffer::{Overflow, DEFAULT_CAPACITY};
use crate::connection::{self, EndOn, Live, Plan, Status, TransportOptions};
use crate::decode::{self, Decoder};
#[cfg(feature = "fetch")]
use crate::fetch::FetchOptions;
#[cfg(feature = "eventsource")]
use crate::native::{NativeOptions, NativeSource};
use crate::{
    ConnectionState, Credentials, EndReason, Error, Event, Message, ReadyState, RetryPolicy,
};

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
    stream: Option<connection::Items>,
    state: Rc<Status>,
    url: String,
    decoder: Decoder<T>,
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
        EventSource {
            stream: self.stream,
            state: self.state,
            url: self.url,
            decoder: decode::json::<T>,
        }
    }
}

impl<T> EventSource<T> {
    /// The absolute URL of the stream.
    pub fn url(&self) -> &str {
        &self.url
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
    pub fn response(&self) -> Option<crate::ResponseHead> {
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

    /// The status shared with the connection loop, for the JavaScript API: read without
    /// borrowing the stream, which may be in the middle of a poll.
    #[cfg(feature = "js")]
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
        match Pin::new(stream).poll_next(cx) {
            Poll::Ready(Some(item)) => Poll::Ready(Some(decode::apply(this.decoder, item))),
            Poll::Ready(None) => {
                this.close();
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Which network API carries the stream.
///
/// Each variant is a cargo feature, both on by default; a variant whose feature is off does
/// not exist, so asking for it fails to compile rather than at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Transport {
    /// The browser's own `EventSource`: parsed by the browser, reconnected by the browser
    /// while it can. GET only, no custom headers, no status code on failure. The default.
    #[cfg(feature = "eventsource")]
    #[cfg_attr(docsrs, doc(cfg(feature = "eventsource")))]
    #[default]
    EventSource,
    /// `fetch()` with a body reader, parsed in wasm: any method, headers and body, typed
    /// errors with the status, bounded event size, reconnection by the [`RetryPolicy`].
    /// The default when the `eventsource` feature is off.
    #[cfg(feature = "fetch")]
    #[cfg_attr(docsrs, doc(cfg(feature = "fetch")))]
    #[cfg_attr(not(feature = "eventsource"), default)]
    Fetch,
}

/// Options of an [`EventSource`], opened by [`open`](Builder::open).
///
/// ```no_run
/// use std::time::Duration;
/// use wasm_sse::{EventSource, RetryPolicy, Transport};
///
/// # fn run() -> Result<(), wasm_sse::Error> {
/// let feed = EventSource::builder("https://example.com/feed")
///     .transport(Transport::Fetch)
///     .method("POST")
///     .header("Authorization", "Bearer secret")
///     .body(r#"{"topic":"prices"}"#)
///     .retry(RetryPolicy::default().max_attempts(10))
///     .stall_timeout(Duration::from_secs(45))
///     .open()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `open` is called"]
pub struct Builder {
    url: String,
    transport: Transport,
    credentials: Credentials,
    events: Vec<String>,
    #[cfg(feature = "fetch")]
    all_events: bool,
    #[cfg(feature = "eventsource")]
    capacity: usize,
    #[cfg(feature = "eventsource")]
    overflow: Overflow,
    #[cfg(feature = "fetch")]
    fetch: FetchOptions,
    retry: Option<RetryPolicy>,
    last_event_id: String,
    last_event_id_param: Option<String>,
    last_event_ids: bool,
    #[cfg(feature = "fetch")]
    resend: bool,
    end_on: Option<EndOn>,
}

impl Builder {
    fn new(url: String) -> Self {
        Builder {
            url,
            transport: Transport::default(),
            credentials: Credentials::default(),
            events: Vec::new(),
            #[cfg(feature = "fetch")]
            all_events: false,
            #[cfg(feature = "eventsource")]
            capacity: DEFAULT_CAPACITY,
            #[cfg(feature = "eventsource")]
            overflow: Overflow::default(),
            #[cfg(feature = "fetch")]
            fetch: FetchOptions::default(),
            retry: None,
            last_event_id: String::new(),
            last_event_id_param: None,
            last_event_ids: true,
            #[cfg(feature = "fetch")]
            resend: false,
            end_on: None,
        }
    }

    /// Chooses the transport; [`Transport::EventSource`] by default (`Transport::Fetch` when
    /// the `eventsource` feature is off).
    pub fn transport(mut self, transport: Transport) -> Self {
        self.transport = transport;
        self
    }

    /// Sends cookies and credentials cross-origin (`withCredentials`); off by default.
    /// The server must then answer with its exact origin and `Access-Control-Allow-Credentials: true`.
    pub fn with_credentials(self, with_credentials: bool) -> Self {
        self.credentials(if with_credentials {
            Credentials::Include
        } else {
            Credentials::SameOrigin
        })
    }

    /// The credentials mode. [`Credentials::Omit`] needs [`Transport::Fetch`].
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// Also delivers messages of these event types (the `event:` field), besides `message`.
    ///
    /// The browser's `EventSource` has no wildcard, so both transports deliver only
    /// `message` and the types named here, unless [`all_events`](Self::all_events) is set.
    pub fn events<I, S>(mut self, event_types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.events.extend(event_types.into_iter().map(Into::into));
        self
    }

    /// Delivers messages of every event type. Needs [`Transport::Fetch`].
    #[cfg(feature = "fetch")]
    #[cfg_attr(docsrs, doc(cfg(feature = "fetch")))]
    pub fn all_events(mut self) -> Self {
        self.all_events = true;
        self
    }

    /// With [`Transport::EventSource`], which pushes messages whether or not they are read:
    /// holds at most `capacity` messages for a consumer that falls behind, and does what
    /// `overflow` says past that. Default: [`DEFAULT_CAPACITY`](crate::DEFAULT_CAPACITY),
    /// [`Overflow::Fail`]. The fetch transport reads only as fast as the consumer pulls
    /// and needs no buffer.
    #[cfg(feature = "eventsource")]
    #[cfg_attr(docsrs, doc(cfg(feature = "eventsource")))]
    pub fn buffer(mut self, capacity: usize, overflow: Overflow) -> Self {
        self.capacity = capacity;
        self.overflow = overflow;
        self
    }

    /// The request method, `GET` by default. Needs [`Transport::Fetch`].
    #[cfg(feature = "fetch")]
    #[cfg_attr(docsrs, doc(cfg(feature = "fetch")))]
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.fetch.method = Some(method.into());
        self
    }

    /// Adds a request header, e.g. `Authorization`. Needs [`Transport::Fetch`].
    ///
    /// Cross-origin, any header but a few safelisted ones makes the browser send a CORS
    /// preflight, which the server must allow.
    #[cfg(feature = "fetch")]
    #[cfg_attr(docsrs, doc(cfg(feature = "fetch")))]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.fetch.headers.push((name.into(), value.into()));
        self
    }

    /// The request body, sent again on every reconnect. Needs [`Transport::Fetch`] and a
    /// method other than `GET`.
    #[cfg(feature = "fetch")]
    #[cfg_attr(docsrs, doc(cfg(feature = "fetch")))]
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.fetch.body = Some(body.into());
        self
    }

    /// When and how to reconnect after a failure the browser does not handle itself.
    ///
    /// With [`Transport::Fetch`] the default is [`RetryPolicy::default`]. With
    /// [`Transport::EventSource`] the default is the browser's behaviour: it reconnects by
    /// itself after a network error or the end of a response, and gives up for good on an
    /// HTTP error. With a policy, a new `EventSource` is opened after it gives up; since the
    /// browser cannot send `Last-Event-ID` on a new one, the last event id travels in the
    /// query parameter [`LAST_EVENT_ID_PARAM`](crate::LAST_EVENT_ID_PARAM)
    /// (`?lastEventId=...`, the convention of Pushpin and reconnecting-eventsource).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The last event id to resume from on the first request (sent as `Last-Event-ID` by
    /// the fetch transport, as the `lastEventId` query parameter by the `EventSource` one).
    /// An id holding NUL, CR or LF is ignored.
    pub fn last_event_id(mut self, id: impl Into<String>) -> Self {
        self.last_event_id = id.into();
        if self.last_event_id.contains(['\0', '\r', '\n']) {
            self.last_event_id.clear();
        }
        self
    }

    /// Sends the last event id as the query parameter `name` (e.g. `lastEventId`, or nchan's
    /// `last_event_id`) instead of the `Last-Event-ID` header.
    ///
    /// Cross-origin, the header is not CORS-safelisted, so every reconnect of the fetch
    /// transport costs a preflight that the server must allow; a query parameter costs none.
    /// The `EventSource` transport always uses a parameter when it opens a new `EventSource`
    /// (the browser cannot set the header on one); this sets its name, by default
    /// [`LAST_EVENT_ID_PARAM`](crate::LAST_EVENT_ID_PARAM).
    pub fn last_event_id_param(mut self, name: impl Into<String>) -> Self {
        self.last_event_id_param = Some(name.into());
        self
    }

    /// Whether each [`Message::last_event_id`](crate::Message::last_event_id) is filled in;
    /// `true` by default. With `false` it is always empty, and reconnecting still resumes
    /// from the last event id.
    ///
    /// It is a speed option for the [`Transport::EventSource`] transport: reading a message's
    /// `lastEventId` from the browser makes a new JavaScript string every time, which costs
    /// Chromium about a fifth of what it spends on a message (`docs/bench/README.md`). With
    /// `false`, only the id a connection ends with is read. The fetch transport saves one
    /// allocation per message.
    pub fn with_last_event_ids(mut self, last_event_ids: bool) -> Self {
        self.last_event_ids = last_event_ids;
        self
    }

    /// Yields the server's comment lines too, as [`Event::Comment`], in stream order with the
    /// messages: the keep-alives (`: ping`) a server sends to show the connection is alive.
    /// A comment line longer than the [maximum event size](Self::max_event_size) is skipped
    /// and reported as [`Error::CommentTooLarge`]. Off by default. Needs [`Transport::Fetch`]
    /// (the browser's `EventSource` drops comments).
    ///
    /// ```no_run
    /// use futures::StreamExt;
    /// use wasm_sse::{Event, EventSource, Transport};
    ///
    /// # async fn run() -> Result<(), wasm_sse::Error> {
    /// let mut feed = EventSource::builder("/events")
    ///     .transport(Transport::Fetch)
    ///     .comments(true)
    ///     .open()?;
    /// let mut last_sign_of_life = String::new();
    /// while let Some(item) = feed.next().await {
    ///     match item? {
    ///         Event::Comment(text) => last_sign_of_life = text, // ": ping" gives "ping"
    ///         Event::Message(message) => println!("{}", message.data),
    ///         _ => {}
    ///     }
    /// }
    /// # let _ = last_sign_of_life;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "fetch")]
    pub fn comments(mut self, comments: bool) -> Self {
        self.fetch.comments = comments;
        self
    }

    /// Ends the stream cleanly at the first message whose data is `marker`, such as the
    /// `[DONE]` that OpenAI-style APIs send last: the marker is not delivered, the connection
    /// is closed at once, the stream returns `None` after the messages before it, and
    /// [`EventSource::end_reason`] is [`EndReason::EndMarker`].
    ///
    /// ```no_run
    /// use wasm_sse::{EventSource, Transport};
    ///
    /// # fn run() -> Result<(), wasm_sse::Error> {
    /// let completion = EventSource::builder("/v1/chat/completions")
    ///     .transport(Transport::Fetch)
    ///     .method("POST")
    ///     .body(r#"{"model":"m","stream":true,"messages":[]}"#)
    ///     .end_on_data("[DONE]")
    ///     .open()?;
    /// # Ok(()) }
    /// ```
    pub fn end_on_data(self, marker: impl Into<String>) -> Self {
        let marker = marker.into();
        self.end_on(move |message| message.data == marker)
    }

    /// Ends the stream cleanly at the first message for which `is_end` is true, as
    /// [`end_on_data`](Self::end_on_data) does for a fixed marker.
    pub fn end_on(mut self, is_end: impl Fn(&Message) -> bool + 'static) -> Self {
        self.end_on = Some(EndOn(Rc::new(is_end)));
        self
    }

    /// Makes headers anew before every request, the first and each reconnect: a token that
    /// may have been refreshed since. They are set after (over) those of
    /// [`header`](Self::header). On a `401` answer it is called once more and the request
    /// sent again at once; a second `401` is [`Error::Status`], which ends the stream.
    /// Needs [`Transport::Fetch`].
    ///
    /// ```no_run
    /// use wasm_sse::{EventSource, Transport};
    ///
    /// async fn current_token() -> String {
    ///     // Ask the auth server, or read a refreshed one from storage.
    ///     "t0ken".to_owned()
    /// }
    ///
    /// # fn run() -> Result<(), wasm_sse::Error> {
    /// let feed = EventSource::builder("/feed")
    ///     .transport(Transport::Fetch)
    ///     .headers_with(|| async {
    ///         vec![("Authorization".to_owned(), format!("Bearer {}", current_token().await))]
    ///     })
    ///     .open()?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "fetch")]
    #[cfg_attr(docsrs, doc(cfg(feature = "fetch")))]
    pub fn headers_with<F, Fut>(self, make: F) -> Self
    where
        F: Fn() -> Fut + 'static,
        Fut: std::future::Future<Output = Vec<(String, String)>> + 'static,
    {
        self.headers_made_by(move || {
            let headers = make();
            Box::pin(async move { Ok(headers.await) })
        })
    }

    /// [`headers_with`](Self::headers_with) whose headers may fail to be made (the npm API's
    /// function, whose promise may reject).
    #[cfg(feature = "fetch")]
    pub(crate) fn headers_made_by(
        mut self,
        make: impl Fn() -> futures_util::future::LocalBoxFuture<
                'static,
                Result<crate::fetch::Headers, Error>,
            > + 'static,
    ) -> Self {
        self.fetch.headers_with = Some(crate::fetch::HeadersFn(Rc::new(make)));
        self
    }

    /// Sends a request that is not a plain GET (another method, or a body) again when its
    /// response ends or fails, even when the server sent no id to resume from. Off by
    /// default: such a request, an LLM completion say, would run (and be billed) again, so
    /// without ids it is sent once and a clean end of its response ends the stream
    /// ([`EndReason::ResponseEnded`]). With ids it is sent again with `Last-Event-ID`, as a GET
    /// is. Needs [`Transport::Fetch`].
    #[cfg(feature = "fetch")]
    #[cfg_attr(docsrs, doc(cfg(feature = "fetch")))]
    pub fn resend(mut self, resend: bool) -> Self {
        self.resend = resend;
        self
    }

    /// Drops the connection and reconnects when no byte (not even a keep-alive comment)
    /// arrives for this long. Off by default. Needs [`Transport::Fetch`].
    ///
    /// Any length is honoured, beyond the browser's longest timer (2^31 − 1 ms, 24.8 days)
    /// too; zero is refused by [`open`](Self::open) as [`Error::InvalidRequest`].
    #[cfg(feature = "fetch")]
    #[cfg_attr(docsrs, doc(cfg(feature = "fetch")))]
    pub fn stall_timeout(mut self, timeout: Duration) -> Self {
        self.fetch.stall_timeout = Some(timeout);
        self
    }

    /// The largest event accepted, in bytes; a larger one is an [`Error::EventTooLarge`] item
    /// and is skipped. Default [`Parser::DEFAULT_MAX_EVENT_SIZE`](crate::parser::Parser::DEFAULT_MAX_EVENT_SIZE).
    /// Needs [`Transport::Fetch`] (the browser's `EventSource` parses by itself, without a limit).
    #[cfg(feature = "fetch")]
    #[cfg_attr(docsrs, doc(cfg(feature = "fetch")))]
    pub fn max_event_size(mut self, bytes: usize) -> Self {
        self.fetch.max_event_size = Some(bytes);
        self
    }

    /// Opens the stream.
    ///
    /// A URL that cannot be parsed is [`Error::InvalidUrl`]; a request that cannot be built,
    /// or a fetch-only option with [`Transport::EventSource`], is [`Error::InvalidRequest`].
    /// Failures of the connection itself are stream items.
    pub fn open(self) -> Result<EventSource, Error> {
        let url = resolve_url(&self.url)?;
        let state = Status::new();
        let (transport, live, retry) = match self.transport {
            #[cfg(feature = "eventsource")]
            Transport::EventSource => {
                self.refuse_fetch_options()?;
                let options = NativeOptions {
                    with_credentials: self.credentials == Credentials::Include,
                    events: self.events,
                    capacity: self.capacity,
                    overflow: self.overflow,
                    last_event_ids: self.last_event_ids,
                };
                let name = self.last_event_id_param.as_deref();
                let name = name.unwrap_or(connection::LAST_EVENT_ID_PARAM);
                let first_url = connection::url_with_param(&url, name, &self.last_event_id);
                let first = NativeSource::open(&first_url, &options)?;
                (
                    TransportOptions::Native(options),
                    Live::Native(first),
                    self.retry,
                )
            }
            #[cfg(feature = "fetch")]
            Transport::Fetch => {
                if !url.starts_with("http://") && !url.starts_with("https://") {
                    return Err(Error::InvalidUrl {
                        url,
                        reason: "only http: and https: URLs can be fetched".into(),
                    });
                }
                if self.fetch.stall_timeout == Some(Duration::ZERO) {
                    // Every read would stall at once.
                    return Err(Error::InvalidRequest(
                        "stall_timeout must be more than zero".into(),
                    ));
                }
                let mut fetch = self.fetch;
                fetch.credentials = self.credentials;
                fetch.validate(&url)?;
                fetch.event_types = (!self.all_events).then_some(self.events);
                (
                    TransportOptions::Fetch(fetch),
                    Live::None,
                    Some(self.retry.unwrap_or_default()),
                )
            }
        };
        let plan = Plan {
            url: url.clone(),
            transport,
            retry,
            last_event_id: self.last_event_id,
            last_event_id_param: self.last_event_id_param,
            #[cfg(feature = "fetch")]
            last_event_ids: self.last_event_ids,
            #[cfg(feature = "fetch")]
            resend: self.resend,
            end_on: self.end_on,
        };
        Ok(EventSource {
            stream: Some(connection::stream(plan, live, Rc::clone(&state))),
            state,
            url,
            decoder: decode::text,
        })
    }

    /// Fetch-only options are refused with the `EventSource` transport rather than ignored.
    #[cfg(feature = "eventsource")]
    fn refuse_fetch_options(&self) -> Result<(), Error> {
        #[cfg(feature = "fetch")]
        let set = [
            (self.fetch.method.is_some(), "method"),
            (!self.fetch.headers.is_empty(), "header"),
            (self.fetch.headers_with.is_some(), "headers_with"),
            (self.fetch.body.is_some(), "body"),
            (self.fetch.stall_timeout.is_some(), "stall_timeout"),
            (self.fetch.max_event_size.is_some(), "max_event_size"),
            (self.fetch.comments, "comments"),
            (self.all_events, "all_events"),
            (self.resend, "resend"),
        ];
        #[cfg(not(feature = "fetch"))]
        let set = [];
        let omit = [(
            self.credentials == Credentials::Omit,
            "credentials(Credentials::Omit)",
        )];
        let refused = set.iter().chain(&omit).find(|(is_set, _)| *is_set);
        match refused {
            Some((_, option)) => Err(Error::InvalidRequest(format!(
                "{option} needs Transport::Fetch: the browser's EventSource cannot do it"
            ))),
            None => Ok(()),
        }
    }
}

/// `url` resolved against the document's base URL (which honours `<base href>`), or a
/// worker's location, as `new EventSource(url)` resolves it.
fn resolve_url(url: &str) -> Result<String, Error> {
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
                _ => crate::error::js_message(&err),
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
