//! Streaming response bodies: one body frame per write, keep-alives, aborts, and the `open`
//! counter.

use std::{
    future::Future,
    io,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    body::Body,
    http::{
        header::{CACHE_CONTROL, CONNECTION, CONTENT_TYPE},
        HeaderName, HeaderValue, StatusCode,
    },
    response::Response,
};
use bytes::Bytes;
use tokio::{sync::mpsc, time::Instant};

use crate::{conn::Conn, params::After, state::Tag};

/// The keep-alive comment line: exactly these two bytes, no blank line.
const KEEPALIVE: &[u8] = b":\n";

/// How long an aborting body waits after hyper has taken its last write, for the flush.
const ABORT_AFTER: Duration = Duration::from_millis(20);

/// The content type of every well-behaved stream.
pub const EVENT_STREAM: HeaderValue = HeaderValue::from_static("text/event-stream");

/// The client went away: the scenario should stop writing.
#[derive(Debug)]
pub struct Gone;

/// Writes a scenario's bytes to the response body, each call one body frame.
#[derive(Debug)]
pub struct Writer {
    /// Feeds the body; capacity 1 so nothing piles up ahead of the socket. An error cuts it.
    tx: mpsc::Sender<Result<Bytes, io::Error>>,
    /// Interval of keep-alive comments while idle, `None` when disabled.
    keepalive: Option<Duration>,
}

impl Writer {
    /// Sends `bytes` as one body frame.
    pub async fn write(&self, bytes: impl Into<Bytes>) -> Result<(), Gone> {
        self.tx.send(Ok(bytes.into())).await.map_err(|_| Gone)
    }

    /// Cuts the connection without ending the chunked body: the client sees a network error.
    pub async fn abort(&self) -> Result<(), Gone> {
        // Hyper drops what it has not flushed when a body fails: let the writes go first. A
        // fixed wait alone lost them on a busy machine, where hyper had not even taken the
        // last one from the channel: wait until it has, then for the flush.
        while self.tx.capacity() < self.tx.max_capacity() && !self.tx.is_closed() {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        tokio::time::sleep(ABORT_AFTER).await;
        let cut = io::Error::new(io::ErrorKind::ConnectionAborted, "scripted abort");
        self.tx.send(Err(cut)).await.map_err(|_| Gone)
    }

    /// Waits `duration` between two events, sending keep-alives meanwhile.
    pub async fn idle(&self, duration: Duration) -> Result<(), Gone> {
        let deadline = Instant::now() + duration;
        if let Some(keepalive) = self.keepalive {
            while Instant::now() + keepalive < deadline {
                tokio::time::sleep(keepalive).await;
                self.write(KEEPALIVE).await?;
            }
        }
        tokio::time::sleep_until(deadline).await;
        Ok(())
    }

    /// Keeps the stream open forever, sending keep-alives so a closed socket is noticed.
    pub async fn hold(&self) -> Result<(), Gone> {
        let Some(keepalive) = self.keepalive else {
            return std::future::pending().await;
        };
        loop {
            tokio::time::sleep(keepalive).await;
            self.write(KEEPALIVE).await?;
        }
    }

    /// Holds or returns (ending the body), as `after` says.
    pub async fn finish(&self, after: After) -> Result<(), Gone> {
        match after {
            After::Hold => self.hold().await,
            After::Eof => Ok(()),
        }
    }
}

impl Conn {
    /// A `200 text/event-stream` response whose body is written by `scenario`.
    pub fn event_stream<F, Fut>(&self, scenario: F) -> Response
    where
        F: FnOnce(Writer) -> Fut,
        Fut: Future<Output = Result<(), Gone>> + Send + 'static,
    {
        self.stream(StatusCode::OK, Some(EVENT_STREAM), scenario)
    }

    /// A streaming response: the body ends when `scenario` returns, the client goes away,
    /// `/control/drop` is called for the tag, or the server stops.
    pub fn stream<F, Fut>(
        &self,
        status: StatusCode,
        content_type: Option<HeaderValue>,
        scenario: F,
    ) -> Response
    where
        F: FnOnce(Writer) -> Fut,
        Fut: Future<Output = Result<(), Gone>> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel(1);
        let writing = scenario(Writer {
            tx: tx.clone(),
            keepalive: self.keepalive,
        });
        let mut dropped = self.tag.dropped();
        let mut stopped = self.state.stopped();
        tokio::spawn(async move {
            tokio::select! {
                _ = writing => {},
                _ = dropped.changed() => {},
                _ = stopped.wait_for(|stop| *stop) => {},
                _ = tx.closed() => {},
            }
            // Dropping the last sender here ends the body cleanly.
        });
        let body = BodyStream {
            rx,
            _open: OpenGuard::new(self.tag.clone()),
        };
        let mut response = Response::new(Body::from_stream(body));
        *response.status_mut() = status;
        set_sse_headers(&mut response, content_type);
        response
    }
}

/// Sets the headers every SSE route answers with; `content_type: None` omits that header.
pub fn set_sse_headers(response: &mut Response, content_type: Option<HeaderValue>) {
    let headers = response.headers_mut();
    match content_type {
        Some(value) => headers.insert(CONTENT_TYPE, value),
        None => headers.remove(CONTENT_TYPE),
    };
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(CONNECTION, HeaderValue::from_static("keep-alive"));
    headers.insert(
        HeaderName::from_static("x-accel-buffering"),
        HeaderValue::from_static("no"),
    );
}

/// The response body: frames from the scenario's [`Writer`], owning the `open` count.
struct BodyStream {
    /// Frames written by the scenario task; an error makes hyper cut the connection.
    rx: mpsc::Receiver<Result<Bytes, io::Error>>,
    /// Decrements `open` when hyper drops the body (done, or client gone).
    _open: OpenGuard,
}

impl futures_core::Stream for BodyStream {
    type Item = Result<Bytes, io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx)
    }
}

/// Counts one open body for a tag while it lives.
struct OpenGuard(Arc<Tag>);

impl OpenGuard {
    /// Counts the body as open.
    fn new(tag: Arc<Tag>) -> Self {
        tag.opened();
        Self(tag)
    }
}

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.closed();
    }
}
