//! `GET`/`POST /survey/unit/{code}`: the rating of a unit's one-stop desk, reached by the QR code on its poster.
//! No login and no ticket: the procedure, the score on `satisfaction.scale` and an optional comment; rate-limited
//! per client like the public form, and counted in reports as its own source ("tại trụ sở").
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::json;

use entity::desk_ratings;

use super::{LangQuery, SurveyInput, form_page, levels, message, read};
use crate::i18n::{Lang, texts};
use crate::web::{ApiError, AppState, client_ip, csrf};

/// The procedures a desk serves, as stored and as `procedure_<value>` names them.
pub const PROCEDURES: [&str; 4] = ["residence", "id_card", "vehicle", "other"];

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    code: web::Path<String>,
    query: web::Query<LangQuery>,
) -> HttpResponse {
    let lang = Lang::from_query(query.lang.as_deref());
    match state.gazetteer.unit(&code) {
        Some(unit) => page(
            &req,
            &state,
            lang,
            StatusCode::OK,
            &unit.code,
            &unit.name,
            &SurveyInput::default(),
            json!({}),
            false,
        ),
        None => not_found(&state, lang),
    }
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    code: web::Path<String>,
    query: web::Query<LangQuery>,
    form: web::Form<SurveyInput>,
) -> Result<HttpResponse, ApiError> {
    let lang = Lang::from_query(query.lang.as_deref());
    let Some(unit) = state.gazetteer.unit(&code) else {
        return Ok(not_found(&state, lang));
    };
    let input = form.into_inner();
    let t = texts(lang);
    if let Some(ip) = client_ip(&req, &state.settings.server.trusted_proxies)
        && let Err(retry_after) = state.form_limiter.check(&ip)
    {
        metrics::counter!("desk_ratings_rejected_total", "reason" => "rate_limited").increment(1);
        let mut response = message(
            &state,
            lang,
            StatusCode::TOO_MANY_REQUESTS,
            &switch(&unit.code, lang),
            t["desk_title"],
            t["rate_limited"],
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
        return Ok(response);
    }
    if !csrf::verify(&req, &input.csrf_token) {
        return Ok(page(
            &req,
            &state,
            lang,
            StatusCode::FORBIDDEN,
            &unit.code,
            &unit.name,
            &input,
            json!({}),
            true,
        ));
    }
    let scale = state.settings.satisfaction.scale;
    let procedure = PROCEDURES.iter().find(|p| **p == input.procedure.as_str());
    let answered = read(&input, lang, scale);
    let answered = match (procedure, answered) {
        (Some(_), Ok(answered)) => answered,
        (procedure, result) => {
            let mut errors = result.err().unwrap_or_default();
            if procedure.is_none() {
                errors.insert("procedure", t["desk_need_procedure"]);
            }
            return Ok(page(
                &req,
                &state,
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                &unit.code,
                &unit.name,
                &input,
                json!(errors),
                false,
            ));
        }
    };
    desk_ratings::ActiveModel {
        unit_code: Set(unit.code.clone()),
        procedure: Set(input.procedure.clone()),
        score: Set(i16::from(answered.score)),
        scale: Set(scale.as_str().to_owned()),
        comment: Set(answered.comment),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&state.db.write)
    .await?;
    metrics::counter!("desk_ratings_total").increment(1);
    Ok(message(
        &state,
        lang,
        StatusCode::OK,
        &switch(&unit.code, lang),
        t["desk_title"],
        t["survey_thanks"],
    ))
}

#[allow(clippy::too_many_arguments)]
fn page(
    req: &HttpRequest,
    state: &AppState,
    lang: Lang,
    status: StatusCode,
    code: &str,
    name: &str,
    input: &SurveyInput,
    errors: serde_json::Value,
    csrf_error: bool,
) -> HttpResponse {
    let t = texts(lang);
    let procedures: Vec<_> = PROCEDURES
        .iter()
        .map(|p| json!({"value": p, "label": t[format!("procedure_{p}").as_str()]}))
        .collect();
    form_page(
        req,
        state,
        lang,
        status,
        json!({
            "title": t["desk_title"],
            "about": format!("{} · {name}", t["desk_intro"]),
            "action": format!("/survey/unit/{code}{}", if lang == Lang::En { "?lang=en" } else { "" }),
            "lang_switch_url": switch(code, lang),
            "procedures": procedures,
            "levels": levels(lang, state.settings.satisfaction.scale),
            "score_question": t["desk_score"],
            "ask_solved": false,
            "input": input,
            "errors": errors,
            "csrf_error": csrf_error,
        }),
    )
}

fn switch(code: &str, lang: Lang) -> String {
    format!(
        "/survey/unit/{code}{}",
        if lang == Lang::En { "" } else { "?lang=en" }
    )
}

fn not_found(state: &AppState, lang: Lang) -> HttpResponse {
    let t = texts(lang);
    message(
        state,
        lang,
        StatusCode::NOT_FOUND,
        "/",
        t["not_found_title"],
        t["survey_gone"],
    )
}
