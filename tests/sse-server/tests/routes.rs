//! The routes the browser tests rely on, checked over a raw HTTP/1.1 connection.

mod client;

use std::time::{Duration, Instant};

use client::{get, json, request, start, End};
use serde_json::Value;

/// `/counter`'s event with id `id`.
fn counter_event(id: u64) -> String {
    format!("id: {id}\ndata: {{\"seq\":{id}}}\n\n")
}

/// Polls `/stats` until `open` equals `expected`, returning how long that took.
async fn wait_for_open(address: std::net::SocketAddr, tag: &str, expected: u64) -> Duration {
    let started = Instant::now();
    loop {
        let stats = json(address, &format!("/stats?tag={tag}")).await;
        if stats["open"] == expected {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "open stuck at {}",
            stats["open"]
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn counter_resumes_after_last_event_id_header() {
    let address = start().await;
    let response = get(
        address,
        "/counter?count=5&after=eof",
        &[("Last-Event-ID", "2")],
    )
    .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("text/event-stream"));
    let expected: String = (3..=5).map(counter_event).collect();
    assert_eq!(response.text().await, expected);
}

#[tokio::test]
async fn counter_resumes_after_last_event_id_query_param() {
    let address = start().await;
    let response = get(address, "/counter?count=5&after=eof&lastEventId=3", &[]).await;
    assert_eq!(response.text().await, counter_event(4) + &counter_event(5));
}

#[tokio::test]
async fn counter_answers_204_when_everything_was_delivered() {
    let address = start().await;
    let response = get(address, "/counter?count=5", &[("Last-Event-ID", "5")]).await;
    assert_eq!(response.status, 204);
    assert!(response.body().await.is_empty());
}

#[tokio::test]
async fn counter_writes_retry_with_the_first_event_in_one_chunk() {
    let address = start().await;
    let mut response = get(address, "/counter?count=2&retry=500&event=tick", &[]).await;
    let first = response.chunk().await.expect("first chunk");
    assert_eq!(
        first,
        b"retry: 500\nevent: tick\nid: 1\ndata: {\"seq\":1}\n\n"
    );
}

#[tokio::test]
async fn counter_mid_drop_writes_half_an_event_then_ends() {
    let address = start().await;
    let response = get(address, "/counter?start=5&drop_after=2&drop_mode=mid", &[]).await;
    let expected = counter_event(5) + &counter_event(6) + "id: 7\ndata: {\"se";
    assert_eq!(response.text().await, expected);
}

#[tokio::test]
async fn bytewise_sends_one_byte_per_chunk() {
    let address = start().await;
    let expected =
        "\u{FEFF}:comment\r\nid: 1\r\ndata: héllo\r\n\r\nevent: greet\r\ndata: wörld ✓\r\n\
        data: 😀\r\n\r\nid: 3\rdata: cr only\r\rdata: lf only\n\n"
            .as_bytes();
    let mut response = get(address, "/bytewise?delay_ms=0", &[]).await;
    let mut received = Vec::new();
    while received.len() < expected.len() {
        let chunk = response.chunk().await.expect("chunk");
        assert_eq!(
            chunk.len(),
            1,
            "chunk {chunk:?} after {} bytes",
            received.len()
        );
        received.extend(chunk);
    }
    assert_eq!(received, expected);
}

#[tokio::test]
async fn control_fail_answers_status_with_retry_after() {
    let address = start().await;
    json(address, "/control/fail?tag=f&n=2&status=503&retry_after=7").await;
    for _ in 0..2 {
        let response = get(address, "/counter?tag=f&count=1&after=eof", &[]).await;
        assert_eq!(response.status, 503);
        assert_eq!(response.header("retry-after"), Some("7"));
        assert_eq!(response.header("content-type"), Some("text/plain"));
        assert_eq!(response.text().await, "scripted failure");
    }
    let response = get(address, "/counter?tag=f&count=1&after=eof", &[]).await;
    assert_eq!(response.text().await, counter_event(1));
    let statuses: Vec<Value> = json(address, "/log?tag=f")
        .await
        .as_array()
        .expect("log")
        .iter()
        .map(|record| record["status"].clone())
        .collect();
    assert_eq!(statuses, [503, 503, 200]);
}

#[tokio::test]
async fn open_count_returns_to_zero_after_client_disconnects_from_idle_stream() {
    let address = start().await;
    let mut response = get(address, "/named?tag=idle", &[]).await;
    response.chunk().await.expect("named events");
    assert_eq!(
        json(address, "/stats?tag=idle").await,
        serde_json::json!({"open": 1, "total": 1})
    );
    drop(response);
    let waited = wait_for_open(address, "idle", 0).await;
    assert!(waited < Duration::from_millis(600), "took {waited:?}");
}

#[tokio::test]
async fn held_stream_sends_two_byte_keepalive_comments() {
    let address = start().await;
    let mut response = get(address, "/multiline?keepalive_ms=20", &[]).await;
    response.chunk().await.expect("event");
    assert_eq!(response.chunk().await.expect("keep-alive"), b":\n");
}

#[tokio::test]
async fn control_drop_ends_every_open_stream_of_the_tag() {
    let address = start().await;
    let mut first = get(address, "/named?tag=d", &[]).await;
    let mut second = get(address, "/counter?tag=d&count=1", &[]).await;
    first.chunk().await.expect("named events");
    second.chunk().await.expect("counter event");
    assert_eq!(json(address, "/control/drop?tag=d").await["dropped"], 2);
    for response in [&mut first, &mut second] {
        while response.chunk().await.is_some() {}
    }
    wait_for_open(address, "d", 0).await;
}

#[tokio::test]
async fn preflight_reflects_origin_and_requested_headers() {
    let address = start().await;
    let headers = [
        ("Origin", "http://127.0.0.1:9"),
        ("Access-Control-Request-Method", "POST"),
        ("Access-Control-Request-Headers", "x-token, content-type"),
    ];
    let response = request(address, "OPTIONS", "/echo?tag=pre", &headers, b"").await;
    assert_eq!(response.status, 204);
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("http://127.0.0.1:9")
    );
    assert_eq!(
        response.header("access-control-allow-credentials"),
        Some("true")
    );
    assert_eq!(
        response.header("access-control-allow-headers"),
        Some("x-token, content-type")
    );
    assert_eq!(
        response.header("access-control-allow-methods"),
        Some("GET, POST, PUT, PATCH, DELETE, OPTIONS")
    );
    assert_eq!(response.header("access-control-max-age"), Some("600"));
    assert_eq!(json(address, "/log?tag=pre").await[0]["method"], "OPTIONS");
}

#[tokio::test]
async fn responses_without_origin_allow_any_origin() {
    let address = start().await;
    let response = get(address, "/stats", &[]).await;
    assert_eq!(response.header("access-control-allow-origin"), Some("*"));
    assert_eq!(response.header("access-control-allow-credentials"), None);
    assert_eq!(
        response.header("access-control-expose-headers"),
        Some("Content-Type, Retry-After, Last-Event-ID")
    );
}

#[tokio::test]
async fn echo_reports_method_headers_cookies_and_body() {
    let address = start().await;
    let headers = [("X-Test", "yes"), ("Cookie", "a=1; b=two")];
    let response = request(address, "PUT", "/echo?after=eof&q=1", &headers, b"hello").await;
    let text = response.text().await;
    let json_line = text
        .strip_prefix("event: echo\ndata: ")
        .and_then(|rest| rest.strip_suffix("\n\n"));
    let report: Value = serde_json::from_str(json_line.expect("one echo event")).expect("JSON");
    assert_eq!(report["method"], "PUT");
    assert_eq!(report["headers"]["x-test"], "yes");
    assert_eq!(report["cookies"], serde_json::json!({"a": "1", "b": "two"}));
    assert_eq!(report["body"], "hello");
    assert_eq!(report["query"], "after=eof&q=1");
}

#[tokio::test]
async fn log_records_last_event_id_and_status() {
    let address = start().await;
    get(address, "/counter?tag=l&count=3", &[("Last-Event-ID", "3")])
        .await
        .body()
        .await;
    let log = json(address, "/log?tag=l").await;
    assert_eq!(log[0]["seq"], 0);
    assert_eq!(log[0]["path"], "/counter");
    assert_eq!(log[0]["query"], "tag=l&count=3");
    assert_eq!(log[0]["last_event_id"], "3");
    assert_eq!(log[0]["last_event_id_hex"], "33");
    assert_eq!(log[0]["status"], 204);
}

#[tokio::test]
async fn log_records_the_request_body_and_null_without_one() {
    let address = start().await;
    let headers = [("Content-Type", "text/plain")];
    request(
        address,
        "POST",
        "/counter?tag=b&count=0",
        &headers,
        b"h\xC3\xA9\xFF",
    )
    .await
    .body()
    .await;
    get(address, "/counter?tag=b&count=0", &[])
        .await
        .body()
        .await;
    let log = json(address, "/log?tag=b").await;
    assert_eq!(log[0]["method"], "POST");
    assert_eq!(log[0]["body"], "hé\u{FFFD}");
    assert_eq!(log[1]["body"], Value::Null);
}

#[tokio::test]
async fn status_route_answers_the_code_and_rejects_informational_ones() {
    let address = start().await;
    let response = get(address, "/status/500", &[]).await;
    assert_eq!(response.status, 500);
    assert_eq!(response.header("content-type"), Some("text/event-stream"));
    assert_eq!(response.text().await, "data: should not be delivered\n\n");
    assert_eq!(get(address, "/status/101", &[]).await.status, 400);
}

#[tokio::test]
async fn raw_writes_decoded_bytes_in_the_requested_chunks() {
    let address = start().await;
    // base64 of [0x64, 0x00, 0xFF, 0x0A, 0x0A].
    let mut response = get(
        address,
        "/raw?body_b64=ZAD%2FCgo%3D&chunk=2&after=eof&content_type=none",
        &[],
    )
    .await;
    assert_eq!(response.header("content-type"), None);
    assert_eq!(response.chunk().await.expect("1st"), [0x64, 0x00]);
    assert_eq!(response.chunk().await.expect("2nd"), [0xFF, 0x0A]);
    assert_eq!(response.chunk().await.expect("3rd"), [0x0A]);
    assert_eq!(response.chunk().await, None);
    assert_eq!(get(address, "/raw?chunk=0", &[]).await.status, 400);
}

#[tokio::test]
async fn bulk_resumes_and_ends_after_the_last_event() {
    let address = start().await;
    let text = get(
        address,
        "/bulk?count=1000&payload=3",
        &[("Last-Event-ID", "990")],
    )
    .await
    .text()
    .await;
    let ids: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("id: "))
        .collect();
    assert_eq!(
        ids,
        (991..=1000).map(|id| id.to_string()).collect::<Vec<_>>()
    );
    assert!(text.contains(r#""payload":"abc"}"#));
}

#[tokio::test]
async fn root_redirects_browsers_to_the_test_page() {
    let address = start().await;
    let response = get(address, "/", &[("Accept", "text/html,*/*")]).await;
    assert_eq!(response.status, 302);
    assert_eq!(response.header("location"), Some("/www/"));
}

#[tokio::test]
async fn abort_writes_the_body_then_cuts_the_connection() {
    let address = start().await;
    let response = get(address, "/abort?body=data:%20x%0A%0A", &[]).await;
    assert_eq!(response.status, 200);
    let (body, end) = response.chunks_until_end().await;
    assert_eq!(body, b"data: x\n\n");
    assert_eq!(end, End::Cut);
}

#[tokio::test]
async fn counter_with_after_eof_ends_the_body_cleanly() {
    let address = start().await;
    let response = get(address, "/counter?count=1&after=eof", &[]).await;
    let (body, end) = response.chunks_until_end().await;
    assert_eq!(body, counter_event(1).as_bytes());
    assert_eq!(end, End::Clean);
}

#[tokio::test]
async fn counter_waits_first_after_ms_before_its_first_event_only() {
    let address = start().await;
    let started = Instant::now();
    let response = get(
        address,
        "/counter?count=2&first_after_ms=500&after=eof&keepalive_ms=60000",
        &[],
    )
    .await;
    let (body, end) = response.chunks_until_end().await;
    let elapsed = started.elapsed();
    assert_eq!(
        body,
        [counter_event(1), counter_event(2)].concat().as_bytes()
    );
    assert_eq!(end, End::Clean);
    assert!(elapsed >= Duration::from_millis(500), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1000), "{elapsed:?}");
}

#[tokio::test]
async fn token_route_issues_a_new_token_per_call_and_per_tag_until_reset() {
    let address = start().await;
    assert_eq!(json(address, "/v1/token?tag=k").await["token"], "t1");
    assert_eq!(json(address, "/v1/token?tag=k").await["token"], "t2");
    assert_eq!(json(address, "/v1/token?tag=other").await["token"], "t1");
    json(address, "/control/reset?tag=k").await;
    assert_eq!(json(address, "/v1/token?tag=k").await["token"], "t1");
    assert_eq!(json(address, "/log?tag=k").await, serde_json::json!([]));
}

/// The body of an OpenAI-style streaming request.
const CHAT_REQUEST: &str =
    r#"{"model":"test","stream":true,"messages":[{"role":"user","content":"Hi"}]}"#;

/// The chunk that ends every chat completion.
const CHAT_FINISH: &str = r#"data: {"id":"chatcmpl-test","object":"chat.completion.chunk","created":0,"model":"test","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#;

/// `POST /v1/chat/completions{query}` with [`CHAT_REQUEST`] as JSON and `headers`.
async fn chat(
    address: std::net::SocketAddr,
    query: &str,
    headers: &[(&str, &str)],
) -> client::Response {
    let mut all = vec![("Content-Type", "application/json")];
    all.extend_from_slice(headers);
    let path = format!("/v1/chat/completions{query}");
    request(address, "POST", &path, &all, CHAT_REQUEST.as_bytes()).await
}

/// The events of an event-stream body, each without its blank line.
fn events(text: &str) -> Vec<&str> {
    text.split_terminator("\n\n").collect()
}

/// The parsed JSON of a chunk event's `data:` line.
fn chunk_json(event: &str) -> Value {
    let data = event
        .lines()
        .find_map(|line| line.strip_prefix("data: "))
        .expect("data line");
    serde_json::from_str(data).expect("JSON chunk")
}

/// The `delta.content` of each token event (all but the finish chunk and `[DONE]`).
fn contents(events: &[&str]) -> Vec<String> {
    events
        .iter()
        .map(|event| chunk_json(event))
        .take_while(|chunk| chunk["choices"][0]["finish_reason"].is_null())
        .map(|chunk| {
            chunk["choices"][0]["delta"]["content"]
                .as_str()
                .expect("content")
                .to_owned()
        })
        .collect()
}

/// A fresh bearer token for `tag`.
async fn token(address: std::net::SocketAddr, tag: &str) -> String {
    let answer = json(address, &format!("/v1/token?tag={tag}")).await;
    answer["token"].as_str().expect("token").to_owned()
}

#[tokio::test]
async fn chat_completion_streams_the_reply_token_by_token_then_done() {
    let address = start().await;
    let response = chat(address, "", &[]).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("text/event-stream"));
    let (body, end) = response.chunks_until_end().await;
    assert_eq!(end, End::Clean);
    let text = String::from_utf8(body).expect("UTF-8");
    assert!(text.ends_with("\n\ndata: [DONE]\n\n"), "{text:?}");
    let events = events(&text);
    assert_eq!(
        events[0],
        r#"data: {"id":"chatcmpl-test","object":"chat.completion.chunk","created":0,"model":"test","choices":[{"index":0,"delta":{"role":"assistant","content":"Hello!"},"finish_reason":null}]}"#
    );
    assert_eq!(
        contents(&events),
        ["Hello!", " How", " can", " I", " help", " you", " today?"]
    );
    assert_eq!(
        contents(&events).concat(),
        "Hello! How can I help you today?"
    );
    assert!(events[1..7]
        .iter()
        .all(|event| chunk_json(event)["choices"][0]["delta"]
            .get("role")
            .is_none()));
    assert_eq!(events[7..], [CHAT_FINISH, "data: [DONE]"]);
}

