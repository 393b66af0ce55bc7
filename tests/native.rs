//! The parser in a native program, as `examples/sse_cat.rs` uses it: scripts/test.sh runs this
//! test with `default-features = false`, the build with no web dependency at all.
#![cfg(not(target_arch = "wasm32"))]

use std::io::Read;

use wasm_sse::parser::{Parsed, Parser};

/// A stream as a server writes it: CRLF and LF lines, a comment, an id, a retry, a BOM.
const STREAM: &[u8] = b"\xEF\xBB\xBF: hello\r\nretry: 2500\r\n\r\nid: 1\r\nevent: tick\r\ndata: a\r\ndata: b\r\n\r\ndata: \xF0\x9F\x98\x80\n\nid: 2\ndata: cut";

#[test]
fn a_stream_read_in_small_pieces_from_any_reader_parses_to_its_events() {
    let mut reader = std::io::Cursor::new(STREAM);
    let mut parser = Parser::new().with_comments();
    let mut seen = Vec::new();
    let mut piece = [0; 7];
    loop {
        let read = reader.read(&mut piece).unwrap();
        if read == 0 {
            break;
        }
        for item in parser.feed_items(&piece[..read]) {
            seen.push(match item.unwrap() {
                Parsed::Event(event) => format!(
                    "{} {} {:?}",
                    event.event_type(),
                    event.last_event_id(),
                    event.data()
                ),
                Parsed::Comment(text) => format!(": {text}"),
            });
        }
    }
    parser.finish();
    assert_eq!(
        seen,
        [": hello", "tick 1 \"a\\nb\"", "message 1 \"😀\""],
        "the unterminated last event is discarded at the end"
    );
    assert_eq!(parser.retry(), Some(std::time::Duration::from_millis(2500)));
    assert_eq!(parser.last_event_id(), "1");
}
