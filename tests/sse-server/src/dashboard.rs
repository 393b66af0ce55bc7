//! `/market`: the demo dashboard's feed, a simulated market whose every tick is a pure
//! function of its id, so a client resuming by `Last-Event-ID` catches up exactly, even
//! after the server process restarted.

use std::{
    fmt::Write as _,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{http::HeaderMap, response::Response};

use crate::{conn::Conn, counter::first_id, params::BadParam};

/// The simulated instruments and their base prices.
const SYMBOLS: [(&str, f64); 4] = [
    ("WASM", 128.0),
    ("RUST", 42.0),
    ("SSE", 7.5),
    ("HTTP", 311.0),
];

/// `GET /market?interval_ms=N&history=H&replay_max=M&limit=L`: one `tick` event per `interval_ms`.
///
/// Tick `i` is the one due at `i * interval_ms` ms after the Unix epoch; `i` is its id.
/// A client that resumes (by `Last-Event-ID` or `lastEventId`) first gets every tick it
/// missed, at most `replay_max` of them, in one write and marked `"replay":true`; then the
/// live ticks as they fall due. A new client (no id) gets the last `history` ticks first, the same way.
pub async fn market(conn: Conn, headers: HeaderMap) -> Result<Response, BadParam> {
    let interval_ms: u64 = conn.params.num_or("interval_ms", 200)?;
    if interval_ms == 0 {
        return Err(BadParam("interval_ms: must be at least 1".into()));
    }
    let history: u64 = conn.params.num_or("history", 0)?;
    let replay_max: u64 = conn.params.num_or("replay_max", 3000)?;
    let limit: Option<u64> = conn.params.num("limit")?;
    if limit == Some(0) {
        return Err(BadParam("limit: must be at least 1".into()));
    }
    let now = current_tick(interval_ms);
    let first = first_id(&headers, &conn.params, now.saturating_sub(history))
        .max(now.saturating_sub(replay_max));
    Ok(conn.event_stream(move |out| async move {
        let mut next = first;
        let mut sent = 0;
        loop {
            let due = current_tick(interval_ms);
            if next > due {
                out.idle(until_tick(next, interval_ms)).await?;
                continue;
            }
            // Everything already due in one write: the catch-up after a resume, else one tick.
            let last = limit.map_or(due, |limit| due.min(next + (limit - sent) - 1));
            let mut text = String::new();
            for id in next..=last {
                render(&mut text, id, interval_ms, id < now);
            }
            out.write(text).await?;
            sent += last - next + 1;
            next = last + 1;
            if limit == Some(sent) {
                return Ok(());
            }
        }
    }))
}

/// Appends tick `id`: `id: {id}\nevent: tick\ndata: {"seq":..,"ts":..,"quotes":{..}}\n\n`,
/// with `"replay":true` after `quotes` when it is sent late, to a client catching up.
fn render(text: &mut String, id: u64, interval_ms: u64, replay: bool) {
    let ts = id.saturating_mul(interval_ms);
    let _ = write!(
        text,
        "id: {id}\nevent: tick\ndata: {{\"seq\":{id},\"ts\":{ts},\"quotes\":{{"
    );
    for (index, (symbol, _)) in SYMBOLS.iter().enumerate() {
        let separator = if index == 0 { "" } else { "," };
        let _ = write!(text, "{separator}\"{symbol}\":{:.2}", price(index, ts));
    }
    text.push_str(if replay {
        "},\"replay\":true}\n\n"
    } else {
        "}}\n\n"
    });
}

/// Periods (seconds) of the waves a price is made of: amplitudes grow with the square root of
/// the period, as a random walk's would, so the line looks like a market at every zoom.
const WAVES: [f64; 6] = [600.0, 180.0, 60.0, 20.0, 7.0, 2.5];

/// The price of symbol `index` at `ts` ms: waves with phases of its own around its base
/// price, and a little noise; the same for the same arguments, always.
fn price(index: usize, ts: u64) -> f64 {
    let (_, base) = SYMBOLS[index];
    let t = ts as f64 / 1000.0;
    let mut log_change = 0.0005 * unit_noise(index as u64, ts);
    for (wave, period) in WAVES.iter().enumerate() {
        let phase = std::f64::consts::PI * unit_noise(index as u64 * 16 + wave as u64, 0);
        log_change += 0.0012 * period.sqrt() * (std::f64::consts::TAU * t / period + phase).sin();
    }
    base * log_change.exp()
}

/// A number in [-1, 1) that looks random and depends only on its arguments (SplitMix64).
fn unit_noise(stream: u64, at: u64) -> f64 {
    let mut z = at
        .wrapping_add(stream.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

/// Milliseconds since the Unix epoch.
fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64)
}

/// The id of the latest tick that is due.
fn current_tick(interval_ms: u64) -> u64 {
    unix_ms() / interval_ms
}

/// How long until tick `id` is due.
fn until_tick(id: u64, interval_ms: u64) -> Duration {
    Duration::from_millis(id.saturating_mul(interval_ms).saturating_sub(unix_ms()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tick_is_the_same_whenever_it_is_rendered() {
        let (mut first, mut again) = (String::new(), String::new());
        render(&mut first, 8_600_000_123, 200, false);
        render(&mut again, 8_600_000_123, 200, false);
        assert_eq!(first, again);
        assert!(first.starts_with(
            "id: 8600000123\nevent: tick\ndata: {\"seq\":8600000123,\"ts\":1720000024600,\"quotes\":{\"WASM\":"
        ));
        assert!(first.ends_with("}}\n\n"));
        let data = first
            .lines()
            .nth(2)
            .unwrap()
            .strip_prefix("data: ")
            .unwrap();
        let value: serde_json::Value = serde_json::from_str(data).unwrap();
        assert_eq!(value["quotes"].as_object().unwrap().len(), SYMBOLS.len());
        assert_eq!(value.get("replay"), None);
    }

    #[test]
    fn a_late_tick_says_it_is_a_replay_and_is_otherwise_the_same() {
        let (mut live, mut late) = (String::new(), String::new());
        render(&mut live, 77, 100, false);
        render(&mut late, 77, 100, true);
        assert_eq!(late.replace(",\"replay\":true}", "}"), live);
        let data = late.lines().nth(2).unwrap().strip_prefix("data: ").unwrap();
        let value: serde_json::Value = serde_json::from_str(data).unwrap();
        assert_eq!(value["replay"], true);
    }

    #[test]
    fn prices_stay_within_a_tenth_of_their_base() {
        for (index, (_, base)) in SYMBOLS.iter().enumerate() {
            for ts in (0..3_600_000).step_by(777) {
                let ratio = price(index, ts) / base;
                assert!((0.9..1.1).contains(&ratio), "{ratio} at {ts}");
            }
        }
    }

    #[test]
    fn noise_covers_its_range_evenly() {
        let samples: Vec<f64> = (0..10_000).map(|at| unit_noise(1, at)).collect();
        assert!(samples.iter().all(|x| (-1.0..1.0).contains(x)));
        let mean = samples.iter().sum::<f64>() / samples.len() as f64;
        assert!(mean.abs() < 0.05, "mean {mean}");
    }
}
