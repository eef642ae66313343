//! `GET /api/v1/reports/routing`: how automatic routing fared against what officers did afterwards, for
//! supervisors. A ticket auto-routed to a unit and never moved counts as right; one moved by an officer counts
//! as wrong; tickets sent to triage are counted apart (their cost is time, not a wrong unit).
use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;
use serde_json::json;

use entity::{routing_decisions, tickets};

use super::session::Officer;
use crate::deadlines::calendar::VIETNAM;
use crate::domain::UnitCode;
use crate::web::{ApiError, AppState};

#[derive(Deserialize)]
pub struct Period {
    from: Option<String>,
    to: Option<String>,
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

pub async fn routing(
    officer: Officer,
    state: web::Data<AppState>,
    period: web::Query<Period>,
) -> Result<HttpResponse, ApiError> {
    if !officer.sees_all() {
        return Err(ApiError::Forbidden("routing reports are for supervisors"));
    }
    let (from, to) = period_bounds(&period)?;
    let routed: Vec<(i32, Option<String>)> = tickets::Entity::find()
        .select_only()
        .column(tickets::Column::Id)
        .column(tickets::Column::UnitCode)
        .filter(tickets::Column::CreatedAt.gte(from))
        .filter(tickets::Column::CreatedAt.lt(to))
        .into_tuple()
        .all(&state.db.read)
        .await?;
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
    let units: Vec<_> = per_unit
        .iter()
        .map(|(code, t)| {
            json!({
                "unit_code": code,
                "unit_name": state.gazetteer.unit(code.as_str()).map(|u| u.name.clone()),
                "auto_routed": t.auto_routed,
                "moved_by_officer": t.moved_by_officer,
                "precision": precision(t.auto_routed, t.moved_by_officer),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "from": from,
        "to": to,
        "tickets": routed.len(),
        "auto_routed": auto_routed,
        "moved_by_officer": moved,
        "auto_precision": precision(auto_routed, moved),
        "triaged": triaged,
        "triage_routed_by_officer": triage_routed_by_officer,
        "units": units,
    })))
}
