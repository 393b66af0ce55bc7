//! A live feed in Yew: the test server's counter through `wasm_sse::yew::use_sse`, showing
//! the connection state, how many items arrived and the latest ones.
//!
//! Built by `scripts/build-examples.sh`; served by the test server at `/examples/yew-feed/`.

use wasm_bindgen::prelude::*;
use wasm_sse::yew::{use_sse, UseSseOptions};
use wasm_sse::ConnectionState;
use yew::prelude::*;

/// What the feed sends: `{"seq":N}`.
#[derive(Clone, serde::Deserialize)]
struct Tick {
    seq: u64,
}

/// The feed: state, count, the latest items, and a button that closes it.
#[function_component]
fn Feed() -> Html {
    let feed = use_sse::<Tick>(
        "/counter?interval_ms=250&tag=yew-feed",
        UseSseOptions::default().history(10),
    );
    let state = match feed.state() {
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
    let close = {
        let feed = feed.clone();
        Callback::from(move |_: MouseEvent| feed.close())
    };
    html! {
        <>
            <p>
                { "State: " } <strong id="state">{ state }</strong>
                { " · received: " } <strong id="received">{ feed.received() }</strong>
                { " " } <button onclick={close}>{ "Close" }</button>
            </p>
            <p id="error">{ feed.error().map(|err| err.to_string()) }</p>
            <ol id="items">
                { for feed.history().iter().rev().map(|item| html! {
                    <li>{ format!("#{} (id {})", item.data.seq, item.last_event_id) }</li>
                }) }
            </ol>
        </>
    }
}

/// Mounts the feed into the page once the module loads.
#[wasm_bindgen(start)]
pub fn start() {
    yew::Renderer::<Feed>::new().render();
}
