//! `GET`/`POST /survey/{token}`: the survey behind a link. No login: the link's token is the key (unguessable,
//! one per survey, expiring after `satisfaction.link_expiry_days`); an unknown or expired one is 404. The page
//! names the ticket's code and unit, nothing personal.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use sea_orm::EntityTrait;
use serde_json::json;

use entity::tickets;

use super::{LangQuery, SurveyInput, form_page, levels, message, read};
use crate::domain::TrackingCode;
use crate::i18n::{Lang, texts};
use crate::satisfaction::answer::Answer;
use crate::satisfaction::record::{Source, record};
use crate::satisfaction::{self, Context, by_token, scale_of};
use crate::web::{ApiError, AppState, csrf};

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<LangQuery>,
) -> Result<HttpResponse, ApiError> {
    let lang = Lang::from_query(query.lang.as_deref());
    let Some(survey) = by_token(&state.db.read, &token, Utc::now()).await? else {
        return Ok(gone(&state, lang, &token));
    };
    let input = SurveyInput {
        score: survey.score.map(|s| s.to_string()).unwrap_or_default(),
        solved: match survey.solved {
            Some(true) => "yes".into(),
            Some(false) => "no".into(),
            None => String::new(),
        },
        comment: survey.comment.clone().unwrap_or_default(),
        ..SurveyInput::default()
    };
    let ticket = tickets::Entity::find_by_id(survey.ticket_id)
        .one(&state.db.read)
        .await?;
    Ok(page(
        &req,
        &state,
        lang,
        StatusCode::OK,
        &token,
        &survey,
        ticket.as_ref(),
        &input,
        json!({}),
        false,
    ))
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<LangQuery>,
    form: web::Form<SurveyInput>,
) -> Result<HttpResponse, ApiError> {
    let lang = Lang::from_query(query.lang.as_deref());
    let now = Utc::now();
    let input = form.into_inner();
    let Some(survey) = by_token(&state.db.read, &token, now).await? else {
        return Ok(gone(&state, lang, &token));
    };
    let ticket = tickets::Entity::find_by_id(survey.ticket_id)
        .one(&state.db.read)
        .await?;
    if !csrf::verify(&req, &input.csrf_token) {
        return Ok(page(
            &req,
            &state,
            lang,
            StatusCode::FORBIDDEN,
            &token,
            &survey,
            ticket.as_ref(),
            &input,
            json!({}),
            true,
        ));
    }
    let answered = match read(&input, lang, scale_of(&survey)) {
        Ok(answered) => answered,
        Err(errors) => {
            return Ok(page(
                &req,
                &state,
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                &token,
                &survey,
                ticket.as_ref(),
                &input,
                json!(errors),
                false,
            ));
        }
    };
    let txn = state.db.begin_write().await?;
    // Read again inside the write: a chat answer may have landed meanwhile.
    let Some(survey) = by_token(&txn, &token, now).await? else {
        txn.rollback().await?;
        return Ok(gone(&state, lang, &token));
    };
    let recorded = record(
        &txn,
        Context::new(&state.settings, &state.gazetteer),
        &survey,
        Answer {
            score: Some(answered.score),
            solved: answered.solved,
        },
        answered.comment,
        Source::Page,
        now,
    )
    .await?;
    txn.commit().await?;
    let t = texts(lang);
    let text = if recorded.reopened {
        t["survey_reopened"]
    } else {
        t["survey_thanks"]
    };
    Ok(message(
        &state,
        lang,
        StatusCode::OK,
        &switch(&token, lang),
        t["survey_title"],
        text,
    ))
}

#[allow(clippy::too_many_arguments)]
fn page(
    req: &HttpRequest,
    state: &AppState,
    lang: Lang,
    status: StatusCode,
    token: &str,
    survey: &entity::survey_ratings::Model,
    ticket: Option<&tickets::Model>,
    input: &SurveyInput,
    errors: serde_json::Value,
    csrf_error: bool,
) -> HttpResponse {
    let t = texts(lang);
    let unit = survey
        .unit_code
        .as_deref()
        .and_then(|code| state.gazetteer.unit(code))
        .map(|u| u.name.clone());
    let about = ticket.map(|ticket| {
        let code = TrackingCode::display(&ticket.tracking_code);
        match &unit {
            Some(unit) => format!("{} {code} · {unit}", t["survey_about"]),
            None => format!("{} {code}", t["survey_about"]),
        }
    });
    form_page(
        req,
        state,
        lang,
        status,
        json!({
            "title": t["survey_title"],
            "about": about,
            "answered": survey.answered_at.is_some(),
            "action": format!("/survey/{token}{}", if lang == Lang::En { "?lang=en" } else { "" }),
            "lang_switch_url": switch(token, lang),
            "levels": levels(lang, scale_of(survey)),
            "score_question": t["survey_score"],
            "ask_solved": true,
            "input": input,
            "errors": errors,
            "csrf_error": csrf_error,
        }),
    )
}

fn switch(token: &str, lang: Lang) -> String {
    format!(
        "/survey/{token}{}",
        if lang == Lang::En { "" } else { "?lang=en" }
    )
}

fn gone(state: &AppState, lang: Lang, token: &str) -> HttpResponse {
    let t = texts(lang);
    // The token is not echoed into the page's links when it is not one of ours.
    let switch = if satisfaction::token_shaped(token) {
        switch(token, lang)
    } else {
        "/".to_owned()
    };
    message(
        state,
        lang,
        StatusCode::NOT_FOUND,
        &switch,
        t["not_found_title"],
        t["survey_gone"],
    )
}
