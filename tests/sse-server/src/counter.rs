//! `/counter`: numbered events with resumption, scripted drops and `retry:`.

use std::{fmt::Write as _, time::Duration};

use axum::{
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};

use crate::{
    conn::Conn,
    params::{BadParam, Params},
    state::LAST_EVENT_ID,
    stream::{set_sse_headers, EVENT_STREAM},
};

/// How a connection ends after `drop_after` events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DropMode {
    /// Clean end of body after the last event.
    Eof,
    /// Write the first half of the next event (up to `data: {"se`), then end.
    Mid,
}

/// The first id a connection sends: after `Last-Event-ID`, else after `lastEventId`, else `start`.
pub fn first_id(headers: &HeaderMap, params: &Params, start: u64) -> u64 {
    let header = headers
        .get(LAST_EVENT_ID)
        .and_then(|value| value.to_str().ok());
    let query = params.str("lastEventId").ok().flatten();
    header
        .and_then(|id| id.parse::<u64>().ok())
        .or_else(|| query.and_then(|id| id.parse::<u64>().ok()))
        .map_or(start, |id| id.saturating_add(1))
}

/// A `204 No Content` with the SSE headers: everything was already delivered.
pub fn no_content() -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    set_sse_headers(&mut response, Some(EVENT_STREAM));
    response
}

/// `GET|POST /counter`.
pub async fn counter(conn: Conn, headers: HeaderMap) -> Result<Response, BadParam> {
    let params = &conn.params;
    let count: Option<u64> = params.num("count")?;
    let interval = Duration::from_millis(params.num_or("interval_ms", 0)?);
    // A wait before the first event, so that several clients can join before it.
    let first_after = Duration::from_millis(params.num_or("first_after_ms", 0)?);
    let event = params.str("event")?.map(str::to_owned);
    let stamp = params.flag("stamp", false)?;
    let retry: Option<u64> = params.num("retry")?;
    let drop_after: Option<u64> = params.num("drop_after")?;
    let drop_mode = match params.str("drop_mode")? {
        None | Some("eof") => DropMode::Eof,
        Some("mid") => DropMode::Mid,
        Some(other) => return Err(BadParam(format!("drop_mode: {other:?} is not eof or mid"))),
    };
    let after = params.after()?;
    let first = first_id(&headers, params, params.num_or("start", 1)?);
    if count.is_some_and(|count| first > count) {
        return Ok(no_content());
    }
    Ok(conn.event_stream(move |out| async move {
        let mut prefix = retry.map(|ms| format!("retry: {ms}\n")).unwrap_or_default();
        let (mut id, mut sent) = (first, 0);
        loop {
            let done = count.is_some_and(|count| id > count);
            if drop_after == Some(sent) {
                if drop_mode == DropMode::Mid && !done {
                    out.write(partial(event.as_deref(), id)).await?;
                }
                return Ok(());
            }
            if done {
                return out.finish(after).await;
            }
            if sent > 0 {
                out.idle(interval).await?;
            } else if !first_after.is_zero() {
                out.idle(first_after).await?;
            }
            let mut text = render(event.as_deref(), id);
            if stamp {
                text = stamped(&text, id);
            }
            out.write(std::mem::take(&mut prefix) + &text).await?;
            (id, sent) = (id + 1, sent + 1);
        }
    }))
}

/// One counter event: `event: NAME\n` if named, then `id: {id}\ndata: {"seq":{id}}\n\n`.
fn render(event: Option<&str>, id: u64) -> String {
    let mut text = String::new();
    if let Some(name) = event {
        let _ = writeln!(text, "event: {name}");
    }
    let _ = write!(text, "id: {id}\ndata: {{\"seq\":{id}}}\n\n");
    text
}

/// `text` (an event of `render`) with the time it is written added to its data, for the
/// latency bench: `{"seq":{id},"at_us":MICROSECONDS_SINCE_THE_UNIX_EPOCH}`.
fn stamped(text: &str, id: u64) -> String {
    let at_us = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_micros());
    text.replace(
        &format!("{{\"seq\":{id}}}"),
        &format!("{{\"seq\":{id},\"at_us\":{at_us}}}"),
    )
}

/// The first half of the event `render` would write, cut inside its JSON: `...data: {"se`.
fn partial(event: Option<&str>, id: u64) -> String {
    let mut text = render(event, id);
    let cut = text
        .rfind("data: ")
        .map_or(text.len() / 2, |start| start + r#"data: {"se"#.len());
    text.truncate(cut);
    text
}
