//! What the parser yields: [`Parsed`] items, [`ParsedEvent`]s and [`ParseError`]s.

use smol_str::SmolStr;

use super::decode;

/// One item of [`Parser::feed_items`](super::Parser::feed_items): an event, or a comment line when the parser keeps them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// An event the stream dispatched.
    Event(ParsedEvent),
    /// A comment line's text: what follows its `:`, less one leading space.
    Comment(String),
}

impl Parsed {
    /// The comment whose bytes after the colon are `text`.
    pub(super) fn comment(text: &[u8]) -> Self {
        let text = text.strip_prefix(b" ").unwrap_or(text);
        Parsed::Comment(decode(text).into_owned())
    }
}

/// An event the stream dispatched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedEvent {
    pub(super) event_type: SmolStr,
    pub(super) data: String,
    pub(super) last_event_id: SmolStr,
}

impl ParsedEvent {
    /// The event type: the last `event` field's value, or `"message"` when there was none
    /// or it was empty.
    pub fn event_type(&self) -> &str {
        self.event_type.as_str()
    }

    /// The data: the `data` fields' values joined with `\n`.
    pub fn data(&self) -> &str {
        &self.data
    }

    /// The last event ID string when the event was dispatched. It persists from earlier
    /// events, so it is not empty just because this event had no `id` field.
    pub fn last_event_id(&self) -> &str {
        self.last_event_id.as_str()
    }

    /// The data, without copying it.
    pub fn into_data(self) -> String {
        self.data
    }

    /// The event type, data and last event ID, in that order.
    pub fn into_parts(self) -> (String, String, String) {
        (self.event_type.into(), self.data, self.last_event_id.into())
    }

    /// [`into_parts`](Self::into_parts) without copying the type and ID: short ones are held
    /// inline and long ones shared, so they cost no allocation per event.
    ///
    /// ```
    /// use wasm_sse::parser::Parser;
    ///
    /// let mut parser = Parser::new();
    /// let event = parser.feed(b"event: tick\nid: 7\ndata: 1\n\n").next().unwrap().unwrap();
    /// let (event_type, data, id) = event.into_shared_parts();
    /// assert_eq!((event_type.as_str(), data.as_str(), id.as_str()), ("tick", "1", "7"));
    /// ```
    pub fn into_shared_parts(self) -> (SmolStr, String, SmolStr) {
        (self.event_type, self.data, self.last_event_id)
    }
}

/// Why the parser rejected part of a stream. Parsing goes on after any of them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// An event exceeded the [maximum event size](super::Parser::with_max_event_size) and was
    /// discarded, up to the blank line that ends it.
    #[error("event larger than the limit of {limit} bytes was discarded")]
    EventTooLarge {
        /// The maximum event size, in bytes.
        limit: usize,
    },
    /// A comment line exceeded the [maximum event size](super::Parser::with_max_event_size) and was
    /// skipped; only a parser that [keeps comments](super::Parser::with_comments) reports it.
    #[error("comment line larger than the limit of {limit} bytes was skipped")]
    CommentTooLarge {
        /// The maximum event size, in bytes.
        limit: usize,
    },
}