#[tokio::test]
async fn chat_reply_param_is_split_before_whitespace_and_escaped_in_json() {
    let address = start().await;
    let text = chat(address, "?reply=%22Hi%22%20%20there%0Anow", &[])
        .await
        .text()
        .await;
    let events = events(&text);
    assert_eq!(contents(&events), ["\"Hi\"", "  there", "\nnow"]);
    assert!(events[0].contains(r#""content":"\"Hi\"""#), "{}", events[0]);
}

#[tokio::test]
async fn chat_sends_each_event_as_its_own_write_interval_ms_apart() {
    let address = start().await;
    let started = Instant::now();
    let mut response = chat(address, "?reply=a%20b%20c&interval_ms=30", &[]).await;
    let mut chunks = Vec::new();
    while let Some(chunk) = response.chunk().await {
        chunks.push(String::from_utf8(chunk).expect("UTF-8"));
    }
    // Three tokens and the finish chunk, 30 ms apart; `[DONE]` right after.
    assert!(started.elapsed() >= Duration::from_millis(90));
    assert_eq!(chunks.len(), 5);
    assert!(chunks.iter().all(|chunk| events(chunk).len() == 1));
}

#[tokio::test]
async fn chat_with_ids_resumes_after_the_last_event_id_header() {
    let address = start().await;
    let text = chat(address, "?ids=1", &[("Last-Event-ID", "3")])
        .await
        .text()
        .await;
    let events = events(&text);
    let ids: Vec<&str> = events
        .iter()
        .filter_map(|event| event.strip_prefix("id: "))
        .map(|rest| rest.split('\n').next().unwrap_or_default())
        .collect();
    assert_eq!(ids, ["4", "5", "6", "7"]);
    assert_eq!(contents(&events), [" I", " help", " you", " today?"]);
    assert!(chunk_json(events[0])["choices"][0]["delta"]
        .get("role")
        .is_none());
    assert_eq!(events[4..], [CHAT_FINISH, "data: [DONE]"]);
}

#[tokio::test]
async fn chat_error_after_cuts_the_connection_after_that_many_tokens() {
    let address = start().await;
    let (body, end) = chat(address, "?error_after=2", &[])
        .await
        .chunks_until_end()
        .await;
    let text = String::from_utf8(body).expect("UTF-8");
    assert_eq!(contents(&events(&text)), ["Hello!", " How"]);
    assert!(!text.contains("[DONE]"));
    assert_eq!(end, End::Cut);
}

#[tokio::test]
async fn chat_done_0_ends_the_body_after_the_finish_chunk() {
    let address = start().await;
    let (body, end) = chat(address, "?done=0", &[]).await.chunks_until_end().await;
    let text = String::from_utf8(body).expect("UTF-8");
    assert_eq!(events(&text).last(), Some(&CHAT_FINISH));
    assert!(!text.contains("[DONE]"));
    assert_eq!(end, End::Clean);
}

#[tokio::test]
async fn chat_auth_without_a_token_answers_401_json() {
    let address = start().await;
    let response = chat(address, "?auth=1&tag=a0", &[]).await;
    assert_eq!(response.status, 401);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(
        response.text().await,
        r#"{"error":{"message":"invalid token","type":"invalid_request_error"}}"#
    );
}

#[tokio::test]
async fn chat_auth_accepts_only_the_latest_token_of_the_tag() {
    let address = start().await;
    let first = format!("Bearer {}", token(address, "a1").await);
    let response = chat(address, "?auth=1&tag=a1", &[("Authorization", &first)]).await;
    assert_eq!(response.status, 200);
    assert!(response.text().await.ends_with("data: [DONE]\n\n"));
    let second = format!("Bearer {}", token(address, "a1").await);
    let old = chat(address, "?auth=1&tag=a1", &[("Authorization", &first)]).await;
    assert_eq!(old.status, 401);
    let new = chat(address, "?auth=1&tag=a1", &[("Authorization", &second)]).await;
    assert_eq!(new.status, 200);
}

#[tokio::test]
async fn chat_auth_rejects_an_expired_token_until_a_new_one_is_issued() {
    let address = start().await;
    let first = format!("Bearer {}", token(address, "a2").await);
    json(address, "/control/expire-token?tag=a2").await;
    let expired = chat(address, "?auth=1&tag=a2", &[("Authorization", &first)]).await;
    assert_eq!(expired.status, 401);
    let second = format!("Bearer {}", token(address, "a2").await);
    assert_eq!(second, "Bearer t2");
    let renewed = chat(address, "?auth=1&tag=a2", &[("Authorization", &second)]).await;
    assert_eq!(renewed.status, 200);
}

#[tokio::test]
async fn chat_rejects_a_body_that_is_not_json_with_400() {
    let address = start().await;
    let headers = [("Content-Type", "application/json")];
    let response = request(address, "POST", "/v1/chat/completions", &headers, b"{nope").await;
    assert_eq!(response.status, 400);
    assert_eq!(response.header("content-type"), Some("text/plain"));
    assert!(response.text().await.starts_with("body: not JSON"));
}

#[tokio::test]
async fn chat_log_records_the_post_with_its_body_authorization_and_last_event_id() {
    let address = start().await;
    let bearer = format!("Bearer {}", token(address, "cl").await);
    let headers = [("Authorization", bearer.as_str()), ("Last-Event-ID", "5")];
    chat(address, "?tag=cl&auth=1&ids=1", &headers)
        .await
        .body()
        .await;
    let log = json(address, "/log?tag=cl").await;
    assert_eq!(log.as_array().expect("log").len(), 1, "{log}");
    assert_eq!(log[0]["method"], "POST");
    assert_eq!(log[0]["path"], "/v1/chat/completions");
    assert_eq!(log[0]["body"], CHAT_REQUEST);
    assert_eq!(log[0]["headers"]["authorization"], "Bearer t1");
    assert_eq!(log[0]["headers"]["content-type"], "application/json");
    assert_eq!(log[0]["last_event_id"], "5");
    assert_eq!(log[0]["status"], 200);
}

#[tokio::test]
async fn chat_preflight_allows_authorization_and_content_type_cross_origin() {
    let address = start().await;
    let headers = [
        ("Origin", "http://127.0.0.1:9"),
        ("Access-Control-Request-Method", "POST"),
        (
            "Access-Control-Request-Headers",
            "authorization, content-type",
        ),
    ];
    let path = "/v1/chat/completions?tag=cp";
    let response = request(address, "OPTIONS", path, &headers, b"").await;
    assert_eq!(response.status, 204);
    assert_eq!(
        response.header("access-control-allow-headers"),
        Some("authorization, content-type")
    );
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("http://127.0.0.1:9")
    );
    assert_eq!(json(address, "/stats?tag=cp").await["total"], 0);
}

#[tokio::test]
async fn chat_answers_an_armed_failure_with_its_status_and_retry_after() {
    let address = start().await;
    json(address, "/control/fail?tag=cf&status=429&retry_after=2").await;
    let limited = chat(address, "?tag=cf", &[]).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), Some("2"));
    assert_eq!(chat(address, "?tag=cf", &[]).await.status, 200);
}

