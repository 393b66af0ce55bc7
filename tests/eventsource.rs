//! What only the EventSource transport does (the browser parses and reconnects), against
//! the test server in a real browser. Behaviours both transports share are in transports.rs.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use wasm_bindgen_test::*;
use wasm_sse::{Error, Event, EventSource, Message, Overflow, ReadyState, RetryPolicy};

wasm_bindgen_test_configure!(run_in_browser);

async fn assert_fails_without_delivering(path: &str) {
    let tag = unique_tag("fail");
    let separator = if path.contains('?') { '&' } else { '?' };
    let mut feed = EventSource::new(&url(&format!("{path}{separator}tag={tag}"))).unwrap();
    assert_eq!(
        next(&mut feed).await,
        Some(Err(Error::ConnectionFailed)),
        "{path}"
    );
    assert_eq!(next(&mut feed).await, None, "{path}: the stream ends");
    assert_eq!(feed.ready_state(), ReadyState::Closed);
    wait(300).await;
    assert_eq!(
        connection_log(&tag).await.len(),
        1,
        "{path}: the browser does not retry"
    );
}

#[wasm_bindgen_test]
async fn error_statuses_fail_the_stream_without_a_message() {
    for status in [204, 301, 400, 401, 404, 500, 503] {
        assert_fails_without_delivering(&format!("/status/{status}")).await;
    }
}

// Chromium reports a wrong content type only once the response ends: a held-open response
// of the wrong type leaves its EventSource connecting for ever. The fetch transport does better.
#[wasm_bindgen_test]
async fn a_wrong_or_missing_content_type_fails_the_stream() {
    let body = js_sys::encode_uri_component("data: should not be delivered\n\n");
    assert_fails_without_delivering(&format!(
        "/raw?body={body}&content_type=text/plain&after=eof"
    ))
    .await;
    assert_fails_without_delivering(&format!("/raw?body={body}&content_type=none&after=eof")).await;
}

#[wasm_bindgen_test]
async fn a_scheme_that_cannot_be_fetched_fails_the_stream() {
    let mut feed = EventSource::new("ftp://127.0.0.1/feed").unwrap();
    assert_eq!(next(&mut feed).await, Some(Err(Error::ConnectionFailed)));
    assert_eq!(next(&mut feed).await, None);
}

#[wasm_bindgen_test]
async fn each_reconnect_of_the_browser_is_a_disconnected_item() {
    let tag = unique_tag("resume");
    let mut feed = EventSource::new(&url(&format!(
        "/counter?count=6&drop_after=2&retry=50&tag={tag}"
    )))
    .unwrap()
    .json::<Seq>();
    let items = collect_until(&mut feed, |_| false).await;
    assert_eq!(seqs(&items), [1, 2, 3, 4, 5, 6]);
    let reconnects = items
        .iter()
        .filter(|item| matches!(item, Err(Error::Disconnected)))
        .count();
    assert_eq!(reconnects, 3, "{:?}", summary(&items));
    assert_eq!(
        items.last(),
        Some(&Err(Error::ConnectionFailed)),
        "the 204 after the last event stops it"
    );
    let sent: Vec<_> = connection_log(&tag)
        .await
        .iter()
        .map(|record| record["last_event_id"].clone())
        .collect();
    assert_eq!(
        sent,
        [serde_json::Value::Null, "2".into(), "4".into(), "6".into()]
    );
}

#[wasm_bindgen_test]
async fn the_server_retry_field_sets_the_browser_reconnect_delay() {
    let tag = unique_tag("retry");
    let mut feed = EventSource::new(&url(&format!("/retry?ms=400&tag={tag}"))).unwrap();
    let items = collect_until(
        &mut feed,
        |item| matches!(item, Ok(Event::Message(m)) if m.data == "again"),
    )
    .await;
    assert_eq!(
        summary(&items),
        [
            "open",
            "message:\"first\"#",
            "err:Disconnected",
            "open",
            "message:\"again\"#"
        ]
    );
    let log = connection_log(&tag).await;
    let gap = log[1]["at_ms"].as_f64().unwrap() - log[0]["at_ms"].as_f64().unwrap();
    assert!((400.0..3000.0).contains(&gap), "reconnected after {gap} ms");
}

