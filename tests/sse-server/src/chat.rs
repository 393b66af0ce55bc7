//! `/v1/chat/completions`: an OpenAI-compatible streamed chat completion, for clients that
//! POST and read the event stream: a fixed reply token by token, resumable by id, cut
//! mid-stream, or behind a rotating bearer token.

use std::time::Duration;

use axum::{
    http::{header::AUTHORIZATION, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use bytes::Bytes;
use serde::Serialize;
use serde_json::json;

use crate::{conn::Conn, counter::first_id, params::BadParam};

/// How long the tokens before an `error_after` cut are left to be read.
const READ_BEFORE_CUT: Duration = Duration::from_millis(200);

/// The reply unless `reply` gives one.
const DEFAULT_REPLY: &str = "Hello! How can I help you today?";

/// The event after the finish chunk, unless `done=0`.
const DONE: &str = "data: [DONE]\n\n";

/// `POST /v1/chat/completions?reply=TEXT&interval_ms=N&ids=1&error_after=N&done=0&auth=1`.
pub async fn completions(
    conn: Conn,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, BadParam> {
    let params = &conn.params;
    let reply = params.str("reply")?.unwrap_or(DEFAULT_REPLY);
    let interval = Duration::from_millis(params.num_or("interval_ms", 0)?);
    let ids = params.flag("ids", false)?;
    let error_after: Option<usize> = params.num("error_after")?;
    let done = params.flag("done", true)?;
    if params.flag("auth", false)? && !bearer(&headers).is_some_and(|t| conn.tag.accepts_token(t)) {
        return Ok(invalid_token());
    }
    if let Err(error) = serde_json::from_slice::<serde_json::Value>(&body) {
        return Err(BadParam(format!("body: not JSON ({error})")));
    }
    // Token `n` (from 1) has id `n`; without ids every request starts at the first token.
    let first = if ids {
        first_id(&headers, params, 1)
    } else {
        1
    };
    let mut events: Vec<String> = split_tokens(reply)
        .into_iter()
        .zip(1..)
        .skip_while(|&(_, n)| n < first)
        .map(|(token, n)| {
            let delta = Delta {
                role: (n == 1).then_some("assistant"),
                content: Some(token),
            };
            chunk_event(ids.then_some(n), delta, None)
        })
        .collect();
    let cut = error_after.filter(|&n| n <= events.len());
    events.push(chunk_event(None, Delta::default(), Some("stop")));
    Ok(conn.event_stream(move |out| async move {
        for (sent, event) in events.into_iter().enumerate() {
            if cut == Some(sent) {
                // A browser drops body bytes it has not handed to the reader yet when the
                // body errors: give it time to hand over the tokens before the cut.
                out.idle(READ_BEFORE_CUT).await?;
                return out.abort().await;
            }
            if sent > 0 {
                out.idle(interval).await?;
            }
            out.write(event).await?;
        }
        if done {
            out.write(DONE).await?;
        }
        Ok(())
    }))
}

/// The token of an `Authorization: Bearer TOKEN` header.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The `401` OpenAI answers a missing, old or expired key with.
fn invalid_token() -> Response {
    let error = json!({"error": {"message": "invalid token", "type": "invalid_request_error"}});
    (StatusCode::UNAUTHORIZED, Json(error)).into_response()
}

/// `text` cut before each run of whitespace that follows a word: `Hello!`, ` How`, ` can` ...
fn split_tokens(text: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let (mut start, mut after_space) = (0, true);
    for (at, c) in text.char_indices() {
        let space = c.is_whitespace();
        if space && !after_space {
            tokens.push(&text[start..at]);
            start = at;
        }
        after_space = space;
    }
    if start < text.len() {
        tokens.push(&text[start..]);
    }
    tokens
}

/// One `chat.completion.chunk`, its fields in the order OpenAI sends them.
#[derive(Debug, Serialize)]
struct Chunk<'a> {
    id: &'static str,
    object: &'static str,
    created: u64,
    model: &'static str,
    choices: [Choice<'a>; 1],
}

/// The only choice of a chunk.
#[derive(Debug, Serialize)]
struct Choice<'a> {
    index: u32,
    delta: Delta<'a>,
    finish_reason: Option<&'static str>,
}

/// What a chunk adds to the message: its role (first chunk only) and text; `{}` at the end.
#[derive(Debug, Default, Serialize)]
struct Delta<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<&'a str>,
}

/// The event carrying one chunk: `id: {id}\n` if given, then `data: {json}\n\n`.
fn chunk_event(id: Option<u64>, delta: Delta, finish_reason: Option<&'static str>) -> String {
    let chunk = Chunk {
        id: "chatcmpl-test",
        object: "chat.completion.chunk",
        created: 0,
        model: "test",
        choices: [Choice {
            index: 0,
            delta,
            finish_reason,
        }],
    };
    // Strings, numbers and options only: serializing cannot fail.
    let data = serde_json::to_string(&chunk).expect("a chunk serializes");
    match id {
        Some(id) => format!("id: {id}\ndata: {data}\n\n"),
        None => format!("data: {data}\n\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_keep_the_spaces_before_each_word() {
        assert_eq!(
            split_tokens(DEFAULT_REPLY),
            ["Hello!", " How", " can", " I", " help", " you", " today?"]
        );
        assert_eq!(split_tokens("  a  b\nc "), ["  a", "  b", "\nc", " "]);
        assert!(split_tokens("").is_empty());
    }
}
