#![cfg(not(target_arch = "wasm32"))]
//! Properties of `wasm_sse::parser`: chunking never changes the result, the result matches a
//! straightforward model of the spec, arbitrary bytes never panic, and memory stays bounded.
//! `PROPTEST_CASES=100000 cargo test --release --test parser_props` runs them deeper.

use std::time::Duration;

use proptest::prelude::*;
use proptest::sample::{select, Index};
use wasm_sse::parser::{ParseError, Parser};

type Item = Result<(String, String, String), ParseError>;

/// Everything observable after feeding a series of connections.
#[derive(Debug, PartialEq)]
struct Outcome {
    items: Vec<Item>,
    retry: Option<Duration>,
    last_event_id: String,
    /// `buffered_len` at the end of each connection, before `finish`.
    buffered: Vec<usize>,
}

/// Feeds every connection cut at `cuts` (positions, any order, repeats allowed), checking the
/// memory bound after every chunk.
fn run(max: usize, connections: &[Vec<u8>], cuts: &[Vec<usize>], drop_early: bool) -> Outcome {
    let mut parser = Parser::with_max_event_size(max);
    let mut items = Vec::new();
    let mut buffered = Vec::new();
    for (body, cuts) in connections.iter().zip(cuts) {
        for chunk in split(body, cuts) {
            let mut feed = parser.feed(chunk);
            if drop_early {
                items.extend(feed.next());
            } else {
                items.extend(feed.by_ref());
            }
            drop(feed);
            // The limit, plus at most two bytes of a leading BOM that turned out not to be one.
            assert!(parser.buffered_len() <= max.saturating_add(2));
        }
        items.extend(parser.feed(&[]));
        buffered.push(parser.buffered_len());
        parser.finish();
    }
    Outcome {
        items: items
            .into_iter()
            .map(|item| item.map(|event| event.into_parts()))
            .collect(),
        retry: parser.retry(),
        last_event_id: parser.last_event_id().to_owned(),
        buffered,
    }
}

fn split<'a>(body: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut cuts: Vec<usize> = cuts.iter().map(|&at| at.min(body.len())).collect();
    cuts.sort_unstable();
    let mut chunks = Vec::new();
    let mut start = 0;
    for at in cuts {
        chunks.push(&body[start..at]);
        start = at;
    }
    chunks.push(&body[start..]);
    chunks
}

fn whole(connections: &[Vec<u8>]) -> Vec<Vec<usize>> {
    vec![Vec::new(); connections.len()]
}

fn every_byte(connections: &[Vec<u8>]) -> Vec<Vec<usize>> {
    connections
        .iter()
        .map(|body| (1..body.len()).collect())
        .collect()
}

fn cuts_at(connections: &[Vec<u8>], indices: &[Vec<Index>]) -> Vec<Vec<usize>> {
    connections
        .iter()
        .zip(indices.iter().cycle())
        .map(|(body, indices)| indices.iter().map(|i| i.index(body.len() + 1)).collect())
        .collect()
}

/// The spec's algorithm, written as plainly as possible: decode the whole body, strip one BOM,
/// split it into lines, interpret them. The last event ID buffer of a new connection starts at
/// the last event ID string, as browsers do.
fn model(connections: &[Vec<u8>]) -> (Vec<Item>, Option<Duration>, String) {
    let mut events = Vec::new();
    let mut retry = None;
    let mut last_event_id = String::new();
    for body in connections {
        let text = String::from_utf8_lossy(body);
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
        let mut lines = Vec::new();
        let mut line = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\r' => {
                    chars.next_if_eq(&'\n');
                    lines.push(std::mem::take(&mut line));
                }
                '\n' => lines.push(std::mem::take(&mut line)),
                c => line.push(c),
            }
        }
        // `line` is unterminated: the end of the stream discards it.
        let (mut data, mut event_type, mut id) =
            (String::new(), String::new(), last_event_id.clone());
        for line in lines {
            if line.is_empty() {
                last_event_id = id.clone();
                if !data.is_empty() {
                    data.pop();
                    let event_type = if event_type.is_empty() {
                        "message".to_owned()
                    } else {
                        event_type.clone()
                    };
                    events.push(Ok((
                        event_type,
                        std::mem::take(&mut data),
                        last_event_id.clone(),
                    )));
                }
                data.clear();
                event_type.clear();
                continue;
            }
            if line.starts_with(':') {
                continue;
            }
            let (name, value) = match line.split_once(':') {
                Some((name, value)) => (name, value.strip_prefix(' ').unwrap_or(value)),
                None => (&line[..], ""),
            };
            match name {
                "data" => {
                    data.push_str(value);
                    data.push('\n');
                }
                "event" => event_type = value.to_owned(),
                "id" if !value.contains('\0') => id = value.to_owned(),
                "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                    retry = Some(Duration::from_millis(value.parse().unwrap_or(u64::MAX)));
                }
                _ => {}
            }
        }
    }
    (events, retry, last_event_id)
}

fn concat(parts: Vec<Vec<u8>>) -> Vec<u8> {
    parts.concat()
}

