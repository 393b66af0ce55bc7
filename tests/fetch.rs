//! What only the fetch transport does — methods, headers, bodies, typed failures, our own
//! reconnection policy, stall detection, bounded memory — against the test server in a
//! real browser. Behaviours both transports share are in transports.rs.
#![cfg(target_arch = "wasm32")]

mod common;

use std::time::Duration;

use common::*;
use wasm_bindgen_test::*;
use wasm_sse::{
    Builder, ConnectionState, Credentials, EndReason, Error, Event, EventSource, RetryPolicy,
    Transport,
};

wasm_bindgen_test_configure!(run_in_browser);

const MS: fn(u64) -> Duration = Duration::from_millis;

fn fetch(path: &str) -> Builder {
    EventSource::builder(url(path)).transport(Transport::Fetch)
}

/// Reconnects after 50 ms, then 100, 200...: quick enough for tests, still a backoff.
fn quick() -> RetryPolicy {
    RetryPolicy::default().initial_delay(MS(50)).jitter(0.0)
}

fn gaps_ms(log: &[serde_json::Value]) -> Vec<f64> {
    let times: Vec<f64> = log
        .iter()
        .map(|record| record["at_ms"].as_f64().unwrap())
        .collect();
    times.windows(2).map(|pair| pair[1] - pair[0]).collect()
}

