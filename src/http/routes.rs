//! The route table: the contract's paths, each to the module that owns it.
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use subtle::ConstantTimeEq;

use crate::config::Settings;
use crate::web::{ApiError, AppState, client_ip};
use crate::{channels, inbox, tracking};

pub fn routes(cfg: &mut web::ServiceConfig, settings: &Settings) {
    let zalo = &settings.zalo;
    if !zalo.verification_path.trim_matches('/').is_empty() && !zalo.verification_body.is_empty() {
        let body = zalo.verification_body.clone();
        let content_type = if body.trim_start().starts_with('<') {
            "text/html; charset=utf-8"
        } else {
            "text/plain; charset=utf-8"
        };
        cfg.route(
            &format!("/{}", zalo.verification_path.trim_matches('/')),
            web::get().to(move || {
                let body = body.clone();
                async move { HttpResponse::Ok().content_type(content_type).body(body) }
            }),
        );
    }
    cfg.route("/webhooks/zalo", web::post().to(channels::zalo::webhook))
        .route(
            "/webhooks/facebook",
            web::get().to(channels::facebook::verify),
        )
        .route(
            "/webhooks/facebook",
            web::post().to(channels::facebook::webhook),
        )
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics))
        .route("/assets/{name}", web::get().to(asset))
        .route("/", web::get().to(channels::form::show_form))
        .route("/feedback", web::post().to(channels::form::submit_form))
        .route(
            "/api/v1/feedback",
            web::post().to(channels::form::submit_json),
        )
        .route("/track/{code}", web::get().to(tracking::track_page))
        .route("/api/v1/track/{code}", web::get().to(tracking::track_json))
        .route("/api/v1/auth/login", web::post().to(inbox::login::login))
        .route("/api/v1/auth/logout", web::post().to(inbox::login::logout))
        .route("/api/v1/auth/me", web::get().to(inbox::login::me))
        .route("/api/v1/tickets", web::get().to(inbox::tickets::list))
        .route(
            "/api/v1/tickets/{id}",
            web::get().to(inbox::tickets::detail),
        )
        .route(
            "/api/v1/tickets/{id}/route",
            web::post().to(inbox::corrections::route),
        )
        .route(
            "/api/v1/tickets/{id}/classification",
            web::post().to(inbox::corrections::classification),
        )
        .route(
            "/api/v1/reports/routing",
            web::get().to(inbox::reports::routing),
        )
        .default_service(web::to(not_found));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if state.db.ping().await {
        Ok(HttpResponse::Ok().content_type("text/plain").body("ready"))
    } else {
        Err(ApiError::Unavailable("the database does not answer"))
    }
}

/// Counts are operators' business: loopback clients only, or a bearer token (`metrics.token`).
async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let token = state.settings.metrics.token.trim();
    let allowed = if token.is_empty() {
        client_ip(&req, &state.settings.server.trusted_proxies).is_some_and(|ip| ip.is_loopback())
    } else {
        let sent = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        bool::from(sent.as_bytes().ct_eq(token.as_bytes()))
    };
    if !allowed {
        return Err(ApiError::Forbidden(
            "metrics are for operators: read them from the machine itself or with metrics.token",
        ));
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render()))
}

const ASSETS: &[(&str, &str, &str)] = &[
    (
        "site.css",
        "text/css; charset=utf-8",
        include_str!("../../assets/site.css"),
    ),
    (
        "form.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/form.js"),
    ),
];

async fn asset(name: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let (_, content_type, body) = ASSETS
        .iter()
        .find(|(n, _, _)| *n == name.as_str())
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(*content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(*body))
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}
