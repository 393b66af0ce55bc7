//! The batch protocol with glue.js: every message ready is written into one string, so that
//! a pull crosses from wasm to JavaScript once, not four times per message.

use std::task::Poll;

use futures_util::StreamExt;
use wasm_bindgen::prelude::*;

use super::error::error_to_js;
use super::Shared;
use crate::error::Error;
use crate::event::{ConnectionState, Event, Message};
use crate::source::EventSource;

/// The most a batch holds before it is handed over, in bytes: messages beyond wait for the
/// next pull (the fetch transport reads only as fast as batches are taken).
const BATCH_BYTES: usize = 256 * 1024;

/// Pulls until there are messages, the end, or an error that ends the stream; calls
/// `onOpen` and `onError` on the way. Resolves to a [`Batch`] string, or `undefined` at the end.
pub(super) async fn pull_batch(shared: &Shared) -> Result<JsValue, JsValue> {
    let mut batch = Batch {
        text: shared.spare.take(),
        origin_len: 0,
    };
    loop {
        let held = shared.held.borrow_mut().take();
        let item = match held {
            Some(Some(Ok(Event::Message(message)))) => {
                // A message of another origin than the previous batch's: it starts this one.
                batch.push(&message);
                continue;
            }
            Some(item) => item,
            None => {
                let stop = std::future::poll_fn(|cx| poll_batch(shared, cx, &mut batch)).await;
                if !batch.text.is_empty() {
                    shared.held.replace(stop);
                    let text = JsValue::from_str(&batch.text);
                    // Kept for the next batch, unless a giant message made it giant.
                    if batch.text.capacity() <= 2 * BATCH_BYTES {
                        batch.text.clear();
                        shared.spare.replace(batch.text);
                    }
                    return Ok(text);
                }
                match stop {
                    Some(item) => item,
                    None => continue,
                }
            }
        };
        match item {
            None => {
                shared.close();
                return Ok(JsValue::UNDEFINED);
            }
            Some(Ok(Event::Open)) => shared.call(&shared.on_open, &shared.response()),
            Some(Ok(Event::Comment(text))) => shared.call(&shared.on_comment, &text.into()),
            // Messages go into batches (above, and in `poll_batch`).
            Some(Ok(Event::Message(_))) => {}
            Some(Err(err)) => {
                let error = error_to_js(&err);
                if shared.state() == ConnectionState::Closed {
                    shared.close();
                    return Err(error);
                }
                shared.call(&shared.on_error, &error);
            }
        }
    }
}

/// Messages handed to glue.js as one string: their origin, then the `type`, `lastEventId`
/// and `data` of each, all joined by `\r` (a carriage return ends a line in an event stream,
/// so no field holds one). One string crossing per batch instead of four per message.
struct Batch {
    text: String,
    origin_len: usize,
}

impl Batch {
    /// Adds `message`, unless it comes from another origin than the batch's messages.
    fn push(&mut self, message: &Message) -> bool {
        if self.text.is_empty() {
            self.text.push_str(&message.origin);
            self.origin_len = self.text.len();
        } else if self.text[..self.origin_len] != message.origin {
            return false;
        }
        for part in [
            &message.event,
            &message.last_event_id,
            message.data.as_str(),
        ] {
            self.text.push('\r');
            self.text.push_str(part);
        }
        true
    }
}

/// Adds the messages ready now to `batch`. Ready once there is something to hand over: with
/// the item that stopped the batch (the end, `Open`, an error, a message of another origin),
/// or with `None` when nothing more is ready or the batch is full.
fn poll_batch(
    shared: &Shared,
    cx: &mut std::task::Context<'_>,
    batch: &mut Batch,
) -> Poll<Option<Option<Result<Event, Error>>>> {
    // Taken out while it is polled, not borrowed: a poll calls `fetch()`, which a page may
    // have wrapped, and the wrapper may read this stream's state or close it.
    let Some(mut source) = shared.source.take() else {
        return Poll::Ready(Some(None));
    };
    let polled = fill_batch(shared, &mut source, cx, batch);
    if shared.state() == ConnectionState::Closed {
        // Ended meanwhile (closed from inside the poll, or finished): it has nothing more to
        // give, and dropping it releases its connection. What it waited for will not come.
        drop(source);
        return match polled {
            Poll::Pending => Poll::Ready(Some(None)),
            ready => ready,
        };
    }
    shared.source.replace(Some(source));
    polled
}

/// `poll_batch` with the source in hand.
fn fill_batch(
    shared: &Shared,
    source: &mut EventSource,
    cx: &mut std::task::Context<'_>,
    batch: &mut Batch,
) -> Poll<Option<Option<Result<Event, Error>>>> {
    while batch.text.len() < BATCH_BYTES {
        let item = match source.poll_next_unpin(cx) {
            Poll::Pending if batch.text.is_empty() => {
                *shared.waker.borrow_mut() = Some(cx.waker().clone());
                return Poll::Pending;
            }
            Poll::Pending => return Poll::Ready(None),
            Poll::Ready(item) => item,
        };
        match item {
            Some(Ok(Event::Message(message))) if !batch.push(&message) => {
                return Poll::Ready(Some(Some(Ok(Event::Message(message)))));
            }
            Some(Ok(Event::Message(_))) => {}
            item => return Poll::Ready(Some(item)),
        }
    }
    Poll::Ready(None)
}
