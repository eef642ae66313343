//! `GET`/`POST /webhooks/facebook`: the verify-token handshake; verify, split into events, store durably, acknowledge.
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::events::NewEvent;
use super::json_text;
use super::signature;
use crate::domain::Channel;
use crate::http::body::read_limited;
use crate::http::{ApiError, AppState};

#[derive(Deserialize)]
pub struct Handshake {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

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
    let token_ok = bool::from(given.as_bytes().ct_eq(expected.as_bytes()));
    match (&query.mode, &query.challenge) {
        (Some(mode), Some(challenge)) if mode == "subscribe" && token_ok => Ok(HttpResponse::Ok()
            .content_type("text/plain")
            .body(challenge.clone())),
        _ => Err(ApiError::Forbidden("the verify token does not match")),
    }
}

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
    if !signature::facebook_valid(header, secret, &body) {
        metrics::counter!("webhook_rejected_total", "channel" => "facebook", "reason" => "signature").increment(1);
        return Err(ApiError::Unauthorized(
            "the X-Hub-Signature-256 does not match this body",
        ));
    }
    let payload: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("the body is not a valid JSON webhook: {e}")))?;
    let entries = payload
        .get("entry")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::BadRequest("a Facebook webhook needs an entry list".into()))?;
    let mut events = Vec::new();
    for entry in entries {
        let Some(page_id) = entry.get("id").and_then(json_text) else {
            metrics::counter!("webhook_events_ignored_total", "channel" => "facebook", "reason" => "no_page").increment(1);
            continue;
        };
        if !state.served.serves_page(&page_id) {
            metrics::counter!("webhook_events_ignored_total", "channel" => "facebook", "reason" => "unknown_account").increment(1);
            continue;
        }
        events.extend(split_entry(&page_id, entry));
    }
    for event in &events {
        metrics::counter!("webhook_events_total", "channel" => "facebook", "kind" => bounded_kind(&event.kind)).increment(1);
    }
    state
        .events
        .store(events)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(HttpResponse::Ok().json(json!({"ok": true})))
}

/// Every messaging event and every change of an entry is an event of its own, stored with its entry's page and time.
fn split_entry(page_id: &str, entry: &Value) -> Vec<NewEvent> {
    let time = entry.get("time").cloned().unwrap_or(Value::Null);
    let mut out = Vec::new();
    let messaging = ["messaging", "standby"]
        .iter()
        .filter_map(|key| entry.get(*key).and_then(Value::as_array))
        .flatten();
    for event in messaging {
        let kind = messaging_kind(event);
        let key = messaging_key(&kind, event);
        out.push(NewEvent {
            channel: Channel::Facebook,
            account: Some(page_id.to_owned()),
            dedupe_key: key,
            raw: json!({"page_id": page_id, "time": time, "messaging": event}).to_string(),
            kind,
        });
    }
    for change in entry
        .get("changes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let value = change.get("value").unwrap_or(&Value::Null);
        let field = change
            .get("field")
            .and_then(Value::as_str)
            .unwrap_or("unknown");
        let item = value
            .get("item")
            .and_then(Value::as_str)
            .unwrap_or("unknown");
        let verb = value
            .get("verb")
            .and_then(Value::as_str)
            .unwrap_or("unknown");
        let kind = format!("{field}_{item}_{verb}");
        let created = value
            .get("created_time")
            .and_then(json_text)
            .unwrap_or_default();
        let key = match value.get("comment_id").and_then(json_text) {
            Some(comment) if item == "comment" => format!("comment:{comment}:{verb}:{created}"),
            _ => {
                let target = value.get("post_id").and_then(json_text).unwrap_or_default();
                if target.is_empty() {
                    format!(
                        "{kind}:sha256:{}",
                        hex::encode(Sha256::digest(change.to_string()))
                    )
                } else {
                    format!("{kind}:{target}:{created}")
                }
            }
        };
        out.push(NewEvent {
            channel: Channel::Facebook,
            account: Some(page_id.to_owned()),
            dedupe_key: key,
            raw: json!({"page_id": page_id, "time": time, "change": change}).to_string(),
            kind,
        });
    }
    out
}

fn messaging_kind(event: &Value) -> String {
    if let Some(message) = event.get("message") {
        return if message.get("is_echo").and_then(Value::as_bool) == Some(true) {
            "message_echo".into()
        } else {
            "message".into()
        };
    }
    for kind in [
        "postback",
        "delivery",
        "read",
        "reaction",
        "referral",
        "optin",
        "account_linking",
    ] {
        if event.get(kind).is_some() {
            return kind.into();
        }
    }
    "unknown".into()
}

/// channels.md: kind + mid; postbacks without mid: sender + timestamp + payload; receipts: sender + watermark.
fn messaging_key(kind: &str, event: &Value) -> String {
    let sender = event
        .pointer("/sender/id")
        .and_then(json_text)
        .unwrap_or_default();
    let mid = event
        .pointer("/message/mid")
        .or_else(|| event.pointer("/postback/mid"))
        .or_else(|| event.pointer("/reaction/mid"))
        .and_then(json_text);
    match (kind, mid) {
        ("reaction", Some(mid)) => {
            let action = event
                .pointer("/reaction/action")
                .and_then(json_text)
                .unwrap_or_default();
            let ts = event
                .get("timestamp")
                .and_then(json_text)
                .unwrap_or_default();
            format!("reaction:{mid}:{sender}:{action}:{ts}")
        }
        (_, Some(mid)) => format!("{kind}:{mid}"),
        ("postback", None) => {
            let ts = event
                .get("timestamp")
                .and_then(json_text)
                .unwrap_or_default();
            let payload = event
                .pointer("/postback/payload")
                .and_then(json_text)
                .unwrap_or_default();
            format!("postback:{sender}:{ts}:{payload}")
        }
        ("delivery" | "read", None) => {
            let watermark = event
                .pointer(&format!("/{kind}/watermark"))
                .and_then(json_text)
                .unwrap_or_default();
            format!("{kind}:{sender}:{watermark}")
        }
        _ => format!(
            "{kind}:sha256:{}",
            hex::encode(Sha256::digest(event.to_string()))
        ),
    }
}

fn bounded_kind(kind: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "message",
        "message_echo",
        "postback",
        "delivery",
        "read",
        "reaction",
        "feed_comment_add",
        "feed_comment_edited",
        "feed_comment_remove",
        "feed_comment_hide",
        "feed_comment_unhide",
    ];
    KNOWN
        .iter()
        .find(|k| **k == kind)
        .copied()
        .unwrap_or("other")
}
