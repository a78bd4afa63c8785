//! The web page: HTML, script and style compiled into the binary (no CDN, works offline).

use crate::AppState;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, MethodRouter};

const INDEX_HTML: &str = include_str!("../assets/index.html");
const APP_JS: &str = include_str!("../assets/app.js");
const APP_CSS: &str = include_str!("../assets/app.css");
const ICON_SVG: &str = include_str!("../assets/icon.svg");

/// The page's routes: (path, handler).
pub fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/", get(|| asset("text/html; charset=utf-8", INDEX_HTML))),
        (
            "/assets/app.js",
            get(|| asset("text/javascript; charset=utf-8", APP_JS)),
        ),
        (
            "/assets/app.css",
            get(|| asset("text/css; charset=utf-8", APP_CSS)),
        ),
        ("/favicon.ico", get(|| asset("image/svg+xml", ICON_SVG))),
    ]
}

async fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}
