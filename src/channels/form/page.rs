//! `GET /` and `POST /feedback`: the Vietnamese (or English) form, readable on a phone, working without JavaScript.
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::submission::{RawLocation, RawSubmission, parse_submission};
use super::upload::{self, UploadError};
use crate::domain::{FieldError, TrackingCode};
use crate::i18n::{Lang, texts};
use crate::intake::{NewFeedback, open_form_ticket};
use crate::routing::{Gazetteer, fold};
use crate::web::{ApiError, AppState, client_ip, csrf};

#[derive(Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

/// `GET /?lang=en&unit=CODE`: the unit preselected (the poster's QR code for the form carries it).
#[derive(Deserialize)]
pub struct FormQuery {
    lang: Option<String>,
    unit: Option<String>,
}

/// The form's fields exactly as posted; kept to show the citizen's input again beside any error.
#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
pub struct FormInput {
    text: String,
    name: String,
    phone: String,
    email: String,
    unit_code: String,
    lat: String,
    lon: String,
    #[serde(skip_serializing)]
    csrf_token: String,
    /// Honeypot: hidden from people, filled in by bots.
    #[serde(skip_serializing)]
    website: String,
}

#[derive(Serialize)]
struct UnitOption<'a> {
    code: &'a str,
    name: Cow<'a, str>,
    folded: Cow<'a, str>,
}

/// The form's unit picker: each served unit by name, and with its province's where several are served (two
/// provinces can have a "Xã Yên Hòa"); `folded` is what the picker's search matches.
fn unit_options(gazetteer: &Gazetteer) -> Vec<UnitOption<'_>> {
    let provinces = gazetteer.served_provinces();
    if provinces.len() <= 1 {
        return gazetteer
            .units()
            .iter()
            .map(|u| UnitOption {
                code: &u.code,
                name: Cow::Borrowed(&u.name),
                folded: Cow::Borrowed(&u.folded_name),
            })
            .collect();
    }
    let folded_provinces: HashMap<String, String> = provinces
        .into_iter()
        .map(|(code, name)| (code, fold(&name)))
        .collect();
    gazetteer
        .units()
        .iter()
        .map(|u| UnitOption {
            code: &u.code,
            name: Cow::Owned(format!("{}, {}", u.name, u.province_name)),
            folded: Cow::Owned(match folded_provinces.get(&u.province_code) {
                Some(province) => format!("{} {province}", u.folded_name),
                None => u.folded_name.clone(),
            }),
        })
        .collect()
}

pub async fn show_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<FormQuery>,
) -> HttpResponse {
    let lang = Lang::from_query(query.lang.as_deref());
    let unit_code = query
        .unit
        .as_deref()
        .and_then(|code| state.gazetteer.unit(code))
        .map(|unit| unit.code.clone())
        .unwrap_or_default();
    render_form(
        &req,
        &state,
        lang,
        StatusCode::OK,
        &FormInput {
            unit_code,
            ..FormInput::default()
        },
        &[],
        false,
    )
}

pub async fn submit_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<LangQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    let lang = Lang::from_query(query.lang.as_deref());
    // Before the body is read: a client over the limit does not get to spool files.
    if let Some(refusal) = rate_limited(&req, &state, lang) {
        return Ok(refusal);
    }
    let mut payload = payload.into_inner();
    if !upload::is_multipart(&req) {
        let form = web::Form::<FormInput>::from_request(&req, &mut payload).await?;
        return Ok(submit(req, state, lang, form.into_inner(), Vec::new()).await);
    }
    let mut upload = upload::Upload::default();
    let read = upload::read(&req, payload, &state.settings.attachments, &mut upload).await;
    // The fields read before any refusal: the form shows them again.
    let input: FormInput = serde_json::to_value(&upload.fields)
        .and_then(serde_json::from_value)
        .map_err(|err| ApiError::BadRequest(format!("cannot read the form: {err}")))?;
    Ok(match read {
        Ok(()) => submit(req, state, lang, input, upload.files).await,
        Err(err) => refused_upload(&req, &state, lang, &input, err),
    })
}

