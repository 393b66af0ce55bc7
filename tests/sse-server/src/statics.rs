//! Static files of the project: the test pages, the wasm-bindgen output and the examples.

use std::path::Path;

use axum::Router;
use tower_http::services::ServeDir;

use crate::state::AppState;

/// `/www/*`, `/npm/*`, `/pkg/*` and `/examples/*` from the same folders under `root`.
pub fn router(root: &Path) -> Router<AppState> {
    ["www", "npm", "pkg", "examples"]
        .into_iter()
        .fold(Router::new(), |router, folder| {
            router.nest_service(&format!("/{folder}"), ServeDir::new(root.join(folder)))
        })
}
