//! The officers' inbox as web pages: `/login`, `/inbox`, `/inbox/tickets/{id}`. Server-rendered (minijinja,
//! escaped), Vietnamese first with English, usable on a phone; every form works without JavaScript and carries a
//! CSRF token. The pages call the same functions as the JSON API, so permissions and rules are the API's.
pub mod admin;
pub mod alerts;
pub mod login;
pub mod queue;
pub mod reports;
pub mod ticket;
mod words;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use chrono::{DateTime, Duration, FixedOffset, Utc};
use serde_json::{Value, json};

use super::session::Officer;
use crate::i18n::Lang;
use crate::web::{ApiError, AppState, csrf};
pub use words::word;

const LANG_COOKIE: &str = "phananh_lang";

/// What every inbox page needs: the language, the CSRF token (and its cookie, when new), the officer.
pub struct PageContext {
    pub lang: Lang,
    pub csrf: String,
    csrf_cookie: Option<Cookie<'static>>,
    lang_cookie: Option<Cookie<'static>>,
}

impl PageContext {
    /// `?lang=en|vi` picks the language and remembers it in a cookie; otherwise the cookie, else Vietnamese.
    pub fn of(req: &HttpRequest) -> PageContext {
        let asked = url::form_urlencoded::parse(req.query_string().as_bytes())
            .find(|(k, _)| k == "lang")
            .map(|(_, v)| v.into_owned());
        let (lang, lang_cookie) = match asked {
            Some(value) => {
                let lang = Lang::from_query(Some(&value));
                let cookie = Cookie::build(LANG_COOKIE, lang.code())
                    .path("/")
                    .same_site(SameSite::Lax)
                    .http_only(true)
                    .finish();
                (lang, Some(cookie))
            }
            None => (
                Lang::from_query(req.cookie(LANG_COOKIE).as_ref().map(|c| c.value())),
                None,
            ),
        };
        let (csrf, csrf_cookie) = csrf::token_for(req);
        PageContext {
            lang,
            csrf,
            csrf_cookie,
            lang_cookie,
        }
    }

    /// The words and the common parts of every page, merged under `extra`.
    pub fn values(&self, officer: Option<&Officer>, state: &AppState, extra: Value) -> Value {
        let mut base = json!({
            "lang": self.lang.code(),
            "other_lang": if self.lang == Lang::Vi { "en" } else { "vi" },
            "t": words::words(self.lang),
            "csrf": self.csrf,
            "csrf_field": csrf::FIELD,
            "province": officer.map_or_else(|| state.gazetteer.province_name().to_owned(), |o| scope_name(state, o)),
            "me": officer.map(|o| json!({
                "id": o.id,
                "username": o.username,
                "role": o.role.as_str(),
                "sees_all": o.sees_all(),
                "unit_name": o.unit_code.as_ref().and_then(|c| state.gazetteer.unit(c.as_str())).map(|u| u.name.clone()),
                "province_name": o.province().map(|_| scope_name(state, o)),
            })),
        });
        if let (Some(base), Value::Object(extra)) = (base.as_object_mut(), extra) {
            base.extend(extra);
        }
        base
    }

    /// A rendered page with this context's cookies.
    pub fn render(
        &self,
        state: &AppState,
        status: StatusCode,
        template: &str,
        values: Value,
    ) -> HttpResponse {
        let mut response = state.templates.page(status, template, values);
        for cookie in [&self.csrf_cookie, &self.lang_cookie].into_iter().flatten() {
            // A cookie that cannot be added only costs the next form a reload.
            let _ = response.add_cookie(cookie);
        }
        let headers = response.headers_mut();
        // Officers' pages hold personal data: never cached, never framed.
        headers.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
        headers.insert(
            header::HeaderName::from_static("x-frame-options"),
            header::HeaderValue::from_static("DENY"),
        );
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
            ),
        );
        response
    }

    /// An error as a page: what happened, and what to do.
    pub fn error(
        &self,
        state: &AppState,
        officer: Option<&Officer>,
        err: ApiError,
    ) -> HttpResponse {
        let (status, key, detail) = match &err {
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found", None),
            ApiError::Unavailable(_) | ApiError::Internal(_) => {
                if let ApiError::Internal(cause) = &err {
                    tracing::error!(error = format!("{cause:#}"), "inbox page failed");
                }
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable", None)
            }
            other => (
                other.status_code(),
                "error",
                Some(explain(self.lang, other)),
            ),
        };
        let values = self.values(
            officer,
            state,
            json!({"message": word(self.lang, key), "detail": detail}),
        );
        self.render(state, status, "inbox_message.html", values)
    }

    /// Whether the form's CSRF token matches the browser's cookie.
    pub fn form_is_ours(req: &HttpRequest, token: &str) -> bool {
        csrf::verify(req, token)
    }
}

