//! The floor under the two size apps (`bench/size-wasm-sse`, `bench/size-gloo`): the same
//! consumer with no SSE client at all. It awaits one promise per message (the futures
//! runtime both apps carry) and decodes the message's string with serde_json into the same
//! struct. No client can make the app smaller than this; `scripts/bench.sh` prints it next
//! to the two apps.

use wasm_bindgen::prelude::*;

/// One message of the stream.
#[derive(serde::Deserialize)]
struct Tick {
    seq: u64,
    ts: u64,
    payload: String,
}

/// Calls `next` for each of `count` messages (a promise of its data); returns the sum of
/// their `seq`, `ts` and payload lengths.
#[wasm_bindgen]
pub async fn run(next: js_sys::Function, count: u32) -> Result<f64, JsValue> {
    let (mut sum, mut received) = (0u64, 0u32);
    while received < count {
        let promise: js_sys::Promise = next.call0(&JsValue::NULL)?.into();
        let data = wasm_bindgen_futures::JsFuture::from(promise)
            .await?
            .as_string()
            .unwrap_or_default();
        let tick: Tick =
            serde_json::from_str(&data).map_err(|err| JsValue::from_str(&err.to_string()))?;
        sum += tick.seq + tick.ts + tick.payload.len() as u64;
        received += 1;
    }
    Ok(sum as f64)
}
