//! The connection loop both transports share: connect, deliver, and on failure ask the
//! [`RetryPolicy`] whether and when to connect again, resuming from the last event id.

use std::cell::{Cell, RefCell};
#[cfg(feature = "fetch")]
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use futures_core::Stream;

use futures_util::stream::LocalBoxStream;

#[cfg(feature = "fetch")]
use crate::fetch::{FetchConnection, FetchOptions};
#[cfg(feature = "eventsource")]
use crate::native::{NativeOptions, NativeSource};
#[cfg(feature = "fetch")]
#[cfg(feature = "fetch")]
use crate::parser::{ParseError, Parsed, Parser};
#[cfg(feature = "fetch")]
use crate::SmolStr;
use crate::{ConnectionState, EndReason, Error, Event, Message, RetryPolicy};

/// The name of the query parameter that carries the last event id when a new browser
/// `EventSource` replaces one the browser gave up on (it cannot send `Last-Event-ID` itself).
///
/// The parameter is part of that `EventSource`'s URL for good: when the browser later
/// reconnects it by itself, the request still carries the parameter it was opened with, and
/// the newer id in the `Last-Event-ID` header. A server should therefore prefer the header
/// to the parameter (the test server does; tests/eventsource.rs shows the requests).
pub const LAST_EVENT_ID_PARAM: &str = "lastEventId";

/// Which transport, with its options.
#[derive(Debug)]
pub(crate) enum TransportOptions {
    #[cfg(feature = "eventsource")]
    Native(NativeOptions),
    #[cfg(feature = "fetch")]
    Fetch(FetchOptions),
}

/// Everything a connection loop needs, fixed when the stream is opened.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) url: String,
    pub(crate) transport: TransportOptions,
    /// `None`: no reconnecting of ours (the browser's `EventSource` still reconnects by itself
    /// while it can).
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) last_event_id: String,
    /// Send the last event id as this query parameter. The fetch transport then sends no
    /// `Last-Event-ID` header; the native one always uses a parameter (the browser cannot
    /// set the header on a new `EventSource`), [`LAST_EVENT_ID_PARAM`] when this is `None`.
    pub(crate) last_event_id_param: Option<String>,
    /// Fill in each message's last event id (the native transport's is in its options).
    #[cfg(feature = "fetch")]
    pub(crate) last_event_ids: bool,
    /// Send a request that is not a plain GET again even when it cannot resume (no id).
    #[cfg(feature = "fetch")]
    pub(crate) resend: bool,
    /// The message that ends the stream cleanly, if any.
    pub(crate) end_on: Option<EndOn>,
}

/// What says a message is the end of the stream (`[DONE]`): it is not delivered, and the
/// connection is closed at once.
#[derive(Clone)]
pub(crate) struct EndOn(pub(crate) Rc<dyn Fn(&Message) -> bool>);

impl std::fmt::Debug for EndOn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EndOn(..)")
    }
}

impl EndOn {
    fn matches(end_on: &Option<EndOn>, item: &Result<Event, Error>) -> bool {
        match (end_on, item) {
            (Some(EndOn(is_end)), Ok(Event::Message(message))) => is_end(message),
            _ => false,
        }
    }
}

/// Where a stream stands, shared by its connection loop (which writes it) and its handle.
///
/// Once the stream has ended it stays [`ConnectionState::Closed`]: a late write (from a
/// connection torn down while it was being polled) cannot bring it back.
#[derive(Debug)]
pub(crate) struct Status {
    state: Cell<ConnectionState>,
    end: RefCell<Option<EndReason>>,
    /// The response of the latest connection that opened (fetch transport).
    response: RefCell<Option<crate::ResponseHead>>,
    /// Event types asked for after the stream was opened (see [`Status::listen`]).
    #[cfg(feature = "eventsource")]
    late_types: RefCell<Vec<String>>,
    /// A restart was asked for and the loop has not made it yet.
    restart: Cell<bool>,
    /// The waker of the loop's latest poll, woken by a restart or a new event type.
    waker: RefCell<Option<Waker>>,
}

