//! `POST /api/v1/tickets/{id}/notes`: an internal note, for colleagues: never sent, never on the tracking page.
use actix_web::{HttpResponse, web};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, Set};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use entity::ticket_notes;

use super::audit;
use super::replies::has_control_characters;
use super::session::Officer;
use super::tickets::{NoteView, change_ticket, visible_ticket};
use crate::domain::FieldError;
use crate::web::{ApiError, AppState, ErrorBody};

const MAX_NOTE_CHARS: usize = 5000;

#[derive(Deserialize, ToSchema)]
pub struct NoteRequest {
    /// 1 to 5,000 characters.
    pub text: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/tickets/{id}/notes",
    tag = "inbox",
    params(("id" = i32, Path, description = "The ticket's id")),
    request_body = NoteRequest,
    security(("session" = [])),
    responses(
        (status = 201, description = "Noted", body = NoteView),
        (status = 400, description = "The body is not valid JSON of this shape", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such ticket, or another unit's", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "Empty or too long a note", body = ErrorBody),
        (status = 503, description = "The database is unavailable for a moment", body = ErrorBody),
    )
)]
pub async fn add(
    officer: Officer,
    state: web::Data<AppState>,
    id: web::Path<i32>,
    body: web::Json<NoteRequest>,
) -> Result<HttpResponse, ApiError> {
    let note = write(&state, &officer, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(note))
}

/// Adds an internal note to ticket `id` (the API and the inbox page).
pub async fn write(
    state: &AppState,
    officer: &Officer,
    id: i32,
    request: NoteRequest,
) -> Result<NoteView, ApiError> {
    let ticket = visible_ticket(state, officer, id).await?;
    let text = request.text;
    let text = text.trim();
    let length = text.chars().count();
    if length == 0 || length > MAX_NOTE_CHARS || has_control_characters(text) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "text",
            "length",
            "Vui lòng nhập ghi chú (tối đa 5.000 ký tự, không có ký tự điều khiển)",
            "write the note, in at most 5,000 characters, without control characters",
        )]));
    }
    let (txn, ticket) = change_ticket(state, officer, ticket.id).await?;
    let note = ticket_notes::ActiveModel {
        ticket_id: Set(ticket.id),
        officer_id: Set(officer.id),
        body: Set(text.to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        officer,
        ticket.id,
        "note_added",
        json!({"note_id": note.id}),
    )
    .await?;
    txn.commit().await?;
    Ok(NoteView::from(note))
}
