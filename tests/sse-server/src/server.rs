//! The router and the serve loop.

use std::{io, path::PathBuf, time::Duration};

use axum::{
    http::{header::CACHE_CONTROL, HeaderValue},
    middleware::from_fn_with_state,
    routing::{any, get, post},
    Router,
};
use tokio::net::TcpListener;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::{bulk, chat, conn, control, cors, counter, raw, scenarios, state::AppState, statics};

/// How long streams get to finish after a shutdown signal before the server stops anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// What the server needs besides its listener.
#[derive(Debug, Clone)]
pub struct Config {
    /// Project root: `/www`, `/pkg` and `/examples` are served from its subfolders.
    pub root: PathBuf,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            root: PathBuf::from("."),
        }
    }
}

/// Serves every route on `listener` until SIGTERM or SIGINT, then ends all streams and returns.
pub async fn serve(listener: TcpListener, config: Config) -> io::Result<()> {
    let state = AppState::new();
    let app = router(&config, state.clone());
    let stopping = state.clone();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown_signal().await;
        stopping.stop_all_streams();
    });
    let mut stopped = state.stopped();
    tokio::select! {
        result = server => result,
        // Graceful shutdown waits for every connection; a client that ignores the end gets cut.
        _ = async { let _ = stopped.wait_for(|stop| *stop).await; tokio::time::sleep(SHUTDOWN_GRACE).await } => Ok(()),
    }
}

/// All routes, with CORS and `Cache-Control: no-cache` on every response.
fn router(config: &Config, state: AppState) -> Router {
    let sse = Router::new()
        .route("/", get(scenarios::seed))
        .route("/counter", get(counter::counter).post(counter::counter))
        .route("/named", get(scenarios::named))
        .route("/multiline", get(scenarios::multiline))
        .route("/retry", get(scenarios::retry))
        .route("/status/{code}", get(scenarios::status))
        .route("/wrong-content-type", get(scenarios::wrong_content_type))
        .route("/bytewise", get(scenarios::bytewise))
        .route("/endless-line", get(scenarios::endless_line))
        .route("/bulk", get(bulk::bulk))
        .route("/echo", any(scenarios::echo))
        .route("/raw", get(raw::raw))
        .route("/redirect", get(scenarios::redirect))
        .route("/soak", get(crate::hostile::soak))
        .route("/abort", get(crate::hostile::abort))
        .route("/flood", get(crate::hostile::flood))
        .route("/giant", get(crate::hostile::giant))
        .route("/market", get(crate::dashboard::market))
        .route("/v1/chat/completions", post(chat::completions))
        .route_layer(from_fn_with_state(state.clone(), conn::accept));
    let control = Router::new()
        .route("/stats", get(control::stats))
        .route("/log", get(control::log))
        .route("/set-cookie", get(control::set_cookie))
        .route("/control/fail", get(control::fail).post(control::fail))
        .route("/control/drop", get(control::drop).post(control::drop))
        .route("/control/reset", get(control::reset).post(control::reset))
        .route("/v1/token", get(control::token).post(control::token))
        .route(
            "/control/expire-token",
            get(control::expire_token).post(control::expire_token),
        );
    Router::new()
        .merge(sse)
        .merge(control)
        .merge(statics::router(&config.root))
        .with_state(state.clone())
        .layer(from_fn_with_state(state, cors::cors))
        .layer(SetResponseHeaderLayer::if_not_present(
            CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
}

/// Resolves on the first SIGTERM or SIGINT.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
