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
//! is cleaned up. The URL may be a signal: a new URL closes the stream and opens one of it. On the server (SSR) it opens nothing: the signals keep their first values
//! (`Connecting`, no message), which is also what the client renders first, so hydration
//! matches.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use futures_util::future::{AbortHandle, Abortable};
use futures_util::StreamExt;
use leptos::prelude::*;

use crate::error::Error;
use crate::event::{ConnectionState, Event, Message};
use crate::hooks::{Controls, SharedOnMessage};
use crate::source::EventSource;

pub use crate::hooks::UseSseOptions;

/// The URL of a stream: a fixed one (`&str`, `String`) or a signal of one (`Signal`,
/// `ReadSignal`, `RwSignal`, `Memo`), whose every change closes the stream and opens one of
/// the new URL.
#[derive(Debug, Clone, Copy)]
pub struct SseUrl(Signal<String>);

impl From<&str> for SseUrl {
    fn from(url: &str) -> Self {
        SseUrl(Signal::stored(url.to_owned()))
    }
}

impl From<&String> for SseUrl {
    fn from(url: &String) -> Self {
        SseUrl::from(url.as_str())
    }
}

impl From<String> for SseUrl {
    fn from(url: String) -> Self {
        SseUrl(Signal::stored(url))
    }
}

impl From<Signal<String>> for SseUrl {
    fn from(url: Signal<String>) -> Self {
        SseUrl(url)
    }
}

impl From<ReadSignal<String>> for SseUrl {
    fn from(url: ReadSignal<String>) -> Self {
        SseUrl(url.into())
    }
}

impl From<RwSignal<String>> for SseUrl {
    fn from(url: RwSignal<String>) -> Self {
        SseUrl(url.into())
    }
}

impl From<Memo<String>> for SseUrl {
    fn from(url: Memo<String>) -> Self {
        SseUrl(url.into())
    }
}

/// What [`use_sse`] returns: signals of the stream's state and messages, and
/// [`close`](UseSse::close), [`restart`](UseSse::restart) and [`open`](UseSse::open). `Copy`,
/// like the signals it holds.
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
    /// How many messages arrived, over every stream the hook opened.
    pub received: Signal<u64>,
    set_state: RwSignal<ConnectionState>,
    /// `None` on the server, where nothing runs.
    session: StoredValue<Option<Session<T>>, LocalStorage>,
}

impl<T: Send + Sync + 'static> Clone for UseSse<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for UseSse<T> {}

impl<T: Clone + Send + Sync + 'static> UseSse<T> {
    /// Closes the stream now, before the component is cleaned up: no message is written
    /// after it, even one that had already arrived. `state` becomes `Closed`.
    pub fn close(&self) {
        self.session.try_update_value(|session| {
            if let Some(session) = session {
                session.stop();
            }
        });
        self.set_state.try_set(ConnectionState::Closed);
    }

    /// Drops the connection and connects again at once, resuming from the last event id; a
    /// reconnect being waited for is made now. Nothing happens once the stream is closed.
    pub fn restart(&self) {
        self.session.with_value(|session| {
            if let Some(controls) = session.as_ref().and_then(|s| s.controls.as_ref()) {
                controls.restart();
            }
        });
    }

    /// Opens the stream again after [`close`](Self::close), or after it ended: a new stream
    /// of the current URL with the same options (the state starts at `Connecting`; the
    /// history and the count go on). Nothing happens while one runs, or on the server.
    pub fn open(&self) {
        if self.state.try_get_untracked() == Some(ConnectionState::Closed) {
            self.session.update_value(|session| {
                if let Some(session) = session {
                    let url = session.url.get_untracked();
                    session.open(&url);
                }
            });
        }
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

impl<T: Send + Sync + 'static> Clone for Writers<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Writers<T> {}

/// What the hook keeps while its owner lives, in the browser.
struct Session<T: Send + Sync + 'static> {
    url: Signal<String>,
    options: UseSseOptions<T>,
    /// Shared by the streams the hook opens, one after the other.
    on_message: SharedOnMessage<T>,
    /// The running stream's controls; `None` when none runs.
    controls: Option<Controls>,
    out: Writers<T>,
}

