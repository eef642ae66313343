//! What a stored platform event means for us, independent of the platform's wire format.
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::Channel;
use phananh_routing::LatLon;

/// A citizen's identity on one channel account: Zalo user id for an OA, PSID or commenter id for a Page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityKey {
    pub channel: Channel,
    pub account: String,
    pub external_id: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Attachment {
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Quick-reply or postback payload, sticker id and the like.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
}

/// Where a citizen message sits in the platform's conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Thread {
    /// A private chat (Zalo, Messenger).
    Direct,
    /// A Page comment; `parent_id == post_id` for a top-level comment.
    Comment {
        comment_id: String,
        parent_id: String,
        post_id: String,
    },
}

#[derive(Debug, Clone)]
pub struct CitizenMessage {
    pub identity: IdentityKey,
    pub display_name: Option<String>,
    pub provider_message_id: String,
    pub text: String,
    pub attachments: Vec<Attachment>,
    pub location: Option<LatLon>,
    pub at: DateTime<Utc>,
    pub thread: Thread,
}

#[derive(Debug, Clone)]
pub enum Inbound {
    Message(CitizenMessage),
    Follow {
        identity: IdentityKey,
        following: bool,
    },
    SubmittedInfo {
        identity: IdentityKey,
        name: Option<String>,
        phone: Option<String>,
    },
    Delivered {
        channel: Channel,
        ids: Vec<String>,
        at: DateTime<Utc>,
    },
    Seen {
        channel: Channel,
        ids: Vec<String>,
        at: DateTime<Utc>,
    },
    ReadUntil {
        channel: Channel,
        recipient: String,
        watermark: DateTime<Utc>,
    },
    /// The platform echoed one of our own sends.
    Echo {
        channel: Channel,
        recipient: String,
        provider_message_id: String,
        text: Option<String>,
        metadata: Option<String>,
    },
    CommentEdited {
        comment_id: String,
        text: String,
        at: DateTime<Utc>,
    },
    CommentRemoved {
        comment_id: String,
    },
    CommentHidden {
        comment_id: String,
        hidden: bool,
    },
    /// Known and deliberately without effect (the Page's own posts and comments, reactions...).
    Ignored {
        reason: &'static str,
    },
    /// A kind we do not know yet: kept raw and counted.
    Unknown,
}

/// Milliseconds since the epoch (as text or number) to a time; `now` when missing or absurd.
pub fn millis(value: Option<i64>) -> DateTime<Utc> {
    value
        .and_then(DateTime::<Utc>::from_timestamp_millis)
        .unwrap_or_else(Utc::now)
}