/// The `id:` values of `events`, in order.
fn event_ids<'a>(events: &[&'a str]) -> Vec<&'a str> {
    events
        .iter()
        .filter_map(|event| event.strip_prefix("id: "))
        .map(|rest| rest.split('\n').next().unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn chat_with_ids_and_error_after_resumes_across_cut_connections_to_done() {
    let address = start().await;
    let query = "?tag=ce&ids=1&error_after=3";
    let mut last_id = None::<String>;
    let mut seen = Vec::new();
    for (want_ids, want_end) in [
        (vec!["1", "2", "3"], End::Cut),
        (vec!["4", "5", "6"], End::Cut),
        (vec!["7"], End::Clean),
    ] {
        let headers: Vec<(&str, &str)> = last_id
            .iter()
            .map(|id| ("Last-Event-ID", id.as_str()))
            .collect();
        let (body, end) = chat(address, query, &headers)
            .await
            .chunks_until_end()
            .await;
        let text = String::from_utf8(body).expect("UTF-8");
        let events = events(&text);
        assert_eq!(event_ids(&events), want_ids, "{text:?}");
        assert_eq!(end, want_end, "{text:?}");
        assert_eq!(text.contains("[DONE]"), end == End::Clean, "{text:?}");
        seen.extend(contents(&events));
        last_id = want_ids.last().map(|id| id.to_string());
    }
    assert_eq!(seen.concat(), "Hello! How can I help you today?");
    // Each connection re-sent the body; the reconnects carried the last id.
    let log = json(address, "/log?tag=ce").await;
    let log = log.as_array().expect("log");
    assert_eq!(log.len(), 3);
    assert!(log.iter().all(|record| record["method"] == "POST"));
    assert!(log.iter().all(|record| record["body"] == CHAT_REQUEST));
    let ids: Vec<&Value> = log.iter().map(|record| &record["last_event_id"]).collect();
    assert_eq!(ids, [&Value::Null, &Value::from("3"), &Value::from("6")]);
}

#[tokio::test]
async fn chat_with_ids_resumes_after_the_last_event_id_query_param() {
    let address = start().await;
    let text = chat(address, "?ids=1&lastEventId=5", &[])
        .await
        .text()
        .await;
    let events = events(&text);
    assert_eq!(event_ids(&events), ["6", "7"]);
    assert_eq!(events[2..], [CHAT_FINISH, "data: [DONE]"]);
    // Past the last token: just the finish chunk and `[DONE]`.
    let text = chat(address, "?ids=1&lastEventId=7", &[])
        .await
        .text()
        .await;
    assert_eq!(events_owned(&text), [CHAT_FINISH, "data: [DONE]"]);
}

/// [`events`], owned, for comparing a temporary body.
fn events_owned(text: &str) -> Vec<String> {
    events(text).into_iter().map(str::to_owned).collect()
}

#[tokio::test]
async fn chat_route_is_post_only_and_logs_a_wrong_method_as_405() {
    let address = start().await;
    let response = get(address, "/v1/chat/completions?tag=cg", &[]).await;
    assert_eq!(response.status, 405);
    // Still behind `accept`: a client using the wrong method shows up in the log.
    let log = json(address, "/log?tag=cg").await;
    assert_eq!(log[0]["method"], "GET");
    assert_eq!(log[0]["status"], 405);
}

#[tokio::test]
async fn chat_auth_rejects_a_token_issued_before_a_reset() {
    let address = start().await;
    let bearer = format!("Bearer {}", token(address, "cr").await);
    json(address, "/control/reset?tag=cr").await;
    let response = chat(address, "?auth=1&tag=cr", &[("Authorization", &bearer)]).await;
    assert_eq!(response.status, 401);
}

#[tokio::test]
async fn counter_stamps_each_event_with_the_time_of_its_write() {
    let address = start().await;
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_micros();
    let body = get(address, "/counter?count=2&stamp=1&after=eof", &[])
        .await
        .body()
        .await;
    let text = String::from_utf8(body).unwrap();
    let stamps: Vec<u128> = text
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .map(|data| {
            let value: serde_json::Value = serde_json::from_str(data).unwrap();
            value["at_us"].as_u64().unwrap().into()
        })
        .collect();
    assert_eq!(stamps.len(), 2, "{text}");
    assert!(
        stamps.iter().all(|&at| at >= before),
        "{stamps:?} vs {before}"
    );
    assert!(text.contains("data: {\"seq\":1,\"at_us\":"), "{text}");
}
