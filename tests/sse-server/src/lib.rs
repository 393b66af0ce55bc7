//! Scripted Server-Sent Events scenarios for wasm-sse's browser tests, demo and benchmarks.
//!
//! Every route is listed in this crate's `README.md`. Start it in-process like this:
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! sse_server::serve(listener, sse_server::Config::default()).await
//! # }
//! ```

#![deny(missing_docs, missing_debug_implementations)]

mod bulk;
mod chat;
mod conn;
mod control;
mod cors;
mod counter;
mod dashboard;
mod hostile;
mod params;
mod raw;
mod scenarios;
mod server;
mod state;
mod statics;
mod stream;

pub use server::{serve, Config};
