//! Parser throughput: `wasm_sse::parser::Parser` against `eventsource-stream` and `sse-codec`
//! on the same bytes, natively. `cargo bench --bench parser`; `scripts/bench.sh` runs it
//! with short measurement times and puts MB/s and events/s in its report.
//!
//! Inputs: small events (the test server's `/bulk` events, ~127 bytes, in 64 KiB chunks),
//! large multi-line events (40 `data` lines of 100 bytes, 64 KiB chunks), and small events
//! fed one byte at a time, at two lengths to show the cost stays linear.

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use futures::executor::block_on;
use futures::io::AsyncRead;
use futures::StreamExt;
use wasm_sse::parser::Parser;

/// One input: the bytes, how they are cut, and how many events they hold.
struct Input {
    name: &'static str,
    bytes: Vec<u8>,
    chunk: usize,
    events: usize,
}

impl Input {
    fn chunks(&self) -> std::slice::Chunks<'_, u8> {
        self.bytes.chunks(self.chunk)
    }
}

/// `count` events as `/bulk?payload=64` sends them.
fn small_events(count: usize) -> Vec<u8> {
    let payload: String = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        .chars()
        .cycle()
        .take(64)
        .collect();
    let mut out = String::new();
    for seq in 1..=count {
        out.push_str(&format!(
            "id: {seq}\ndata: {{\"seq\":{seq},\"ts\":1700000000000,\"payload\":\"{payload}\"}}\n\n"
        ));
    }
    out.into_bytes()
}

/// `count` events of 40 data lines of 100 bytes each, with an event type and an id.
fn large_events(count: usize) -> Vec<u8> {
    let line = "x".repeat(100);
    let mut out = String::new();
    for seq in 1..=count {
        out.push_str(&format!("event: update\nid: {seq}\n"));
        for _ in 0..40 {
            out.push_str("data: ");
            out.push_str(&line);
            out.push('\n');
        }
        out.push('\n');
    }
    out.into_bytes()
}

fn inputs() -> Vec<Input> {
    vec![
        Input {
            name: "small-64k",
            bytes: small_events(20_000),
            chunk: 64 * 1024,
            events: 20_000,
        },
        Input {
            name: "large-multiline-64k",
            bytes: large_events(500),
            chunk: 64 * 1024,
            events: 500,
        },
        Input {
            name: "small-1byte-1k",
            bytes: small_events(1_000),
            chunk: 1,
            events: 1_000,
        },
        Input {
            name: "small-1byte-4k",
            bytes: small_events(4_000),
            chunk: 1,
            events: 4_000,
        },
    ]
}

/// Events wasm-sse's parser finds; every data byte is touched so nothing is optimized out.
fn wasm_sse(input: &Input) -> usize {
    let mut parser = Parser::new();
    let mut events = 0;
    for chunk in input.chunks() {
        for event in parser.feed(chunk) {
            let event = event.expect("within the size limit");
            events += usize::from(!event.data().is_empty());
        }
    }
    events
}

/// Events eventsource-stream finds.
fn eventsource_stream(input: &Input) -> usize {
    let chunks = futures::stream::iter(input.chunks().map(Ok::<_, Infallible>));
    let stream = eventsource_stream::EventStream::new(chunks);
    block_on(stream.fold(0, |events, event| async move {
        let event = event.expect("valid input");
        events + usize::from(!event.data.is_empty())
    }))
}

/// An `AsyncRead` that hands out the input chunk by chunk (sse-codec reads through one).
struct ChunkReader<'a> {
    chunks: std::slice::Chunks<'a, u8>,
    rest: &'a [u8],
}

impl AsyncRead for ChunkReader<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if self.rest.is_empty() {
            self.rest = self.chunks.next().unwrap_or_default();
        }
        let n = self.rest.len().min(buf.len());
        buf[..n].copy_from_slice(&self.rest[..n]);
        self.rest = &self.rest[n..];
        Poll::Ready(Ok(n))
    }
}

/// Events sse-codec finds.
fn sse_codec(input: &Input) -> usize {
    let reader = ChunkReader {
        chunks: input.chunks(),
        rest: &[],
    };
    block_on(
        sse_codec::decode_stream(reader).fold(0, |events, event| async move {
            match event.expect("valid input") {
                sse_codec::Event::Message { data, .. } => events + usize::from(!data.is_empty()),
                sse_codec::Event::Retry { .. } => events,
            }
        }),
    )
}

type Contender = (&'static str, fn(&Input) -> usize);

const CONTENDERS: [Contender; 3] = [
    ("wasm-sse", wasm_sse),
    ("sse-codec", sse_codec),
    ("eventsource-stream", eventsource_stream),
];

fn parsers(c: &mut Criterion) {
    for input in inputs() {
        for (name, parse) in CONTENDERS {
            assert_eq!(parse(&input), input.events, "{name} on {}", input.name);
        }
        let mut group = c.benchmark_group(input.name);
        group.throughput(Throughput::Bytes(input.bytes.len() as u64));
        // One-byte chunks through the async contenders take long: fewer, shorter samples.
        if input.chunk == 1 {
            group.sample_size(10);
        }
        for (name, parse) in CONTENDERS {
            group.bench_with_input(BenchmarkId::from_parameter(name), &input, |b, input| {
                b.iter(|| parse(input))
            });
        }
        group.finish();
    }
    if let Some(path) = std::env::var_os("PARSER_BENCH_INPUTS") {
        let described: Vec<String> = inputs()
            .iter()
            .map(|input| {
                format!(
                    r#"{{"name":"{}","bytes":{},"events":{},"chunk":{}}}"#,
                    input.name,
                    input.bytes.len(),
                    input.events,
                    input.chunk
                )
            })
            .collect();
        let json = format!("[{}]\n", described.join(","));
        std::fs::write(path, json).expect("the inputs file is writable");
    }
}

fn config() -> Criterion {
    let quick = std::env::var_os("PARSER_BENCH_QUICK").is_some();
    let (warm_up, measure) = if quick { (300, 1500) } else { (1000, 4000) };
    Criterion::default()
        .warm_up_time(Duration::from_millis(warm_up))
        .measurement_time(Duration::from_millis(measure))
        .sample_size(20)
}

criterion_group! {
    name = benches;
    config = config();
    targets = parsers
}
criterion_main!(benches);
