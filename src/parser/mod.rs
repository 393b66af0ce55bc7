//! The sans-IO event-stream parser: bytes in, events out.
//!
//! ```
//! use wasm_sse::parser::{ParseError, Parser};
//!
//! # fn main() -> Result<(), ParseError> {
//! let mut parser = Parser::new();
//! let mut events = Vec::new();
//! // Chunks may split a line, a CRLF or a UTF-8 character anywhere.
//! for chunk in [&b"id: 7\ndata: hel"[..], b"lo\n\nevent: ping\r", b"\ndata\r\n\r\n"] {
//!     for item in parser.feed(chunk) {
//!         events.push(item?);
//!     }
//! }
//! assert_eq!(events[0].event_type(), "message");
//! assert_eq!(events[0].data(), "hello");
//! assert_eq!(events[0].last_event_id(), "7");
//! assert_eq!(events[1].event_type(), "ping");
//! assert_eq!(events[1].data(), "");
//! assert_eq!(events[1].last_event_id(), "7"); // the id persists
//!
//! parser.finish(); // the response ended: a reconnect may follow
//! assert_eq!(parser.last_event_id(), "7"); // send it as `Last-Event-ID`
//! # Ok(()) }
//! ```
//!
//! [`Parser`] implements the WHATWG HTML algorithm *interpret an event stream*
//! (§9.2.5 "Parsing an event stream" and §9.2.6 "Event stream interpretation") to the letter:
//!
//! - The bytes are UTF-8; invalid sequences become U+FFFD exactly as a whole-stream WHATWG
//!   UTF-8 decode would make them, and one leading BOM is stripped from each connection's stream.
//! - Lines end with CRLF, LF or CR, also when a CRLF is split between two chunks.
//! - `data`, `event`, `id` and `retry` fields are processed as the spec says; lines starting
//!   with `:` are comments; other fields are ignored; a blank line dispatches the event.
//! - An event the stream ends before dispatching is discarded by [`Parser::finish`].
//!
//! How the input is cut into chunks never changes the result. Memory stays bounded, whatever the
//! server sends: an event larger than [`Parser::DEFAULT_MAX_EVENT_SIZE`] (4 MiB, or the limit
//! given to [`Parser::with_max_event_size`]) is skipped and reported as
//! [`ParseError::EventTooLarge`], and parsing goes on.
//!
//! The parser uses nothing from the web platform, so it runs natively as well as in wasm.

use std::collections::VecDeque;
use std::fmt;
use std::mem;
use std::time::Duration;

use memchr::memchr2;
use smol_str::SmolStr;

mod event;
mod items;
mod line;

pub use event::{ParseError, Parsed, ParsedEvent};
pub use items::{Feed, Items};
use line::{classify_name, decode, Name};

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// The most items dropped [`Feed`]s leave in the parser.
const KEPT_ITEMS: usize = 1024;

/// The data and event type bytes dropped [`Feed`]s leave in the parser, when the maximum event
/// size is smaller (with a larger one, that size: one event always fits).
const KEPT_BYTES: usize = 64 * 1024;

/// An incremental parser of `text/event-stream` bodies.
///
/// Feed it each chunk of a response with [`feed`](Parser::feed) and call
/// [`finish`](Parser::finish) when the response ends. One parser lives as long as the event
/// source: the last event ID and the reconnection time carry over from one connection to the
/// next, as the spec requires.
pub struct Parser {
    max_event_size: usize,
    /// Bytes of the current line that arrived in earlier chunks, without its line end.
    line: Vec<u8>,
    mode: Mode,
    /// The previous chunk ended with CR: an LF starting the next chunk completes that CRLF.
    pending_cr: bool,
    /// How many bytes of a leading BOM have been seen; `None` once past the stream's start.
    bom_matched: Option<usize>,
    /// The data buffer: each `data` value followed by LF.
    data: String,
    event_type: String,
    /// The last event type too long to be held inline, to share it with the next.
    long_event_type: Option<SmolStr>,
    /// The last event ID buffer, when an `id` field set it since the last blank line.
    pending_id: Option<SmolStr>,
    last_event_id: SmolStr,
    retry: Option<Duration>,
    /// Items parsed when a [`Feed`] was dropped before it was exhausted.
    queued: VecDeque<Result<Parsed, ParseError>>,
    /// The data and event type bytes of `queued`.
    queued_bytes: usize,
    /// Comment lines are yielded (see [`Parser::with_comments`]), not skipped.
    comments: bool,
}

