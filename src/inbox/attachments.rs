//! `GET /api/v1/attachments/{id}` and its thumbnail: a kept file, to officers who can see its ticket (404 to
//! anyone else, as for tickets). Images, audio and video are served with their type, never HTML or SVG inline;
//! everything else is a download. The ticket's JSON lists each message's attachments (`AttachmentView`).
use std::collections::HashMap;

use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{HttpResponse, web};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;

use entity::attachments;

use super::session::Officer;
use super::tickets::{Point, visible_ticket};
use crate::evidence::{Blob, State, media};
use crate::web::{ApiError, AppState, ErrorBody};

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

/// A kept attachment's file.
#[utoipa::path(
    get,
    path = "/api/v1/attachments/{id}",
    tag = "inbox",
    params(("id" = i32, Path, description = "The attachment's id, from the ticket's messages")),
    responses(
        (status = 200, description = "The file: images, audio and video with their type, anything else as a download"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such kept attachment on a ticket this officer can see", body = ErrorBody),
    )
)]
pub async fn file(
    officer: Officer,
    state: web::Data<AppState>,
    id: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    let row = visible(&state, &officer, id.into_inner()).await?;
    let sha = row.sha256.as_deref().ok_or(ApiError::NotFound)?;
    let bytes = read(&state, Blob::File, sha, row.id).await?;
    let stored = row
        .content_type
        .as_deref()
        .unwrap_or("application/octet-stream");
    let inline = media::served_inline(stored);
    let content_type = if inline {
        stored
    } else {
        "application/octet-stream"
    };
    let disposition = ContentDisposition {
        disposition: if inline {
            DispositionType::Inline
        } else {
            DispositionType::Attachment
        },
        parameters: file_name(row.name.as_deref(), row.id),
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(disposition)
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        // Opened on its own, the file runs nothing and loads nothing.
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; media-src 'self'; img-src 'self'; sandbox",
        ))
        .body(bytes))
}

/// A kept image's thumbnail (JPEG, at most 320 px), made once when the image was kept.
#[utoipa::path(
    get,
    path = "/api/v1/attachments/{id}/thumbnail",
    tag = "inbox",
    params(("id" = i32, Path, description = "The attachment's id")),
    responses(
        (status = 200, description = "A JPEG thumbnail", content_type = "image/jpeg"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No thumbnail of a kept image on a ticket this officer can see", body = ErrorBody),
    )
)]
pub async fn thumbnail(
    officer: Officer,
    state: web::Data<AppState>,
    id: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    let row = visible(&state, &officer, id.into_inner()).await?;
    let sha = row.thumbnail_sha256.as_deref().ok_or(ApiError::NotFound)?;
    let bytes = read(&state, Blob::Thumbnail, sha, row.id).await?;
    Ok(HttpResponse::Ok()
        .content_type("image/jpeg")
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(bytes))
}

/// The kept attachment `id` if its ticket is one the officer can see.
async fn visible(
    state: &AppState,
    officer: &Officer,
    id: i32,
) -> Result<attachments::Model, ApiError> {
    let row = attachments::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .ok_or(ApiError::NotFound)?;
    visible_ticket(state, officer, row.ticket_id).await?;
    if row.state != State::Kept.as_str() {
        return Err(ApiError::NotFound);
    }
    Ok(row)
}

async fn read(state: &AppState, blob: Blob, sha: &str, id: i32) -> Result<bytes::Bytes, ApiError> {
    state.evidence.store.get(blob, sha).await.map_err(|err| {
        tracing::error!(attachment = id, error = %err, "a kept attachment cannot be read from the store");
        ApiError::Internal(anyhow::anyhow!("the file cannot be read from the store"))
    })
}

/// The citizen's file name, as ASCII for old clients and UTF-8 for the rest; the id when there is none.
fn file_name(name: Option<&str>, id: i32) -> Vec<DispositionParam> {
    let name = name
        .map(|n| {
            n.chars()
                .filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '"'))
                .collect::<String>()
        })
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| format!("attachment-{id}"));
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    vec![
        DispositionParam::Filename(ascii),
        DispositionParam::FilenameExt(ExtendedValue {
            charset: Charset::Ext("UTF-8".into()),
            language_tag: None,
            value: name.into_bytes(),
        }),
    ]
}
