//! [`Builder`]: the options of an [`EventSource`], and the one place that picks the
//! [`Transport`] a stream runs on.

use std::pin::Pin;
use std::rc::Rc;
#[cfg(feature = "fetch")]
use std::time::Duration;

use super::Credentials;
use crate::connection::{EndOn, Loop, Plan, Running, Status};
use crate::error::Error;
use crate::event::Message;
use crate::retry::RetryPolicy;
use crate::source::EventSource;
use crate::transport;
#[cfg(feature = "eventsource")]
use crate::transport::eventsource::{NativeConnector, NativeOptions, Overflow, DEFAULT_CAPACITY};
#[cfg(feature = "fetch")]
use crate::transport::fetch::{FetchConnector, FetchOptions};

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
#[derive(Debug, Clone, Default)]
#[must_use = "a builder does nothing until `open` is called"]
pub struct Builder {
    url: String,
    transport: Transport,
    credentials: Credentials,
    events: Vec<String>,
    retry: Option<RetryPolicy>,
    last_event_id: String,
    last_event_id_param: Option<String>,
    /// `with_last_event_ids(false)`.
    without_ids: bool,
    end_on: Option<EndOn>,
    #[cfg(feature = "eventsource")]
    buffer: BufferOptions,
    #[cfg(feature = "fetch")]
    fetch: FetchOptions,
}

/// The buffer of the `EventSource` transport.
#[cfg(feature = "eventsource")]
#[derive(Debug, Clone)]
struct BufferOptions {
    capacity: usize,
    overflow: Overflow,
}

#[cfg(feature = "eventsource")]
impl Default for BufferOptions {
    fn default() -> Self {
        BufferOptions {
            capacity: DEFAULT_CAPACITY,
            overflow: Overflow::default(),
        }
    }
}

impl Builder {
    pub(super) fn new(url: String) -> Self {
        Builder {
            url,
            ..Builder::default()
        }
    }

    /// Chooses the transport; [`Transport::EventSource`] by default (`Transport::Fetch` when
    /// the `eventsource` feature is off).
    pub fn transport(mut self, transport: Transport) -> Self {
        self.transport = transport;
        self
    }

