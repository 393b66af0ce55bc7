//! Inputs from the world: what checks from outside the project found (the package tried in
//! Node and Chromium against servers written elsewhere, and a reviewer's reading), each as
//! the behaviour that is right, against the test server in a real browser.
#![cfg(target_arch = "wasm32")]

mod common;

use std::time::Duration;

use common::*;
use wasm_bindgen_test::*;
use wasm_sse::{
    Builder, ConnectionState, EndReason, Error, Event, EventSource, RetryPolicy, Transport,
};

wasm_bindgen_test_configure!(run_in_browser);

const MS: fn(u64) -> Duration = Duration::from_millis;

/// Ids that are not Latin-1, or not even valid UTF-8 on the wire, with the UTF-8 bytes a
/// browser sends back for them (as hex) and their percent-encoded form in a query.
const IDS: [(&[u8], &str, &str); 4] = [
    (
        "café-😀-0".as_bytes(),
        "636166c3a92df09f98802d30",
        "caf%C3%A9-%F0%9F%98%80-0",
    ),
    ("é".as_bytes(), "c3a9", "%C3%A9"),
    ("…".as_bytes(), "e280a6", "%E2%80%A6"),
    // A byte that is not UTF-8 is decoded as U+FFFD, which goes back as its UTF-8 bytes.
    (b"\xff", "efbfbd", "%EF%BF%BD"),
];

/// `bytes` percent-encoded, every byte.
fn percent(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("%{byte:02X}")).collect()
}

/// `/raw` sending `body` once per connection, then ending the response.
fn raw_once(body: &[u8], tag: &str) -> String {
    url(&format!("/raw?body={}&after=eof&tag={tag}", percent(body)))
}

fn fetch(url: &str) -> Builder {
    EventSource::builder(url).transport(Transport::Fetch)
}

fn quick() -> RetryPolicy {
    RetryPolicy::default().initial_delay(MS(50)).jitter(0.0)
}

fn is_message(item: &Result<Event, Error>) -> bool {
    matches!(item, Ok(Event::Message(_)))
}

/// The `lastEventId` query parameter of a logged request, `-` when absent.
fn query_param(record: &serde_json::Value) -> String {
    let query = record["query"].as_str().unwrap_or_default();
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("lastEventId="))
        .unwrap_or("-")
        .to_owned()
}

#[wasm_bindgen_test]
async fn fetch_sends_a_non_latin1_last_event_id_as_its_utf8_bytes_and_goes_on() {
    for (id, hex, _) in IDS {
        let tag = unique_tag("utf8-id");
        let body = [b"id: ", id, b"\ndata: a\n\n"].concat();
        let mut feed = fetch(&raw_once(&body, &tag)).retry(quick()).open().unwrap();
        let mut items = collect_until(&mut feed, is_message).await;
        items.extend(collect_until(&mut feed, is_message).await);
        let expected_id = String::from_utf8_lossy(id);
        let message = format!("message:\"a\"#{expected_id}");
        let ended = format!("err:{:?}", Error::StreamEnded);
        assert_eq!(
            summary(&items),
            ["open", &message, &ended, "open", &message],
            "{hex}"
        );
        drop(feed);
        let log = connection_log(&tag).await;
        assert_eq!(log[0]["last_event_id_hex"], serde_json::Value::Null);
        assert_eq!(log[1]["last_event_id_hex"], hex, "the reconnect's header");
    }
}

#[wasm_bindgen_test]
async fn fetch_sends_a_non_latin1_last_event_id_parameter_percent_encoded_as_utf8() {
    for (id, _, encoded) in IDS {
        let tag = unique_tag("utf8-param");
        let body = [b"id: ", id, b"\ndata: a\n\n"].concat();
        let mut feed = fetch(&raw_once(&body, &tag))
            .last_event_id_param("lastEventId")
            .retry(quick())
            .open()
            .unwrap();
        collect_until(&mut feed, is_message).await;
        collect_until(&mut feed, is_message).await;
        drop(feed);
        let log = connection_log(&tag).await;
        let params: Vec<_> = log.iter().map(query_param).collect();
        assert_eq!(params, ["-", encoded], "{encoded}");
        assert_eq!(log[1]["last_event_id_hex"], serde_json::Value::Null);
    }
}

