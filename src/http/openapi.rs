//! The API document (OpenAPI 3.1) of `/api/v1/` and the webhooks, built from the handlers' annotations and the
//! types they answer with, served at `GET /api/v1/openapi.json`. A test holds it against the route table.
use std::sync::OnceLock;

use actix_web::HttpResponse;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{channels, inbox, tracking};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "phananh",
        description = "Citizens' feedback to commune police: the public form for apps, the tracking of a ticket, \
            the officers' inbox, and the Zalo OA and Facebook Page webhooks. Errors are always \
            `{\"error\": {\"code\", \"message\", \"fields\"?}}`."
    ),
    paths(
        channels::zalo::webhook,
        channels::facebook::verify,
        channels::facebook::webhook,
        channels::form::api::submit_json,
        tracking::track_json,
        inbox::login::login,
        inbox::login::logout,
        inbox::login::me,
        inbox::tickets::list,
        inbox::tickets::detail,
        inbox::replies::reply,
        inbox::status::change,
        inbox::notes::add,
        inbox::assign::assign,
        inbox::deadline::change,
        inbox::deadline::extension,
        inbox::merge::merge,
        inbox::public_reply::public_reply,
        inbox::corrections::route,
        inbox::corrections::classification,
        inbox::reports::routing,
        inbox::deadlines_report::deadlines,
        inbox::survey::send,
        inbox::satisfaction_report::satisfaction,
        inbox::alerts::list,
        inbox::alerts::mark_read,
        inbox::attachments::file,
        inbox::attachments::thumbnail,
        document,
    ),
    modifiers(&SessionCookie),
    tags(
        (name = "citizens", description = "No login: the form's API and the tracking of a ticket"),
        (name = "auth", description = "Officers' sessions"),
        (name = "inbox", description = "Tickets, for officers (their unit) and supervisors (the province)"),
        (name = "reports", description = "For supervisors"),
        (name = "webhooks", description = "Called by Zalo and Facebook, signed"),
    )
)]
pub struct ApiDoc;

/// The inbox's calls need the session cookie set by `POST /api/v1/auth/login`.
struct SessionCookie;

impl Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::inbox::session::COOKIE,
                "Set by POST /api/v1/auth/login; ended by logout, by auth.session_idle_minutes without a request, or after auth.session_max_hours",
            ))),
        );
    }
}

/// The document itself.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "citizens",
    responses((status = 200, description = "This document", content_type = "application/json", body = Object))
)]
pub async fn document() -> HttpResponse {
    static JSON: OnceLock<String> = OnceLock::new();
    let json = JSON.get_or_init(|| {
        ApiDoc::openapi()
            .to_pretty_json()
            .expect("the API document serialises")
    });
    HttpResponse::Ok()
        .content_type("application/json")
        .body(json.as_str())
}