/// 429 with Retry-After when this client sent too many submissions this minute.
fn rate_limited(req: &HttpRequest, state: &AppState, lang: Lang) -> Option<HttpResponse> {
    let ip = client_ip(req, &state.settings.server.trusted_proxies)?;
    let retry_after = state.form_limiter.check(&ip).err()?;
    metrics::counter!("form_rejected_total", "reason" => "rate_limited").increment(1);
    let mut response = message_page(
        req,
        state,
        lang,
        StatusCode::TOO_MANY_REQUESTS,
        texts(lang)["rate_limited"],
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
    Some(response)
}

/// A refused file: the form again with the reason beside the file field (the browser cannot be handed the files
/// back, so the citizen chooses them again).
fn refused_upload(
    req: &HttpRequest,
    state: &AppState,
    lang: Lang,
    input: &FormInput,
    err: UploadError,
) -> HttpResponse {
    match err {
        UploadError::File(field) => {
            metrics::counter!("form_rejected_total", "reason" => "file").increment(1);
            render_form(
                req,
                state,
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                input,
                &[field],
                false,
            )
        }
        UploadError::Malformed(message) => HttpResponse::BadRequest()
            .content_type("text/plain; charset=utf-8")
            .body(message),
        UploadError::Internal(message) => {
            tracing::error!(error = message, "cannot keep a form upload");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("Lỗi hệ thống, vui lòng thử lại sau. / Something went wrong; please try again later.")
        }
    }
}

async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    input: FormInput,
    files: Vec<upload::Received>,
) -> HttpResponse {
    if !input.website.is_empty() {
        // Looks accepted to the bot; nothing is stored.
        metrics::counter!("form_rejected_total", "reason" => "honeypot").increment(1);
        return message_page(&req, &state, lang, StatusCode::OK, texts(lang)["thanks"]);
    }
    if !csrf::verify(&req, &input.csrf_token) {
        metrics::counter!("form_rejected_total", "reason" => "csrf").increment(1);
        return render_form(&req, &state, lang, StatusCode::FORBIDDEN, &input, &[], true);
    }
    let location = match (input.lat.trim(), input.lon.trim()) {
        ("", "") => RawLocation::None,
        (lat, lon) => match (lat.parse::<f64>(), lon.parse::<f64>()) {
            (Ok(lat), Ok(lon)) => RawLocation::Given(lat, lon),
            _ => RawLocation::Unreadable,
        },
    };
    let parsed = parse_submission(
        RawSubmission {
            text: &input.text,
            name: &input.name,
            phone: &input.phone,
            email: &input.email,
            unit_code: &input.unit_code,
            location,
        },
        &state.gazetteer,
    );
    let submission = match parsed {
        Ok(submission) => submission,
        Err(errors) => {
            metrics::counter!("form_rejected_total", "reason" => "invalid").increment(1);
            return render_form(
                &req,
                &state,
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                &input,
                &errors,
                false,
            );
        }
    };
    // Only once the fields are valid: a refused submission leaves no file behind.
    let (attachments, photo_position) = match upload::keep_all(&state.evidence, files).await {
        Ok(kept) => kept,
        Err(err) => return refused_upload(&req, &state, lang, &input, err),
    };
    let opened = open_form_ticket(
        &state.intake,
        NewFeedback {
            text: submission.text,
            name: submission.name,
            phone: submission.phone,
            email: submission.email,
            unit_code: submission.unit_code,
            // The citizen's own photo, taken at the scene, when they gave no place.
            location: submission.location.or(photo_position),
            attachments,
            // The browser's CSRF cookie, checked above: a double click or a reload is the same ticket.
            resubmission_key: Some(format!("browser:{}", input.csrf_token)),
        },
    )
    .await;
    match opened {
        Ok(opened) => {
            let suffix = if lang == Lang::En { "?lang=en" } else { "" };
            HttpResponse::SeeOther()
                .insert_header((
                    header::LOCATION,
                    format!(
                        "/track/{}{suffix}",
                        TrackingCode::display(&opened.ticket.tracking_code)
                    ),
                ))
                .finish()
        }
        Err(err) => {
            tracing::error!(
                error = format!("{err:#}"),
                "cannot open a ticket from the form"
            );
            // 503 when the database is unavailable for a moment, as the JSON twin answers; else 500.
            let status = actix_web::ResponseError::status_code(&ApiError::from_anyhow(err));
            HttpResponse::build(status)
                .content_type("text/plain; charset=utf-8")
                .body("Lỗi hệ thống, vui lòng thử lại sau. / Something went wrong; please try again later.")
        }
    }
}

fn render_form(
    req: &HttpRequest,
    state: &AppState,
    lang: Lang,
    status: StatusCode,
    input: &FormInput,
    errors: &[FieldError],
    csrf_error: bool,
) -> HttpResponse {
    let (token, new_cookie) = csrf::token_for(req);
    let units = unit_options(&state.gazetteer);
    let errors: BTreeMap<&str, &str> = errors.iter().map(|e| (e.field, e.message(lang))).collect();
    let mut response = state.templates.page(
        status,
        "form.html",
        json!({
            "lang": lang.code(),
            "t": texts(lang),
            "lang_switch_url": if lang == Lang::En { "/" } else { "/?lang=en" },
            "csrf_token": token,
            "csrf_error": csrf_error,
            "units": units,
            "input": input,
            "errors": errors,
        }),
    );
    if let Some(cookie) = new_cookie {
        // A cookie is always a valid header value; failing here would only drop the token.
        let _ = response.add_cookie(&cookie);
    }
    response
}

pub fn message_page(
    _req: &HttpRequest,
    state: &AppState,
    lang: Lang,
    status: StatusCode,
    message: &str,
) -> HttpResponse {
    let t = texts(lang);
    let title = if status.is_success() {
        t["thanks_title"]
    } else {
        t["form_title"]
    };
    state.templates.page(
        status,
        "message.html",
        json!({
            "lang": lang.code(),
            "t": t,
            "lang_switch_url": if lang == Lang::En { "/" } else { "/?lang=en" },
            "title": title,
            "message": message,
        }),
    )
}
