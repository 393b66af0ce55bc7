//! [`use_sse`]: a server-sent event stream as Dioxus signals.
//!
//! ```no_run
//! use dioxus::prelude::*;
//! use wasm_sse::dioxus::{use_sse, UseSseOptions};
//!
//! #[derive(Clone, serde::Deserialize)]
//! struct Tick {
//!     seq: u64,
//! }
//!
//! #[component]
//! fn Feed() -> Element {
//!     let feed = use_sse::<Tick>("/counter?interval_ms=500", UseSseOptions::default().history(5));
//!     rsx! {
//!         p { "{feed.state:?}, {feed.received} received" }
//!         ul {
//!             for tick in feed.history.read().iter().rev() {
//!                 li { "{tick.data.seq}" }
//!             }
//!         }
//!     }
//! }
//! ```
//!
//! The hook opens the stream with the core's [`EventSource`] when the component first renders
//! (and again when it renders with another URL, or after [`UseSse::open`]) and drives it in a
//! task of the component's scope that writes the signals: unmounting the component cancels the
//! task, which drops the stream and closes the connection. On the server (Dioxus fullstack) it
//! opens nothing: the signals keep their first values (`Connecting`, no message), which is
//! also what the client renders first, so hydration matches.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::Arc;

use dioxus::core::{schedule_update, spawn, use_hook};
use dioxus::hooks::use_signal;
use dioxus::signals::{CopyValue, ReadSignal, ReadableExt, Signal, WritableExt};
use futures_util::future::{AbortHandle, Abortable};
use futures_util::StreamExt;

use crate::error::Error;
use crate::event::{ConnectionState, Event, Message};
use crate::hooks::{Controls, SharedOnMessage};
use crate::source::EventSource;

pub use crate::hooks::UseSseOptions;

/// What [`use_sse`] returns: signals of the stream's state and messages, and
/// [`close`](UseSse::close), [`restart`](UseSse::restart) and [`open`](UseSse::open). `Copy`,
/// like the signals it holds.
pub struct UseSse<T: 'static> {
    /// Where the connection stands: `Connecting`, `Open`, `Reconnecting { attempt, delay }`
    /// (while a retry policy waits), or `Closed` for good. It changes as items arrive.
    pub state: ReadSignal<ConnectionState>,
    /// The latest message. Several arriving at once show only the last here: use
    /// `history` or `on_message` to see every one.
    pub message: ReadSignal<Option<Message<T>>>,
    /// The latest error (a dropped connection, a message that did not decode, the error that
    /// ended the stream); `None` again once the connection (re)opens.
    pub error: ReadSignal<Option<Error>>,
    /// The last messages, oldest first, as many as [`UseSseOptions::history`] says (none by
    /// default).
    pub history: ReadSignal<VecDeque<Message<T>>>,
    /// How many messages arrived, over every stream the hook opened.
    pub received: ReadSignal<u64>,
    session: CopyValue<Session<T>>,
}

impl<T: 'static> std::fmt::Debug for UseSse<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UseSse")
            .field("state", &*self.state.peek())
            .field("received", &*self.received.peek())
            .finish_non_exhaustive()
    }
}

impl<T: 'static> Clone for UseSse<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: 'static> Copy for UseSse<T> {}

impl<T: 'static> UseSse<T> {
    /// Closes the stream now, before the component unmounts: no message is written after
    /// it, even one that had already arrived. `state` becomes `Closed`.
    pub fn close(&self) {
        let mut handle = self.session;
        let Ok(mut session) = handle.try_write() else {
            return;
        };
        session.open_wanted = false;
        session.close();
    }

    /// Drops the connection and connects again at once, resuming from the last event id; a
    /// reconnect being waited for is made now. Nothing happens once the stream is closed.
    pub fn restart(&self) {
        if let Ok(session) = self.session.try_peek() {
            if let Some(controls) = &session.controls {
                controls.restart();
            }
        }
    }

    /// Opens the stream again after [`close`](Self::close), or after it ended: the component
    /// renders and the hook opens a new stream of its URL with its options (the state starts
    /// at `Connecting`; the history and the count go on). Nothing happens while one runs.
    pub fn open(&self) {
        let mut handle = self.session;
        let Ok(mut session) = handle.try_write() else {
            return;
        };
        if *session.out.state.peek() == ConnectionState::Closed {
            session.open_wanted = true;
            (session.rerender)();
        }
    }
}

/// The signals the hook's task writes.
struct Writers<T: 'static> {
    state: Signal<ConnectionState>,
    message: Signal<Option<Message<T>>>,
    error: Signal<Option<Error>>,
    history: Signal<VecDeque<Message<T>>>,
    received: Signal<u64>,
}

impl<T: 'static> Clone for Writers<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: 'static> Copy for Writers<T> {}

