//! [`use_sse`]: a server-sent event stream as a Yew hook.
//!
//! ```no_run
//! use wasm_sse::yew::{use_sse, UseSseOptions};
//! use yew::prelude::*;
//!
//! #[derive(Clone, serde::Deserialize)]
//! struct Tick {
//!     seq: u64,
//! }
//!
//! #[function_component]
//! fn Feed() -> Html {
//!     let feed = use_sse::<Tick>("/counter?interval_ms=500", UseSseOptions::default().history(5));
//!     html! {
//!         <>
//!             <p>{ format!("{:?}, {} received", feed.state(), feed.received()) }</p>
//!             <ul>{ for feed.history().iter().rev().map(|m| html! { <li>{ m.data.seq }</li> }) }</ul>
//!         </>
//!     }
//! }
//! ```
//!
//! The hook opens the stream with the core's [`EventSource`] in an
//! effect and drives it in a local task, re-rendering the component as items arrive; the
//! stream closes when the component unmounts. Effects do not run on the server, so under SSR
//! the hook opens nothing.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use futures_util::future::{AbortHandle, Abortable};
use futures_util::StreamExt;
use yew::prelude::*;

use crate::error::Error;
use crate::event::{ConnectionState, Event, Message};
use crate::hooks::Controls;
use crate::source::EventSource;

pub use crate::hooks::UseSseOptions;

/// What the stream has delivered so far.
#[derive(Debug)]
struct Snapshot<T> {
    state: ConnectionState,
    message: Option<Message<T>>,
    error: Option<Error>,
    history: VecDeque<Message<T>>,
    received: u64,
}

impl<T> Default for Snapshot<T> {
    fn default() -> Self {
        Snapshot {
            state: ConnectionState::Connecting,
            message: None,
            error: None,
            history: VecDeque::new(),
            received: 0,
        }
    }
}

/// The latest render's message callback, shared with the task.
type LatestOnMessage<T> = crate::hooks::SharedOnMessage<T>;

/// What [`use_sse`] returns: the stream's state and messages as of this render, and
/// [`close`](UseSseHandle::close), [`restart`](UseSseHandle::restart) and
/// [`open`](UseSseHandle::open).
pub struct UseSseHandle<T> {
    snapshot: Rc<RefCell<Snapshot<T>>>,
    controls: Rc<RefCell<Option<Controls>>>,
    rerender: UseForceUpdateHandle,
    /// How many times `open()` asked for a new stream: part of what the stream depends on.
    opened: UseStateHandle<u32>,
}

impl<T> Clone for UseSseHandle<T> {
    fn clone(&self) -> Self {
        UseSseHandle {
            snapshot: Rc::clone(&self.snapshot),
            controls: Rc::clone(&self.controls),
            rerender: self.rerender.clone(),
            opened: self.opened.clone(),
        }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for UseSseHandle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UseSseHandle")
            .field("snapshot", &self.snapshot.borrow())
            .finish()
    }
}

impl<T: Clone> UseSseHandle<T> {
    /// Where the connection stands: `Connecting`, `Open`, `Reconnecting { attempt, delay }`
    /// (while a retry policy waits), or `Closed` for good. It changes as items arrive.
    pub fn state(&self) -> ConnectionState {
        self.snapshot.borrow().state
    }

    /// The latest message. Several arriving at once show only the last here: use
    /// [`history`](Self::history) or [`UseSseOptions::on_message`] to see every one.
    pub fn message(&self) -> Option<Message<T>> {
        self.snapshot.borrow().message.clone()
    }

    /// The latest error (a dropped connection, a message that did not decode, the error that
    /// ended the stream); `None` again once the connection (re)opens.
    pub fn error(&self) -> Option<Error> {
        self.snapshot.borrow().error.clone()
    }

    /// The last messages, oldest first, as many as [`UseSseOptions::history`] says (none by
    /// default).
    pub fn history(&self) -> Vec<Message<T>> {
        self.snapshot.borrow().history.iter().cloned().collect()
    }

    /// How many messages arrived.
    pub fn received(&self) -> u64 {
        self.snapshot.borrow().received
    }

    /// Closes the stream now, before the component unmounts. The state becomes `Closed`.
    pub fn close(&self) {
        if let Some(controls) = self.controls.borrow_mut().take() {
            controls.stop();
        }
        self.snapshot.borrow_mut().state = ConnectionState::Closed;
        self.rerender.force_update();
    }

    /// Drops the connection and connects again at once, resuming from the last event id; a
    /// reconnect being waited for is made now. Nothing happens once the stream is closed.
    pub fn restart(&self) {
        if let Some(controls) = &*self.controls.borrow() {
            controls.restart();
        }
    }

