//! `POST /webhooks/zalo`: verify, store durably, acknowledge. Turning events into tickets is the intake worker's.
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::events::NewEvent;
use super::json_text;
use super::signature;
use crate::domain::Channel;
use crate::http::body::read_limited;
use crate::http::{ApiError, AppState};

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
    let event: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::BadRequest(format!("the body is not a valid JSON Zalo event: {e}"))
    })?;
    let (Some(app_id), Some(timestamp)) = (
        event.get("app_id").and_then(json_text),
        event.get("timestamp").and_then(json_text),
    ) else {
        return Err(ApiError::BadRequest(
            "a Zalo event needs app_id and timestamp".into(),
        ));
    };
    // An event of another app fails the check like a bad signature: it is not for us.
    if app_id != zalo.app_id
        || !signature::zalo_valid(
            &header,
            &zalo.app_id,
            &body,
            &timestamp,
            &zalo.oa_secret_key,
        )
    {
        metrics::counter!("webhook_rejected_total", "channel" => "zalo", "reason" => "signature")
            .increment(1);
        return Err(ApiError::Unauthorized(
            "the X-ZEvent-Signature does not match this body",
        ));
    }
    let kind = event
        .get("event_name")
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_owned();
    let oa_id = oa_of(&event, &kind);
    if let Some(oa) = &oa_id
        && !state.served.serves_zalo(oa)
    {
        metrics::counter!("webhook_events_ignored_total", "channel" => "zalo", "reason" => "unknown_account").increment(1);
        return Ok(HttpResponse::Ok().json(serde_json::json!({"ok": true})));
    }
    let dedupe_key = dedupe_key(&event, &kind, &body);
    let raw = String::from_utf8(body.to_vec())
        .map_err(|_| ApiError::BadRequest("the body is not UTF-8".into()))?;
    state
        .events
        .store(vec![NewEvent {
            channel: Channel::Zalo,
            account: oa_id,
            dedupe_key,
            kind: kind.clone(),
            raw,
        }])
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    metrics::counter!("webhook_events_total", "channel" => "zalo", "kind" => known_kind(&kind))
        .increment(1);
    Ok(HttpResponse::Ok().json(serde_json::json!({"ok": true})))
}

/// The OA an event belongs to: the recipient of a user's message; the sender of our own echoes and of the
/// receipts of our messages (OA -> user); `oa_id` on follows.
pub fn oa_of(event: &Value, kind: &str) -> Option<String> {
    let path = if kind.starts_with("oa_send_")
        || kind == "user_received_message"
        || kind == "user_seen_message"
    {
        "/sender/id"
    } else if kind == "follow" || kind == "unfollow" {
        "/oa_id"
    } else {
        "/recipient/id"
    };
    event.pointer(path).and_then(json_text)
}

/// channels.md: event name + msg_id; follow/unfollow: + follower id + timestamp; seen: + msg_ids; else a digest.
fn dedupe_key(event: &Value, kind: &str, body: &[u8]) -> String {
    if let Some(msg_id) = event.pointer("/message/msg_id").and_then(json_text) {
        return format!("{kind}:{msg_id}");
    }
    if let Some(ids) = event.pointer("/message/msg_ids").and_then(Value::as_array) {
        let ids: Vec<String> = ids.iter().filter_map(json_text).collect();
        return format!("{kind}:{}", ids.join(","));
    }
    if let (Some(follower), Some(ts)) = (
        event.pointer("/follower/id").and_then(json_text),
        event.get("timestamp").and_then(json_text),
    ) {
        return format!("{kind}:{follower}:{ts}");
    }
    format!("{kind}:sha256:{}", hex::encode(Sha256::digest(body)))
}

/// Metric label: known kinds by name, anything else as "other" so labels stay bounded.
fn known_kind(kind: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "user_send_text",
        "user_send_image",
        "user_send_file",
        "user_send_sticker",
        "user_send_gif",
        "user_send_audio",
        "user_send_video",
        "user_send_link",
        "user_send_location",
        "follow",
        "unfollow",
        "user_submit_info",
        "user_received_message",
        "user_seen_message",
        "oa_send_text",
        "oa_send_image",
        "oa_send_file",
        "oa_send_list",
        "oa_send_gif",
        "oa_send_sticker",
    ];
    KNOWN
        .iter()
        .find(|k| **k == kind)
        .copied()
        .unwrap_or("other")
}
