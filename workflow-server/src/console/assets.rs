//! The console's style sheet and script, compiled into the binary: the console works
//! offline, and there is nothing to build (no Node toolchain, no CDN).

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

const CSS: &str = include_str!("assets/console.css");
const JS: &str = include_str!("assets/console.js");

/// The URL of an asset, with the version in its query so that an upgrade is never served
/// from a stale cache.
pub fn url(file: &str) -> String {
    format!("/assets/{file}?v={}", env!("CARGO_PKG_VERSION"))
}

/// `GET /assets/{file}`.
pub async fn file(Path(file): Path<String>) -> Response {
    let (body, kind) = match file.as_str() {
        "console.css" => (CSS, "text/css; charset=utf-8"),
        "console.js" => (JS, "text/javascript; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}
