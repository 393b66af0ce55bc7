//! Errors as JavaScript sees them: `EventStreamError`s (glue.js) with a `kind` and details.

use wasm_bindgen::prelude::*;

use super::{millis, object, stream_error};
use crate::error::Error;

/// `option: expected WHAT, got VALUE`.
pub(super) fn expected(option: &str, what: &str, value: &JsValue) -> JsValue {
    option_error(option, &format!("expected {what}, got {}", describe(value)))
}

/// An `EventStreamError` of kind `"options"` naming the option.
pub(super) fn option_error(option: &str, problem: &str) -> JsValue {
    stream_error(
        "options",
        &format!("EventStream option \"{option}\": {problem}"),
        &object(&[("option", option.into())]),
    )
}

/// A short description of a value for an error message: strings quoted, numbers as they are.
pub(super) fn describe(value: &JsValue) -> String {
    if let Some(text) = value.as_string() {
        return format!("{text:?}");
    }
    if let Some(number) = value.dyn_ref::<js_sys::Number>() {
        // As JavaScript writes it: `1e+300`, `NaN`, `Infinity`.
        return number
            .to_string_with_radix(10)
            .map(String::from)
            .unwrap_or_default();
    }
    if js_sys::Array::is_array(value) {
        return "an array".to_owned();
    }
    value
        .js_typeof()
        .as_string()
        .unwrap_or_else(|| "a value".to_owned())
}

/// An [`Error`] as an `EventStreamError` with its `kind` and details.
pub(super) fn error_to_js(err: &Error) -> JsValue {
    let (kind, details): (&str, Vec<(&str, JsValue)>) = match err {
        Error::InvalidUrl { url, .. } => ("invalid-url", vec![("url", url.into())]),
        Error::InvalidRequest(_) => ("invalid-request", vec![]),
        Error::Disconnected => ("disconnected", vec![]),
        Error::ConnectionFailed => ("connection-failed", vec![]),
        Error::Status {
            status,
            retry_after,
        } => {
            let mut details = vec![("status", JsValue::from(*status))];
            if let Some(retry_after) = retry_after {
                details.push(("retryAfterMs", millis(*retry_after).into()));
            }
            ("status", details)
        }
        Error::ContentType { content_type } => (
            "content-type",
            vec![(
                "contentType",
                content_type.as_deref().map_or(JsValue::NULL, JsValue::from),
            )],
        ),
        Error::Network(_) => ("network", vec![]),
        Error::Redirected => ("redirected", vec![]),
        Error::StreamEnded => ("stream-ended", vec![]),
        Error::Stalled { .. } => ("stalled", vec![]),
        Error::Decode { event, data, .. } => (
            "decode",
            vec![("event", event.into()), ("data", data.into())],
        ),
        Error::EventTooLarge { .. } => ("event-too-large", vec![]),
        Error::CommentTooLarge { .. } => ("comment-too-large", vec![]),
        Error::Lagged { skipped } => ("lagged", vec![("skipped", (*skipped as f64).into())]),
        Error::Overflow { .. } => ("overflow", vec![]),
        Error::Js(_) => ("js", vec![]),
    };
    stream_error(kind, &err.to_string(), &object(&details))
}