impl Status {
    pub(crate) fn new() -> Rc<Self> {
        Rc::new(Status {
            state: Cell::new(ConnectionState::Connecting),
            end: RefCell::new(None),
            response: RefCell::new(None),
            #[cfg(feature = "eventsource")]
            late_types: RefCell::new(Vec::new()),
            restart: Cell::new(false),
            waker: RefCell::new(None),
        })
    }

    /// Asks for `event_type` to be delivered from now on, besides the types the stream was
    /// opened with: the native transport listens for it on its `EventSource` (this one and
    /// any it opens later). The fetch transport needs nothing: with `all_events` it delivers
    /// every type, and without, only the types it was opened with.
    #[cfg(feature = "js")]
    pub(crate) fn listen(&self, event_type: &str) {
        let mut types = self.late_types.borrow_mut();
        if !types.iter().any(|known| known == event_type) {
            types.push(event_type.to_owned());
            drop(types);
            self.wake();
        }
    }

    /// The event types asked for since the stream was opened, in order.
    #[cfg(feature = "eventsource")]
    pub(crate) fn late_types(&self) -> std::cell::Ref<'_, Vec<String>> {
        self.late_types.borrow()
    }

    /// Asks the loop to drop its connection and connect again at once, resuming from the
    /// last event id; a wait for a reconnect is cut short. Nothing happens once ended.
    pub(crate) fn restart(&self) {
        if self.end.borrow().is_none() {
            self.restart.set(true);
            self.wake();
        }
    }

    fn take_restart(&self) -> bool {
        self.restart.replace(false)
    }

    fn wake(&self) {
        if let Some(waker) = self.waker.borrow_mut().take() {
            waker.wake();
        }
    }

    pub(crate) fn response(&self) -> Option<crate::ResponseHead> {
        self.response.borrow().clone()
    }

    pub(crate) fn state(&self) -> ConnectionState {
        self.state.get()
    }

    /// Sets the state, unless the stream has ended.
    pub(crate) fn set(&self, state: ConnectionState) {
        if self.end.borrow().is_none() {
            self.state.set(state);
        }
    }

    /// Ends the stream for `reason`; the first reason given is kept.
    pub(crate) fn end(&self, reason: EndReason) {
        let mut end = self.end.borrow_mut();
        if end.is_none() {
            *end = Some(reason);
        }
        self.state.set(ConnectionState::Closed);
    }

    pub(crate) fn end_reason(&self) -> Option<EndReason> {
        self.end.borrow().clone()
    }
}

/// How a wait of the loop ended: what it waited for, or a restart asked for meanwhile.
enum Raced<T> {
    Done(T),
    Restart,
}

/// Runs `future` until it completes or a restart is asked for (then it is dropped).
async fn unless_restarted<T>(status: &Status, future: impl Future<Output = T>) -> Raced<T> {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| {
        if status.take_restart() {
            return Poll::Ready(Raced::Restart);
        }
        *status.waker.borrow_mut() = Some(cx.waker().clone());
        future.as_mut().poll(cx).map(Raced::Done)
    })
    .await
}

/// The live connection, if any.
pub(crate) enum Live {
    None,
    #[cfg(feature = "eventsource")]
    Native(NativeSource),
    #[cfg(feature = "fetch")]
    Fetch(FetchConnection),
}

/// The state carried from one stream item to the next.
struct Loop {
    plan: Plan,
    state: Rc<Status>,
    #[cfg(feature = "fetch")]
    parser: Parser,
    live: Live,
    /// The last event id the native transport resumes from, updated when a connection ends
    /// (the fetch transport's is the parser's).
    #[cfg(feature = "eventsource")]
    last_event_id: String,
    /// The origin of the fetch transport's current response.
    #[cfg(feature = "fetch")]
    origin: SmolStr,
    /// Items parsed from the last chunk, not yet delivered; [`Items`] takes them directly.
    #[cfg(feature = "fetch")]
    pending: Pending,
    /// Consecutive failed attempts since the last open.
    attempt: u32,
    /// The wait before the next attempt, when one is due.
    wait: Option<Duration>,
    done: bool,
    /// Why the stream ends once the messages still pending are delivered (an end marker).
    ending: Option<EndReason>,
}

/// The items parsed from one chunk: many per read, handed out one by one.
#[cfg(feature = "fetch")]
type Pending = Rc<RefCell<VecDeque<Result<Event, Error>>>>;

