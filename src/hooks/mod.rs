//! What the framework hooks share: the options they take (the core's [`Builder`] options, how
//! message data is decoded, what the hook keeps of each message) and the controls of the
//! stream a hook runs.

#[cfg(feature = "dioxus")]
pub mod dioxus;
#[cfg(feature = "leptos")]
pub mod leptos;
#[cfg(feature = "yew")]
pub mod yew;

use std::collections::VecDeque;
use std::rc::Rc;

use futures_util::future::AbortHandle;

use crate::connection::Status;
use crate::error::Error;
use crate::event::Message;
use crate::source::{Builder, EventSource};

/// The callback every message is handed to.
pub(crate) type OnMessage<T> = Box<dyn FnMut(&Message<T>)>;

/// Options of `use_sse`: the [`Builder`] options of the stream, how its data is decoded, and
/// what the hook does with every message.
///
/// [`default`](Default::default) decodes each message's data as JSON into `T`;
/// [`text`](UseSseOptions::text) keeps it as a `String`.
///
/// `configure` reaches every option of the core: transport, credentials, named events,
/// retry policy, buffer, headers; the hook adds no protocol logic of its own.
pub struct UseSseOptions<T> {
    configure: Option<Rc<dyn Fn(Builder) -> Builder>>,
    decode: fn(EventSource) -> EventSource<T>,
    history: usize,
    on_message: Option<OnMessage<T>>,
}

impl<T> std::fmt::Debug for UseSseOptions<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UseSseOptions")
            .field("configure", &self.configure.is_some())
            .field("data", &std::any::type_name::<T>())
            .field("history", &self.history)
            .field("on_message", &self.on_message.is_some())
            .finish()
    }
}

impl<T: serde::de::DeserializeOwned> Default for UseSseOptions<T> {
    /// Decodes each message's data as JSON into `T` (see [`EventSource::json`]); a message
    /// that does not decode is an [`Error::Decode`] and the stream goes on. Keeps no history.
    fn default() -> Self {
        Self::with_decoder(EventSource::json::<T>)
    }
}

impl UseSseOptions<String> {
    /// Keeps each message's data as the text the server sent.
    pub fn text() -> Self {
        Self::with_decoder(|source| source)
    }
}

impl<T> UseSseOptions<T> {
    fn with_decoder(decode: fn(EventSource) -> EventSource<T>) -> Self {
        UseSseOptions {
            configure: None,
            decode,
            history: 0,
            on_message: None,
        }
    }

    /// Sets the stream's options on the core's [`Builder`]: transport, credentials, named
    /// events, retry policy, buffer, headers... The hook opens what the builder describes,
    /// and calls it again for every stream it opens (after `open()`, or a new URL).
    pub fn configure(mut self, configure: impl Fn(Builder) -> Builder + 'static) -> Self {
        self.configure = Some(Rc::new(configure));
        self
    }

    /// Keeps the last `size` messages, oldest first, in the hook's `history`; a burst of
    /// messages that arrives at once is all there. Default 0: no history.
    pub fn history(mut self, size: usize) -> Self {
        self.history = size;
        self
    }

    /// Calls `on_message` with every message, in order, as it arrives: none is skipped,
    /// however many arrive at once. Name the data type where the options are made, so the
    /// closure's argument type is known: `UseSseOptions::<Tick>::default().on_message(...)`.
    pub fn on_message(mut self, on_message: impl FnMut(&Message<T>) + 'static) -> Self {
        self.on_message = Some(Box::new(on_message));
        self
    }

    /// Opens the stream these options describe.
    pub(crate) fn open(&self, url: &str) -> Result<EventSource<T>, Error> {
        let builder = EventSource::builder(url);
        let builder = match &self.configure {
            Some(configure) => configure(builder),
            None => builder,
        };
        builder.open().map(self.decode)
    }

    /// How many messages the history keeps.
    pub(crate) fn history_size(&self) -> usize {
        self.history
    }

    /// The message callback, if one was set.
    pub(crate) fn take_on_message(&mut self) -> Option<OnMessage<T>> {
        self.on_message.take()
    }
}

/// The message callback a hook's streams share: the latest render's, when the framework
/// re-renders.
pub(crate) type SharedOnMessage<T> = Rc<std::cell::RefCell<Option<OnMessage<T>>>>;

/// Calls the shared callback with `message`. It is taken out of its cell while it runs: what
/// it causes (a render storing the latest callback, a `close()` or `open()`) may use the cell.
pub(crate) fn call_on_message<T>(on_message: &SharedOnMessage<T>, message: &Message<T>) {
    let callback = on_message.borrow_mut().take();
    if let Some(mut callback) = callback {
        callback(message);
        on_message.borrow_mut().get_or_insert(callback);
    }
}

/// Appends `message` to `history`, dropping the oldest past `size`.
pub(crate) fn keep<T>(history: &mut VecDeque<Message<T>>, message: Message<T>, size: usize) {
    if size == 0 {
        return;
    }
    if history.len() >= size {
        history.pop_front();
    }
    history.push_back(message);
}

/// The controls of the stream a hook runs: stop its task, reconnect it now.
#[derive(Debug, Clone)]
pub(crate) struct Controls {
    abort: AbortHandle,
    status: Rc<Status>,
}

impl Controls {
    /// The controls of `source`, whose task `abort` stops.
    pub(crate) fn new<T>(source: &EventSource<T>, abort: AbortHandle) -> Self {
        Controls {
            abort,
            status: source.status(),
        }
    }

    /// Stops the task: the stream is dropped with it, which closes the connection.
    pub(crate) fn stop(&self) {
        self.abort.abort();
    }

    /// Drops the connection and connects again at once, resuming from the last event id.
    pub(crate) fn restart(&self) {
        self.status.restart();
    }
}
