//! `wasm_sse::dioxus::use_sse` mounted into the page with Dioxus (its web renderer), against
//! the test server.
#![cfg(all(target_arch = "wasm32", feature = "dioxus"))]

mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use common::*;
use dioxus::prelude::*;
use wasm_bindgen_test::*;
use wasm_sse::dioxus::{use_sse, UseSse, UseSseOptions};
use wasm_sse::{ConnectionState, Error, Message, RetryPolicy, Transport};

wasm_bindgen_test_configure!(run_in_browser);

#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
struct Seq {
    seq: u64,
}

/// What a test shares with its mounted app: the hook's handle, every message `on_message`
/// saw, the state and error each render showed, and the signal that shows the feed.
#[derive(Default)]
struct Probe {
    feed: RefCell<Option<UseSse<Seq>>>,
    seen: RefCell<Vec<u64>>,
    states: RefCell<Vec<ConnectionState>>,
    errors: RefCell<Vec<Option<Error>>>,
    /// `on_message` closes the feed at the message of this `seq`.
    close_at: Cell<Option<u64>>,
    shown: RefCell<Option<Signal<bool>>>,
    url: RefCell<Option<Signal<String>>>,
}

impl Probe {
    fn feed(&self) -> UseSse<Seq> {
        self.feed.borrow().expect("the component rendered")
    }
}

type Configure = fn(UseSseOptions<Seq>) -> UseSseOptions<Seq>;

#[derive(Props, Clone)]
struct AppProps {
    url: String,
    configure: Configure,
    probe: Rc<Probe>,
}

impl PartialEq for AppProps {
    fn eq(&self, other: &Self) -> bool {
        self.url == other.url && Rc::ptr_eq(&self.probe, &other.probe)
    }
}

/// An app showing a feed the way an app would, of the URL in its `url` signal, while its
/// `shown` signal is true.
#[allow(non_snake_case)]
fn App(props: AppProps) -> Element {
    let shown = use_signal(|| true);
    let url = use_signal(|| props.url.clone());
    *props.probe.shown.borrow_mut() = Some(shown);
    *props.probe.url.borrow_mut() = Some(url);
    rsx! {
        if shown() {
            Feed { url: url(), configure: props.configure, probe: props.probe.clone() }
        }
        p { class: "app", "still mounted" }
    }
}

/// The feed: state, count and latest item, as the page shows them.
#[allow(non_snake_case)]
fn Feed(props: AppProps) -> Element {
    let probe = Rc::clone(&props.probe);
    let sink = Rc::clone(&probe);
    let options =
        (props.configure)(UseSseOptions::default()).on_message(move |message: &Message<Seq>| {
            sink.seen.borrow_mut().push(message.data.seq);
            if sink.close_at.get() == Some(message.data.seq) {
                sink.feed().close();
            }
        });
    let feed = use_sse::<Seq>(&props.url, options);
    let state = feed.state.cloned();
    if probe.states.borrow().last() != Some(&state) {
        probe.states.borrow_mut().push(state);
    }
    let error = feed.error.cloned();
    if probe.errors.borrow().last() != Some(&error) {
        probe.errors.borrow_mut().push(error);
    }
    *probe.feed.borrow_mut() = Some(feed);
    let received = feed.received.cloned();
    let latest = feed
        .message
        .read()
        .as_ref()
        .map(|message| message.data.seq.to_string());
    rsx! {
        p { class: "state", "{state:?}" }
        p { class: "received", "{received}" }
        p { class: "latest", {latest.unwrap_or_default()} }
    }
}

/// Launches the app into a fresh element of the page.
fn mount(props: AppProps) -> web_sys::Element {
    let document = web_sys::window()
        .and_then(|window| window.document())
        .expect("a document");
    let root = document.create_element("div").expect("createElement");
    document
        .body()
        .expect("body")
        .append_child(&root)
        .expect("append");
    let vdom = VirtualDom::new_with_props(App, props);
    dioxus::web::launch::launch_virtual_dom(
        vdom,
        dioxus::web::Config::new().rootelement(root.clone()),
    );
    root
}

fn props(path_and_query: &str, configure: Configure) -> AppProps {
    AppProps {
        url: url(path_and_query),
        configure,
        probe: Rc::new(Probe::default()),
    }
}

/// Unmounts the feed, leaving the app.
fn hide(probe: &Probe) {
    let mut shown = probe.shown.borrow().expect("the app rendered");
    shown.set(false);
}

