//! [`use_sse`]: a server-sent event stream as Leptos signals.
//!
//! ```no_run
//! use leptos::prelude::*;
//! use wasm_sse::leptos::{use_sse, UseSseOptions};
//!
//! #[derive(Clone, serde::Deserialize)]
//! struct Tick {
//!     seq: u64,
//! }
//!
//! #[component]
//! fn Feed() -> impl IntoView {
//!     let feed = use_sse::<Tick>("/counter?interval_ms=500", UseSseOptions::default().history(5));
//!     view! {
//!         <p>{move || format!("{:?}", feed.state.get())} ", " {feed.received} " received"</p>
//!         <ul>
//!             {move || feed.history.with(|items| {
//!                 items.iter().rev().map(|m| view! { <li>{m.data.seq}</li> }).collect::<Vec<_>>()
//!             })}
//!         </ul>
//!     }
//! }
//! ```
//!
//! The hook opens the stream with the core's [`EventSource`] and drives
//! it in a local task that writes the signals; the stream closes when the owning component
//! is cleaned up. On the server (SSR) it opens nothing: the signals keep their first values
//! (`Connecting`, no message), which is also what the client renders first, so hydration
//! matches.

use std::collections::VecDeque;

use futures_util::future::{AbortHandle, Abortable};
use futures_util::StreamExt;
use leptos::prelude::*;

use crate::error::Error;
use crate::event::{ConnectionState, Event, Message};
use crate::source::EventSource;

pub use crate::hooks::UseSseOptions;

/// What [`use_sse`] returns: signals of the stream's state and messages, and
/// [`close`](UseSse::close). `Copy`, like the signals it holds.
#[derive(Debug)]
pub struct UseSse<T: Send + Sync + 'static> {
    /// Where the connection stands: `Connecting`, `Open`, `Reconnecting { attempt, delay }`
    /// (while a retry policy waits), or `Closed` for good. It changes as items arrive.
    pub state: Signal<ConnectionState>,
    /// The latest message. Several arriving at once show only the last here: use
    /// `history` or `on_message` to see every one.
    pub message: Signal<Option<Message<T>>>,
    /// The latest error (a dropped connection, a message that did not decode, the error that
    /// ended the stream); `None` again once the connection (re)opens.
    pub error: Signal<Option<Error>>,
    /// The last messages, oldest first, as many as
    /// [`UseSseOptions::history`] says (none by default).
    pub history: Signal<VecDeque<Message<T>>>,
    /// How many messages arrived.
    pub received: Signal<u64>,
    set_state: RwSignal<ConnectionState>,
    abort: StoredValue<Option<AbortHandle>>,
}

impl<T: Send + Sync + 'static> Clone for UseSse<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for UseSse<T> {}

impl<T: Send + Sync + 'static> UseSse<T> {
    /// Closes the stream now, before the component is cleaned up. `state` becomes `Closed`.
    pub fn close(&self) {
        if let Some(Some(abort)) = self.abort.try_get_value() {
            abort.abort();
        }
        self.set_state.try_set(ConnectionState::Closed);
    }
}

/// The signals the hook's task writes.
struct Writers<T: Send + Sync + 'static> {
    state: RwSignal<ConnectionState>,
    message: RwSignal<Option<Message<T>>>,
    error: RwSignal<Option<Error>>,
    history: RwSignal<VecDeque<Message<T>>>,
    received: RwSignal<u64>,
}

/// Opens a server-sent event stream of `url` and returns its state and messages as signals.
///
/// `options` say how the stream is opened (the core's [`Builder`](crate::Builder) through
/// [`UseSseOptions::configure`]), how data is decoded (JSON into `T` by default), how many
/// messages `history` keeps, and a callback for every message.
///
/// The stream closes when the current owner (the component calling the hook) is cleaned
/// up, or on [`UseSse::close`]. On the server it opens nothing and never panics.
pub fn use_sse<T>(url: &str, mut options: UseSseOptions<T>) -> UseSse<T>
where
    T: Clone + Send + Sync + 'static,
{
    let writers = Writers {
        state: RwSignal::new(ConnectionState::Connecting),
        message: RwSignal::new(None),
        error: RwSignal::new(None),
        history: RwSignal::new(VecDeque::new()),
        received: RwSignal::new(0),
    };
    let abort = StoredValue::new(None);
    let feed = UseSse {
        state: writers.state.read_only().into(),
        message: writers.message.read_only().into(),
        error: writers.error.read_only().into(),
        history: writers.history.read_only().into(),
        received: writers.received.read_only().into(),
        set_state: writers.state,
        abort,
    };
    if !in_browser() {
        return feed;
    }
    match options.open(url) {
        Ok(source) => {
            let (handle, registration) = AbortHandle::new_pair();
            abort.set_value(Some(handle.clone()));
            let closed = handle.clone();
            on_cleanup(move || handle.abort());
            let task = drive(source, writers, options, closed);
            leptos::task::spawn_local(async move {
                // Aborted: the stream is dropped with the task, which closes the connection.
                let _ = Abortable::new(task, registration).await;
            });
        }
        Err(err) => {
            writers.error.set(Some(err));
            writers.state.set(ConnectionState::Closed);
        }
    }
    feed
}

/// In a browser, and not rendering on the server: a server render has a shared context
/// that is not the browser's; a client-side render has the browser's or none.
fn in_browser() -> bool {
    cfg!(target_arch = "wasm32")
        && Owner::current_shared_context().is_none_or(|context| context.is_browser())
}

/// Reads `source` to its end into the signals; returns early once they are disposed, or
/// once `closed` is aborted: [`UseSse::close`] may be called from `on_message` while items
/// that arrived together are still being read, and none of them may be written after it.
async fn drive<T>(
    mut source: EventSource<T>,
    out: Writers<T>,
    mut options: UseSseOptions<T>,
    closed: AbortHandle,
) where
    T: Clone + Send + Sync + 'static,
{
    let history_size = options.history_size();
    let mut on_message = options.take_on_message();
    let mut shown = ConnectionState::Connecting;
    while let Some(item) = source.next().await {
        let written = match item {
            // Cleared only if set, so that nothing is notified for nothing.
            Ok(Event::Open) => out
                .error
                .try_maybe_update(|error| (error.take().is_some(), ()))
                .is_some(),
            Ok(Event::Message(message)) => {
                if let Some(on_message) = &mut on_message {
                    on_message(&message);
                }
                if history_size > 0 {
                    out.history.try_update(|history| {
                        crate::hooks::keep(history, message.clone(), history_size)
                    });
                }
                out.received.try_update(|count| *count += 1);
                out.message.try_set(Some(message)).is_none()
            }
            // The hook does not ask for comments.
            Ok(Event::Comment(_)) => true,
            Err(err) => out.error.try_set(Some(err)).is_none(),
        };
        if closed.is_aborted() {
            // Closed from `on_message`, which has set the state: returning drops the stream,
            // which closes the connection now.
            return;
        }
        // The state only changes as items arrive, so one look after each is enough.
        let now = source.state();
        if !written || (now != shown && out.state.try_set(now).is_some()) {
            return;
        }
        shown = now;
    }
    out.state.try_set(ConnectionState::Closed);
}
