//! Both transports in a dedicated worker, where there is no `window` and no `document`
//! (@microsoft/fetch-event-source fails there: its issue #39).
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use wasm_sse::{Event, EventSource, Transport};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

async fn receives_the_counter_in_a_worker(transport: Transport) {
    let is_worker = js_sys::global()
        .dyn_into::<web_sys::WorkerGlobalScope>()
        .is_ok();
    assert!(is_worker, "runs in a worker");
    let mut feed = EventSource::builder(url("/counter?count=2"))
        .transport(transport)
        .open()
        .unwrap()
        .json::<Seq>();
    let items = collect_until(
        &mut feed,
        |item| matches!(item, Ok(Event::Message(m)) if m.data.seq == 2),
    )
    .await;
    assert_eq!(
        summary(&items),
        [
            "open",
            "message:Seq { seq: 1 }#1",
            "message:Seq { seq: 2 }#2"
        ]
    );
}

#[wasm_bindgen_test]
async fn the_event_source_transport_works_in_a_worker() {
    receives_the_counter_in_a_worker(Transport::EventSource).await;
}

#[wasm_bindgen_test]
async fn the_fetch_transport_works_in_a_worker() {
    receives_the_counter_in_a_worker(Transport::Fetch).await;
}

#[wasm_bindgen_test]
async fn a_relative_url_resolves_against_the_worker_location() {
    let feed = EventSource::builder("/some/feed")
        .transport(Transport::Fetch)
        .open()
        .unwrap();
    assert_eq!(feed.url(), format!("{}/some/feed", page_origin()));
}
