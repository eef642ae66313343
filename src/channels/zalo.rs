//! `POST /webhooks/zalo`: verify, store durably, acknowledge. Turning events into tickets is the intake worker's.
use super::Stored;
use crate::domain::Channel;
use crate::platforms::zalo::webhook::{self, Rejection};
use crate::spool::NewEvent;
use crate::web::body::read_limited;
use crate::web::{ApiError, AppState, ErrorBody};
use actix_web::{HttpRequest, HttpResponse, web};

/// Zalo OA events (`user_send_text`, `follow`, ...), signed with `X-ZEvent-Signature`: stored before the answer.
/// Events for an OA not served here are answered 200 and not kept.
#[utoipa::path(
    post,
    path = "/webhooks/zalo",
    tag = "webhooks",
    params(("X-ZEvent-Signature" = String, Header,
        description = "mac=sha256(app_id + body + timestamp + OA secret key), hex")),
    request_body(content = Object, description = "A Zalo OA event", content_type = "application/json"),
    responses(
        (status = 200, description = "Stored (or not ours)", body = Stored),
        (status = 400, description = "Not a JSON Zalo event, or not UTF-8", body = ErrorBody),
        (status = 401, description = "Missing or wrong signature", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 503, description = "Zalo is not configured here, or the event cannot be stored right now", body = ErrorBody),
    )
)]
pub async fn webhook(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let zalo = &state.settings.zalo;
    if zalo.app_id.is_empty() || zalo.oa_secret_key.is_empty() {
        return Err(ApiError::Unavailable(
            "Zalo is not configured here: set zalo.app_id and zalo.oa_secret_key",
        ));
    }
    // An unconfigured channel answers 503 without reading the body.
    let body = read_limited(&req, payload, state.settings.server.max_body_bytes).await?;
    let header = req
        .headers()
        .get("x-zevent-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or(ApiError::Unauthorized("missing X-ZEvent-Signature header"))?
        .to_owned();
    let envelope = webhook::verify(&body, &header, &zalo.app_id, &zalo.oa_secret_key).map_err(
        |rejection| match rejection {
            Rejection::NotJson(e) => {
                ApiError::BadRequest(format!("the body is not a valid JSON Zalo event: {e}"))
            }
            Rejection::MissingFields => {
                ApiError::BadRequest("a Zalo event needs app_id and timestamp".into())
            }
            Rejection::BadSignature => {
                metrics::counter!("webhook_rejected_total", "channel" => "zalo", "reason" => "signature")
                    .increment(1);
                ApiError::Unauthorized("the X-ZEvent-Signature does not match this body")
            }
        },
    )?;
    if let Some(oa) = &envelope.oa_id
        && !state.intake.served.serves_zalo(oa)
    {
        metrics::counter!("webhook_events_ignored_total", "channel" => "zalo", "reason" => "unknown_account").increment(1);
        return Ok(Stored::response());
    }
    let raw = String::from_utf8(body.to_vec())
        .map_err(|_| ApiError::BadRequest("the body is not UTF-8".into()))?;
    state
        .intake
        .events
        .store(vec![NewEvent {
            channel: Channel::Zalo,
            account: envelope.oa_id,
            dedupe_key: envelope.dedupe_key,
            kind: envelope.kind.clone(),
            raw,
        }])
        .await
        .map_err(|e| {
            if e.unavailable {
                ApiError::Unavailable("cannot store the event right now: send it again shortly")
            } else {
                ApiError::Internal(e.into())
            }
        })?;
    metrics::counter!("webhook_events_total", "channel" => "zalo", "kind" => webhook::known_kind(&envelope.kind))
        .increment(1);
    Ok(Stored::response())
}