    /// Opens the stream again after [`close`](Self::close), or after it ended: the component
    /// renders and the hook opens a new stream of its URL with the latest render's options,
    /// starting afresh as a new URL does. Nothing happens while one runs.
    pub fn open(&self) {
        if self.state() == ConnectionState::Closed {
            self.opened.set(self.opened.wrapping_add(1));
        }
    }
}

/// Opens a server-sent event stream of `url` and re-renders the component as it delivers.
///
/// `options` say how the stream is opened (the core's [`Builder`](crate::Builder) through
/// [`UseSseOptions::configure`]), how data is decoded (JSON into `T` by default), how many
/// messages the history keeps, and a callback for every message (the one of the latest
/// render is called). They are read when the stream opens: on mount, again when `url`
/// changes, which closes the old stream and opens one of the new URL, and after
/// [`UseSseHandle::open`].
///
/// The stream closes when the component unmounts, or on [`UseSseHandle::close`].
#[hook]
pub fn use_sse<T>(url: &str, options: UseSseOptions<T>) -> UseSseHandle<T>
where
    T: Clone + 'static,
{
    let mut options = options;
    let snapshot = use_mut_ref(Snapshot::<T>::default);
    let controls = use_mut_ref(|| None::<Controls>);
    let on_message: LatestOnMessage<T> = use_mut_ref(|| None);
    let rerender = use_force_update();
    let opened = use_state(|| 0_u32);
    *on_message.borrow_mut() = options.take_on_message();

    {
        let (snapshot, controls, rerender) = (snapshot.clone(), controls.clone(), rerender.clone());
        use_effect_with((url.to_owned(), *opened), move |(url, _)| {
            // A new stream: its state starts again; the messages, history and count go on.
            snapshot.borrow_mut().state = ConnectionState::Connecting;
            *controls.borrow_mut() = None;
            let handle = match options.open(url) {
                Ok(source) => {
                    let (handle, registration) = AbortHandle::new_pair();
                    *controls.borrow_mut() = Some(Controls::new(&source, handle.clone()));
                    let task = drive(
                        source,
                        snapshot,
                        on_message,
                        options.history_size(),
                        rerender,
                        handle.clone(),
                    );
                    yew::platform::spawn_local(async move {
                        // Aborted: the stream is dropped with the task, which closes the connection.
                        let _ = Abortable::new(task, registration).await;
                    });
                    Some(handle)
                }
                Err(err) => {
                    let mut snapshot = snapshot.borrow_mut();
                    snapshot.error = Some(err);
                    snapshot.state = ConnectionState::Closed;
                    rerender.force_update();
                    None
                }
            };
            move || {
                if let Some(handle) = handle {
                    handle.abort();
                }
            }
        });
    }

    UseSseHandle {
        snapshot,
        controls,
        rerender,
        opened,
    }
}

/// Reads `source` to its end into `snapshot`, re-rendering after each item. Returns at
/// once when `closed` is aborted: [`UseSseHandle::close`] may be called from `on_message`
/// while items that arrived together are still being read, and none may be written after it.
async fn drive<T: Clone>(
    mut source: EventSource<T>,
    snapshot: Rc<RefCell<Snapshot<T>>>,
    on_message: LatestOnMessage<T>,
    history_size: usize,
    rerender: UseForceUpdateHandle,
    closed: AbortHandle,
) {
    while let Some(item) = source.next().await {
        if let Ok(Event::Message(message)) = &item {
            crate::hooks::call_on_message(&on_message, message);
        }
        {
            let mut snapshot = snapshot.borrow_mut();
            match item {
                Ok(Event::Open) => snapshot.error = None,
                Ok(Event::Message(message)) => {
                    if history_size > 0 {
                        crate::hooks::keep(&mut snapshot.history, message.clone(), history_size);
                    }
                    snapshot.received += 1;
                    snapshot.message = Some(message);
                }
                // The hook does not ask for comments.
                Ok(Event::Comment(_)) => {}
                Err(err) => snapshot.error = Some(err),
            }
            if closed.is_aborted() {
                // Closed from `on_message`, which has set the state and re-renders: returning
                // drops the stream, which closes the connection now.
                return;
            }
            // The state only changes as items arrive, so one look after each is enough.
            snapshot.state = source.state();
        }
        // Renders are batched: a burst of items costs one render.
        rerender.force_update();
    }
    snapshot.borrow_mut().state = ConnectionState::Closed;
    rerender.force_update();
}
