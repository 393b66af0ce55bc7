//! The connection loop both transports share: connect, deliver, and on failure ask the
//! [`RetryPolicy`] whether and when to connect again, resuming from the last event id.
//!
//! [`Loop`] is generic over the transport's [`Connector`] and knows nothing of either:
//! a stream links only the transport it opens. It is a hand-written state machine
//! ([`Phase`]): an item already received is handed out in one call, without moving any state.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use futures_core::stream::FusedStream;
use futures_core::Stream;

use crate::error::Error;
use crate::event::{ConnectionState, EndReason, Event, Message, ResponseHead};
use crate::retry::RetryPolicy;
use crate::transport::{self, Connecting, Connector, Opened, Sleep, Step};

/// What the loop does besides connecting, fixed when the stream is opened.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// `None`: no reconnecting of ours (the browser's `EventSource` still reconnects by itself
    /// while it can).
    pub(crate) retry: Option<RetryPolicy>,
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

/// Where a stream stands, shared by its connection loop (which writes it) and its handle.
///
/// Once the stream has ended it stays [`ConnectionState::Closed`]: a late write (from a
/// connection torn down while it was being polled) cannot bring it back.
#[derive(Debug)]
pub(crate) struct Status {
    state: Cell<ConnectionState>,
    end: RefCell<Option<EndReason>>,
    /// The response of the latest connection that opened (fetch transport).
    response: RefCell<Option<ResponseHead>>,
    /// Event types asked for after the stream was opened (see [`Status::listen`]).
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

    /// Keeps the waker of a poll that is pending, for a restart or a new event type.
    fn wake_with(&self, waker: &Waker) {
        let mut kept = self.waker.borrow_mut();
        match &*kept {
            Some(kept) if kept.will_wake(waker) => {}
            _ => *kept = Some(waker.clone()),
        }
    }

    fn wake(&self) {
        if let Some(waker) = self.waker.borrow_mut().take() {
            waker.wake();
        }
    }

