//! `GET /api/v1/reports/deadlines`: per unit, the open tickets, those due within 2 working days and those past
//! their deadline; the daily look a unit head and the province take at what is late. Officers see their unit,
//! supervisors every unit and the triage queue (`unit_code` null), those with a province that province's.
use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use utoipa::ToSchema;

use entity::tickets;

use super::session::Officer;
use crate::domain::TicketStatus;
use crate::web::{ApiError, AppState, ErrorBody};

#[derive(Serialize, ToSchema)]
pub struct DeadlineReport {
    pub at: DateTime<Utc>,
    /// The end of the second working day from now: "due soon" is due by then.
    pub soon_until: DateTime<Utc>,
    /// Units with open tickets, the most overdue first.
    pub units: Vec<UnitDeadlines>,
}

#[derive(Serialize, ToSchema, Default)]
pub struct UnitDeadlines {
    /// Null: the triage queue.
    pub unit_code: Option<String>,
    pub unit_name: Option<String>,
    /// New or in progress.
    pub open: i64,
    /// Due within 2 working days, not yet overdue.
    pub due_soon: i64,
    pub overdue: i64,
}

#[utoipa::path(
    get,
    path = "/api/v1/reports/deadlines",
    tag = "reports",
    security(("session" = [])),
    responses(
        (status = 200, description = "Open, due soon and overdue per unit", body = DeadlineReport),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 503, description = "The database is unavailable for a moment", body = ErrorBody),
    )
)]
pub async fn deadlines(
    officer: Officer,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(deadline_report(&state, &officer).await?))
}

/// Open, due soon and overdue per unit, within what the officer sees (the API and the reports page).
pub async fn deadline_report(
    state: &AppState,
    officer: &Officer,
) -> Result<DeadlineReport, ApiError> {
    let now = Utc::now();
    let soon_until = state.intake.deadlines.calendar().add_working_days(now, 2);
    let mut open = Condition::all()
        .add(tickets::Column::Status.is_in([TicketStatus::New, TicketStatus::InProgress]));
    if let Some(scope) = officer.ticket_scope() {
        open = open.add(scope);
    }
    // One grouped count per bound: open, due by `soon_until`, due by now.
    let count = |extra: Condition| {
        tickets::Entity::find()
            .select_only()
            .column(tickets::Column::UnitCode)
            .column_as(Expr::expr(Func::count(Expr::col(tickets::Column::Id))), "n")
            .filter(open.clone().add(extra))
            .group_by(tickets::Column::UnitCode)
            .into_tuple::<(Option<String>, i64)>()
            .all(&state.db.read)
    };
    let all = count(Condition::all()).await?;
    let soon = count(Condition::all().add(tickets::Column::DueAt.lte(soon_until))).await?;
    let late = count(Condition::all().add(tickets::Column::DueAt.lte(now))).await?;
    let mut units: BTreeMap<Option<String>, UnitDeadlines> = BTreeMap::new();
    for (code, n) in all {
        units.entry(code).or_default().open = n;
    }
    for (code, n) in soon {
        units.entry(code).or_default().due_soon = n;
    }
    for (code, n) in late {
        let unit = units.entry(code).or_default();
        unit.overdue = n;
        // Three reads, not one snapshot: a ticket changing between them must not make a count negative.
        unit.due_soon = (unit.due_soon - n).max(0);
    }
    let mut units: Vec<UnitDeadlines> = units
        .into_iter()
        .map(|(code, counts)| UnitDeadlines {
            unit_name: code
                .as_deref()
                .and_then(|c| state.gazetteer.unit(c))
                .map(|u| u.name.clone()),
            unit_code: code,
            ..counts
        })
        .collect();
    units.sort_by(|a, b| {
        (b.overdue, b.due_soon, &a.unit_code).cmp(&(a.overdue, a.due_soon, &b.unit_code))
    });
    Ok(DeadlineReport {
        at: now,
        soon_until,
        units,
    })
}
