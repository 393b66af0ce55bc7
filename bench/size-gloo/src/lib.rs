//! The app of `bench/size-wasm-sse`, built on gloo-net's `EventSource`: the size to compare with.

use futures_util::StreamExt;
use gloo_net::eventsource::futures::EventSource;
use wasm_bindgen::prelude::*;

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
    let mut source = EventSource::new(&url).map_err(|err| JsValue::from_str(&err.to_string()))?;
    let mut messages = source
        .subscribe("message")
        .map_err(|err| JsValue::from_str(&err.to_string()))?;
    let (mut sum, mut received) = (0u64, 0u32);
    while received < count {
        match messages.next().await {
            Some(Ok((_, event))) => {
                let data = event.data().as_string().unwrap_or_default();
                let tick: Tick = serde_json::from_str(&data)
                    .map_err(|err| JsValue::from_str(&err.to_string()))?;
                sum += tick.seq + tick.ts + tick.payload.len() as u64;
                received += 1;
            }
            Some(Err(err)) => return Err(JsValue::from_str(&err.to_string())),
            None => break,
        }
    }
    source.close();
    Ok(sum as f64)
}
