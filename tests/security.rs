//! Security properties and hostile servers, in a real browser against the test server: what
//! leaves the page on redirects, what a hostile id can make us send, the size limits (event
//! types included), and every bad input of `docs/reliability.md` §4 that earlier suites did not
//! already cover: each gives a typed error or a defined behaviour, with bounded memory.
//! (Credentials only when asked: `transports.rs`, `credentials_*`; no `eval`, so a strict
//! Content-Security-Policy works: `tests/csp/`.)
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use wasm_bindgen_test::*;
use wasm_sse::{Error, Event, EventSource, RetryPolicy, Transport};

wasm_bindgen_test_configure!(run_in_browser);

/// The test server under another origin: `localhost` instead of `127.0.0.1`.
fn other_origin(path_and_query: &str) -> String {
    url(path_and_query).replacen("127.0.0.1", "localhost", 1)
}

fn percent_encode(text: &str) -> String {
    js_sys::encode_uri_component(text).into()
}

/// The echo the test server sends back, as JSON.
async fn echo_of(feed: &mut EventSource) -> serde_json::Value {
    loop {
        match next(feed).await {
            Some(Ok(Event::Open)) => {}
            Some(Ok(Event::Message(message))) => {
                return serde_json::from_str(&message.data).expect("JSON echo")
            }
            other => panic!("expected the echo, got {other:?}"),
        }
    }
}

/// Opens a redirect to another origin carrying `name: value`; the header must not arrive
/// there. A refused redirect (an error item) is as good as one followed without the header.
async fn assert_header_not_sent_across_origins(name: &str, value: &str, code: u16) {
    let tag = unique_tag("cross-redirect");
    let target = other_origin(&format!("/echo?tag={tag}"));
    let mut feed = EventSource::builder(url(&format!(
        "/redirect?code={code}&to={}",
        percent_encode(&target)
    )))
    .transport(Transport::Fetch)
    .header(name, value)
    .events(["echo"])
    .retry(RetryPolicy::never())
    .open()
    .unwrap();
    match next(&mut feed).await {
        Some(Ok(Event::Open)) => {
            let echo = echo_of(&mut feed).await;
            let sent = &echo["headers"][name.to_ascii_lowercase()];
            assert_eq!(
                sent,
                &serde_json::Value::Null,
                "{name} after {code}: {echo}"
            );
        }
        Some(Err(Error::Redirected)) => {}
        other => panic!("unexpected {other:?}"),
    }
    let leaked = request_log(&tag)
        .await
        .iter()
        .any(|record| record["headers"].get(name.to_ascii_lowercase()).is_some());
    assert!(
        !leaked,
        "{name} reached the other origin after {code}, preflight included"
    );
}

#[wasm_bindgen_test]
async fn authorization_is_not_sent_to_another_origin_after_a_redirect() {
    for code in [302, 307, 308] {
        assert_header_not_sent_across_origins("Authorization", "Bearer s3cret", code).await;
    }
}

#[wasm_bindgen_test]
async fn custom_headers_are_not_sent_to_another_origin_after_a_redirect() {
    for code in [302, 307] {
        assert_header_not_sent_across_origins("X-Api-Key", "k3y", code).await;
    }
}

#[wasm_bindgen_test]
async fn a_redirect_without_custom_headers_is_followed_to_another_origin() {
    let target = other_origin("/counter?count=1");
    let mut feed = EventSource::builder(url(&format!(
        "/redirect?code=307&to={}",
        percent_encode(&target)
    )))
    .transport(Transport::Fetch)
    .open()
    .unwrap();
    assert_eq!(next(&mut feed).await, Some(Ok(Event::Open)));
    let Some(Ok(Event::Message(message))) = next(&mut feed).await else {
        panic!("expected the counter's event");
    };
    assert_eq!(message.origin, other_origin("").trim_end_matches('/'));
}

