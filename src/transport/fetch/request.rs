//! One request of the fetch transport, built from its options, and its checked response.

use std::time::Duration;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::body::{AbortOnDrop, FetchConnection};
use crate::error::Error;
use crate::event::ResponseHead;
use crate::transport::js_message;
use smol_str::SmolStr;

/// Headers made anew before every request: a token refreshed since the last one, say.
#[derive(Clone)]
pub(crate) struct HeadersFn(
    pub(crate)  std::rc::Rc<
        dyn Fn() -> futures_util::future::LocalBoxFuture<'static, Result<Headers, Error>>,
    >,
);

/// Header names and values.
pub(crate) type Headers = Vec<(String, String)>;

impl std::fmt::Debug for HeadersFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HeadersFn(..)")
    }
}

/// What a fetch request carries besides its URL, and how its response is read.
#[derive(Debug, Clone, Default)]
pub(crate) struct FetchOptions {
    pub(crate) method: Option<String>,
    pub(crate) headers: Headers,
    /// Called before every request; its headers are set after (over) `headers`.
    pub(crate) headers_with: Option<HeadersFn>,
    pub(crate) body: Option<Vec<u8>>,
    /// The credentials mode; `None` is fetch's default, `same-origin`.
    pub(crate) credentials: Option<web_sys::RequestCredentials>,
    pub(crate) stall_timeout: Option<Duration>,
    /// Deliver only `message` and these event types (`None`: every type).
    pub(crate) event_types: Option<Vec<String>>,
    /// The largest event accepted (`None`: the parser's default).
    pub(crate) max_event_size: Option<usize>,
    /// Yield comment lines as [`Event::Comment`](crate::Event::Comment).
    pub(crate) comments: bool,
    /// Deliver every event type (`event_types` is then `None` once opened).
    pub(crate) all_events: bool,
    /// Send a request that is not a plain GET again even when it cannot resume (no id).
    pub(crate) resend: bool,
}

impl FetchOptions {
    /// A GET without a body: safe to send again whenever the spec reconnects.
    pub(crate) fn is_plain_get(&self) -> bool {
        let get = self
            .method
            .as_deref()
            .is_none_or(|method| method.eq_ignore_ascii_case("GET"));
        get && self.body.is_none()
    }

    /// Builds the request for one attempt; `last_event_id` is sent when not empty.
    pub(super) fn request(
        &self,
        url: &str,
        last_event_id: &str,
        signal: &web_sys::AbortSignal,
        fresh: &[(String, String)],
    ) -> Result<web_sys::Request, Error> {
        let init = web_sys::RequestInit::new();
        init.set_method(self.method.as_deref().unwrap_or("GET"));
        init.set_cache(web_sys::RequestCache::NoStore);
        init.set_mode(web_sys::RequestMode::Cors);
        init.set_credentials(
            self.credentials
                .unwrap_or(web_sys::RequestCredentials::SameOrigin),
        );
        init.set_signal(Some(signal));
        if !self.headers.is_empty() || self.headers_with.is_some() {
            // The browser would send our headers on to any origin a redirect leads to.
            init.set_redirect(web_sys::RequestRedirect::Manual);
        }
        if let Some(body) = &self.body {
            init.set_body(&js_sys::Uint8Array::from(body.as_slice()));
        }
        let headers = web_sys::Headers::new().map_err(|err| Error::from_js(&err))?;
        let invalid = |err: JsValue| Error::InvalidRequest(js_message(&err));
        headers
            .set("Accept", "text/event-stream")
            .map_err(invalid)?;
        for (name, value) in self.headers.iter().chain(fresh) {
            headers.set(name, value).map_err(invalid)?;
        }
        if !last_event_id.is_empty() {
            headers
                .set("Last-Event-ID", &byte_string(last_event_id))
                .map_err(invalid)?;
        }
        init.set_headers(&headers);
        web_sys::Request::new_with_str_and_init(url, &init).map_err(invalid)
    }

    /// Checks that a request can be built (method, header names and values, body with GET)
    /// without sending it.
    pub(crate) fn validate(&self, url: &str) -> Result<(), Error> {
        let abort = AbortOnDrop::new()?;
        self.request(url, "", &abort.signal(), &[]).map(drop)
    }
}

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, in windows and workers alike.
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_request(request: &web_sys::Request) -> js_sys::Promise;
}