/// The stream of a connection loop. Items already parsed are taken straight from the queue;
/// only when it is empty is the loop's future polled (which moves the whole loop state in
/// and out, too dear to pay per event).
pub(crate) struct Items {
    #[cfg(feature = "fetch")]
    pending: Pending,
    machine: LocalBoxStream<'static, Result<Event, Error>>,
}

impl std::fmt::Debug for Items {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Items").finish_non_exhaustive()
    }
}

impl Stream for Items {
    type Item = Result<Event, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        #[cfg(feature = "fetch")]
        if let Some(item) = self.pending.borrow_mut().pop_front() {
            return Poll::Ready(Some(item));
        }
        self.machine.as_mut().poll_next(cx)
    }
}

/// Runs `plan` as a stream, starting from `live` when the connection is already open;
/// `state` follows it for whoever holds the other end.
pub(crate) fn stream(plan: Plan, live: Live, state: Rc<Status>) -> Items {
    let machine = Loop {
        #[cfg(feature = "fetch")]
        parser: parser(&plan),
        #[cfg(feature = "eventsource")]
        last_event_id: plan.last_event_id.clone(),
        plan,
        state,
        live,
        #[cfg(feature = "fetch")]
        origin: SmolStr::default(),
        #[cfg(feature = "fetch")]
        pending: Pending::default(),
        attempt: 0,
        wait: None,
        done: false,
        ending: None,
    };
    Items {
        #[cfg(feature = "fetch")]
        pending: Rc::clone(&machine.pending),
        machine: Box::pin(futures_util::stream::unfold(
            machine,
            |mut machine| async move {
                let item = machine.next().await?;
                Some((item, machine))
            },
        )),
    }
}

impl Loop {
    async fn next(&mut self) -> Option<Result<Event, Error>> {
        loop {
            #[cfg(feature = "fetch")]
            if let Some(item) = self.pending.borrow_mut().pop_front() {
                return Some(item);
            }
            if self.done {
                self.state
                    .end(self.ending.take().unwrap_or(EndReason::Closed));
                return None;
            }
            match &mut self.live {
                Live::None => {
                    if let Some(delay) = self.wait.take() {
                        let state = Rc::clone(&self.state);
                        if let Raced::Restart =
                            unless_restarted(&state, crate::timer::sleep(delay)).await
                        {
                            self.restart();
                            continue;
                        }
                    }
                    self.state.set(ConnectionState::Connecting);
                    let state = Rc::clone(&self.state);
                    let connected = match unless_restarted(&state, self.connect()).await {
                        Raced::Done(connected) => connected,
                        Raced::Restart => {
                            self.restart();
                            continue;
                        }
                    };
                    match connected {
                        Ok(()) => {}
                        // The spec's "stop": a clean end after the last message, not an error.
                        Err(Error::Status { status: 204, .. }) => {
                            self.end(EndReason::NoContent);
                            return None;
                        }
                        Err(err) => return Some(Err(self.failed(err))),
                    }
                    #[cfg(feature = "fetch")]
                    if let Live::Fetch(_) = self.live {
                        return Some(Ok(self.opened()));
                    }
                }
                #[cfg(feature = "eventsource")]
                Live::Native(source) => {
                    let state = Rc::clone(&self.state);
                    let polled = std::future::poll_fn(|cx| {
                        source.listen(&state.late_types());
                        source.poll_next(cx)
                    });
                    let item = match unless_restarted(&state, polled).await {
                        Raced::Done(item) => item,
                        Raced::Restart => {
                            self.restart();
                            continue;
                        }
                    };
                    let Live::Native(source) = &self.live else {
                        continue;
                    };
                    match item {
                        Some(Ok(Event::Open)) => return Some(Ok(self.opened())),
                        Some(message @ Ok(Event::Message(_))) => {
                            if EndOn::matches(&self.plan.end_on, &message) {
                                self.end(EndReason::EndMarker);
                                return None;
                            }
                            return Some(message);
                        }
                        // The browser's EventSource drops comments.
                        Some(comment @ Ok(Event::Comment(_))) => return Some(comment),
                        Some(Err(Error::Disconnected)) => {
                            self.state.set(ConnectionState::Connecting);
                            return Some(Err(Error::Disconnected));
                        }
                        Some(Err(err)) if source.is_ended() => {
                            let ended_with = source.last_event_id();
                            self.keep_last_event_id(ended_with);
                            self.live = Live::None;
                            return Some(Err(self.failed(err)));
                        }
                        Some(Err(err)) => return Some(Err(err)),
                        None => {
                            self.done = true;
                        }
                    }
                }
                #[cfg(feature = "fetch")]
                Live::Fetch(connection) => {
                    match unless_restarted(&Rc::clone(&self.state), connection.read()).await {
                        Raced::Restart => self.restart(),
                        Raced::Done(Ok(Some(chunk))) => {
                            let origin = &self.origin;
                            let fetch = self.plan.transport.fetch();
                            let wanted = fetch.and_then(|options| options.event_types.as_deref());
                            let ids = self.plan.last_event_ids;
                            let items = self
                                .parser
                                .feed_items(chunk)
                                .filter(|parsed| is_wanted(parsed, wanted))
                                .map(|parsed| message(parsed, origin, ids));
                            let mut pending = self.pending.borrow_mut();
                            let mut ended = false;
                            for item in items {
                                if EndOn::matches(&self.plan.end_on, &item) {
                                    ended = true;
                                    break;
                                }
                                pending.push_back(item);
                            }
                            drop(pending);
                            if ended {
                                // Closed now; the messages before the marker are still delivered.
                                self.live = Live::None;
                                self.done = true;
                                self.ending = Some(EndReason::EndMarker);
                            }
                        }
                        Raced::Done(Ok(None)) => {
                            self.end_connection();
                            if !self.may_resend() {
                                self.end(EndReason::ResponseEnded);
                                return None;
                            }
                            return Some(Err(self.failed(Error::StreamEnded)));
                        }
                        Raced::Done(Err(err)) => {
                            self.end_connection();
                            return Some(Err(self.failed(err)));
                        }
                    }
                }
            }
        }
    }

