//! The options object of `EventStream` (and of the drop-in `EventSource`'s `init`): read,
//! checked name by name with errors that say what was expected, and turned into a [`Builder`].

use std::time::Duration;

use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::error::{describe, expected, option_error};
use super::{object, report_error};
use crate::error::Error;
use crate::retry::RetryPolicy;
use crate::source::{Builder, Credentials, EventSource, Transport};
use crate::transport::eventsource::Overflow;

/// The options object, read and checked.
#[derive(Default)]
pub(super) struct Options {
    transport: Transport,
    headers: Vec<(String, String)>,
    headers_fn: Option<js_sys::Function>,
    method: Option<String>,
    body: Option<Vec<u8>>,
    credentials: Credentials,
    events: Vec<String>,
    all_events: bool,
    last_event_ids: bool,
    retry: Option<RetryPolicy>,
    pub(super) json: bool,
    pub(super) signal: Option<web_sys::AbortSignal>,
    pub(super) last_event_id: Option<String>,
    last_event_id_param: Option<String>,
    stall_timeout: Option<Duration>,
    max_event_size: Option<usize>,
    buffer: Option<(usize, Overflow)>,
    pub(super) on_open: Option<js_sys::Function>,
    pub(super) on_error: Option<js_sys::Function>,
    pub(super) on_comment: Option<js_sys::Function>,
    resend: bool,
    end_on: Option<EndOnOption>,
}

/// `endOn`: the data that ends the stream, or a function of the message that says so.
enum EndOnOption {
    Data(String),
    Test(js_sys::Function),
}

/// Every option name, in the order of the TypeScript declaration.
const OPTION_NAMES: &[&str] = &[
    "transport",
    "headers",
    "method",
    "body",
    "withCredentials",
    "credentials",
    "events",
    "allEvents",
    "lastEventIds",
    "retry",
    "json",
    "signal",
    "lastEventId",
    "lastEventIdParam",
    "stallTimeoutMs",
    "maxEventSize",
    "buffer",
    "resend",
    "endOn",
    "onOpen",
    "onError",
    "onComment",
];

/// Options only the fetch transport has, by their JavaScript names.
const FETCH_ONLY: &[&str] = &[
    "allEvents",
    "headers",
    "method",
    "body",
    "stallTimeoutMs",
    "maxEventSize",
    "resend",
    "onComment",
];

impl Options {
    pub(super) fn read(value: &JsValue) -> Result<Self, JsValue> {
        if value.is_undefined() || value.is_null() {
            // Every default as an empty object has it.
            return Options::read(&Object::new());
        }
        if !value.is_object() || value.is_function() || js_sys::Array::is_array(value) {
            return Err(option_error("options", "expected an object"));
        }
        let object: &Object = value.unchecked_ref();
        check_names(object, OPTION_NAMES, "")?;
        let get = |name: &str| Reflect::get(object, &name.into()).unwrap_or(JsValue::UNDEFINED);
        let options = Options {
            transport: match get("transport").as_string().as_deref() {
                None if get("transport").is_undefined() => default_transport(),
                Some("eventsource") => Transport::EventSource,
                Some("fetch") => Transport::Fetch,
                _ => {
                    return Err(option_error(
                        "transport",
                        &format!(
                            "expected \"eventsource\" or \"fetch\", got {}",
                            describe(&get("transport"))
                        ),
                    ))
                }
            },
            headers: match get("headers").is_function() {
                true => Vec::new(),
                false => headers(&get("headers"))?,
            },
            headers_fn: get("headers").dyn_into::<js_sys::Function>().ok(),
            method: string(&get("method"), "method")?,
            body: body(&get("body"))?,
            credentials: credentials(&get("withCredentials"), &get("credentials"))?,
            events: strings(&get("events"), "events")?,
            all_events: boolean(&get("allEvents"), "allEvents")?,
            last_event_ids: get("lastEventIds").is_undefined()
                || boolean(&get("lastEventIds"), "lastEventIds")?,
            retry: retry(&get("retry"))?,
            json: boolean(&get("json"), "json")?,
            signal: signal(&get("signal"))?,
            last_event_id: string(&get("lastEventId"), "lastEventId")?,
            last_event_id_param: string(&get("lastEventIdParam"), "lastEventIdParam")?,
            stall_timeout: duration(&get("stallTimeoutMs"), "stallTimeoutMs")?,
            max_event_size: integer(&get("maxEventSize"), "maxEventSize", 1)?,
            buffer: buffer(&get("buffer"))?,
            on_open: function(&get("onOpen"), "onOpen")?,
            on_error: function(&get("onError"), "onError")?,
            on_comment: function(&get("onComment"), "onComment")?,
            resend: boolean(&get("resend"), "resend")?,
            end_on: end_on(&get("endOn"))?,
        };
        if options.stall_timeout == Some(Duration::ZERO) {
            return Err(option_error("stallTimeoutMs", "must be more than 0"));
        }
        if options.transport == Transport::EventSource {
            if options.credentials == Credentials::Omit {
                return Err(option_error(
                    "credentials",
                    "\"omit\" needs transport: \"fetch\" (the browser's EventSource always sends them to its own origin)",
                ));
            }
            if let Some(name) = FETCH_ONLY.iter().find(|name| !get(name).is_undefined()) {
                return Err(option_error(
                    name,
                    "needs transport: \"fetch\" (the browser's EventSource cannot do it)",
                ));
            }
        } else if options.buffer.is_some() {
            return Err(option_error(
                "buffer",
                "only applies to transport: \"eventsource\" (fetch reads as fast as you iterate)",
            ));
        }
        Ok(options)
    }