impl<T: Clone + Send + Sync + 'static> Session<T> {
    /// Stops the running stream, if any.
    fn stop(&mut self) {
        if let Some(controls) = self.controls.take() {
            controls.stop();
        }
    }

    /// Opens a stream of `url` and spawns the task that drives it.
    fn open(&mut self, url: &str) {
        self.stop();
        let out = self.out;
        match self.options.open(url) {
            Ok(source) => {
                let (handle, registration) = AbortHandle::new_pair();
                self.controls = Some(Controls::new(&source, handle.clone()));
                if out.state.get_untracked() != ConnectionState::Connecting {
                    out.state.set(ConnectionState::Connecting);
                }
                let task = drive(
                    source,
                    out,
                    Rc::clone(&self.on_message),
                    self.options.history_size(),
                    handle,
                );
                leptos::task::spawn_local(async move {
                    // Aborted: the stream is dropped with the task, which closes the connection.
                    let _ = Abortable::new(task, registration).await;
                });
            }
            Err(err) => {
                out.error.set(Some(err));
                out.state.set(ConnectionState::Closed);
            }
        }
    }
}

/// Opens a server-sent event stream of `url` and returns its state and messages as signals.
///
/// `url` is a string, or a signal of one: each change closes the stream and opens one of
/// the new URL. `options` say how the stream is opened (the core's
/// [`Builder`](crate::Builder) through [`UseSseOptions::configure`]), how data is decoded
/// (JSON into `T` by default), how many messages `history` keeps, and a callback for every
/// message.
///
/// The stream closes when the current owner (the component calling the hook) is cleaned
/// up, or on [`UseSse::close`]. On the server it opens nothing and never panics.
pub fn use_sse<T>(url: impl Into<SseUrl>, mut options: UseSseOptions<T>) -> UseSse<T>
where
    T: Clone + Send + Sync + 'static,
{
    let out = Writers {
        state: RwSignal::new(ConnectionState::Connecting),
        message: RwSignal::new(None),
        error: RwSignal::new(None),
        history: RwSignal::new(VecDeque::new()),
        received: RwSignal::new(0),
    };
    let session = StoredValue::new_local(None);
    let feed = UseSse {
        state: out.state.read_only().into(),
        message: out.message.read_only().into(),
        error: out.error.read_only().into(),
        history: out.history.read_only().into(),
        received: out.received.read_only().into(),
        set_state: out.state,
        session,
    };
    if !in_browser() {
        return feed;
    }
    let SseUrl(url) = url.into();
    let first = url.get_untracked();
    let on_message = Rc::new(RefCell::new(options.take_on_message()));
    let mut running = Session {
        url,
        options,
        on_message,
        controls: None,
        out,
    };
    running.open(&first);
    session.set_value(Some(running));
    // A new URL closes the stream and opens one of it.
    Effect::new(move |previous: Option<String>| {
        let now = url.get();
        if previous.is_some_and(|previous| previous != now) {
            session.update_value(|session| {
                if let Some(session) = session {
                    session.open(&now);
                }
            });
        }
        now
    });
    on_cleanup(move || {
        session.try_update_value(|session| {
            if let Some(session) = session {
                session.stop();
            }
        });
    });
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
    on_message: SharedOnMessage<T>,
    history_size: usize,
    closed: AbortHandle,
) where
    T: Clone + Send + Sync + 'static,
{
    let mut shown = ConnectionState::Connecting;
    while let Some(item) = source.next().await {
        let written = match item {
            // Cleared only if set, so that nothing is notified for nothing.
            Ok(Event::Open) => out
                .error
                .try_maybe_update(|error| (error.take().is_some(), ()))
                .is_some(),
            Ok(Event::Message(message)) => {
                crate::hooks::call_on_message(&on_message, &message);
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
