//! `wasm_sse::leptos::use_sse` mounted into the page with Leptos, against the test server.
//! Run with `--features leptos,leptos/csr`: an app enables `csr` (or `hydrate`), and with it
//! the effects that update the page.
#![cfg(all(target_arch = "wasm32", feature = "leptos"))]

mod common;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use common::*;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use wasm_sse::leptos::{use_sse, UseSse, UseSseOptions};
use wasm_sse::{ConnectionState, Error, RetryPolicy, Transport};

wasm_bindgen_test_configure!(run_in_browser);

#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
struct Seq {
    seq: u64,
}

/// A component showing a feed the way an app would: its state, count and latest item.
#[component]
fn Feed(feed: UseSse<Seq>) -> impl IntoView {
    view! {
        <p class="state">{move || format!("{:?}", feed.state.get())}</p>
        <p class="received">{feed.received}</p>
        <p class="latest">{move || feed.message.get().map(|message| message.data.seq)}</p>
    }
}

/// A component that opens a feed and hands it to the test through `out`.
#[component]
fn FeedOf(url: String, out: RwSignal<Option<UseSse<Seq>>>) -> impl IntoView {
    let feed = use_sse::<Seq>(&url, UseSseOptions::default());
    out.set(Some(feed));
    view! { <Feed feed /> }
}

/// A fresh element in the page to mount one test's app into.
fn fresh_root() -> web_sys::HtmlElement {
    let root = document()
        .create_element("div")
        .expect("createElement")
        .unchecked_into::<web_sys::HtmlElement>();
    document()
        .body()
        .expect("body")
        .append_child(&root)
        .expect("append");
    root
}

/// Every `seq` a feed's `on_message` saw, in order.
type Seen = Rc<RefCell<Vec<u64>>>;

/// A `Seen` list and the `on_message` callback that fills it.
fn recorder() -> (Seen, impl FnMut(&wasm_sse::Message<Seq>) + 'static) {
    let seen = Seen::default();
    let sink = Rc::clone(&seen);
    (seen, move |message| {
        sink.borrow_mut().push(message.data.seq)
    })
}

#[wasm_bindgen_test]
async fn delivers_every_event_in_order_including_a_burst_in_one_tick() {
    let tag = unique_tag("leptos-burst");
    let (seen, on_message) = recorder();
    let slot = RwSignal::new(None);
    let root = fresh_root();
    let app = mount_to(root.clone(), {
        let url = url(&format!("/counter?count=500&event=tick&tag={tag}"));
        move || {
            let options = UseSseOptions::default()
                .configure(|builder| builder.events(["tick"]))
                .history(10)
                .on_message(on_message);
            let feed = use_sse::<Seq>(&url, options);
            slot.set(Some(feed));
            view! { <Feed feed /> }
        }
    });
    let feed = slot.get_untracked().expect("the component ran");

    until("500 messages", || feed.received.get_untracked() == 500).await;
    until("the page to show them", || text(&root, "received") == "500").await;
    assert_eq!(*seen.borrow(), (1..=500).collect::<Vec<_>>());
    let history = feed.history.get_untracked();
    assert_eq!(
        history
            .iter()
            .map(|message| message.data.seq)
            .collect::<Vec<_>>(),
        (491..=500).collect::<Vec<_>>()
    );
    let latest = feed.message.get_untracked().expect("a message");
    assert_eq!(
        (
            latest.event.as_str(),
            latest.data.seq,
            latest.last_event_id.as_str()
        ),
        ("tick", 500, "500")
    );
    assert_eq!(text(&root, "latest"), "500");
    assert_eq!(feed.state.get_untracked(), ConnectionState::Open);
    assert_eq!(text(&root, "state"), "Open");
    assert_eq!(feed.error.get_untracked(), None);
    drop(app);
    assert_all_closed(&tag).await;
}

