//! The properties the parser fuzz target checks on every input, also run natively on the kept
//! corpus and every crash found by `tests/parser_regressions.rs` (which includes this file).
//!
//! An input is decoded by [`Case::decode`] into a maximum event size, one or more connections
//! and the places where each is cut into chunks. [`check`] then asserts:
//!
//! 1. nothing panics;
//! 2. after every chunk, the parser buffers at most the limit + 2 bytes (`buffered_len`), and
//!    the heap it holds stays within [`HELD_FACTOR`] × the limit + [`HELD_SLACK`] bytes,
//!    measured by a counting allocator (except in the drop-early run, where the parser keeps
//!    the rest of a chunk's items by design);
//! 3. every chunking of the same bytes gives the same events, errors, last event ID and
//!    reconnection time: whole connections, the input's own cuts, one byte per chunk, and the
//!    input's cuts with each `Feed` dropped after its first item.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::time::Duration;

use wasm_sse::parser::{ParseError, Parser};

/// The limits an input can pick from (its first byte's low 3 bits); the last is the default.
pub const LIMITS: [usize; 8] = [0, 1, 3, 8, 16, 64, 4096, Parser::DEFAULT_MAX_EVENT_SIZE];

/// The heap a parser holds is at most this many times its limit, plus [`HELD_SLACK`]: its line,
/// data and event type buffers (each capped at the limit), a long event type kept for sharing
/// (the limit), and the pending and last event IDs (each up to 3 × the limit, since an ID line
/// within the limit can decode to U+FFFD three bytes each).
pub const HELD_FACTOR: usize = 10;

/// Fixed overhead allowed on top of the limit: the parser's own allocations at any size.
pub const HELD_SLACK: usize = 4096;

/// A global allocator that counts, per thread, the bytes allocated and not yet freed.
#[derive(Debug)]
pub struct CountingAlloc;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    // `try_with`: the allocator may run while the thread's locals are torn down.
    let _ = LIVE.try_with(|live| live.set(live.get() + delta));
}

/// Bytes this thread has allocated and not freed, as counted by [`CountingAlloc`].
pub fn live_bytes() -> isize {
    LIVE.try_with(Cell::get).unwrap_or(0)
}

// SAFETY: every call is forwarded to `System` unchanged; the counting has no side effect on it.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc(layout);
        if !ptr.is_null() {
            count(layout.size() as isize);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc_zeroed(layout);
        if !ptr.is_null() {
            count(layout.size() as isize);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        count(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = System.realloc(ptr, layout, new_size);
        if !new.is_null() {
            count(new_size as isize - layout.size() as isize);
        }
        new
    }
}

/// One fuzz input, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// The maximum event size.
    pub limit: usize,
    /// Drop each `Feed` after its first item in the cut run (the rest is queued in the parser).
    pub drop_early: bool,
    /// The bodies of successive connections, with `finish()` between them.
    pub connections: Vec<Vec<u8>>,
    /// For each connection, the offsets where it is cut into chunks (sorted, in range).
    pub cuts: Vec<Vec<usize>>,
}

impl Case {
    /// Decodes an input: byte 0 picks the limit (bits 0–2, see [`LIMITS`]) and `drop_early`
    /// (bit 3); byte 1 is a count `n`; then `n` little-endian `u16`s, each an offset into the
    /// body (modulo its length + 1) that cuts a chunk, or, with bit 15 set, ends a connection;
    /// the remaining bytes are the body. Every input decodes to some case.
    pub fn decode(input: &[u8]) -> Case {
        let flags = input.first().copied().unwrap_or(0);
        let n = usize::from(input.get(1).copied().unwrap_or(0));
        let rest = input.get(2..).unwrap_or_default();
        let n = n.min(rest.len() / 2);
        let (marks, body) = rest.split_at(n * 2);
        let mut chunk_cuts = Vec::new();
        let mut ends = Vec::new();
        for i in 0..n {
            let mark = u16::from_le_bytes([marks[2 * i], marks[2 * i + 1]]);
            let at = usize::from(mark & 0x7FFF) % (body.len() + 1);
            if mark & 0x8000 == 0 {
                chunk_cuts.push(at);
            } else {
                ends.push(at);
            }
        }
        ends.sort_unstable();
        ends.dedup();
        ends.push(body.len());
        let (mut connections, mut cuts, mut start) = (Vec::new(), Vec::new(), 0);
        for end in ends {
            if end < start {
                continue;
            }
            connections.push(body[start..end].to_vec());
            let mut inner: Vec<usize> = chunk_cuts
                .iter()
                .filter(|&&at| at > start && at < end)
                .map(|&at| at - start)
                .collect();
            inner.sort_unstable();
            inner.dedup();
            cuts.push(inner);
            start = end;
        }
        Case {
            limit: LIMITS[usize::from(flags & 7)],
            drop_early: flags & 8 != 0,
            connections,
            cuts,
        }
    }

    /// Encodes a case so that [`Case::decode`] gives it back (for writing corpus files).
    /// `limit` must be one of [`LIMITS`] and the body at most 32 KiB.
    pub fn encode(&self) -> Vec<u8> {
        let index = LIMITS.iter().position(|&l| l == self.limit).unwrap_or(7);
        let mut marks = Vec::new();
        let mut body = Vec::new();
        for (i, (connection, cuts)) in self.connections.iter().zip(&self.cuts).enumerate() {
            for &at in cuts {
                marks.push((body.len() + at) as u16);
            }
            body.extend_from_slice(connection);
            if i + 1 < self.connections.len() {
                marks.push(body.len() as u16 | 0x8000);
            }
        }
        let mut out = vec![index as u8 | if self.drop_early { 8 } else { 0 }];
        out.push(marks.len().min(255) as u8);
        for mark in marks.iter().take(255) {
            out.extend_from_slice(&mark.to_le_bytes());
        }
        out.extend_from_slice(&body);
        out
    }
}

