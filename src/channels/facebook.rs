//! `GET`/`POST /webhooks/facebook`: the verify-token handshake; verify, split into events, store durably, acknowledge.
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::Stored;

use crate::domain::Channel;
use crate::platforms::facebook::webhook::{self, Rejection};
use crate::spool::NewEvent;
use crate::web::body::read_limited;
use crate::web::{ApiError, AppState, ErrorBody};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Handshake {
    /// `subscribe`.
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    /// `facebook.verify_token`, as set in the app's webhook settings.
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    /// Echoed back when the token matches.
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

/// The subscription handshake: answers `hub.challenge` when the verify token matches.
#[utoipa::path(
    get,
    path = "/webhooks/facebook",
    tag = "webhooks",
    params(Handshake),
    responses(
        (status = 200, description = "The challenge, echoed", body = String, content_type = "text/plain"),
        (status = 400, description = "The query string is not valid", body = ErrorBody),
        (status = 403, description = "The verify token does not match", body = ErrorBody),
        (status = 503, description = "Facebook is not configured here", body = ErrorBody),
    )
)]
pub async fn verify(
    state: web::Data<AppState>,
    query: web::Query<Handshake>,
) -> Result<HttpResponse, ApiError> {
    let expected = &state.settings.facebook.verify_token;
    if expected.is_empty() {
        return Err(ApiError::Unavailable(
            "Facebook is not configured here: set facebook.verify_token",
        ));
    }
    let given = query.verify_token.as_deref().unwrap_or_default();
    let token_ok = webhook::verify_token_matches(given, expected);
    match (&query.mode, &query.challenge) {
        (Some(mode), Some(challenge)) if mode == "subscribe" && token_ok => Ok(HttpResponse::Ok()
            .content_type("text/plain")
            .body(challenge.clone())),
        _ => Err(ApiError::Forbidden("the verify token does not match")),
    }
}

/// Page events (Messenger messages and Page feed changes), signed with `X-Hub-Signature-256`: each entry's events
/// are stored before the answer; entries of Pages not served here are left out.
#[utoipa::path(
    post,
    path = "/webhooks/facebook",
    tag = "webhooks",
    params(("X-Hub-Signature-256" = String, Header, description = "sha256=HMAC-SHA256(app secret, body), hex")),
    request_body(content = Object, description = "A Page webhook: `{\"object\": \"page\", \"entry\": [...]}`", content_type = "application/json"),
    responses(
        (status = 200, description = "Stored", body = Stored),
        (status = 400, description = "Not a JSON Page webhook", body = ErrorBody),
        (status = 401, description = "Missing or wrong signature", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 503, description = "Facebook is not configured here, or the events cannot be stored right now", body = ErrorBody),
    )
)]
pub async fn webhook(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let secret = &state.settings.facebook.app_secret;
    if secret.is_empty() {
        return Err(ApiError::Unavailable(
            "Facebook is not configured here: set facebook.app_secret",
        ));
    }
    let body = read_limited(&req, payload, state.settings.server.max_body_bytes).await?;
    let header = req
        .headers()
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok())
        .ok_or(ApiError::Unauthorized("missing X-Hub-Signature-256 header"))?;
    if !webhook::signature_valid(header, secret, &body) {
        metrics::counter!("webhook_rejected_total", "channel" => "facebook", "reason" => "signature").increment(1);
        return Err(ApiError::Unauthorized(
            "the X-Hub-Signature-256 does not match this body",
        ));
    }
    let served = &state.intake.served;
    let split = webhook::split(&body, |page| served.serves_page(page)).map_err(|e| match e {
        Rejection::NotJson(e) => {
            ApiError::BadRequest(format!("the body is not a valid JSON webhook: {e}"))
        }
        Rejection::NoEntries => {
            ApiError::BadRequest("a Facebook webhook needs an entry list".into())
        }
    })?;
    for (reason, count) in [
        ("no_page", split.without_page),
        ("unknown_account", split.other_pages),
    ] {
        if count > 0 {
            metrics::counter!("webhook_events_ignored_total", "channel" => "facebook", "reason" => reason)
                .increment(count as u64);
        }
    }
    let events: Vec<NewEvent> = split
        .events
        .into_iter()
        .map(|event| {
            metrics::counter!("webhook_events_total", "channel" => "facebook", "kind" => webhook::known_kind(&event.kind)).increment(1);
            NewEvent {
                channel: Channel::Facebook,
                account: Some(event.page_id),
                dedupe_key: event.dedupe_key,
                kind: event.kind,
                raw: event.raw,
            }
        })
        .collect();
    state.intake.events.store(events).await.map_err(|e| {
        if e.unavailable {
            ApiError::Unavailable("cannot store the event right now: send it again shortly")
        } else {
            ApiError::Internal(e.into())
        }
    })?;
    Ok(Stored::response())
}
