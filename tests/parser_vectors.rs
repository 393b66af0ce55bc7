#![cfg(not(target_arch = "wasm32"))]
//! Conformance vectors for `wasm_sse::parser`, as data.
//!
//! Sources: every web-platform-tests `eventsource/format-*` test (and `event-data`,
//! `eventsource-from-readable-stream`), the examples of WHATWG HTML §9.2.1 and §9.2.6, and the
//! edge cases a careful reader of §9.2.5–9.2.6 finds. Each vector is fed whole, one byte at a
//! time, in fixed-size chunks, split in two at every position, and with each `Feed` dropped
//! after its first item; every way must give the same events, retry and last event ID.
//!
//! The WPT tests serve their stream from `eventsource/resources/message.py`, which answers
//! `message + "\n\n\n"`, or `message + "\n"` with `newline=none`; the bodies below include that
//! suffix. `format-mime-bogus` and `format-mime-valid-bogus` test the Content-Type check of the
//! transport (the stream is never parsed), so they have no vector here.

use std::time::Duration;

use wasm_sse::parser::{ParseError, Parsed, Parser};

type Item = Result<(String, String, String), ParseError>;

/// One conformance case.
struct Vector {
    name: &'static str,
    /// The response body of each connection, in order; the parser is finished after each.
    connections: Vec<Vec<u8>>,
    /// The dispatched events: (type, data, last event ID).
    events: Vec<(&'static str, &'static str, &'static str)>,
    /// The reconnection time in milliseconds after the last connection.
    retry: Option<u64>,
    /// The last event ID after the last connection.
    last_event_id: &'static str,
}

fn vector(
    name: &'static str,
    connections: &[&[u8]],
    events: &[(&'static str, &'static str, &'static str)],
    retry: Option<u64>,
    last_event_id: &'static str,
) -> Vector {
    Vector {
        name,
        connections: connections.iter().map(|body| body.to_vec()).collect(),
        events: events.to_vec(),
        retry,
        last_event_id,
    }
}

/// `…` (U+2026), the id `eventsource/resources/last-event-id.py` sends by default.
const ELLIPSIS: &str = "\u{2026}";

fn wpt_vectors() -> Vec<Vector> {
    let x2048 = "x".repeat(2048);
    let comments =
        format!("data:1\r:\0\n:\r\ndata:2\n:{x2048}\rdata:3\n:data:fail\r:{x2048}\ndata:4\n\n");
    let last_event_id_py = |id: &[u8]| [b"id: ", id, b"\nretry: 200\ndata: hello\n\n"].concat();
    let id_null = |name, id: &[u8]| Vector {
        name,
        connections: vec![last_event_id_py(id), last_event_id_py(id)],
        events: vec![("message", "hello", ""), ("message", "hello", "")],
        retry: Some(200),
        last_event_id: "",
    };
    vec![
        vector(
            "format-bom.any.js",
            &[b"\xEF\xBB\xBFdata:1\n\n\xEF\xBB\xBFdata:2\n\ndata:3\n\n\n"],
            &[("message", "1", ""), ("message", "3", "")],
            None,
            "",
        ),
        vector(
            "format-bom-2.any.js",
            &[b"\xEF\xBB\xBF\xEF\xBB\xBFdata:1\n\ndata:2\n\ndata:3\n\n\n"],
            &[("message", "2", ""), ("message", "3", "")],
            None,
            "",
        ),
        Vector {
            name: "format-comments.any.js",
            connections: vec![comments.into_bytes()],
            events: vec![("message", "1\n2\n3\n4", "")],
            retry: None,
            last_event_id: "",
        },
        vector(
            // The stream ends without its final blank line: the pending id and data are
            // discarded, and the reconnection gets the same body (no Last-Event-ID).
            "format-data-before-final-empty-line.any.js",
            &[
                b"retry:1000\ndata:test1\n\nid:test\ndata:test2\n",
                b"retry:1000\ndata:test1\n\nid:test\ndata:test2\n",
            ],
            &[("message", "test1", ""), ("message", "test1", "")],
            Some(1000),
            "",
        ),
        vector(
            "format-field-data.any.js",
            &[b"data:\n\ndata\ndata\n\ndata:test\n\n\n"],
            &[
                ("message", "", ""),
                ("message", "\n", ""),
                ("message", "test", ""),
            ],
            None,
            "",
        ),
        vector(
            "format-field-event.any.js",
            &[b"event:test\ndata:x\n\ndata:x\n\n\n"],
            &[("test", "x", ""), ("message", "x", "")],
            None,
            "",
        ),
        vector(
            "format-field-event-empty.any.js",
            &[b"event: \ndata:data\n\n\n"],
            &[("message", "data", "")],
            None,
            "",
        ),
        Vector {
            // last-event-id.py answers a request carrying Last-Event-ID with `data: <it>`.
            name: "format-field-id.any.js",
            connections: vec![
                last_event_id_py(ELLIPSIS.as_bytes()),
                format!("data: {ELLIPSIS}\n\n").into_bytes(),
            ],
            events: vec![
                ("message", "hello", ELLIPSIS),
                ("message", ELLIPSIS, ELLIPSIS),
            ],
            retry: Some(200),
            last_event_id: ELLIPSIS,
        },
        Vector {
            name: "format-field-id-2.any.js",
            connections: vec![
                last_event_id_py(ELLIPSIS.as_bytes()),
                format!("data: {ELLIPSIS}\n\n").into_bytes(),
                format!("data: {ELLIPSIS}\n\n").into_bytes(),
            ],
            events: vec![
                ("message", "hello", ELLIPSIS),
                ("message", ELLIPSIS, ELLIPSIS),
                ("message", ELLIPSIS, ELLIPSIS),
            ],
            retry: Some(200),
            last_event_id: ELLIPSIS,
        },
        vector(
            "format-field-id-3.window.js: lastEventId persists",
            &[b"id: 1\ndata: 1\n\ndata: 2\n\nid: 2\ndata:3\n\ndata:4\n\n"],
            &[
                ("message", "1", "1"),
                ("message", "2", "1"),
                ("message", "3", "2"),
                ("message", "4", "2"),
            ],
            None,
            "2",
        ),
        vector(
            "format-field-id-3.window.js: lastEventId resets",
            &[b"id: 1\ndata: 1\n\nid:\ndata:2\n\ndata:3\n\n"],
            &[
                ("message", "1", "1"),
                ("message", "2", ""),
                ("message", "3", ""),
            ],
            None,
            "",
        ),
        vector(
            "format-field-id-3.window.js: lastEventId resets (id without colon)",
            &[b"id: 1\ndata: 1\n\nid\ndata:2\n\ndata:3\n\n"],
            &[
                ("message", "1", "1"),
                ("message", "2", ""),
                ("message", "3", ""),
            ],
            None,
            "",
        ),
        id_null("format-field-id-null.window.js: %00%00", b"\0\0"),
        id_null("format-field-id-null.window.js: x%00", b"x\0"),
        id_null("format-field-id-null.window.js: %00x", b"\0x"),
        id_null("format-field-id-null.window.js: x%00x", b"x\0x"),
        id_null("format-field-id-null.window.js: %20%00", b" \0"),
        vector(
            "format-field-parsing.any.js",
            &[b"data:\0\ndata:  2\rData:1\ndata\0:2\ndata:1\r\0data:4\nda-ta:3\rdata_5\ndata:3\rdata:\r\n data:32\ndata:4\n\n"],
            &[("message", "\0\n 2\n1\n3\n\n4", "")],
            None,
            "",
        ),
        vector(
            "format-field-retry.any.js",
            &[b"retry:03000\ndata:x\n\n\n"],
            &[("message", "x", "")],
            Some(3000),
            "",
        ),
        vector(
            "format-field-retry-bogus.any.js",
            &[b"retry:3000\nretry:1000x\ndata:x\n\n\n"],
            &[("message", "x", "")],
            Some(3000),
            "",
        ),
        vector(
            "format-field-retry-empty.any.js",
            &[b"retry\ndata:test\n\n\n"],
            &[("message", "test", "")],
            None,
            "",
        ),
        vector(
            "format-field-unknown.any.js",
            &[b"data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test\n\n\n"],
            &[("message", "test\n\ntest", "")],
            None,
            "",
        ),
        vector(
            "format-leading-space.any.js",
            &[b"data:\ttest\rdata: \ndata:test\n\n\n"],
            &[("message", "\ttest\n\ntest", "")],
            None,
            "",
        ),
        vector(
            // The MIME check is the transport's; message.py's default body parses as usual.
            "format-mime-trailing-semicolon.any.js",
            &[b"data: data\n\n\n"],
            &[("message", "data", "")],
            None,
            "",
        ),
        vector(
            "format-newlines.any.js",
            &[b"data:test\r\ndata\ndata:test\r\n\r\n"],
            &[("message", "test\n\ntest", "")],
            None,
            "",
        ),
        vector(
            "format-null-character.any.js",
            &[b"data:\0\n\n\n\n\n"],
            &[("message", "\0", "")],
            None,
            "",
        ),
        vector(
            // Served as `text/event-stream;charset=windows-1252`: streams are always UTF-8.
            "format-utf-8.any.js",
            &[b"data:ok\xE2\x80\xA6\n\n\n"],
            &[("message", "ok\u{2026}", "")],
            None,
            "",
        ),
        vector(
            // One round of message2.py's loop.
            "event-data.any.js",
            &[b"data:msg\ndata: msg\n\n:\nfalsefield:msg\n\nfalsefield:msg\nData:data\n\ndata\n\ndata:end\n\n"],
            &[
                ("message", "msg\nmsg", ""),
                ("message", "", ""),
                ("message", "end", ""),
            ],
            None,
            "",
        ),
    ]
}

fn from_readable_stream_vectors() -> Vec<Vector> {
    vec![
        vector(
            "eventsource-from-readable-stream.any.js: handles multi-line data fields",
            &[b"data: hello\ndata: world\n\n"],
            &[("message", "hello\nworld", "")],
            None,
            "",
        ),
        vector(
            "eventsource-from-readable-stream.any.js: receives multiple message events",
            &[b"data: first\n\ndata: second\n\n"],
            &[("message", "first", ""), ("message", "second", "")],
            None,
            "",
        ),
        vector(
            "eventsource-from-readable-stream.any.js: handles custom event types",
            &[b"event: custom\ndata: hello\n\n"],
            &[("custom", "hello", "")],
            None,
            "",
        ),
        vector(
            "eventsource-from-readable-stream.any.js: ignores comments",
            &[b": this is a comment\ndata: hello\n\n"],
            &[("message", "hello", "")],
            None,
            "",
        ),
        vector(
            "eventsource-from-readable-stream.any.js: id field updates lastEventId",
            &[b"id: 42\ndata: hello\n\n"],
            &[("message", "hello", "42")],
            None,
            "42",
        ),
        vector(
            "eventsource-from-readable-stream.any.js: retry field updates reconnectionTime",
            &[b"retry: 5000\ndata: hello\n\n"],
            &[("message", "hello", "")],
            Some(5000),
            "",
        ),
        vector(
            "eventsource-from-readable-stream.any.js: retry field with non-digit value is ignored",
            &[b"retry: bogus\ndata: hello\n\n"],
            &[("message", "hello", "")],
            None,
            "",
        ),
        vector(
            "eventsource-from-readable-stream.any.js: handles CR, LF, and CRLF line endings",
            &[b"data: cr\r\rdata: lf\n\ndata: crlf\r\n\r\n"],
            &[
                ("message", "cr", ""),
                ("message", "lf", ""),
                ("message", "crlf", ""),
            ],
            None,
            "",
        ),
        vector(
            "eventsource-from-readable-stream.any.js: strips leading UTF-8 BOM",
            &[b"\xEF\xBB\xBFdata: hello\n\n"],
            &[("message", "hello", "")],
            None,
            "",
        ),
        vector(
            "eventsource-from-readable-stream.any.js: lastEventId persists across reconnections",
            &[b"id: 42\ndata: first\n\n", b"data: after-reconnect\n\n"],
            &[("message", "first", "42"), ("message", "after-reconnect", "42")],
            None,
            "42",
        ),
        vector(
            "eventsource-from-readable-stream.any.js: reconnectionTime persists across reconnections",
            &[b"retry: 3000\ndata: first\n\n", b"data: after-reconnect\n\n"],
            &[("message", "first", ""), ("message", "after-reconnect", "")],
            Some(3000),
            "",
        ),
    ]
}

fn spec_vectors() -> Vec<Vector> {
    vec![
        vector(
            "html §9.2.1: three messages",
            &[b"data: This is the first message.\n\ndata: This is the second message, it\ndata: has two lines.\n\ndata: This is the third message.\n\n"],
            &[
                ("message", "This is the first message.", ""),
                ("message", "This is the second message, it\nhas two lines.", ""),
                ("message", "This is the third message.", ""),
            ],
            None,
            "",
        ),
        vector(
            "html §9.2.1: named events",
            &[b"event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\n"],
            &[
                ("add", "73857293", ""),
                ("remove", "2153", ""),
                ("add", "113411", ""),
            ],
            None,
            "",
        ),
        vector(
            "html §9.2.6: YHOO +2 10",
            &[b"data: YHOO\ndata: +2\ndata: 10\n\n"],
            &[("message", "YHOO\n+2\n10", "")],
            None,
            "",
        ),
        vector(
            "html §9.2.6: four blocks",
            &[b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n"],
            &[
                ("message", "first event", "1"),
                ("message", "second event", ""),
                ("message", " third event", ""),
            ],
            None,
            "",
        ),
        vector(
            "html §9.2.6: two events, last block discarded",
            &[b"data\n\ndata\ndata\n\ndata:"],
            &[("message", "", ""), ("message", "\n", "")],
            None,
            "",
        ),
        vector(
            "html §9.2.6: two identical events",
            &[b"data:test\n\ndata: test\n\n"],
            &[("message", "test", ""), ("message", "test", "")],
            None,
            "",
        ),
    ]
}

fn edge_vectors() -> Vec<Vector> {
    vec![
        vector(
            "CR, LF and CRLF each end one line",
            &[b"data: a\r\n\r\ndata: b\r\rdata: c\n\ndata: d\n\r\n"],
            &[
                ("message", "a", ""),
                ("message", "b", ""),
                ("message", "c", ""),
                ("message", "d", ""),
            ],
            None,
            "",
        ),
        vector(
            "LF CR is two line ends",
            &[b"data: a\n\rdata: b\n\n"],
            &[("message", "a", ""), ("message", "b", "")],
            None,
            "",
        ),
        vector(
            "a CR dispatches without waiting for an LF",
            &[b"data: a\r\r"],
            &[("message", "a", "")],
            None,
            "",
        ),
        vector(
            "the BOM is stripped once",
            &[b"\xEF\xBB\xBFdata: a\n\n"],
            &[("message", "a", "")],
            None,
            "",
        ),
        vector(
            "a second BOM is kept as U+FEFF in data",
            &[b"\xEF\xBB\xBFdata: \xEF\xBB\xBFx\n\n"],
            &[("message", "\u{FEFF}x", "")],
            None,
            "",
        ),
        vector(
            "an incomplete BOM is content, decoded as U+FFFD",
            &[b"\xEF\xBBdata: x\n\n\xEFdata: y\n\ndata: z\n\n"],
            &[("message", "z", "")],
            None,
            "",
        ),
        vector(
            "an incomplete BOM followed by a line end",
            &[b"\xEF\xBB\ndata: x\n\n"],
            &[("message", "x", "")],
            None,
            "",
        ),
        vector(
            "only a BOM",
            &[b"\xEF\xBB\xBF"],
            &[],
            None,
            "",
        ),
        vector(
            "the BOM is stripped again at the start of the next connection",
            &[b"\xEF\xBB\xBFdata: a\n\n", b"\xEF\xBB\xBFdata: b\n\n"],
            &[("message", "a", ""), ("message", "b", "")],
            None,
            "",
        ),
        vector(
            "an id containing NUL is ignored",
            &[b"id: 1\ndata: a\n\nid: 2\0\ndata: b\n\n"],
            &[("message", "a", "1"), ("message", "b", "1")],
            None,
            "1",
        ),
        vector(
            "an id is committed by a blank line even without data",
            &[b"id: 5\n\ndata: x\n\n"],
            &[("message", "x", "5")],
            None,
            "5",
        ),
        vector(
            "the last id field of an event wins",
            &[b"id: 1\nid: 2\ndata: x\n\nid: 3\nid: 2\ndata: y\n\n"],
            &[("message", "x", "2"), ("message", "y", "2")],
            None,
            "2",
        ),
        vector(
            "retry values that are not all digits are ignored",
            &[b"retry: 1000\nretry: 12a\nretry: -1\nretry: 1.5\nretry:  100\nretry: +5\nretry: 1e3\ndata: x\n\n"],
            &[("message", "x", "")],
            Some(1000),
            "",
        ),
        vector(
            "an empty retry is ignored",
            &[b"retry: 500\nretry:\nretry: \nretry\ndata: x\n\n"],
            &[("message", "x", "")],
            Some(500),
            "",
        ),
        vector(
            "retry applies without a dispatch",
            &[b"retry: 42\n"],
            &[],
            Some(42),
            "",
        ),
        vector(
            "retry zero",
            &[b"retry: 0\n\n"],
            &[],
            Some(0),
            "",
        ),
        vector(
            "retry at u64::MAX",
            &[b"retry: 18446744073709551615\n\n"],
            &[],
            Some(u64::MAX),
            "",
        ),
        vector(
            "retry overflowing u64 saturates",
            &[b"retry: 99999999999999999999999\n\n"],
            &[],
            Some(u64::MAX),
            "",
        ),
        vector(
            "retry just over u64::MAX saturates",
            &[b"retry: 18446744073709551616\n\n"],
            &[],
            Some(u64::MAX),
            "",
        ),
        vector(
            "invalid UTF-8 is replaced per maximal subpart",
            &[b"data: a\xFFb\xE2\x82c\xF0\x9F\x98\n\n"],
            &[("message", "a\u{FFFD}b\u{FFFD}c\u{FFFD}", "")],
            None,
            "",
        ),
        vector(
            "invalid UTF-8 in event type and id",
            &[b"event: \xC3\nid: \xC3(\ndata: x\n\n"],
            &[("\u{FFFD}", "x", "\u{FFFD}(")],
            None,
            "\u{FFFD}(",
        ),
        vector(
            "a field name with invalid UTF-8 is unknown",
            &[b"dat\xE1:x\ndata\xFF:y\ndata:z\n\n"],
            &[("message", "z", "")],
            None,
            "",
        ),
        vector(
            "multi-byte characters split anywhere decode whole",
            &[b"data: \xE2\x80\xA6\xF0\x9F\x98\x80\xC3\xA9\n\n"],
            &[("message", "\u{2026}\u{1F600}\u{E9}", "")],
            None,
            "",
        ),
        vector(
            "the event type resets after a dispatch",
            &[b"event: a\ndata: 1\n\ndata: 2\n\n"],
            &[("a", "1", ""), ("message", "2", "")],
            None,
            "",
        ),
        vector(
            "the event type resets when the data is empty",
            &[b"event: a\n\ndata: 2\n\n"],
            &[("message", "2", "")],
            None,
            "",
        ),
        vector(
            "the last event field wins",
            &[b"event: a\nevent: b\ndata: x\n\n"],
            &[("b", "x", "")],
            None,
            "",
        ),
        vector(
            "only one space after the colon is removed",
            &[b"data:  two\ndata:\tthree\n\n"],
            &[("message", " two\n\tthree", "")],
            None,
            "",
        ),
        vector(
            "a value may contain colons",
            &[b"data: a:b: c\n\n"],
            &[("message", "a:b: c", "")],
            None,
            "",
        ),
        vector(
            "field names are case-sensitive",
            &[b"DATA: a\nEvent: b\nID: c\nRetry: 1\ndata: x\n\n"],
            &[("message", "x", "")],
            None,
            "",
        ),
        vector(
            "a trailing empty data line adds a line feed",
            &[b"data: a\ndata\n\n"],
            &[("message", "a\n", "")],
            None,
            "",
        ),
        vector(
            "end of stream discards the unterminated event",
            &[b"data: a\n\ndata: b\n"],
            &[("message", "a", "")],
            None,
            "",
        ),
        vector(
            "end of stream discards an incomplete line",
            &[b"data: a\n\ndata: b"],
            &[("message", "a", "")],
            None,
            "",
        ),
        vector(
            "end of stream discards an undispatched id",
            &[b"id: 1\ndata: a\n\nid: 2\ndata: b\n", b"data: c\n\n"],
            &[("message", "a", "1"), ("message", "c", "1")],
            None,
            "1",
        ),
        vector(
            "end of stream keeps a retry of the unterminated event",
            &[b"retry: 7\ndata: a"],
            &[],
            Some(7),
            "",
        ),
        vector(
            "an unterminated event does not leak into the next connection",
            &[b"event: x\ndata: a\n", b"data: b\n\n"],
            &[("message", "b", "")],
            None,
            "",
        ),
        vector(
            "a connection ending with a CR",
            &[b"data: a\n\r", b"\ndata: b\n\n"],
            &[("message", "a", ""), ("message", "b", "")],
            None,
            "",
        ),
        vector(
            "an empty stream",
            &[b""],
            &[],
            None,
            "",
        ),
        vector(
            "comments only",
            &[b":\n: keep-alive\r\n:\r"],
            &[],
            None,
            "",
        ),
    ]
}

/// The ways a body is cut into chunks.
fn chunkings(body: &[u8]) -> Vec<Vec<&[u8]>> {
    let mut ways = vec![vec![body]];
    for size in [1, 2, 3, 5, 64] {
        ways.push(body.chunks(size).collect());
    }
    for at in 0..=body.len() {
        ways.push(vec![&body[..at], &body[at..]]);
    }
    ways
}

/// Feeds each connection's chunks, finishing after each connection.
fn run(parser: &mut Parser, connections: &[Vec<&[u8]>], drop_early: bool) -> Vec<Item> {
    let mut items = Vec::new();
    for chunks in connections {
        for chunk in chunks {
            let mut feed = parser.feed(chunk);
            if drop_early {
                items.extend(feed.next());
            } else {
                items.extend(feed.by_ref());
            }
        }
        items.extend(parser.feed(&[]));
        parser.finish();
    }
    items
        .into_iter()
        .map(|item| item.map(|event| event.into_parts()))
        .collect()
}

fn check(vector: &Vector) {
    let expected: Vec<Item> = vector
        .events
        .iter()
        .map(|&(t, d, id)| Ok((t.to_owned(), d.to_owned(), id.to_owned())))
        .collect();
    let longest = vector.connections.iter().map(Vec::len).max().unwrap_or(0);
    // The same chunking (by index) is applied to every connection.
    let per_connection: Vec<Vec<Vec<&[u8]>>> = vector
        .connections
        .iter()
        .map(|body| chunkings(body))
        .collect();
    let ways = 6 + longest + 1;
    for way in 0..ways {
        let connections: Vec<Vec<&[u8]>> = per_connection
            .iter()
            .map(|c| c.get(way).unwrap_or(&c[0]).clone())
            .collect();
        for (drop_early, comments) in [(false, false), (true, false), (false, true), (true, true)] {
            // A parser that keeps comments yields the same events from `feed`.
            let mut parser = match comments {
                true => Parser::new().with_comments(),
                false => Parser::new(),
            };
            let items = run(&mut parser, &connections, drop_early);
            let how = format!(
                "{}: chunks {:?}, drop_early {drop_early}, comments {comments}",
                vector.name, connections
            );
            assert_eq!(items, expected, "{how}");
            assert_eq!(
                parser.retry(),
                vector.retry.map(Duration::from_millis),
                "{how}"
            );
            assert_eq!(parser.last_event_id(), vector.last_event_id, "{how}");
            assert_eq!(parser.buffered_len(), 0, "{how}");
        }
    }
}

#[test]
fn wpt_format_vectors() {
    wpt_vectors().iter().for_each(check);
}

#[test]
fn wpt_from_readable_stream_vectors() {
    from_readable_stream_vectors().iter().for_each(check);
}

#[test]
fn spec_example_vectors() {
    spec_vectors().iter().for_each(check);
}

#[test]
fn edge_case_vectors() {
    edge_vectors().iter().for_each(check);
}

// ---------------------------------------------------------------------------------------------
// Behaviours that need more than a vector.

fn feed_all(parser: &mut Parser, chunk: &[u8]) -> Vec<Item> {
    parser
        .feed(chunk)
        .map(|item| item.map(|event| event.into_parts()))
        .collect()
}

fn message(data: &str, id: &str) -> Item {
    Ok(("message".to_owned(), data.to_owned(), id.to_owned()))
}

fn too_large(limit: usize) -> Item {
    Err(ParseError::EventTooLarge { limit })
}

#[test]
fn default_max_event_size_is_4_mib() {
    assert_eq!(Parser::DEFAULT_MAX_EVENT_SIZE, 4 * 1024 * 1024);
    assert_eq!(
        Parser::new().max_event_size(),
        Parser::DEFAULT_MAX_EVENT_SIZE
    );
    assert_eq!(
        Parser::default().max_event_size(),
        Parser::DEFAULT_MAX_EVENT_SIZE
    );
    assert_eq!(Parser::with_max_event_size(10).max_event_size(), 10);
}

#[test]
fn stream_without_line_end_yields_one_error_and_bounded_memory() {
    const LIMIT: usize = 1024;
    let mut stream = b"data: ".to_vec();
    stream.extend(vec![b'a'; 10 * 1024 * 1024]);
    for size in [1, 7, 1000, 1024, 1025, 4096, 65536, stream.len()] {
        let mut parser = Parser::with_max_event_size(LIMIT);
        let mut items = Vec::new();
        for chunk in stream.chunks(size) {
            items.extend(parser.feed(chunk).map(|item| item.map(|e| e.into_parts())));
            assert!(parser.buffered_len() <= LIMIT, "chunks of {size}");
            assert!(parser.buffered_capacity() <= LIMIT, "chunks of {size}");
        }
        assert_eq!(items, [too_large(LIMIT)], "chunks of {size}");
        let after = feed_all(&mut parser, b"\n\ndata: ok\n\n");
        assert_eq!(after, [message("ok", "")], "chunks of {size}");
    }
}

#[test]
fn oversized_data_over_several_lines_is_discarded_up_to_its_blank_line() {
    let line = format!("data: {}\n", "x".repeat(600));
    let stream = format!("data: before\n\n{line}{line}{line}\ndata: ok\n\n");
    for size in [1, 3, 100, stream.len()] {
        let mut parser = Parser::with_max_event_size(1024);
        let items: Vec<Item> = stream
            .as_bytes()
            .chunks(size)
            .flat_map(|chunk| feed_all(&mut parser, chunk))
            .collect();
        assert_eq!(
            items,
            [message("before", ""), too_large(1024), message("ok", "")],
            "chunks of {size}"
        );
    }
}

#[test]
fn fields_after_the_overflow_are_ignored_and_the_id_before_it_is_kept() {
    let big = "x".repeat(100);
    let stream = format!(
        "id: 1\nevent: a\ndata: {big}\nid: 2\nretry: 9\nevent: b\ndata: y\n\nevent: c\ndata: ok\n\n"
    );
    let mut parser = Parser::with_max_event_size(64);
    let items = feed_all(&mut parser, stream.as_bytes());
    assert_eq!(
        items,
        [
            too_large(64),
            Ok(("c".to_owned(), "ok".to_owned(), "1".to_owned()))
        ]
    );
    assert_eq!(parser.retry(), None);
    assert_eq!(parser.last_event_id(), "1");
}

#[test]
fn an_event_exactly_at_the_limit_passes() {
    // The line `data: xxxx` (10 bytes) counts while it is read; the data buffer then holds
    // `xxxx\n` (5 bytes). A limit of 10 admits it, a limit of 9 does not.
    let mut parser = Parser::with_max_event_size(10);
    assert_eq!(
        feed_all(&mut parser, b"data: xxxx\n\n"),
        [message("xxxx", "")]
    );
    let mut parser = Parser::with_max_event_size(9);
    assert_eq!(feed_all(&mut parser, b"data: xxxx\n\n"), [too_large(9)]);
}

#[test]
fn the_event_type_counts_towards_the_limit() {
    // `data: 0123456789` is 16 bytes: within 24 alone, over it with a 10-byte event type.
    let mut parser = Parser::with_max_event_size(24);
    let items = feed_all(&mut parser, b"data: 0123456789\n\n");
    assert_eq!(items, [message("0123456789", "")]);
    let items = feed_all(
        &mut parser,
        b"event: 0123456789\ndata: 0123456789\n\ndata: ok\n\n",
    );
    assert_eq!(items, [too_large(24), message("ok", "")]);
}

#[test]
fn replacement_characters_count_as_decoded() {
    // 400 invalid bytes are a 406-byte line but 1200 bytes of U+FFFD in the data buffer.
    let mut stream = b"data: ".to_vec();
    stream.extend([0xFF; 400]);
    stream.extend(b"\n\ndata: ok\n\n");
    let mut parser = Parser::with_max_event_size(1024);
    assert_eq!(
        feed_all(&mut parser, &stream),
        [too_large(1024), message("ok", "")]
    );
}

#[test]
fn comments_are_not_limited() {
    let stream = format!(":{}\ndata: ok\n\n", "c".repeat(10_000));
    for size in [1, 10, stream.len()] {
        let mut parser = Parser::with_max_event_size(16);
        let items: Vec<Item> = stream
            .as_bytes()
            .chunks(size)
            .flat_map(|chunk| feed_all(&mut parser, chunk))
            .collect();
        assert_eq!(items, [message("ok", "")], "chunks of {size}");
        assert_eq!(parser.buffered_len(), 0);
    }
}

/// Feeds `stream` then `data: ok` in chunks of each size at a 1 KiB limit; asserts that only
/// `ok` comes out and that the buffers stay within the limit after every chunk.
fn check_skipped_without_limit(stream: &[u8]) {
    const LIMIT: usize = 1024;
    for size in [1, 7, 1000, 1024, 1025, 65536, stream.len()] {
        let mut parser = Parser::with_max_event_size(LIMIT);
        let mut items = Vec::new();
        for chunk in stream.chunks(size) {
            items.extend(feed_all(&mut parser, chunk));
            assert!(parser.buffered_len() <= LIMIT, "chunks of {size}");
            assert!(parser.buffered_capacity() <= LIMIT, "chunks of {size}");
        }
        items.extend(feed_all(&mut parser, b"\ndata: ok\n\n"));
        assert_eq!(items, [message("ok", "")], "chunks of {size}");
    }
}

#[test]
fn an_unknown_field_is_not_limited() {
    let mut stream = b"foo: ".to_vec();
    stream.extend(vec![b'x'; 10 * 1024 * 1024]);
    check_skipped_without_limit(&stream);
}

#[test]
fn a_field_name_longer_than_the_limit_is_an_unknown_field() {
    check_skipped_without_limit(&vec![b'x'; 10 * 1024 * 1024]);
}

#[test]
fn a_known_name_run_on_into_a_longer_one_is_an_unknown_field() {
    let mut stream = b"data".to_vec();
    stream.extend(vec![b'x'; 10 * 1024 * 1024]);
    check_skipped_without_limit(&stream);
}

#[test]
fn a_field_name_is_limited_only_once_it_is_known() {
    // `data0` is an unknown field, `data` a known one: at a limit of 0, only `data` is too
    // large, even when the line arrives one byte at a time and `d` could start either.
    for (body, expected) in [
        (&b"data0\n\n"[..], vec![]),
        (b"data\n\n", vec![too_large(0)]),
    ] {
        for size in [1, 2, body.len()] {
            let mut parser = Parser::with_max_event_size(0);
            let mut items = Vec::new();
            for chunk in body.chunks(size) {
                items.extend(feed_all(&mut parser, chunk));
                assert_eq!(parser.buffered_len(), 0, "chunks of {size}");
            }
            assert_eq!(
                items,
                expected,
                "{:?} in chunks of {size}",
                body.escape_ascii()
            );
        }
    }
}

#[test]
fn an_oversized_event_cut_by_end_of_stream_does_not_affect_the_next_connection() {
    let mut parser = Parser::with_max_event_size(8);
    assert_eq!(
        feed_all(&mut parser, b"id: 1\ndata: 0123456789"),
        [too_large(8)]
    );
    parser.finish();
    assert_eq!(feed_all(&mut parser, b"data: ok\n\n"), [message("ok", "")]);
}

#[test]
fn crlf_split_across_chunks_is_one_line_end() {
    let mut parser = Parser::new();
    let mut items = feed_all(&mut parser, b"data: a\r");
    items.extend(feed_all(&mut parser, b"\ndata: b\r"));
    items.extend(feed_all(&mut parser, b""));
    items.extend(feed_all(&mut parser, b"\n\r"));
    items.extend(feed_all(&mut parser, b"\n"));
    assert_eq!(items, [message("a\nb", "")]);
}

#[test]
fn bom_split_one_byte_per_chunk_is_stripped() {
    let mut parser = Parser::new();
    let mut items = Vec::new();
    for chunk in [&b"\xEF"[..], b"", b"\xBB", b"\xBF", b"data: a\n\n"] {
        items.extend(feed_all(&mut parser, chunk));
    }
    assert_eq!(items, [message("a", "")]);
}

#[test]
fn multibyte_character_split_at_every_position_decodes_whole() {
    let stream = "data: \u{2026}\u{1F600}\n\n".as_bytes();
    for at in 0..=stream.len() {
        let mut parser = Parser::new();
        let mut items = feed_all(&mut parser, &stream[..at]);
        items.extend(feed_all(&mut parser, &stream[at..]));
        assert_eq!(items, [message("\u{2026}\u{1F600}", "")], "split at {at}");
    }
}

#[test]
fn finish_discards_the_partial_event_and_starts_a_fresh_stream() {
    let mut parser = Parser::new();
    let items = feed_all(
        &mut parser,
        b"id: 1\ndata: a\n\nretry: 5\nid: 2\nevent: x\ndata: partial\r",
    );
    assert_eq!(items, [message("a", "1")]);
    parser.finish();
    assert_eq!(parser.buffered_len(), 0);
    // A new BOM is stripped; the last event ID and the reconnection time persist.
    let items = feed_all(&mut parser, b"\xEF\xBB\xBFdata: b\n\n");
    assert_eq!(items, [message("b", "1")]);
    assert_eq!(parser.last_event_id(), "1");
    assert_eq!(parser.retry(), Some(Duration::from_millis(5)));
}

#[test]
fn finish_in_the_middle_of_a_bom() {
    let mut parser = Parser::new();
    assert_eq!(feed_all(&mut parser, b"\xEF\xBB"), []);
    parser.finish();
    assert_eq!(
        feed_all(&mut parser, b"\xEF\xBB\xBFdata: x\n\n"),
        [message("x", "")]
    );
}

#[test]
fn dropping_a_feed_early_loses_nothing() {
    let mut parser = Parser::new();
    let mut feed = parser.feed(b"data: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4");
    assert_eq!(
        feed.next().map(|r| r.map(|e| e.into_parts())),
        Some(message("1", ""))
    );
    drop(feed);
    let items = feed_all(&mut parser, b"\n\ndata: 5\n\n");
    assert_eq!(
        items,
        [
            message("2", ""),
            message("3", ""),
            message("4", ""),
            message("5", "")
        ]
    );
}

#[test]
fn a_feed_never_iterated_keeps_its_events_for_the_next_feed() {
    let mut parser = Parser::with_max_event_size(8);
    drop(parser.feed(b"data: 1\n\ndata: 0123456789\n\n"));
    drop(parser.feed(b"data: 2\n\n"));
    assert_eq!(
        feed_all(&mut parser, &[]),
        [message("1", ""), too_large(8), message("2", "")]
    );
    assert_eq!(feed_all(&mut parser, &[]), []);
}

#[test]
fn feeds_dropped_unread_keep_at_most_1024_items() {
    let mut parser = Parser::new();
    let chunk = "data: x\n\n".repeat(100);
    for _ in 0..1000 {
        drop(parser.feed(chunk.as_bytes()));
    }
    let kept = feed_all(&mut parser, &[]);
    assert_eq!(
        kept.len(),
        1024,
        "items kept from 1000 chunks of 100 events"
    );
    assert!(kept.iter().all(|item| *item == message("x", "")));
    assert_eq!(
        feed_all(&mut parser, b"data: next\n\n"),
        [message("next", "")]
    );
}

#[test]
fn feeds_dropped_unread_keep_at_most_64_kib_of_data_past_a_smaller_limit() {
    let mut parser = Parser::with_max_event_size(1024);
    let event = format!("data: {}\n\n", "x".repeat(1000));
    for _ in 0..1000 {
        drop(parser.feed(event.as_bytes()));
    }
    let kept: usize = parser
        .feed(&[])
        .map(|item| item.map_or(0, |event| event.data().len()))
        .sum();
    // 65 events of 1000 bytes fit in 64 KiB.
    assert_eq!(kept, 65 * 1000, "bytes kept from 1000 events of 1000 bytes");
}

#[test]
fn feeds_dropped_unread_keep_one_limit_of_data_past_a_larger_limit() {
    let mut parser = Parser::with_max_event_size(100_000);
    let event = format!("data: {}\n\n", "x".repeat(30_000));
    for _ in 0..10 {
        drop(parser.feed(event.as_bytes()));
    }
    assert_eq!(
        parser.feed(&[]).count(),
        3,
        "events of 30,000 bytes kept within 100,000"
    );
}

#[test]
fn the_rest_of_a_chunk_that_does_not_fit_is_discarded_but_still_parsed() {
    let mut parser = Parser::with_max_event_size(16);
    let chunk = "data: x\n\n".repeat(1024);
    drop(parser.feed(chunk.as_bytes()));
    drop(parser.feed(b"id: 7\ndata: y\n\nretry: 5\ndata: half"));
    let kept = feed_all(&mut parser, &[]);
    assert_eq!(kept.len(), 1024);
    assert!(kept.iter().all(|item| *item == message("x", "")));
    assert_eq!(parser.last_event_id(), "7");
    assert_eq!(parser.retry(), Some(Duration::from_millis(5)));
    assert_eq!(feed_all(&mut parser, b"\n\n"), [message("half", "7")]);
}

#[test]
fn events_kept_from_a_dropped_feed_survive_finish() {
    let mut parser = Parser::new();
    drop(parser.feed(b"id: 1\ndata: 1\n\ndata: cut"));
    parser.finish();
    assert_eq!(
        feed_all(&mut parser, b"data: 2\n\n"),
        [message("1", "1"), message("2", "1")]
    );
}

#[test]
fn initial_last_event_id_is_reported_and_sent_on() {
    let mut parser = Parser::new().with_last_event_id("41");
    assert_eq!(parser.last_event_id(), "41");
    let items = feed_all(&mut parser, b"data: a\n\nid: 42\ndata: b\n\n");
    assert_eq!(items, [message("a", "41"), message("b", "42")]);
}

#[test]
fn initial_last_event_id_with_nul_cr_or_lf_is_ignored() {
    for bad in ["a\0b", "a\rb", "a\nb"] {
        let parser = Parser::new()
            .with_last_event_id("ok")
            .with_last_event_id(bad);
        assert_eq!(parser.last_event_id(), "ok", "{bad:?}");
    }
}

#[test]
fn events_expose_their_parts() {
    let mut parser = Parser::new();
    let mut events: Vec<_> = parser
        .feed(b"id: 7\nevent: tick\ndata: a\ndata: b\n\n")
        .collect::<Result<_, _>>()
        .expect("no error");
    let event = events.remove(0);
    assert_eq!(event.event_type(), "tick");
    assert_eq!(event.data(), "a\nb");
    assert_eq!(event.last_event_id(), "7");
    assert_eq!(event.clone().into_data(), "a\nb");
    assert_eq!(
        event.into_parts(),
        ("tick".to_owned(), "a\nb".to_owned(), "7".to_owned())
    );
}

#[test]
fn types_and_ids_longer_than_an_inline_string_are_kept_whole_and_change_when_changed() {
    // Short types and ids are held inline; longer ones are shared between events until they
    // change. Either way each event must carry exactly the value in force when it was sent.
    let long_type = "a.rather.long.event.type.name.beyond.inline";
    let long_id = "0123456789abcdef0123456789abcdef-0001";
    let other_id = "0123456789abcdef0123456789abcdef-0002";
    let body = format!(
        "event: {long_type}\nid: {long_id}\ndata: 1\n\n\
         event: {long_type}\ndata: 2\n\n\
         id: {other_id}\ndata: 3\n\n\
         event: short\nid: {long_id}\ndata: 4\n\n"
    );
    let mut parser = Parser::new();
    let events: Vec<_> = parser
        .feed(body.as_bytes())
        .map(|event| {
            let event = event.expect("no error");
            (
                event.event_type().to_owned(),
                event.last_event_id().to_owned(),
                event.into_data(),
            )
        })
        .collect();
    let expected = [
        (long_type, long_id, "1"),
        (long_type, long_id, "2"),
        ("message", other_id, "3"),
        ("short", long_id, "4"),
    ];
    let expected: Vec<_> = expected
        .iter()
        .map(|(t, i, d)| (t.to_string(), i.to_string(), d.to_string()))
        .collect();
    assert_eq!(events, expected);
    assert_eq!(parser.last_event_id(), long_id);
}

#[test]
fn parse_error_message_names_the_limit() {
    let error = ParseError::EventTooLarge { limit: 1024 };
    assert_eq!(
        error.to_string(),
        "event larger than the limit of 1024 bytes was discarded"
    );
}

#[test]
fn parser_and_events_can_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Parser>();
    send_sync::<wasm_sse::parser::ParsedEvent>();
    send_sync::<ParseError>();
}

// ---------------------------------------------------------------------------------------------
// Comments, for a parser that keeps them.

/// What `feed_items` yields, comparable: `Err` for errors, comments as `("", text, "")`
/// tagged `Comment`.
#[derive(Debug, PartialEq)]
enum Seen {
    Event(String, String, String),
    Comment(String),
    Error(ParseError),
}

fn seen_items(parser: &mut Parser, chunks: &[&[u8]], drop_early: bool) -> Vec<Seen> {
    let mut seen = Vec::new();
    let mut take = |item: Result<Parsed, ParseError>| {
        seen.push(match item {
            Ok(Parsed::Event(event)) => {
                let (t, d, id) = event.into_parts();
                Seen::Event(t, d, id)
            }
            Ok(Parsed::Comment(text)) => Seen::Comment(text),
            Err(err) => Seen::Error(err),
        })
    };
    for chunk in chunks {
        let mut items = parser.feed_items(chunk);
        if drop_early {
            items.next().into_iter().for_each(&mut take);
        } else {
            items.by_ref().for_each(&mut take);
        }
    }
    parser.feed_items(&[]).for_each(&mut take);
    seen
}

#[test]
fn comments_are_yielded_in_stream_order_however_the_stream_is_cut() {
    let body: &[u8] = b"\xEF\xBB\xBF: first\r\ndata: 1\n:no space\r:  two spaces\ndata: 2\n\n:\n: caf\xC3\xA9 \xFF\r\n\n";
    let expected = vec![
        Seen::Comment("first".into()),
        Seen::Comment("no space".into()),
        Seen::Comment(" two spaces".into()),
        Seen::Event("message".into(), "1\n2".into(), String::new()),
        Seen::Comment(String::new()),
        Seen::Comment("caf\u{e9} \u{fffd}".into()),
    ];
    for chunks in chunkings(body) {
        for drop_early in [false, true] {
            let mut parser = Parser::new().with_comments();
            let seen = seen_items(&mut parser, &chunks, drop_early);
            assert_eq!(seen, expected, "chunks {chunks:?}, drop_early {drop_early}");
            assert_eq!(parser.buffered_len(), 0);
        }
    }
}

#[test]
fn a_parser_that_skips_comments_yields_none_from_feed_items() {
    let mut parser = Parser::new();
    let seen = seen_items(&mut parser, &[b": ping\ndata: x\n\n"], false);
    assert_eq!(
        seen,
        vec![Seen::Event("message".into(), "x".into(), String::new())]
    );
}

#[test]
fn a_comment_longer_than_the_limit_is_one_error_and_leaves_the_event_alone() {
    const LIMIT: usize = 16;
    let mut body = b"data: a\n:".to_vec();
    body.extend(vec![b'c'; LIMIT + 1]);
    body.extend(b"\n: short\ndata: b\n\n");
    let expected = vec![
        Seen::Error(ParseError::CommentTooLarge { limit: LIMIT }),
        Seen::Comment("short".into()),
        Seen::Event("message".into(), "a\nb".into(), String::new()),
    ];
    for chunks in chunkings(&body) {
        let mut parser = Parser::with_max_event_size(LIMIT).with_comments();
        let seen = seen_items(&mut parser, &chunks, false);
        assert_eq!(seen, expected, "chunks {chunks:?}");
    }
    // A comment of exactly the limit is kept.
    let mut body = b":".to_vec();
    body.extend(vec![b'c'; LIMIT]);
    body.push(b'\n');
    for chunks in chunkings(&body) {
        let mut parser = Parser::with_max_event_size(LIMIT).with_comments();
        let seen = seen_items(&mut parser, &chunks, false);
        assert_eq!(
            seen,
            vec![Seen::Comment("c".repeat(LIMIT))],
            "chunks {chunks:?}"
        );
    }
}

#[test]
fn an_endless_comment_line_is_held_within_the_limit() {
    const LIMIT: usize = 1024;
    let mut stream = b":".to_vec();
    stream.extend(vec![b'c'; 4 * 1024 * 1024]);
    for size in [1, 1000, 1024, 1025, 65536] {
        let mut parser = Parser::with_max_event_size(LIMIT).with_comments();
        let mut errors = 0;
        for chunk in stream.chunks(size) {
            for item in parser.feed_items(chunk) {
                assert_eq!(item, Err(ParseError::CommentTooLarge { limit: LIMIT }));
                errors += 1;
            }
            assert!(parser.buffered_capacity() <= LIMIT, "chunks of {size}");
        }
        assert_eq!(errors, 1, "chunks of {size}");
    }
}

#[test]
fn comment_too_large_names_the_limit() {
    let error = ParseError::CommentTooLarge { limit: 8 };
    assert_eq!(
        error.to_string(),
        "comment line larger than the limit of 8 bytes was skipped"
    );
}
