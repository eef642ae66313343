//! What the ticket's JSON says of each message's attachments, and the point type both share; below `tickets`,
//! which lists them, and `attachments`, which serves the files.
use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;

use entity::attachments;

use crate::evidence::State;

#[derive(Serialize, ToSchema)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
}

impl Point {
    pub fn of(lat: Option<f64>, lon: Option<f64>) -> Option<Point> {
        lat.zip(lon).map(|(lat, lon)| Point { lat, lon })
    }
}

/// One attachment of a message, as officers see it.
#[derive(Serialize, ToSchema)]
pub struct AttachmentView {
    pub id: i32,
    /// `image`, `audio`, `video`, `file`; `sticker` and `gif` are references only, never kept.
    pub kind: String,
    /// By content, once kept.
    pub content_type: Option<String>,
    pub bytes: Option<i64>,
    pub sha256: Option<String>,
    /// Whether phananh holds a copy (`url` serves it).
    pub kept: bool,
    /// `pending` (being fetched), `kept`, `failed` (not kept: see `reason`), `reference` or `purged`.
    pub state: String,
    /// Why it is not kept.
    pub reason: Option<String>,
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbnail_url: Option<String>,
    /// Where the photo was taken (its own GPS position, removed from the copy): a hint of the place, not proof.
    pub taken_at_position: Option<Point>,
}

impl From<attachments::Model> for AttachmentView {
    fn from(a: attachments::Model) -> AttachmentView {
        let kept = a.state == State::Kept.as_str();
        AttachmentView {
            url: kept.then(|| format!("/api/v1/attachments/{}", a.id)),
            thumbnail_url: (kept && a.thumbnail_sha256.is_some())
                .then(|| format!("/api/v1/attachments/{}/thumbnail", a.id)),
            id: a.id,
            kind: a.kind,
            content_type: a.content_type,
            bytes: a.bytes,
            sha256: a.sha256,
            kept,
            reason: (a.state == State::Failed.as_str())
                .then_some(a.last_error)
                .flatten(),
            state: a.state,
            name: a.name,
            taken_at_position: Point::of(a.lat, a.lon),
        }
    }
}

/// A ticket's attachments by message, in their order.
pub async fn of_ticket(
    db: &impl ConnectionTrait,
    ticket_id: i32,
) -> Result<HashMap<i32, Vec<AttachmentView>>, DbErr> {
    let rows = attachments::Entity::find()
        .filter(attachments::Column::TicketId.eq(ticket_id))
        .order_by_asc(attachments::Column::MessageId)
        .order_by_asc(attachments::Column::Position)
        .all(db)
        .await?;
    let mut by_message: HashMap<i32, Vec<AttachmentView>> = HashMap::new();
    for row in rows {
        by_message
            .entry(row.message_id)
            .or_default()
            .push(row.into());
    }
    Ok(by_message)
}
