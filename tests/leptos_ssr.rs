//! `wasm_sse::leptos::use_sse` rendered on the server (Leptos `ssr`, natively): it opens
//! nothing, does not panic, and renders the first state the client will also render.
//! Run with `--features leptos,leptos/ssr` (scripts/test.sh does); Cargo.toml's
//! `required-features` skips it when either is off (under `cargo test --workspace` the
//! examples turn `leptos` on with `csr`, where the hook opens streams).
#![cfg(not(target_arch = "wasm32"))]

use leptos::prelude::*;
use wasm_sse::leptos::{use_sse, UseSseOptions};
use wasm_sse::ConnectionState;

#[derive(Clone, Debug, serde::Deserialize)]
struct Tick {
    seq: u64,
}

#[component]
fn Feed() -> impl IntoView {
    let feed = use_sse::<Tick>("/feed", UseSseOptions::default().history(10));
    view! {
        <p id="state">{move || format!("{:?}", feed.state.get())}</p>
        <p id="latest">{move || feed.message.get().map(|m| m.data.seq)}</p>
        <p id="received">{move || feed.received.get()}</p>
        <p id="error">{move || feed.error.get().map(|err| err.to_string())}</p>
    }
}

#[test]
fn a_server_render_opens_nothing_and_renders_the_first_state() {
    let owner = Owner::new();
    let html = owner.with(|| view! { <Feed/> }.to_html());
    assert!(html.contains(r#"<p id="state">Connecting</p>"#), "{html}");
    assert!(html.contains(r#"<p id="received">0</p>"#), "{html}");
    assert!(!html.contains("Error"), "no error on the server: {html}");
    // Dropping the owner cleans the hook up: nothing was opened, so nothing panics.
    drop(owner);
}

#[test]
fn close_on_the_server_only_marks_the_stream_closed() {
    let owner = Owner::new();
    owner.with(|| {
        let feed = use_sse::<Tick>("/feed", UseSseOptions::default());
        assert_eq!(feed.state.get_untracked(), ConnectionState::Connecting);
        feed.close();
        assert_eq!(feed.state.get_untracked(), ConnectionState::Closed);
        assert_eq!(feed.received.get_untracked(), 0);
    });
}
