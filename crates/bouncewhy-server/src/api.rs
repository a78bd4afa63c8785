//! The JSON API and the routing table of the whole service.

use crate::{page, AppState, Config};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use bouncewhy::{Diagnosis, Reason};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

/// The page may load only its own script, style and API: no inline code, no other origins.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; form-action 'none'; base-uri 'none'; \
     frame-ancestors 'none'";

/// The hand-written OpenAPI document; a test holds it to the routing table.
const OPENAPI: &str = include_str!("openapi.json");

/// The documented routes: (method, path). The router is built from this table.
fn api_routes() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    vec![
        (Method::GET, "/healthz", get(healthz)),
        (Method::GET, "/api/v1/openapi.json", get(openapi)),
        (Method::GET, "/api/v1/languages", get(languages)),
        (Method::GET, "/api/v1/reasons", get(reasons)),
        (Method::POST, "/api/v1/explain", post(explain)),
        (Method::POST, "/api/v1/decode", post(decode)),
    ]
}

/// The documented routes as (method, path), for checking the OpenAPI document.
pub fn documented_routes() -> Vec<(String, String)> {
    api_routes()
        .into_iter()
        .map(|(method, path, _)| (method.to_string(), path.to_string()))
        .collect()
}

/// The service: routes plus the protective layers.
pub fn router(state: AppState) -> Router {
    let config = state.config.clone();
    let mut router = Router::new();
    for (_, path, handler) in api_routes() {
        router = router.route(path, handler);
    }
    for (path, handler) in page::routes() {
        router = router.route(path, handler);
    }
    protect(router.fallback(not_found).with_state(state), &config)
}

/// Wraps a router in the protective layers: body limit, timeout,
/// security headers, panic catching and request logs.
fn protect(router: Router, config: &Config) -> Router {
    router
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
}

/// An error answer: `{"error": message}` with a status.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        #[derive(Serialize)]
        struct Body {
            error: String,
        }
        (
            self.status,
            Json(Body {
                error: self.message,
            }),
        )
            .into_response()
    }
}

impl From<bouncewhy::Error> for ApiError {
    fn from(error: bouncewhy::Error) -> Self {
        let status = match &error {
            bouncewhy::Error::EmptyInput => StatusCode::BAD_REQUEST,
            bouncewhy::Error::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            bouncewhy::Error::Binary { .. } | bouncewhy::Error::Malformed(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            bouncewhy::Error::Pack { .. } | bouncewhy::Error::Rule { .. } => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        ApiError::new(status, error.to_string())
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        let status = rejection.status();
        let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "the request body is over the size limit".to_string()
        } else {
            format!("cannot read the request body: {}", rejection.body_text())
        };
        ApiError::new(status, message)
    }
}

/// A panic inside a handler becomes a 500 with a plain message (no internals leak).
fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error while answering this request",
    )
    .into_response()
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!("no such resource: {}", uri.path()),
    )
}

/// `?lang=` on any endpoint.
#[derive(Debug, Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// What `explain` and `decode` answer.
#[derive(Debug, Serialize)]
struct Answer {
    /// The language the explanations are in.
    lang: String,
    /// The language asked for with `lang`, when one was.
    requested_lang: Option<String>,
    /// One Diagnosis per recipient.
    diagnoses: Vec<Diagnosis>,
    /// Said when the list is empty: why.
    note: Option<String>,
}

/// The language for this request, and the explicit request if any.
fn pick_language(
    state: &AppState,
    requested: Option<&str>,
    headers: &HeaderMap,
) -> (String, Option<String>) {
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let knowledge = state.engine.knowledge();
    let lang = requested
        .and_then(|tag| knowledge.resolve_language(tag))
        .or_else(|| accept.and_then(|list| knowledge.negotiate(list)))
        .unwrap_or("en");
    (lang.to_string(), requested.map(str::to_string))
}

fn answer_response(state: &AppState, answer: Answer) -> Response {
    let mut answer = answer;
    if answer.diagnoses.is_empty() && answer.note.is_none() {
        let label = state.engine.knowledge().label(&answer.lang, "not_a_bounce");
        answer.note = Some(label.to_string());
    }
    let content_language = HeaderValue::from_str(&answer.lang).ok();
    let mut response = Json(answer).into_response();
    if let Some(value) = content_language {
        response
            .headers_mut()
            .insert(header::CONTENT_LANGUAGE, value);
    }
    response
}

