//! Cross-cutting request handling: body limits with JSON errors, security headers, a span and metrics per request.
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PayloadError, UrlencodedError};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use tracing::Instrument;

use crate::web::{ApiError, AppState};

pub fn payload_config(limit: usize) -> web::PayloadConfig {
    web::PayloadConfig::new(limit)
}

/// A path segment that does not parse (a ticket id that is not a number) names nothing: a JSON 404.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_, _| ApiError::NotFound.into())
}

/// A query string that does not parse (`page=abc`): a JSON 400 saying which.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _| {
        ApiError::BadRequest(format!("the query string is not valid: {err}")).into()
    })
}

pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(move |err, _req| {
            let api = match &err {
                JsonPayloadError::Overflow { .. }
                | JsonPayloadError::OverflowKnownLength { .. } => {
                    ApiError::PayloadTooLarge { limit }
                }
                JsonPayloadError::Payload(PayloadError::Overflow) => {
                    ApiError::PayloadTooLarge { limit }
                }
                JsonPayloadError::ContentType => {
                    ApiError::UnsupportedMediaType("send the body as application/json")
                }
                JsonPayloadError::Deserialize(e) if e.is_data() => ApiError::BadRequest(format!(
                    "the JSON body has a field of the wrong type: {e}"
                )),
                JsonPayloadError::Deserialize(e) => {
                    ApiError::BadRequest(format!("the body is not valid JSON: {e}"))
                }
                other => ApiError::BadRequest(format!("cannot read the request body: {other}")),
            };
            api.into()
        })
}

pub fn form_config(limit: usize) -> web::FormConfig {
    web::FormConfig::default()
        .limit(limit)
        .error_handler(move |err, _req| {
            let api = match &err {
                UrlencodedError::Overflow { .. }
                | UrlencodedError::Payload(PayloadError::Overflow) => {
                    ApiError::PayloadTooLarge { limit }
                }
                UrlencodedError::ContentType => ApiError::UnsupportedMediaType(
                    "send the form as application/x-www-form-urlencoded",
                ),
                other => ApiError::BadRequest(format!("cannot read the form: {other}")),
            };
            api.into()
        })
}

/// Pages must not be framed, sniffed, or leak the tracking code to other sites through the referrer; nothing
/// but the static assets is kept by a browser or a shared cache (tracking pages, officers' data, forms with
/// their CSRF token); over https, browsers are told to come back only over https.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let https = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| state.settings.server.public_url.starts_with("https://"));
    let mut res = next.call(req).await?;
    let cacheable = res.request().path().starts_with("/assets/");
    let headers = res.headers_mut();
    if !cacheable && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
        ),
    ] {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    Ok(res)
}

/// One span per request, labelled by route pattern (never the path: it can hold tracking codes or tokens),
/// and request counts and latency by route and status.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    let span = tracing::info_span!(
        "request",
        method,
        route = tracing::field::Empty,
        status = tracing::field::Empty
    );
    let res = next.call(req).instrument(span.clone()).await?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = res.status().as_u16();
    span.record("route", route.as_str());
    span.record("status", status);
    let elapsed = started.elapsed();
    metrics::counter!("http_requests_total", "route" => route.clone(), "method" => method, "status" => status.to_string())
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "route" => route)
        .record(elapsed.as_secs_f64());
    tracing::debug!(parent: &span, elapsed_ms = elapsed.as_millis() as u64, "request done");
    Ok(res)
}

/// A label from a fixed set: the method is whatever the client sent (any token up to the header limit), and
/// every distinct label value is a series kept in memory for good.
fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}