    /// The transport chosen: the one named, else the runtime's default.
    pub(super) fn transport(&self) -> Transport {
        self.transport
    }

    pub(super) fn builder(self, url: &str) -> Builder {
        let mut builder = EventSource::builder(url)
            .transport(self.transport)
            .credentials(self.credentials)
            .events(self.events)
            .with_last_event_ids(self.last_event_ids);
        if self.all_events {
            builder = builder.all_events();
        }
        if let Some(make) = self.headers_fn {
            builder = builder
                .headers_made_by(move || Box::pin(made_headers(make.call0(&JsValue::UNDEFINED))));
        }
        for (name, value) in self.headers {
            builder = builder.header(name, value);
        }
        if let Some(method) = self.method {
            builder = builder.method(method);
        }
        if let Some(body) = self.body {
            builder = builder.body(body);
        }
        if let Some(policy) = self.retry {
            builder = builder.retry(policy);
        }
        if let Some(id) = self.last_event_id {
            builder = builder.last_event_id(id);
        }
        if let Some(name) = self.last_event_id_param {
            builder = builder.last_event_id_param(name);
        }
        if let Some(timeout) = self.stall_timeout {
            builder = builder.stall_timeout(timeout);
        }
        if self.resend {
            builder = builder.resend(true);
        }
        if self.on_comment.is_some() {
            builder = builder.comments(true);
        }
        match self.end_on {
            Some(EndOnOption::Data(marker)) => builder = builder.end_on_data(marker),
            Some(EndOnOption::Test(test)) => {
                builder = builder.end_on(move |message| {
                    let message = object(&[
                        ("type", message.event.as_str().into()),
                        ("data", message.data.as_str().into()),
                        ("lastEventId", message.last_event_id.as_str().into()),
                        ("origin", message.origin.as_str().into()),
                    ]);
                    match test.call1(&JsValue::UNDEFINED, &message) {
                        Ok(verdict) => verdict.is_truthy(),
                        Err(exception) => {
                            report_error(&exception);
                            false
                        }
                    }
                })
            }
            None => {}
        }
        if let Some(bytes) = self.max_event_size {
            builder = builder.max_event_size(bytes);
        }
        if let Some((capacity, overflow)) = self.buffer {
            builder = builder.buffer(capacity, overflow);
        }
        builder
    }
}

