//! `POST /api/v1/tickets/{id}/assign`: give a ticket to an officer who can see it (its unit's, or a supervisor
//! for the triage queue), take it, or unassign it.
use actix_web::{HttpResponse, web};
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use entity::{officers, tickets};

use super::audit;
use super::session::Officer;
use super::tickets::{change_ticket, visible_ticket};
use crate::domain::FieldError;
use crate::web::{ApiError, AppState, ErrorBody};

#[derive(Deserialize, ToSchema)]
pub struct AssignRequest {
    /// The officer to hold the ticket; null unassigns it.
    pub officer_id: Option<i32>,
}

#[derive(Serialize, ToSchema)]
pub struct Assigned {
    pub id: i32,
    pub assigned_officer_id: Option<i32>,
}

#[utoipa::path(
    post,
    path = "/api/v1/tickets/{id}/assign",
    tag = "inbox",
    params(("id" = i32, Path, description = "The ticket's id")),
    request_body = AssignRequest,
    security(("session" = [])),
    responses(
        (status = 200, description = "Assigned (or unassigned)", body = Assigned),
        (status = 400, description = "The body is not valid JSON of this shape", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such ticket, or another unit's", body = ErrorBody),
        (status = 409, description = "Already so, or assigned meanwhile", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "Not an active officer who can see this ticket", body = ErrorBody),
        (status = 503, description = "The database is unavailable for a moment", body = ErrorBody),
    )
)]
pub async fn assign(
    officer: Officer,
    state: web::Data<AppState>,
    id: web::Path<i32>,
    body: web::Json<AssignRequest>,
) -> Result<HttpResponse, ApiError> {
    let assigned = give(&state, &officer, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(assigned))
}

/// Gives ticket `id` to the officer asked, or to no one (the API and the inbox page).
pub async fn give(
    state: &AppState,
    officer: &Officer,
    id: i32,
    request: AssignRequest,
) -> Result<Assigned, ApiError> {
    let ticket = visible_ticket(state, officer, id).await?;
    let to = request.officer_id;
    let (txn, ticket) = change_ticket(state, officer, ticket.id).await?;
    if let Some(target) = to {
        // Against the locked ticket's unit: a ticket moved meanwhile is not given to the old unit's officer.
        let holder = officers::Entity::find_by_id(target)
            .one(&txn)
            .await?
            .filter(|o| o.active)
            .and_then(Officer::from_model)
            .filter(|o| o.can_see_ticket(&ticket));
        if holder.is_none() {
            return Err(ApiError::Validation(vec![FieldError::new(
                "officer_id",
                "not_of_unit",
                "Cán bộ này không thuộc đơn vị đang giữ phản ánh",
                "not an active officer who can see this ticket (its unit's, or a supervisor)",
            )]));
        }
    }
    if ticket.assigned_officer_id == to {
        return Err(ApiError::Conflict("the ticket is already so"));
    }
    // Only from the holder the officer saw: two officers taking it at once do not both win.
    let changed = tickets::Entity::update_many()
        .col_expr(tickets::Column::AssignedOfficerId, Expr::value(to))
        .col_expr(tickets::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(tickets::Column::Id.eq(ticket.id))
        .filter(match ticket.assigned_officer_id {
            Some(id) => tickets::Column::AssignedOfficerId.eq(id),
            None => tickets::Column::AssignedOfficerId.is_null(),
        })
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        txn.rollback().await?;
        return Err(ApiError::Conflict(
            "the ticket was assigned meanwhile; reload it",
        ));
    }
    audit::record(
        &txn,
        officer,
        ticket.id,
        "ticket_assigned",
        json!({"from": ticket.assigned_officer_id, "to": to}),
    )
    .await?;
    txn.commit().await?;
    Ok(Assigned {
        id: ticket.id,
        assigned_officer_id: to,
    })
}