    pub(crate) fn response(&self) -> Option<ResponseHead> {
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

/// A running stream, as its handle sees it: the items, and what it can be asked.
pub(crate) trait Running: FusedStream<Item = Result<Event, Error>> {
    /// The last event id: what a reconnect would resume from now.
    fn last_event_id(&self) -> String;
}

/// Where the loop is between two items.
enum Phase<C: Connector> {
    /// A connection is to be made now.
    Idle,
    /// Waiting out the delay before the next attempt.
    Waiting(Sleep),
    Connecting(Connecting<C::Connection>),
    Live(C::Connection),
}

/// The connection loop of one stream over the transport `C`.
pub(crate) struct Loop<C: Connector> {
    connector: C,
    plan: Plan,
    status: Rc<Status>,
    phase: Phase<C>,
    /// Consecutive failed attempts since the last open.
    attempt: u32,
    /// The stream has ended (its reason is in the status); `None` is next.
    ended: bool,
    /// The stream has returned `None`.
    terminated: bool,
}

impl<C: Connector> Loop<C> {
    /// The loop of a stream that connects with `connector`, starting from `live` when its
    /// first connection is already made; `status` follows it for whoever holds the other end.
    pub(crate) fn new(
        connector: C,
        plan: Plan,
        status: Rc<Status>,
        live: Option<C::Connection>,
    ) -> Self {
        Loop {
            connector,
            plan,
            status,
            phase: live.map_or(Phase::Idle, Phase::Live),
            attempt: 0,
            ended: false,
            terminated: false,
        }
    }

    /// A message, or the end if it is the end marker.
    fn deliver(&mut self, item: Result<Event, Error>) -> Option<Result<Event, Error>> {
        if let (Some(EndOn(is_end)), Ok(Event::Message(message))) = (&self.plan.end_on, &item) {
            if is_end(message) {
                self.end(EndReason::EndMarker);
                return self.finish();
            }
        }
        Some(item)
    }

    /// Drops the connection (keeping the id to resume from) and connects again at once.
    fn restart(&mut self) {
        self.drop_connection();
        self.attempt = 0;
        self.status.set(ConnectionState::Connecting);
    }

    fn drop_connection(&mut self) {
        if let Phase::Live(connection) = std::mem::replace(&mut self.phase, Phase::Idle) {
            self.connector.disconnect(connection);
        }
    }

    /// The connection is open: the attempt count starts again.
    fn opened(&mut self) -> Event {
        self.attempt = 0;
        self.status.set(ConnectionState::Open);
        Event::Open
    }

    /// Decides what follows a failure — another attempt after a delay, or the end — and
    /// returns the error to deliver.
    fn failed(&mut self, err: Error) -> Error {
        self.attempt = self.attempt.saturating_add(1);
        match &self.plan.retry {
            Some(policy) if self.connector.may_resend() && policy.allows(self.attempt, &err) => {
                let retry_after = match &err {
                    Error::Status { retry_after, .. } => *retry_after,
                    _ => None,
                };
                let delay = policy.delay(
                    self.attempt,
                    self.connector.server_retry(),
                    retry_after,
                    transport::random(),
                );
                self.phase = Phase::Waiting(Sleep::new(delay));
                self.status.set(ConnectionState::Reconnecting {
                    attempt: self.attempt,
                    delay,
                });
            }
            _ => self.end(EndReason::Failed(err.clone())),
        }
        err
    }

    /// Ends the stream for `reason`: no connection, no further attempt; `None` is next.
    fn end(&mut self, reason: EndReason) {
        self.drop_connection();
        self.status.end(reason);
        self.ended = true;
    }

    /// The end of the stream.
    fn finish(&mut self) -> Option<Result<Event, Error>> {
        self.drop_connection();
        self.status.end(EndReason::Closed);
        self.terminated = true;
        None
    }

    /// The loop's next item, or `Pending` with every waker it needs registered.
    fn next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Event, Error>>> {
        loop {
            if self.ended {
                return Poll::Ready(self.finish());
            }
            if self.status.take_restart() {
                self.restart();
            }
            if let Some(item) = self.connector.ready() {
                return Poll::Ready(self.deliver(item));
            }
            match &mut self.phase {
                Phase::Idle => {
                    self.status.set(ConnectionState::Connecting);
                    self.phase = Phase::Connecting(self.connector.connect());
                }
                Phase::Waiting(sleep) => {
                    if Pin::new(sleep).poll(cx).is_pending() {
                        return self.pending(cx);
                    }
                    self.phase = Phase::Idle;
                }
                Phase::Connecting(connecting) => {
                    let Poll::Ready(connected) = connecting.as_mut().poll(cx) else {
                        return self.pending(cx);
                    };
                    self.phase = Phase::Idle;
                    if let Some(item) = self.connected(connected) {
                        return Poll::Ready(Some(item));
                    }
                }
                Phase::Live(connection) => {
                    self.connector.listen(connection, &self.status.late_types());
                    let Poll::Ready(step) = self.connector.poll_next(connection, cx) else {
                        return self.pending(cx);
                    };
                    if let Some(item) = self.stepped(step) {
                        return Poll::Ready(item);
                    }
                }
            }
        }
    }

    /// What follows a connection attempt: its `Open`, or the error to deliver; nothing when
    /// the stream ends cleanly.
    fn connected(
        &mut self,
        connected: Result<Opened<C::Connection>, Error>,
    ) -> Option<Result<Event, Error>> {
        match connected {
            Ok(opened) => {
                if let Some(head) = opened.head {
                    *self.status.response.borrow_mut() = Some(head);
                }
                self.phase = Phase::Live(opened.connection);
                opened.is_open.then(|| Ok(self.opened()))
            }
            // The spec's "stop": a clean end after the last message, not an error.
            Err(Error::Status { status: 204, .. }) => {
                self.end(EndReason::NoContent);
                None
            }
            Err(err) => Some(Err(self.failed(err))),
        }
    }

    /// What follows a step of the live connection: the item to return (`Some(None)` at the
    /// end of the stream), or nothing yet.
    fn stepped(&mut self, step: Step) -> Option<Option<Result<Event, Error>>> {
        match step {
            Step::Open => Some(Some(Ok(self.opened()))),
            Step::Item(item) => Some(self.deliver(item)),
            Step::Reconnecting(err) => {
                self.status.set(ConnectionState::Connecting);
                Some(Some(Err(err)))
            }
            Step::Ended(end) => {
                self.drop_connection();
                match end {
                    Ok(()) if !self.connector.may_resend() => {
                        self.end(EndReason::ResponseEnded);
                        None
                    }
                    Ok(()) => Some(Some(Err(self.failed(Error::StreamEnded)))),
                    Err(err) => Some(Some(Err(self.failed(err)))),
                }
            }
        }
    }

    /// Nothing to deliver yet: a restart or a new event type wakes the loop too.
    fn pending(&self, cx: &mut Context<'_>) -> Poll<Option<Result<Event, Error>>> {
        self.status.wake_with(cx.waker());
        Poll::Pending
    }
}

impl<C: Connector> Stream for Loop<C> {
    type Item = Result<Event, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.terminated {
            return Poll::Ready(None);
        }
        this.next(cx)
    }
}

impl<C: Connector> FusedStream for Loop<C> {
    fn is_terminated(&self) -> bool {
        self.terminated
    }
}

impl<C: Connector> Running for Loop<C> {
    fn last_event_id(&self) -> String {
        let live = match &self.phase {
            Phase::Live(connection) => Some(connection),
            _ => None,
        };
        self.connector.last_event_id(live)
    }
}

// `Loop` is `Unpin`: its state is moved only between polls, never pinned.
impl<C: Connector> Unpin for Loop<C> {}