#[wasm_bindgen_test]
async fn shows_reconnecting_and_resumes_after_the_server_drops_the_connection() {
    let tag = unique_tag("leptos-drop");
    let (seen, on_message) = recorder();
    let states = Rc::new(RefCell::new(Vec::new()));
    let errors = Rc::new(RefCell::new(Vec::new()));
    let slot = RwSignal::new(None);
    let root = fresh_root();
    let app = mount_to(root.clone(), {
        let url = url(&format!(
            "/counter?count=5&drop_after=3&retry=300&tag={tag}"
        ));
        let (states, errors) = (Rc::clone(&states), Rc::clone(&errors));
        move || {
            let options = UseSseOptions::default()
                .configure(|builder| {
                    builder
                        .transport(Transport::Fetch)
                        .retry(RetryPolicy::browser())
                })
                .on_message(on_message);
            let feed = use_sse::<Seq>(&url, options);
            slot.set(Some(feed));
            Effect::new(move || states.borrow_mut().push(feed.state.get()));
            Effect::new(move || errors.borrow_mut().push(feed.error.get()));
            view! { <Feed feed /> }
        }
    });
    let feed = slot.get_untracked().expect("the component ran");

    until("the page to show reconnecting", || {
        text(&root, "state").starts_with("Reconnecting")
    })
    .await;
    until("5 messages over two connections", || {
        feed.received.get_untracked() == 5
    })
    .await;
    until("the page to show it open again", || {
        text(&root, "state") == "Open"
    })
    .await;
    assert_eq!(*seen.borrow(), [1, 2, 3, 4, 5]);
    assert_eq!(
        *states.borrow(),
        [
            ConnectionState::Connecting,
            ConnectionState::Open,
            ConnectionState::Reconnecting {
                attempt: 1,
                delay: Duration::from_millis(300)
            },
            ConnectionState::Open,
        ]
    );
    assert_eq!(*errors.borrow(), [None, Some(Error::StreamEnded), None]);
    let log = connection_log(&tag).await;
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(
        log[1]["last_event_id"], "3",
        "the reconnect resumes after the last id"
    );
    drop(app);
    assert_all_closed(&tag).await;
}

#[wasm_bindgen_test]
async fn closes_the_connection_when_the_owning_component_is_cleaned_up() {
    let tag = unique_tag("leptos-cleanup");
    let slot = RwSignal::new(None);
    let shown = RwSignal::new(true);
    let root = fresh_root();
    let app = mount_to(root.clone(), {
        let url = url(&format!("/counter?count=1&tag={tag}"));
        move || {
            view! {
                <Show when=move || shown.get()>
                    <FeedOf url=url.clone() out=slot />
                </Show>
                <p class="app">"still mounted"</p>
            }
        }
    });
    let feed = slot.get_untracked().expect("the component ran");

    until("a message", || feed.received.get_untracked() > 0).await;
    assert_eq!(open_connections(&tag).await, 1);
    shown.set(false);
    assert_all_closed(&tag).await;
    assert_eq!(text(&root, "app"), "still mounted");
    assert_eq!(
        get(&format!("/stats?tag={tag}")).await["total"],
        1,
        "no reconnect after cleanup"
    );
    drop(app);
}

#[wasm_bindgen_test]
async fn an_invalid_url_is_an_error_and_a_closed_state() {
    let slot = RwSignal::new(None);
    let root = fresh_root();
    let app = mount_to(root.clone(), move || {
        let options =
            UseSseOptions::text().configure(|builder| builder.transport(Transport::Fetch));
        let feed = use_sse("ftp://127.0.0.1/feed", options);
        slot.set(Some(feed));
        view! { <p class="state">{move || format!("{:?}", feed.state.get())}</p> }
    });
    let feed = slot.get_untracked().expect("the component ran");

    assert_eq!(feed.state.get_untracked(), ConnectionState::Closed);
    assert!(
        matches!(feed.error.get_untracked(), Some(Error::InvalidUrl { .. })),
        "{:?}",
        feed.error.get_untracked()
    );
    until("the page to show it", || text(&root, "state") == "Closed").await;
    drop(app);
}

#[wasm_bindgen_test]
async fn close_inside_on_message_stops_delivery_at_once() {
    // 500 events arrive in one burst: close() at the third must stop the rest, already read
    // from the network or not.
    for transport in [Transport::EventSource, Transport::Fetch] {
        let tag = unique_tag("leptos-close-inside");
        let seen = Seen::default();
        let slot: RwSignal<Option<UseSse<Seq>>> = RwSignal::new(None);
        let root = fresh_root();
        let app = mount_to(root.clone(), {
            let url = url(&format!("/counter?count=500&tag={tag}"));
            let seen = Rc::clone(&seen);
            move || {
                let sink = Rc::clone(&seen);
                let options = UseSseOptions::default()
                    .configure(move |builder| builder.transport(transport))
                    .history(10)
                    .on_message(move |message: &wasm_sse::Message<Seq>| {
                        sink.borrow_mut().push(message.data.seq);
                        if message.data.seq == 3 {
                            slot.get_untracked().expect("the hook ran").close();
                        }
                    });
                let feed = use_sse::<Seq>(&url, options);
                slot.set(Some(feed));
                view! { <Feed feed /> }
            }
        });
        let feed = slot.get_untracked().expect("the component ran");

        assert_all_closed(&tag).await;
        until("the page to show it closed", || {
            text(&root, "state") == "Closed"
        })
        .await;
        assert_eq!(*seen.borrow(), [1, 2, 3], "{transport:?}");
        assert_eq!(feed.received.get_untracked(), 3, "{transport:?}");
        let history: Vec<_> = feed
            .history
            .get_untracked()
            .iter()
            .map(|message| message.data.seq)
            .collect();
        assert_eq!(history, [1, 2, 3], "{transport:?}");
        assert_eq!(feed.state.get_untracked(), ConnectionState::Closed);
        assert_eq!(
            get(&format!("/stats?tag={tag}")).await["total"],
            1,
            "{transport:?}: no reconnect after close"
        );
        drop(app);
    }
}

