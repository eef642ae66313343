//! The route table: the contract's paths, each to the module that owns it.
use actix_web::http::{Method, header};
use actix_web::{HttpRequest, HttpResponse, Route, web};
use subtle::ConstantTimeEq;

use super::openapi;
use crate::config::Settings;
use crate::inbox::pages;
use crate::web::{ApiError, AppState, client_ip};
use crate::{channels, inbox, survey, tracking};

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
    for (_, path, route) in table() {
        cfg.route(path, route);
    }
    cfg.default_service(web::to(not_found));
}

/// Every path the service answers besides the Zalo domain check (which is a setting): method, path, handler.
/// `paths()` reads the same table, so the API document is held against what is really routed.
fn table() -> Vec<(Method, &'static str, Route)> {
    let at = |method: Method, path: &'static str, route: fn(Route) -> Route| {
        (method.clone(), path, route(web::method(method)))
    };
    vec![
        at(Method::POST, "/webhooks/zalo", |r| {
            r.to(channels::zalo::webhook)
        }),
        at(Method::GET, "/webhooks/facebook", |r| {
            r.to(channels::facebook::verify)
        }),
        at(Method::POST, "/webhooks/facebook", |r| {
            r.to(channels::facebook::webhook)
        }),
        at(Method::GET, "/healthz", |r| r.to(healthz)),
        at(Method::GET, "/readyz", |r| r.to(readyz)),
        at(Method::GET, "/metrics", |r| r.to(metrics)),
        at(Method::GET, "/assets/{name}", |r| r.to(asset)),
        at(Method::GET, "/", |r| r.to(channels::form::show_form)),
        at(Method::POST, "/feedback", |r| {
            r.to(channels::form::submit_form)
        }),
        at(Method::POST, "/api/v1/feedback", |r| {
            r.to(channels::form::submit_json)
        }),
        at(Method::GET, "/track/{code}", |r| r.to(tracking::track_page)),
        at(Method::GET, "/api/v1/track/{code}", |r| {
            r.to(tracking::track_json)
        }),
        at(Method::POST, "/api/v1/auth/login", |r| {
            r.to(inbox::login::login)
        }),
        at(Method::POST, "/api/v1/auth/logout", |r| {
            r.to(inbox::login::logout)
        }),
        at(Method::GET, "/api/v1/auth/me", |r| r.to(inbox::login::me)),
        at(Method::GET, "/api/v1/tickets", |r| {
            r.to(inbox::tickets::list)
        }),
        at(Method::GET, "/api/v1/tickets/{id}", |r| {
            r.to(inbox::tickets::detail)
        }),
        at(Method::POST, "/api/v1/tickets/{id}/replies", |r| {
            r.to(inbox::replies::reply)
        }),
        at(Method::POST, "/api/v1/tickets/{id}/status", |r| {
            r.to(inbox::status::change)
        }),
        at(Method::POST, "/api/v1/tickets/{id}/notes", |r| {
            r.to(inbox::notes::add)
        }),
        at(Method::POST, "/api/v1/tickets/{id}/assign", |r| {
            r.to(inbox::assign::assign)
        }),
        at(Method::POST, "/api/v1/tickets/{id}/public-reply", |r| {
            r.to(inbox::public_reply::public_reply)
        }),
        at(Method::POST, "/api/v1/tickets/{id}/deadline", |r| {
            r.to(inbox::deadline::change)
        }),
        at(Method::POST, "/api/v1/tickets/{id}/extension", |r| {
            r.to(inbox::deadline::extension)
        }),
        at(Method::POST, "/api/v1/tickets/{id}/merge", |r| {
            r.to(inbox::merge::merge)
        }),
        at(Method::POST, "/api/v1/tickets/{id}/route", |r| {
            r.to(inbox::corrections::route)
        }),
        at(Method::POST, "/api/v1/tickets/{id}/classification", |r| {
            r.to(inbox::corrections::classification)
        }),
        at(Method::GET, "/api/v1/attachments/{id}", |r| {
            r.to(inbox::attachments::file)
        }),
        at(Method::GET, "/api/v1/attachments/{id}/thumbnail", |r| {
            r.to(inbox::attachments::thumbnail)
        }),
        at(Method::GET, "/api/v1/reports/routing", |r| {
            r.to(inbox::reports::routing)
        }),
        at(Method::GET, "/api/v1/reports/satisfaction", |r| {
            r.to(inbox::satisfaction_report::satisfaction)
        }),
        at(Method::GET, "/api/v1/reports/deadlines", |r| {
            r.to(inbox::deadlines_report::deadlines)
        }),
        at(Method::POST, "/api/v1/tickets/{id}/survey", |r| {
            r.to(inbox::survey::send)
        }),
        at(Method::GET, "/api/v1/alerts", |r| r.to(inbox::alerts::list)),
        at(Method::POST, "/api/v1/alerts/{id}/read", |r| {
            r.to(inbox::alerts::mark_read)
        }),
        // The citizens' survey pages and the desk's poster (HTML and SVG; not in the API document).
        at(Method::GET, "/survey/unit/{code}", |r| {
            r.to(survey::desk::show)
        }),
        at(Method::POST, "/survey/unit/{code}", |r| {
            r.to(survey::desk::submit)
        }),
        at(Method::GET, "/survey/{token}", |r| {
            r.to(survey::ticket::show)
        }),
        at(Method::POST, "/survey/{token}", |r| {
            r.to(survey::ticket::submit)
        }),
        at(Method::GET, "/transparency", |r| {
            r.to(survey::transparency::page)
        }),
        at(Method::GET, "/units/{code}/poster.svg", |r| {
            r.to(survey::poster::poster)
        }),
        at(Method::GET, "/api/v1/openapi.json", |r| {
            r.to(openapi::document)
        }),
        // The inbox's pages (HTML; not in the API document).
        at(Method::GET, "/login", |r| r.to(pages::login::show)),
        at(Method::POST, "/login", |r| r.to(pages::login::submit)),
        at(Method::POST, "/logout", |r| r.to(pages::login::logout)),
        at(Method::GET, "/inbox", |r| r.to(pages::queue::show)),
        at(Method::GET, "/inbox/tickets/{id}", |r| {
            r.to(pages::ticket::show)
        }),
        at(Method::POST, "/inbox/tickets/{id}/reply", |r| {
            r.to(pages::ticket::reply)
        }),
        at(Method::POST, "/inbox/tickets/{id}/note", |r| {
            r.to(pages::ticket::note)
        }),
        at(Method::POST, "/inbox/tickets/{id}/assign", |r| {
            r.to(pages::ticket::assign)
        }),
        at(Method::POST, "/inbox/tickets/{id}/status", |r| {
            r.to(pages::ticket::status)
        }),
        at(Method::POST, "/inbox/tickets/{id}/route", |r| {
            r.to(pages::ticket::route)
        }),
        at(Method::GET, "/inbox/officers", |r| {
            r.to(pages::admin::officers_page)
        }),
        at(Method::POST, "/inbox/officers", |r| {
            r.to(pages::admin::officers_submit)
        }),
        at(Method::GET, "/inbox/canned", |r| {
            r.to(pages::admin::canned_page)
        }),
        at(Method::POST, "/inbox/canned", |r| {
            r.to(pages::admin::canned_submit)
        }),
        at(Method::GET, "/inbox/audit", |r| {
            r.to(pages::admin::audit_page)
        }),
        at(Method::GET, "/reports", |r| r.to(pages::reports::show)),
        at(Method::GET, "/inbox/alerts", |r| r.to(pages::alerts::show)),
        at(Method::POST, "/inbox/alerts/{id}/read", |r| {
            r.to(pages::alerts::mark_read)
        }),
        at(Method::POST, "/inbox/tickets/{id}/survey", |r| {
            r.to(pages::ticket::survey)
        }),
        at(Method::POST, "/inbox/tickets/{id}/deadline", |r| {
            r.to(pages::ticket::deadline)
        }),
        at(Method::POST, "/inbox/tickets/{id}/public-reply", |r| {
            r.to(pages::ticket::public_reply)
        }),
        at(Method::POST, "/inbox/tickets/{id}/merge", |r| {
            r.to(pages::ticket::merge)
        }),
    ]
}

/// The routed methods and paths, as the route table holds them.
pub fn paths() -> Vec<(Method, &'static str)> {
    table()
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect()
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
    (
        "inbox.css",
        "text/css; charset=utf-8",
        include_str!("../../assets/inbox.css"),
    ),
    (
        "inbox.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/inbox.js"),
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
