//! `GET /inbox/alerts` and `POST /inbox/alerts/{id}/read`: the supervisors' alerts (tickets reopened after a low
//! satisfaction score, with the citizen's comment), each marked read per supervisor.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{PageContext, local, officer_or_login, see_other, word};
use crate::inbox::alerts::{alerts_for, read};
use crate::inbox::session::Officer;
use crate::web::{ApiError, AppState};

#[derive(Deserialize)]
pub struct AlertsQuery {
    #[serde(default)]
    unread: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    officer: Result<Officer, ApiError>,
    query: web::Query<AlertsQuery>,
) -> HttpResponse {
    let page = PageContext::of(&req);
    let officer = match officer_or_login(&req, &page, &state, officer) {
        Ok(officer) => officer,
        Err(response) => return *response,
    };
    let unread_only = query.unread.as_deref() == Some("1");
    let list = match alerts_for(&state, &officer, unread_only).await {
        Ok(list) => list,
        Err(err) => return page.error(&state, Some(&officer), err),
    };
    let lang = page.lang;
    let items: Vec<Value> = list
        .items
        .iter()
        .map(|a| {
            json!({
                "id": a.id,
                "what": word(lang, &format!("alert_{}", a.kind)),
                "ticket_id": a.ticket_id,
                "tracking_code": a.tracking_code,
                "unit": a.unit_name.clone().unwrap_or_else(|| word(lang, "triage").to_owned()),
                "score": a.score.map(|s| word(lang, &format!("score_{s}"))),
                "solved": a.solved.map(|s| word(lang, if s { "solved_yes" } else { "solved_no" })),
                "comment": a.comment,
                "at": local(a.created_at),
                "read": a.read,
            })
        })
        .collect();
    let values = page.values(
        Some(&officer),
        &state,
        json!({
            "alerts": items,
            "unread": list.unread,
            "unread_only": unread_only,
            "done": query.done.as_deref().filter(|d| *d == "read").map(|_| word(lang, "done_alert_read")),
        }),
    );
    page.render(&state, StatusCode::OK, "inbox_alerts.html", values)
}

#[derive(Deserialize)]
pub struct ReadForm {
    #[serde(default)]
    csrf_token: String,
}

pub async fn mark_read(
    req: HttpRequest,
    state: web::Data<AppState>,
    officer: Result<Officer, ApiError>,
    id: web::Path<i32>,
    form: web::Form<ReadForm>,
) -> HttpResponse {
    let page = PageContext::of(&req);
    let officer = match officer_or_login(&req, &page, &state, officer) {
        Ok(officer) => officer,
        Err(response) => return *response,
    };
    if !PageContext::form_is_ours(&req, &form.csrf_token) {
        let values = page.values(
            Some(&officer),
            &state,
            json!({"message": word(page.lang, "form_expired")}),
        );
        return page.render(&state, StatusCode::FORBIDDEN, "inbox_message.html", values);
    }
    match read(&state, &officer, id.into_inner()).await {
        Ok(()) => see_other("/inbox/alerts?done=read"),
        Err(err) => page.error(&state, Some(&officer), err),
    }
}
