//! Zalo OA events (channels.md) to `Inbound`.
use serde_json::Value;

use super::webhook::oa_of;
use crate::domain::Channel;
use crate::platforms::event::{Attachment, CitizenMessage, IdentityKey, Inbound, Thread, millis};
use crate::platforms::json_text;
use phananh_routing::LatLon;

fn text(value: Option<&Value>) -> Option<String> {
    value.and_then(json_text)
}

fn number(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

pub fn parse(raw: &str) -> Inbound {
    let Ok(mut event) = serde_json::from_str::<Value>(raw) else {
        return Inbound::Unknown;
    };
    crate::platforms::without_nul(&mut event);
    let kind = event
        .get("event_name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some(oa) = oa_of(&event, kind) else {
        return Inbound::Unknown;
    };
    let at = millis(text(event.get("timestamp")).and_then(|t| t.parse().ok()));
    let identity = |path: &str| {
        text(event.pointer(path)).map(|external_id| IdentityKey {
            channel: Channel::Zalo,
            account: oa.clone(),
            external_id,
        })
    };
    match kind {
        k if k.starts_with("user_send_") => {
            let (Some(identity), Some(msg_id)) = (
                identity("/sender/id"),
                text(event.pointer("/message/msg_id")),
            ) else {
                return Inbound::Unknown;
            };
            let mut location = None;
            let mut attachments = Vec::new();
            for item in event
                .pointer("/message/attachments")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let kind = item
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("file")
                    .to_owned();
                let payload = item.get("payload");
                if kind == "location" {
                    let lat = number(payload.and_then(|p| p.pointer("/coordinates/latitude")));
                    let lon = number(payload.and_then(|p| p.pointer("/coordinates/longitude")));
                    if let (Some(lat), Some(lon)) = (lat, lon) {
                        location = Some(LatLon { lat, lon });
                    }
                }
                attachments.push(Attachment {
                    kind,
                    url: text(payload.and_then(|p| p.get("url"))),
                    name: text(payload.and_then(|p| p.get("name"))),
                    size: number(payload.and_then(|p| p.get("size"))).map(|n| n as u64),
                    payload: text(payload.and_then(|p| p.get("id")))
                        .or_else(|| text(payload.and_then(|p| p.get("sticker_id")))),
                });
            }
            Inbound::Message(CitizenMessage {
                identity,
                display_name: None,
                provider_message_id: msg_id,
                text: text(event.pointer("/message/text")).unwrap_or_default(),
                attachments,
                location,
                at,
                thread: Thread::Direct,
            })
        }
        "follow" | "unfollow" => match identity("/follower/id") {
            Some(identity) => Inbound::Follow {
                identity,
                following: kind == "follow",
            },
            None => Inbound::Unknown,
        },
        "user_submit_info" => match identity("/sender/id") {
            Some(identity) => Inbound::SubmittedInfo {
                identity,
                name: text(event.pointer("/info/name")),
                phone: text(event.pointer("/info/phone")),
            },
            None => Inbound::Unknown,
        },
        "user_received_message" => Inbound::Delivered {
            channel: Channel::Zalo,
            ids: text(event.pointer("/message/msg_id")).into_iter().collect(),
            at: millis(text(event.pointer("/message/delivery_time")).and_then(|t| t.parse().ok())),
        },
        "user_seen_message" => Inbound::Seen {
            channel: Channel::Zalo,
            ids: event
                .pointer("/message/msg_ids")
                .and_then(Value::as_array)
                .map(|ids| ids.iter().filter_map(|v| text(Some(v))).collect())
                .unwrap_or_default(),
            at,
        },
        k if k.starts_with("oa_send_") => match (
            text(event.pointer("/recipient/id")),
            text(event.pointer("/message/msg_id")),
        ) {
            (Some(recipient), Some(msg_id)) => Inbound::Echo {
                channel: Channel::Zalo,
                recipient,
                provider_message_id: msg_id,
                text: text(event.pointer("/message/text")),
                metadata: None,
            },
            _ => Inbound::Ignored {
                reason: "oa_echo_without_id",
            },
        },
        _ => Inbound::Unknown,
    }
}
