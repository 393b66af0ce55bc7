//! Accepting an SSE connection: count and log it under its tag, apply armed failures.

use std::{sync::Arc, time::Duration};

use axum::{
    body::Body,
    extract::{FromRequestParts, Request, State},
    http::{
        header::{CONTENT_TYPE, RETRY_AFTER},
        request::Parts,
        HeaderValue, StatusCode,
    },
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{
    params::Params,
    state::{AppState, Tag},
};

/// Default interval of keep-alive comments on held streams.
const DEFAULT_KEEPALIVE_MS: u64 = 200;

/// The largest request body accepted (axum's default limit for a body extractor).
const MAX_BODY: usize = 2 << 20;

/// An accepted SSE connection, handed to the route handler.
#[derive(Debug, Clone)]
pub struct Conn {
    /// The tag it is counted under.
    pub tag: Arc<Tag>,
    /// Its 0-based index among the tag's connections.
    pub index: u64,
    /// Its decoded query parameters.
    pub params: Arc<Params>,
    /// Interval of keep-alive comments, `None` when disabled.
    pub keepalive: Option<Duration>,
    /// Server state, for the shutdown signal.
    pub state: AppState,
}

/// Middleware of every SSE route: counts, applies `/control/fail`, then logs the status answered
/// and the request body (read here, and handed on to the route).
pub async fn accept(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let params = Params::parse(request.uri().query().unwrap_or_default());
    let tag_name = params.str("tag").ok().flatten().unwrap_or_default();
    let tag = state.tag(tag_name);
    let mut record = state.record(request.method(), request.uri(), request.headers());
    let index = tag.accept();
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, MAX_BODY).await;
    record.body = body
        .as_ref()
        .ok()
        .filter(|bytes| !bytes.is_empty())
        .map(|bytes| String::from_utf8_lossy(bytes).into_owned());
    let response = match (
        tag.take_fail(),
        body,
        params.num_or("keepalive_ms", DEFAULT_KEEPALIVE_MS),
    ) {
        (Some(fail), _, _) => {
            let mut response = (
                fail.status,
                [(CONTENT_TYPE, "text/plain")],
                "scripted failure",
            )
                .into_response();
            let retry_after = fail
                .retry_after
                .and_then(|value| HeaderValue::try_from(value).ok());
            if let Some(value) = retry_after {
                response.headers_mut().insert(RETRY_AFTER, value);
            }
            response
        }
        (None, Err(error), _) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            [(CONTENT_TYPE, "text/plain")],
            format!("body: {error}"),
        )
            .into_response(),
        (None, Ok(_), Err(bad)) => bad.into_response(),
        (None, Ok(body), Ok(keepalive_ms)) => {
            let keepalive = (keepalive_ms > 0).then(|| Duration::from_millis(keepalive_ms));
            let conn = Conn {
                tag: tag.clone(),
                index,
                params: Arc::new(params),
                keepalive,
                state,
            };
            let mut request = Request::from_parts(parts, Body::from(body));
            request.extensions_mut().insert(conn);
            next.run(request).await
        }
    };
    record.status = response.status().as_u16();
    tag.log(record);
    response
}

impl<S: Send + Sync> FromRequestParts<S> for Conn {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // Only missing if a route was registered outside the `accept` middleware.
        parts
            .extensions
            .get::<Conn>()
            .cloned()
            .ok_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}
