//! Reconnect soak: the test server's `/soak` feed cuts every connection at a seeded random
//! byte — inside a UTF-8 character, between a CR and its LF, mid-line or between events — and
//! ends it cleanly or aborts it mid-body. Over thousands of such disconnects, with each
//! transport, every event must arrive exactly once, in order, intact, and memory must not grow.
//!
//! The CI run reads 200 events per transport (about 140 disconnects). `scripts/soak.sh` runs
//! the long version: `SOAK_DISCONNECTS` (events in the feed; about three disconnects per four
//! events) and `SOAK_SEED` are read at compile time. Each test prints its figures on the
//! console (`--nocapture`).
#![cfg(target_arch = "wasm32")]

mod common;

use std::time::Duration;

use common::*;
use futures::StreamExt;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use wasm_sse::{Error, Event, EventSource, RetryPolicy, Transport};

wasm_bindgen_test_configure!(run_in_browser);

/// Events in the feed; each connection is cut within its next three.
const DISCONNECTS: u64 = parse(option_env!("SOAK_DISCONNECTS"), 200);
const SEED: u64 = parse(option_env!("SOAK_SEED"), 1);

/// Reads a compile-time number, or `default` when it is not set.
const fn parse(value: Option<&str>, default: u64) -> u64 {
    let Some(text) = value else {
        return default;
    };
    let bytes = text.as_bytes();
    let mut n = 0;
    let mut i = 0;
    while i < bytes.len() {
        assert!(bytes[i].is_ascii_digit(), "not a number");
        n = n * 10 + (bytes[i] - b'0') as u64;
        i += 1;
    }
    n
}

#[derive(Debug, serde::Deserialize)]
struct Soak {
    seq: u64,
    text: String,
}

/// The text the server puts in event `seq` (`soak_text` in tests/sse-server/src/hostile.rs).
fn expected_text(seq: u64) -> String {
    format!("é✓😀 {seq} ünïcødé ✓✓ 😀😀")
}

/// What a soak run measured (printed through `Debug`).
#[derive(Debug, Default)]
#[allow(dead_code)]
struct Figures {
    sent: u64,
    received: u64,
    lost: u64,
    duplicated: u64,
    out_of_order: u64,
    corrupted: u64,
    errors: u64,
    reconnects: u64,
    js_heap_before: f64,
    js_heap_after: f64,
    heap_before: usize,
    heap_after: usize,
}

async fn soak(transport: Transport, name: &str) -> Figures {
    let tag = unique_tag(&format!("soak-{name}"));
    let path = format!("/soak?count={DISCONNECTS}&seed={SEED}&end=mix&tag={tag}");
    let mut seen = vec![0u32; DISCONNECTS as usize + 1];
    let mut figures = Figures {
        sent: DISCONNECTS,
        js_heap_before: js_heap_bytes(),
        ..Figures::default()
    };
    figures.heap_before = live_heap_bytes();
    let mut builder = EventSource::builder(url(&path)).transport(transport);
    if transport == Transport::Fetch {
        // The server asks for `retry: 1`; no backoff, since every cut connection had opened.
        builder = builder.retry(RetryPolicy::default().jitter(0.0));
    }
    let mut feed = builder.open().unwrap().json::<Soak>();
    let mut last = 0;
    let limit = Duration::from_secs(60 + DISCONNECTS / 10);
    within(limit, "the soak to finish", async {
        while let Some(item) = feed.next().await {
            match item {
                Ok(Event::Open) => {}
                Ok(Event::Message(message)) => {
                    let Soak { seq, text } = message.data;
                    figures.received += 1;
                    figures.corrupted += u64::from(text != expected_text(seq));
                    figures.out_of_order += u64::from(seq <= last);
                    last = seq;
                    match seen.get_mut(seq as usize) {
                        Some(count) => *count += 1,
                        None => figures.corrupted += 1,
                    }
                }
                // The end: nothing more to resume (fetch: the 204 ends the stream with no
                // item; EventSource: the browser fails the connection on 204).
                Err(Error::ConnectionFailed) => {}
                Err(Error::Disconnected | Error::StreamEnded | Error::Network(_)) => {
                    figures.errors += 1
                }
                Err(other) => panic!("unexpected {other:?}"),
                Ok(other) => panic!("unexpected {other:?}"),
            }
        }
    })
    .await;
    drop(feed);
    // Measured before asking the server anything: its answers are the test's, not the client's.
    figures.js_heap_after = js_heap_bytes();
    figures.heap_after = live_heap_bytes();
    assert_all_closed(&tag).await;
    figures.lost = seen[1..].iter().filter(|&&n| n == 0).count() as u64;
    figures.duplicated = seen[1..]
        .iter()
        .map(|&n| u64::from(n.saturating_sub(1)))
        .sum();
    let total = get(&format!("/stats?tag={tag}")).await["total"]
        .as_u64()
        .expect("total");
    figures.reconnects = total - 1;
    console_log!("soak {name} (seed {SEED}): {figures:?}");
    figures
}