#[wasm_bindgen_test]
async fn delivers_every_event_in_order_including_a_burst_in_one_tick() {
    let tag = unique_tag("dioxus-burst");
    let props = props(
        &format!("/counter?count=500&event=tick&tag={tag}"),
        |options| {
            options
                .configure(|builder| builder.events(["tick"]))
                .history(10)
        },
    );
    let probe = Rc::clone(&props.probe);
    let root = mount(props);

    until("500 messages", || probe.seen.borrow().len() == 500).await;
    until("the page to show them", || text(&root, "received") == "500").await;
    assert_eq!(*probe.seen.borrow(), (1..=500).collect::<Vec<_>>());
    let feed = probe.feed();
    let history: Vec<_> = feed.history.read().iter().map(|m| m.data.seq).collect();
    assert_eq!(history, (491..=500).collect::<Vec<_>>());
    let latest = feed.message.cloned().expect("a message");
    assert_eq!(
        (
            latest.event.as_str(),
            latest.data.seq,
            latest.last_event_id.as_str()
        ),
        ("tick", 500, "500")
    );
    assert_eq!(text(&root, "latest"), "500");
    assert_eq!(feed.state.cloned(), ConnectionState::Open);
    assert_eq!(text(&root, "state"), "Open");
    assert_eq!(feed.error.cloned(), None);
    hide(&probe);
    assert_all_closed(&tag).await;
}

