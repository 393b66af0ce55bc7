//! The transport over the browser's own `EventSource` (web-sys).
//!
//! The browser parses the stream and reconnects by itself while it can; this module turns
//! its callbacks into stream items through a bounded [`Buffer`]. Every listener is removed
//! and the connection closed when the [`NativeSource`] drops.

use std::cell::RefCell;
use std::rc::Rc;
use std::task::{Context, Poll};

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::buffer::{Buffer, Overflow, Pushed};
use crate::{Error, Event, Message};

/// What the native transport needs to open a connection.
#[derive(Debug, Clone)]
pub(crate) struct NativeOptions {
    pub(crate) with_credentials: bool,
    /// Event types listened for besides `message`.
    pub(crate) events: Vec<String>,
    pub(crate) capacity: usize,
    pub(crate) overflow: Overflow,
}

/// State shared by the listeners (which fill it) and the stream (which drains it).
#[derive(Debug)]
struct Shared {
    buffer: Buffer,
    /// The origin of the current connection, read from its first message.
    origin: Option<String>,
}

type Listener = Closure<dyn FnMut(web_sys::Event)>;

/// One browser `EventSource` and the listeners wired to it.
pub(crate) struct NativeSource {
    source: web_sys::EventSource,
    shared: Rc<RefCell<Shared>>,
    /// `(event name, listener)`: `open`, `error`, `message` and the requested types.
    listeners: Vec<(String, Listener)>,
}

impl std::fmt::Debug for NativeSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeSource")
            .field("url", &self.source.url())
            .field("ready_state", &self.source.ready_state())
            .field("shared", &self.shared)
            .finish_non_exhaustive()
    }
}

impl NativeSource {
    /// Opens `url`; a URL the browser cannot parse is [`Error::InvalidUrl`].
    pub(crate) fn open(url: &str, options: &NativeOptions) -> Result<Self, Error> {
        let init = web_sys::EventSourceInit::new();
        init.set_with_credentials(options.with_credentials);
        let source =
            web_sys::EventSource::new_with_event_source_init_dict(url, &init).map_err(|err| {
                Error::InvalidUrl {
                    url: url.to_owned(),
                    reason: crate::error::js_message(&err),
                }
            })?;
        let shared = Rc::new(RefCell::new(Shared {
            buffer: Buffer::new(options.capacity, options.overflow),
            origin: None,
        }));

        // The connection's `open` and `error` are plain events; a stream event of the same
        // name arrives on the same listener as a MessageEvent and must not be confused.
        let mut names = vec!["open", "error", "message"];
        for name in options.events.iter().map(String::as_str) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        let listeners = names
            .into_iter()
            .map(|name| {
                let listener = match name {
                    "open" | "error" => connection_listener(
                        &shared,
                        &source,
                        name,
                        options.events.iter().any(|n| n == name),
                    ),
                    _ => message_listener(&shared, &source, name),
                };
                (name.to_owned(), listener)
            })
            .collect::<Vec<_>>();
        let target: &web_sys::EventTarget = source.as_ref();
        for (name, listener) in &listeners {
            target
                .add_event_listener_with_callback(name, listener.as_ref().unchecked_ref())
                .map_err(|err| Error::from_js(&err))?;
        }
        Ok(NativeSource {
            source,
            shared,
            listeners,
        })
    }

    /// Whether the stream has ended (a fatal item may still wait to be delivered).
    pub(crate) fn is_ended(&self) -> bool {
        self.shared.borrow().buffer.is_ended()
    }

    pub(crate) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Event, Error>>> {
        let polled = self.shared.borrow_mut().buffer.poll_next(cx.waker());
        if matches!(polled, Poll::Ready(None)) {
            // Ended by a fatal error: the browser may still be connecting; stop it.
            self.source.close();
        }
        polled
    }
}

/// The listener for `open` or `error`: the connection's own event, or, when `wanted`, a
/// stream message of that name.
fn connection_listener(
    shared: &Rc<RefCell<Shared>>,
    source: &web_sys::EventSource,
    name: &str,
    wanted: bool,
) -> Listener {
    let messages = message_listener(shared, source, name);
    let shared = Rc::clone(shared);
    let source = source.clone();
    let is_open = name == "open";
    Listener::new(move |event: web_sys::Event| {
        if event.is_instance_of::<web_sys::MessageEvent>() {
            if wanted {
                let callback: &js_sys::Function = messages.as_ref().unchecked_ref();
                // Calling our own closure cannot throw.
                let _ = callback.call1(&JsValue::NULL, &event);
            }
            return;
        }
        let mut shared = shared.borrow_mut();
        if is_open {
            // A reconnect may land on another origin after a redirect.
            shared.origin = None;
            shared.buffer.push(Ok(Event::Open));
        } else if source.ready_state() == web_sys::EventSource::CLOSED {
            shared.buffer.push_last(Err(Error::ConnectionFailed));
        } else {
            shared.buffer.push(Err(Error::Disconnected));
        }
    })
}

/// The listener for one event type: it reads the message and queues it.
fn message_listener(
    shared: &Rc<RefCell<Shared>>,
    source: &web_sys::EventSource,
    event_type: &str,
) -> Listener {
    let shared = Rc::clone(shared);
    let source = source.clone();
    let event_type = event_type.to_owned();
    Listener::new(move |event: web_sys::Event| {
        let message: &web_sys::MessageEvent = event.unchecked_ref();
        let mut shared = shared.borrow_mut();
        let origin = shared
            .origin
            .get_or_insert_with(|| message.origin())
            .clone();
        let message = Message {
            event: event_type.clone(),
            data: message.data().as_string().unwrap_or_default(),
            last_event_id: message.last_event_id(),
            origin,
        };
        if shared.buffer.push(Ok(Event::Message(message))) == Pushed::Overflowed {
            source.close();
        }
    })
}

impl Drop for NativeSource {
    fn drop(&mut self) {
        self.source.close();
        let target: &web_sys::EventTarget = self.source.as_ref();
        for (name, listener) in &self.listeners {
            // Removing a listener that is registered cannot fail; nothing to report from a drop.
            let _ =
                target.remove_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
        }
    }
}
