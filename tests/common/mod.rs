//! Helpers shared by the browser suites: the test server's address, its counters and log,
//! and stream reads that fail the test instead of hanging.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

use futures::{future, Stream, StreamExt};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_sse::{Error, Event};

#[wasm_bindgen(module = "/tests/js/fixtures.js")]
extern "C" {
    fn sleep(ms: u32) -> js_sys::Promise;
    #[wasm_bindgen(catch, js_name = getJson)]
    fn get_json(url: &str, with_credentials: bool) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(js_name = pageOrigin)]
    pub fn page_origin() -> String;
    #[wasm_bindgen(js_name = announceVisibilityChange)]
    pub fn announce_visibility_change();
}

/// The test server's base URL, given at compile time by the test command.
pub fn server() -> &'static str {
    match option_env!("SSE_SERVER_URL") {
        Some(url) => url,
        None => {
            panic!("SSE_SERVER_URL is set by the test command (npm test) to the test server's URL")
        }
    }
}

/// An absolute URL of the test server for `path_and_query`.
pub fn url(path_and_query: &str) -> String {
    format!("{}{}", server(), path_and_query)
}

/// A tag no other test uses, so counters and logs are this test's own.
pub fn unique_tag(name: &str) -> String {
    format!("{name}-{}", js_sys::Math::random().to_bits())
}

/// Waits `ms` milliseconds.
pub async fn wait(ms: u32) {
    JsFuture::from(sleep(ms))
        .await
        .expect("setTimeout cannot fail");
}

/// Runs `work`, failing the test if it takes longer than `limit`.
pub async fn within<F: Future>(limit: Duration, what: &str, work: F) -> F::Output {
    let timer = wait(limit.as_millis() as u32);
    futures::pin_mut!(work, timer);
    match future::select(work, timer).await {
        future::Either::Left((output, _)) => output,
        future::Either::Right(_) => panic!("timed out after {limit:?} waiting for {what}"),
    }
}

/// The next item of `stream`, failing the test after 10 s.
pub async fn next<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    within(
        Duration::from_secs(10),
        "the next stream item",
        stream.next(),
    )
    .await
}

/// Asserts that `stream` yields nothing for `ms` milliseconds.
pub async fn assert_quiet<S>(stream: &mut S, ms: u32)
where
    S: Stream + Unpin,
    S::Item: std::fmt::Debug,
{
    let timer = wait(ms);
    futures::pin_mut!(timer);
    if let future::Either::Left((item, _)) = future::select(stream.next(), timer).await {
        panic!("expected nothing for {ms} ms, got {item:?}");
    }
}

/// JSON from the test server.
pub async fn get(path_and_query: &str) -> serde_json::Value {
    fetch_json(&url(path_and_query), false).await
}

/// JSON from `url`, sending cookies when `with_credentials`.
pub async fn fetch_json(url: &str, with_credentials: bool) -> serde_json::Value {
    let promise = get_json(url, with_credentials).expect("fetch");
    let value = JsFuture::from(promise)
        .await
        .unwrap_or_else(|err| panic!("GET {url}: {err:?}"));
    let text = js_sys::JSON::stringify(&value).expect("stringify");
    serde_json::from_str(&String::from(text)).expect("JSON")
}

/// Connections of `tag` whose response is still open at the server.
pub async fn open_connections(tag: &str) -> u64 {
    get(&format!("/stats?tag={tag}")).await["open"]
        .as_u64()
        .expect("open")
}

/// Waits until the server counts `open` open connections of `tag`, failing the test after 5 s.
pub async fn until_open_connections(tag: &str, open: u64) {
    within(
        Duration::from_secs(5),
        "the server to count the connections",
        async {
            while open_connections(tag).await != open {
                wait(20).await;
            }
        },
    )
    .await;
}

/// Waits until the server sees no open connection of `tag`, failing the test after 15 s.
pub async fn assert_all_closed(tag: &str) {
    // The server sees a hang-up at its next keep-alive (200 ms); the rest of the limit is for a
    // busy machine, where the browser's network process can take seconds to close a socket.
    within(
        Duration::from_secs(15),
        "the server to see every connection closed",
        async {
            while open_connections(tag).await != 0 {
                wait(50).await;
            }
        },
    )
    .await;
}

/// The server's log of `tag`'s requests, CORS preflights included.
pub async fn request_log(tag: &str) -> Vec<serde_json::Value> {
    match get(&format!("/log?tag={tag}")).await {
        serde_json::Value::Array(records) => records,
        other => panic!("log is not an array: {other}"),
    }
}

