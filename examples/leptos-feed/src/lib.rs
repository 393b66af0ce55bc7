//! A live feed in Leptos: the test server's counter through `wasm_sse::leptos::use_sse`,
//! showing the connection state, how many items arrived and the latest ones.
//!
//! Built by `scripts/build-examples.sh`; served by the test server at `/examples/leptos-feed/`.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_sse::leptos::{use_sse, UseSseOptions};
use wasm_sse::ConnectionState;

/// What the feed sends: `{"seq":N}`.
#[derive(Clone, serde::Deserialize)]
struct Tick {
    seq: u64,
}

/// The feed: state, count, the latest items, and a button that closes it.
#[component]
fn Feed() -> impl IntoView {
    let feed = use_sse::<Tick>(
        "/counter?interval_ms=250&tag=leptos-feed",
        UseSseOptions::default().history(10),
    );
    let state = move || match feed.state.get() {
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
    view! {
        <p>
            "State: " <strong id="state">{state}</strong>
            " · received: " <strong id="received">{feed.received}</strong>
            " " <button on:click=move |_| feed.close()>"Close"</button>
        </p>
        <p id="error">{move || feed.error.get().map(|err| err.to_string())}</p>
        <ol id="items">
            {move || feed.history.with(|items| {
                items
                    .iter()
                    .rev()
                    .map(|item| view! { <li>"#" {item.data.seq} " (id " {item.last_event_id.to_string()} ")"</li> })
                    .collect::<Vec<_>>()
            })}
        </ol>
    }
}

/// Mounts the feed into the page once the module loads.
#[wasm_bindgen(start)]
pub fn start() {
    mount_to_body(Feed);
}