#[wasm_bindgen_test]
async fn shows_reconnecting_and_resumes_after_the_server_drops_the_connection() {
    let tag = unique_tag("dioxus-drop");
    let props = props(
        &format!("/counter?count=5&drop_after=3&retry=300&tag={tag}"),
        |options| {
            options.configure(|builder| {
                builder
                    .transport(Transport::Fetch)
                    .retry(RetryPolicy::browser())
            })
        },
    );
    let probe = Rc::clone(&props.probe);
    let root = mount(props);

    until("the page to show reconnecting", || {
        text(&root, "state").starts_with("Reconnecting")
    })
    .await;
    until("5 messages over two connections", || {
        probe.seen.borrow().len() == 5
    })
    .await;
    until("the page to show it open again", || {
        text(&root, "state") == "Open"
    })
    .await;
    assert_eq!(*probe.seen.borrow(), [1, 2, 3, 4, 5]);
    assert_eq!(probe.feed().received.cloned(), 5);
    assert_eq!(
        *probe.states.borrow(),
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
    assert_eq!(
        *probe.errors.borrow(),
        [None, Some(Error::StreamEnded), None]
    );
    let log = connection_log(&tag).await;
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(
        log[1]["last_event_id"], "3",
        "the reconnect resumes after the last id"
    );
    hide(&probe);
    assert_all_closed(&tag).await;
}

#[wasm_bindgen_test]
async fn closes_the_connection_when_the_component_unmounts() {
    let tag = unique_tag("dioxus-unmount");
    // One message, then a quiet stream: only the unmount can close it.
    let props = props(&format!("/counter?count=1&tag={tag}"), |options| options);
    let probe = Rc::clone(&props.probe);
    let root = mount(props);

    until("a message", || probe.seen.borrow().len() == 1).await;
    assert_eq!(open_connections(&tag).await, 1);
    hide(&probe);
    assert_all_closed(&tag).await;
    until("the feed to leave the page", || {
        text(&root, "state").is_empty()
    })
    .await;
    assert_eq!(text(&root, "app"), "still mounted");
    assert_eq!(
        get(&format!("/stats?tag={tag}")).await["total"],
        1,
        "no reconnect after unmount"
    );
}

#[wasm_bindgen_test]
async fn an_invalid_url_is_an_error_and_a_closed_state() {
    let mut props = props("", |options| {
        options.configure(|builder| builder.transport(Transport::Fetch))
    });
    props.url = "ftp://127.0.0.1/feed".into();
    let probe = Rc::clone(&props.probe);
    let root = mount(props);

    until("the page to show it closed", || {
        text(&root, "state") == "Closed"
    })
    .await;
    let feed = probe.feed();
    let error = feed.error.cloned();
    assert!(matches!(error, Some(Error::InvalidUrl { .. })), "{error:?}");
    assert_eq!(feed.received.cloned(), 0);
}

#[wasm_bindgen_test]
async fn close_inside_on_message_stops_delivery_at_once() {
    // 500 events arrive in one burst: close() at the third must stop the rest, already read
    // from the network or not.
    let transports: [(Transport, Configure); 2] = [
        (Transport::EventSource, |options| options.history(10)),
        (Transport::Fetch, |options| {
            options
                .history(10)
                .configure(|builder| builder.transport(Transport::Fetch))
        }),
    ];
    for (transport, configure) in transports {
        let tag = unique_tag("dioxus-close-inside");
        let props = props(&format!("/counter?count=500&tag={tag}"), configure);
        let probe = Rc::clone(&props.probe);
        probe.close_at.set(Some(3));
        let root = mount(props);

        assert_all_closed(&tag).await;
        until("the page to show it closed", || {
            text(&root, "state") == "Closed"
        })
        .await;
        let feed = probe.feed();
        assert_eq!(*probe.seen.borrow(), [1, 2, 3], "{transport:?}");
        assert_eq!(feed.received.cloned(), 3, "{transport:?}");
        let history: Vec<_> = feed.history.read().iter().map(|m| m.data.seq).collect();
        assert_eq!(history, [1, 2, 3], "{transport:?}");
        assert_eq!(
            feed.state.cloned(),
            ConnectionState::Closed,
            "{transport:?}"
        );
        assert_eq!(
            probe.states.borrow().last(),
            Some(&ConnectionState::Closed),
            "{transport:?}: {:?}",
            probe.states.borrow()
        );
        assert_eq!(
            get(&format!("/stats?tag={tag}")).await["total"],
            1,
            "{transport:?}: no reconnect after close"
        );
        hide(&probe);
    }
}

#[wasm_bindgen_test]
async fn restart_reconnects_at_once_with_the_last_event_id() {
    let tag = unique_tag("dioxus-restart");
    // Four messages 400 ms apart; the restart comes after the second.
    let props = props(
        &format!("/counter?count=4&interval_ms=400&tag={tag}"),
        |options| options.configure(|builder| builder.transport(Transport::Fetch)),
    );
    let probe = Rc::clone(&props.probe);
    let root = mount(props);

    until("two messages", || probe.seen.borrow().len() == 2).await;
    probe.feed().restart();
    let log = until_connections(&tag, 2).await;
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(
        log[1]["last_event_id"], "2",
        "the restart resumes after the last id"
    );
    until_open_connections(&tag, 1).await;
    until("the rest of the messages", || {
        probe.seen.borrow().len() == 4
    })
    .await;
    assert_eq!(
        *probe.seen.borrow(),
        [1, 2, 3, 4],
        "nothing lost, nothing twice"
    );
    assert_eq!(text(&root, "state"), "Open");
    assert_eq!(connection_log(&tag).await.len(), 2);
    hide(&probe);
    assert_all_closed(&tag).await;
}

#[wasm_bindgen_test]
async fn open_after_close_opens_a_new_stream() {
    let tag = unique_tag("dioxus-reopen");
    let props = props(&format!("/counter?count=1&tag={tag}"), |options| options);
    let probe = Rc::clone(&props.probe);
    let root = mount(props);

    until("a message", || probe.seen.borrow().len() == 1).await;
    probe.feed().close();
    assert_all_closed(&tag).await;
    until("the page to show it closed", || {
        text(&root, "state") == "Closed"
    })
    .await;
    probe.feed().open();
    until("the page to show it open again", || {
        text(&root, "state") == "Open"
    })
    .await;
    until("the new stream's message", || {
        probe.seen.borrow().len() == 2
    })
    .await;
    assert_eq!(connection_log(&tag).await.len(), 2);
    assert_eq!(open_connections(&tag).await, 1);
    // A new stream, not a resumed one: it starts where the server starts.
    assert_eq!(*probe.seen.borrow(), [1, 1]);
    assert_eq!(probe.feed().received.cloned(), 2);
    hide(&probe);
    assert_all_closed(&tag).await;
}

#[wasm_bindgen_test]
async fn a_new_url_closes_the_old_stream_and_opens_one_of_it() {
    let (old, new) = (unique_tag("dioxus-old-url"), unique_tag("dioxus-new-url"));
    let props = props(&format!("/counter?count=1&tag={old}"), |options| options);
    let probe = Rc::clone(&props.probe);
    let root = mount(props);

    until("a message", || probe.seen.borrow().len() == 1).await;
    let mut url_signal = probe.url.borrow().expect("the app rendered");
    url_signal.set(url(&format!("/counter?count=2&tag={new}")));
    assert_all_closed(&old).await;
    until("the new URL's messages", || probe.seen.borrow().len() == 3).await;
    assert_eq!(*probe.seen.borrow(), [1, 1, 2]);
    assert_eq!(open_connections(&new).await, 1);
    assert_eq!(
        connection_log(&old).await.len(),
        1,
        "the old URL is not opened again"
    );
    assert_eq!(text(&root, "state"), "Open");
    hide(&probe);
    assert_all_closed(&new).await;
}
