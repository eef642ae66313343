//! `POST /api/v1/feedback`: the form for apps and kiosks.
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::submission::{RawLocation, RawSubmission, parse_submission};
use crate::domain::TrackingCode;
use crate::intake::{NewFeedback, open_form_ticket};
use crate::web::{ApiError, AppState, client_ip};

#[derive(Deserialize)]
pub struct FeedbackRequest {
    text: Option<String>,
    name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    unit_code: Option<String>,
    location: Option<LocationRequest>,
}

#[derive(Deserialize)]
pub struct LocationRequest {
    lat: f64,
    lon: f64,
}

pub async fn submit_json(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<FeedbackRequest>,
) -> Result<HttpResponse, ApiError> {
    let client = client_ip(&req, &state.settings.server.trusted_proxies);
    if let Some(ip) = client {
        state.form_limiter.check(&ip).map_err(|retry_after_secs| {
            metrics::counter!("form_rejected_total", "reason" => "rate_limited").increment(1);
            ApiError::RateLimited { retry_after_secs }
        })?;
    }
    let body = body.into_inner();
    let submission = parse_submission(
        RawSubmission {
            text: body.text.as_deref().unwrap_or_default(),
            name: body.name.as_deref().unwrap_or_default(),
            phone: body.phone.as_deref().unwrap_or_default(),
            email: body.email.as_deref().unwrap_or_default(),
            unit_code: body.unit_code.as_deref().unwrap_or_default(),
            location: body
                .location
                .map_or(RawLocation::None, |l| RawLocation::Given(l.lat, l.lon)),
        },
        &state.gazetteer,
    )
    .map_err(|errors| {
        metrics::counter!("form_rejected_total", "reason" => "invalid").increment(1);
        ApiError::Validation(errors)
    })?;
    let opened = open_form_ticket(
        &state.intake,
        NewFeedback {
            text: submission.text,
            name: submission.name,
            phone: submission.phone,
            email: submission.email,
            unit_code: submission.unit_code,
            location: submission.location,
            resubmission_key: idempotency_key(&req)?,
        },
    )
    .await
    .map_err(ApiError::from_anyhow)?;
    let ticket = &opened.ticket;
    let unit = ticket
        .unit_code
        .as_deref()
        .and_then(|code| state.gazetteer.unit(code))
        .map(|u| json!({"code": u.code, "name": u.name}));
    let status = if opened.joined_existing {
        actix_web::http::StatusCode::OK
    } else {
        actix_web::http::StatusCode::CREATED
    };
    Ok(HttpResponse::build(status).json(json!({
        "tracking_code": TrackingCode::display(&ticket.tracking_code),
        "status": ticket.status,
        "unit": unit,
        "duplicate": opened.joined_existing,
        "tracking_url": format!("{}/track/{}", state.settings.public_base(), TrackingCode::display(&ticket.tracking_code)),
    })))
}

/// The `Idempotency-Key` a client sends to make a retry safe: the same key and text within the duplicate window
/// is the ticket already opened (200 with `"duplicate": true`).
fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    const MAX: usize = 200;
    let Some(value) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    match value.to_str().map(str::trim) {
        Ok(key) if !key.is_empty() && key.len() <= MAX => Ok(Some(format!("key:{key}"))),
        _ => Err(ApiError::BadRequest(format!(
            "Idempotency-Key must be 1 to {MAX} visible ASCII characters"
        ))),
    }
}
