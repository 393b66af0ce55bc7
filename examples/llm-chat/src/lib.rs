//! An LLM chat in the browser: POST the prompt to an OpenAI-compatible
//! `/v1/chat/completions`, decode each `chat.completion.chunk` into a typed struct, append
//! its text to a text area token by token, stop at `[DONE]`, and let a Stop button abort.

use futures::future::{select, Either};
use futures::StreamExt;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_sse::{EndReason, Event, EventSource, Transport};

/// One streamed chunk, as far as the page reads it.
#[derive(serde::Deserialize)]
struct Chunk {
    choices: Vec<Choice>,
}

#[derive(serde::Deserialize)]
struct Choice {
    delta: Delta,
}

#[derive(serde::Deserialize)]
struct Delta {
    content: Option<String>,
}

/// Streams the answer to `prompt` from `url` into the text area `#{output_id}`, showing
/// where it stands in `#{state_id}`; a click on `#{stop_id}` aborts the request. Resolves
/// with what ended it: `"done"`, `"stopped"` or the error.
#[wasm_bindgen]
pub async fn complete(
    url: String,
    prompt: String,
    output_id: String,
    state_id: String,
    stop_id: String,
) -> Result<String, JsError> {
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or_else(|| JsError::new("no document"))?;
    let element = |id: &str| {
        document
            .get_element_by_id(id)
            .ok_or_else(|| JsError::new(&format!("no #{id}")))
    };
    let output: web_sys::HtmlTextAreaElement = element(&output_id)?
        .dyn_into()
        .map_err(|_| JsError::new("the output is not a textarea"))?;
    let (state, stop) = (element(&state_id)?, element(&stop_id)?);

    let body = serde_json::json!({
        "model": "test",
        "stream": true,
        "messages": [{ "role": "user", "content": prompt }],
    });
    let mut completion = EventSource::builder(url)
        .transport(Transport::Fetch)
        .method("POST")
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .end_on_data("[DONE]")
        .open()?
        .json::<Chunk>();

    // Stop: a click resolves `stopped`; the listener goes when the completion does.
    let (stopped_tx, mut stopped) = futures::channel::oneshot::channel::<()>();
    let mut stopped_tx = Some(stopped_tx);
    let on_stop = Closure::<dyn FnMut()>::new(move || {
        if let Some(tx) = stopped_tx.take() {
            let _ = tx.send(());
        }
    });
    stop.add_event_listener_with_callback("click", on_stop.as_ref().unchecked_ref())
        .map_err(|_| JsError::new("addEventListener"))?;

    output.set_value("");
    state.set_text_content(Some("connecting"));
    let ended = loop {
        match select(completion.next(), &mut stopped).await {
            Either::Left((Some(Ok(Event::Open)), _)) => state.set_text_content(Some("streaming")),
            Either::Left((Some(Ok(Event::Message(chunk))), _)) => {
                let text: String = chunk
                    .data
                    .choices
                    .iter()
                    .filter_map(|choice| choice.delta.content.as_deref())
                    .collect();
                output.set_value(&(output.value() + &text));
            }
            Either::Left((Some(Err(err)), _)) => state.set_text_content(Some(&err.to_string())),
            Either::Left((Some(Ok(_)), _)) => {} // comments, when asked for
            Either::Left((None, _)) => match completion.end_reason() {
                Some(EndReason::EndMarker) => break "done".to_owned(),
                Some(EndReason::Failed(err)) => break err.to_string(),
                other => break format!("{other:?}"),
            },
            Either::Right(_) => {
                completion.close();
                break "stopped".to_owned();
            }
        }
    };
    let _ = stop.remove_event_listener_with_callback("click", on_stop.as_ref().unchecked_ref());
    state.set_text_content(Some(&ended));
    Ok(ended)
}
