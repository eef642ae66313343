//! Officers' corrections of what intake decided: `POST /api/v1/tickets/{id}/route` moves a ticket to another
//! unit (or back to triage), `POST /api/v1/tickets/{id}/classification` corrects its topic, legal track or urgency.
//! The automatic decision is never overwritten: each correction adds a row (routing_decisions, audit_log), so
//! routing quality can be measured against what officers did.
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, NotSet, QueryFilter, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use entity::{routing_decisions, tickets};

use super::audit;
use super::session::Officer;
use super::tickets::{UnitRef, change_ticket, unit_ref, visible_ticket};
use crate::domain::{FieldError, UnitCode};
use crate::intake::tickets::automatic_decision;
use crate::routing::{LegalTrack, Reason, Topic};
use crate::web::{ApiError, AppState, ErrorBody};

const MAX_REASON_CHARS: usize = 1000;

#[derive(Deserialize, ToSchema)]
pub struct RouteRequest {
    /// Absent or null: back to the triage queue.
    #[serde(default)]
    pub unit_code: Option<String>,
    /// Why, in at most 1,000 characters: required.
    #[serde(default)]
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct Rerouted {
    pub id: i32,
    /// Null: back in the triage queue.
    pub unit: Option<UnitRef>,
    /// False when the officer moved it out of their own unit.
    pub visible_to_you: bool,
}

/// Move a ticket to another unit of the province, or back to triage, with a reason. A supervisor with a province
/// moves tickets within it (or back to its triage queue).
#[utoipa::path(
    post,
    path = "/api/v1/tickets/{id}/route",
    tag = "inbox",
    params(("id" = i32, Path, description = "The ticket's id")),
    request_body = RouteRequest,
    security(("session" = [])),
    responses(
        (status = 200, description = "Moved", body = Rerouted),
        (status = 400, description = "The body is not valid JSON of this shape", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such ticket, or another unit's", body = ErrorBody),
        (status = 409, description = "Already there, or moved meanwhile", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "Unknown unit, a unit outside the supervisor's province, or missing reason", body = ErrorBody),
        (status = 503, description = "The database is unavailable for a moment", body = ErrorBody),
    )
)]
pub async fn route(
    officer: Officer,
    state: web::Data<AppState>,
    id: web::Path<i32>,
    body: web::Json<RouteRequest>,
) -> Result<HttpResponse, ApiError> {
    let moved = reroute(&state, &officer, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(moved))
}

