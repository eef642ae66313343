//! `POST /api/v1/tickets/{id}/deadline` (and `/extension`, the contract's name for `extend`): the two clocks of complaints and denunciations. `take_on` (thụ lý) starts
//! the resolution's clock (`resolve_days` from today); `extend` prolongs it for a complex case, by `extend_days`, at
//! most `max_extensions` times (complaints 30 -> 45 days once; denunciations +30, +30), with the reason. Each is
//! in the ticket's history; a prolonged case counts as such in reports. Other tracks have one clock and no extension.
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use entity::tickets;

use super::audit;
use super::session::Officer;
use super::tickets::{change_ticket, visible_ticket};
use crate::deadlines::resolution_clock;
use crate::domain::{FieldError, TicketStatus};
use crate::routing::LegalTrack;
use crate::web::{ApiError, AppState, ErrorBody};

const MAX_REASON_CHARS: usize = 1000;
pub const RESOLUTION: &str = "resolution";

#[derive(Deserialize, ToSchema)]
pub struct DeadlineRequest {
    /// `take_on`: the case is taken on, its resolution's clock starts today; `extend`: a complex case's
    /// resolution is prolonged.
    #[schema(value_type = DeadlineAction)]
    pub action: String,
    /// Why: required to extend; at most 1,000 characters.
    #[serde(default)]
    pub reason: Option<String>,
}

/// What an officer does to a ticket's deadline.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)] // Named for the API document; the request keeps the raw string to answer a clear 422.
pub enum DeadlineAction {
    TakeOn,
    Extend,
}

#[derive(Serialize, ToSchema)]
pub struct DeadlineChanged {
    pub id: i32,
    pub due_at: DateTime<Utc>,
    /// `resolution` once taken on.
    pub due_stage: Option<String>,
    /// How many times the resolution was prolonged.
    pub extensions: i32,
}

#[utoipa::path(
    post,
    path = "/api/v1/tickets/{id}/deadline",
    tag = "inbox",
    params(("id" = i32, Path, description = "The ticket's id")),
    request_body = DeadlineRequest,
    security(("session" = [])),
    responses(
        (status = 200, description = "The deadline as it now stands", body = DeadlineChanged),
        (status = 400, description = "The body is not valid JSON of this shape", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such ticket, or another unit's", body = ErrorBody),
        (status = 409, description = "Not open, already taken on, not yet taken on, or prolonged as often as the law allows", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "Not an action, a track without a second clock, or an extension without its reason", body = ErrorBody),
        (status = 503, description = "The database is unavailable for a moment", body = ErrorBody),
    )
)]
pub async fn change(
    officer: Officer,
    state: web::Data<AppState>,
    id: web::Path<i32>,
    body: web::Json<DeadlineRequest>,
) -> Result<HttpResponse, ApiError> {
    let changed = set(&state, &officer, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(changed))
}

#[derive(Deserialize, ToSchema)]
pub struct ExtensionRequest {
    /// Why the case is complex enough to prolong; 1 to 1,000 characters.
    pub reason: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/tickets/{id}/extension",
    tag = "inbox",
    params(("id" = i32, Path, description = "The ticket's id")),
    request_body = ExtensionRequest,
    security(("session" = [])),
    responses(
        (status = 200, description = "Prolonged: the deadline as it now stands (the same as `/deadline` with `extend`)", body = DeadlineChanged),
        (status = 400, description = "The body is not valid JSON of this shape", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such ticket, or another unit's", body = ErrorBody),
        (status = 409, description = "Not open, not yet taken on, or prolonged as often as the law allows", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "A track without a second clock, or no reason", body = ErrorBody),
        (status = 503, description = "The database is unavailable for a moment", body = ErrorBody),
    )
)]
pub async fn extension(
    officer: Officer,
    state: web::Data<AppState>,
    id: web::Path<i32>,
    body: web::Json<ExtensionRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = DeadlineRequest {
        action: "extend".into(),
        reason: Some(body.into_inner().reason),
    };
    let changed = set(&state, &officer, id.into_inner(), request).await?;
    Ok(HttpResponse::Ok().json(changed))
}