#[wasm_bindgen_test]
async fn event_source_sends_a_non_latin1_id_as_utf8_in_the_header_and_the_parameter() {
    // The browser reconnects by itself with the header; when that reconnect fails for good,
    // the policy's new EventSource carries the id in the query.
    for (id, hex, encoded) in IDS {
        let tag = unique_tag("utf8-es");
        let body = [b"retry: 1000\nid: ", id, b"\ndata: a\n\n"].concat();
        let mut feed = EventSource::builder(raw_once(&body, &tag))
            .retry(RetryPolicy::default().initial_delay(MS(50)).max_attempts(1))
            .open()
            .unwrap();
        collect_until(&mut feed, is_message).await;
        get(&format!("/control/fail?tag={tag}&n=1&status=503")).await;
        let items = collect_until(&mut feed, is_message).await;
        assert!(items.contains(&Err(Error::ConnectionFailed)), "{items:?}");
        drop(feed);
        let log = connection_log(&tag).await;
        let sent: Vec<_> = log
            .iter()
            .map(|record| (record["last_event_id_hex"].clone(), query_param(record)))
            .collect();
        let none = serde_json::Value::Null;
        assert_eq!(
            sent,
            [
                (none.clone(), "-".to_owned()),
                (hex.into(), "-".to_owned()),
                (none, encoded.to_owned())
            ],
            "(Last-Event-ID bytes, lastEventId parameter) of each request"
        );
    }
}

#[wasm_bindgen_test]
async fn stall_timeouts_past_the_browser_timer_limit_do_not_stall_every_read() {
    // setTimeout fires at once past 2^31 - 1 ms; gloo-timers panics past u32::MAX ms.
    for timeout in [
        Duration::from_secs(30 * 24 * 3600),
        MS(u64::from(u32::MAX) + 1),
        Duration::MAX,
    ] {
        let tag = unique_tag("long-stall");
        let mut feed = fetch(&url(&format!("/counter?count=3&interval_ms=30&tag={tag}")))
            .stall_timeout(timeout)
            .retry(quick())
            .open()
            .unwrap()
            .json::<Seq>();
        let items = collect_until(
            &mut feed,
            |item| matches!(item, Ok(Event::Message(m)) if m.data.seq == 3),
        )
        .await;
        assert_eq!(
            summary(&items),
            [
                "open",
                "message:Seq { seq: 1 }#1",
                "message:Seq { seq: 2 }#2",
                "message:Seq { seq: 3 }#3"
            ],
            "{timeout:?}"
        );
        drop(feed);
        assert_eq!(connection_log(&tag).await.len(), 1, "{timeout:?}");
    }
}

#[wasm_bindgen_test]
async fn a_server_retry_of_ten_trillion_ms_is_waited_for_not_a_trap() {
    let tag = unique_tag("huge-retry");
    let body = b"retry: 10000000000000\ndata: x\n\n";
    let mut feed = fetch(&raw_once(body, &tag))
        .retry(RetryPolicy::default().max_delay(Duration::MAX).jitter(0.0))
        .open()
        .unwrap();
    let items = collect_until(&mut feed, |item| matches!(item, Err(Error::StreamEnded))).await;
    assert_eq!(summary(&items)[..2], ["open", "message:\"x\"#"]);
    assert_eq!(
        feed.state(),
        ConnectionState::Reconnecting {
            attempt: 1,
            delay: MS(10_000_000_000_000)
        }
    );
    // Polled while it waits: the wait is made of timers the browser can keep.
    assert_quiet(&mut feed, 300).await;
    assert_eq!(connection_log(&tag).await.len(), 1);
}

