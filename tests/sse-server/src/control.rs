//! Routes that inspect or steer the scenarios: `/stats`, `/log`, `/control/*`, `/set-cookie`,
//! `/v1/token`.

use axum::{
    extract::{RawQuery, State},
    http::{header::SET_COOKIE, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::{json, Value};

use crate::{
    params::{BadParam, Params},
    state::{AppState, Fail, Record, Stats},
};

/// The parameters of a control request, and its `tag` (empty when absent).
fn params_and_tag(query: Option<String>) -> Result<(Params, String), BadParam> {
    let params = Params::parse(query.as_deref().unwrap_or_default());
    let tag = params.str("tag")?.unwrap_or_default().to_owned();
    Ok((params, tag))
}

/// `GET /stats?tag=T`: `{"open": n, "total": n}`, zeros for an unknown tag.
pub async fn stats(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<Stats>, BadParam> {
    let (_, tag) = params_and_tag(query)?;
    let stats = state
        .existing_tag(&tag)
        .map_or(Stats { open: 0, total: 0 }, |tag| tag.stats());
    Ok(Json(stats))
}

/// `GET /log?tag=T`: the tag's records in order.
pub async fn log(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<Vec<Record>>, BadParam> {
    let (_, tag) = params_and_tag(query)?;
    Ok(Json(
        state
            .existing_tag(&tag)
            .map(|tag| tag.records())
            .unwrap_or_default(),
    ))
}

/// `GET|POST /control/fail?tag=T&n=N&status=S&retry_after=R`: the next `n` connections fail.
pub async fn fail(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, BadParam> {
    let (params, tag) = params_and_tag(query)?;
    let status = params.status("status", StatusCode::SERVICE_UNAVAILABLE)?;
    let retry_after = params.str("retry_after")?.map(str::to_owned);
    if let Some(value) = &retry_after {
        HeaderValue::from_str(value)
            .map_err(|_| BadParam(format!("retry_after: {value:?} is not a header value")))?;
    }
    let remaining = params.num_or("n", 1)?;
    state.tag(&tag).arm(Fail {
        remaining,
        status,
        retry_after,
    });
    Ok(Json(json!({ "ok": true })))
}

/// `GET|POST /control/drop?tag=T`: ends every open stream of the tag; `{"dropped": n}`.
pub async fn drop(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, BadParam> {
    let (_, tag) = params_and_tag(query)?;
    let dropped = state.existing_tag(&tag).map_or(0, |tag| tag.drop_streams());
    Ok(Json(json!({ "dropped": dropped })))
}

/// `GET|POST /control/reset?tag=T`: forgets the tag's counters, log and armed controls.
pub async fn reset(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, BadParam> {
    let (_, tag) = params_and_tag(query)?;
    state.reset_tag(&tag);
    Ok(Json(json!({ "ok": true })))
}

/// `GET|POST /v1/token?tag=T`: `{"token": "t{n}"}`, a new bearer token for the tag's
/// `auth=1` requests; it replaces the one valid before.
pub async fn token(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, BadParam> {
    let (_, tag) = params_and_tag(query)?;
    Ok(Json(json!({ "token": state.tag(&tag).issue_token() })))
}

/// `GET|POST /control/expire-token?tag=T`: no token of the tag is valid until the next
/// `/v1/token`.
pub async fn expire_token(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, BadParam> {
    let (_, tag) = params_and_tag(query)?;
    if let Some(tag) = state.existing_tag(&tag) {
        tag.expire_token();
    }
    Ok(Json(json!({ "ok": true })))
}

/// `GET /set-cookie?name=N&value=V`: sets `N=V; Path=/; SameSite=Lax`.
pub async fn set_cookie(RawQuery(query): RawQuery) -> Result<Response, BadParam> {
    let params = Params::parse(query.as_deref().unwrap_or_default());
    let name = params
        .str("name")?
        .ok_or_else(|| BadParam("name: missing".to_owned()))?;
    let value = params.str("value")?.unwrap_or_default();
    let cookie = HeaderValue::from_str(&format!("{name}={value}; Path=/; SameSite=Lax"))
        .map_err(|_| BadParam("name/value: not a header value".to_owned()))?;
    Ok(([(SET_COOKIE, cookie)], Json(json!({ "ok": true }))).into_response())
}
