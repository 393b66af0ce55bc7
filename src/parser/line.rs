//! What the bytes of a line tell: the field name it starts with, and its text.

use std::borrow::Cow;

/// The names of the fields the spec interprets.
const FIELD_NAMES: [&[u8]; 4] = [b"data", b"event", b"id", b"retry"];

/// What the first bytes of a line that is not a comment tell of its field name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Name {
    /// `data`, `event`, `id` or `retry`, followed by `:`.
    Known,
    /// Any other name: the line is ignored.
    Unknown,
    /// At most 5 bytes without a colon that start one of the known names: the line end or
    /// the next byte decides.
    Undecided,
}

/// Classifies the line starting with `start` then `more` (its first bytes, or all of it) by
/// its first 6 bytes, which tell since the longest known name has 5.
pub(super) fn classify_name(start: &[u8], more: &[u8]) -> Name {
    let mut head = [0; 6];
    let from_start = start.len().min(head.len());
    head[..from_start].copy_from_slice(&start[..from_start]);
    let from_more = more.len().min(head.len() - from_start);
    head[from_start..from_start + from_more].copy_from_slice(&more[..from_more]);
    let head = &head[..from_start + from_more];
    match head.iter().position(|&byte| byte == b':') {
        Some(colon) if FIELD_NAMES.contains(&&head[..colon]) => Name::Known,
        None if head.len() < 6 && FIELD_NAMES.iter().any(|name| name.starts_with(head)) => {
            Name::Undecided
        }
        _ => Name::Unknown,
    }
}

/// Decodes UTF-8, replacing invalid sequences with U+FFFD; borrows when the bytes are valid.
pub(super) fn decode(bytes: &[u8]) -> Cow<'_, str> {
    // `from_utf8` validates faster than `from_utf8_lossy` does on the (usual) valid input.
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}
