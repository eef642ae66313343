//! `POST /api/v1/feedback`: the form for apps and kiosks, as JSON or, with files, as `multipart/form-data`.
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::submission::{RawLocation, RawSubmission, parse_submission};
use super::upload::{self, UploadError};
use crate::domain::{TicketStatus, TrackingCode};
use crate::intake::{NewFeedback, open_form_ticket};
use crate::web::{ApiError, AppState, ErrorBody, client_ip};

#[derive(Deserialize, ToSchema)]
pub struct FeedbackRequest {
    /// What happened: required, at most 5,000 characters.
    text: Option<String>,
    name: Option<String>,
    /// A Vietnamese phone number; with `email`, how the unit can answer outside the tracking page.
    phone: Option<String>,
    email: Option<String>,
    /// The commune the citizen chose, when they know it.
    unit_code: Option<String>,
    location: Option<LocationRequest>,
}

/// The same fields as form parts (the place as `lat` and `lon`), plus up to `attachments.max_files` parts named
/// `file`: JPEG, PNG, WebP, HEIC, PDF, MP4, M4A/AAC, each at most `attachments.max_bytes`, typed by content.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct FeedbackUpload {
    text: String,
    name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    unit_code: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    #[schema(value_type = Vec<String>, format = Binary)]
    file: Vec<Vec<u8>>,
}

#[derive(Deserialize, ToSchema)]
pub struct LocationRequest {
    lat: f64,
    lon: f64,
}

/// The ticket opened (201) or the one this retry already opened (200, `duplicate`).
#[derive(Serialize, ToSchema)]
pub struct FeedbackAccepted {
    pub tracking_code: String,
    pub status: TicketStatus,
    /// Null: the province's triage queue will route it.
    pub unit: Option<UnitView>,
    pub duplicate: bool,
    /// The page where the citizen follows the ticket and reads the answers.
    pub tracking_url: String,
}

#[derive(Serialize, ToSchema)]
pub struct UnitView {
    pub code: String,
    pub name: String,
}

/// Send feedback as the public form does, for apps and kiosks.
#[utoipa::path(
    post,
    path = "/api/v1/feedback",
    tag = "citizens",
    request_body(content(
        (FeedbackRequest = "application/json"),
        (FeedbackUpload = "multipart/form-data"),
    )),
    params(
        ("Idempotency-Key" = Option<String>, Header,
            description = "Makes a retry safe: the same key and text within the duplicate window is the ticket already opened (1 to 200 visible ASCII characters)"),
    ),
    responses(
        (status = 201, description = "Received", body = FeedbackAccepted),
        (status = 200, description = "A retry of feedback already received", body = FeedbackAccepted),
        (status = 400, description = "The body is not valid JSON of this shape, or a bad Idempotency-Key", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is neither JSON nor multipart/form-data", body = ErrorBody),
        (status = 422, description = "A field is not valid, or a file is refused (`file`: its type, its size, too many); each is named, and nothing is stored", body = ErrorBody),
        (status = 429, description = "Too many submissions from this client; see Retry-After", body = ErrorBody),
        (status = 503, description = "The database is unavailable for a moment", body = ErrorBody),
    )
)]
pub async fn submit_json(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    let client = client_ip(&req, &state.settings.server.trusted_proxies);
    if let Some(ip) = client {
        state.form_limiter.check(&ip).map_err(|retry_after_secs| {
            metrics::counter!("form_rejected_total", "reason" => "rate_limited").increment(1);
            ApiError::RateLimited { retry_after_secs }
        })?;
    }
    let mut payload = payload.into_inner();
    let (body, files) = if upload::is_multipart(&req) {
        let mut upload = upload::Upload::default();
        upload::read(&req, payload, &state.settings.attachments, &mut upload)
            .await
            .map_err(api_error)?;
        (request_from_parts(&upload.fields)?, upload.files)
    } else {
        let body = web::Json::<FeedbackRequest>::from_request(&req, &mut payload).await?;
        (body.into_inner(), Vec::new())
    };
    Ok(open(&req, &state, body, files).await?)
}

/// The JSON body's fields from form parts (`lat` and `lon`, or `location` as JSON).
fn request_from_parts(fields: &HashMap<String, String>) -> Result<FeedbackRequest, ApiError> {
    let text = |key: &str| fields.get(key).cloned();
    let location = match (fields.get("lat"), fields.get("lon"), fields.get("location")) {
        (Some(lat), Some(lon), _) if !(lat.trim().is_empty() && lon.trim().is_empty()) => {
            match (lat.trim().parse(), lon.trim().parse()) {
                (Ok(lat), Ok(lon)) => Some(LocationRequest { lat, lon }),
                _ => {
                    return Err(ApiError::Validation(vec![
                        super::submission::LOCATION_ERROR,
                    ]));
                }
            }
        }
        (_, _, Some(json)) if !json.trim().is_empty() => {
            Some(serde_json::from_str(json).map_err(|e| {
                ApiError::BadRequest(format!(
                    "the location part is not {{\"lat\",\"lon\"}} JSON: {e}"
                ))
            })?)
        }
        _ => None,
    };
    Ok(FeedbackRequest {
        text: text("text"),
        name: text("name"),
        phone: text("phone"),
        email: text("email"),
        unit_code: text("unit_code"),
        location,
    })
}

fn api_error(err: UploadError) -> ApiError {
    match err {
        UploadError::File(field) => {
            metrics::counter!("form_rejected_total", "reason" => "file").increment(1);
            ApiError::Validation(vec![field])
        }
        UploadError::Malformed(message) => ApiError::BadRequest(message),
        UploadError::Internal(message) => ApiError::Internal(anyhow::anyhow!(message)),
    }
}

async fn open(
    req: &HttpRequest,
    state: &AppState,
    body: FeedbackRequest,
    files: Vec<upload::Received>,
) -> Result<HttpResponse, ApiError> {
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
    // Only once the fields are valid: a refused submission leaves no file behind.
    let (attachments, photo_position) = upload::keep_all(&state.evidence, files)
        .await
        .map_err(api_error)?;
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
            resubmission_key: idempotency_key(req)?,
            attachments,
        },
    )
    .await
    .map_err(ApiError::from_anyhow)?;
    let ticket = &opened.ticket;
    let unit = ticket
        .unit_code
        .as_deref()
        .and_then(|code| state.gazetteer.unit(code))
        .map(|u| UnitView {
            code: u.code.clone(),
            name: u.name.clone(),
        });
    let status = if opened.joined_existing {
        actix_web::http::StatusCode::OK
    } else {
        actix_web::http::StatusCode::CREATED
    };
    let tracking_code = TrackingCode::display(&ticket.tracking_code);
    Ok(HttpResponse::build(status).json(FeedbackAccepted {
        tracking_url: format!("{}/track/{tracking_code}", state.settings.public_base()),
        tracking_code,
        status: ticket.status,
        unit,
        duplicate: opened.joined_existing,
    }))
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