    /// Who gets cookies and HTTP authentication: [`Credentials::SameOrigin`] by default;
    /// [`Credentials::Include`] is `withCredentials` (the server must then answer with its
    /// exact origin and `Access-Control-Allow-Credentials: true`); [`Credentials::Omit`]
    /// needs [`Transport::Fetch`].
    ///
    /// ```no_run
    /// use wasm_sse::{Credentials, EventSource};
    ///
    /// # fn run() -> Result<(), wasm_sse::Error> {
    /// let feed = EventSource::builder("https://api.example.com/feed")
    ///     .credentials(Credentials::Include)
    ///     .open()?;
    /// # Ok(()) }
    /// ```
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
        self.fetch.all_events = true;
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
        self.buffer = BufferOptions { capacity, overflow };
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
        self.without_ids = !last_event_ids;
        self
    }

    /// Yields the server's comment lines too, as [`Event::Comment`](crate::Event::Comment), in stream order with the
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
    /// [`EventSource::end_reason`] is [`EndReason::EndMarker`](crate::EndReason::EndMarker).
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
                Result<transport::fetch::Headers, Error>,
            > + 'static,
    ) -> Self {
        self.fetch.headers_with = Some(transport::fetch::HeadersFn(Rc::new(make)));
        self
    }

    /// Sends a request that is not a plain GET (another method, or a body) again when its
    /// response ends or fails, even when the server sent no id to resume from. Off by
    /// default: such a request, an LLM completion say, would run (and be billed) again, so
    /// without ids it is sent once and a clean end of its response ends the stream
    /// ([`EndReason::ResponseEnded`](crate::EndReason::ResponseEnded)). With ids it is sent again with `Last-Event-ID`, as a GET
    /// is. Needs [`Transport::Fetch`].
    #[cfg(feature = "fetch")]
    #[cfg_attr(docsrs, doc(cfg(feature = "fetch")))]
    pub fn resend(mut self, resend: bool) -> Self {
        self.fetch.resend = resend;
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
        let url = transport::resolve_url(&self.url)?;
        let status = Status::new();
        let running = match self.transport {
            #[cfg(feature = "eventsource")]
            Transport::EventSource => self.open_native(url.clone(), &status)?,
            #[cfg(feature = "fetch")]
            Transport::Fetch => self.open_fetch(url.clone(), &status)?,
        };
        Ok(EventSource::running(running, status, url))
    }

    /// The loop over the browser's `EventSource`, whose first one opens now.
    #[cfg(feature = "eventsource")]
    fn open_native(self, url: String, status: &Rc<Status>) -> Result<Pin<Box<dyn Running>>, Error> {
        if let Some(option) = self.fetch_only_option() {
            return Err(Error::InvalidRequest(format!(
                "{option} needs Transport::Fetch: the browser's EventSource cannot do it"
            )));
        }
        let options = NativeOptions {
            with_credentials: self.credentials == Credentials::Include,
            events: self.events,
            capacity: self.buffer.capacity,
            overflow: self.buffer.overflow,
            last_event_ids: !self.without_ids,
        };
        let connector =
            NativeConnector::new(url, options, self.last_event_id_param, self.last_event_id);
        let first = connector.open()?;
        let plan = Plan {
            retry: self.retry,
            end_on: self.end_on,
        };
        let running = Loop::new(connector, plan, Rc::clone(status), Some(first));
        Ok(Box::pin(running))
    }

    /// The loop over `fetch()`, which connects when first polled.
    #[cfg(feature = "fetch")]
    fn open_fetch(self, url: String, status: &Rc<Status>) -> Result<Pin<Box<dyn Running>>, Error> {
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
        fetch.credentials = Some(match self.credentials {
            Credentials::Omit => web_sys::RequestCredentials::Omit,
            Credentials::SameOrigin => web_sys::RequestCredentials::SameOrigin,
            Credentials::Include => web_sys::RequestCredentials::Include,
        });
        fetch.validate(&url)?;
        fetch.event_types = (!fetch.all_events).then_some(self.events);
        let connector = FetchConnector::new(
            url,
            fetch,
            self.last_event_id_param,
            self.last_event_id,
            !self.without_ids,
        );
        let plan = Plan {
            retry: Some(self.retry.unwrap_or_default()),
            end_on: self.end_on,
        };
        Ok(Box::pin(Loop::new(
            connector,
            plan,
            Rc::clone(status),
            None,
        )))
    }

    /// The first fetch-only option set, refused with the `EventSource` transport rather
    /// than ignored.
    #[cfg(feature = "eventsource")]
    fn fetch_only_option(&self) -> Option<&'static str> {
        let omit = self.credentials == Credentials::Omit;
        let omit = omit.then_some("credentials(Credentials::Omit)");
        omit.or_else(|| self.fetch_options_set())
    }

    #[cfg(all(feature = "eventsource", feature = "fetch"))]
    fn fetch_options_set(&self) -> Option<&'static str> {
        let fetch = &self.fetch;
        let set = [
            (fetch.method.is_some(), "method"),
            (!fetch.headers.is_empty(), "header"),
            (fetch.headers_with.is_some(), "headers_with"),
            (fetch.body.is_some(), "body"),
            (fetch.stall_timeout.is_some(), "stall_timeout"),
            (fetch.max_event_size.is_some(), "max_event_size"),
            (fetch.comments, "comments"),
            (fetch.all_events, "all_events"),
            (fetch.resend, "resend"),
        ];
        set.iter()
            .find(|(is_set, _)| *is_set)
            .map(|(_, name)| *name)
    }

    #[cfg(all(feature = "eventsource", not(feature = "fetch")))]
    fn fetch_options_set(&self) -> Option<&'static str> {
        None
    }
}
