//! `GET /reports`: each unit's open, due-soon and overdue tickets (the daily summary of what is late, a link to
//! each unit's overdue queue), and for supervisors how automatic routing fared over a period.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::{PageContext, local, officer_or_login, word};
use crate::inbox::deadlines_report::deadline_report;
use crate::inbox::reports::{Period, routing_report};
use crate::inbox::session::Officer;
use crate::web::{ApiError, AppState};

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    officer: Result<Officer, ApiError>,
    period: web::Query<Period>,
) -> HttpResponse {
    let page = PageContext::of(&req);
    let officer = match officer_or_login(&req, &page, &state, officer) {
        Ok(officer) => officer,
        Err(response) => return *response,
    };
    match values(&page, &state, &officer, &period).await {
        Ok(values) => page.render(&state, StatusCode::OK, "inbox_reports.html", values),
        Err(err) => page.error(&state, Some(&officer), err),
    }
}

async fn values(
    page: &PageContext,
    state: &AppState,
    officer: &Officer,
    period: &Period,
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
            "from": period.from.clone().unwrap_or_default(),
            "to": period.to.clone().unwrap_or_default(),
        }),
    ))
}
