//! The Rust rows of `npm run bench` (`scripts/bench.sh`), exported to the bench page.
//!
//! Each runner reads the test server's `/bulk` stream until `count` messages, decodes every
//! message's JSON into [`Tick`] with serde, checks that the sequence numbers are `1..=count`
//! in order, and closes the stream. The page times each call.

use futures::StreamExt;
use gloo_net::eventsource::futures::EventSource as GlooEventSource;
use wasm_bindgen::prelude::*;
use wasm_sse::{Event, EventSource, Transport};

/// One message of `/bulk`.
#[derive(serde::Deserialize)]
struct Tick {
    seq: u64,
    #[allow(dead_code)]
    ts: u64,
    #[allow(dead_code)]
    payload: String,
}

/// Counts messages and checks their order.
struct Checker {
    count: u64,
    next: u64,
}

impl Checker {
    fn new(count: u32) -> Self {
        Checker {
            count: u64::from(count),
            next: 1,
        }
    }

    /// Takes one message's sequence number; `Ok(true)` once the last one has arrived.
    fn take(&mut self, seq: u64) -> Result<bool, JsValue> {
        if seq != self.next {
            return Err(fail(format!("expected seq {}, got {seq}", self.next)));
        }
        self.next += 1;
        Ok(seq == self.count)
    }

    /// The error for a stream that ended or failed early.
    fn early(&self, why: impl std::fmt::Display) -> JsValue {
        fail(format!("{why} before seq {} of {}", self.next, self.count))
    }
}

fn fail(message: impl AsRef<str>) -> JsValue {
    js_sys::Error::new(message.as_ref()).into()
}

/// gloo-net 0.7's `EventSource`, each message's data decoded with serde_json.
#[wasm_bindgen(js_name = glooEventSource)]
pub async fn gloo_event_source(url: String, count: u32) -> Result<(), JsValue> {
    let mut source = GlooEventSource::new(&url).map_err(|err| fail(err.to_string()))?;
    let mut messages = source
        .subscribe("message")
        .map_err(|err| fail(err.to_string()))?;
    let mut checker = Checker::new(count);
    loop {
        match messages.next().await {
            Some(Ok((_, event))) => {
                let data = event.data().as_string().unwrap_or_default();
                let tick: Tick =
                    serde_json::from_str(&data).map_err(|err| fail(err.to_string()))?;
                if checker.take(tick.seq)? {
                    break;
                }
            }
            Some(Err(err)) => return Err(checker.early(err)),
            None => return Err(checker.early("the stream ended")),
        }
    }
    source.close();
    Ok(())
}

/// wasm-sse over `transport`, decoding with `.json::<Tick>()`; each message's last event id
/// is filled in when `ids`.
async fn wasm_sse(url: String, count: u32, transport: Transport, ids: bool) -> Result<(), JsValue> {
    let builder = EventSource::builder(url)
        .transport(transport)
        .with_last_event_ids(ids);
    read_checked(builder, count, |tick: &Tick| Ok(tick.seq)).await
}

/// Opens `builder`, decodes each message into `T` and hands it to `seq_of`, which returns its
/// sequence number, until `count` of them have been checked in order; then closes the stream.
async fn read_checked<T: serde::de::DeserializeOwned>(
    builder: wasm_sse::Builder,
    count: u32,
    mut seq_of: impl FnMut(&T) -> Result<u64, JsValue>,
) -> Result<(), JsValue> {
    let mut feed = builder
        .open()
        .map_err(|err| fail(err.to_string()))?
        .json::<T>();
    let mut checker = Checker::new(count);
    loop {
        match feed.next().await {
            Some(Ok(Event::Message(message))) => {
                if checker.take(seq_of(&message.data)?)? {
                    break;
                }
            }
            Some(Ok(_)) => {} // open
            Some(Err(err)) => return Err(checker.early(err)),
            None => return Err(checker.early("the stream ended")),
        }
    }
    feed.close();
    Ok(())
}

/// wasm-sse's `EventSource` transport.
#[wasm_bindgen(js_name = wasmSseEventSource)]
pub async fn wasm_sse_event_source(url: String, count: u32) -> Result<(), JsValue> {
    wasm_sse(url, count, Transport::EventSource, true).await
}

/// wasm-sse's `EventSource` transport without per-message ids (`with_last_event_ids(false)`).
#[wasm_bindgen(js_name = wasmSseEventSourceNoIds)]
pub async fn wasm_sse_event_source_no_ids(url: String, count: u32) -> Result<(), JsValue> {
    wasm_sse(url, count, Transport::EventSource, false).await
}

/// wasm-sse's fetch transport.
#[wasm_bindgen(js_name = wasmSseFetch)]
pub async fn wasm_sse_fetch(url: String, count: u32) -> Result<(), JsValue> {
    wasm_sse(url, count, Transport::Fetch, true).await
}