/// Sends the request and checks the response: status 200 and a `text/event-stream` content
/// type, else the typed error. With headers made per request, a 401 has them made once more
/// and the request sent again at once (an expired token, refreshed).
pub(super) async fn open(
    url: &str,
    options: &FetchOptions,
    last_event_id: &str,
) -> Result<FetchConnection, Error> {
    match open_once(url, options, last_event_id).await {
        Err(Error::Status { status: 401, .. }) if options.headers_with.is_some() => {
            open_once(url, options, last_event_id).await
        }
        opened => opened,
    }
}

async fn open_once(
    url: &str,
    options: &FetchOptions,
    last_event_id: &str,
) -> Result<FetchConnection, Error> {
    let fresh = match &options.headers_with {
        Some(HeadersFn(make)) => make().await?,
        None => Vec::new(),
    };
    let abort = AbortOnDrop::new()?;
    let request = options.request(url, last_event_id, &abort.signal(), &fresh)?;
    let response: web_sys::Response = JsFuture::from(fetch_request(&request))
        .await
        .map_err(|err| Error::Network(js_message(&err)))?
        .unchecked_into();
    if response.type_() == web_sys::ResponseType::Opaqueredirect {
        return Err(Error::Redirected);
    }
    let headers = response.headers();
    if response.status() != 200 {
        let retry_after = headers
            .get("Retry-After")
            .ok()
            .flatten()
            .and_then(|value| parse_retry_after(&value));
        return Err(Error::Status {
            status: response.status(),
            retry_after,
        });
    }
    let content_type = headers.get("Content-Type").ok().flatten();
    if !content_type.as_deref().is_some_and(is_event_stream) {
        return Err(Error::ContentType { content_type });
    }
    let body = response.body().ok_or(Error::StreamEnded)?;
    let reader = body
        .get_reader()
        .unchecked_into::<web_sys::ReadableStreamDefaultReader>();
    let head = ResponseHead {
        status: response.status(),
        headers: header_pairs(&headers),
    };
    let origin = origin_of(&response.url()).unwrap_or_default();
    Ok(FetchConnection::new(
        reader,
        options.stall_timeout,
        SmolStr::new(origin),
        head,
        abort,
    ))
}

/// `text` as a JavaScript "ByteString" of its UTF-8 bytes: one character per byte, which
/// `Headers` sends as that byte. Browsers send `Last-Event-ID` as the id's UTF-8 bytes; a
/// character past U+00FF given as it is would be refused, and one from U+0080 to U+00FF
/// would go out as a single Latin-1 byte.
fn byte_string(text: &str) -> String {
    text.bytes().map(char::from).collect()
}

/// Whether a `Content-Type` value's MIME essence is `text/event-stream` (parameters ignored,
/// ASCII case-insensitive, surrounding whitespace trimmed).
pub(crate) fn is_event_stream(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default();
    essence.trim().eq_ignore_ascii_case("text/event-stream")
}

/// `Retry-After` as delay-seconds; an HTTP date is not honoured (the client's clock may be off).
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)))
}

/// Every header of `headers` the page may read (cross-origin: the CORS-safelisted ones and
/// those the server exposes), names lowercased as the browser gives them.
fn header_pairs(headers: &web_sys::Headers) -> Headers {
    let Ok(Some(entries)) = js_sys::try_iter(headers) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let pair: js_sys::Array = entry.dyn_into().ok()?;
            Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
        })
        .collect()
}

/// The serialized origin of an absolute URL.
fn origin_of(url: &str) -> Option<String> {
    web_sys::Url::new(url).ok().map(|url| url.origin())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_string_holds_one_character_per_utf8_byte() {
        assert_eq!(byte_string("42"), "42");
        assert_eq!(byte_string("é"), "\u{c3}\u{a9}");
        assert_eq!(byte_string("😀").chars().count(), 4);
        assert!(byte_string("café-😀-\u{fffd}")
            .chars()
            .all(|c| u32::from(c) <= 0xff));
    }

    #[test]
    fn event_stream_content_types_are_compared_by_essence() {
        for accepted in [
            "text/event-stream",
            "text/event-stream;",
            "Text/Event-Stream; charset=utf-8",
            " text/event-stream ",
        ] {
            assert!(is_event_stream(accepted), "{accepted:?}");
        }
        for refused in [
            "text/plain",
            "text/event-streams",
            "x bogus",
            "",
            "text/event-stream-x",
        ] {
            assert!(!is_event_stream(refused), "{refused:?}");
        }
    }

    #[test]
    fn retry_after_takes_delay_seconds_only() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 120 "), Some(Duration::from_secs(120)));
        assert_eq!(
            parse_retry_after("99999999999999999999999"),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after(""), None);
    }
}