#[wasm_bindgen_test]
async fn post_body_and_custom_headers_reach_the_server() {
    let mut feed = fetch("/echo")
        .method("POST")
        .header("Authorization", "Bearer t0ken")
        .header("X-Trace", "abc")
        .body(r#"{"topic":"prices"}"#)
        .events(["echo"])
        .open()
        .unwrap();
    assert_eq!(next(&mut feed).await, Some(Ok(Event::Open)));
    let Some(Ok(Event::Message(message))) = next(&mut feed).await else {
        panic!("expected the echo");
    };
    let echo: serde_json::Value = serde_json::from_str(&message.data).unwrap();
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["body"], r#"{"topic":"prices"}"#);
    assert_eq!(echo["headers"]["authorization"], "Bearer t0ken");
    assert_eq!(echo["headers"]["x-trace"], "abc");
    assert_eq!(echo["headers"]["accept"], "text/event-stream");
}

#[wasm_bindgen_test]
async fn a_post_is_sent_again_with_its_body_on_reconnect() {
    let tag = unique_tag("repost");
    let mut feed = fetch(&format!("/counter?count=2&drop_after=1&tag={tag}"))
        .method("POST")
        .body("subscribe")
        .retry(quick())
        .open()
        .unwrap()
        .json::<Seq>();
    let items = collect_until(&mut feed, |_| false).await;
    assert_eq!(seqs(&items), [1, 2]);
    let log = connection_log(&tag).await;
    let methods: Vec<_> = log
        .iter()
        .map(|record| record["method"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        methods.iter().filter(|method| *method == "POST").count(),
        3,
        "{methods:?}"
    );
}

#[wasm_bindgen_test]
async fn client_errors_stop_with_the_status_and_no_retry() {
    for code in [401, 404] {
        let tag = unique_tag("4xx");
        let mut feed = fetch(&format!("/status/{code}?tag={tag}"))
            .retry(quick())
            .open()
            .unwrap();
        assert_eq!(next(&mut feed).await, Some(Err(status(code))));
        assert_eq!(next(&mut feed).await, None);
        wait(300).await;
        assert_eq!(connection_log(&tag).await.len(), 1, "{code}: no retry");
    }
}

#[wasm_bindgen_test]
async fn no_content_stops_the_stream_without_reconnecting() {
    let tag = unique_tag("204");
    let mut feed = fetch(&format!("/status/204?tag={tag}"))
        .retry(quick())
        .open()
        .unwrap();
    assert_eq!(
        next(&mut feed).await,
        None,
        "a 204 is a clean end, not an error"
    );
    assert_eq!(feed.state(), ConnectionState::Closed);
    assert_eq!(feed.end_reason(), Some(EndReason::NoContent));
    wait(300).await;
    assert_eq!(connection_log(&tag).await.len(), 1);
}

#[wasm_bindgen_test]
async fn a_wrong_content_type_stops_at_once_even_while_the_response_stays_open() {
    let tag = unique_tag("type");
    let mut feed = fetch(&format!(
        "/wrong-content-type?type=application/json&tag={tag}"
    ))
    .retry(quick())
    .open()
    .unwrap();
    let expected = Error::ContentType {
        content_type: Some("application/json".into()),
    };
    assert_eq!(next(&mut feed).await, Some(Err(expected)));
    assert_eq!(next(&mut feed).await, None);
    assert_all_closed(&tag).await;
    assert_eq!(connection_log(&tag).await.len(), 1);
}

#[wasm_bindgen_test]
async fn service_unavailable_is_retried_until_the_server_recovers() {
    let tag = unique_tag("503");
    get(&format!("/control/fail?tag={tag}&n=2&status=503")).await;
    let mut feed = fetch(&format!("/counter?count=2&tag={tag}"))
        .retry(quick())
        .open()
        .unwrap()
        .json::<Seq>();
    let unavailable = Err(status(503));
    assert_eq!(next(&mut feed).await, Some(unavailable.clone()));
    assert_eq!(
        feed.state(),
        ConnectionState::Reconnecting {
            attempt: 1,
            delay: MS(50)
        }
    );
    assert_eq!(next(&mut feed).await, Some(unavailable));
    assert_eq!(
        feed.state(),
        ConnectionState::Reconnecting {
            attempt: 2,
            delay: MS(100)
        }
    );
    assert_eq!(next(&mut feed).await, Some(Ok(Event::Open)));
    assert_eq!(feed.state(), ConnectionState::Open);
    let items = collect_until(
        &mut feed,
        |item| matches!(item, Ok(Event::Message(m)) if m.data.seq == 2),
    )
    .await;
    assert_eq!(seqs(&items), [1, 2]);
}

#[wasm_bindgen_test]
async fn retry_after_is_honoured() {
    let tag = unique_tag("retry-after");
    get(&format!(
        "/control/fail?tag={tag}&n=1&status=429&retry_after=1"
    ))
    .await;
    let mut feed = fetch(&format!("/counter?count=1&tag={tag}"))
        .retry(quick())
        .open()
        .unwrap();
    let too_many = Error::Status {
        status: 429,
        retry_after: Some(Duration::from_secs(1)),
    };
    assert_eq!(next(&mut feed).await, Some(Err(too_many)));
    assert_eq!(
        feed.state(),
        ConnectionState::Reconnecting {
            attempt: 1,
            delay: Duration::from_secs(1)
        }
    );
    assert_eq!(next(&mut feed).await, Some(Ok(Event::Open)));
    let gap = gaps_ms(&connection_log(&tag).await)[0];
    assert!(
        (1000.0..2500.0).contains(&gap),
        "reconnected after {gap} ms"
    );
}

#[wasm_bindgen_test]
async fn backoff_delays_grow_as_configured_and_attempts_are_limited() {
    let tag = unique_tag("backoff");
    let policy = RetryPolicy::default()
        .initial_delay(MS(100))
        .factor(2.0)
        .jitter(0.0)
        .max_attempts(4);
    let mut feed = fetch(&format!("/status/503?tag={tag}"))
        .retry(policy)
        .open()
        .unwrap();
    // Each failure, and the wait the stream says follows it.
    let mut failures = Vec::new();
    while let Some(item) = next(&mut feed).await {
        failures.push((item, feed.state()));
    }
    let reconnecting = |attempt, ms| ConnectionState::Reconnecting {
        attempt,
        delay: MS(ms),
    };
    assert_eq!(
        failures,
        [
            (Err(status(503)), reconnecting(1, 100)),
            (Err(status(503)), reconnecting(2, 200)),
            (Err(status(503)), reconnecting(3, 400)),
            (Err(status(503)), reconnecting(4, 800)),
            (Err(status(503)), ConnectionState::Closed),
        ],
        "the first try and four attempts"
    );
    let gaps = gaps_ms(&connection_log(&tag).await);
    assert_eq!(gaps.len(), 4, "{gaps:?}");
    for (gap, delay) in gaps.iter().zip([100.0, 200.0, 400.0, 800.0]) {
        // The server sees the next request no sooner than the delay (less timer slack).
        assert!(*gap >= delay * 0.95, "gaps {gaps:?}");
    }
}

#[wasm_bindgen_test]
async fn dropped_mid_stream_again_and_again_every_event_arrives_once_in_order() {
    let tag = unique_tag("drops");
    let mut feed = fetch(&format!(
        "/counter?count=30&drop_after=4&drop_mode=mid&after=eof&tag={tag}"
    ))
    .retry(quick())
    .open()
    .unwrap()
    .json::<Seq>();
    let items = collect_until(&mut feed, |_| false).await;
    assert_eq!(seqs(&items), (1..=30).collect::<Vec<_>>());
    let ended = items
        .iter()
        .filter(|item| matches!(item, Err(Error::StreamEnded)))
        .count();
    assert_eq!(ended, 8, "one end of stream per dropped connection");
    assert_eq!(items.last(), Some(&Err(Error::StreamEnded)));
    assert_eq!(feed.end_reason(), Some(EndReason::NoContent));
    let sent: Vec<_> = connection_log(&tag)
        .await
        .iter()
        .map(|record| record["last_event_id"].as_str().map(str::to_owned))
        .collect();
    let expected: Vec<Option<String>> = std::iter::once(None)
        .chain(
            (4..=28)
                .step_by(4)
                .chain([30])
                .map(|id| Some(id.to_string())),
        )
        .collect();
    assert_eq!(sent, expected);
}

#[wasm_bindgen_test]
async fn the_last_event_id_survives_reconnects_that_fail_before_a_new_id_arrives() {
    let tag = unique_tag("keep-id");
    let mut feed = fetch(&format!("/counter?count=4&drop_after=2&tag={tag}"))
        .retry(quick())
        .open()
        .unwrap()
        .json::<Seq>();
    let mut items = collect_until(
        &mut feed,
        |item| matches!(item, Ok(Event::Message(m)) if m.data.seq == 2),
    )
    .await;
    get(&format!("/control/fail?tag={tag}&n=2&status=502")).await;
    items.extend(collect_until(&mut feed, |_| false).await);
    assert_eq!(seqs(&items), [1, 2, 3, 4]);
    let sent: Vec<_> = connection_log(&tag)
        .await
        .iter()
        .map(|record| record["last_event_id"].clone())
        .collect();
    assert_eq!(
        sent,
        [
            serde_json::Value::Null,
            "2".into(),
            "2".into(),
            "2".into(),
            "4".into()
        ]
    );
}

#[wasm_bindgen_test]
async fn a_clean_end_of_stream_reconnects_as_the_spec_says() {
    let tag = unique_tag("eof");
    let mut feed = fetch(&format!("/counter?count=1&after=eof&tag={tag}"))
        .retry(quick())
        .open()
        .unwrap();
    let items = collect_until(&mut feed, |_| false).await;
    assert_eq!(items.len(), 3, "{items:?}");
    assert_eq!(items[2], Err(Error::StreamEnded));
    assert_eq!(feed.end_reason(), Some(EndReason::NoContent));
    assert_eq!(connection_log(&tag).await.len(), 2);
}

#[wasm_bindgen_test]
async fn a_stalled_stream_is_dropped_and_resumed() {
    let tag = unique_tag("stall");
    let mut feed = fetch(&format!("/counter?count=1&keepalive_ms=0&tag={tag}"))
        .stall_timeout(MS(300))
        .retry(quick())
        .open()
        .unwrap();
    let items = collect_until(&mut feed, |_| false).await;
    assert_eq!(items.len(), 3, "{items:?}");
    assert_eq!(items[2], Err(Error::Stalled { timeout: MS(300) }));
    assert_eq!(feed.end_reason(), Some(EndReason::NoContent));
    let log = connection_log(&tag).await;
    assert_eq!(log[1]["last_event_id"], "1");
}

#[wasm_bindgen_test]
async fn keep_alive_comments_keep_a_quiet_stream_from_stalling() {
    let mut feed = fetch("/counter?count=1&keepalive_ms=100")
        .stall_timeout(MS(400))
        .open()
        .unwrap();
    assert_eq!(next(&mut feed).await, Some(Ok(Event::Open)));
    assert!(matches!(next(&mut feed).await, Some(Ok(Event::Message(_)))));
    assert_quiet(&mut feed, 1500).await;
    assert_eq!(feed.state(), ConnectionState::Open);
}

#[wasm_bindgen_test]
async fn close_cancels_a_pending_reconnect() {
    let tag = unique_tag("cancel");
    let mut feed = fetch(&format!("/status/503?tag={tag}"))
        .retry(RetryPolicy::default().initial_delay(MS(300)))
        .open()
        .unwrap();
    assert!(matches!(
        next(&mut feed).await,
        Some(Err(Error::Status { status: 503, .. }))
    ));
    assert!(matches!(
        feed.state(),
        ConnectionState::Reconnecting { attempt: 1, .. }
    ));
    feed.close();
    wait(800).await;
    assert_eq!(
        connection_log(&tag).await.len(),
        1,
        "no attempt after close"
    );
    assert_eq!(next(&mut feed).await, None);
}

#[wasm_bindgen_test]
async fn dropping_a_pending_request_aborts_it() {
    let tag = unique_tag("abort");
    // The server answers after a delay: the request is still pending when the stream drops.
    let mut feed = fetch(&format!(
        "/raw?body=data%3A%20late%0A%0A&delay_ms=2000&chunk=1&tag={tag}"
    ))
    .open()
    .unwrap();
    within(Duration::from_millis(500), "nothing", async {
        let poll = futures::poll!(futures::StreamExt::next(&mut feed));
        assert!(poll.is_pending());
    })
    .await;
    // Seen by the server first: dropped while still on its way, it would leave nothing to
    // close, and the check below would pass whatever the drop did.
    until_open_connections(&tag, 1).await;
    drop(feed);
    assert_all_closed(&tag).await;
}

#[wasm_bindgen_test]
async fn every_event_type_is_delivered_with_all_events() {
    let mut feed = fetch("/named").all_events().open().unwrap();
    let items = collect_until(
        &mut feed,
        |item| matches!(item, Ok(Event::Message(m)) if m.event == "error"),
    )
    .await;
    let types: Vec<_> = items
        .iter()
        .filter_map(|item| item.as_ref().ok()?.clone().into_message())
        .map(|m| m.event)
        .collect();
    assert_eq!(types, ["tick", "message", "tock", "tick", "open", "error"]);
}

#[wasm_bindgen_test]
async fn comments_are_items_in_stream_order_when_asked_for() {
    // Sent one byte at a time: the comment is cut into 9 chunks, its CRLF into 2.
    let mut feed = fetch("/bytewise")
        .all_events()
        .comments(true)
        .open()
        .unwrap();
    let items = collect_until(
        &mut feed,
        |item| matches!(item, Ok(Event::Message(m)) if m.data == "lf only"),
    )
    .await;
    assert_eq!(
        summary(&items),
        [
            "open",
            "comment:\"comment\"",
            "message:\"héllo\"#1",
            "greet:\"wörld ✓\\n😀\"#1",
            "message:\"cr only\"#3",
            "message:\"lf only\"#3",
        ]
    );
    // Without `comments`, the same stream has no comment item.
    let mut feed = fetch("/bytewise").all_events().open().unwrap();
    let items = collect_until(
        &mut feed,
        |item| matches!(item, Ok(Event::Message(m)) if m.data == "lf only"),
    )
    .await;
    assert!(!summary(&items)
        .iter()
        .any(|item| item.starts_with("comment")));
}

#[wasm_bindgen_test]
async fn an_endless_comment_line_is_one_typed_error_and_bounded_memory() {
    let error = Error::CommentTooLarge { limit: 64 * 1024 };
    endless_line_is_one_error_in_bounded_memory("comment", true, error).await;
}

#[wasm_bindgen_test]
async fn an_endless_line_is_a_size_error_not_unbounded_memory() {
    let error = Error::EventTooLarge { limit: 64 * 1024 };
    endless_line_is_one_error_in_bounded_memory("data", false, error).await;
}

/// Reads a 32 MiB `line` (`data` or `comment`) that never ends with a 64 KiB limit: `error`
/// once, the rest skipped as it streams in, a small heap peak, nothing held after the drop.
/// With `comments` a comment line is kept (and limited), not skipped.
async fn endless_line_is_one_error_in_bounded_memory(line: &str, comments: bool, error: Error) {
    let tag = unique_tag("endless");
    let base = reset_heap_peak();
    let mut feed = fetch(&format!(
        "/endless-line?line={line}&limit_bytes=33554432&tag={tag}"
    ))
    .comments(comments)
    .max_event_size(64 * 1024)
    .open()
    .unwrap();
    assert_eq!(next(&mut feed).await, Some(Ok(Event::Open)));
    assert_eq!(next(&mut feed).await, Some(Err(error)));
    assert_quiet(&mut feed, 1500).await;
    let peak = heap_peak_above(base);
    assert!(
        peak < 512 << 10,
        "a 32 MiB {line} line, 64 KiB limit: {peak} heap bytes at the peak"
    );
    drop(feed);
    assert_all_closed(&tag).await;
    let held = live_heap_bytes().saturating_sub(base);
    assert!(
        held < 16 << 10,
        "{held} heap bytes held after the stream was dropped"
    );
}

#[wasm_bindgen_test]
async fn a_consumer_that_stops_pulling_does_not_make_the_transport_buffer() {
    let base = reset_heap_peak();
    let mut feed = fetch("/bulk?count=200000&payload=64")
        .open()
        .unwrap()
        .json::<Seq>();
    assert_eq!(next(&mut feed).await, Some(Ok(Event::Open)));
    assert!(matches!(next(&mut feed).await, Some(Ok(Event::Message(_)))));
    // 200,000 events (about 25 MB) are on their way; nothing reads them for a second.
    wait(1000).await;
    let peak = heap_peak_above(base);
    assert!(
        peak < 1 << 20,
        "{peak} heap bytes at the peak while nobody read 25 MB"
    );
    let mut last = 1;
    while let Some(item) = next(&mut feed).await {
        match item {
            Ok(Event::Message(message)) => {
                assert_eq!(message.data.seq, last + 1);
                last = message.data.seq;
            }
            Err(Error::StreamEnded) => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(last, 200_000);
}

#[wasm_bindgen_test]
async fn a_non_http_url_is_refused_at_once() {
    let Err(Error::InvalidUrl { reason, .. }) = EventSource::builder("ftp://127.0.0.1/feed")
        .transport(Transport::Fetch)
        .open()
    else {
        panic!("expected InvalidUrl");
    };
    assert!(reason.contains("http"), "{reason}");
}

#[wasm_bindgen_test]
async fn an_invalid_header_or_method_is_refused_at_once() {
    let invalid = [
        fetch("/").header("Bad Name", "x").open(),
        fetch("/").method("GET").body("x").open(),
    ];
    for result in invalid {
        assert!(
            matches!(result, Err(Error::InvalidRequest(_))),
            "{result:?}"
        );
    }
}

#[wasm_bindgen_test]
async fn credentials_can_be_omitted_even_same_origin() {
    let mut feed = fetch("/echo")
        .events(["echo"])
        .credentials(Credentials::Omit)
        .open()
        .unwrap();
    assert_eq!(next(&mut feed).await, Some(Ok(Event::Open)));
    let Some(Ok(Event::Message(message))) = next(&mut feed).await else {
        panic!("expected the echo");
    };
    let echo: serde_json::Value = serde_json::from_str(&message.data).unwrap();
    assert_eq!(echo["cookies"].get("session"), None);
}

#[wasm_bindgen_test]
async fn the_last_event_id_can_travel_as_a_query_parameter_without_a_preflight() {
    let tag = unique_tag("id-param");
    let mut feed = fetch(&format!(
        "/counter?count=4&drop_after=2&after=eof&tag={tag}"
    ))
    .last_event_id_param("lastEventId")
    .retry(quick())
    .open()
    .unwrap()
    .json::<Seq>();
    let items = collect_until(&mut feed, |_| false).await;
    assert_eq!(seqs(&items), [1, 2, 3, 4]);
    let log = request_log(&tag).await;
    let queries: Vec<_> = log
        .iter()
        .map(|record| record["query"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        log.iter().all(|record| record["method"] == "GET"),
        "no preflight: {queries:?}"
    );
    assert!(
        log.iter().all(|record| record["last_event_id"].is_null()),
        "no header"
    );
    let params: Vec<_> = queries
        .iter()
        .map(|query| {
            query
                .split('&')
                .find_map(|pair| pair.strip_prefix("lastEventId="))
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(params, [None, Some("2".into()), Some("4".into())]);
}
