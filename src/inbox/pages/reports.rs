//! `GET /reports`: each unit's open, due-soon and overdue tickets (the daily summary of what is late, a link to
//! each unit's overdue queue), and for supervisors how automatic routing fared over a period.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Datelike, Duration, Months, NaiveDate, Utc};
use serde_json::{Value, json};

use super::{PageContext, local, officer_or_login, word};
use crate::deadlines::calendar::VIETNAM;
use crate::inbox::deadlines_report::deadline_report;
use crate::inbox::reports::{Period, routing_report};
use crate::inbox::satisfaction_report::{SatisfactionQuery, satisfaction_report};
use crate::inbox::session::Officer;
use crate::satisfaction::chart::{self, Point};
use crate::satisfaction::report::{Group, Period as ReportPeriod, Row};
use crate::web::{ApiError, AppState};

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    officer: Result<Officer, ApiError>,
    period: web::Query<Period>,
    satisfaction: web::Query<SatisfactionQuery>,
) -> HttpResponse {
    let page = PageContext::of(&req);
    let officer = match officer_or_login(&req, &page, &state, officer) {
        Ok(officer) => officer,
        Err(response) => return *response,
    };
    match values(&page, &state, &officer, &period, &satisfaction).await {
        Ok(values) => page.render(&state, StatusCode::OK, "inbox_reports.html", values),
        Err(err) => page.error(&state, Some(&officer), err),
    }
}

async fn values(
    page: &PageContext,
    state: &AppState,
    officer: &Officer,
    period: &Period,
    query: &SatisfactionQuery,
) -> Result<Value, ApiError> {
    let lang = page.lang;
    let deadlines = deadline_report(state, officer).await?;
    let rows: Vec<Value> = deadlines
        .units
        .iter()
        .map(|u| {
            let queue = match &u.unit_code {
                Some(code) => format!("/inbox?unit_code={code}&due=overdue"),
                None => "/inbox?queue=triage".to_owned(),
            };
            json!({
                "unit": u.unit_name.clone().unwrap_or_else(|| match &u.unit_code {
                    Some(code) => code.clone(),
                    None => word(lang, "triage").to_owned(),
                }),
                "open": u.open,
                "due_soon": u.due_soon,
                "overdue": u.overdue,
                "queue": queue,
            })
        })
        .collect();
    let routing = if officer.sees_all() {
        let report = routing_report(state, officer, period).await?;
        let percent = |p: Option<f64>| p.map(|p| format!("{:.1}%", p * 100.0));
        Some(json!({
            "from": local(report.from),
            "to": local(report.to),
            "tickets": report.tickets,
            "auto_routed": report.auto_routed,
            "moved": report.moved_by_officer,
            "precision": percent(report.auto_precision),
            "triaged": report.triaged,
            "triage_routed": report.triage_routed_by_officer,
            "units": report.units.iter().map(|u| json!({
                "unit": u.unit_name.clone().unwrap_or_else(|| u.unit_code.clone()),
                "auto_routed": u.auto_routed,
                "moved": u.moved_by_officer,
                "precision": percent(u.precision),
            })).collect::<Vec<_>>(),
        }))
    } else {
        None
    };
    Ok(page.values(
        Some(officer),
        state,
        json!({
            "at": local(deadlines.at),
            "soon_until": local(deadlines.soon_until),
            "deadlines": rows,
            "routing": routing,
            "satisfaction": satisfaction_values(page, state, officer, query).await?,
            "from": period.from.clone().unwrap_or_default(),
            "to": period.to.clone().unwrap_or_default(),
        }),
    ))
}

