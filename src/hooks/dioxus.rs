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
//! and drives it in a task of the component's scope that writes the signals: unmounting the
//! component cancels the task, which drops the stream and closes the connection. On the server
//! (Dioxus fullstack) it opens nothing: the signals keep their first values (`Connecting`, no
//! message), which is also what the client renders first, so hydration matches.

use std::collections::VecDeque;

use dioxus::core::{spawn, use_hook};
use dioxus::hooks::use_signal;
use dioxus::signals::{CopyValue, ReadSignal, ReadableExt, Signal, WritableExt};
use futures_util::future::{AbortHandle, Abortable};
use futures_util::StreamExt;

use crate::error::Error;
use crate::event::{ConnectionState, Event, Message};
use crate::source::EventSource;

pub use crate::hooks::UseSseOptions;

/// What [`use_sse`] returns: signals of the stream's state and messages, and
/// [`close`](UseSse::close). `Copy`, like the signals it holds.
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
    /// How many messages arrived.
    pub received: ReadSignal<u64>,
    set_state: Signal<ConnectionState>,
    abort: CopyValue<Option<AbortHandle>>,
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
        if let Some(abort) = &*self.abort.peek() {
            abort.abort();
        }
        let mut state = self.set_state;
        if state.try_peek().is_ok() {
            state.set(ConnectionState::Closed);
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

/// Opens a server-sent event stream of `url` when the component first renders, and returns
/// its state and messages as signals.
///
/// `options` say how the stream is opened (the core's [`Builder`](crate::Builder) through
/// [`UseSseOptions::configure`]), how data is decoded (JSON into `T` by default), how many
/// messages `history` keeps, and a callback for every message. Like every Dioxus hook it runs
/// at each render; the URL and options of the first render are the ones used.
///
/// The stream closes when the component unmounts, or on [`UseSse::close`]. On the server it
/// opens nothing and never panics.
pub fn use_sse<T: Clone + 'static>(url: &str, options: UseSseOptions<T>) -> UseSse<T> {
    let writers = Writers {
        state: use_signal(|| ConnectionState::Connecting),
        message: use_signal(|| None),
        error: use_signal(|| None),
        history: use_signal(VecDeque::new),
        received: use_signal(|| 0),
    };
    let abort = use_hook(|| CopyValue::new(None));
    let feed = UseSse {
        state: writers.state.into(),
        message: writers.message.into(),
        error: writers.error.into(),
        history: writers.history.into(),
        received: writers.received.into(),
        set_state: writers.state,
        abort,
    };
    let url = url.to_owned();
    use_hook(move || {
        if cfg!(target_arch = "wasm32") {
            open(&url, options, writers, abort);
        }
    });
    feed
}

/// Opens the stream and spawns the task that drives it, in the current scope.
fn open<T: Clone + 'static>(
    url: &str,
    mut options: UseSseOptions<T>,
    mut out: Writers<T>,
    mut abort: CopyValue<Option<AbortHandle>>,
) {
    match options.open(url) {
        Ok(source) => {
            let (handle, registration) = AbortHandle::new_pair();
            abort.set(Some(handle.clone()));
            // Cancelled with the scope when the component unmounts: the stream is dropped
            // with the task, which closes the connection.
            spawn(async move {
                let _ = Abortable::new(drive(source, out, options, handle), registration).await;
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
    mut options: UseSseOptions<T>,
    closed: AbortHandle,
) {
    let history_size = options.history_size();
    let mut on_message = options.take_on_message();
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
                if let Some(on_message) = &mut on_message {
                    on_message(&message);
                }
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
