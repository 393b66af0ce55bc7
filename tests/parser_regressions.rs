#![cfg(not(target_arch = "wasm32"))]
//! The parser fuzz target's properties (no panic, bounded memory, identical events for every
//! chunking; see `fuzz/src/lib.rs`), run natively on stable over the kept fuzz corpus
//! (`fuzz/corpus/parser/`) and every input the fuzzer ever failed on (`fuzz/regressions/parser/`),
//! plus the findings written out as plain tests.

#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod fuzz;

use std::path::Path;

use fuzz::{check, Case, CountingAlloc};
use wasm_sse::parser::{ParseError, Parser};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Every file of `dir` under the crate root, sorted by name.
fn inputs(dir: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
        .map(|entry| entry.expect("readable directory").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).expect("readable file"))
        })
        .collect()
}

/// Runs [`check`] on each input, naming the one that fails; prints the largest figures
/// (`--nocapture`): heap held per byte of limit, and over it.
fn check_all(dir: &str) -> usize {
    let inputs = inputs(dir);
    let (mut worst_ratio, mut worst_over) = (0.0f64, 0usize);
    for (name, input) in &inputs {
        let outcome = std::panic::catch_unwind(|| check(input));
        let Ok(measure) = outcome else {
            panic!("{dir}/{name} fails its properties");
        };
        let limit = Case::decode(input).limit;
        worst_over = worst_over.max(measure.max_held.saturating_sub(limit));
        if limit >= 64 {
            worst_ratio = worst_ratio.max(measure.max_held as f64 / limit as f64);
        }
    }
    println!(
        "{dir}: {} inputs; most heap held: {worst_ratio:.2} x the limit (limits >= 64), \
         {worst_over} bytes over the limit",
        inputs.len()
    );
    inputs.len()
}

#[test]
fn every_input_the_fuzzer_failed_on_keeps_its_properties() {
    check_all("fuzz/regressions/parser");
}

#[test]
fn the_kept_fuzz_corpus_keeps_its_properties() {
    assert!(check_all("fuzz/corpus/parser") > 0, "the corpus is kept");
}

#[test]
fn inputs_decode_and_encode_back() {
    let case = Case {
        limit: 64,
        drop_early: true,
        connections: vec![b"data: a\n\n".to_vec(), b"id: 1\n".to_vec()],
        cuts: vec![vec![3, 7], vec![2]],
    };
    assert_eq!(Case::decode(&case.encode()), case);
}

// ---- Parser bugs the JavaScript clients' users reported, as plain tests -------------------

fn events(body: &[u8]) -> Vec<Result<(String, String, String), ParseError>> {
    let mut parser = Parser::new();
    let items: Vec<_> = parser.feed(body).collect();
    items
        .into_iter()
        .map(|item| item.map(|event| event.into_parts()))
        .collect()
}

#[test]
fn prototype_property_names_are_unknown_fields() {
    // sse.js looked fields up with `field in e`, so `constructor` passed as a known field.
    let body = b"constructor: x\n__proto__: y\ntoString\nhasOwnProperty: z\ndata: kept\n\n";
    assert_eq!(
        events(body),
        [Ok(("message".into(), "kept".into(), "".into()))]
    );
}

#[test]
fn an_unterminated_last_event_is_not_dispatched_at_the_end_of_the_stream() {
    // sse.js dispatched the unterminated last block when the stream ended.
    let mut parser = Parser::new();
    let items: Vec<_> = parser.feed(b"data: whole\n\ndata: cut").collect();
    assert_eq!(items.len(), 1);
    parser.finish();
    assert_eq!(parser.feed(b"").count(), 0);
}

#[test]
fn blank_lines_alone_dispatch_nothing() {
    // @microsoft/fetch-event-source dispatched an empty message on every blank line.
    assert_eq!(events(b"\n\n\r\n\r\r"), []);
}

#[test]
fn a_retry_with_trailing_garbage_is_ignored() {
    // @microsoft/fetch-event-source accepted `retry: 1000x` through parseInt.
    let mut parser = Parser::new();
    assert_eq!(parser.feed(b"retry: 1000x\n\n").count(), 0);
    assert_eq!(parser.retry(), None);
}
