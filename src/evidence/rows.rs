//! The attachment rows a citizen's message brings, written in the same transaction as the message: a platform file
//! waits there for the download job, so none is lost between intake and download.
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};

use entity::attachments;

use super::keep::Kept;
use crate::platforms::event::Attachment;

/// An attachment's state, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Pending,
    Kept,
    Failed,
    /// Stickers and GIF reactions: not evidence, only the platform's reference is kept.
    Reference,
    /// Deleted by retention.
    Purged,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Kept => "kept",
            State::Failed => "failed",
            State::Reference => "reference",
            State::Purged => "purged",
        }
    }
}

/// One attachment to write with its message.
#[derive(Debug, Clone)]
pub enum NewEvidence {
    /// A platform file, fetched after intake.
    Download {
        kind: String,
        url: String,
        name: Option<String>,
    },
    /// A platform file whose event carried no usable address: shown as not kept, with the reason.
    Unreachable {
        kind: String,
        name: Option<String>,
        reason: &'static str,
    },
    /// A sticker or a GIF reaction.
    Reference { kind: String, url: Option<String> },
    /// A form upload, already stored.
    Kept { name: Option<String>, kept: Kept },
}

/// The evidence among a platform message's attachments (locations, links, quick replies and postbacks are not).
pub fn from_platform(attachments: &[Attachment]) -> Vec<NewEvidence> {
    attachments
        .iter()
        .filter_map(|a| {
            let kind = a.kind.as_str();
            match kind {
                // Messenger sends a sticker as an image with a sticker id.
                "image" if a.payload.is_some() => Some(NewEvidence::Reference {
                    kind: "sticker".into(),
                    url: a.url.clone(),
                }),
                "image" | "audio" | "video" | "file" => Some(match web_address(a.url.as_deref()) {
                    Some(url) => NewEvidence::Download {
                        kind: kind.into(),
                        url,
                        name: a.name.clone(),
                    },
                    None => NewEvidence::Unreachable {
                        kind: kind.into(),
                        name: a.name.clone(),
                        reason: "the platform gave no web address for the file",
                    },
                }),
                "sticker" | "gif" | "animated_image" => Some(NewEvidence::Reference {
                    kind: if kind == "sticker" { "sticker" } else { "gif" }.into(),
                    url: a.url.clone(),
                }),
                _ => None,
            }
        })
        .collect()
}

/// Only `http(s)` addresses are fetched.
fn web_address(url: Option<&str>) -> Option<String> {
    let parsed = url::Url::parse(url?.trim()).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.to_string())
}

pub fn row(
    evidence: NewEvidence,
    ticket_id: i32,
    message_id: i32,
    position: i16,
    now: DateTime<Utc>,
) -> attachments::ActiveModel {
    let mut row = attachments::ActiveModel {
        id: NotSet,
        ticket_id: Set(ticket_id),
        message_id: Set(message_id),
        position: Set(position),
        kind: Set(String::new()),
        state: Set(String::new()),
        source_url: Set(None),
        name: Set(None),
        content_type: Set(None),
        bytes: Set(None),
        sha256: Set(None),
        thumbnail_sha256: Set(None),
        lat: Set(None),
        lon: Set(None),
        attempts: Set(0),
        next_attempt_at: Set(None),
        lease_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        kept_at: Set(None),
        purged_at: Set(None),
    };
    match evidence {
        NewEvidence::Download { kind, url, name } => {
            row.kind = Set(kind);
            row.state = Set(State::Pending.as_str().into());
            row.source_url = Set(Some(url));
            row.name = Set(name);
            row.next_attempt_at = Set(Some(now));
        }
        NewEvidence::Unreachable { kind, name, reason } => {
            row.kind = Set(kind);
            row.state = Set(State::Failed.as_str().into());
            row.name = Set(name);
            row.last_error = Set(Some(reason.into()));
        }
        NewEvidence::Reference { kind, url } => {
            row.kind = Set(kind);
            row.state = Set(State::Reference.as_str().into());
            row.source_url = Set(url);
        }
        NewEvidence::Kept { name, kept } => {
            row.kind = Set(kept.kind.into());
            row.state = Set(State::Kept.as_str().into());
            row.name = Set(name);
            row.content_type = Set(Some(kept.content_type));
            row.bytes = Set(Some(kept.bytes));
            row.sha256 = Set(Some(kept.sha256));
            row.thumbnail_sha256 = Set(kept.thumbnail_sha256);
            row.lat = Set(kept.position.map(|p| p.lat));
            row.lon = Set(kept.position.map(|p| p.lon));
            row.kept_at = Set(Some(now));
        }
    }
    row
}
