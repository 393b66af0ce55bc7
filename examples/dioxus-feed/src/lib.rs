//! A live feed in Dioxus: the test server's counter through `wasm_sse::dioxus::use_sse`,
//! showing the connection state, how many items arrived and the latest ones.
//!
//! Built by `scripts/build-examples.sh`; served by the test server at `/examples/dioxus-feed/`.

use dioxus::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_sse::dioxus::{use_sse, UseSseOptions};
use wasm_sse::ConnectionState;

/// What the feed sends: `{"seq":N}`.
#[derive(Clone, serde::Deserialize)]
struct Tick {
    seq: u64,
}

/// The feed: state, count, the latest items, and a button that closes it.
#[allow(non_snake_case)]
fn Feed() -> Element {
    let feed = use_sse::<Tick>(
        "/counter?interval_ms=250&tag=dioxus-feed",
        UseSseOptions::default().history(10),
    );
    let state = match feed.state.cloned() {
        ConnectionState::Connecting => "connecting".to_owned(),
        ConnectionState::Open => "open".to_owned(),
        ConnectionState::Reconnecting { attempt, delay } => {
            format!(
                "reconnecting (attempt {attempt}, in {} ms)",
                delay.as_millis()
            )
        }
        ConnectionState::Closed => "closed".to_owned(),
    };
    let error = feed.error.read().as_ref().map(|err| err.to_string());
    rsx! {
        p {
            "State: "
            strong { id: "state", "{state}" }
            " · received: "
            strong { id: "received", "{feed.received}" }
            " "
            button { onclick: move |_| feed.close(), "Close" }
        }
        p { id: "error", {error.unwrap_or_default()} }
        ol { id: "items",
            for item in feed.history.read().iter().rev() {
                li { "#{item.data.seq} (id {item.last_event_id})" }
            }
        }
    }
}

/// Mounts the feed into the page's `#main` once the module loads.
#[wasm_bindgen(start)]
pub fn start() {
    dioxus::web::launch::launch_cfg(Feed, dioxus::web::Config::new());
}