/// The browser's `EventSource` where the runtime has one; fetch in Node, Deno and Bun.
fn default_transport() -> Transport {
    if crate::transport::eventsource::has_event_source() {
        Transport::EventSource
    } else {
        Transport::Fetch
    }
}

/// Refuses a name of `object` that is not in `known` (a misspelt option is a bug, not a no-op).
fn check_names(object: &Object, known: &[&str], prefix: &str) -> Result<(), JsValue> {
    for name in Object::keys(object).iter() {
        let name = name.as_string().unwrap_or_default();
        if !known.contains(&name.as_str()) {
            return Err(option_error(
                &format!("{prefix}{name}"),
                &format!("unknown option; known ones are {}", known.join(", ")),
            ));
        }
    }
    Ok(())
}

fn string(value: &JsValue, name: &str) -> Result<Option<String>, JsValue> {
    match value.as_string() {
        Some(text) => Ok(Some(text)),
        None if value.is_undefined() => Ok(None),
        None => Err(expected(name, "a string", value)),
    }
}

fn boolean(value: &JsValue, name: &str) -> Result<bool, JsValue> {
    match value.as_bool() {
        Some(flag) => Ok(flag),
        None if value.is_undefined() => Ok(false),
        None => Err(expected(name, "true or false", value)),
    }
}

/// A finite number of at least 0 (at least 1 when `at_least_one`).
fn number(value: &JsValue, name: &str, at_least_one: bool) -> Result<Option<f64>, JsValue> {
    if value.is_undefined() {
        return Ok(None);
    }
    let floor = if at_least_one { 1.0 } else { 0.0 };
    match value.as_f64() {
        Some(n) if n.is_finite() && n >= floor => Ok(Some(n)),
        Some(_) => Err(expected(
            name,
            if at_least_one {
                "a finite number of at least 1"
            } else {
                "a finite number of at least 0"
            },
            value,
        )),
        None => Err(expected(name, "a number", value)),
    }
}

/// A whole number of at least `floor`.
fn integer(value: &JsValue, name: &str, floor: u32) -> Result<Option<usize>, JsValue> {
    match value.as_f64() {
        Some(n) if n.fract() == 0.0 && n >= f64::from(floor) && n <= 9_007_199_254_740_991.0 => {
            Ok(Some(n as usize))
        }
        None if value.is_undefined() => Ok(None),
        _ => Err(expected(
            name,
            &format!("a whole number of at least {floor}"),
            value,
        )),
    }
}

/// The largest number of milliseconds a duration option takes: `Number.MAX_SAFE_INTEGER`,
/// some 285,000 years. Every length up to it is honoured (see `timer.rs`).
const MAX_MS: f64 = 9_007_199_254_740_991.0;

/// A duration in milliseconds, from 0 to [`MAX_MS`].
fn duration(value: &JsValue, name: &str) -> Result<Option<Duration>, JsValue> {
    match number(value, name, false)? {
        Some(ms) if ms > MAX_MS => Err(expected(
            name,
            "a number of milliseconds of at most 9007199254740991",
            value,
        )),
        // Whole milliseconds, then the fraction: `ms` ≤ 2^53 fits a u64 exactly.
        Some(ms) => Ok(Some(
            Duration::from_millis(ms as u64)
                + Duration::from_nanos((ms.fract() * 1e6).round() as u64),
        )),
        None => Ok(None),
    }
}

fn strings(value: &JsValue, name: &str) -> Result<Vec<String>, JsValue> {
    if value.is_undefined() {
        return Ok(Vec::new());
    }
    if !js_sys::Array::is_array(value) {
        return Err(expected(name, "an array of strings", value));
    }
    let array: &js_sys::Array = value.unchecked_ref();
    array
        .iter()
        .map(|item| {
            item.as_string()
                .ok_or_else(|| expected(name, "an array of strings", value))
        })
        .collect()
}

