//! Facebook Page events (Messenger and feed, channels.md) to `Inbound`. Stored events carry their page id.
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::domain::Channel;
use crate::platforms::event::{Attachment, CitizenMessage, IdentityKey, Inbound, Thread, millis};
use crate::platforms::json_text;

fn text(value: Option<&Value>) -> Option<String> {
    value.and_then(json_text)
}

fn int(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

pub fn parse(raw: &str) -> Inbound {
    let Ok(mut stored) = serde_json::from_str::<Value>(raw) else {
        return Inbound::Unknown;
    };
    crate::platforms::without_nul(&mut stored);
    let Some(page_id) = text(stored.get("page_id")) else {
        return Inbound::Unknown;
    };
    if let Some(event) = stored.get("messaging") {
        return messaging(&page_id, event);
    }
    if let Some(change) = stored.get("change") {
        return feed(&page_id, change);
    }
    Inbound::Unknown
}

fn messaging(page_id: &str, event: &Value) -> Inbound {
    let sender = text(event.pointer("/sender/id"));
    let recipient = text(event.pointer("/recipient/id"));
    let at = millis(int(event.get("timestamp")));
    let identity = |id: Option<String>| {
        id.map(|external_id| IdentityKey {
            channel: Channel::Facebook,
            account: page_id.to_owned(),
            external_id,
        })
    };
    if let Some(message) = event.get("message") {
        let mid = text(message.get("mid"));
        if message.get("is_echo").and_then(Value::as_bool) == Some(true) {
            return match (recipient, mid) {
                (Some(recipient), Some(mid)) => Inbound::Echo {
                    channel: Channel::Facebook,
                    recipient,
                    provider_message_id: mid,
                    text: text(message.get("text")),
                    metadata: text(message.get("metadata")),
                },
                _ => Inbound::Ignored {
                    reason: "echo_without_id",
                },
            };
        }
        let (Some(identity), Some(mid)) = (identity(sender), mid) else {
            return Inbound::Unknown;
        };
        let mut attachments: Vec<Attachment> = message
            .get("attachments")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|a| Attachment {
                kind: a
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("file")
                    .to_owned(),
                url: text(a.pointer("/payload/url")),
                name: text(a.get("name")).or_else(|| text(a.pointer("/payload/title"))),
                size: None,
                payload: text(a.pointer("/payload/sticker_id")),
            })
            .collect();
        if let Some(payload) = text(message.pointer("/quick_reply/payload")) {
            attachments.push(Attachment {
                kind: "quick_reply".into(),
                url: None,
                name: None,
                size: None,
                payload: Some(payload),
            });
        }
        return Inbound::Message(CitizenMessage {
            identity,
            display_name: None,
            provider_message_id: mid,
            text: text(message.get("text")).unwrap_or_default(),
            attachments,
            location: None,
            at,
            thread: Thread::Direct,
        });
    }
    if let Some(postback) = event.get("postback") {
        let Some(identity) = identity(sender.clone()) else {
            return Inbound::Unknown;
        };
        let payload = text(postback.get("payload"));
        // Older postbacks have no mid: the same key the webhook deduplicated on.
        let id = text(postback.get("mid")).unwrap_or_else(|| {
            format!(
                "postback:{}:{}:{}",
                identity.external_id,
                int(event.get("timestamp")).unwrap_or_default(),
                payload.clone().unwrap_or_default()
            )
        });
        return Inbound::Message(CitizenMessage {
            identity,
            display_name: None,
            provider_message_id: id,
            text: text(postback.get("title"))
                .or_else(|| payload.clone())
                .unwrap_or_default(),
            attachments: vec![Attachment {
                kind: "postback".into(),
                url: None,
                name: None,
                size: None,
                payload,
            }],
            location: None,
            at,
            thread: Thread::Direct,
        });
    }
    if let Some(delivery) = event.get("delivery") {
        let ids = delivery
            .get("mids")
            .and_then(Value::as_array)
            .map(|m| m.iter().filter_map(|v| text(Some(v))).collect())
            .unwrap_or_default();
        return Inbound::Delivered {
            channel: Channel::Facebook,
            ids,
            at: millis(int(delivery.get("watermark"))),
        };
    }
    if let Some(read) = event.get("read") {
        return match sender {
            Some(recipient) => Inbound::ReadUntil {
                channel: Channel::Facebook,
                recipient,
                watermark: millis(int(read.get("watermark"))),
            },
            None => Inbound::Unknown,
        };
    }
    if event.get("reaction").is_some() {
        return Inbound::Ignored { reason: "reaction" };
    }
    Inbound::Unknown
}

fn seconds(value: Option<&Value>) -> DateTime<Utc> {
    int(value)
        .and_then(|s| DateTime::<Utc>::from_timestamp(s, 0))
        .unwrap_or_else(Utc::now)
}

fn feed(page_id: &str, change: &Value) -> Inbound {
    let value = change.get("value").unwrap_or(&Value::Null);
    if change.get("field").and_then(Value::as_str) != Some("feed") {
        return Inbound::Unknown;
    }
    let item = value
        .get("item")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let verb = value
        .get("verb")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if item != "comment" {
        // Posts, photos, videos, status updates: the Page's own publishing, not a citizen's message.
        return match item {
            "status" | "post" | "photo" | "video" | "share" | "reaction" | "like" => {
                Inbound::Ignored {
                    reason: "page_feed",
                }
            }
            _ => Inbound::Unknown,
        };
    }
    let Some(comment_id) = text(value.get("comment_id")) else {
        return Inbound::Unknown;
    };
    match verb {
        "add" => {
            let from = text(value.pointer("/from/id"));
            if from.as_deref() == Some(page_id) || from.is_none() {
                return Inbound::Ignored {
                    reason: "page_own_comment",
                };
            }
            let post_id = text(value.get("post_id")).unwrap_or_default();
            Inbound::Message(CitizenMessage {
                identity: IdentityKey {
                    channel: Channel::Facebook,
                    account: page_id.to_owned(),
                    external_id: from.unwrap_or_default(),
                },
                display_name: text(value.pointer("/from/name")),
                provider_message_id: comment_id.clone(),
                text: text(value.get("message")).unwrap_or_default(),
                attachments: text(value.get("photo"))
                    .map(|url| Attachment {
                        kind: "image".into(),
                        url: Some(url),
                        name: None,
                        size: None,
                        payload: None,
                    })
                    .into_iter()
                    .collect(),
                location: None,
                at: seconds(value.get("created_time")),
                thread: Thread::Comment {
                    comment_id,
                    parent_id: text(value.get("parent_id")).unwrap_or_else(|| post_id.clone()),
                    post_id,
                },
            })
        }
        "edited" => Inbound::CommentEdited {
            comment_id,
            text: text(value.get("message")).unwrap_or_default(),
            at: seconds(value.get("created_time")),
        },
        "remove" => Inbound::CommentRemoved { comment_id },
        "hide" => Inbound::CommentHidden {
            comment_id,
            hidden: true,
        },
        "unhide" => Inbound::CommentHidden {
            comment_id,
            hidden: false,
        },
        _ => Inbound::Unknown,
    }
}
