//! The body of an open response, read chunk by chunk as the consumer pulls, with a stall
//! timeout; dropping it cancels the body and aborts the request.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::error::Error;
use crate::event::ResponseHead;
use crate::transport::{js_message, Sleep};
use smol_str::SmolStr;

#[wasm_bindgen]
extern "C" {
    /// What `ReadableStreamDefaultReader.read()` resolves to, read without `Reflect`.
    type ReadResult;
    #[wasm_bindgen(method, getter)]
    fn done(this: &ReadResult) -> bool;
    #[wasm_bindgen(method, getter)]
    fn value(this: &ReadResult) -> Option<js_sys::Uint8Array>;
}

/// Aborts the request when dropped: closing or dropping the stream, or dropping a pending
/// connection attempt, ends the network request.
#[derive(Debug)]
pub(super) struct AbortOnDrop(web_sys::AbortController);

impl AbortOnDrop {
    pub(super) fn new() -> Result<Self, Error> {
        let controller = web_sys::AbortController::new().map_err(|err| Error::from_js(&err))?;
        Ok(AbortOnDrop(controller))
    }

    pub(super) fn signal(&self) -> web_sys::AbortSignal {
        self.0.signal()
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The most bytes copied into wasm memory at a time. The browser's chunks can be megabytes
/// when the network outruns the consumer; a larger one is handed out in pieces, so the
/// buffer (and so wasm memory, which never shrinks) stays this size whatever the browser does.
const PIECE_BYTES: usize = 64 * 1024;

/// One open response: the body reader and the buffer each chunk is copied into.
#[derive(Debug)]
pub(crate) struct FetchConnection {
    reader: web_sys::ReadableStreamDefaultReader,
    /// The read under way, if any.
    read: Option<JsFuture>,
    /// The stall timer of the read under way, if there is a timeout.
    stall: Option<Sleep>,
    chunk: Vec<u8>,
    /// The rest of a browser chunk larger than [`PIECE_BYTES`], not yet handed out.
    rest: Option<js_sys::Uint8Array>,
    stall_timeout: Option<Duration>,
    pub(super) origin: SmolStr,
    pub(super) head: ResponseHead,
    // Dropped after `Drop::drop` has cancelled the reader: then the request is aborted.
    _abort: AbortOnDrop,
}

impl Drop for FetchConnection {
    fn drop(&mut self) {
        // Cancelling the body tells the browser nobody reads it; the abort that follows
        // ends the request. The promise is awaited so that a body that had already failed
        // rejects it quietly instead of as an unhandled rejection.
        let cancelled = JsFuture::from(self.reader.cancel());
        wasm_bindgen_futures::spawn_local(async move {
            let _ = cancelled.await;
        });
    }
}

impl FetchConnection {
    pub(super) fn new(
        reader: web_sys::ReadableStreamDefaultReader,
        stall_timeout: Option<Duration>,
        origin: SmolStr,
        head: ResponseHead,
        abort: AbortOnDrop,
    ) -> Self {
        FetchConnection {
            reader,
            read: None,
            stall: None,
            chunk: Vec::new(),
            rest: None,
            stall_timeout,
            origin,
            head,
            _abort: abort,
        }
    }

    /// The next chunk of the body, `None` at its end. With a stall timeout, a read that
    /// waits longer is [`Error::Stalled`].
    pub(super) fn poll_read(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<&[u8]>, Error>> {
        if let Some(rest) = self.rest.take() {
            return Poll::Ready(Ok(Some(self.piece(rest))));
        }
        let reader = &self.reader;
        let read = self
            .read
            .get_or_insert_with(|| JsFuture::from(reader.read()));
        let result = match Pin::new(read).poll(cx) {
            Poll::Ready(result) => result,
            Poll::Pending => return self.poll_stall(cx),
        };
        self.read = None;
        self.stall = None;
        let result: ReadResult = result
            .map_err(|err| Error::Network(js_message(&err)))?
            .unchecked_into();
        if result.done() {
            return Poll::Ready(Ok(None));
        }
        let Some(bytes) = result.value() else {
            return Poll::Ready(Ok(Some(&[])));
        };
        Poll::Ready(Ok(Some(self.piece(bytes))))
    }

    /// A read is under way: [`Error::Stalled`] once it has waited the stall timeout.
    fn poll_stall(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<&[u8]>, Error>> {
        let Some(timeout) = self.stall_timeout else {
            return Poll::Pending;
        };
        let stall = self.stall.get_or_insert_with(|| Sleep::new(timeout));
        match Pin::new(stall).poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Error::Stalled { timeout })),
            Poll::Pending => Poll::Pending,
        }
    }

    /// Copies the first [`PIECE_BYTES`] of `bytes` into the buffer reused across reads (one
    /// copy per chunk into wasm memory) and keeps the rest for the next read.
    fn piece(&mut self, bytes: js_sys::Uint8Array) -> &[u8] {
        let len = bytes.length() as usize;
        let bytes = if len > PIECE_BYTES {
            let piece = PIECE_BYTES as u32;
            self.rest = Some(bytes.subarray(piece, len as u32));
            bytes.subarray(0, piece)
        } else {
            bytes
        };
        self.chunk.resize(bytes.length() as usize, 0);
        bytes.copy_to(&mut self.chunk);
        &self.chunk
    }
}
