//! `GET /api/v1/alerts` and `POST /api/v1/alerts/{id}/read`: what the province's supervisors should see at once:
//! tickets reopened after a low satisfaction score, with the citizen's comment. Read per supervisor: one
//! supervisor's reading does not hide it from the others. A supervisor with a province sees its tickets' alerts.
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{
    ColumnTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use entity::{alert_reads, alerts, tickets};

use super::session::Officer;
use crate::domain::TrackingCode;
use crate::web::{ApiError, AppState, ErrorBody};

/// Alerts listed at most.
const LIMIT: u64 = 200;

#[derive(Serialize, ToSchema)]
pub struct AlertView {
    pub id: i32,
    /// `low_score`: a ticket reopened after a satisfaction score of 1-2 or "not solved".
    pub kind: String,
    pub ticket_id: Option<i32>,
    pub tracking_code: Option<String>,
    pub unit_code: Option<String>,
    pub unit_name: Option<String>,
    pub score: Option<i16>,
    pub solved: Option<bool>,
    /// The citizen's comment on the survey page, if any.
    pub comment: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Read by this supervisor.
    pub read: bool,
}

#[derive(Serialize, ToSchema)]
pub struct AlertList {
    pub items: Vec<AlertView>,
    /// Unread by this supervisor.
    pub unread: u64,
}

#[derive(Deserialize, IntoParams)]
pub struct AlertQuery {
    /// `true`: only those this supervisor has not read.
    #[serde(default)]
    pub unread: bool,
}

#[utoipa::path(
    get,
    path = "/api/v1/alerts",
    tag = "inbox",
    params(AlertQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "The newest alerts first (at most 200), with this supervisor's read marks", body = AlertList),
        (status = 400, description = "`unread` is not true or false", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Alerts are for supervisors and admins", body = ErrorBody),
        (status = 503, description = "The database is unavailable for a moment", body = ErrorBody),
    )
)]
pub async fn list(
    officer: Officer,
    state: web::Data<AppState>,
    query: web::Query<AlertQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(alerts_for(&state, &officer, query.unread).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/alerts/{id}/read",
    tag = "inbox",
    params(("id" = i32, Path, description = "The alert's id")),
    security(("session" = [])),
    responses(
        (status = 204, description = "Marked read for this supervisor (again is no error)"),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Alerts are for supervisors and admins", body = ErrorBody),
        (status = 404, description = "No such alert", body = ErrorBody),
        (status = 503, description = "The database is unavailable for a moment", body = ErrorBody),
    )
)]
pub async fn mark_read(
    officer: Officer,
    state: web::Data<AppState>,
    id: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    read(&state, &officer, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The newest alerts with this supervisor's marks (the API and the inbox page).
pub async fn alerts_for(
    state: &AppState,
    officer: &Officer,
    unread_only: bool,
) -> Result<AlertList, ApiError> {
    supervisors_only(officer)?;
    let db = &state.db.read;
    let read_by_me = Query::select()
        .column(alert_reads::Column::AlertId)
        .from(alert_reads::Entity)
        .and_where(alert_reads::Column::OfficerId.eq(officer.id))
        .to_owned();
    let unread = in_scope(officer)
        .filter(alerts::Column::Id.not_in_subquery(read_by_me.clone()))
        .count(db)
        .await?;
    let mut select = in_scope(officer)
        .order_by_desc(alerts::Column::Id)
        .limit(LIMIT);
    if unread_only {
        select = select.filter(alerts::Column::Id.not_in_subquery(read_by_me));
    }
    let rows = select.all(db).await?;
    let ids: Vec<i32> = rows.iter().map(|a| a.id).collect();
    let read: std::collections::HashSet<i32> = alert_reads::Entity::find()
        .filter(alert_reads::Column::OfficerId.eq(officer.id))
        .filter(alert_reads::Column::AlertId.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.alert_id)
        .collect();
    let codes: std::collections::HashMap<i32, String> = tickets::Entity::find()
        .select_only()
        .column(tickets::Column::Id)
        .column(tickets::Column::TrackingCode)
        .filter(tickets::Column::Id.is_in(rows.iter().filter_map(|a| a.ticket_id)))
        .into_tuple::<(i32, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let items = rows
        .into_iter()
        .map(|a| AlertView {
            read: read.contains(&a.id),
            tracking_code: a
                .ticket_id
                .and_then(|id| codes.get(&id))
                .map(|c| TrackingCode::display(c)),
            unit_name: a
                .unit_code
                .as_deref()
                .and_then(|c| state.gazetteer.unit(c))
                .map(|u| u.name.clone()),
            id: a.id,
            kind: a.kind,
            ticket_id: a.ticket_id,
            unit_code: a.unit_code,
            score: a.score,
            solved: a.solved,
            comment: a.comment,
            created_at: a.created_at,
        })
        .collect();
    Ok(AlertList { items, unread })
}

/// Marks alert `id` read for this supervisor.
pub async fn read(state: &AppState, officer: &Officer, id: i32) -> Result<(), ApiError> {
    supervisors_only(officer)?;
    in_scope(officer)
        .filter(alerts::Column::Id.eq(id))
        .one(&state.db.read)
        .await?
        .ok_or(ApiError::NotFound)?;
    // Read twice (two tabs, two instances) is read once.
    let inserted = alert_reads::Entity::insert(alert_reads::ActiveModel {
        alert_id: Set(id),
        officer_id: Set(officer.id),
        read_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([alert_reads::Column::AlertId, alert_reads::Column::OfficerId])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&state.db.write)
    .await;
    match inserted {
        Ok(_) | Err(DbErr::RecordNotInserted) => Ok(()),
        Err(err) => Err(err.into()),
    }
}

/// The alerts of the tickets the officer sees (a supervisor with a province: that province's).
fn in_scope(officer: &Officer) -> sea_orm::Select<alerts::Entity> {
    let select = alerts::Entity::find();
    match officer.ticket_scope() {
        None => select,
        Some(scope) => select.filter(
            alerts::Column::TicketId.in_subquery(
                Query::select()
                    .column(tickets::Column::Id)
                    .from(tickets::Entity)
                    .and_where(scope)
                    .to_owned(),
            ),
        ),
    }
}

fn supervisors_only(officer: &Officer) -> Result<(), ApiError> {
    if officer.sees_all() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "alerts are for the province's supervisors and admins",
        ))
    }
}