    /// Opens a connection with the current last event id.
    async fn connect(&mut self) -> Result<(), Error> {
        self.live = match &self.plan.transport {
            #[cfg(feature = "fetch")]
            TransportOptions::Fetch(options) => {
                let last_event_id = self.parser.last_event_id();
                let connection = match &self.plan.last_event_id_param {
                    Some(name) => {
                        let url = url_with_param(&self.plan.url, name, last_event_id);
                        FetchConnection::open(&url, options, "").await?
                    }
                    None => FetchConnection::open(&self.plan.url, options, last_event_id).await?,
                };
                self.origin = SmolStr::new(connection.origin());
                *self.state.response.borrow_mut() = Some(connection.head().clone());
                Live::Fetch(connection)
            }
            #[cfg(feature = "eventsource")]
            TransportOptions::Native(options) => {
                let name = self.plan.last_event_id_param.as_deref();
                let url = url_with_param(
                    &self.plan.url,
                    name.unwrap_or(LAST_EVENT_ID_PARAM),
                    &self.last_event_id,
                );
                Live::Native(NativeSource::open(&url, options)?)
            }
        };
        Ok(())
    }

    /// Keeps the id a browser `EventSource` ended with, for the next one to resume from.
    ///
    /// An empty id is ignored: the browser cannot be given the id a new `EventSource`
    /// resumes from, so until the server sends a new one it reports none, and taking that
    /// for a reset would lose the place. (A reset by an empty `id:` is therefore not carried
    /// across a reconnect of ours; the fetch transport carries it.)
    #[cfg(feature = "eventsource")]
    fn keep_last_event_id(&mut self, id: Option<String>) {
        if let Some(id) = id.filter(|id| !id.is_empty()) {
            self.last_event_id = id;
        }
    }

    /// Drops the connection (keeping the id to resume from) and connects again at once.
    fn restart(&mut self) {
        match &self.live {
            Live::None => {}
            #[cfg(feature = "eventsource")]
            Live::Native(source) => {
                let ended_with = source.last_event_id();
                self.keep_last_event_id(ended_with);
            }
            #[cfg(feature = "fetch")]
            Live::Fetch(_) => self.parser.finish(),
        }
        self.live = Live::None;
        self.wait = None;
        self.attempt = 0;
        self.state.set(ConnectionState::Connecting);
    }