/// The fields the spec interprets; any other is ignored.
#[derive(Debug, Clone, Copy)]
enum Field {
    Data,
    Event,
    Id,
    Retry,
}

/// What the bytes up to the next line end are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A line to interpret.
    Line,
    /// The rest of a comment line or of an unknown field's line, skipped without buffering.
    SkipLine,
    /// The rest of a comment line that is kept (see [`Parser::with_comments`]); the bytes
    /// after the colon that arrived in earlier chunks are in `line`.
    Comment,
    /// The rest of an event that exceeded the size limit, skipped up to its blank line.
    /// `line_start` is true when the next byte starts a line.
    Discard { line_start: bool },
}

impl Parser {
    /// The default [maximum event size](Parser::with_max_event_size): 4 MiB.
    pub const DEFAULT_MAX_EVENT_SIZE: usize = 4 * 1024 * 1024;

    /// A parser with the [default maximum event size](Parser::DEFAULT_MAX_EVENT_SIZE).
    pub fn new() -> Self {
        Self::with_max_event_size(Self::DEFAULT_MAX_EVENT_SIZE)
    }

    /// A parser that rejects events larger than `bytes`.
    ///
    /// The size of the event in progress is the length of its data buffer (each `data` value
    /// plus one byte for its line feed) and of its event type, both as decoded UTF-8, plus the
    /// raw bytes received so far of the `data`, `event`, `id` or `retry` line being read,
    /// without its line end. Comment lines and the lines of other fields do not count: the
    /// spec ignores them, so they are skipped without being buffered, whatever their length.
    /// A line is known to be another field's as soon as its first bytes cannot start one of
    /// those four names followed by `:` or the line end, so a field name of any length, with
    /// or without a colon after it, is skipped too (after at most 5 bytes buffered).
    ///
    /// When that size would exceed the limit, the event is discarded: the parser yields one
    /// [`ParseError::EventTooLarge`], then skips every byte up to the blank line that ends the
    /// event (fields after the point of overflow, `id` and `retry` included, are ignored) and
    /// parses normally after it. At that blank line the last event ID is updated from any `id`
    /// field seen before the overflow, as for an event whose data is empty, so a reconnecting
    /// client does not ask for the oversized event again.
    ///
    /// The parser thus buffers at most `bytes` (+ 2 bytes of an incomplete BOM) for the event in
    /// progress, however the input is chunked and even when the server never sends a line end;
    /// its buffers grow geometrically but never allocate past the limit either. The last event
    /// ID comes from a line within the limit (its UTF-8 decoding at most triples its size).
    /// Buffers keep their capacity for the next event.
    pub fn with_max_event_size(bytes: usize) -> Self {
        Parser {
            max_event_size: bytes,
            line: Vec::new(),
            mode: Mode::Line,
            pending_cr: false,
            bom_matched: Some(0),
            data: String::new(),
            event_type: String::new(),
            long_event_type: None,
            pending_id: None,
            last_event_id: SmolStr::default(),
            retry: None,
            queued: VecDeque::new(),
            queued_bytes: 0,
            comments: false,
        }
    }

    /// Keeps comment lines, to be yielded by [`feed_items`](Parser::feed_items) as
    /// [`Parsed::Comment`], in stream order with the events (servers send them as keep-alives).
    ///
    /// A comment's text is what follows its colon, less one leading space, decoded as UTF-8
    /// the way field values are. A comment line longer than the
    /// [maximum event size](Parser::with_max_event_size) is skipped and reported as
    /// [`ParseError::CommentTooLarge`]; the event in progress is not affected. A comment inside
    /// an event discarded for its size is skipped with the event.
    ///
    /// ```
    /// use wasm_sse::parser::{Parsed, Parser};
    ///
    /// let mut parser = Parser::new().with_comments();
    /// let items: Vec<_> = parser.feed(b": keep-alive\ndata: 1\n\n").collect();
    /// assert_eq!(items.len(), 1); // `feed` yields events only
    /// let items: Vec<_> = parser.feed_items(b":ping\ndata: 2\n\n").collect();
    /// assert!(matches!(&items[0], Ok(Parsed::Comment(text)) if text == "ping"));
    /// assert!(matches!(&items[1], Ok(Parsed::Event(event)) if event.data() == "2"));
    /// ```
    pub fn with_comments(mut self) -> Self {
        self.comments = true;
        self
    }