/// Runs engine work on the blocking pool once one of the engine slots is free
/// (the concurrency limit); a panic there becomes a 500.
async fn blocking<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce() -> Result<T, bouncewhy::Error> + Send + 'static,
) -> Result<T, ApiError> {
    let _slot = state.engine_slots.acquire().await.map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is shutting down",
        )
    })?;
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result.map_err(ApiError::from),
        Err(error) => {
            tracing::error!(%error, "engine work failed");
            Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error while answering this request",
            ))
        }
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    content_type(headers).is_some_and(|ct| ct == "application/json" || ct.ends_with("+json"))
}

/// The media type of the request, lower-cased, without parameters.
fn content_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
}

fn lang_query(
    query: Result<Query<LangQuery>, axum::extract::rejection::QueryRejection>,
) -> Option<String> {
    query.ok().and_then(|Query(q)| q.lang)
}

/// The JSON body of `explain`.
#[derive(Debug, Deserialize)]
struct ExplainRequest {
    text: String,
    lang: Option<String>,
}

/// `POST /api/v1/explain`: a pasted error, log line or whole bounce (text or JSON).
async fn explain(
    State(state): State<AppState>,
    query: Result<Query<LangQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body?;
    let mut requested = lang_query(query);
    let text = if is_json(&headers) {
        let request: ExplainRequest = serde_json::from_slice(&body).map_err(|error| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("the body is not valid JSON of the form {{\"text\": \"...\", \"lang\": \"...\"}}: {error}"),
            )
        })?;
        if request.lang.is_some() {
            requested = request.lang;
        }
        request.text
    } else {
        String::from_utf8_lossy(&body).into_owned()
    };
    answer(&state, requested, &headers, move |engine, lang| {
        engine.explain_any(&text, lang)
    })
    .await
}

/// `POST /api/v1/decode`: a raw bounce email, as the body or as a multipart upload.
async fn decode(
    State(state): State<AppState>,
    query: Result<Query<LangQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, ApiError> {
    let requested = lang_query(query);
    let (message, source) = if content_type(&headers).as_deref() == Some("multipart/form-data") {
        uploaded_message(
            Multipart::from_request(request, &state)
                .await
                .map_err(|r| {
                    ApiError::new(
                        r.status(),
                        format!("cannot read the upload: {}", r.body_text()),
                    )
                })?,
        )
        .await?
    } else {
        let body = Bytes::from_request(request, &state).await?;
        (body, "body".to_string())
    };
    if message.iter().all(u8::is_ascii_whitespace) {
        return Err(bouncewhy::Error::EmptyInput.into());
    }
    answer(&state, requested, &headers, move |engine, lang| {
        let mut diagnoses = engine.decode(&message, lang)?;
        for diagnosis in &mut diagnoses {
            diagnosis.source = Some(source.clone());
        }
        Ok(diagnoses)
    })
    .await
}

/// Picks the request's language, runs `work` with the engine in it (off the
/// async threads, within the concurrency limit) and answers with its diagnoses.
async fn answer(
    state: &AppState,
    requested: Option<String>,
    headers: &HeaderMap,
    work: impl FnOnce(&bouncewhy::Engine, &str) -> Result<Vec<Diagnosis>, bouncewhy::Error>
        + Send
        + 'static,
) -> Result<Response, ApiError> {
    let (lang, requested) = pick_language(state, requested.as_deref(), headers);
    let engine = state.engine.clone();
    let work_lang = lang.clone();
    let diagnoses = blocking(state, move || work(&engine, &work_lang)).await?;
    Ok(answer_response(
        state,
        Answer {
            lang,
            requested_lang: requested,
            diagnoses,
            note: None,
        },
    ))
}

/// The first file of a multipart upload (or the first field when none is a file), and its name.
async fn uploaded_message(mut multipart: Multipart) -> Result<(Bytes, String), ApiError> {
    let mut first_field: Option<(Bytes, String)> = None;
    loop {
        let field = multipart.next_field().await.map_err(|e| {
            ApiError::new(
                e.status(),
                format!("cannot read the upload: {}", e.body_text()),
            )
        })?;
        let Some(field) = field else { break };
        let file_name = field.file_name().map(str::to_string);
        let field_name = field.name().unwrap_or("upload").to_string();
        let bytes = field.bytes().await.map_err(|e| {
            ApiError::new(
                e.status(),
                format!("cannot read the upload: {}", e.body_text()),
            )
        })?;
        if let Some(name) = file_name {
            return Ok((bytes, name));
        }
        first_field.get_or_insert((bytes, field_name));
    }
    first_field.ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "the upload has no file: send the message as a form field (e.g. `file`)",
        )
    })
}