/// What a `headers` function returned (or threw), awaited if it is a promise, as headers.
async fn made_headers(made: Result<JsValue, JsValue>) -> Result<Vec<(String, String)>, Error> {
    let failed = |err: JsValue| {
        Error::InvalidRequest(format!("headers(): {}", crate::transport::js_message(&err)))
    };
    let mut value = made.map_err(failed)?;
    if let Some(promise) = value.dyn_ref::<Promise>() {
        value = wasm_bindgen_futures::JsFuture::from(promise.clone())
            .await
            .map_err(failed)?;
    }
    headers(&value).map_err(failed)
}

fn end_on(value: &JsValue) -> Result<Option<EndOnOption>, JsValue> {
    if let Some(marker) = value.as_string() {
        return Ok(Some(EndOnOption::Data(marker)));
    }
    match function(value, "endOn") {
        Ok(test) => Ok(test.map(EndOnOption::Test)),
        Err(_) => Err(expected("endOn", "a string or a function", value)),
    }
}

/// `withCredentials` (a boolean) or `credentials` (fetch's mode names), not both.
fn credentials(with_credentials: &JsValue, mode: &JsValue) -> Result<Credentials, JsValue> {
    if !with_credentials.is_undefined() && !mode.is_undefined() {
        return Err(option_error(
            "credentials",
            "give either credentials or withCredentials, not both",
        ));
    }
    if !mode.is_undefined() {
        return match mode.as_string().as_deref() {
            Some("omit") => Ok(Credentials::Omit),
            Some("same-origin") => Ok(Credentials::SameOrigin),
            Some("include") => Ok(Credentials::Include),
            _ => Err(expected(
                "credentials",
                "\"omit\", \"same-origin\" or \"include\"",
                mode,
            )),
        };
    }
    Ok(match boolean(with_credentials, "withCredentials")? {
        true => Credentials::Include,
        false => Credentials::SameOrigin,
    })
}

fn function(value: &JsValue, name: &str) -> Result<Option<js_sys::Function>, JsValue> {
    match value.dyn_ref::<js_sys::Function>() {
        Some(function) => Ok(Some(function.clone())),
        None if value.is_undefined() => Ok(None),
        None => Err(expected(name, "a function", value)),
    }
}

fn signal(value: &JsValue) -> Result<Option<web_sys::AbortSignal>, JsValue> {
    match value.dyn_ref::<web_sys::AbortSignal>() {
        Some(signal) => Ok(Some(signal.clone())),
        None if value.is_undefined() => Ok(None),
        None => Err(expected("signal", "an AbortSignal", value)),
    }
}

/// Headers as a plain object, a `Headers`, or an array of `[name, value]` pairs.
fn headers(value: &JsValue) -> Result<Vec<(String, String)>, JsValue> {
    const WHAT: &str = "an object of strings, a Headers or an array of [name, value] pairs";
    if value.is_undefined() {
        return Ok(Vec::new());
    }
    if !value.is_object() {
        return Err(expected("headers", WHAT, value));
    }
    let entries: Vec<JsValue> = if let Ok(Some(iterator)) = js_sys::try_iter(value) {
        iterator
            .collect::<Result<_, _>>()
            .map_err(|_| expected("headers", WHAT, value))?
    } else {
        Object::entries(value.unchecked_ref()).iter().collect()
    };
    entries
        .iter()
        .map(|entry| {
            let pair = entry
                .dyn_ref::<js_sys::Array>()
                .filter(|pair| pair.length() == 2)
                .ok_or_else(|| expected("headers", WHAT, value))?;
            match (pair.get(0).as_string(), pair.get(1).as_string()) {
                (Some(name), Some(value)) => Ok((name, value)),
                (name, _) => Err(option_error(
                    &format!("headers.{}", name.unwrap_or_default()),
                    "expected a string value",
                )),
            }
        })
        .collect()
}

