//! LLM streams over the fetch transport: an OpenAI-compatible `POST /v1/chat/completions` of
//! the test server, streamed, ended by `[DONE]`, never sent again by surprise.
#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use common::*;
use futures::StreamExt;
use wasm_bindgen_test::*;
use wasm_sse::{Builder, EndReason, Error, Event, EventSource, RetryPolicy, Transport};

wasm_bindgen_test_configure!(run_in_browser);

/// What the test server answers by default, token by token.
const REPLY: &str = "Hello! How can I help you today?";
const BODY: &str = r#"{"model":"test","stream":true,"messages":[{"role":"user","content":"Hi"}]}"#;

/// One `chat.completion.chunk` event, as far as a client reads it.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
struct Chunk {
    choices: Vec<Choice>,
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
struct Choice {
    delta: Delta,
    finish_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
struct Delta {
    content: Option<String>,
}

/// A completion request of `tag` with the query `params`, retrying at once.
fn completion(params: &str, tag: &str) -> Builder {
    EventSource::builder(url(&format!("/v1/chat/completions?tag={tag}{params}")))
        .transport(Transport::Fetch)
        .method("POST")
        .header("Content-Type", "application/json")
        .body(BODY)
        .retry(
            RetryPolicy::default()
                .initial_delay(Duration::from_millis(30))
                .jitter(0.0),
        )
}

/// Every item until the stream ends, failing the test after 15 s.
async fn to_the_end<S: futures::Stream + Unpin>(stream: &mut S) -> Vec<S::Item> {
    within(Duration::from_secs(15), "the end of the stream", async {
        let mut items = Vec::new();
        while let Some(item) = stream.next().await {
            items.push(item);
        }
        items
    })
    .await
}

/// The text the messages among `items` spell, and whether a finish chunk came.
fn text_of(items: &[Result<Event<Chunk>, Error>]) -> (String, bool) {
    let mut text = String::new();
    let mut finished = false;
    for item in items {
        if let Ok(Event::Message(message)) = item {
            for choice in &message.data.choices {
                text.extend(choice.delta.content.as_deref());
                finished |= choice.finish_reason.as_deref() == Some("stop");
            }
        }
    }
    (text, finished)
}

/// The POSTs of `tag` as the server logged them: (body, Last-Event-ID).
async fn posts(tag: &str) -> Vec<(String, Option<String>)> {
    connection_log(tag)
        .await
        .iter()
        .map(|record| {
            assert_eq!(record["method"], "POST");
            let body = record["body"].as_str().unwrap_or_default().to_owned();
            (body, record["last_event_id"].as_str().map(str::to_owned))
        })
        .collect()
}

#[wasm_bindgen_test]
async fn done_ends_the_stream_cleanly_without_being_delivered_and_closes_the_connection() {
    let tag = unique_tag("llm-done");
    let mut feed = completion("&interval_ms=5", &tag)
        .end_on_data("[DONE]")
        .open()
        .unwrap()
        .json::<Chunk>();
    let items = to_the_end(&mut feed).await;
    assert_eq!(items.first(), Some(&Ok(Event::Open)));
    assert!(
        items[1..]
            .iter()
            .all(|item| matches!(item, Ok(Event::Message(_)))),
        "only messages, no [DONE] (it is not JSON) and no error: {items:?}"
    );
    assert_eq!(text_of(&items), (REPLY.to_owned(), true));
    assert_eq!(feed.end_reason(), Some(EndReason::EndMarker));
    assert_eq!(posts(&tag).await, [(BODY.to_owned(), None)]);
    assert_all_closed(&tag).await;
}

#[wasm_bindgen_test]
async fn a_post_without_ids_is_sent_once_and_the_end_of_its_response_ends_the_stream() {
    let tag = unique_tag("llm-eof");
    let mut feed = completion("&done=0", &tag).open().unwrap().json::<Chunk>();
    let items = to_the_end(&mut feed).await;
    assert!(
        !items.iter().any(Result::is_err),
        "a clean end is no error: {items:?}"
    );
    assert_eq!(text_of(&items), (REPLY.to_owned(), true));
    assert_eq!(feed.end_reason(), Some(EndReason::ResponseEnded));
    assert_eq!(posts(&tag).await.len(), 1);
}

#[wasm_bindgen_test]
async fn a_post_without_ids_broken_off_mid_stream_ends_with_the_error_and_is_not_sent_again() {
    let tag = unique_tag("llm-error");
    let mut feed = completion("&error_after=2", &tag)
        .end_on_data("[DONE]")
        .open()
        .unwrap()
        .json::<Chunk>();
    let items = to_the_end(&mut feed).await;
    assert_eq!(text_of(&items).0, "Hello! How");
    let last = items.last().cloned();
    assert!(
        matches!(last, Some(Err(Error::Network(_)))),
        "the typed error is the last item: {items:?}"
    );
    let Some(Err(err)) = last else { unreachable!() };
    assert_eq!(feed.end_reason(), Some(EndReason::Failed(err)));
    assert_eq!(posts(&tag).await.len(), 1);
}

#[wasm_bindgen_test]
async fn with_ids_a_broken_off_post_is_sent_again_with_its_body_and_last_event_id() {
    let tag = unique_tag("llm-ids");
    let mut feed = completion("&ids=1&error_after=3", &tag)
        .end_on_data("[DONE]")
        .open()
        .unwrap()
        .json::<Chunk>();
    let items = to_the_end(&mut feed).await;
    assert_eq!(
        text_of(&items),
        (REPLY.to_owned(), true),
        "nothing lost, nothing twice"
    );
    assert_eq!(feed.end_reason(), Some(EndReason::EndMarker));
    let sent = posts(&tag).await;
    let ids: Vec<_> = sent.iter().map(|(_, id)| id.clone()).collect();
    assert_eq!(ids, [None, Some("3".to_owned()), Some("6".to_owned())]);
    assert!(sent.iter().all(|(body, _)| body == BODY), "{sent:?}");
}

#[wasm_bindgen_test]
async fn resend_sends_a_post_without_ids_again_when_its_response_ends() {
    let tag = unique_tag("llm-resend");
    let mut feed = completion("&done=0", &tag)
        .resend(true)
        .open()
        .unwrap()
        .json::<Chunk>();
    let mut opens = 0;
    let items = collect_until(&mut feed, |item| {
        opens += usize::from(matches!(item, Ok(Event::Open)));
        opens == 2
    })
    .await;
    assert!(items.contains(&Err(Error::StreamEnded)), "{items:?}");
    drop(feed);
    assert_eq!(
        posts(&tag).await,
        [(BODY.to_owned(), None), (BODY.to_owned(), None)]
    );
}

#[wasm_bindgen_test]
async fn a_get_still_reconnects_after_a_clean_end_as_the_spec_says() {
    let tag = unique_tag("llm-get");
    let mut feed = EventSource::builder(url(&format!(
        "/counter?count=1&after=eof&start=1&tag={tag}"
    )))
    .transport(Transport::Fetch)
    .retry(RetryPolicy::default().initial_delay(Duration::from_millis(30)))
    .open()
    .unwrap();
    let items = to_the_end(&mut feed).await;
    assert!(items.contains(&Err(Error::StreamEnded)));
    assert_eq!(feed.end_reason(), Some(EndReason::NoContent));
    assert_eq!(connection_log(&tag).await.len(), 2);
}

#[wasm_bindgen_test]
async fn closing_mid_completion_hangs_up_at_once() {
    let tag = unique_tag("llm-stop");
    let mut feed = completion("&interval_ms=200", &tag)
        .end_on_data("[DONE]")
        .open()
        .unwrap()
        .json::<Chunk>();
    let first = collect_until(&mut feed, |item| matches!(item, Ok(Event::Message(_)))).await;
    assert_eq!(text_of(&first).0, "Hello!");
    feed.close();
    assert_eq!(feed.end_reason(), Some(EndReason::Closed));
    assert_all_closed(&tag).await;
    assert_eq!(posts(&tag).await.len(), 1);
}

#[wasm_bindgen_test]
async fn an_end_predicate_sees_each_message_and_the_first_match_ends_the_stream() {
    let tag = unique_tag("llm-predicate");
    let mut feed = completion("", &tag)
        .end_on(|message| message.data.contains("\"finish_reason\":\"stop\""))
        .open()
        .unwrap()
        .json::<Chunk>();
    let items = to_the_end(&mut feed).await;
    assert_eq!(
        text_of(&items),
        (REPLY.to_owned(), false),
        "the finish chunk ends it"
    );
    assert_eq!(feed.end_reason(), Some(EndReason::EndMarker));
}

/// The tag's next token from the test server: each call issues a new one, and only the latest
/// is valid.
async fn next_token(tag: &str) -> String {
    let token = fetch_json(&url(&format!("/v1/token?tag={tag}")), false).await;
    token["token"].as_str().expect("a token").to_owned()
}

/// A header function for `headers_with` that counts its calls and hands `make` the call's
/// number, from 1.
fn counted<Fut>(make: impl Fn(u32) -> Fut) -> (Rc<Cell<u32>>, impl Fn() -> Fut) {
    let calls = Rc::new(Cell::new(0));
    let counter = Rc::clone(&calls);
    let counting = move || {
        counter.set(counter.get() + 1);
        make(counter.get())
    };
    (calls, counting)
}

fn bearer(token: &str) -> Vec<(String, String)> {
    vec![("Authorization".to_owned(), format!("Bearer {token}"))]
}

/// The status and `Authorization` header of each POST of `tag`.
async fn authorizations(tag: &str) -> Vec<(u64, String)> {
    connection_log(tag)
        .await
        .iter()
        .map(|record| {
            let authorization = record["headers"]["authorization"].as_str().unwrap_or("-");
            (record["status"].as_u64().unwrap(), authorization.to_owned())
        })
        .collect()
}

#[wasm_bindgen_test]
async fn the_header_function_runs_before_every_request_and_its_fresh_token_is_sent() {
    // A cut after every third token: three requests, each with the token made just before it.
    let tag = unique_tag("llm-token");
    let (calls, headers) = counted({
        let tag = tag.clone();
        move |_| {
            let tag = tag.clone();
            async move { bearer(&next_token(&tag).await) }
        }
    });
    let mut feed = completion("&auth=1&ids=1&error_after=3", &tag)
        .headers_with(headers)
        .end_on_data("[DONE]")
        .open()
        .unwrap()
        .json::<Chunk>();
    let items = to_the_end(&mut feed).await;
    assert_eq!(text_of(&items), (REPLY.to_owned(), true));
    assert_eq!(calls.get(), 3);
    assert_eq!(
        authorizations(&tag).await,
        [
            (200, "Bearer t1".to_owned()),
            (200, "Bearer t2".to_owned()),
            (200, "Bearer t3".to_owned())
        ]
    );
}

#[wasm_bindgen_test]
async fn a_401_makes_the_headers_once_more_and_sends_the_request_again_at_once() {
    // The first call gives a token that has expired; the second asks for a new one.
    let tag = unique_tag("llm-refresh");
    let (calls, headers) = counted({
        let tag = tag.clone();
        move |call| {
            let tag = tag.clone();
            async move {
                match call {
                    1 => bearer("expired"),
                    _ => bearer(&next_token(&tag).await),
                }
            }
        }
    });
    let mut feed = completion("&auth=1", &tag)
        .headers_with(headers)
        .end_on_data("[DONE]")
        .open()
        .unwrap()
        .json::<Chunk>();
    let items = to_the_end(&mut feed).await;
    assert_eq!(
        items.first(),
        Some(&Ok(Event::Open)),
        "no 401 item: {items:?}"
    );
    assert_eq!(text_of(&items), (REPLY.to_owned(), true));
    assert_eq!(calls.get(), 2, "one refresh");
    assert_eq!(
        authorizations(&tag).await,
        [
            (401, "Bearer expired".to_owned()),
            (200, "Bearer t1".to_owned())
        ]
    );
}

#[wasm_bindgen_test]
async fn a_second_401_ends_the_stream_with_the_status() {
    let tag = unique_tag("llm-401");
    let (calls, headers) = counted(|_| async { bearer("never-valid") });
    let mut feed = completion("&auth=1", &tag)
        .headers_with(headers)
        .open()
        .unwrap()
        .json::<Chunk>();
    let items = to_the_end(&mut feed).await;
    assert_eq!(items, [Err(status(401))]);
    assert_eq!(feed.end_reason(), Some(EndReason::Failed(status(401))));
    assert_eq!(calls.get(), 2, "one refresh, one retry, then no more");
    assert_eq!(connection_log(&tag).await.len(), 2);
}

#[wasm_bindgen_test]
async fn the_response_of_the_open_connection_is_readable() {
    let tag = unique_tag("llm-response");
    let mut feed = completion("&interval_ms=50", &tag)
        .end_on_data("[DONE]")
        .open()
        .unwrap();
    assert_eq!(feed.response(), None, "before the first open");
    assert_eq!(next(&mut feed).await, Some(Ok(Event::Open)));
    let head = feed.response().expect("the response");
    assert_eq!(head.status, 200);
    let content_type = head.header("Content-Type").unwrap_or_default();
    assert!(content_type.starts_with("text/event-stream"), "{head:?}");
}
