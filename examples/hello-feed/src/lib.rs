//! Prints a JSON feed into the page as it arrives: `new EventSource(url)`, a `message`
//! listener, `JSON.parse(event.data)` and `close()`, done the Rust way.

use futures::StreamExt;
use wasm_bindgen::prelude::*;
use wasm_sse::{Event, EventSource};

/// What the feed sends: `{"message":"Hello, world!"}`.
#[derive(serde::Deserialize)]
struct Hello {
    message: String,
}

/// Reads `url` and appends each message to the element `#{list_id}`, showing the
/// connection state in `#{state_id}`. Returns when the stream ends.
#[wasm_bindgen]
pub async fn run(url: String, list_id: String, state_id: String) -> Result<(), JsError> {
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or_else(|| JsError::new("no document"))?;
    let element = |id: &str| {
        document
            .get_element_by_id(id)
            .ok_or_else(|| JsError::new(&format!("no #{id}")))
    };
    let (list, state) = (element(&list_id)?, element(&state_id)?);

    let mut feed = EventSource::new(&url)?.json::<Hello>();
    state.set_text_content(Some("connecting"));
    let mut received = 0u64;
    while let Some(item) = feed.next().await {
        match item {
            Ok(Event::Open) => state.set_text_content(Some("open")),
            Ok(Event::Message(msg)) => {
                let line = document
                    .create_element("li")
                    .map_err(|_| JsError::new("createElement"))?;
                received += 1;
                line.set_text_content(Some(&format!("#{received}  {}", msg.data.message)));
                list.prepend_with_node_1(&line)
                    .map_err(|_| JsError::new("prepend"))?;
                while list.child_element_count() > 20 {
                    if let Some(last) = list.last_element_child() {
                        last.remove();
                    }
                }
            }
            Err(err) => state.set_text_content(Some(&err.to_string())),
            Ok(_) => {} // comments, when asked for
        }
    }
    state.set_text_content(Some("closed"));
    Ok(())
}
