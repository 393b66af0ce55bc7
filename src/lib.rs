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
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! Two transports carry the stream ([`Transport`]): the browser's `EventSource`, and
//! `fetch()` with any method, headers and body, parsed in wasm. Both reconnect under a
//! [`RetryPolicy`] and resume from the last event id.
//! [`parser::Parser`] is the sans-IO parser underneath, for those who bring their own transport.
#![deny(missing_docs, missing_debug_implementations)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod buffer;
mod connection;
mod decode;
mod error;
mod event;
mod fetch;
#[cfg(any(feature = "leptos", feature = "yew"))]
mod hooks;
#[cfg(feature = "js")]
mod js;
#[cfg(feature = "leptos")]
#[cfg_attr(docsrs, doc(cfg(feature = "leptos")))]
pub mod leptos;
mod native;
pub mod parser;
mod retry;
mod source;
#[cfg(feature = "yew")]
#[cfg_attr(docsrs, doc(cfg(feature = "yew")))]
pub mod yew;

pub use buffer::{Overflow, DEFAULT_CAPACITY};
pub use connection::LAST_EVENT_ID_PARAM;
pub use error::Error;
pub use event::{ConnectionState, Event, Message, ReadyState};
pub use fetch::Credentials;
pub use retry::RetryPolicy;
/// The string type of [`Message`]'s event type, id and origin, re-exported from `smol_str`.
pub use smol_str::SmolStr;
pub use source::{Builder, EventSource, Transport};
