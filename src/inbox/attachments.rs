//! `GET /api/v1/attachments/{id}` and its thumbnail: a kept file, to officers who can see its ticket (404 to
//! anyone else, as for tickets). Images, audio and video are served with their type, never HTML or SVG inline;
//! everything else is a download.

use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{HttpResponse, web};
use sea_orm::EntityTrait;

use entity::attachments;

use super::session::Officer;
use super::tickets::visible_ticket;
use crate::evidence::{Blob, State, media};
use crate::web::{ApiError, AppState, ErrorBody};

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
