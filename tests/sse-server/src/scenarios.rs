//! The small fixed scenarios: seed feed, named events, multi-line data, `retry:`,
//! status codes, wrong content types, byte-by-byte delivery, endless lines, echo, redirects.

use std::{collections::BTreeMap, time::Duration};

use axum::{
    extract::Path,
    http::{
        header::{ACCEPT, COOKIE, LOCATION},
        HeaderMap, HeaderValue, Method, StatusCode, Uri,
    },
    response::{IntoResponse, Response},
};
use bytes::Bytes;
use serde_json::json;

use crate::{
    conn::Conn,
    params::{final_status, BadParam},
    state::header_map,
    stream::{set_sse_headers, EVENT_STREAM},
};

/// The body of responses a client must reject before reading.
const UNDELIVERABLE: &str = "data: should not be delivered\n\n";

/// `/named`: typed events, including types that look like `open` and `error`.
const NAMED: &str = "event: tick\ndata: 1\n\n\
    data: plain\n\n\
    event: tock\ndata: 2\n\n\
    event: tick\ndata: 3\n\n\
    event: open\ndata: not-an-open\n\n\
    event: error\ndata: not-an-error\n\n";

/// `/multiline`: one event whose data is `line one\nline two\n\nline four`.
const MULTILINE: &str = "data: line one\ndata: line two\ndata:\ndata: line four\n\n";

/// `/bytewise`: BOM, CRLF, CR-only and LF line ends, multi-byte UTF-8, sent one byte at a time.
const BYTEWISE: &[u8] = "\u{FEFF}:comment\r\nid: 1\r\ndata: héllo\r\n\r\n\
    event: greet\r\ndata: wörld ✓\r\ndata: 😀\r\n\r\n\
    id: 3\rdata: cr only\r\rdata: lf only\n\n"
    .as_bytes();

/// Size of each write of `/endless-line`.
const ENDLESS_CHUNK: usize = 64 * 1024;

