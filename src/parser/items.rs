//! [`Feed`] and [`Items`]: the lazy iterators over what one chunk holds.

use std::fmt;

use super::{ParseError, Parsed, ParsedEvent, Parser, KEPT_BYTES, KEPT_ITEMS};

/// The events of one chunk, returned by [`Parser::feed`](super::Parser::feed).
///
/// Parses lazily as it is advanced; dropping it before the end parses the rest of the chunk
/// and keeps its items in the parser for the next [`feed`](super::Parser::feed), within the bound
/// that `feed` describes: past it, the rest of the chunk's items are discarded.
#[must_use = "a chunk's events are kept in the parser, up to a bound, until the next `feed` if not iterated"]
pub struct Feed<'a> {
    pub(super) items: Items<'a>,
}

impl Iterator for Feed<'_> {
    type Item = Result<ParsedEvent, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.items.next()? {
                Ok(Parsed::Event(event)) => return Some(Ok(event)),
                Ok(Parsed::Comment(_)) => {}
                Err(err) => return Some(Err(err)),
            }
        }
    }
}

impl std::iter::FusedIterator for Feed<'_> {}

impl fmt::Debug for Feed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.items.fmt(f)
    }
}

/// The events and comments of one chunk, returned by [`Parser::feed_items`](super::Parser::feed_items); dropped early,
/// it keeps the rest of the chunk's items as a [`Feed`] does.
#[must_use = "a chunk's items are kept in the parser, up to a bound, until the next `feed` if not iterated"]
pub struct Items<'a> {
    pub(super) parser: &'a mut Parser,
    pub(super) chunk: &'a [u8],
    pub(super) pos: usize,
}

impl Iterator for Items<'_> {
    type Item = Result<Parsed, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(item) = self.parser.queued.pop_front() {
            self.parser.queued_bytes -= kept_bytes(&item);
            return Some(item);
        }
        self.parser.parse(self.chunk, &mut self.pos)
    }
}

impl std::iter::FusedIterator for Items<'_> {}

impl Drop for Items<'_> {
    fn drop(&mut self) {
        let parser = &mut *self.parser;
        let byte_limit = parser.max_event_size.max(KEPT_BYTES);
        let mut fits = true;
        while let Some(item) = parser.parse(self.chunk, &mut self.pos) {
            let bytes = kept_bytes(&item);
            fits = fits
                && parser.queued.len() < KEPT_ITEMS
                && parser.queued_bytes + bytes <= byte_limit;
            if fits {
                parser.queued_bytes += bytes;
                parser.queued.push_back(item);
            }
        }
    }
}

/// What an item kept in the parser counts towards the bound on kept bytes.
fn kept_bytes(item: &Result<Parsed, ParseError>) -> usize {
    match item {
        Ok(Parsed::Event(event)) => event.data.len() + event.event_type.len(),
        Ok(Parsed::Comment(text)) => text.len(),
        Err(_) => 0,
    }
}

impl fmt::Debug for Items<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Feed")
            .field("parser", &self.parser)
            .field("unparsed", &(self.chunk.len() - self.pos))
            .finish()
    }
}
