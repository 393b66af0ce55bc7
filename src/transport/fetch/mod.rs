//! The transport over `fetch()`: a request with any method, headers and body, its checked
//! response (it tells why a connection failed: status, content type), and its body read as
//! the consumer pulls and parsed in wasm by the stream's one [`Parser`].
//!
//! The parser outlives each connection: it holds the last event id and the server's
//! `retry:` that the next request resumes with.

mod body;
mod request;

use std::collections::VecDeque;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::error::Error;
use crate::event::{Event, Message};
use crate::parser::{ParseError, Parsed, Parser};
use crate::transport::{url_with_param, Connecting, Connector, Opened, Step};
pub(crate) use body::FetchConnection;
pub(crate) use request::{FetchOptions, Headers, HeadersFn};
use smol_str::SmolStr;

/// The fetch transport of one stream: a request per connection, and the parser that reads
/// their responses one after the other.
#[derive(Debug)]
pub(crate) struct FetchConnector {
    url: String,
    options: Rc<FetchOptions>,
    /// Send the last event id as this query parameter instead of the `Last-Event-ID` header.
    param: Option<String>,
    parser: Parser,
    /// Fill in each message's last event id.
    last_event_ids: bool,
    /// Items parsed from the last chunk, not yet delivered.
    pending: VecDeque<Result<Event, Error>>,
}

impl FetchConnector {
    pub(crate) fn new(
        url: String,
        options: FetchOptions,
        param: Option<String>,
        last_event_id: String,
        last_event_ids: bool,
    ) -> Self {
        let limit = options
            .max_event_size
            .unwrap_or(Parser::DEFAULT_MAX_EVENT_SIZE);
        let parser = Parser::with_max_event_size(limit).with_last_event_id(last_event_id);
        let parser = if options.comments {
            parser.with_comments()
        } else {
            parser
        };
        FetchConnector {
            url,
            options: Rc::new(options),
            param,
            parser,
            last_event_ids,
            pending: VecDeque::new(),
        }
    }

    /// Parses `chunk` into the pending items, keeping the event types asked for.
    fn parse(&mut self, chunk: &[u8], origin: &SmolStr) {
        let wanted = self.options.event_types.as_deref();
        let ids = self.last_event_ids;
        let items = self
            .parser
            .feed_items(chunk)
            .filter(|parsed| is_wanted(parsed, wanted))
            .map(|parsed| message(parsed, origin, ids));
        self.pending.extend(items);
    }
}

impl Connector for FetchConnector {
    type Connection = FetchConnection;

    fn connect(&mut self) -> Connecting<FetchConnection> {
        let options = Rc::clone(&self.options);
        let last_event_id = self.parser.last_event_id();
        let (url, header) = match &self.param {
            Some(name) => (
                url_with_param(&self.url, name, last_event_id),
                String::new(),
            ),
            None => (self.url.clone(), last_event_id.to_owned()),
        };
        Box::pin(async move {
            let connection = request::open(&url, &options, &header).await?;
            Ok(Opened {
                head: Some(connection.head.clone()),
                connection,
                is_open: true,
            })
        })
    }

    fn ready(&mut self) -> Option<Result<Event, Error>> {
        self.pending.pop_front()
    }

    fn poll_next(&mut self, connection: &mut FetchConnection, cx: &mut Context<'_>) -> Poll<Step> {
        loop {
            let origin = connection.origin.clone();
            let Poll::Ready(read) = connection.poll_read(cx) else {
                return Poll::Pending;
            };
            match read {
                Ok(Some(chunk)) => {
                    self.parse(chunk, &origin);
                    if let Some(item) = self.pending.pop_front() {
                        return Poll::Ready(Step::Item(item));
                    }
                }
                Ok(None) => return Poll::Ready(Step::Ended(Ok(()))),
                Err(err) => return Poll::Ready(Step::Ended(Err(err))),
            }
        }
    }

    fn disconnect(&mut self, connection: FetchConnection) {
        drop(connection);
        // An unterminated event is discarded, as at the end of any stream.
        self.parser.finish();
    }

    fn server_retry(&self) -> Option<Duration> {
        self.parser.retry()
    }

    /// A plain GET may be sent again, as the spec says; another request (a POST to an LLM
    /// API, say) only when the server has sent an id to resume from, or with
    /// `Builder::resend`: sending it again could run, and bill, the work again.
    fn may_resend(&self) -> bool {
        self.options.is_plain_get()
            || self.options.resend
            || !self.parser.last_event_id().is_empty()
    }

    fn last_event_id(&self, _live: Option<&FetchConnection>) -> String {
        self.parser.last_event_id().to_owned()
    }
}

/// Whether a parsed event is of a type the user asked for (comments and errors always are).
fn is_wanted(parsed: &Result<Parsed, ParseError>, wanted: Option<&[String]>) -> bool {
    match (parsed, wanted) {
        (Ok(Parsed::Event(event)), Some(types)) => {
            event.event_type() == "message"
                || types.iter().any(|wanted| wanted == event.event_type())
        }
        _ => true,
    }
}

/// A parsed event as a stream item, with its last event id when `ids`.
fn message(
    parsed: Result<Parsed, ParseError>,
    origin: &SmolStr,
    ids: bool,
) -> Result<Event, Error> {
    let event = match parsed? {
        Parsed::Event(event) => event,
        Parsed::Comment(text) => return Ok(Event::Comment(text)),
    };
    let (event, data, last_event_id) = event.into_shared_parts();
    Ok(Event::Message(Message {
        event,
        data,
        last_event_id: if ids {
            last_event_id
        } else {
            SmolStr::default()
        },
        origin: origin.clone(),
    }))
}