/// A body as a string, a `Uint8Array` (or other view) or an `ArrayBuffer`.
fn body(value: &JsValue) -> Result<Option<Vec<u8>>, JsValue> {
    if value.is_undefined() {
        return Ok(None);
    }
    if let Some(text) = value.as_string() {
        return Ok(Some(text.into_bytes()));
    }
    if value.is_instance_of::<js_sys::ArrayBuffer>() {
        return Ok(Some(js_sys::Uint8Array::new(value).to_vec()));
    }
    if js_sys::ArrayBuffer::is_view(value) {
        let view: &js_sys::Uint8Array = value.unchecked_ref();
        let bytes = js_sys::Uint8Array::new_with_byte_offset_and_length(
            &view.buffer(),
            view.byte_offset(),
            view.byte_length(),
        );
        return Ok(Some(bytes.to_vec()));
    }
    Err(expected(
        "body",
        "a string, a Uint8Array or an ArrayBuffer",
        value,
    ))
}

/// `retry`: `false` for never, or the policy's numbers.
fn retry(value: &JsValue) -> Result<Option<RetryPolicy>, JsValue> {
    if value.is_undefined() {
        return Ok(None);
    }
    if value.as_bool() == Some(false) {
        return Ok(Some(RetryPolicy::never()));
    }
    if value.as_string().as_deref() == Some("browser") {
        return Ok(Some(RetryPolicy::browser()));
    }
    if !value.is_object() || js_sys::Array::is_array(value) {
        return Err(expected("retry", "an object, \"browser\" or false", value));
    }
    let object: &Object = value.unchecked_ref();
    check_names(
        object,
        &[
            "initialDelayMs",
            "maxDelayMs",
            "maxAttempts",
            "factor",
            "jitter",
            "onStatus",
        ],
        "retry.",
    )?;
    let get = |name: &str| Reflect::get(object, &name.into()).unwrap_or(JsValue::UNDEFINED);
    let mut policy = RetryPolicy::default();
    if let Some(delay) = duration(&get("initialDelayMs"), "retry.initialDelayMs")? {
        policy = policy.initial_delay(delay);
    }
    if let Some(delay) = duration(&get("maxDelayMs"), "retry.maxDelayMs")? {
        policy = policy.max_delay(delay);
    }
    if let Some(attempts) = integer(&get("maxAttempts"), "retry.maxAttempts", 0)? {
        policy = policy.max_attempts(u32::try_from(attempts).unwrap_or(u32::MAX));
    }
    if let Some(factor) = number(&get("factor"), "retry.factor", true)? {
        policy = policy.factor(factor);
    }
    match number(&get("jitter"), "retry.jitter", false)? {
        Some(jitter) if jitter > 1.0 => {
            return Err(expected(
                "retry.jitter",
                "a number from 0 to 1",
                &get("jitter"),
            ))
        }
        Some(jitter) => policy = policy.jitter(jitter),
        None => {}
    }
    if !get("onStatus").is_undefined() {
        policy = policy.on_status(boolean(&get("onStatus"), "retry.onStatus")?);
    }
    Ok(Some(policy))
}

/// `buffer`: `{ capacity, overflow }`.
fn buffer(value: &JsValue) -> Result<Option<(usize, Overflow)>, JsValue> {
    if value.is_undefined() {
        return Ok(None);
    }
    if !value.is_object() || js_sys::Array::is_array(value) {
        return Err(expected(
            "buffer",
            "an object { capacity, overflow }",
            value,
        ));
    }
    let object: &Object = value.unchecked_ref();
    check_names(object, &["capacity", "overflow"], "buffer.")?;
    let get = |name: &str| Reflect::get(object, &name.into()).unwrap_or(JsValue::UNDEFINED);
    let capacity = integer(&get("capacity"), "buffer.capacity", 1)?
        .ok_or_else(|| option_error("buffer.capacity", "is required"))?;
    let overflow = match get("overflow").as_string().as_deref() {
        None if get("overflow").is_undefined() => Overflow::Fail,
        Some("fail") => Overflow::Fail,
        Some("drop-oldest") => Overflow::DropOldest,
        Some("drop-newest") => Overflow::DropNewest,
        _ => {
            return Err(expected(
                "buffer.overflow",
                "\"fail\", \"drop-oldest\" or \"drop-newest\"",
                &get("overflow"),
            ))
        }
    };
    Ok(Some((capacity, overflow)))
}