    /// The connection is open: the attempt count starts again.
    fn opened(&mut self) -> Event {
        self.attempt = 0;
        self.state.set(ConnectionState::Open);
        Event::Open
    }

    /// The connection ended: an unterminated event is discarded, as at the end of any stream.
    #[cfg(feature = "fetch")]
    fn end_connection(&mut self) {
        self.live = Live::None;
        self.parser.finish();
    }

    /// Decides what follows a failure — another attempt after a delay, or the end — and
    /// returns the error to deliver.
    fn failed(&mut self, err: Error) -> Error {
        self.attempt = self.attempt.saturating_add(1);
        match &self.plan.retry {
            Some(policy) if self.may_resend() && policy.allows(self.attempt, &err) => {
                let retry_after = match &err {
                    Error::Status { retry_after, .. } => *retry_after,
                    _ => None,
                };
                let delay = policy.delay(
                    self.attempt,
                    self.server_retry(),
                    retry_after,
                    js_sys::Math::random(),
                );
                self.wait = Some(delay);
                self.state.set(ConnectionState::Reconnecting {
                    attempt: self.attempt,
                    delay,
                });
            }
            _ => self.end(EndReason::Failed(err.clone())),
        }
        err
    }

    /// Whether the request may be sent again. A plain GET may, as the spec says; another
    /// request (a POST to an LLM API, say) only when the server has sent an id to resume from,
    /// or with `Builder::resend`: sending it again could run, and bill, the work again.
    fn may_resend(&self) -> bool {
        #[cfg(feature = "fetch")]
        if let Some(options) = self.plan.transport.fetch() {
            return options.is_plain_get()
                || self.plan.resend
                || !self.parser.last_event_id().is_empty();
        }
        true
    }

    /// Ends the stream for `reason`: no connection, no further attempt.
    fn end(&mut self, reason: EndReason) {
        self.live = Live::None;
        self.done = true;
        self.state.end(reason);
    }

    /// The stream's latest `retry:` field; only the fetch transport parses the stream itself.
    fn server_retry(&self) -> Option<Duration> {
        #[cfg(feature = "fetch")]
        return self.parser.retry();
        #[cfg(not(feature = "fetch"))]
        None
    }
}

#[cfg(feature = "fetch")]
impl TransportOptions {
    /// The options of the fetch transport, if it is the one.
    fn fetch(&self) -> Option<&FetchOptions> {
        match self {
            TransportOptions::Fetch(options) => Some(options),
            #[cfg(feature = "eventsource")]
            TransportOptions::Native(_) => None,
        }
    }
}

/// The parser for the fetch transport's responses, as the plan sets it up.
#[cfg(feature = "fetch")]
fn parser(plan: &Plan) -> Parser {
    let options = plan.transport.fetch();
    let max_event_size = options.and_then(|options| options.max_event_size);
    let parser =
        Parser::with_max_event_size(max_event_size.unwrap_or(Parser::DEFAULT_MAX_EVENT_SIZE))
            .with_last_event_id(plan.last_event_id.clone());
    match options {
        Some(options) if options.comments => parser.with_comments(),
        _ => parser,
    }
}

/// Whether a parsed event is of a type the user asked for (comments and errors always are).
#[cfg(feature = "fetch")]
fn is_wanted(parsed: &Result<Parsed, ParseError>, wanted: Option<&[String]>) -> bool {
    match (parsed, wanted) {
        (Ok(Parsed::Event(event)), Some(types)) => {
            event.event_type() == "message"
                || types.iter().any(|wanted| wanted == event.event_type())
        }
        _ => true,
    }
}

/// A parsed event as a stream item, with its last event id when `ids`.
#[cfg(feature = "fetch")]
fn message(
    parsed: Result<Parsed, ParseError>,
    origin: &SmolStr,
    ids: bool,
) -> Result<Event, Error> {
    let event = match parsed? {
        Parsed::Event(event) => event,
        Parsed::Comment(text) => return Ok(Event::Comment(text)),
    };
    let (event, data, last_event_id) = event.into_shared_parts();
    Ok(Event::Message(Message {
        event,
        data,
        last_event_id: if ids {
            last_event_id
        } else {
            SmolStr::default()
        },
        origin: origin.clone(),
    }))
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