/// What the hook keeps from one render to the next.
struct Session<T: 'static> {
    /// The URL of the stream that runs, or ran last.
    url: Option<String>,
    options: UseSseOptions<T>,
    /// Shared by the streams the hook opens, one after the other.
    on_message: SharedOnMessage<T>,
    /// The running stream's controls; `None` when none runs.
    controls: Option<Controls>,
    /// `open()` was called: the next render opens a stream.
    open_wanted: bool,
    out: Writers<T>,
    /// Renders the component again.
    rerender: Arc<dyn Fn() + Send + Sync>,
}

impl<T: 'static> Session<T> {
    /// Stops the running stream, if any.
    fn stop(&mut self) {
        if let Some(controls) = self.controls.take() {
            controls.stop();
        }
    }

    /// Stops the running stream, if any; the state becomes `Closed`.
    fn close(&mut self) {
        self.stop();
        if self.out.state.try_peek().is_ok() {
            self.out.state.set(ConnectionState::Closed);
        }
    }
}

/// Opens a server-sent event stream of `url` when the component first renders, and returns
/// its state and messages as signals.
///
/// `options` say how the stream is opened (the core's [`Builder`](crate::Builder) through
/// [`UseSseOptions::configure`]), how data is decoded (JSON into `T` by default), how many
/// messages `history` keeps, and a callback for every message (the latest render's is
/// called). A render with another `url` closes the stream and opens one of the new URL.
///
/// The stream closes when the component unmounts, or on [`UseSse::close`]. On the server it
/// opens nothing and never panics.
pub fn use_sse<T: Clone + 'static>(url: &str, mut options: UseSseOptions<T>) -> UseSse<T> {
    let out = Writers {
        state: use_signal(|| ConnectionState::Connecting),
        message: use_signal(|| None),
        error: use_signal(|| None),
        history: use_signal(VecDeque::new),
        received: use_signal(|| 0),
    };
    let on_message = options.take_on_message();
    let mut session = use_hook(move || {
        CopyValue::new(Session {
            url: None,
            options,
            on_message: Rc::new(RefCell::new(None)),
            controls: None,
            open_wanted: true,
            out,
            rerender: schedule_update(),
        })
    });
    if let Ok(mut session) = session.try_write() {
        *session.on_message.borrow_mut() = on_message;
        let new_url = session.url.as_deref() != Some(url);
        if cfg!(target_arch = "wasm32") && (new_url || session.open_wanted) {
            session.open_wanted = false;
            session.stop();
            session.url = Some(url.to_owned());
            open(&mut session, url);
        }
    }
    UseSse {
        state: out.state.into(),
        message: out.message.into(),
        error: out.error.into(),
        history: out.history.into(),
        received: out.received.into(),
        session,
    }
}

/// Opens a stream of `url` and spawns the task that drives it, in the current scope.
fn open<T: Clone + 'static>(session: &mut Session<T>, url: &str) {
    let mut out = session.out;
    match session.options.open(url) {
        Ok(source) => {
            let (handle, registration) = AbortHandle::new_pair();
            session.controls = Some(Controls::new(&source, handle.clone()));
            let on_message = Rc::clone(&session.on_message);
            let history = session.options.history_size();
            // Cancelled with the scope when the component unmounts: the stream is dropped
            // with the task, which closes the connection.
            spawn(async move {
                // After the render that opened it: a stream opened again starts afresh.
                if *out.state.peek() != ConnectionState::Connecting {
                    out.state.set(ConnectionState::Connecting);
                }
                let task = drive(source, out, on_message, history, handle);
                let _ = Abortable::new(task, registration).await;
            });
        }
        Err(err) => {
            out.error.set(Some(err));
            out.state.set(ConnectionState::Closed);
        }
    }
}

/// Reads `source` to its end into the signals; returns early once `closed` is aborted:
/// [`UseSse::close`] may be called from `on_message` while items that arrived together are
/// still being read, and none of them may be written after it.
async fn drive<T: Clone + 'static>(
    mut source: EventSource<T>,
    mut out: Writers<T>,
    on_message: SharedOnMessage<T>,
    history_size: usize,
    closed: AbortHandle,
) {
    let mut shown = ConnectionState::Connecting;
    while let Some(item) = source.next().await {
        match item {
            // Cleared only if set, so that nothing is notified for nothing.
            Ok(Event::Open) => {
                if out.error.peek().is_some() {
                    out.error.set(None);
                }
            }
            Ok(Event::Message(message)) => {
                crate::hooks::call_on_message(&on_message, &message);
                if history_size > 0 {
                    out.history.with_mut(|history| {
                        crate::hooks::keep(history, message.clone(), history_size)
                    });
                }
                out.received.with_mut(|count| *count += 1);
                out.message.set(Some(message));
            }
            // The hook does not ask for comments.
            Ok(_) => {}
            Err(err) => out.error.set(Some(err)),
        }
        if closed.is_aborted() {
            // Closed from `on_message`, which has set the state: returning drops the stream,
            // which closes the connection now.
            return;
        }
        // The state only changes as items arrive, so one look after each is enough.
        let now = source.state();
        if now != shown {
            out.state.set(now);
            shown = now;
        }
    }
    out.state.set(ConnectionState::Closed);
}
