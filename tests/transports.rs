//! What both transports owe their user, run once over the browser's EventSource and once
//! over fetch(), against the test server in a real browser.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use wasm_bindgen_test::*;
use wasm_sse::{
    ConnectionState, Credentials, Error, Event, EventSource, Message, ReadyState, Transport,
};

wasm_bindgen_test_configure!(run_in_browser);

/// Expands each behaviour into one test per transport: `behaviour::event_source` and
/// `behaviour::fetch`.
macro_rules! for_both_transports {
    ($(async fn $name:ident($transport:ident: Transport) $body:block)*) => {$(
        mod $name {
            use super::*;

            #[wasm_bindgen_test]
            async fn event_source() {
                let $transport = Transport::EventSource;
                $body
            }

            #[wasm_bindgen_test]
            async fn fetch() {
                let $transport = Transport::Fetch;
                $body
            }
        }
    )*};
}

#[derive(Debug, PartialEq, serde::Deserialize)]
struct Hello {
    message: String,
}

fn open(transport: Transport, path: &str) -> EventSource {
    EventSource::builder(url(path))
        .transport(transport)
        .open()
        .unwrap()
}

for_both_transports! {
    async fn seed_feed_arrives_as_typed_json(transport: Transport) {
        let mut feed = open(transport, "/?interval_ms=50").json::<Hello>();
        assert_eq!(next(&mut feed).await, Some(Ok(Event::Open)));
        // `Message` is non-exhaustive: the expected one is made as a user of the crate makes it.
        let mut hello = Message::new("message", Hello { message: "Hello, world!".into() });
        hello.origin = server().into();
        assert_eq!(next(&mut feed).await, Some(Ok(Event::Message(hello))));
    }

    async fn state_and_url_follow_the_connection(transport: Transport) {
        let mut feed = open(transport, "/?interval_ms=50");
        assert_eq!(feed.url(), url("/?interval_ms=50"));
        assert_eq!((feed.state(), feed.ready_state()), (ConnectionState::Connecting, ReadyState::Connecting));
        assert_eq!(next(&mut feed).await, Some(Ok(Event::Open)));
        assert_eq!((feed.state(), feed.ready_state()), (ConnectionState::Open, ReadyState::Open));
        feed.close();
        assert_eq!((feed.state(), feed.ready_state()), (ConnectionState::Closed, ReadyState::Closed));
    }

    async fn a_relative_url_resolves_against_the_page(transport: Transport) {
        let feed = EventSource::builder("/some/feed?x=1").transport(transport).open().unwrap();
        assert_eq!(feed.url(), format!("{}/some/feed?x=1", page_origin()));
    }

    async fn an_unparsable_url_is_an_error_from_the_constructor(transport: Transport) {
        let Err(Error::InvalidUrl { url, reason }) = EventSource::builder("http://[broken").transport(transport).open() else {
            panic!("expected InvalidUrl");
        };
        assert_eq!(url, "http://[broken");
        assert!(!reason.is_empty());
    }

    async fn messages_carry_their_ids_in_order(transport: Transport) {
        let mut feed = open(transport, "/counter?count=3");
        let items = collect_until(&mut feed, |item| matches!(item, Ok(Event::Message(m)) if m.last_event_id == "3")).await;
        assert_eq!(summary(&items), ["open", r##"message:"{\"seq\":1}"#1"##, r##"message:"{\"seq\":2}"#2"##, r##"message:"{\"seq\":3}"#3"##]);
    }

    async fn named_events_are_delivered_with_their_type_only_when_asked_for(transport: Transport) {
        let mut feed = EventSource::builder(url("/named")).transport(transport).events(["tick", "tock"]).open().unwrap();
        let items = collect_until(&mut feed, |item| matches!(item, Ok(Event::Message(m)) if m.data == "3")).await;
        assert_eq!(summary(&items), ["open", r##"tick:"1"#"##, r##"message:"plain"#"##, r##"tock:"2"#"##, r##"tick:"3"#"##]);
        assert_quiet(&mut feed, 300).await;
    }

    async fn stream_events_named_open_and_error_are_messages_not_connection_events(transport: Transport) {
        let mut feed = EventSource::builder(url("/named")).transport(transport).events(["open", "error"]).open().unwrap();
        let items = collect_until(&mut feed, |item| matches!(item, Ok(Event::Message(m)) if m.event == "error")).await;
        assert_eq!(summary(&items), ["open", r##"message:"plain"#"##, r##"open:"not-an-open"#"##, r##"error:"not-an-error"#"##]);
        assert_quiet(&mut feed, 300).await;
    }

    async fn multi_line_data_is_joined_with_line_feeds(transport: Transport) {
        let mut feed = open(transport, "/multiline");
        let items = collect_until(&mut feed, |item| matches!(item, Ok(Event::Message(_)))).await;
        assert_eq!(summary(&items), ["open", r##"message:"line one\nline two\n\nline four"#"##]);
    }

    async fn a_stream_written_one_byte_at_a_time_decodes_whole(transport: Transport) {
        let mut feed = EventSource::builder(url("/bytewise?delay_ms=1")).transport(transport).events(["greet"]).open().unwrap();
        let items = collect_until(&mut feed, |item| matches!(item, Ok(Event::Message(m)) if m.data == "lf only")).await;
        assert_eq!(
            summary(&items),
            ["open", r##"message:"héllo"#1"##, r##"greet:"wörld ✓\n😀"#1"##, r##"message:"cr only"#3"##, r##"message:"lf only"#3"##]
        );
    }

    async fn undecodable_data_is_an_error_item_and_the_stream_goes_on(transport: Transport) {
        let body = js_sys::encode_uri_component("data: {oops\n\ndata: {\"message\":\"ok\"}\n\n");
        let mut feed = open(transport, &format!("/raw?body={body}")).json::<Hello>();
        assert_eq!(next(&mut feed).await, Some(Ok(Event::Open)));
        let Some(Err(Error::Decode { event, data, reason })) = next(&mut feed).await else {
            panic!("expected a decode error");
        };
        assert_eq!((event.as_str(), data.as_str()), ("message", "{oops"));
        assert!(!reason.is_empty());
        let Some(Ok(Event::Message(message))) = next(&mut feed).await else {
            panic!("expected the next message");
        };
        assert_eq!(message.data, Hello { message: "ok".into() });
    }

    async fn close_ends_the_stream_and_the_connection(transport: Transport) {
        let tag = unique_tag("close");
        let mut feed = open(transport, &format!("/counter?interval_ms=20&tag={tag}"));
        assert_eq!(next(&mut feed).await, Some(Ok(Event::Open)));
        assert!(matches!(next(&mut feed).await, Some(Ok(Event::Message(_)))));
        feed.close();
        feed.close();
        assert_eq!(next(&mut feed).await, None);
        assert_all_closed(&tag).await;
        assert_eq!(next(&mut feed).await, None, "nothing arrives after close");
    }

    async fn drop_closes_the_connection(transport: Transport) {
        let tag = unique_tag("drop");
        let mut feed = open(transport, &format!("/counter?interval_ms=20&tag={tag}"));
        assert_eq!(next(&mut feed).await, Some(Ok(Event::Open)));
        assert_eq!(open_connections(&tag).await, 1);
        drop(feed);
        assert_all_closed(&tag).await;
        wait(300).await;
        assert_eq!(connection_log(&tag).await.len(), 1, "no reconnect after drop");
    }

    async fn reconnects_with_last_event_id_and_nothing_is_lost_or_repeated(transport: Transport) {
        let tag = unique_tag("resume");
        let mut feed = EventSource::builder(url(&format!("/counter?count=6&drop_after=2&retry=50&tag={tag}")))
            .transport(transport)
            .open()
            .unwrap()
            .json::<Seq>();
        let items = collect_until(&mut feed, |_| false).await;
        assert_eq!(seqs(&items), [1, 2, 3, 4, 5, 6]);
        let sent: Vec<_> = connection_log(&tag).await.iter().map(|record| record["last_event_id"].clone()).collect();
        assert_eq!(sent, [serde_json::Value::Null, "2".into(), "4".into(), "6".into()]);
    }

    async fn without_message_ids_messages_carry_none_and_reconnects_still_resume(transport: Transport) {
        let tag = unique_tag("resume-no-ids");
        let mut feed = EventSource::builder(url(&format!("/counter?count=6&drop_after=2&retry=50&tag={tag}")))
            .transport(transport)
            .with_last_event_ids(false)
            .open()
            .unwrap()
            .json::<Seq>();
        let items = collect_until(&mut feed, |_| false).await;
        assert_eq!(seqs(&items), [1, 2, 3, 4, 5, 6]);
        let ids: Vec<_> = items.iter().filter_map(|item| match item {
            Ok(Event::Message(message)) => Some(message.last_event_id.as_str()),
            _ => None,
        }).collect();
        assert_eq!(ids, [""; 6]);
        let sent: Vec<_> = connection_log(&tag).await.iter().map(|record| record["last_event_id"].clone()).collect();
        assert_eq!(sent, [serde_json::Value::Null, "2".into(), "4".into(), "6".into()]);
    }

    async fn a_partial_event_cut_by_a_dropped_connection_is_discarded(transport: Transport) {
        let tag = unique_tag("mid");
        let mut feed = EventSource::builder(url(&format!("/counter?count=9&drop_after=3&drop_mode=mid&retry=50&tag={tag}")))
            .transport(transport)
            .open()
            .unwrap()
            .json::<Seq>();
        let items = collect_until(&mut feed, |_| false).await;
        assert_eq!(seqs(&items), [1, 2, 3, 4, 5, 6, 7, 8, 9], "{:?}", summary(&items));
    }

    async fn an_initial_last_event_id_resumes_the_first_request(transport: Transport) {
        let mut feed = EventSource::builder(url("/counter?count=7"))
            .transport(transport)
            .last_event_id("5")
            .open()
            .unwrap()
            .json::<Seq>();
        let items = collect_until(&mut feed, |item| matches!(item, Ok(Event::Message(m)) if m.data.seq == 7)).await;
        assert_eq!(seqs(&items), [6, 7]);
    }

    async fn credentials_are_sent_only_when_asked_for(transport: Transport) {
        fetch_json(&url("/set-cookie?name=session&value=s3cret"), true).await;
        let echo = |with_credentials: bool| async move {
            let mut feed = EventSource::builder(url("/echo"))
                .transport(transport)
                .events(["echo"])
                .credentials(if with_credentials {
                    Credentials::Include
                } else {
                    Credentials::SameOrigin
                })
                .open()
                .unwrap();
            assert_eq!(next(&mut feed).await, Some(Ok(Event::Open)));
            let Some(Ok(Event::Message(message))) = next(&mut feed).await else {
                panic!("expected the echo");
            };
            serde_json::from_str::<serde_json::Value>(&message.data).unwrap()
        };
        assert_eq!(echo(true).await["cookies"]["session"], "s3cret");
        assert_eq!(echo(false).await["cookies"].get("session"), None);
    }

    async fn a_tab_switch_neither_pauses_nor_resends_the_request(transport: Transport) {
        let tag = unique_tag("visibility");
        let mut feed = open(transport, &format!("/counter?count=3&interval_ms=100&tag={tag}"));
        assert_eq!(next(&mut feed).await, Some(Ok(Event::Open)));
        announce_visibility_change();
        let items = collect_until(&mut feed, |item| matches!(item, Ok(Event::Message(m)) if m.last_event_id == "3")).await;
        assert_eq!(items.len(), 3, "{:?}", summary(&items));
        assert_eq!(connection_log(&tag).await.len(), 1, "one request, never re-sent");
        assert_eq!(open_connections(&tag).await, 1, "still open");
    }

    async fn the_request_asks_for_an_event_stream_and_no_cache(transport: Transport) {
        let tag = unique_tag("headers");
        let mut feed = open(transport, &format!("/counter?count=1&tag={tag}"));
        assert_eq!(next(&mut feed).await, Some(Ok(Event::Open)));
        let log = request_log(&tag).await;
        let headers = &log[0]["headers"];
        assert_eq!((&log[0]["method"], &headers["accept"]), (&"GET".into(), &"text/event-stream".into()));
        assert_eq!(headers["cache-control"], "no-cache");
        assert_eq!(log.iter().filter(|record| record["method"] == "OPTIONS").count(), 0, "no CORS preflight");
    }
}
