//! The citizens' side of satisfaction, on the web: the survey behind each link (`ticket`), the one-stop desk's
//! survey (`desk`), its printable poster (`poster`), and the public transparency page (`transparency`). What an answer does is `crate::satisfaction`'s.
pub mod desk;
pub mod poster;
pub mod ticket;
pub mod transparency;

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::config::Scale;
use crate::i18n::{Lang, texts};
use crate::web::{AppState, csrf};

/// Longest comment kept.
const MAX_COMMENT_CHARS: usize = 1000;

#[derive(Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

/// The survey form's fields as posted; shown again beside an error.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct SurveyInput {
    pub score: String,
    pub solved: String,
    pub comment: String,
    pub procedure: String,
    #[serde(skip_serializing)]
    pub csrf_token: String,
}

/// What a valid submission says.
pub struct Answered {
    pub score: u8,
    pub solved: Option<bool>,
    pub comment: Option<String>,
}

/// The levels a form offers on `scale`, best first, with the stored value each posts.
fn levels(lang: Lang, scale: Scale) -> Vec<Value> {
    let t = texts(lang);
    let levels: &[(u8, &str)] = match scale {
        Scale::Five => &[
            (5, "score_5"),
            (4, "score_4"),
            (3, "score_3"),
            (2, "score_2"),
            (1, "score_1"),
        ],
        Scale::Three => &[(5, "score_5"), (4, "score_4"), (2, "score_2_three")],
    };
    levels
        .iter()
        .map(|(value, key)| json!({"value": value.to_string(), "label": t[key]}))
        .collect()
}

/// Reads a submission; the errors by field, in the page's language.
fn read(
    input: &SurveyInput,
    lang: Lang,
    scale: Scale,
) -> Result<Answered, BTreeMap<&'static str, &'static str>> {
    let t = texts(lang);
    let mut errors = BTreeMap::new();
    let offered: &[u8] = match scale {
        Scale::Five => &[1, 2, 3, 4, 5],
        Scale::Three => &[2, 4, 5],
    };
    let score = input
        .score
        .trim()
        .parse::<u8>()
        .ok()
        .filter(|s| offered.contains(s));
    if score.is_none() {
        errors.insert("score", t["survey_need_score"]);
    }
    let comment = input.comment.trim();
    let has_control = comment
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t');
    if comment.chars().count() > MAX_COMMENT_CHARS || has_control {
        errors.insert("comment", t["survey_comment_long"]);
    }
    let solved = match input.solved.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    match score {
        Some(score) if errors.is_empty() => Ok(Answered {
            score,
            solved,
            comment: (!comment.is_empty()).then(|| comment.to_owned()),
        }),
        _ => Err(errors),
    }
}

/// The survey form, with `extra` (title, action, levels...) and the CSRF token.
fn form_page(
    req: &HttpRequest,
    state: &AppState,
    lang: Lang,
    status: StatusCode,
    extra: Value,
) -> HttpResponse {
    let (token, new_cookie) = csrf::token_for(req);
    let mut context = json!({
        "lang": lang.code(),
        "t": texts(lang),
        "csrf_token": token,
    });
    if let (Some(context), Value::Object(extra)) = (context.as_object_mut(), extra) {
        context.extend(extra);
    }
    let mut response = state.templates.page(status, "survey.html", context);
    if let Some(cookie) = new_cookie {
        let _ = response.add_cookie(&cookie);
    }
    response
}

/// A plain page with a title and a message.
fn message(
    state: &AppState,
    lang: Lang,
    status: StatusCode,
    switch: &str,
    title: &str,
    text: &str,
) -> HttpResponse {
    state.templates.page(
        status,
        "message.html",
        json!({
            "lang": lang.code(),
            "t": texts(lang),
            "lang_switch_url": switch,
            "title": title,
            "message": text,
        }),
    )
}
