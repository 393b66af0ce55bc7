//! `/raw`: fully scripted bytes, chunking, delays, status and content type from the query.

use std::time::Duration;

use axum::{http::StatusCode, response::Response};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use bytes::Bytes;

use crate::{conn::Conn, params::BadParam};

/// `GET /raw?body=...|body_b64=...&chunk=N&delay_ms=N&status=N&content_type=T&after=hold|eof`.
pub async fn raw(conn: Conn) -> Result<Response, BadParam> {
    let params = &conn.params;
    let body = match (params.bytes("body"), params.str("body_b64")?) {
        (Some(_), Some(_)) => return Err(BadParam("give body or body_b64, not both".to_owned())),
        (Some(bytes), None) => Bytes::copy_from_slice(bytes),
        (None, Some(text)) => STANDARD
            .decode(text)
            .map(Bytes::from)
            .map_err(|error| BadParam(format!("body_b64: {error}")))?,
        (None, None) => Bytes::new(),
    };
    let chunk = match params.num::<usize>("chunk")? {
        Some(0) => return Err(BadParam("chunk: must be at least 1".to_owned())),
        Some(chunk) => chunk,
        None => body.len().max(1),
    };
    let delay = Duration::from_millis(params.num_or("delay_ms", 0)?);
    let status = params.status("status", StatusCode::OK)?;
    let content_type = params.content_type("content_type", "text/event-stream")?;
    let after = params.after()?;
    Ok(conn.stream(status, content_type, move |out| async move {
        for start in (0..body.len()).step_by(chunk) {
            if start > 0 {
                tokio::time::sleep(delay).await;
            }
            out.write(body.slice(start..body.len().min(start + chunk)))
                .await?;
        }
        out.finish(after).await
    }))
}