#[wasm_bindgen_test]
async fn a_204_after_the_last_message_ends_the_stream_cleanly() {
    let tag = unique_tag("204-end");
    let mut feed = fetch(&url(&format!("/counter?count=3&drop_after=3&tag={tag}")))
        .retry(quick())
        .open()
        .unwrap()
        .json::<Seq>();
    let items = within(Duration::from_secs(10), "the end", async {
        let mut items = Vec::new();
        while let Some(item) = futures::StreamExt::next(&mut feed).await {
            items.push(item);
        }
        items
    })
    .await;
    assert_eq!(seqs(&items), [1, 2, 3]);
    assert_eq!(
        items.last(),
        Some(&Err(Error::StreamEnded)),
        "the first response ended; the reconnect's 204 is no error"
    );
    assert_eq!(feed.state(), ConnectionState::Closed);
    assert_eq!(feed.end_reason(), Some(EndReason::NoContent));
    let statuses: Vec<_> = connection_log(&tag)
        .await
        .iter()
        .map(|record| record["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [200, 204]);
}

#[wasm_bindgen_test]
async fn a_204_to_the_first_request_ends_the_stream_with_no_item() {
    let mut feed = fetch(&url("/status/204")).retry(quick()).open().unwrap();
    assert_eq!(next(&mut feed).await, None);
    assert_eq!(feed.state(), ConnectionState::Closed);
    assert_eq!(feed.end_reason(), Some(EndReason::NoContent));
}

#[wasm_bindgen_test]
async fn end_reasons_say_whether_the_stream_was_closed_or_failed() {
    let mut feed = fetch(&url("/?interval_ms=50")).open().unwrap();
    assert_eq!(feed.end_reason(), None);
    assert_eq!(next(&mut feed).await, Some(Ok(Event::Open)));
    feed.close();
    assert_eq!(feed.end_reason(), Some(EndReason::Closed));
    assert_eq!(next(&mut feed).await, None);
    assert_eq!(feed.end_reason(), Some(EndReason::Closed));

    let mut feed = fetch(&url("/status/404")).open().unwrap();
    assert_eq!(next(&mut feed).await, Some(Err(status(404))));
    assert_eq!(feed.end_reason(), Some(EndReason::Failed(status(404))));
    assert_eq!(next(&mut feed).await, None);
    feed.close();
    assert_eq!(
        feed.end_reason(),
        Some(EndReason::Failed(status(404))),
        "closing an ended stream keeps why it ended"
    );
}

/// A `<base href>` in the document's head, removed when dropped.
struct BaseElement(web_sys::Element);

impl BaseElement {
    fn new(href: &str) -> Self {
        let document = web_sys::window().unwrap().document().unwrap();
        let base = document.create_element("base").unwrap();
        base.set_attribute("href", href).unwrap();
        document.head().unwrap().prepend_with_node_1(&base).unwrap();
        BaseElement(base)
    }
}

impl Drop for BaseElement {
    fn drop(&mut self) {
        self.0.remove();
    }
}

#[wasm_bindgen_test]
async fn a_relative_url_resolves_against_the_document_base_uri() {
    // The page is of another origin than the test server; `<base>` points at the server.
    let base = BaseElement::new(&url("/"));
    for transport in [Transport::EventSource, Transport::Fetch] {
        let tag = unique_tag("base");
        let relative = format!("counter?count=1&tag={tag}");
        let mut feed = EventSource::builder(&relative)
            .transport(transport)
            .open()
            .unwrap()
            .json::<Seq>();
        assert_eq!(feed.url(), url(&format!("/{relative}")), "{transport:?}");
        let items = collect_until(&mut feed, |item| matches!(item, Ok(Event::Message(_)))).await;
        assert_eq!(seqs(&items), [1], "{transport:?}");
    }
    drop(base);
    let document = web_sys::window().unwrap().document().unwrap();
    assert!(document.query_selector("base").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn dropping_a_fetch_stream_mid_body_hangs_up_at_once() {
    // One byte of an event every 50 ms: the response is mid-body, mid-event, when dropped.
    let tag = unique_tag("mid-body");
    let body = percent(&b"data: x".repeat(1000));
    let mut feed = fetch(&url(&format!(
        "/raw?body={body}&chunk=1&delay_ms=50&tag={tag}"
    )))
    .open()
    .unwrap();
    assert_eq!(next(&mut feed).await, Some(Ok(Event::Open)));
    until_open_connections(&tag, 1).await;
    drop(feed);
    assert_all_closed(&tag).await;
}