/// One reason in the taxonomy, explained in one language.
#[derive(Debug, Serialize)]
struct ReasonEntry {
    reason: Reason,
    title: String,
    category: bouncewhy::Category,
    who_acts: bouncewhy::WhoActs,
    permanent: bool,
    summary: Arc<str>,
    detail: Arc<str>,
    fix: Arc<[Arc<str>]>,
}

/// What `reasons` answers.
#[derive(Debug, Serialize)]
struct ReasonsAnswer {
    lang: String,
    requested_lang: Option<String>,
    labels: BTreeMap<String, String>,
    reasons: Vec<ReasonEntry>,
}

/// `GET /api/v1/reasons`: every reason with its defaults and texts, plus the interface labels.
async fn reasons(
    State(state): State<AppState>,
    query: Result<Query<LangQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let requested = lang_query(query);
    let (lang, requested) = pick_language(&state, requested.as_deref(), &headers);
    let knowledge = state.engine.knowledge();
    let mut labels = knowledge
        .texts("en")
        .map(|t| t.labels.clone())
        .unwrap_or_default();
    if let Some(texts) = knowledge.texts(&lang) {
        labels.extend(texts.labels.clone());
    }
    let reasons = Reason::ALL
        .iter()
        .map(|&reason| {
            let defaults = knowledge.defaults(reason);
            let explanation = knowledge.explain(&lang, reason, None, Vec::new());
            ReasonEntry {
                reason,
                title: knowledge
                    .label(&lang, &format!("reason_{}", reason.as_str()))
                    .to_string(),
                category: defaults.category,
                who_acts: defaults.who_acts,
                permanent: defaults.permanent,
                summary: explanation.summary,
                detail: explanation.detail,
                fix: explanation.fix,
            }
        })
        .collect();
    let content_language = HeaderValue::from_str(&lang).ok();
    let mut response = Json(ReasonsAnswer {
        lang,
        requested_lang: requested,
        labels,
        reasons,
    })
    .into_response();
    if let Some(value) = content_language {
        response
            .headers_mut()
            .insert(header::CONTENT_LANGUAGE, value);
    }
    response
}

/// What `languages` answers.
#[derive(Debug, Serialize)]
struct LanguagesAnswer {
    languages: Vec<String>,
    preferred: String,
}

/// `GET /api/v1/languages`: the languages with texts, and the one `Accept-Language` picks.
async fn languages(State(state): State<AppState>, headers: HeaderMap) -> Json<LanguagesAnswer> {
    let mut languages: Vec<String> = state
        .engine
        .knowledge()
        .languages()
        .map(str::to_string)
        .collect();
    languages.sort();
    let (preferred, _) = pick_language(&state, None, &headers);
    Json(LanguagesAnswer {
        languages,
        preferred,
    })
}

/// `GET /healthz`: the process is up and can answer.
async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

/// `GET /api/v1/openapi.json`.
async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_panicking_handler_becomes_a_500_with_a_json_error() {
        let router: Router = Router::new().route(
            "/boom",
            get(|| async {
                if std::hint::black_box(true) {
                    panic!("deliberate");
                }
                "unreachable"
            }),
        );
        let response = protect(router, &Config::default())
            .oneshot(
                Request::builder()
                    .uri("/boom")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("infallible");
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .expect("body");
        let json: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert!(json["error"]
            .as_str()
            .is_some_and(|e| e.contains("internal error")));
    }
}