/// Mounts a feed of `url` (a signal, so that a test can change it) with `configure`'s
/// options and `on_message`; returns the app, its root and the hook's handle.
fn mount_feed(
    url: RwSignal<String>,
    configure: fn(UseSseOptions<Seq>) -> UseSseOptions<Seq>,
    on_message: impl FnMut(&wasm_sse::Message<Seq>) + 'static,
) -> (impl Drop, web_sys::HtmlElement, UseSse<Seq>) {
    let slot = RwSignal::new(None);
    let root = fresh_root();
    let mut on_message = Some(on_message);
    let app = mount_to(root.clone(), move || {
        let options = configure(UseSseOptions::default())
            .on_message(on_message.take().expect("the component runs once"));
        let feed = use_sse::<Seq>(url, options);
        slot.set(Some(feed));
        view! { <Feed feed /> }
    });
    let feed = slot.get_untracked().expect("the component ran");
    (app, root, feed)
}

#[wasm_bindgen_test]
async fn restart_reconnects_at_once_with_the_last_event_id() {
    let tag = unique_tag("leptos-restart");
    let (seen, on_message) = recorder();
    // Four messages 400 ms apart; the restart comes after the second.
    let url = RwSignal::new(url(&format!("/counter?count=4&interval_ms=400&tag={tag}")));
    let (app, root, feed) = mount_feed(
        url,
        |options| options.configure(|builder| builder.transport(Transport::Fetch)),
        on_message,
    );

    until("two messages", || seen.borrow().len() == 2).await;
    feed.restart();
    let log = until_connections(&tag, 2).await;
    assert_eq!(
        log[1]["last_event_id"], "2",
        "the restart resumes after the last id"
    );
    until_open_connections(&tag, 1).await;
    until("the rest of the messages", || seen.borrow().len() == 4).await;
    assert_eq!(*seen.borrow(), [1, 2, 3, 4], "nothing lost, nothing twice");
    assert_eq!(text(&root, "state"), "Open");
    assert_eq!(connection_log(&tag).await.len(), 2);
    drop(app);
    assert_all_closed(&tag).await;
}

#[wasm_bindgen_test]
async fn open_after_close_opens_a_new_stream() {
    let tag = unique_tag("leptos-reopen");
    let (seen, on_message) = recorder();
    let url = RwSignal::new(url(&format!("/counter?count=1&tag={tag}")));
    let (app, root, feed) = mount_feed(url, |options| options, on_message);

    until("a message", || seen.borrow().len() == 1).await;
    feed.close();
    assert_all_closed(&tag).await;
    until("the page to show it closed", || {
        text(&root, "state") == "Closed"
    })
    .await;
    feed.open();
    until("the page to show it open again", || {
        text(&root, "state") == "Open"
    })
    .await;
    until("the new stream's message", || seen.borrow().len() == 2).await;
    assert_eq!(connection_log(&tag).await.len(), 2);
    assert_eq!(open_connections(&tag).await, 1);
    // A new stream, not a resumed one: it starts where the server starts.
    assert_eq!(*seen.borrow(), [1, 1]);
    assert_eq!(feed.received.get_untracked(), 2);
    drop(app);
    assert_all_closed(&tag).await;
}

#[wasm_bindgen_test]
async fn a_new_url_closes_the_old_stream_and_opens_one_of_it() {
    let (old, new) = (unique_tag("leptos-old-url"), unique_tag("leptos-new-url"));
    let (seen, on_message) = recorder();
    let url_signal = RwSignal::new(url(&format!("/counter?count=1&tag={old}")));
    let (app, root, _feed) = mount_feed(url_signal, |options| options, on_message);

    until("a message", || seen.borrow().len() == 1).await;
    url_signal.set(url(&format!("/counter?count=2&tag={new}")));
    assert_all_closed(&old).await;
    until("the new URL's messages", || seen.borrow().len() == 3).await;
    assert_eq!(*seen.borrow(), [1, 1, 2]);
    assert_eq!(open_connections(&new).await, 1);
    assert_eq!(
        connection_log(&old).await.len(),
        1,
        "the old URL is not opened again"
    );
    assert_eq!(text(&root, "state"), "Open");
    drop(app);
    assert_all_closed(&new).await;
}
