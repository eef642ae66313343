//! `GET /login`, `POST /login` (a form) and `POST /logout`: the same limits and sessions as the JSON login.
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::{PageContext, see_other, word};
use crate::inbox::login::{FailedLogins, log_in};
use crate::inbox::session::{self, Officer};
use crate::web::{ApiError, AppState};

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    csrf_token: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only a page of the inbox: a link cannot send an officer elsewhere after logging in.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with("/inbox") && !n.contains("//") && !n.contains('\\') => n,
        _ => "/inbox",
    }
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    officer: Result<Officer, ApiError>,
    query: web::Query<NextQuery>,
) -> HttpResponse {
    let next = safe_next(query.next.as_deref()).to_owned();
    if officer.is_ok() {
        return see_other(&next);
    }
    let page = PageContext::of(&req);
    let values = page.values(None, &state, json!({"next": next, "username": ""}));
    page.render(&state, StatusCode::OK, "inbox_login.html", values)
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    failed_logins: web::Data<FailedLogins>,
    session: Session,
    form: web::Form<LoginForm>,
) -> HttpResponse {
    let page = PageContext::of(&req);
    let LoginForm {
        username,
        password,
        next,
        csrf_token,
    } = form.into_inner();
    let next = safe_next(Some(&next)).to_owned();
    let refuse = |status: StatusCode, key: &str| {
        let values = page.values(
            None,
            &state,
            json!({"next": next, "username": username, "error": word(page.lang, key)}),
        );
        page.render(&state, status, "inbox_login.html", values)
    };
    if !PageContext::form_is_ours(&req, &csrf_token) {
        return refuse(StatusCode::FORBIDDEN, "form_expired");
    }
    match log_in(&req, &state, &failed_logins, &session, &username, password).await {
        Ok(_) => see_other(&next),
        Err(ApiError::Unauthorized(_)) => refuse(StatusCode::UNAUTHORIZED, "login_failed"),
        Err(ApiError::RateLimited { .. }) => refuse(StatusCode::TOO_MANY_REQUESTS, "login_wait"),
        Err(ApiError::BadRequest(_)) => refuse(StatusCode::BAD_REQUEST, "login_invalid"),
        Err(err) => page.error(&state, None, err),
    }
}

#[derive(Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf_token: String,
}

pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<LogoutForm>,
) -> HttpResponse {
    let page = PageContext::of(&req);
    if !PageContext::form_is_ours(&req, &form.csrf_token) {
        return page.error(
            &state,
            None,
            ApiError::Forbidden("this form has expired: reload the page"),
        );
    }
    match session::log_out(&session, &state.db).await {
        Ok(()) => see_other("/login"),
        Err(err) => page.error(&state, None, err.into()),
    }
}
