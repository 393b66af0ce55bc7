//! Query parameters, percent-decoded to bytes, and the 400 answer for bad ones.

use std::{collections::HashMap, str::FromStr};

use axum::{
    http::{header::CONTENT_TYPE, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

/// A query parameter that could not be used: answered as `400` with a plain-text reason.
#[derive(Debug)]
pub struct BadParam(pub String);

impl IntoResponse for BadParam {
    fn into_response(self) -> Response {
        (
            StatusCode::BAD_REQUEST,
            [(CONTENT_TYPE, "text/plain")],
            self.0,
        )
            .into_response()
    }
}

/// Whether a stream ends or stays open after its last scripted write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// Keep the connection open, sending keep-alive comments.
    Hold,
    /// End the body cleanly.
    Eof,
}

/// The decoded query parameters of one request; a repeated name keeps its last value.
#[derive(Debug, Clone, Default)]
pub struct Params {
    /// Name to raw decoded value.
    values: HashMap<String, Vec<u8>>,
}

impl Params {
    /// Decodes a raw query string (`+` is a space, `%XX` a byte).
    pub fn parse(query: &str) -> Self {
        let values = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                let name = String::from_utf8_lossy(&percent_decode(name)).into_owned();
                (name, percent_decode(value))
            })
            .collect();
        Self { values }
    }

    /// The raw bytes of `name`, if present.
    pub fn bytes(&self, name: &str) -> Option<&[u8]> {
        self.values.get(name).map(Vec::as_slice)
    }

    /// `name` as UTF-8 text, if present.
    pub fn str(&self, name: &str) -> Result<Option<&str>, BadParam> {
        self.bytes(name)
            .map(|bytes| {
                std::str::from_utf8(bytes).map_err(|_| BadParam(format!("{name}: not UTF-8")))
            })
            .transpose()
    }

    /// `name` parsed as a number (or any `FromStr`), if present.
    pub fn num<T: FromStr>(&self, name: &str) -> Result<Option<T>, BadParam> {
        self.str(name)?
            .map(|text| {
                text.parse()
                    .map_err(|_| BadParam(format!("{name}: {text:?} is not a valid number")))
            })
            .transpose()
    }

    /// `name` as a number, or `default` when absent.
    pub fn num_or<T: FromStr>(&self, name: &str, default: T) -> Result<T, BadParam> {
        Ok(self.num(name)?.unwrap_or(default))
    }

    /// `name` as `0` (false) or `1` (true), or `default` when absent.
    pub fn flag(&self, name: &str, default: bool) -> Result<bool, BadParam> {
        match self.str(name)? {
            None => Ok(default),
            Some("0") => Ok(false),
            Some("1") => Ok(true),
            Some(other) => Err(BadParam(format!("{name}: {other:?} is not 0 or 1"))),
        }
    }

    /// `name` as a final (non-1xx) status code, or `default` when absent.
    pub fn status(&self, name: &str, default: StatusCode) -> Result<StatusCode, BadParam> {
        self.num::<u16>(name)?
            .map_or(Ok(default), |code| final_status(name, code))
    }

    /// `name` as a `Content-Type` value, `default` when absent; `none` means no header.
    pub fn content_type(&self, name: &str, default: &str) -> Result<Option<HeaderValue>, BadParam> {
        match self.str(name)?.unwrap_or(default) {
            "none" => Ok(None),
            text => HeaderValue::from_str(text)
                .map(Some)
                .map_err(|_| BadParam(format!("{name}: {text:?} is not a header value"))),
        }
    }

    /// The `after` parameter: `hold` (default) or `eof`.
    pub fn after(&self) -> Result<After, BadParam> {
        match self.str("after")? {
            None | Some("hold") => Ok(After::Hold),
            Some("eof") => Ok(After::Eof),
            Some(other) => Err(BadParam(format!("after: {other:?} is not hold or eof"))),
        }
    }
}

/// `code` as a status a response can end with (not 1xx); `what` names it in the error.
pub fn final_status(what: &str, code: u16) -> Result<StatusCode, BadParam> {
    StatusCode::from_u16(code)
        .ok()
        .filter(|status| !status.is_informational())
        .ok_or_else(|| BadParam(format!("{what}: {code} is not a final status code")))
}

/// Decodes `%XX` escapes and `+` to bytes; a malformed escape is kept as it is.
fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match bytes.get(i + 1..i + 3) {
            Some(&[high, low]) => hex_pair(high, low),
            _ => None,
        };
        match (bytes[i], escaped) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
                continue;
            }
            (b'+', _) => out.push(b' '),
            (byte, _) => out.push(byte),
        }
        i += 1;
    }
    out
}

/// The byte written as two hex digits, if both are hex digits.
fn hex_pair(high: u8, low: u8) -> Option<u8> {
    let digit = |c: u8| (c as char).to_digit(16);
    Some((digit(high)? * 16 + digit(low)?) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes_plus_and_raw_bytes() {
        let params = Params::parse("body=a%0Ab+c%FF%&x=1&x=2&flag");
        assert_eq!(params.bytes("body"), Some(&b"a\nb c\xFF%"[..]));
        assert_eq!(params.num::<u64>("x").unwrap(), Some(2));
        assert_eq!(params.bytes("flag"), Some(&b""[..]));
    }
}