/// Where the officer's queues and reports reach, for people: their province ("Tỉnh Nghệ An"), else what the
/// deployment serves ("Tỉnh Hà Tĩnh", "Việt Nam").
pub fn scope_name(state: &AppState, officer: &Officer) -> String {
    match officer.province() {
        Some(code) => state
            .gazetteer
            .province_name_of(code)
            .map_or_else(|| code.to_owned(), str::to_owned),
        None => state.gazetteer.province_name().to_owned(),
    }
}

/// The served units a supervisor may pick or move a ticket to (their province's, if they have one), as
/// `{code, name}`.
pub fn units_in_scope(state: &AppState, officer: &Officer) -> Vec<Value> {
    state
        .gazetteer
        .units()
        .iter()
        .filter(|u| officer.province().is_none_or(|p| u.province_code == p))
        .map(|u| json!({"code": u.code, "name": u.name}))
        .collect()
}

/// 303 to `location`: after a form, the browser shows the page with GET (a reload does not post again).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// Not logged in (or the session ended): to the login page, coming back here afterwards.
pub fn to_login(req: &HttpRequest) -> HttpResponse {
    let here = match req.query_string() {
        "" => req.path().to_owned(),
        query => format!("{}?{query}", req.path()),
    };
    let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
    see_other(&format!("/login?next={next}"))
}

/// The officer of the session, or the response to send instead (the login page; an error page).
pub fn officer_or_login(
    req: &HttpRequest,
    page: &PageContext,
    state: &AppState,
    officer: Result<Officer, ApiError>,
) -> Result<Officer, Box<HttpResponse>> {
    match officer {
        Ok(officer) => Ok(officer),
        Err(ApiError::Unauthorized(_)) => Err(Box::new(to_login(req))),
        Err(err) => Err(Box::new(page.error(state, None, err))),
    }
}

/// An error's message for a person: a refused field in their language, else the API's message.
pub fn explain(lang: Lang, err: &ApiError) -> String {
    match err {
        ApiError::Validation(fields) => fields
            .iter()
            .map(|f| if lang == Lang::Vi { f.vi } else { f.en })
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

fn vietnam() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset")
}

/// `dd/mm/yyyy HH:mm` in Vietnam's time.
pub fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&vietnam())
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

/// "5 phút trước" / "5 min ago".
pub fn ago(lang: Lang, at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let since = now - at;
    if since < Duration::minutes(1) {
        word(lang, "just_now").to_owned()
    } else if since < Duration::hours(1) {
        format!("{} {}", since.num_minutes(), word(lang, "minutes_ago"))
    } else if since < Duration::days(1) {
        format!("{} {}", since.num_hours(), word(lang, "hours_ago"))
    } else {
        format!("{} {}", since.num_days(), word(lang, "days_ago"))
    }
}

/// How a deadline stands: `overdue`, `soon` (within `soon_until`) or `later`, with words for the chip.
pub fn deadline_chip(
    lang: Lang,
    due: Option<DateTime<Utc>>,
    open: bool,
    now: DateTime<Utc>,
    soon_until: DateTime<Utc>,
) -> Value {
    let Some(due) = due else {
        return Value::Null;
    };
    let left = due - now;
    let amount = |d: Duration| {
        if d.num_hours().abs() < 48 {
            format!("{} {}", d.num_hours().abs().max(1), word(lang, "hours"))
        } else {
            format!("{} {}", d.num_days().abs(), word(lang, "days"))
        }
    };
    let (class, text) = if !open {
        ("done", local(due))
    } else if left <= Duration::zero() {
        (
            "overdue",
            format!("{} {}", word(lang, "overdue_by"), amount(left)),
        )
    } else if due <= soon_until {
        (
            "soon",
            format!("{}: {}", word(lang, "due_soon"), amount(left)),
        )
    } else {
        ("later", local(due))
    };
    json!({"class": class, "text": text, "at": local(due)})
}