#[wasm_bindgen_test]
async fn a_consumer_that_falls_behind_gets_an_overflow_error_and_the_connection_closes() {
    let tag = unique_tag("overflow");
    let mut feed = EventSource::builder(url(&format!("/counter?count=20&tag={tag}")))
        .buffer(3, Overflow::Fail)
        .open()
        .unwrap();
    // Nothing is read until the overflow has closed the connection.
    within(
        std::time::Duration::from_secs(5),
        "the overflow to close the connection",
        async {
            while get(&format!("/stats?tag={tag}")).await
                != serde_json::json!({"open": 0, "total": 1})
            {
                wait(20).await;
            }
        },
    )
    .await;
    let items = collect_until(&mut feed, |_| false).await;
    assert_eq!(
        summary(&items),
        [
            "open",
            "message:\"{\\\"seq\\\":1}\"#1",
            "message:\"{\\\"seq\\\":2}\"#2",
            "message:\"{\\\"seq\\\":3}\"#3",
            "err:Overflow { capacity: 3 }"
        ]
    );
    assert_all_closed(&tag).await;
}

/// Waits, reading nothing, until the browser has dispatched the 20 events of `/counter`: it
/// reconnects after the end of the response with `Last-Event-ID: 20` only then.
async fn until_the_browser_has_dispatched_all_20(tag: &str) {
    within(
        std::time::Duration::from_secs(5),
        "the reconnect after the 20th event",
        async {
            while !connection_log(tag)
                .await
                .iter()
                .any(|record| record["last_event_id"] == "20")
            {
                wait(20).await;
            }
        },
    )
    .await;
}

#[wasm_bindgen_test]
async fn drop_oldest_reports_how_many_messages_were_skipped() {
    let tag = unique_tag("drop-oldest");
    let mut feed = EventSource::builder(url(&format!(
        "/counter?count=20&after=eof&retry=50&tag={tag}"
    )))
    .buffer(3, Overflow::DropOldest)
    .open()
    .unwrap()
    .json::<Seq>();
    until_the_browser_has_dispatched_all_20(&tag).await;
    let items = collect_until(
        &mut feed,
        |item| matches!(item, Ok(Event::Message(m)) if m.data.seq == 20),
    )
    .await;
    assert_eq!(
        summary(&items),
        [
            "open",
            "err:Lagged { skipped: 17 }",
            "message:Seq { seq: 18 }#18",
            "message:Seq { seq: 19 }#19",
            "message:Seq { seq: 20 }#20"
        ]
    );
}

#[wasm_bindgen_test]
async fn drop_newest_keeps_the_first_messages_and_reports_the_rest() {
    let tag = unique_tag("drop-newest");
    let mut feed = EventSource::builder(url(&format!(
        "/counter?count=20&after=eof&retry=50&tag={tag}"
    )))
    .buffer(3, Overflow::DropNewest)
    .open()
    .unwrap()
    .json::<Seq>();
    until_the_browser_has_dispatched_all_20(&tag).await;
    let items = collect_until(&mut feed, |item| matches!(item, Err(Error::Lagged { .. }))).await;
    assert_eq!(
        summary(&items),
        [
            "open",
            "message:Seq { seq: 1 }#1",
            "message:Seq { seq: 2 }#2",
            "message:Seq { seq: 3 }#3",
            "err:Lagged { skipped: 17 }"
        ]
    );
}

#[wasm_bindgen_test]
async fn with_a_retry_policy_a_new_event_source_replaces_one_the_browser_gave_up_on() {
    let messages = reopen_after_the_browser_gives_up(true).await;
    let ids: Vec<_> = messages.iter().map(|m| m.last_event_id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "3", "4"]);
}

#[wasm_bindgen_test]
async fn without_message_ids_a_new_event_source_still_resumes_from_the_last_one() {
    let messages = reopen_after_the_browser_gives_up(false).await;
    let ids: Vec<_> = messages.iter().map(|m| m.last_event_id.as_str()).collect();
    assert_eq!(
        ids,
        ["", "", "", ""],
        "with_last_event_ids(false) leaves them empty"
    );
}

