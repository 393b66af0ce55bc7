//! Server-Sent Events for Rust in the browser.
//!
//! [`EventSource`] turns a server's event stream into a
//! [`Stream`](futures_core::Stream) of typed items, and closes the connection when dropped:
//!
//! ```no_run
//! use futures::StreamExt;
//! use wasm_sse::{Event, EventSource};
//!
//! #[derive(serde::Deserialize)]
//! struct Hello { message: String }
//!
//! # async fn run() -> Result<(), wasm_sse::Error> {
//! let mut feed = EventSource::new("/feed")?.json::<Hello>();
//! while let Some(item) = feed.next().await {
//!     match item {
//!         Ok(Event::Open) => { /* connected */ }
//!         Ok(Event::Message(msg)) => { /* msg.data: Hello, msg.event, msg.last_event_id, msg.origin */ }
//!         Err(err) => { /* typed: what went wrong */ }
//!         Ok(_) => { /* comments, when asked for */ }
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! Two transports carry the stream ([`Transport`]): the browser's `EventSource`, and
//! `fetch()` with any method, headers and body, parsed in wasm. Both reconnect under a
//! [`RetryPolicy`] and resume from the last event id.
//! [`parser::Parser`] is the sans-IO parser underneath, for those who bring their own transport.
//!
//! # Cargo features
//!
//! - `eventsource` (default): [`Transport::EventSource`], the browser's own `EventSource`.
//! - `fetch` (default): [`Transport::Fetch`] and the builder options only it has.
//! - `leptos`, `yew`, `dioxus`: the `use_sse` hooks; they need at least one transport.
//! - `js`: the npm package's JavaScript API; it enables both transports.
//!
//! An app that uses one transport can leave the other out of its `.wasm`:
//! `wasm-sse = { version = "0.1", default-features = false, features = ["eventsource"] }`.
//! With neither transport the crate is the sans-IO [`parser`] and the types it shares
//! ([`Event`], [`Message`], [`Error`], [`RetryPolicy`]).
#![deny(missing_docs, missing_debug_implementations)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(all(
    any(feature = "leptos", feature = "yew", feature = "dioxus"),
    not(any(feature = "eventsource", feature = "fetch"))
))]
compile_error!(
    "the `leptos`, `yew` and `dioxus` hooks need a transport: enable `eventsource` or `fetch`"
);

#[cfg(any(feature = "eventsource", feature = "fetch"))]
mod connection;
mod error;
mod event;
#[cfg(any(feature = "leptos", feature = "yew", feature = "dioxus"))]
mod hooks;
#[cfg(feature = "js")]
mod js;
pub mod parser;
mod retry;
#[cfg(any(feature = "eventsource", feature = "fetch"))]
mod source;
#[cfg(any(feature = "eventsource", feature = "fetch"))]
mod transport;

#[cfg(feature = "dioxus")]
#[cfg_attr(docsrs, doc(cfg(feature = "dioxus")))]
pub use hooks::dioxus;
#[cfg(feature = "leptos")]
#[cfg_attr(docsrs, doc(cfg(feature = "leptos")))]
pub use hooks::leptos;
#[cfg(feature = "yew")]
#[cfg_attr(docsrs, doc(cfg(feature = "yew")))]
pub use hooks::yew;

pub use error::Error;
pub use event::{ConnectionState, EndReason, Event, Message, ReadyState, ResponseHead};
pub use retry::RetryPolicy;
/// The string type of [`Message`]'s event type, id and origin, re-exported from `smol_str`.
pub use smol_str::SmolStr;
#[cfg(any(feature = "eventsource", feature = "fetch"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "eventsource", feature = "fetch"))))]
pub use source::{Builder, Credentials, EventSource, Messages, Transport};
#[cfg(feature = "eventsource")]
#[cfg_attr(docsrs, doc(cfg(feature = "eventsource")))]
pub use transport::eventsource::{Overflow, DEFAULT_CAPACITY, LAST_EVENT_ID_PARAM};
