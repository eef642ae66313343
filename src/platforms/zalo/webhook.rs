//! A Zalo webhook body: its signature, and the envelope the spool keeps beside the raw body (kind, OA, the key
//! retries share). What the event means is `events`'.
use serde_json::Value;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::platforms::json_text;

/// What the spool keeps beside a verified body.
pub struct Envelope {
    /// `event_name`, or "unknown".
    pub kind: String,
    /// The OA the event belongs to, when the body says.
    pub oa_id: Option<String>,
    pub dedupe_key: String,
}

/// Why a body is refused.
#[derive(Debug)]
pub enum Rejection {
    NotJson(String),
    MissingFields,
    /// A bad signature, or an event of another app (it is not for us either way).
    BadSignature,
}

/// Checks a body against `X-ZEvent-Signature` and our app, and reads its envelope.
pub fn verify(
    body: &[u8],
    signature_header: &str,
    app_id: &str,
    oa_secret_key: &str,
) -> Result<Envelope, Rejection> {
    let event: Value =
        serde_json::from_slice(body).map_err(|e| Rejection::NotJson(e.to_string()))?;
    let (Some(their_app), Some(timestamp)) = (
        event.get("app_id").and_then(json_text),
        event.get("timestamp").and_then(json_text),
    ) else {
        return Err(Rejection::MissingFields);
    };
    if their_app != app_id
        || !signature_valid(signature_header, app_id, body, &timestamp, oa_secret_key)
    {
        return Err(Rejection::BadSignature);
    }
    let kind = event
        .get("event_name")
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_owned();
    Ok(Envelope {
        oa_id: oa_of(&event, &kind),
        dedupe_key: dedupe_key(&event, &kind, body),
        kind,
    })
}

/// Zalo: `X-ZEvent-Signature: mac=<hex sha256(app_id + body + timestamp + oa_secret_key)>` (a plain digest).
pub fn signature_valid(
    header: &str,
    app_id: &str,
    body: &[u8],
    timestamp: &str,
    oa_secret_key: &str,
) -> bool {
    let Some(given) = header
        .trim()
        .strip_prefix("mac=")
        .and_then(|h| hex::decode(h).ok())
    else {
        return false;
    };
    let expected = Sha256::new()
        .chain_update(app_id.as_bytes())
        .chain_update(body)
        .chain_update(timestamp.as_bytes())
        .chain_update(oa_secret_key.as_bytes())
        .finalize();
    given.len() == expected.len() && bool::from(expected.as_slice().ct_eq(&given))
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
pub fn known_kind(kind: &str) -> &'static str {
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
    crate::platforms::known_label(kind, KNOWN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platforms::vectors::{values, vector};

    #[test]
    fn zalo_vectors_pass_and_a_changed_byte_fails() {
        let text = vector("zalo_signature_vector.txt");
        let app_id = values(&text, "app_id")[0];
        let secret = values(&text, "oa_secret_key")[0];
        let timestamp = values(&text, "timestamp")[0];
        let bodies = values(&text, "body");
        let headers = values(&text, "expected_header");
        assert_eq!(
            (bodies.len(), headers.len()),
            (2, 2),
            "vectors: a body and its header each"
        );
        for (body, header) in bodies.iter().zip(&headers) {
            assert!(
                signature_valid(header, app_id, body.as_bytes(), timestamp, secret),
                "{body}"
            );
            let mut changed = body.as_bytes().to_vec();
            changed[10] ^= 1;
            assert!(!signature_valid(
                header, app_id, &changed, timestamp, secret
            ));
            assert!(!signature_valid(
                header,
                app_id,
                body.as_bytes(),
                timestamp,
                "other secret"
            ));
        }
        assert!(
            !signature_valid("adc0ba9d", app_id, bodies[0].as_bytes(), timestamp, secret),
            "no mac= prefix"
        );
    }
}