/// The satisfaction table for the filters asked (a wrong filter is said in the section, the rest of the page
/// stands), its CSV and XLSX links, and the trend of the last 12 months.
async fn satisfaction_values(
    page: &PageContext,
    state: &AppState,
    officer: &Officer,
    query: &SatisfactionQuery,
) -> Result<Value, ApiError> {
    let lang = page.lang;
    let (report, error) = match satisfaction_report(state, officer, query).await {
        Ok(report) => (Some(report), None),
        Err(err @ ApiError::Validation(_)) => (None, Some(super::explain(lang, &err))),
        Err(err) => return Err(err),
    };
    let pct = |p: Option<f64>| p.map(|p| format!("{p:.1}%"));
    let row = |r: &Row| {
        json!({
            "label": r.label,
            "period": r.period,
            "responses": r.responses,
            "mean": r.mean.map(|m| format!("{m:.2}")),
            "csat": pct(r.csat_pct),
            "interval": r.csat_low.zip(r.csat_high).map(|(l, h)| format!("{l:.1}-{h:.1}%")),
            "small": r.small_sample && r.responses > 0,
            "solved": pct(r.solved_pct),
            "response_rate": pct(r.response_rate_pct),
            "received": r.received,
            "outstanding": r.outstanding,
            "resolved": r.resolved,
            "on_time": pct(r.on_time_pct),
            "first_response": r.median_first_response_hours.map(|h| format!("{h:.1}")),
            "resolve_time": r.median_resolve_hours.map(|h| format!("{h:.1}")),
            "indicator": r.indicator_points,
            "rank": r.rank,
        })
    };
    // The same filters, for the files.
    let mut filters: Vec<(&str, String)> = Vec::new();
    for (key, value) in [
        ("from", &query.from),
        ("to", &query.to),
        ("group", &query.group),
        ("period", &query.period),
        ("unit_code", &query.unit_code),
        ("source", &query.source),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            filters.push((key, v.to_owned()));
        }
    }
    let file = |format: &str| {
        let mut pairs = filters.clone();
        pairs.push(("format", format.to_owned()));
        format!(
            "/api/v1/reports/satisfaction?{}",
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish()
        )
    };
    // The trend: the scope's CSAT per month over the last 12 months, whatever the table shows.
    let today = Utc::now().with_timezone(&VIETNAM).date_naive();
    let start = (today - Duration::days(334)).with_day(1).unwrap_or(today);
    let trend_query = SatisfactionQuery {
        from: Some(start.to_string()),
        to: Some(today.to_string()),
        group: Some(Group::Source.as_str().into()),
        period: Some(ReportPeriod::Month.as_str().into()),
        unit_code: query.unit_code.clone(),
        ..SatisfactionQuery::default()
    };
    let trend_report = satisfaction_report(state, officer, &trend_query).await?;
    let mut months: std::collections::BTreeMap<String, (u64, u64)> =
        std::collections::BTreeMap::new();
    let mut month = start;
    while month <= today {
        months.insert(ReportPeriod::Month.label(month), (0, 0));
        month = month + Months::new(1);
    }
    for r in &trend_report.items {
        if let Some(cell) = r.period.as_ref().and_then(|p| months.get_mut(p)) {
            cell.0 += r.satisfied;
            cell.1 += r.responses;
        }
    }
    let points: Vec<Point> = months
        .into_iter()
        .map(|(label, (satisfied, responses))| Point {
            label,
            value: (responses > 0).then(|| satisfied as f64 * 100.0 / responses as f64),
            count: responses,
        })
        .collect();
    let half_start = if today.month() <= 6 {
        NaiveDate::from_ymd_opt(today.year(), 1, 1)
    } else {
        NaiveDate::from_ymd_opt(today.year(), 7, 1)
    };
    let half_end = half_start.and_then(|s| (s + Months::new(6)).pred_opt());
    Ok(json!({
        "error": error,
        "items": report.as_ref().map(|r| r.items.iter().map(row).collect::<Vec<_>>()),
        "total": report.as_ref().map(|r| row(&r.total)),
        "per_period": report.as_ref().is_some_and(|r| r.period.is_some()),
        "ranked": report.as_ref().is_some_and(|r| r.items.iter().any(|i| i.rank.is_some())),
        "from": report.as_ref().map(|r| r.from.to_string()),
        "to": report.as_ref().map(|r| r.to.to_string()),
        "group": query.group.clone().unwrap_or_else(|| "unit".into()),
        "period": query.period.clone().unwrap_or_default(),
        "source": query.source.clone().unwrap_or_default(),
        "groups": Group::ALL.iter().map(|g| json!({"value": g.as_str(), "label": word(lang, &format!("group_{}", g.as_str()))})).collect::<Vec<_>>(),
        "periods": ReportPeriod::ALL.iter().map(|p| json!({"value": p.as_str(), "label": word(lang, &format!("period_{}", p.as_str()))})).collect::<Vec<_>>(),
        "csv": file("csv"),
        "xlsx": file("xlsx"),
        "half_year": format!(
            "/reports?from={}&to={}&group=unit",
            half_start.map(|d| d.to_string()).unwrap_or_default(),
            half_end.map(|d| d.to_string()).unwrap_or_default()
        ),
        "trend": chart::trend(word(lang, "trend_title"), &points),
    }))
}