    /// The maximum event size, in bytes.
    pub fn max_event_size(&self) -> usize {
        self.max_event_size
    }

    /// Sets the initial last event ID, e.g. to resume from an ID stored earlier.
    ///
    /// An ID containing U+0000 NULL, CR or LF is ignored, since no stream could have sent it.
    pub fn with_last_event_id(mut self, id: impl Into<String>) -> Self {
        let id = id.into();
        if !id.contains(['\0', '\r', '\n']) {
            self.last_event_id = SmolStr::new(&id);
            self.pending_id = None;
        }
        self
    }

    /// Parses `chunk`, the next bytes of the stream; the returned [`Feed`] iterates over the
    /// events it completes.
    ///
    /// Parsing is lazy: the chunk is parsed as the iterator is advanced, so a consumer that
    /// stops early pays for nothing more. Dropping the iterator early loses nothing either,
    /// within a bound: the rest of the chunk is then parsed at once and its items are kept in
    /// the parser, to be yielded first by the next call to `feed` (`feed(&[])` yields just them).
    ///
    /// So that memory stays bounded when feeds are dropped unread again and again, the parser
    /// keeps at most 1,024 items, and at most 64 KiB of their data and event types (or the
    /// [maximum event size](Parser::with_max_event_size), when larger). The first item of a
    /// dropped feed that does not fit is discarded, with every later item of its chunk. The
    /// chunk is still parsed to its end, so the last event ID, the reconnection time and the
    /// event in progress are as if the items had been read.
    ///
    /// An `Err` item reports an event that was discarded for exceeding the
    /// [maximum event size](Parser::with_max_event_size); parsing goes on after it.
    pub fn feed<'a>(&'a mut self, chunk: &'a [u8]) -> Feed<'a> {
        Feed {
            items: self.feed_items(chunk),
        }
    }

    /// [`feed`](Parser::feed), yielding the comment lines too when the parser keeps them
    /// ([`with_comments`](Parser::with_comments)), in stream order with the events.
    pub fn feed_items<'a>(&'a mut self, chunk: &'a [u8]) -> Items<'a> {
        let mut pos = 0;
        if self.pending_cr && !chunk.is_empty() {
            self.pending_cr = false;
            if chunk[0] == b'\n' {
                pos = 1;
            }
        }
        if self.bom_matched.is_some() {
            pos += self.skip_bom(&chunk[pos..]);
        }
        Items {
            parser: self,
            chunk,
            pos,
        }
    }

    /// Ends the current connection's stream.
    ///
    /// An event the stream did not end with a blank line is discarded, with any incomplete
    /// line and any `id` field it had. The parser is then ready for the stream of a new
    /// connection: its buffers, line end and BOM detection start afresh, while the
    /// [last event ID](Parser::last_event_id) and the [reconnection time](Parser::retry)
    /// persist. Items that a dropped [`Feed`] left in the parser stay there: the next
    /// [`feed`](Parser::feed) yields them first.
    pub fn finish(&mut self) {
        self.line.clear();
        self.mode = Mode::Line;
        self.pending_cr = false;
        self.bom_matched = Some(0);
        self.data.clear();
        self.event_type.clear();
        self.pending_id = None;
    }

    /// The reconnection time from the latest valid `retry` field, on any connection.
    ///
    /// A `retry` value is valid when it is one or more ASCII digits. Values too large for a
    /// `u64` of milliseconds (over about 584 million years) saturate to `u64::MAX` ms rather than
    /// being ignored: the server asked for a longer delay than any that can be represented.
    /// Capping it to something reasonable is the retry policy's job, not the parser's.
    pub fn retry(&self) -> Option<Duration> {
        self.retry
    }

    /// The last event ID string: the value of the latest `id` field whose event has ended.
    ///
    /// An `id` field takes effect at the blank line that ends its event, even when the event
    /// has no data and so is not dispatched. The ID persists across events and connections;
    /// send it as `Last-Event-ID` when reconnecting (unless it is empty).
    pub fn last_event_id(&self) -> &str {
        self.last_event_id.as_str()
    }