#[wasm_bindgen_test]
async fn an_initial_last_event_id_with_cr_lf_or_nul_is_never_sent() {
    for transport in [Transport::Fetch, Transport::EventSource] {
        for id in ["5\r\nX-Injected: 1", "5\nX", "5\rX", "5\0X"] {
            let tag = unique_tag("inject");
            let mut feed = EventSource::builder(url(&format!("/counter?count=1&tag={tag}")))
                .transport(transport)
                .last_event_id(id)
                .open()
                .unwrap();
            assert_eq!(
                next(&mut feed).await,
                Some(Ok(Event::Open)),
                "{transport:?}"
            );
            let log = connection_log(&tag).await;
            let record = &log[0];
            assert_eq!(record["headers"].get("x-injected"), None);
            assert_eq!(
                record["last_event_id"],
                serde_json::Value::Null,
                "{transport:?} {id:?}: {record}"
            );
            assert!(
                !record["query"].as_str().unwrap().contains("lastEventId"),
                "{transport:?} {id:?}: the id the stream could never have sent is dropped: {record}"
            );
        }
    }
}

#[wasm_bindgen_test]
async fn an_id_with_nul_from_the_server_is_ignored_and_never_sent_back() {
    for transport in [Transport::Fetch, Transport::EventSource] {
        let tag = unique_tag("nul-id");
        let body = percent_encode("retry: 20\nid: 1\ndata: a\n\nid: 2\u{0}3\ndata: b\n\n");
        let mut builder = EventSource::builder(url(&format!("/abort?body={body}&tag={tag}")))
            .transport(transport);
        if transport == Transport::Fetch {
            builder = builder.retry(RetryPolicy::default());
        }
        let mut feed = builder.open().unwrap();
        let items = collect_until(&mut feed, |item| {
            matches!(item, Err(Error::Disconnected | Error::Network(_)))
        })
        .await;
        let ids: Vec<_> = items
            .iter()
            .filter_map(|item| match item {
                Ok(Event::Message(message)) => Some(message.last_event_id.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(ids, ["1", "1"], "{transport:?}");
        collect_until(&mut feed, |item| matches!(item, Ok(Event::Open))).await;
        drop(feed);
        let log = connection_log(&tag).await;
        assert_eq!(log[1]["last_event_id"], "1", "{transport:?}");
    }
}

#[wasm_bindgen_test]
async fn a_long_event_type_counts_towards_the_event_size_limit() {
    let long_type = "t".repeat(100);
    let body = percent_encode(&format!(
        "event: {long_type}\ndata: x\n\nevent: short\ndata: y\n\n"
    ));
    let mut feed = EventSource::builder(url(&format!("/raw?body={body}")))
        .transport(Transport::Fetch)
        .all_events()
        .max_event_size(64)
        .open()
        .unwrap();
    assert_eq!(next(&mut feed).await, Some(Ok(Event::Open)));
    assert_eq!(
        next(&mut feed).await,
        Some(Err(Error::EventTooLarge { limit: 64 }))
    );
    let Some(Ok(Event::Message(message))) = next(&mut feed).await else {
        panic!("expected the next event");
    };
    assert_eq!(
        (message.event.as_str(), message.data.as_str()),
        ("short", "y")
    );
}

// ---- Hostile servers: every bad input gives a typed error or a defined behaviour ----------

fn fetch_raw(body: &str, extra: &str) -> wasm_sse::Builder {
    EventSource::builder(url(&format!("/raw?body={}{extra}", percent_encode(body))))
        .transport(Transport::Fetch)
}

/// The data of each message among `items`.
fn data_of(items: &[Result<Event, Error>]) -> Vec<String> {
    items
        .iter()
        .filter_map(|item| match item {
            Ok(Event::Message(message)) => Some(message.data.clone()),
            _ => None,
        })
        .collect()
}

#[wasm_bindgen_test]
async fn a_gigantic_event_is_skipped_with_a_size_error_and_the_next_one_arrives() {
    let base = reset_heap_peak();
    let mut feed = EventSource::builder(url("/giant?bytes=16777216"))
        .transport(Transport::Fetch)
        .max_event_size(1 << 20)
        .open()
        .unwrap();
    assert_eq!(next(&mut feed).await, Some(Ok(Event::Open)));
    assert_eq!(
        next(&mut feed).await,
        Some(Err(Error::EventTooLarge { limit: 1 << 20 }))
    );
    let Some(Ok(Event::Message(message))) = next(&mut feed).await else {
        panic!("expected the event after the giant one");
    };
    assert_eq!(
        (message.data.as_str(), message.last_event_id.as_str()),
        ("after", "after")
    );
    let peak = heap_peak_above(base);
    assert!(
        peak < 3 << 20,
        "16 MiB event, 1 MiB limit: {peak} heap bytes at the peak"
    );
}

#[wasm_bindgen_test]
async fn a_flood_of_tiny_events_is_delivered_whole_in_order() {
    let count = 100_000;
    let mut feed = EventSource::builder(url(&format!("/flood?count={count}&unit=event")))
        .transport(Transport::Fetch)
        .open()
        .unwrap();
    assert_eq!(next(&mut feed).await, Some(Ok(Event::Open)));
    let mut received = 0;
    loop {
        match next(&mut feed).await {
            Some(Ok(Event::Message(message))) if message.data == "x" => received += 1,
            Some(Ok(Event::Message(message))) => {
                assert_eq!(message.data, "end");
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(received, count);
}

#[wasm_bindgen_test]
async fn a_flood_of_blank_lines_and_comments_yields_nothing_and_holds_no_memory() {
    let base = reset_heap_peak();
    for unit in ["blank", "comment"] {
        let mut feed = EventSource::builder(url(&format!("/flood?count=5000000&unit={unit}")))
            .transport(Transport::Fetch)
            .open()
            .unwrap();
        assert_eq!(next(&mut feed).await, Some(Ok(Event::Open)));
        let Some(Ok(Event::Message(message))) = next(&mut feed).await else {
            panic!("{unit}: expected only the final event");
        };
        assert_eq!(message.data, "end", "{unit}");
    }
    let peak = heap_peak_above(base);
    assert!(peak < 512 << 10, "{peak} heap bytes at the peak");
}

#[wasm_bindgen_test]
async fn invalid_utf8_becomes_replacement_characters_in_both_transports() {
    // %FF is never valid; %C3 starts a character the line end cuts short.
    let body = "data: a%FFb%C3%0A%0A";
    for transport in [Transport::Fetch, Transport::EventSource] {
        let mut feed = EventSource::builder(url(&format!("/raw?body={body}")))
            .transport(transport)
            .open()
            .unwrap();
        let items = collect_until(&mut feed, |item| matches!(item, Ok(Event::Message(_)))).await;
        assert_eq!(data_of(&items), ["a\u{FFFD}b\u{FFFD}"], "{transport:?}");
    }
}

#[wasm_bindgen_test]
async fn nul_bytes_in_data_and_event_type_are_kept_in_both_transports() {
    for transport in [Transport::Fetch, Transport::EventSource] {
        let mut feed = EventSource::builder(url("/raw?body=data: a%00b%0A%0A"))
            .transport(transport)
            .open()
            .unwrap();
        let items = collect_until(&mut feed, |item| matches!(item, Ok(Event::Message(_)))).await;
        assert_eq!(data_of(&items), ["a\0b"], "{transport:?}");
    }
    let mut feed = fetch_raw("event: t\0x\ndata: 1\n\n", "")
        .all_events()
        .open()
        .unwrap();
    let items = collect_until(&mut feed, |item| matches!(item, Ok(Event::Message(_)))).await;
    let Some(Ok(Event::Message(message))) = items.last() else {
        panic!("expected the event");
    };
    assert_eq!(message.event, "t\0x");
}

#[wasm_bindgen_test]
async fn an_absurd_retry_value_is_capped_by_the_retry_policy() {
    let mut feed = fetch_raw("retry: 99999999999999999999999\ndata: x\n\n", "&after=eof")
        .retry(RetryPolicy::default().jitter(0.0))
        .open()
        .unwrap();
    let items = collect_until(&mut feed, |item| matches!(item, Err(Error::StreamEnded))).await;
    assert_eq!(data_of(&items), ["x"]);
    assert_eq!(
        feed.state(),
        wasm_sse::ConnectionState::Reconnecting {
            attempt: 1,
            delay: std::time::Duration::from_secs(30)
        }
    );
    feed.close();
}

#[wasm_bindgen_test]
async fn slow_loris_bytes_arrive_as_whole_events() {
    // One byte every 20 ms: slow, but never silent for the stall timeout.
    let mut feed = fetch_raw("data: slow\n\n", "&chunk=1&delay_ms=20")
        .stall_timeout(std::time::Duration::from_millis(500))
        .open()
        .unwrap();
    let items = collect_until(&mut feed, |item| matches!(item, Ok(Event::Message(_)))).await;
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(data_of(&items), ["slow"]);
}

#[wasm_bindgen_test]
async fn a_connection_reset_mid_event_discards_the_partial_event_and_reconnects() {
    let body = percent_encode("retry: 20\nid: 1\ndata: one\n\nid: 2\ndata: partial");
    for transport in [Transport::Fetch, Transport::EventSource] {
        let tag = unique_tag("reset");
        let mut builder = EventSource::builder(url(&format!("/abort?body={body}&tag={tag}")))
            .transport(transport);
        if transport == Transport::Fetch {
            builder = builder.retry(RetryPolicy::default());
        }
        let mut feed = builder.open().unwrap();
        let mut opens = 0;
        let items = collect_until(&mut feed, |item| {
            opens += usize::from(matches!(item, Ok(Event::Open)));
            opens == 2
        })
        .await;
        drop(feed);
        assert_eq!(data_of(&items), ["one"], "{transport:?}: {items:?}");
        let error = &items[2];
        assert!(
            matches!(error, Err(Error::Network(_) | Error::Disconnected)),
            "{transport:?}: {error:?}"
        );
        let log = connection_log(&tag).await;
        assert_eq!(log[1]["last_event_id"], "1", "{transport:?}");
    }
}

#[wasm_bindgen_test]
async fn every_error_status_is_a_typed_error_retried_only_when_transient() {
    let retried = [408, 429, 500, 502, 503, 504, 507, 511, 599];
    let fatal = [
        300, 304, 400, 401, 403, 404, 405, 406, 409, 410, 413, 414, 415, 418, 422, 431, 451, 201,
        202, 206,
    ];
    for status in retried.into_iter().chain(fatal) {
        let mut feed = EventSource::builder(url(&format!("/status/{status}")))
            .transport(Transport::Fetch)
            .retry(RetryPolicy::default().initial_delay(std::time::Duration::from_secs(60)))
            .open()
            .unwrap();
        assert_eq!(
            next(&mut feed).await,
            Some(Err(Error::Status {
                status,
                retry_after: None
            })),
            "{status}"
        );
        let reconnecting = matches!(
            feed.state(),
            wasm_sse::ConnectionState::Reconnecting { attempt: 1, .. }
        );
        assert_eq!(reconnecting, retried.contains(&status), "{status}");
        feed.close();
    }
}

#[wasm_bindgen_test]
async fn a_missing_content_type_is_a_typed_error() {
    let mut feed = EventSource::builder(url("/wrong-content-type?type=none"))
        .transport(Transport::Fetch)
        .open()
        .unwrap();
    assert_eq!(
        next(&mut feed).await,
        Some(Err(Error::ContentType { content_type: None }))
    );
    assert_eq!(next(&mut feed).await, None);
}
