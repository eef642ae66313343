//! `POST /api/v1/tickets/{id}/survey`: an officer sends the satisfaction survey by hand (the open survey's
//! question again, or a new survey where the rules allow one: resolved, not an excluded track, at most two).
use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::audit;
use super::session::Officer;
use super::tickets::{change_ticket, visible_ticket};
use crate::satisfaction::Context;
use crate::satisfaction::ask::{self, NotAsked};
use crate::web::{ApiError, AppState, ErrorBody};

#[derive(Serialize, ToSchema)]
pub struct SurveySent {
    /// How the question went: `zalo_cs`, `messenger` or `email` (queued), or `link` (the survey link on the
    /// tracking page only: the channel's window for an automatic message has closed).
    pub via: String,
    /// 1, or 2 for the survey after a low answer reopened the ticket.
    pub round: i16,
}

#[utoipa::path(
    post,
    path = "/api/v1/tickets/{id}/survey",
    tag = "inbox",
    params(("id" = i32, Path, description = "The ticket's id")),
    security(("session" = [])),
    responses(
        (status = 202, description = "Asked (or the link is ready on the tracking page)", body = SurveySent),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such ticket, or another unit's", body = ErrorBody),
        (status = 409, description = "Not resolved yet, or its surveys are done", body = ErrorBody),
        (status = 422, description = "Tickets of this legal track are never surveyed", body = ErrorBody),
        (status = 503, description = "The database is unavailable for a moment", body = ErrorBody),
    )
)]
pub async fn send(
    officer: Officer,
    state: web::Data<AppState>,
    id: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    let sent = send_by_hand(&state, &officer, id.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(sent))
}

/// The API's and the ticket page's "send survey".
pub async fn send_by_hand(
    state: &AppState,
    officer: &Officer,
    id: i32,
) -> Result<SurveySent, ApiError> {
    visible_ticket(state, officer, id).await?;
    let (txn, ticket) = change_ticket(state, officer, id).await?;
    let asked = ask::by_hand(
        &txn,
        Context::new(&state.settings, &state.gazetteer),
        &ticket,
        Utc::now(),
    )
    .await?;
    let survey = match asked {
        Ok(survey) => survey,
        Err(reason) => {
            txn.rollback().await?;
            return Err(match reason {
                NotAsked::ExcludedTrack => {
                    ApiError::Validation(vec![crate::domain::FieldError::new(
                        "legal_track",
                        "not_surveyed",
                        "Phản ánh thuộc loại không khảo sát mức độ hài lòng",
                        "tickets of this legal track are never surveyed (satisfaction.exclude_tracks)",
                    )])
                }
                NotAsked::NotResolved => ApiError::Conflict(
                    "the ticket is not resolved: a survey asks how it was resolved",
                ),
                NotAsked::Done => ApiError::Conflict(
                    "this ticket's surveys are done: at most two, the second only after a low answer reopened it",
                ),
            });
        }
    };
    let via = survey.asked_via.clone().unwrap_or_else(|| "link".into());
    audit::record(
        &txn,
        officer,
        ticket.id,
        "survey_sent",
        json!({"round": survey.round, "via": via}),
    )
    .await?;
    txn.commit().await?;
    state.intake.outbound.wake();
    Ok(SurveySent {
        via,
        round: survey.round,
    })
}
