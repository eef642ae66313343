//! `GET /track/{code}` and its JSON: what a citizen may see of their ticket. Built from an explicit list of
//! public fields, so a name, phone or e-mail cannot appear here by accident.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use entity::{ticket_messages, tickets};

use crate::deadlines::calendar::VIETNAM;
use crate::domain::{Direction, TicketStatus, TrackingCode, status_label};
use crate::i18n::{Lang, texts};
use crate::satisfaction;
use crate::web::{ApiError, AppState, ErrorBody};

/// What a citizen may see of their ticket: no names, phones or e-mails.
#[derive(Serialize, ToSchema)]
pub struct PublicTicket {
    pub tracking_code: String,
    pub status: TicketStatus,
    pub unit: Option<PublicUnit>,
    pub created_at: DateTime<Utc>,
    pub replies: Vec<PublicReply>,
    /// The satisfaction survey's link while it answers (the ticket was resolved and asked); null otherwise.
    pub survey_url: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PublicUnit {
    pub code: String,
    pub name: String,
}

/// The unit's public answers.
#[derive(Serialize, ToSchema)]
pub struct PublicReply {
    pub text: String,
    pub at: DateTime<Utc>,
}

#[derive(Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

async fn find(state: &AppState, raw_code: &str) -> Result<Option<PublicTicket>, ApiError> {
    let Some(code) = TrackingCode::parse(raw_code) else {
        return Ok(None);
    };
    let Some(ticket) = tickets::Entity::find()
        .filter(tickets::Column::TrackingCode.eq(code.as_str()))
        .one(&state.db.read)
        .await?
    else {
        return Ok(None);
    };
    let replies = ticket_messages::Entity::find()
        .filter(ticket_messages::Column::TicketId.eq(ticket.id))
        .filter(ticket_messages::Column::Direction.eq(Direction::Out))
        .filter(ticket_messages::Column::Public.eq(true))
        .order_by_asc(ticket_messages::Column::CreatedAt)
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|m| PublicReply {
            text: m.body,
            at: m.created_at,
        })
        .collect();
    let unit = ticket
        .unit_code
        .as_deref()
        .and_then(|c| state.gazetteer.unit(c))
        .map(|u| PublicUnit {
            code: u.code.clone(),
            name: u.name.clone(),
        });
    // The latest survey, while its link answers: a form ticket's citizen is asked here.
    let survey_url = satisfaction::surveys_of(&state.db.read, ticket.id)
        .await?
        .pop()
        .filter(|survey| satisfaction::open(survey, Utc::now()))
        .map(|survey| format!("/survey/{}", survey.token));
    Ok(Some(PublicTicket {
        survey_url,
        tracking_code: code.to_string(),
        status: ticket.status,
        unit,
        created_at: ticket.created_at,
        replies,
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/track/{code}",
    tag = "citizens",
    params(("code" = String, Path, description = "The tracking code, with or without dashes, any case")),
    responses(
        (status = 200, description = "The ticket as its citizen sees it", body = PublicTicket),
        (status = 404, description = "No ticket has this code", body = ErrorBody),
        (status = 503, description = "The database is unavailable for a moment", body = ErrorBody),
    )
)]
pub async fn track_json(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let ticket = find(&state, &path).await?.ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(ticket))
}

pub async fn track_page(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<LangQuery>,
) -> Result<HttpResponse, ApiError> {
    let lang = Lang::from_query(query.lang.as_deref());
    let t = texts(lang);
    let switch = format!(
        "/track/{}{}",
        path.as_str(),
        if lang == Lang::En { "" } else { "?lang=en" }
    );
    let Some(ticket) = find(&state, &path).await? else {
        return Ok(state.templates.page(
            StatusCode::NOT_FOUND,
            "message.html",
            json!({"lang": lang.code(), "t": t, "lang_switch_url": switch, "title": t["not_found_title"], "message": t["not_found"]}),
        ));
    };
    let status_label = status_label(ticket.status, lang);
    let replies: Vec<_> = ticket
        .replies
        .iter()
        .map(|r| json!({"text": r.text, "at_local": local_time(r.at)}))
        .collect();
    Ok(state.templates.page(
        StatusCode::OK,
        "track.html",
        json!({
            "lang": lang.code(),
            "t": t,
            "lang_switch_url": switch,
            "ticket": {"tracking_code": ticket.tracking_code, "unit": ticket.unit, "replies": replies, "survey_url": ticket.survey_url},
            "status_label": status_label,
            "created_local": local_time(ticket.created_at),
        }),
    ))
}

/// Vietnam's time (UTC+7, no daylight saving), as Vietnamese write it.
pub fn local_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&VIETNAM)
        .format("%H:%M %d/%m/%Y")
        .to_string()
}
