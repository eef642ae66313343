//! `POST /api/v1/tickets/{id}/status`: an officer moves a ticket along: `in_progress`, `resolved`, `closed`, or
//! `rejected` (with the reason the citizen is owed). A ticket goes back to `in_progress` from any of them (reopened).
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use entity::tickets;

use super::audit;
use super::session::Officer;
use super::tickets::{change_ticket, visible_ticket};
use crate::domain::{FieldError, TicketStatus};
use crate::satisfaction::{Context, ask};
use crate::web::{ApiError, AppState, ErrorBody};

const MAX_REASON_CHARS: usize = 1000;

#[derive(Deserialize, ToSchema)]
pub struct StatusRequest {
    /// `in_progress`, `resolved`, `closed` or `rejected`.
    #[schema(value_type = TicketStatus)]
    pub status: String,
    /// Required for `rejected`; at most 1,000 characters.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct StatusChanged {
    pub id: i32,
    pub status: TicketStatus,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Resolving asked the citizen for their satisfaction, this way: `zalo_cs`, `messenger` or `email` (queued),
    /// or `link` (the survey link on the tracking page only). Null: no survey (an excluded legal track, or the
    /// ticket's surveys are done).
    pub survey: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/tickets/{id}/status",
    tag = "inbox",
    params(("id" = i32, Path, description = "The ticket's id")),
    request_body = StatusRequest,
    security(("session" = [])),
    responses(
        (status = 200, description = "Changed", body = StatusChanged),
        (status = 400, description = "The body is not valid JSON of this shape", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such ticket, or another unit's", body = ErrorBody),
        (status = 409, description = "Already in that status, or changed meanwhile", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "Not a status an officer sets, or a rejection without its reason", body = ErrorBody),
        (status = 503, description = "The database is unavailable for a moment", body = ErrorBody),
    )
)]
pub async fn change(
    officer: Officer,
    state: web::Data<AppState>,
    id: web::Path<i32>,
    body: web::Json<StatusRequest>,
) -> Result<HttpResponse, ApiError> {
    let changed = set(&state, &officer, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(changed))
}

/// Moves ticket `id` to the status asked (the API and the inbox page).
pub async fn set(
    state: &AppState,
    officer: &Officer,
    id: i32,
    request: StatusRequest,
) -> Result<StatusChanged, ApiError> {
    let ticket = visible_ticket(state, officer, id).await?;
    let StatusRequest { status, reason } = request;
    let to = TicketStatus::parse(status.trim())
        .filter(|s| *s != TicketStatus::New)
        .ok_or_else(|| {
            ApiError::Validation(vec![FieldError::new(
                "status",
                "invalid",
                "Trạng thái phải là đang xử lý, đã giải quyết, đã đóng hoặc từ chối",
                "status must be one of in_progress, resolved, closed, rejected",
            )])
        })?;
    let reason = reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_REASON_CHARS)
        || (to == TicketStatus::Rejected && reason.is_none())
    {
        return Err(ApiError::Validation(vec![FieldError::new(
            "reason",
            "required",
            "Vui lòng ghi lý do từ chối (tối đa 1.000 ký tự)",
            "a rejection needs its reason, in at most 1,000 characters",
        )]));
    }
    let now = Utc::now();
    let (txn, ticket) = change_ticket(state, officer, ticket.id).await?;
    if ticket.status == to {
        return Err(ApiError::Conflict("the ticket already has this status"));
    }
    let resolved_at = match to {
        TicketStatus::Resolved => Some(now),
        TicketStatus::InProgress => None,
        _ => ticket.resolved_at,
    };
    // Only from the status the officer saw: two officers acting at once do not both win.
    let mut update = tickets::Entity::update_many()
        .col_expr(tickets::Column::Status, Expr::value(to))
        .col_expr(tickets::Column::ResolvedAt, Expr::value(resolved_at))
        .col_expr(tickets::Column::UpdatedAt, Expr::value(now));
    if to == TicketStatus::Resolved {
        // Resolved again after a low score: the queue's flag has done its work.
        update = update.col_expr(tickets::Column::ReopenedLowScore, Expr::value(false));
    }
    let changed = update
        .filter(tickets::Column::Id.eq(ticket.id))
        .filter(tickets::Column::Status.eq(ticket.status))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        txn.rollback().await?;
        return Err(ApiError::Conflict(
            "the ticket's status changed meanwhile; reload it",
        ));
    }
    audit::record(
        &txn,
        officer,
        ticket.id,
        "status_changed",
        json!({"from": ticket.status, "to": to, "reason": reason}),
    )
    .await?;
    // Resolved: the citizen is asked how it was handled (the flag as it was decides a second survey).
    let survey = if to == TicketStatus::Resolved {
        let resolved = tickets::Model {
            status: to,
            resolved_at,
            ..ticket.clone()
        };
        ask::on_resolved(
            &txn,
            Context::new(&state.settings, &state.gazetteer),
            &resolved,
            now,
        )
        .await?
        .ok()
        .and_then(|survey| survey.asked_via)
    } else {
        None
    };
    txn.commit().await?;
    if survey.is_some() {
        state.intake.outbound.wake();
    }
    metrics::counter!("ticket_status_changes_total", "to" => to.as_str()).increment(1);
    Ok(StatusChanged {
        id: ticket.id,
        status: to,
        resolved_at,
        survey,
    })
}
