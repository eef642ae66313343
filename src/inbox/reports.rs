//! `GET /api/v1/reports/routing`: how automatic routing fared against what officers did afterwards, for
//! supervisors. A ticket auto-routed to a unit and never moved counts as right; one moved by an officer counts
//! as wrong; tickets sent to triage are counted apart (their cost is time, not a wrong unit). A supervisor with a
//! province counts the tickets filed under it.
use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use entity::{routing_decisions, tickets};

use super::session::Officer;
use crate::deadlines::calendar::VIETNAM;
use crate::domain::UnitCode;
use crate::web::{ApiError, AppState, ErrorBody};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Period {
    /// First day, `YYYY-MM-DD` in Vietnam's time; default 29 days before `to`.
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last day, inclusive; default today.
    #[param(format = Date)]
    pub to: Option<String>,
}

/// How automatic routing fared over the period, overall and per unit.
#[derive(Serialize, ToSchema)]
pub struct RoutingReport {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub tickets: usize,
    pub auto_routed: u64,
    pub moved_by_officer: u64,
    /// Share of auto-routed tickets never moved; null without any.
    pub auto_precision: Option<f64>,
    pub triaged: u64,
    pub triage_routed_by_officer: u64,
    pub units: Vec<UnitRouting>,
}

#[derive(Serialize, ToSchema)]
pub struct UnitRouting {
    pub unit_code: String,
    pub unit_name: Option<String>,
    pub auto_routed: u64,
    pub moved_by_officer: u64,
    pub precision: Option<f64>,
}

/// Days are Vietnam's (UTC+7); `to` is inclusive. Default: the last 30 days.
pub fn period_bounds(period: &Period) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiError> {
    let today = Utc::now().with_timezone(&VIETNAM).date_naive();
    // Years 2000 to 2999: what a report can mean, and far from the calendar's ends (day arithmetic past them panics).
    let parse = |value: &Option<String>, default: NaiveDate| -> Result<NaiveDate, ApiError> {
        match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .ok()
                .filter(|day| (2000..3000).contains(&day.year()))
                .ok_or_else(|| {
                    ApiError::BadRequest(format!(
                        "'{v}' is not a date like 2026-07-01 (years 2000 to 2999)"
                    ))
                }),
        }
    };
    let from = parse(&period.from, today - Duration::days(29))?;
    let to = parse(&period.to, today)?;
    if to < from {
        return Err(ApiError::BadRequest("'to' is before 'from'".into()));
    }
    let start = |day: NaiveDate| {
        VIETNAM
            .from_local_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight"))
            .single()
            .expect("a fixed offset has no gaps")
            .with_timezone(&Utc)
    };
    Ok((start(from), start(to + Duration::days(1))))
}

#[derive(Default)]
struct Tally {
    auto_routed: u64,
    moved_by_officer: u64,
}

#[utoipa::path(
    get,
    path = "/api/v1/reports/routing",
    tag = "reports",
    params(Period),
    security(("session" = [])),
    responses(
        (status = 200, description = "The report", body = RoutingReport),
        (status = 400, description = "A date is not valid, or `to` is before `from`", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "For supervisors", body = ErrorBody),
        (status = 503, description = "The database is unavailable for a moment", body = ErrorBody),
    )
)]
pub async fn routing(
    officer: Officer,
    state: web::Data<AppState>,
    period: web::Query<Period>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(routing_report(&state, &officer, &period).await?))
}

/// The routing report over `period` (the API and the reports page). Supervisors only.
pub async fn routing_report(
    state: &AppState,
    officer: &Officer,
    period: &Period,
) -> Result<RoutingReport, ApiError> {
    if !officer.sees_all() {
        return Err(ApiError::Forbidden("routing reports are for supervisors"));
    }
    let (from, to) = period_bounds(period)?;
    let mut routed = tickets::Entity::find()
        .select_only()
        .column(tickets::Column::Id)
        .column(tickets::Column::UnitCode)
        .filter(tickets::Column::CreatedAt.gte(from))
        .filter(tickets::Column::CreatedAt.lt(to));
    // A supervisor with a province: the tickets filed there now.
    if let Some(scope) = officer.ticket_scope() {
        routed = routed.filter(scope);
    }
    let routed: Vec<(i32, Option<String>)> = routed.into_tuple().all(&state.db.read).await?;
    let ids: Vec<i32> = routed.iter().map(|(id, _)| *id).collect();
    let mut decisions: BTreeMap<i32, Vec<routing_decisions::Model>> = BTreeMap::new();
    for chunk in ids.chunks(500) {
        for d in routing_decisions::Entity::find()
            .filter(routing_decisions::Column::TicketId.is_in(chunk.iter().copied()))
            .order_by_asc(routing_decisions::Column::Id)
            .all(&state.db.read)
            .await?
        {
            decisions.entry(d.ticket_id).or_default().push(d);
        }
    }
    let mut per_unit: BTreeMap<UnitCode, Tally> = BTreeMap::new();
    let (mut triaged, mut triage_routed_by_officer) = (0u64, 0u64);
    for (id, unit_code) in &routed {
        // A ticket never corrected has no decision rows: its unit is still the automatic one.
        let (first_unit, moved) = match decisions.get(id).map(Vec::as_slice) {
            None | Some([]) => (unit_code, false),
            Some([first, later @ ..]) if first.decided_by == "auto" => (
                &first.unit_code,
                later.iter().any(|d| d.decided_by == "officer"),
            ),
            Some(_) => continue,
        };
        match first_unit {
            Some(unit) => {
                let tally = per_unit.entry(UnitCode::stored(unit.clone())).or_default();
                tally.auto_routed += 1;
                tally.moved_by_officer += u64::from(moved);
            }
            None => {
                triaged += 1;
                triage_routed_by_officer += u64::from(moved);
            }
        }
    }
    let auto_routed: u64 = per_unit.values().map(|t| t.auto_routed).sum();
    let moved: u64 = per_unit.values().map(|t| t.moved_by_officer).sum();
    let precision =
        |routed: u64, moved: u64| (routed > 0).then(|| (routed - moved) as f64 / routed as f64);
    let units = per_unit
        .iter()
        .map(|(code, t)| UnitRouting {
            unit_code: code.as_str().to_owned(),
            unit_name: state.gazetteer.unit(code.as_str()).map(|u| u.name.clone()),
            auto_routed: t.auto_routed,
            moved_by_officer: t.moved_by_officer,
            precision: precision(t.auto_routed, t.moved_by_officer),
        })
        .collect();
    Ok(RoutingReport {
        from,
        to,
        tickets: routed.len(),
        auto_routed,
        moved_by_officer: moved,
        auto_precision: precision(auto_routed, moved),
        triaged,
        triage_routed_by_officer,
        units,
    })
}