    /// The bytes buffered for the event in progress, as the size limit counts them: a line
    /// whose field name is not yet decided (at most 5 bytes) is not counted until it is.
    #[doc(hidden)]
    pub fn buffered_len(&self) -> usize {
        let line = match classify_name(&self.line, &[]) {
            Name::Undecided => 0,
            Name::Known | Name::Unknown => self.line.len(),
        };
        line + self.data.len() + self.event_type.len()
    }

    /// The capacity allocated for the buffers that [`buffered_len`](Parser::buffered_len) counts.
    #[doc(hidden)]
    pub fn buffered_capacity(&self) -> usize {
        self.line.capacity() + self.data.capacity() + self.event_type.capacity()
    }

    /// Consumes the BOM bytes at the start of `chunk`; returns where the stream's content starts.
    fn skip_bom(&mut self, chunk: &[u8]) -> usize {
        let Some(mut matched) = self.bom_matched else {
            return 0;
        };
        let mut pos = 0;
        while matched < BOM.len() && pos < chunk.len() && chunk[pos] == BOM[matched] {
            matched += 1;
            pos += 1;
        }
        if matched == BOM.len() {
            self.bom_matched = None;
        } else if pos == chunk.len() {
            self.bom_matched = Some(matched);
        } else {
            // Not a BOM after all: the bytes matched so far start the first line.
            self.bom_matched = None;
            self.line.extend_from_slice(&BOM[..matched]);
        }
        pos
    }

    /// Parses `chunk` from `*pos` up to the next event or error, advancing `*pos`.
    /// Returns `None` once the whole chunk is consumed.
    fn parse(&mut self, chunk: &[u8], pos: &mut usize) -> Option<Result<Parsed, ParseError>> {
        loop {
            let rest = &chunk[*pos..];
            if rest.is_empty() {
                return None;
            }
            // An event's blank line comes right after a line end: skip the search for it.
            let found = if matches!(rest[0], b'\n' | b'\r') {
                Some(0)
            } else {
                memchr2(b'\n', b'\r', rest)
            };
            let Some(len) = found else {
                *pos = chunk.len();
                return self.buffer_tail(rest).map(Err);
            };
            let line = &rest[..len];
            *pos = self.skip_line_end(chunk, *pos + len);
            match self.mode {
                Mode::Line => {
                    let item = if self.line.is_empty() {
                        self.interpret_line(line)
                    } else {
                        self.interpret_buffered_line(line)
                    };
                    if item.is_some() {
                        return item;
                    }
                }
                Mode::SkipLine => self.mode = Mode::Line,
                Mode::Comment => {
                    self.mode = Mode::Line;
                    return Some(self.buffered_comment(line));
                }
                Mode::Discard { line_start } => {
                    if line_start && line.is_empty() {
                        // The blank line that ends the discarded event.
                        self.mode = Mode::Line;
                        self.commit_id();
                    } else {
                        self.mode = Mode::Discard { line_start: true };
                    }
                }
            }
        }
    }

    /// Steps over the line end at `chunk[at]`; returns the position after it.
    fn skip_line_end(&mut self, chunk: &[u8], at: usize) -> usize {
        if chunk[at] == b'\r' {
            match chunk.get(at + 1) {
                Some(b'\n') => at + 2,
                Some(_) => at + 1,
                None => {
                    self.pending_cr = true;
                    at + 1
                }
            }
        } else {
            at + 1
        }
    }

    /// Keeps `tail`, the start of a line the chunk does not end.
    fn buffer_tail(&mut self, tail: &[u8]) -> Option<ParseError> {
        match self.mode {
            Mode::Line if self.line.is_empty() && tail[0] == b':' && self.comments => {
                self.mode = Mode::Comment;
                return self.buffer_comment_tail(&tail[1..]);
            }
            Mode::Line if self.line.is_empty() && tail[0] == b':' => self.mode = Mode::SkipLine,
            Mode::Line => match classify_name(&self.line, tail) {
                Name::Unknown => {
                    self.line.clear();
                    self.mode = Mode::SkipLine;
                }
                // At most 5 bytes, held uncounted until the name is decided.
                Name::Undecided => self.line.extend_from_slice(tail),
                Name::Known => return self.buffer_known_tail(tail),
            },
            Mode::SkipLine => {}
            Mode::Comment => return self.buffer_comment_tail(tail),
            Mode::Discard { .. } => self.mode = Mode::Discard { line_start: false },
        }
        None
    }