fn assert_sound(figures: &Figures) {
    assert_eq!(
        (
            figures.lost,
            figures.duplicated,
            figures.out_of_order,
            figures.corrupted
        ),
        (0, 0, 0, 0),
        "{figures:?}"
    );
    assert_eq!(figures.received, figures.sent, "{figures:?}");
    assert!(
        figures.reconnects >= figures.sent / 2,
        "the feed was cut often enough: {figures:?}"
    );
    // Thousands of connections later, the closed stream holds nothing on the heap.
    let held = figures.heap_after.saturating_sub(figures.heap_before);
    assert!(
        held <= 16 << 10,
        "{held} heap bytes still held: {figures:?}"
    );
}

#[wasm_bindgen_test]
async fn fetch_survives_random_cuts_with_every_event_once_in_order() {
    assert_sound(&soak(Transport::Fetch, "fetch").await);
}

#[wasm_bindgen_test]
async fn event_source_survives_random_cuts_with_every_event_once_in_order() {
    assert_sound(&soak(Transport::EventSource, "eventsource").await);
}

// ---- What a long-lived client must not do, from the JS clients' bug trackers ---------------

#[wasm_bindgen_test]
async fn opening_and_dropping_streams_again_and_again_leaks_no_connection_slot() {
    // Browsers allow about 6 HTTP/1.1 connections per origin: a stream whose connection
    // outlived it would make the 7th open hang (sse.js#7, mercure#254).
    let tag = unique_tag("slots");
    for transport in [Transport::Fetch, Transport::EventSource] {
        for round in 0..12 {
            let mut feed = EventSource::builder(url(&format!("/counter?count=1&tag={tag}")))
                .transport(transport)
                .open()
                .unwrap();
            assert_eq!(
                next(&mut feed).await,
                Some(Ok(Event::Open)),
                "{transport:?} round {round}"
            );
            drop(feed);
        }
    }
    assert_all_closed(&tag).await;
    assert_eq!(connection_log(&tag).await.len(), 24);
}

#[wasm_bindgen_test]
async fn a_visibility_change_neither_aborts_nor_resends_a_post() {
    // @microsoft/fetch-event-source#36: a hidden tab re-sent the POST on every visibility change.
    let tag = unique_tag("visibility");
    let mut feed =
        EventSource::builder(url(&format!("/counter?count=3&interval_ms=100&tag={tag}")))
            .transport(Transport::Fetch)
            .method("POST")
            .body("subscribe")
            .open()
            .unwrap();
    assert_eq!(next(&mut feed).await, Some(Ok(Event::Open)));
    let document = js_sys::Reflect::get(&js_sys::global(), &"document".into()).unwrap();
    let dispatch: js_sys::Function = js_sys::Reflect::get(&document, &"dispatchEvent".into())
        .unwrap()
        .unchecked_into();
    for _ in 0..3 {
        let constructor: js_sys::Function =
            js_sys::Reflect::get(&js_sys::global(), &"Event".into())
                .unwrap()
                .unchecked_into();
        let event = js_sys::Reflect::construct(
            &constructor,
            &js_sys::Array::of1(&"visibilitychange".into()),
        )
        .unwrap();
        dispatch.call1(&document, &event).unwrap();
    }
    let mut seqs = Vec::new();
    while seqs.len() < 3 {
        if let Some(Ok(Event::Message(message))) = next(&mut feed).await {
            seqs.push(message.data);
        }
    }
    assert_eq!(seqs, [r#"{"seq":1}"#, r#"{"seq":2}"#, r#"{"seq":3}"#]);
    assert_eq!(
        connection_log(&tag).await.len(),
        1,
        "one POST, never re-sent"
    );
}

/// `performance.memory.usedJSHeapSize` (Chromium only, coarse), or NaN elsewhere.
fn js_heap_bytes() -> f64 {
    let performance = js_sys::Reflect::get(&js_sys::global(), &"performance".into());
    performance
        .and_then(|performance| js_sys::Reflect::get(&performance, &"memory".into()))
        .and_then(|memory| js_sys::Reflect::get(&memory, &"usedJSHeapSize".into()))
        .ok()
        .and_then(|bytes| bytes.as_f64())
        .unwrap_or(f64::NAN)
}
