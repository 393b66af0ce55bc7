//! Hostile servers for the reliability suites: a soak feed that drops each connection at a
//! seeded random byte (mid-line, mid-CRLF, inside a UTF-8 character), connections aborted
//! mid-body, floods of tiny events and events larger than any sane limit.

use std::fmt::Write as _;

use axum::{http::HeaderMap, response::Response};
use bytes::Bytes;

use crate::{
    conn::Conn,
    counter::{first_id, no_content},
    params::BadParam,
};

/// The largest write of the flood and giant routes.
const WRITE: usize = 64 * 1024;

/// How a soak or abort connection ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// A clean end of the body.
    Eof,
    /// The connection is cut without ending the chunked body: the client sees a network error.
    Abort,
}

/// `GET /soak?count=N&seed=S&window=K&end=eof|abort|mix&retry=MS&max_write=B`.
pub async fn soak(conn: Conn, headers: HeaderMap) -> Result<Response, BadParam> {
    let params = &conn.params;
    let count: u64 = params.num_or("count", 1000)?;
    let seed: u64 = params.num_or("seed", 1)?;
    let window: u64 = params.num_or::<u64>("window", 3)?.max(1);
    let retry: u64 = params.num_or("retry", 1)?;
    let max_write: usize = params.num_or::<usize>("max_write", 64)?.max(1);
    let mix = match params.str("end")? {
        None | Some("mix") => None,
        Some("eof") => Some(End::Eof),
        Some("abort") => Some(End::Abort),
        Some(other) => return Err(BadParam(format!("end: {other:?} is not eof, abort or mix"))),
    };
    let first = first_id(&headers, params, 1);
    if first > count {
        return Ok(no_content());
    }
    let mut rng = SplitMix(seed ^ conn.index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let mut bytes = format!("retry: {retry}\n").into_bytes();
    for id in first..=(first + window - 1).min(count) {
        bytes.extend_from_slice(soak_event(id).as_bytes());
    }
    let cut = pick_cut(&bytes, &mut rng);
    let end = mix.unwrap_or(if rng.next() & 1 == 0 {
        End::Eof
    } else {
        End::Abort
    });
    let mut writes = Vec::new();
    let mut at = 0;
    while at < cut {
        let len = (1 + rng.below(max_write as u64) as usize).min(cut - at);
        writes.push(Bytes::copy_from_slice(&bytes[at..at + len]));
        at += len;
    }
    Ok(scripted(&conn, writes, end))
}

/// One soak event: `id: {id}` and a JSON `data` line whose text is full of multi-byte
/// characters, with LF line ends for odd ids and CRLF for even ones.
pub fn soak_event(id: u64) -> String {
    let end = if id & 1 == 0 { "\r\n" } else { "\n" };
    let mut text = String::new();
    let _ = write!(
        text,
        "id: {id}{end}data: {{\"seq\":{id},\"text\":\"{}\"}}{end}{end}",
        soak_text(id)
    );
    text
}

/// The text of soak event `id`: 2-, 3- and 4-byte UTF-8 characters around the number.
pub fn soak_text(id: u64) -> String {
    format!("é✓😀 {id} ünïcødé ✓✓ 😀😀")
}

/// Where to cut `bytes`: inside a UTF-8 character, between a CR and its LF, inside a line,
/// or right after an event, a quarter of the time each (uniformly when a kind has no place).
fn pick_cut(bytes: &[u8], rng: &mut SplitMix) -> usize {
    let candidates: Vec<usize> = match rng.below(4) {
        0 => (1..bytes.len())
            .filter(|&at| bytes[at] & 0xC0 == 0x80)
            .collect(),
        1 => (1..bytes.len())
            .filter(|&at| bytes[at - 1] == b'\r' && bytes[at] == b'\n')
            .collect(),
        2 => (1..bytes.len())
            .filter(|&at| !matches!(bytes[at - 1], b'\n' | b'\r'))
            .collect(),
        _ => (2..=bytes.len())
            .filter(|&at| ends_event(&bytes[..at]))
            .collect(),
    };
    if candidates.is_empty() {
        return rng.below(bytes.len() as u64 + 1) as usize;
    }
    candidates[rng.below(candidates.len() as u64) as usize]
}

/// Whether `bytes` end with the blank line that ends an event.
fn ends_event(bytes: &[u8]) -> bool {
    bytes.ends_with(b"\n\n") || bytes.ends_with(b"\r\n\r\n")
}

/// `GET /abort?body=...|body_b64=...`: writes the body, then cuts the connection without
/// ending the chunked body, every time.
pub async fn abort(conn: Conn) -> Result<Response, BadParam> {
    let body = match conn.params.bytes("body") {
        Some(bytes) => Bytes::copy_from_slice(bytes),
        None => return Err(BadParam("body: missing".to_owned())),
    };
    Ok(scripted(&conn, vec![body], End::Abort))
}

/// `GET /flood?count=N&unit=event|blank|comment&after=hold|eof`: `count` tiny units (`data:x\n\n`,
/// `\n` or `:\n`) in 64 KiB writes, then `id: end\ndata: end\n\n`.
pub async fn flood(conn: Conn) -> Result<Response, BadParam> {
    let params = &conn.params;
    let count: usize = params.num_or("count", 100_000)?;
    let unit: &[u8] = match params.str("unit")? {
        None | Some("event") => b"data:x\n\n",
        Some("blank") => b"\n",
        Some("comment") => b":\n",
        Some(other) => {
            return Err(BadParam(format!(
                "unit: {other:?} is not event, blank or comment"
            )))
        }
    };
    let after = params.after()?;
    let per_write = (WRITE / unit.len()).max(1);
    Ok(conn.event_stream(move |out| async move {
        let mut left = count;
        while left > 0 {
            let n = left.min(per_write);
            out.write(unit.repeat(n)).await?;
            left -= n;
        }
        out.write(&b"id: end\ndata: end\n\n"[..]).await?;
        out.finish(after).await
    }))
}

/// `GET /giant?bytes=N&line=L&after=hold|eof`: one event of `data:` lines of `L` (default
/// 1024) `a`s, `N` (default 8 MiB) data bytes in all, then `id: after\ndata: after\n\n`.
pub async fn giant(conn: Conn) -> Result<Response, BadParam> {
    let params = &conn.params;
    let total: usize = params.num_or("bytes", 8 << 20)?;
    let line_len: usize = params.num_or::<usize>("line", 1024)?.max(1);
    let after = params.after()?;
    let mut line = b"data:".to_vec();
    line.resize(5 + line_len, b'a');
    line.push(b'\n');
    let lines = total.div_ceil(line_len);
    let per_write = (WRITE / line.len()).max(1);
    Ok(conn.event_stream(move |out| async move {
        let mut left = lines;
        while left > 0 {
            let n = left.min(per_write);
            out.write(line.repeat(n)).await?;
            left -= n;
        }
        out.write(&b"\nid: after\ndata: after\n\n"[..]).await?;
        out.finish(after).await
    }))
}

/// A `200 text/event-stream` response that writes `writes`, then ends as `end` says.
fn scripted(conn: &Conn, writes: Vec<Bytes>, end: End) -> Response {
    conn.event_stream(move |out| async move {
        for bytes in writes {
            out.write(bytes).await?;
        }
        match end {
            End::Eof => Ok(()),
            End::Abort => out.abort().await,
        }
    })
}

/// SplitMix64: a tiny seeded generator, so a soak run is the same every time.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soak_cuts_land_in_every_kind_of_place() {
        let mut bytes = b"retry: 1\n".to_vec();
        for id in 1..=3 {
            bytes.extend_from_slice(soak_event(id).as_bytes());
        }
        let mut rng = SplitMix(7);
        let cuts: Vec<usize> = (0..400).map(|_| pick_cut(&bytes, &mut rng)).collect();
        let inside_char = cuts
            .iter()
            .any(|&at| bytes.get(at).is_some_and(|byte| byte & 0xC0 == 0x80));
        let inside_crlf = cuts
            .iter()
            .any(|&at| at > 0 && at < bytes.len() && bytes[at - 1] == b'\r');
        let after_event = cuts.iter().any(|&at| ends_event(&bytes[..at]));
        assert!(inside_char && inside_crlf && after_event);
        assert!(cuts.iter().all(|&at| at <= bytes.len()));
    }
}