    /// Keeps more of a comment's text, within the limit.
    fn buffer_comment_tail(&mut self, tail: &[u8]) -> Option<ParseError> {
        if self.line.len() + tail.len() > self.max_event_size {
            self.line.clear();
            self.mode = Mode::SkipLine;
            return Some(self.comment_too_large());
        }
        let extra = self.growth(self.line.len(), self.line.capacity(), tail.len());
        self.line.reserve_exact(extra);
        self.line.extend_from_slice(tail);
        None
    }

    /// The comment made of the buffered text and `end`, the rest of its line.
    fn buffered_comment(&mut self, end: &[u8]) -> Result<Parsed, ParseError> {
        if self.line.len() + end.len() > self.max_event_size {
            self.line.clear();
            return Err(self.comment_too_large());
        }
        self.line.extend_from_slice(end);
        let comment = Parsed::comment(&self.line);
        self.line.clear();
        Ok(comment)
    }

    fn comment_too_large(&self) -> ParseError {
        ParseError::CommentTooLarge {
            limit: self.max_event_size,
        }
    }

    /// Keeps `tail`, the start of (or more of) a known field's line, within the limit.
    fn buffer_known_tail(&mut self, tail: &[u8]) -> Option<ParseError> {
        if self.exceeds_limit(self.line.len() + tail.len()) {
            self.line.clear();
            return Some(self.discard_event(false));
        }
        let extra = self.growth(self.line.len(), self.line.capacity(), tail.len());
        self.line.reserve_exact(extra);
        self.line.extend_from_slice(tail);
        None
    }

    /// Interprets the line made of the buffered bytes and `end`.
    fn interpret_buffered_line(&mut self, end: &[u8]) -> Option<Result<Parsed, ParseError>> {
        // A buffered line is neither empty nor a comment. An unknown field's is not limited;
        // an undecided name is at most 5 bytes and `interpret_line` decides it.
        let name = classify_name(&self.line, end);
        if name == Name::Unknown {
            self.line.clear();
            return None;
        }
        // Check the size of a known field's line before growing it.
        if name == Name::Known && self.exceeds_limit(self.line.len() + end.len()) {
            self.line.clear();
            return Some(Err(self.discard_event(true)));
        }
        let mut line = mem::take(&mut self.line);
        line.reserve_exact(self.growth(line.len(), line.capacity(), end.len()));
        line.extend_from_slice(end);
        let item = self.interpret_line(&line);
        line.clear();
        self.line = line;
        item
    }

    /// Interprets one complete line (without its line end).
    fn interpret_line(&mut self, line: &[u8]) -> Option<Result<Parsed, ParseError>> {
        let Some(&first) = line.first() else {
            return self.dispatch().map(|event| Ok(Parsed::Event(event)));
        };
        if first == b':' {
            if !self.comments {
                return None;
            }
            if line.len() - 1 > self.max_event_size {
                return Some(Err(self.comment_too_large()));
            }
            return Some(Ok(Parsed::comment(&line[1..])));
        }
        let (field, rest) = match first {
            b'd' if line.starts_with(b"data") => (Field::Data, &line[4..]),
            b'i' if line.starts_with(b"id") => (Field::Id, &line[2..]),
            b'e' if line.starts_with(b"event") => (Field::Event, &line[5..]),
            b'r' if line.starts_with(b"retry") => (Field::Retry, &line[5..]),
            _ => return None, // an unknown field: ignored
        };
        let value = match rest.split_first() {
            None => rest,
            Some((b':', value)) => value.strip_prefix(b" ").unwrap_or(value),
            Some(_) => return None, // a longer, unknown name such as `data_5`
        };
        if self.exceeds_limit(line.len()) {
            return Some(Err(self.discard_event(true)));
        }
        match field {
            Field::Data => match std::str::from_utf8(value) {
                Ok(value) => self.push_data(value),
                Err(_) => self.push_data(&String::from_utf8_lossy(value)),
            },
            Field::Event => {
                let value = decode(value);
                if self.data.len() + value.len() > self.max_event_size {
                    return Some(Err(self.discard_event(true)));
                }
                self.event_type.clear();
                let extra = self.growth(0, self.event_type.capacity(), value.len());
                self.event_type.reserve_exact(extra);
                self.event_type.push_str(&value);
                None
            }
            Field::Id => {
                if !value.contains(&0) {
                    self.set_id(&decode(value));
                }
                None
            }
            Field::Retry => {
                if !value.is_empty() && value.iter().all(u8::is_ascii_digit) {
                    let millis = value.iter().fold(0u64, |n, digit| {
                        n.saturating_mul(10).saturating_add(u64::from(digit - b'0'))
                    });
                    self.retry = Some(Duration::from_millis(millis));
                }
                None
            }
        }
    }

