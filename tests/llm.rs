//! LLM streams over the fetch transport: an OpenAI-compatible `POST /v1/chat/completions` of
//! the test server, streamed, ended by `[DONE]`, never sent again by surprise.
#![cfg(target_arch = "wasm32")]

mod common;

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
