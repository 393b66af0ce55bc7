//! `wasm_sse::dioxus::use_sse` rendered on the server (Dioxus' `ssr` renderer, natively): it
//! opens nothing, does not panic, and renders the first state the client will also render.
//! Run with `--features dioxus,dioxus/ssr,dioxus/macro,dioxus/html` (scripts/test.sh does);
//! Cargo.toml's `required-features` skips it otherwise.
#![cfg(not(target_arch = "wasm32"))]

use dioxus::prelude::*;
use wasm_sse::dioxus::{use_sse, UseSseOptions};
use wasm_sse::ConnectionState;

#[derive(Clone, Debug, serde::Deserialize)]
struct Tick {
    seq: u64,
}

#[allow(non_snake_case)]
fn Feed() -> Element {
    let feed = use_sse::<Tick>("/feed", UseSseOptions::default().history(10));
    let state = feed.state.cloned();
    let latest = feed.message.read().as_ref().map(|m| m.data.seq.to_string());
    let error = feed.error.read().as_ref().map(|err| err.to_string());
    rsx! {
        p { id: "state", "{state:?}" }
        p { id: "latest", {latest.unwrap_or_default()} }
        p { id: "received", "{feed.received}" }
        p { id: "error", {error.unwrap_or_default()} }
    }
}

#[test]
fn a_server_render_opens_nothing_and_renders_the_first_state() {
    let mut dom = VirtualDom::new(Feed);
    dom.rebuild_in_place();
    let html = dioxus::ssr::render(&dom);
    assert!(html.contains(r#"<p id="state">Connecting</p>"#), "{html}");
    assert!(html.contains(r#"<p id="received">0</p>"#), "{html}");
    assert!(
        html.contains(r#"<p id="error"></p>"#),
        "no error on the server: {html}"
    );
    // Dropping the dom cleans the hook up: nothing was opened, so nothing panics.
    drop(dom);
}

#[test]
fn close_on_the_server_only_marks_the_stream_closed() {
    #[allow(non_snake_case)]
    fn Closer() -> Element {
        let feed = use_sse::<Tick>("/feed", UseSseOptions::default());
        assert_eq!(feed.state.cloned(), ConnectionState::Connecting);
        feed.close();
        assert_eq!(feed.state.peek().clone(), ConnectionState::Closed);
        assert_eq!(feed.received.cloned(), 0);
        rsx! { p { "closed" } }
    }
    let mut dom = VirtualDom::new(Closer);
    dom.rebuild_in_place();
    assert_eq!(dioxus::ssr::render(&dom), "<p>closed</p>");
}