/// Takes the case on or prolongs it (the API and the inbox page).
pub async fn set(
    state: &AppState,
    officer: &Officer,
    id: i32,
    request: DeadlineRequest,
) -> Result<DeadlineChanged, ApiError> {
    let ticket = visible_ticket(state, officer, id).await?;
    let extend = match request.action.trim() {
        "take_on" => false,
        "extend" => true,
        _ => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "action",
                "invalid",
                "Chọn thụ lý hoặc gia hạn",
                "action must be 'take_on' or 'extend'",
            )]));
        }
    };
    let reason = request
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    if reason.as_ref().is_some_and(|r| {
        r.chars().count() > MAX_REASON_CHARS || super::replies::has_control_characters(r)
    }) || (extend && reason.is_none())
    {
        return Err(ApiError::Validation(vec![FieldError::new(
            "reason",
            "required",
            "Vui lòng ghi lý do gia hạn (tối đa 1.000 ký tự)",
            "an extension needs its reason, in at most 1,000 characters",
        )]));
    }
    let (txn, ticket) = change_ticket(state, officer, ticket.id).await?;
    let track = ticket.legal_track.as_deref().and_then(LegalTrack::parse);
    let Some(clock) = track.and_then(|t| resolution_clock(&state.settings.deadlines, t)) else {
        return Err(ApiError::Validation(vec![FieldError::new(
            "action",
            "one_clock",
            "Loại đơn này không có thời hạn giải quyết riêng để thụ lý hay gia hạn",
            "only complaints and denunciations have a resolution deadline to start or prolong",
        )]));
    };
    if !matches!(ticket.status, TicketStatus::New | TicketStatus::InProgress) {
        return Err(ApiError::Conflict("the ticket is no longer open"));
    }
    let now = Utc::now();
    let in_resolution = ticket.due_stage.as_deref() == Some(RESOLUTION);
    let (due_at, extensions, action) = if extend {
        if !in_resolution {
            return Err(ApiError::Conflict(
                "take the case on first: its resolution's deadline is what the law lets you prolong",
            ));
        }
        if ticket.extensions >= i32::try_from(clock.max_extensions).unwrap_or(i32::MAX) {
            return Err(ApiError::Conflict(
                "the deadline has been prolonged as often as the law allows",
            ));
        }
        let days = i64::from(clock.extend_days.unwrap_or(0));
        let from = ticket.due_at.unwrap_or(now);
        (
            from + Duration::days(days),
            ticket.extensions + 1,
            "deadline_extended",
        )
    } else {
        if in_resolution {
            return Err(ApiError::Conflict("the case has already been taken on"));
        }
        let days = clock.resolve_days.unwrap_or(0);
        (
            state
                .intake
                .deadlines
                .calendar()
                .add_calendar_days(now, days),
            ticket.extensions,
            "case_taken_on",
        )
    };
    // Only from the deadline the officer's action read: two officers prolonging at once do not both win.
    let changed = tickets::Entity::update_many()
        .col_expr(tickets::Column::DueAt, Expr::value(Some(due_at)))
        .col_expr(tickets::Column::DueStage, Expr::value(Some(RESOLUTION)))
        .col_expr(tickets::Column::DueSetAt, Expr::value(Some(now)))
        .col_expr(tickets::Column::Extensions, Expr::value(extensions))
        .col_expr(tickets::Column::UpdatedAt, Expr::value(now))
        // Taking a new ticket on takes it in hand.
        .col_expr(
            tickets::Column::Status,
            Expr::value(TicketStatus::InProgress),
        )
        .filter(tickets::Column::Id.eq(ticket.id))
        .filter(tickets::Column::Extensions.eq(ticket.extensions))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        txn.rollback().await?;
        return Err(ApiError::Conflict(
            "the deadline changed meanwhile; reload it",
        ));
    }
    audit::record(
        &txn,
        officer,
        ticket.id,
        action,
        json!({
            "from": {"due_at": ticket.due_at, "due_stage": ticket.due_stage, "extensions": ticket.extensions},
            "to": {"due_at": due_at, "due_stage": RESOLUTION, "extensions": extensions},
            "reason": reason,
        }),
    )
    .await?;
    txn.commit().await?;
    metrics::counter!("ticket_deadline_changes_total", "action" => action).increment(1);
    Ok(DeadlineChanged {
        id: ticket.id,
        due_at,
        due_stage: Some(RESOLUTION.to_owned()),
        extensions,
    })
}
