//! `POST /api/v1/tickets/{id}/merge`: a duplicate is merged into the ticket that carries the case. The duplicate is
//! closed and points at the survivor (its story stays where it was); its citizen is told the survivor's tracking
//! code on their own channel (or the tracking page); the survivor keeps the earlier of the two deadlines, so
//! merging never buys time. Both tickets' histories say so.
use actix_web::{HttpResponse, web};
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use entity::tickets;

use super::audit;
use super::replies::{DeliveryPlan, to_citizen};
use super::session::Officer;
use super::tickets::{change_ticket, visible_ticket};
use crate::domain::{FieldError, TicketStatus, TrackingCode};
use crate::web::{ApiError, AppState, ErrorBody};

const MAX_REASON_CHARS: usize = 1000;

#[derive(Deserialize, ToSchema)]
pub struct MergeRequest {
    /// The ticket that carries the case on: its id, or its tracking code as the citizen reads it.
    pub into: String,
    /// Why, at most 1,000 characters (optional).
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Merged {
    /// The duplicate, now closed.
    pub id: i32,
    pub merged_into_id: i32,
    pub merged_into_tracking_code: String,
    /// How the duplicate's citizen is told.
    pub notice: DeliveryPlan,
}

#[utoipa::path(
    post,
    path = "/api/v1/tickets/{id}/merge",
    tag = "inbox",
    params(("id" = i32, Path, description = "The duplicate's id")),
    request_body = MergeRequest,
    security(("session" = [])),
    responses(
        (status = 200, description = "Merged; the duplicate is closed", body = Merged),
        (status = 400, description = "The body is not valid JSON of this shape", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such ticket, or another unit's (either of the two)", body = ErrorBody),
        (status = 409, description = "Already merged, or merging into itself or into a merged ticket", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "No ticket named, or too long a reason", body = ErrorBody),
        (status = 503, description = "The database is unavailable for a moment", body = ErrorBody),
    )
)]
pub async fn merge(
    officer: Officer,
    state: web::Data<AppState>,
    id: web::Path<i32>,
    body: web::Json<MergeRequest>,
) -> Result<HttpResponse, ApiError> {
    let merged = into(&state, &officer, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(merged))
}

/// Merges ticket `id` into the one the request names (the API and the inbox page).
pub async fn into(
    state: &AppState,
    officer: &Officer,
    id: i32,
    request: MergeRequest,
) -> Result<Merged, ApiError> {
    let duplicate = visible_ticket(state, officer, id).await?;
    let named = request.into.trim();
    let target = if let Ok(target_id) = named.parse::<i32>() {
        visible_ticket(state, officer, target_id).await?
    } else if let Some(code) = TrackingCode::parse(named) {
        let found = tickets::Entity::find()
            .filter(tickets::Column::TrackingCode.eq(code.as_str()))
            .one(&state.db.read)
            .await?
            .ok_or(ApiError::NotFound)?;
        visible_ticket(state, officer, found.id).await?
    } else {
        return Err(ApiError::Validation(vec![FieldError::new(
            "into",
            "invalid",
            "Nhập mã theo dõi hoặc số của phản ánh cần gộp vào",
            "name the ticket to merge into by its id or tracking code",
        )]));
    };
    let reason = request
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    if reason.as_ref().is_some_and(|r| {
        r.chars().count() > MAX_REASON_CHARS || super::replies::has_control_characters(r)
    }) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "reason",
            "length",
            "Lý do tối đa 1.000 ký tự",
            "the reason is at most 1,000 characters",
        )]));
    }
    if target.id == duplicate.id {
        return Err(ApiError::Conflict("a ticket cannot be merged into itself"));
    }
    let (txn, duplicate) = change_ticket(state, officer, duplicate.id).await?;
    // The survivor, locked too (always after the duplicate: two merges of the same pair take turns).
    let target = tickets::Entity::find_by_id(target.id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .filter(|t| officer.can_see_ticket(t))
        .ok_or(ApiError::NotFound)?;
    if duplicate.merged_into_id.is_some() {
        return Err(ApiError::Conflict("the ticket is already merged"));
    }
    if target.merged_into_id.is_some() {
        return Err(ApiError::Conflict(
            "that ticket was itself merged: merge into the one it was merged into",
        ));
    }
    let now = Utc::now();
    tickets::Entity::update_many()
        .col_expr(tickets::Column::MergedIntoId, Expr::value(Some(target.id)))
        .col_expr(tickets::Column::Status, Expr::value(TicketStatus::Closed))
        .col_expr(tickets::Column::UpdatedAt, Expr::value(now))
        .filter(tickets::Column::Id.eq(duplicate.id))
        .exec(&txn)
        .await?;
    // The earlier obligation holds.
    let due_at = match (target.due_at, duplicate.due_at) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    tickets::Entity::update_many()
        .col_expr(tickets::Column::DueAt, Expr::value(due_at))
        .col_expr(tickets::Column::UpdatedAt, Expr::value(now))
        .filter(tickets::Column::Id.eq(target.id))
        .exec(&txn)
        .await?;
    let code = TrackingCode::display(&target.tracking_code);
    let notice_text = match duplicate.language.as_deref() {
        Some("en") => format!(
            "Your report {} is handled together with the same case under code {code}. Follow it with that code.",
            TrackingCode::display(&duplicate.tracking_code)
        ),
        _ => format!(
            "Phản ánh {} của bạn được giải quyết chung với phản ánh cùng nội dung, mã theo dõi {code}. Vui lòng theo dõi kết quả theo mã này.",
            TrackingCode::display(&duplicate.tracking_code)
        ),
    };
    let (_, notice, notice_reason, _) =
        to_citizen(&txn, state, officer, &duplicate, &notice_text, now).await?;
    audit::record(
        &txn,
        officer,
        duplicate.id,
        "ticket_merged",
        json!({
            "into": target.id,
            "status": {"from": duplicate.status, "to": TicketStatus::Closed},
            "reason": reason,
            "notice": notice,
            "notice_reason": notice_reason,
        }),
    )
    .await?;
    audit::record(
        &txn,
        officer,
        target.id,
        "ticket_merged_in",
        json!({"from": duplicate.id, "reason": reason, "due_at": {"from": target.due_at, "to": due_at}}),
    )
    .await?;
    txn.commit().await?;
    if matches!(notice, DeliveryPlan::Queued | DeliveryPlan::Email) {
        state.intake.outbound.wake();
    }
    metrics::counter!("tickets_merged_total").increment(1);
    Ok(Merged {
        id: duplicate.id,
        merged_into_id: target.id,
        merged_into_tracking_code: code,
        notice,
    })
}