/// One message of `/counter?stamp=1`: when the server wrote it.
#[derive(serde::Deserialize)]
struct Stamped {
    seq: u64,
    at_us: f64,
}

/// The latency row of wasm-sse's fetch transport: reads `count` stamped messages of `url`,
/// decoded into [`Stamped`], and hands each one's write time to `arrived` as it is delivered
/// (the page notes the time of the call).
#[wasm_bindgen(js_name = latencyFetch)]
pub async fn latency_fetch(
    url: String,
    count: u32,
    arrived: js_sys::Function,
) -> Result<(), JsValue> {
    let builder = EventSource::builder(url).transport(Transport::Fetch);
    read_checked(builder, count, |stamped: &Stamped| {
        arrived.call1(&JsValue::NULL, &stamped.at_us.into())?;
        Ok(stamped.seq)
    })
    .await
}

/// Bytes of this module's linear memory, for the memory checks.
#[wasm_bindgen(js_name = wasmMemoryBytes)]
pub fn wasm_memory_bytes() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let buffer: js_sys::ArrayBuffer = memory.buffer().unchecked_into();
    f64::from(buffer.byte_length())
}

/// Memory check: `cycles` times, opens a stream of `url` over `transport` (`"eventsource"`
/// or `"fetch"`), waits for its first message and drops it. Resolves once done.
#[wasm_bindgen(js_name = memOpenClose)]
pub async fn mem_open_close(url: String, cycles: u32, transport: String) -> Result<(), JsValue> {
    let transport = match transport.as_str() {
        "fetch" => Transport::Fetch,
        _ => Transport::EventSource,
    };
    for cycle in 0..cycles {
        let mut feed = EventSource::builder(format!("{url}&cycle={cycle}"))
            .transport(transport)
            .open()
            .map_err(|err| fail(err.to_string()))?;
        loop {
            match feed.next().await {
                Some(Ok(Event::Message(_))) => break,
                Some(Ok(_)) => {} // open
                Some(Err(err)) => return Err(fail(format!("cycle {cycle}: {err}"))),
                None => return Err(fail(format!("cycle {cycle}: the stream ended"))),
            }
        }
    }
    Ok(())
}

/// Memory check: reads `url` over the fetch transport, a stream that ends after every
/// message, until message `count`: `count - 1` reconnects. Resolves to how many there were.
#[wasm_bindgen(js_name = memReconnects)]
pub async fn mem_reconnects(url: String, count: u32) -> Result<u32, JsValue> {
    let mut feed = EventSource::builder(url)
        .transport(Transport::Fetch)
        .open()
        .map_err(|err| fail(err.to_string()))?
        .json::<Seq>();
    let (mut checker, mut ends) = (Checker::new(count), 0);
    loop {
        match feed.next().await {
            Some(Ok(Event::Message(message))) => {
                if checker.take(message.data.seq)? {
                    return Ok(ends);
                }
            }
            Some(Ok(_)) => {} // open
            Some(Err(wasm_sse::Error::StreamEnded)) => ends += 1,
            Some(Err(err)) => return Err(checker.early(err)),
            None => return Err(checker.early("the stream ended")),
        }
    }
}

/// A message of `/counter`.
#[derive(serde::Deserialize)]
struct Seq {
    seq: u64,
}

/// Memory check: opens `url` (`count` messages) over the EventSource transport with a buffer of `capacity`
/// (dropping the oldest past it) and reads nothing until `stall` resolves; then reports the
/// wasm memory at that point and what the buffer delivers: `[wasm bytes while stalled,
/// messages delivered, messages reported skipped]`.
#[wasm_bindgen(js_name = memStalled)]
pub async fn mem_stalled(
    url: String,
    count: u32,
    capacity: u32,
    stall: js_sys::Promise,
) -> Result<js_sys::Array, JsValue> {
    let last = count.to_string();
    let mut feed = EventSource::builder(url)
        .buffer(capacity as usize, wasm_sse::Overflow::DropOldest)
        .open()
        .map_err(|err| fail(err.to_string()))?;
    wasm_bindgen_futures::JsFuture::from(stall).await?;
    let stalled = wasm_memory_bytes();
    let (mut delivered, mut skipped) = (0u32, 0u32);
    while let Some(item) = feed.next().await {
        match item {
            Ok(Event::Message(message)) => {
                delivered += 1;
                if message.last_event_id == last {
                    break;
                }
            }
            Ok(_) => {} // open
            Err(wasm_sse::Error::Lagged { skipped: n }) => skipped += n as u32,
            Err(err) => return Err(fail(err.to_string())),
        }
    }
    Ok([stalled, f64::from(delivered), f64::from(skipped)]
        .into_iter()
        .map(JsValue::from)
        .collect())
}