/// The server's log of `tag`'s connections: its requests but CORS preflights.
pub async fn connection_log(tag: &str) -> Vec<serde_json::Value> {
    let mut log = request_log(tag).await;
    log.retain(|record| record["method"] != "OPTIONS");
    log
}

/// Reads items until `done` says stop, failing the test after 15 s.
pub async fn collect_until<S, F>(stream: &mut S, mut done: F) -> Vec<S::Item>
where
    S: Stream + Unpin,
    F: FnMut(&S::Item) -> bool,
{
    within(Duration::from_secs(15), "the expected items", async {
        let mut items = Vec::new();
        while let Some(item) = stream.next().await {
            let stop = done(&item);
            items.push(item);
            if stop {
                break;
            }
        }
        items
    })
    .await
}

/// The counter feed's data: `{"seq":N}`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Seq {
    pub seq: u64,
}

/// The sequence numbers of the messages among `items`.
pub fn seqs(items: &[Result<Event<Seq>, Error>]) -> Vec<u64> {
    items
        .iter()
        .filter_map(|item| match item {
            Ok(Event::Message(message)) => Some(message.data.seq),
            _ => None,
        })
        .collect()
}

/// Each item in a line: `open`, `type:"data"#id` (data in Debug form), `comment:"text"`,
/// or `err:Debug`.
pub fn summary<T: std::fmt::Debug>(items: &[Result<Event<T>, Error>]) -> Vec<String> {
    items
        .iter()
        .map(|item| match item {
            Ok(Event::Open) => "open".to_owned(),
            Ok(Event::Message(message)) => {
                format!(
                    "{}:{:?}#{}",
                    message.event, message.data, message.last_event_id
                )
            }
            Ok(Event::Comment(text)) => format!("comment:{text:?}"),
            Ok(other) => format!("{other:?}"),
            Err(err) => format!("err:{err:?}"),
        })
        .collect()
}

/// The error of an answer with `status` and no `Retry-After`.
pub fn status(status: u16) -> Error {
    Error::Status {
        status,
        retry_after: None,
    }
}

/// Counts the heap bytes this test binary holds: the system allocator (dlmalloc on wasm32)
/// underneath. Linear memory never shrinks, so its size says nothing once an earlier test has
/// grown it; live and peak heap bytes say what a test itself held.
struct CountingAllocator;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn count_alloc(size: usize) {
    let live = LIVE.fetch_add(size, Relaxed) + size;
    PEAK.fetch_max(live, Relaxed);
}

// SAFETY: every call is passed on to `System` unchanged; only sizes are counted.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pointer = System.alloc(layout);
        if !pointer.is_null() {
            count_alloc(layout.size());
        }
        pointer
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let pointer = System.alloc_zeroed(layout);
        if !pointer.is_null() {
            count_alloc(layout.size());
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        System.dealloc(pointer, layout);
        LIVE.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let moved = System.realloc(pointer, layout, new_size);
        if !moved.is_null() {
            LIVE.fetch_sub(layout.size(), Relaxed);
            count_alloc(new_size);
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Heap bytes held now.
pub fn live_heap_bytes() -> usize {
    LIVE.load(Relaxed)
}

/// Starts measuring the peak afresh; returns the heap bytes held now, the base to compare with.
pub fn reset_heap_peak() -> usize {
    let live = LIVE.load(Relaxed);
    PEAK.store(live, Relaxed);
    live
}

/// The most heap bytes held at once since the last [`reset_heap_peak`], above `base`.
pub fn heap_peak_above(base: usize) -> usize {
    PEAK.load(Relaxed).saturating_sub(base)
}

/// The text of `root`'s element of `class`, empty when there is none.
pub fn text(root: &web_sys::Element, class: &str) -> String {
    root.query_selector(&format!(".{class}"))
        .expect("selector")
        .and_then(|element| element.text_content())
        .unwrap_or_default()
}

/// Waits until `done` holds, failing the test after 10 s.
pub async fn until(what: &str, mut done: impl FnMut() -> bool) {
    within(Duration::from_secs(10), what, async {
        while !done() {
            wait(20).await;
        }
    })
    .await;
}

/// Waits until the server has logged at least `count` connections of `tag`, failing the test
/// after 5 s; returns the log.
pub async fn until_connections(tag: &str, count: usize) -> Vec<serde_json::Value> {
    within(
        Duration::from_secs(5),
        "the server to log the connections",
        async {
            loop {
                let log = connection_log(tag).await;
                if log.len() >= count {
                    return log;
                }
                wait(20).await;
            }
        },
    )
    .await
}