/// What one run of a case produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Each event as `(type, data, last event id)`, or the error.
    pub items: Vec<Result<(String, String, String), ParseError>>,
    /// The parser's last event ID at the end.
    pub last_event_id: String,
    /// The parser's reconnection time at the end.
    pub retry: Option<Duration>,
}

/// How a run cuts each connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chunking {
    /// Each connection in one chunk.
    Whole,
    /// At the case's cuts.
    Cuts,
    /// At the case's cuts, dropping each `Feed` after its first item.
    CutsDropEarly,
    /// One byte per chunk.
    Bytewise,
}

/// What a run measured, besides its outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Measure {
    /// The largest `buffered_len` after a chunk.
    pub max_buffered: usize,
    /// The most heap the parser held after a chunk (events already dropped), in bytes.
    pub max_held: usize,
    /// Events and errors yielded.
    pub items: usize,
}

/// Runs `case` with `chunking`, asserting the memory bounds after every chunk. With
/// `keep`, the items are collected; without, only a digest is kept, so that the heap the
/// run measures is the parser's alone.
pub fn run(case: &Case, chunking: Chunking, keep: bool) -> (u64, Option<Outcome>, Measure) {
    let base = live_bytes();
    let mut parser = Parser::with_max_event_size(case.limit);
    let mut sink = Sink {
        digest: DefaultHasher::new(),
        items: Vec::new(),
        keep,
        count: 0,
    };
    let mut measure = Measure::default();
    for (body, cuts) in case.connections.iter().zip(&case.cuts) {
        let mut feed_chunk = |chunk: &[u8]| {
            let mut feed = parser.feed(chunk);
            if chunking == Chunking::CutsDropEarly {
                if let Some(item) = feed.next() {
                    sink.take(item);
                }
            } else {
                feed.by_ref().for_each(|item| sink.take(item));
            }
            drop(feed);
            let buffered = parser.buffered_len();
            assert!(
                buffered <= case.limit.saturating_add(2),
                "{chunking:?}: buffered {buffered} bytes, limit {}",
                case.limit
            );
            measure.max_buffered = measure.max_buffered.max(buffered);
            // A dropped `Feed` queues the rest of its chunk's items in the parser, by design:
            // that memory is bounded by the chunk, not the limit, so it is not measured here.
            if !keep && chunking != Chunking::CutsDropEarly {
                let held = (live_bytes() - base).max(0) as usize;
                assert!(
                    held <= case.limit.saturating_mul(HELD_FACTOR) + HELD_SLACK,
                    "{chunking:?}: the parser holds {held} heap bytes, limit {}",
                    case.limit
                );
                measure.max_held = measure.max_held.max(held);
            }
        };
        // No allocation here: the heap measured must be the parser's.
        match chunking {
            Chunking::Whole => feed_chunk(body),
            Chunking::Cuts | Chunking::CutsDropEarly => {
                let mut start = 0;
                for &end in cuts.iter().chain([&body.len()]) {
                    feed_chunk(&body[start..end]);
                    start = end;
                }
            }
            Chunking::Bytewise => body.chunks(1).for_each(&mut feed_chunk),
        }
        parser.feed(&[]).for_each(|item| sink.take(item));
        parser.finish();
    }
    parser.feed(&[]).for_each(|item| sink.take(item));
    (parser.last_event_id(), parser.retry()).hash(&mut sink.digest);
    measure.items = sink.count;
    let outcome = keep.then(|| Outcome {
        items: sink.items,
        last_event_id: parser.last_event_id().to_owned(),
        retry: parser.retry(),
    });
    (sink.digest.finish(), outcome, measure)
}

/// Where a run's items go: always into the digest, into a list when kept.
struct Sink {
    digest: DefaultHasher,
    items: Vec<Result<(String, String, String), ParseError>>,
    keep: bool,
    count: usize,
}

impl Sink {
    fn take(&mut self, item: Result<wasm_sse::parser::ParsedEvent, ParseError>) {
        let item = item.map(|event| event.into_parts());
        match &item {
            Ok(parts) => (0u8, parts).hash(&mut self.digest),
            Err(ParseError::EventTooLarge { limit }) => (1u8, limit).hash(&mut self.digest),
            Err(_) => 2u8.hash(&mut self.digest),
        }
        self.count += 1;
        if self.keep {
            self.items.push(item);
        }
    }
}

/// Checks every property on one input; panics with the differing outcomes if one fails.
/// Returns the largest figures any of its runs measured.
pub fn check(input: &[u8]) -> Measure {
    let case = Case::decode(input);
    let total: usize = case.connections.iter().map(Vec::len).sum();
    let mut chunkings = vec![Chunking::Whole, Chunking::Cuts];
    if case.drop_early {
        chunkings.push(Chunking::CutsDropEarly);
    }
    if total <= 4096 {
        chunkings.push(Chunking::Bytewise);
    }
    let (reference, _, mut measure) = run(&case, Chunking::Whole, false);
    for &chunking in &chunkings[1..] {
        let (digest, _, other) = run(&case, chunking, false);
        measure.max_buffered = measure.max_buffered.max(other.max_buffered);
        measure.max_held = measure.max_held.max(other.max_held);
        if digest != reference {
            let (_, whole, _) = run(&case, Chunking::Whole, true);
            let (_, other, _) = run(&case, chunking, true);
            panic!("{chunking:?} differs from Whole for {case:?}:\n{whole:#?}\n{other:#?}");
        }
    }
    measure
}