/// `GET /`: browsers asking for a page go to `/www/`; everyone else gets the seed feed.
pub async fn seed(conn: Conn, headers: HeaderMap) -> Result<Response, BadParam> {
    let accept = headers
        .get(ACCEPT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if accept.contains("text/html") && !accept.contains("text/event-stream") {
        return Ok((StatusCode::FOUND, [(LOCATION, "/www/")]).into_response());
    }
    let interval = Duration::from_millis(conn.params.num_or("interval_ms", 1000)?);
    Ok(conn.event_stream(move |out| async move {
        loop {
            out.write(r#"data: {"message":"Hello, world!"}"#.to_owned() + "\n\n")
                .await?;
            out.idle(interval).await?;
        }
    }))
}

/// `GET /named`.
pub async fn named(conn: Conn) -> Response {
    fixed_then_hold(&conn, NAMED)
}

/// `GET /multiline`.
pub async fn multiline(conn: Conn) -> Response {
    fixed_then_hold(&conn, MULTILINE)
}

/// Writes `text` in one write, then holds.
fn fixed_then_hold(conn: &Conn, text: &'static str) -> Response {
    conn.event_stream(move |out| async move {
        out.write(text).await?;
        out.hold().await
    })
}

/// `GET /retry?ms=N`: `retry: N` and `first` on a tag's first connection, `again` later; then EOF.
pub async fn retry(conn: Conn) -> Result<Response, BadParam> {
    let ms: u64 = conn.params.num_or("ms", 1000)?;
    let text = match conn.index {
        0 => format!("retry: {ms}\ndata: first\n\n"),
        _ => "data: again\n\n".to_owned(),
    };
    Ok(conn.event_stream(move |out| async move { out.write(text).await }))
}

/// `GET /status/{code}`: that status, an event-stream content type and an undeliverable event.
pub async fn status(Path(code): Path<String>) -> Result<Response, BadParam> {
    let status = code
        .parse()
        .map_err(|_| BadParam(format!("status: {code:?} is not a number")))
        .and_then(|code| final_status("status", code))?;
    let body = match status {
        StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED => "",
        _ => UNDELIVERABLE,
    };
    let mut response = (status, body).into_response();
    set_sse_headers(&mut response, Some(EVENT_STREAM));
    Ok(response)
}

/// `GET /wrong-content-type?type=T`: an event under content type `T` (`none`: no header), held.
pub async fn wrong_content_type(conn: Conn) -> Result<Response, BadParam> {
    let content_type = conn.params.content_type("type", "text/plain")?;
    Ok(conn.stream(StatusCode::OK, content_type, |out| async move {
        out.write(UNDELIVERABLE).await?;
        out.hold().await
    }))
}

/// `GET /bytewise?delay_ms=N`: [`BYTEWISE`] one byte per write, then held.
pub async fn bytewise(conn: Conn) -> Result<Response, BadParam> {
    let delay = Duration::from_millis(conn.params.num_or("delay_ms", 2)?);
    Ok(conn.event_stream(move |out| async move {
        for (i, byte) in BYTEWISE.iter().enumerate() {
            if i > 0 {
                tokio::time::sleep(delay).await;
            }
            out.write(Bytes::from_static(std::slice::from_ref(byte)))
                .await?;
        }
        out.hold().await
    }))
}

/// `GET /endless-line?limit_bytes=N&line=data|comment`: `data: ` (or `:`, a comment) then `a`s
/// in 64 KiB writes, never a line end.
pub async fn endless_line(conn: Conn) -> Result<Response, BadParam> {
    let mut remaining: u64 = conn.params.num_or("limit_bytes", 64 << 20)?;
    let start = match conn.params.str("line")? {
        None | Some("data") => "data: ",
        Some("comment") => ":",
        Some(other) => return Err(BadParam(format!("line: {other:?} is not data or comment"))),
    };
    Ok(conn.event_stream(move |out| async move {
        let chunk = Bytes::from(vec![b'a'; ENDLESS_CHUNK]);
        out.write(start).await?;
        while remaining > 0 {
            let len = remaining.min(ENDLESS_CHUNK as u64);
            out.write(chunk.slice(..len as usize)).await?;
            remaining -= len;
        }
        // A keep-alive would end the line, so the limit is held in silence.
        std::future::pending().await
    }))
}

/// `ANY /echo`: one `echo` event describing the request as JSON, then held (`after=eof`: ended).
pub async fn echo(
    conn: Conn,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, BadParam> {
    let after = conn.params.after()?;
    let report = json!({
        "method": method.as_str(),
        "headers": header_map(&headers),
        "cookies": cookies(&headers),
        "body": String::from_utf8_lossy(&body),
        "query": uri.query().unwrap_or_default(),
    });
    let text = format!("event: echo\ndata: {report}\n\n");
    Ok(conn.event_stream(move |out| async move {
        out.write(text).await?;
        out.finish(after).await
    }))
}

/// The `name=value` pairs of every `Cookie` header.
fn cookies(headers: &HeaderMap) -> BTreeMap<String, String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

/// `GET /redirect?to=PATH&code=302`: a redirect with that code to `to`.
pub async fn redirect(conn: Conn) -> Result<Response, BadParam> {
    let to = conn
        .params
        .str("to")?
        .ok_or_else(|| BadParam("to: missing".to_owned()))?;
    let location = HeaderValue::from_str(to)
        .map_err(|_| BadParam(format!("to: {to:?} is not a header value")))?;
    let status = match conn.params.num_or("code", 302)? {
        code @ (301 | 302 | 303 | 307 | 308) => {
            StatusCode::from_u16(code).unwrap_or(StatusCode::FOUND)
        }
        code => {
            return Err(BadParam(format!(
                "code: {code} is not 301, 302, 303, 307 or 308"
            )))
        }
    };
    Ok((status, [(LOCATION, location)]).into_response())
}