#[wasm_bindgen_test]
async fn a_new_event_source_that_saw_no_id_keeps_the_one_it_resumed_from() {
    // The server sends no ids. The first request resumes from "5"; the browser reports ""
    // for every message (it cannot be given the id it resumes from), which must not erase
    // the place: when the browser gives up and the policy opens a new EventSource, that one
    // resumes from "5" too, instead of from the start.
    let tag = unique_tag("keep-id");
    let mut feed = EventSource::builder(url(&format!(
        "/raw?body=retry%3A%201000%0Adata%3A%20x%0A%0A&after=eof&tag={tag}"
    )))
    .last_event_id("5")
    .retry(reopen_once())
    .open()
    .unwrap();
    let is_message = |item: &Result<Event, Error>| matches!(item, Ok(Event::Message(_)));
    let first = collect_until(&mut feed, is_message).await;
    let Some(Ok(Event::Message(message))) = first.last() else {
        panic!("expected a message: {first:?}");
    };
    assert_eq!(message.last_event_id, "", "the browser reports no id");
    // The browser's own reconnect, a second from now, meets a 503 and it gives up; the
    // policy opens a new EventSource, whose message ends the wait.
    get(&format!("/control/fail?tag={tag}&n=1&status=503")).await;
    let second = collect_until(&mut feed, is_message).await;
    assert!(
        second.contains(&Err(Error::ConnectionFailed)),
        "the browser gave up before: {second:?}"
    );
    drop(feed);
    let params: Vec<String> = connection_log(&tag)
        .await
        .iter()
        .map(last_event_id_param)
        .collect();
    assert_eq!(
        params,
        ["5", "5", "5"],
        "lastEventId of: the first request, the browser's retry (same URL), the policy's new EventSource"
    );
}

/// The browser reconnects by itself once, then meets a 503 and gives up; the policy opens a
/// new `EventSource` that resumes by the `lastEventId` parameter. Checks the requests and
/// returns the messages.
async fn reopen_after_the_browser_gives_up(last_event_ids: bool) -> Vec<Message<Seq>> {
    let tag = unique_tag("reopen");
    let mut feed = EventSource::builder(url(&format!(
        "/counter?count=4&drop_after=2&retry=300&tag={tag}"
    )))
    .retry(reopen_once())
    .with_last_event_ids(last_event_ids)
    .open()
    .unwrap()
    .json::<Seq>();
    let mut items = collect_until(
        &mut feed,
        |item| matches!(item, Ok(Event::Message(m)) if m.data.seq == 2),
    )
    .await;
    // The browser's own reconnect now meets a 503, and the browser gives up for good.
    get(&format!("/control/fail?tag={tag}&n=1&status=503")).await;
    items.extend(collect_until(&mut feed, |_| false).await);
    assert_eq!(seqs(&items), [1, 2, 3, 4]);
    let log = connection_log(&tag).await;
    let requests: Vec<(String, String)> = log
        .iter()
        .map(|record| {
            let header = record["last_event_id"].as_str().unwrap_or("-").to_owned();
            (header, last_event_id_param(record))
        })
        .collect();
    let expected = [("-", "-"), ("2", "-"), ("-", "2"), ("4", "2"), ("-", "4")];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(h, q)| (h.to_string(), q.to_string()))
        .collect();
    assert_eq!(
        requests, expected,
        "(Last-Event-ID header, lastEventId parameter) of each request"
    );
    assert_eq!(
        items.last(),
        Some(&Err(Error::ConnectionFailed)),
        "the policy's one attempt met the final 204"
    );
    items
        .into_iter()
        .filter_map(|item| item.ok().and_then(Event::into_message))
        .collect()
}

#[wasm_bindgen_test]
async fn options_only_fetch_can_honour_are_refused_not_ignored() {
    let refused = [
        EventSource::builder(url("/"))
            .header("Authorization", "Bearer x")
            .open(),
        EventSource::builder(url("/")).method("POST").open(),
        EventSource::builder(url("/")).body("x").open(),
        EventSource::builder(url("/"))
            .stall_timeout(std::time::Duration::from_secs(1))
            .open(),
        EventSource::builder(url("/")).max_event_size(1024).open(),
        EventSource::builder(url("/")).all_events().open(),
        EventSource::builder(url("/")).comments(true).open(),
    ];
    for result in refused {
        let Err(Error::InvalidRequest(reason)) = result else {
            panic!("expected InvalidRequest, got {result:?}");
        };
        assert!(reason.contains("needs Transport::Fetch"), "{reason}");
    }
}

/// A policy that opens one new `EventSource` 50 ms after the browser gives up.
fn reopen_once() -> RetryPolicy {
    RetryPolicy::browser()
        .initial_delay(std::time::Duration::from_millis(50))
        .max_attempts(1)
}

/// The `lastEventId` query parameter of a logged request, `-` when it had none.
fn last_event_id_param(record: &serde_json::Value) -> String {
    let query = record["query"].as_str().unwrap_or_default();
    let param = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("lastEventId="));
    param.unwrap_or("-").to_owned()
}
