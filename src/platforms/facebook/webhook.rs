//! A Facebook webhook body: the verify-token handshake, the signature, and the body split into one stored
//! event per messaging event or change (with the key retries share). What each means is `events`'.
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::platforms::json_text;

/// One event of a body, as the spool keeps it.
pub struct Received {
    pub page_id: String,
    pub kind: String,
    pub dedupe_key: String,
    /// The event with its entry's page and time: what `events::parse` reads.
    pub raw: String,
}

/// A body's events for the Pages we serve, and what was left out.
#[derive(Default)]
pub struct Split {
    pub events: Vec<Received>,
    pub without_page: usize,
    pub other_pages: usize,
}

/// Why a body is refused.
#[derive(Debug)]
pub enum Rejection {
    NotJson(String),
    NoEntries,
}

/// The `hub.verify_token` of a subscription handshake against ours, in constant time.
pub fn verify_token_matches(given: &str, expected: &str) -> bool {
    bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

/// Splits a verified body into events, keeping those of Pages `serves` accepts.
pub fn split(body: &[u8], serves: impl Fn(&str) -> bool) -> Result<Split, Rejection> {
    let payload: Value =
        serde_json::from_slice(body).map_err(|e| Rejection::NotJson(e.to_string()))?;
    let entries = payload
        .get("entry")
        .and_then(Value::as_array)
        .ok_or(Rejection::NoEntries)?;
    let mut split = Split::default();
    for entry in entries {
        let Some(page_id) = entry.get("id").and_then(json_text) else {
            split.without_page += 1;
            continue;
        };
        if !serves(&page_id) {
            split.other_pages += 1;
            continue;
        }
        split.events.extend(split_entry(&page_id, entry));
    }
    Ok(split)
}

/// Facebook: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app_secret, body)>`.
pub fn signature_valid(header: &str, app_secret: &str, body: &[u8]) -> bool {
    let Some(given) = header
        .trim()
        .strip_prefix("sha256=")
        .and_then(|h| hex::decode(h).ok())
    else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    // verify_slice compares in constant time.
    mac.verify_slice(&given).is_ok()
}

/// Every messaging event and every change of an entry is an event of its own, stored with its entry's page and time.
fn split_entry(page_id: &str, entry: &Value) -> Vec<Received> {
    let time = entry.get("time").cloned().unwrap_or(Value::Null);
    let mut out = Vec::new();
    let messaging = ["messaging", "standby"]
        .iter()
        .filter_map(|key| entry.get(*key).and_then(Value::as_array))
        .flatten();
    for event in messaging {
        let kind = messaging_kind(event);
        let key = messaging_key(&kind, event);
        out.push(Received {
            page_id: page_id.to_owned(),
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
        out.push(Received {
            page_id: page_id.to_owned(),
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

pub fn known_kind(kind: &str) -> &'static str {
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
    crate::platforms::known_label(kind, KNOWN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platforms::vectors::{values, vector};

    #[test]
    fn facebook_vectors_pass_and_a_changed_byte_fails() {
        let text = vector("fb_signature_vector.txt");
        let bodies = values(&text, "raw_body");
        let sha256: Vec<_> = values(&text, "x-hub-signature-256");
        // The last two raw_body lines belong to the sha256 section.
        let sha256_bodies = &bodies[bodies.len() - 2..];
        assert_eq!(sha256.len(), 2, "vectors: two sha256 headers");
        for (body, header) in sha256_bodies.iter().zip(&sha256) {
            assert!(
                signature_valid(header, "FAKE_SECRET", body.as_bytes()),
                "{body}"
            );
            let mut changed = body.as_bytes().to_vec();
            changed[0] ^= 1;
            assert!(!signature_valid(header, "FAKE_SECRET", &changed));
            assert!(!signature_valid(header, "OTHER_SECRET", body.as_bytes()));
        }
        assert!(!signature_valid(
            "sha1=0d814d436b45c33ef664a317ff4b8dc2d3d8fe2a",
            "FAKE_SECRET",
            b"rawBody"
        ));
    }
}
