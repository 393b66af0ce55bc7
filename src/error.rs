//! The one error type of the crate.

/// Everything that can go wrong, one variant per cause.
///
/// Errors are stream items, never panics. An error that ends the stream is its last item:
/// the next poll returns `None`. Others leave the stream running.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL could not be parsed or resolved against the page's base URL.
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why the browser rejected it.
        reason: String,
    },
    /// The request could not be built: a bad method, header name or value, or a body on a
    /// GET. The message is the browser's.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The connection failed or dropped and the browser is reconnecting by itself; the
    /// stream goes on. The browser's `EventSource` does not say why (no status, no reason).
    #[error("disconnected; the browser is reconnecting")]
    Disconnected,
    /// The browser's `EventSource` gave up for good: a status other than 200, a wrong
    /// content type, a CORS failure, or a network error it deemed futile.
    /// The browser does not say which.
    #[error("the browser closed the event source (non-200 status, wrong content type, CORS or network failure)")]
    ConnectionFailed,
    /// The server answered with a status other than 200 or 204 (fetch transport). A 204 is
    /// no error: it is the server's way to say "stop", and it ends the stream cleanly
    /// ([`EndReason::NoContent`](crate::EndReason::NoContent)).
    #[error("the server answered {status}")]
    Status {
        /// The HTTP status code.
        status: u16,
        /// The `Retry-After` header, when it held a number of seconds.
        retry_after: Option<std::time::Duration>,
    },
    /// The server answered 200 with a content type other than `text/event-stream`
    /// (fetch transport).
    #[error("the server sent {} instead of text/event-stream", content_type.as_deref().unwrap_or("no content type"))]
    ContentType {
        /// The `Content-Type` header, if there was one.
        content_type: Option<String>,
    },
    /// The server redirected a request that carries custom headers (fetch transport). The
    /// browser would send them on to wherever the redirect leads, and does not say where that
    /// is before following it, so such a redirect is refused. Not retried.
    #[error("redirect refused: the request carries custom headers")]
    Redirected,
    /// The request failed or the response broke off: DNS, refused, reset, CORS
    /// (fetch transport). The browser says little more than that, on purpose.
    #[error("network error: {0}")]
    Network(String),
    /// The server ended the response. The spec reconnects after this (fetch transport).
    #[error("the server ended the stream")]
    StreamEnded,
    /// No byte arrived (not even a comment) for this long, so the connection was dropped
    /// (fetch transport, with a stall timeout set).
    #[error("no data for {} ms: stream stalled", millis(timeout))]
    Stalled {
        /// The configured stall timeout.
        timeout: std::time::Duration,
    },
    /// A message's data did not decode into the requested type. The stream goes on.
    #[error("could not decode {event:?} event data {data:?}: {reason}")]
    Decode {
        /// The event type of the message.
        event: String,
        /// The data that failed to decode.
        data: String,
        /// What the decoder said.
        reason: String,
    },
    /// An event grew beyond the parser's maximum event size; it was discarded.
    #[error("event larger than the limit of {limit} bytes was discarded")]
    EventTooLarge {
        /// The configured limit, in bytes.
        limit: usize,
    },
    /// A comment line grew beyond the parser's maximum event size; it was skipped (fetch
    /// transport, with [`comments`](crate::Builder::comments)). The stream goes on.
    #[error("comment line larger than the limit of {limit} bytes was skipped")]
    CommentTooLarge {
        /// The configured limit, in bytes.
        limit: usize,
    },
    /// The consumer fell behind and the buffer overflowed with [`Overflow::DropOldest`] or
    /// [`Overflow::DropNewest`]: this many messages were dropped. The stream goes on.
    ///
    /// [`Overflow::DropOldest`]: crate::Overflow::DropOldest
    /// [`Overflow::DropNewest`]: crate::Overflow::DropNewest
    #[error("consumer fell behind: {skipped} messages dropped")]
    Lagged {
        /// How many messages were dropped since the last item.
        skipped: u64,
    },
    /// The consumer fell behind and the buffer of `capacity` items overflowed with
    /// [`Overflow::Fail`](crate::Overflow::Fail): the stream was closed.
    #[error("consumer fell behind: buffer of {capacity} items overflowed, stream closed")]
    Overflow {
        /// The configured capacity.
        capacity: usize,
    },
    /// A JavaScript exception from a browser API, with its message.
    #[error("browser error: {0}")]
    Js(String),
}

/// A duration in whole milliseconds, for messages: `Duration`'s `Debug` (`1.5s`) would bring
/// float-style formatting code into every app that displays an error.
fn millis(duration: &std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl From<crate::parser::ParseError> for Error {
    fn from(err: crate::parser::ParseError) -> Self {
        match err {
            crate::parser::ParseError::EventTooLarge { limit } => Error::EventTooLarge { limit },
            crate::parser::ParseError::CommentTooLarge { limit } => {
                Error::CommentTooLarge { limit }
            }
        }
    }
}

impl Error {
    /// The [`Error::Decode`] of `event`'s `data`, which serde_json refused.
    pub(crate) fn decode(event: String, data: String, err: &serde_json::Error) -> Self {
        Error::Decode {
            event,
            data,
            reason: err.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_stall_names_its_timeout_in_milliseconds() {
        let timeout = Duration::from_millis(1500);
        assert_eq!(
            Error::Stalled { timeout }.to_string(),
            "no data for 1500 ms: stream stalled"
        );
    }
}
