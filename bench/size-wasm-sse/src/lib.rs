//! The smallest app that opens a stream with wasm-sse's `EventSource` transport and decodes
//! typed messages. It uses that transport only, so it depends on wasm-sse with
//! `default-features = false, features = ["eventsource"]`, as such an app should: the fetch
//! transport stays out of its `.wasm`. `scripts/bench.sh` builds it and the same app on
//! gloo-net (`bench/size-gloo`) and compares their gzipped `.wasm`.

use futures_util::StreamExt;
use wasm_bindgen::prelude::*;
use wasm_sse::{Event, EventSource};

/// One message of the stream.
#[derive(serde::Deserialize)]
struct Tick {
    seq: u64,
    ts: u64,
    payload: String,
}

/// Reads `count` messages of `url`; returns the sum of their `seq`, `ts` and payload lengths.
#[wasm_bindgen]
pub async fn run(url: String, count: u32) -> Result<f64, JsValue> {
    let mut feed = EventSource::new(&url)
        .map_err(|err| JsValue::from_str(&err.to_string()))?
        .json::<Tick>();
    let (mut sum, mut received) = (0u64, 0u32);
    while received < count {
        match feed.next().await {
            Some(Ok(Event::Message(message))) => {
                let tick = message.data;
                sum += tick.seq + tick.ts + tick.payload.len() as u64;
                received += 1;
            }
            Some(Ok(_)) => {} // open
            Some(Err(err)) => return Err(JsValue::from_str(&err.to_string())),
            None => break,
        }
    }
    Ok(sum as f64)
}