/// Moves ticket `id` to another unit or back to triage (the API and the inbox page).
pub async fn reroute(
    state: &AppState,
    officer: &Officer,
    id: i32,
    request: RouteRequest,
) -> Result<Rerouted, ApiError> {
    let ticket = visible_ticket(state, officer, id).await?;
    let RouteRequest { unit_code, reason } = request;
    let reason = reason_field(&reason)?;
    let unit_code = unit_code
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    let unit = match unit_code.as_deref() {
        None => None,
        Some(raw) => Some(
            UnitCode::parse(raw)
                .and_then(|code| state.gazetteer.unit(code.as_str()).map(|unit| (code, unit)))
                .ok_or_else(|| {
                    ApiError::Validation(vec![FieldError::new(
                        "unit_code",
                        "unknown_unit",
                        "Mã đơn vị không thuộc tỉnh này",
                        "not a unit of the served province",
                    )])
                })?,
        ),
    };
    let (unit_code, unit): (Option<UnitCode>, _) = unit.unzip();
    let stored = unit_code.as_ref().map(UnitCode::as_str);
    // The province goes with the unit; back in triage, the ticket stays in its province's triage queue.
    let province = match unit {
        Some(unit) => Some(unit.province_code.clone()),
        None => ticket.province_code.clone(),
    };
    if let Some(mine) = officer.province()
        && province.as_deref() != Some(mine)
    {
        return Err(ApiError::Validation(vec![FieldError::new(
            "unit_code",
            "outside_province",
            "Chỉ chuyển được đến đơn vị thuộc tỉnh của bạn",
            "a unit of your own province only",
        )]));
    }
    if ticket.unit_code.as_deref() == stored {
        return Err(ApiError::Conflict("the ticket is already there"));
    }
    let reasons = vec![match unit {
        Some(unit) => Reason::new(
            "officer_moved",
            format!(
                "Cán bộ {} chuyển đến {}: {reason}",
                officer.username, unit.name
            ),
            format!(
                "Moved to {} by officer {}: {reason}",
                unit.name, officer.username
            ),
        ),
        None => Reason::new(
            "officer_to_triage",
            format!(
                "Cán bộ {} trả về hàng chờ phân loại: {reason}",
                officer.username
            ),
            format!(
                "Sent back to triage by officer {}: {reason}",
                officer.username
            ),
        ),
    }];
    let reasons = serde_json::to_string(&reasons).map_err(|e| ApiError::Internal(e.into()))?;
    let now = Utc::now();
    let txn = state.db.begin_write().await?;
    // Only from the unit the officer saw: two officers moving the same ticket at once do not both win.
    let moved = tickets::Entity::update_many()
        .col_expr(
            tickets::Column::UnitCode,
            Expr::value(stored.map(str::to_owned)),
        )
        .col_expr(tickets::Column::ProvinceCode, Expr::value(province.clone()))
        .col_expr(tickets::Column::RoutingConfidence, Expr::value(Some(1.0)))
        // The holder was of the unit it leaves.
        .col_expr(tickets::Column::AssignedOfficerId, Expr::value(None::<i32>))
        .col_expr(
            tickets::Column::RoutingReasons,
            Expr::value(Some(reasons.clone())),
        )
        .col_expr(tickets::Column::UpdatedAt, Expr::value(now))
        .filter(tickets::Column::Id.eq(ticket.id))
        .filter(match &ticket.unit_code {
            Some(code) => tickets::Column::UnitCode.eq(code.clone()),
            None => tickets::Column::UnitCode.is_null(),
        })
        .exec(&txn)
        .await?;
    if moved.rows_affected == 0 {
        txn.rollback().await?;
        return Err(ApiError::Conflict(
            "the ticket was moved meanwhile; reload it",
        ));
    }
    // The first correction: the automatic decision, held by the ticket's row until now, is written down first.
    let corrected_before = routing_decisions::Entity::find()
        .filter(routing_decisions::Column::TicketId.eq(ticket.id))
        .one(&txn)
        .await?
        .is_some();
    if !corrected_before {
        let mut automatic = automatic_decision(&ticket).into_active_model().reset_all();
        automatic.id = NotSet;
        automatic.insert(&txn).await?;
    }
    routing_decisions::ActiveModel {
        ticket_id: Set(ticket.id),
        unit_code: Set(stored.map(str::to_owned)),
        confidence: Set(1.0),
        reasons: Set(reasons),
        decided_by: Set("officer".into()),
        officer_id: Set(Some(officer.id)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        officer,
        ticket.id,
        "ticket_routed",
        json!({
            "from": ticket.unit_code,
            "to": unit_code,
            "province_code": province,
            "reason": reason,
            "unassigned": ticket.assigned_officer_id,
        }),
    )
    .await?;
    txn.commit().await?;
    metrics::counter!(
        "tickets_rerouted_total",
        "to" => if unit_code.is_some() { "unit" } else { "triage" }
    )
    .increment(1);
    Ok(Rerouted {
        id: ticket.id,
        unit: unit_ref(state, stored),
        visible_to_you: officer.can_see(stored, province.as_deref()),
    })
}

#[derive(Deserialize, ToSchema)]
pub struct ClassificationRequest {
    /// `residence`, `id_card`, `vehicle_registration`, `public_order`, `traffic`, `officer_conduct`, `other`.
    topic: Option<String>,
    /// `feedback`, `citizen_request`, `complaint`, `denunciation`, `crime_report`: sets the deadline anew.
    legal_track: Option<String>,
    urgent: Option<bool>,
    /// Why, in at most 1,000 characters: required.
    #[serde(default)]
    reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct Reclassified {
    pub id: i32,
    pub topic: Option<String>,
    pub legal_track: Option<String>,
    pub urgent: bool,
    pub officer_conduct: bool,
    pub due_at: Option<DateTime<Utc>>,
}

/// Correct a ticket's topic, legal track or urgency, with a reason.
#[utoipa::path(
    post,
    path = "/api/v1/tickets/{id}/classification",
    tag = "inbox",
    params(("id" = i32, Path, description = "The ticket's id")),
    request_body = ClassificationRequest,
    security(("session" = [])),
    responses(
        (status = 200, description = "Corrected", body = Reclassified),
        (status = 400, description = "The body is not valid JSON of this shape, or changes nothing", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such ticket, or another unit's", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "Unknown topic or legal track, or missing reason", body = ErrorBody),
        (status = 503, description = "The database is unavailable for a moment", body = ErrorBody),
    )
)]
pub async fn classification(
    officer: Officer,
    state: web::Data<AppState>,
    id: web::Path<i32>,
    body: web::Json<ClassificationRequest>,
) -> Result<HttpResponse, ApiError> {
    let ticket = visible_ticket(&state, &officer, id.into_inner()).await?;
    let request = body.into_inner();
    let reason = reason_field(&request.reason)?;
    let mut errors = Vec::new();
    let topic = request.topic.as_deref().map(|t| {
        Topic::parse(t).ok_or_else(|| {
            errors.push(FieldError::new(
                "topic",
                "invalid",
                "Lĩnh vực không hợp lệ",
                "topic must be one of residence, id_card, vehicle_registration, public_order, traffic, officer_conduct, other",
            ))
        })
    });
    let track = request.legal_track.as_deref().map(|t| {
        LegalTrack::parse(t).ok_or_else(|| {
            errors.push(FieldError::new(
                "legal_track",
                "invalid",
                "Loại việc không hợp lệ",
                "legal_track must be one of feedback, citizen_request, complaint, denunciation, crime_report",
            ))
        })
    });
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let topic = topic.and_then(Result::ok);
    let track = track.and_then(Result::ok);
    if topic.is_none() && track.is_none() && request.urgent.is_none() {
        return Err(ApiError::BadRequest(
            "give at least one of topic, legal_track, urgent".into(),
        ));
    }
    let now = Utc::now();
    let mut update = tickets::Entity::update_many()
        .col_expr(tickets::Column::UpdatedAt, Expr::value(now))
        .filter(tickets::Column::Id.eq(ticket.id));
    if let Some(topic) = topic {
        update = update
            .col_expr(tickets::Column::Topic, Expr::value(Some(topic.as_str())))
            // The supervisors' conduct queue follows the corrected topic.
            .col_expr(
                tickets::Column::OfficerConduct,
                Expr::value(topic == Topic::OfficerConduct),
            );
    }
    let mut due_at = ticket.due_at;
    if let Some(track) = track {
        // The legal clock runs from receipt; a corrected track changes the deadline, not the start.
        due_at = Some(state.intake.deadlines.due_at(track, ticket.created_at));
        update = update
            .col_expr(
                tickets::Column::LegalTrack,
                Expr::value(Some(track.as_str())),
            )
            .col_expr(tickets::Column::DueAt, Expr::value(due_at))
            // The new track's first clock: a resolution started on the old track does not carry over.
            .col_expr(tickets::Column::DueStage, Expr::value(None::<String>))
            .col_expr(
                tickets::Column::DueSetAt,
                Expr::value(None::<DateTime<Utc>>),
            );
    }
    if let Some(urgent) = request.urgent {
        update = update.col_expr(tickets::Column::Urgent, Expr::value(urgent));
    }
    // Under the lock, still this officer's to change (not moved to another unit meanwhile).
    let (txn, _) = change_ticket(&state, &officer, ticket.id).await?;
    update.exec(&txn).await?;
    audit::record(
        &txn,
        &officer,
        ticket.id,
        "ticket_classified",
        json!({
            "from": {"topic": ticket.topic, "legal_track": ticket.legal_track, "urgent": ticket.urgent},
            "to": {
                "topic": topic.map(Topic::as_str),
                "legal_track": track.map(LegalTrack::as_str),
                "urgent": request.urgent,
            },
            "reason": reason,
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(Reclassified {
        id: ticket.id,
        topic: topic.map(|t| t.as_str().to_owned()).or(ticket.topic),
        legal_track: track.map(|t| t.as_str().to_owned()).or(ticket.legal_track),
        urgent: request.urgent.unwrap_or(ticket.urgent),
        officer_conduct: topic.map_or(ticket.officer_conduct, |t| t == Topic::OfficerConduct),
        due_at,
    }))
}

/// Why the officer changed it: required, so that measuring routing has the officers' words.
fn reason_field(reason: &str) -> Result<String, ApiError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(ApiError::Validation(vec![FieldError::new(
            "reason",
            "required",
            "Vui lòng ghi lý do (tối đa 1.000 ký tự)",
            "say why, in at most 1,000 characters",
        )]));
    }
    Ok(reason.to_owned())
}