fn bytes(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

/// A field value: ASCII, digits (long ones overflow `retry`), non-ASCII, NUL, BOMs, and
/// invalid UTF-8 (lone continuation bytes, truncated sequences).
fn value() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        4 => "[a-z :]{0,4}".prop_map(String::into_bytes),
        2 => "[0-9]{1,25}".prop_map(String::into_bytes),
        1 => select(vec![
            bytes("\u{2026}"),
            bytes("\u{1F600}"),
            bytes("\u{E9}"),
            vec![0],
            vec![0xEF, 0xBB, 0xBF],
            vec![0xFF],
            vec![0x80],
            vec![0xE2, 0x82],
            vec![0xF0, 0x9F, 0x98],
            vec![0xC3],
        ]),
    ];
    prop::collection::vec(piece, 0..4).prop_map(concat)
}

/// One line's content, without its line end.
fn line() -> impl Strategy<Value = Vec<u8>> {
    let name = select(vec![
        "data", "event", "id", "retry", "Data", "foo", "", "data\0", " data",
    ]);
    let separator = select(vec!["", ":", ": ", ":  "]);
    prop_oneof![
        6 => (name, separator, value())
            .prop_map(|(name, sep, value)| [name.as_bytes(), sep.as_bytes(), &value].concat()),
        1 => value().prop_map(|value| [&b":"[..], &value].concat()),
        3 => Just(Vec::new()),
        1 => prop::collection::vec(any::<u8>(), 0..4),
    ]
}

/// One connection's body: an optional (possibly partial) BOM, then lines with mixed line ends;
/// an empty "line end" glues two lines into one.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let bom = select(vec![
        vec![],
        vec![],
        vec![0xEF, 0xBB, 0xBF],
        vec![0xEF],
        vec![0xEF, 0xBB],
    ]);
    let end = select(vec![bytes("\n"), bytes("\r"), bytes("\r\n"), bytes("")]);
    let lines = prop::collection::vec((line(), end), 0..24);
    (bom, lines).prop_map(|(bom, lines)| {
        let mut body = bom;
        for (line, end) in lines {
            body.extend(line);
            body.extend(end);
        }
        body
    })
}

fn connections() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(body(), 1..4)
}

fn cut_indices() -> impl Strategy<Value = Vec<Vec<Index>>> {
    prop::collection::vec(prop::collection::vec(any::<Index>(), 0..8), 1..4)
}

/// Bytes with more structure than uniform noise: line ends, colons, field names, BOM and NUL.
fn noisy_bytes() -> impl Strategy<Value = Vec<u8>> {
    let structured = prop::collection::vec(
        select(b"\r\n\n::data eventidretry0123\xEF\xBB\xBF\x00\xFF\xC3".to_vec()),
        0..200,
    );
    prop_oneof![prop::collection::vec(any::<u8>(), 0..200), structured]
}

/// A maximum event size from tiny to the default.
fn max_event_size() -> impl Strategy<Value = usize> {
    prop_oneof![0..64usize, Just(Parser::DEFAULT_MAX_EVENT_SIZE)]
}

proptest! {
    #[test]
    fn chunking_never_changes_the_result(
        connections in connections(),
        indices in cut_indices(),
        max in max_event_size(),
    ) {
        let expected = run(max, &connections, &whole(&connections), false);
        let cut = cuts_at(&connections, &indices);
        prop_assert_eq!(&run(max, &connections, &cut, false), &expected);
        prop_assert_eq!(&run(max, &connections, &cut, true), &expected);
        prop_assert_eq!(&run(max, &connections, &every_byte(&connections), false), &expected);
    }

    #[test]
    fn events_match_the_spec_model(connections in connections(), indices in cut_indices()) {
        let (events, retry, last_event_id) = model(&connections);
        let outcome = run(Parser::DEFAULT_MAX_EVENT_SIZE, &connections, &cuts_at(&connections, &indices), false);
        prop_assert_eq!(outcome.items, events);
        prop_assert_eq!(outcome.retry, retry);
        prop_assert_eq!(outcome.last_event_id, last_event_id);
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_stay_within_the_limit(
        connections in prop::collection::vec(noisy_bytes(), 1..3),
        indices in cut_indices(),
        max in max_event_size(),
    ) {
        // `run` asserts the memory bound after every chunk.
        let expected = run(max, &connections, &whole(&connections), false);
        prop_assert_eq!(&run(max, &connections, &cuts_at(&connections, &indices), false), &expected);
        prop_assert_eq!(&run(max, &connections, &every_byte(&connections), true), &expected);
        if max == Parser::DEFAULT_MAX_EVENT_SIZE {
            prop_assert_eq!(expected.items, model(&connections).0);
        }
    }

    #[test]
    fn a_line_longer_than_the_limit_is_one_error_whatever_the_chunking(
        len in 0..300usize,
        max in 0..100usize,
        indices in prop::collection::vec(any::<Index>(), 0..8),
    ) {
        let mut body = b"data: ok\n\ndata: ".to_vec();
        body.extend(vec![b'x'; len]);
        body.extend(b"\n\ndata: ok\n\n");
        let connections = vec![body];
        let outcome = run(max, &connections, &cuts_at(&connections, &[indices]), false);
        let errors = outcome.items.iter().filter(|item| item.is_err()).count();
        // `data: ok` is 8 bytes; the long line is `data: ` and `len` bytes.
        let expected_errors = if max < 8 { 2 + usize::from(len + 6 > max) } else { usize::from(len + 6 > max) };
        prop_assert_eq!(errors, expected_errors);
    }
}
