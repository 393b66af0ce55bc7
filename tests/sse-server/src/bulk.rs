//! `/bulk`: many events as fast as possible, in ~64 KiB writes, for throughput tests.

use std::{
    fmt::Write as _,
    time::{SystemTime, UNIX_EPOCH},
};

use axum::{http::HeaderMap, response::Response};
use bytes::BytesMut;

use crate::{
    conn::Conn,
    counter::{first_id, no_content},
    params::BadParam,
};

/// A write is sent once the buffer holds this many bytes.
const BATCH: usize = 64 * 1024;

/// The characters payloads repeat.
const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// `GET /bulk?count=N&payload=P`: events `first..=count`, then EOF; resumes like `/counter`.
pub async fn bulk(conn: Conn, headers: HeaderMap) -> Result<Response, BadParam> {
    let count: u64 = conn.params.num_or("count", 100_000)?;
    let payload_len: usize = conn.params.num_or("payload", 64)?;
    let first = first_id(&headers, &conn.params, 1);
    if first > count {
        return Ok(no_content());
    }
    let payload: String = ALPHABET
        .iter()
        .cycle()
        .take(payload_len)
        .map(|&c| c as char)
        .collect();
    Ok(conn.event_stream(move |out| async move {
        let mut buffer = BytesMut::with_capacity(BATCH + payload_len + 128);
        for id in first..=count {
            let _ = write!(
                buffer,
                "id: {id}\ndata: {{\"seq\":{id},\"ts\":{},\"payload\":\"{payload}\"}}\n\n",
                unix_ms()
            );
            if buffer.len() >= BATCH {
                // `split` hands the filled bytes over; the allocation is reused once they are sent.
                out.write(buffer.split().freeze()).await?;
            }
        }
        if !buffer.is_empty() {
            out.write(buffer.freeze()).await?;
        }
        Ok(())
    }))
}

/// Milliseconds since the Unix epoch.
fn unix_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis())
}