    /// Appends a `data` value and a line feed to the data buffer.
    fn push_data(&mut self, value: &str) -> Option<Result<Parsed, ParseError>> {
        if self.exceeds_limit(value.len() + 1) {
            return Some(Err(self.discard_event(true)));
        }
        let extra = self.growth(self.data.len(), self.data.capacity(), value.len() + 1);
        self.data.reserve_exact(extra);
        self.data.push_str(value);
        self.data.push('\n');
        None
    }

    /// What to `reserve_exact` for `additional` more bytes in a buffer the limit bounds:
    /// geometric growth, as `Vec` does, but capped at the limit, so that the allocation respects
    /// the limit too. A one-line event's data gets exactly one allocation of the right size.
    fn growth(&self, len: usize, capacity: usize, additional: usize) -> usize {
        let needed = len + additional;
        if needed <= capacity {
            return 0;
        }
        capacity
            .saturating_mul(2)
            .min(self.max_event_size)
            .max(needed)
            - len
    }

    /// Whether adding `more` bytes to the event in progress would take it past the limit.
    fn exceeds_limit(&self, more: usize) -> bool {
        self.data.len() + self.event_type.len() + more > self.max_event_size
    }

    /// Drops the event in progress and skips the rest of it.
    fn discard_event(&mut self, line_start: bool) -> ParseError {
        self.data.clear();
        self.event_type.clear();
        self.mode = Mode::Discard { line_start };
        ParseError::EventTooLarge {
            limit: self.max_event_size,
        }
    }

    /// Sets the last event ID buffer.
    fn set_id(&mut self, id: &str) {
        let buffer = self.pending_id.as_ref().unwrap_or(&self.last_event_id);
        // A long ID is shared, not copied: keep the one there is if it did not change.
        if id.len() <= SmolStr::INLINE_CAP || buffer.as_str() != id {
            self.pending_id = Some(SmolStr::new(id));
        }
    }

    /// Sets the last event ID string from the last event ID buffer.
    fn commit_id(&mut self) {
        if let Some(id) = self.pending_id.take() {
            self.last_event_id = id;
        }
    }

    /// The spec's "dispatch the event", at a blank line.
    fn dispatch(&mut self) -> Option<ParsedEvent> {
        self.commit_id();
        if self.data.is_empty() {
            self.event_type.clear();
            return None;
        }
        self.data.pop(); // the line feed after the last value
        let event_type = self.take_event_type();
        Some(ParsedEvent {
            event_type,
            data: mem::take(&mut self.data),
            last_event_id: self.last_event_id.clone(),
        })
    }

    /// The event type to dispatch; empties the event type buffer.
    fn take_event_type(&mut self) -> SmolStr {
        let event_type = match self.event_type.as_str() {
            "" => SmolStr::new_static("message"),
            short if short.len() <= SmolStr::INLINE_CAP => SmolStr::new(short),
            long => match &self.long_event_type {
                Some(shared) if shared == long => shared.clone(),
                _ => {
                    let shared = SmolStr::new(long);
                    self.long_event_type = Some(shared.clone());
                    shared
                }
            },
        };
        self.event_type.clear();
        event_type
    }
}

impl Default for Parser {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Parser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Parser")
            .field("max_event_size", &self.max_event_size)
            .field("buffered_len", &self.buffered_len())
            .field("last_event_id", &self.last_event_id.as_str())
            .field("retry", &self.retry)
            .field("queued", &self.queued.len())
            .finish_non_exhaustive()
    }
}
