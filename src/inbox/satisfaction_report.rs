//! `GET /api/v1/reports/satisfaction`: the satisfaction report (`crate::satisfaction::report`) for what the
//! officer sees (officers: their unit; supervisors: the province, theirs if they have one, or one unit of it), as
//! JSON, CSV or XLSX.
use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{Duration, NaiveDate, Utc};
use sea_orm::{EntityTrait, QuerySelect};
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;

use entity::officers;

use super::session::Officer;
use crate::deadlines::calendar::VIETNAM;
use crate::domain::FieldError;
use crate::routing::Gazetteer;
use crate::satisfaction::report::{self, Group, Names, Period, Report, Request, Source};
use crate::web::{ApiError, AppState, ErrorBody};

/// The longest range a report covers: ten years.
const MAX_DAYS: i64 = 3660;

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct SatisfactionQuery {
    /// First local day (YYYY-MM-DD); default 29 days before `to`.
    pub from: Option<String>,
    /// Last local day, included; default today.
    pub to: Option<String>,
    /// `unit` (default), `officer`, `track`, `topic`, `channel`, `source`, `procedure`.
    pub group: Option<String>,
    /// `day`, `week`, `month`, `quarter` or `half`; none: one row per group over the range.
    pub period: Option<String>,
    /// Supervisors: one unit only (officers always see their own).
    pub unit_code: Option<String>,
    /// `ticket` (surveys of tickets) or `desk` (ratings at the desk); none: both.
    pub source: Option<String>,
    /// `json` (default), `csv` or `xlsx`.
    pub format: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/reports/satisfaction",
    tag = "reports",
    params(SatisfactionQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "One row per group (and period), with the counts behind each figure; `&format=csv|xlsx` for a file",
            content(
                (Report = "application/json"),
                (String = "text/csv"),
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            )),
        (status = 400, description = "The query string does not parse (a parameter given twice)", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 422, description = "A parameter is not one of those listed", body = ErrorBody),
        (status = 503, description = "The database is unavailable for a moment", body = ErrorBody),
    )
)]
pub async fn satisfaction(
    officer: Officer,
    state: web::Data<AppState>,
    query: web::Query<SatisfactionQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let format = query.format.clone().unwrap_or_else(|| "json".into());
    if !matches!(format.as_str(), "json" | "csv" | "xlsx") {
        return Err(invalid("format", "json, csv or xlsx"));
    }
    let report = satisfaction_report(&state, &officer, &query).await?;
    let name = format!(
        "satisfaction-{}-{}-{}",
        report.group.as_str(),
        report.from,
        report.to
    );
    Ok(match format.as_str() {
        "csv" => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.csv\""),
            ))
            .body(csv(&report)),
        "xlsx" => HttpResponse::Ok()
            .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.xlsx\""),
            ))
            .body(xlsx(&report).map_err(|e| ApiError::Internal(anyhow::anyhow!("xlsx: {e}")))?),
        _ => HttpResponse::Ok().json(report),
    })
}

/// The report for the officer's scope (the API and the reports page).
pub async fn satisfaction_report(
    state: &AppState,
    officer: &Officer,
    query: &SatisfactionQuery,
) -> Result<Report, ApiError> {
    let request = request_of(state, officer, query)?;
    let names = OfficerNames::load(state).await?;
    Ok(report::report(&state.db, &request, &names).await?)
}

fn request_of(
    state: &AppState,
    officer: &Officer,
    query: &SatisfactionQuery,
) -> Result<Request, ApiError> {
    let day =
        |value: &Option<String>, field: &'static str| -> Result<Option<NaiveDate>, ApiError> {
            match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
                    .map(Some)
                    .map_err(|_| invalid(field, "a date as YYYY-MM-DD")),
            }
        };
    let today = Utc::now().with_timezone(&VIETNAM).date_naive();
    let to = day(&query.to, "to")?.unwrap_or(today);
    let from = day(&query.from, "from")?.unwrap_or(to - Duration::days(29));
    if from > to || (to - from).num_days() > MAX_DAYS {
        return Err(invalid(
            "from",
            "a day on or before `to`, at most ten years before it",
        ));
    }
    let group = match query.group.as_deref().filter(|g| !g.is_empty()) {
        None => Group::Unit,
        Some(g) => Group::parse(g).ok_or_else(|| {
            invalid(
                "group",
                "unit, officer, track, topic, channel, source or procedure",
            )
        })?,
    };
    let period = match query.period.as_deref().filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => Some(
            Period::parse(p)
                .ok_or_else(|| invalid("period", "day, week, month, quarter or half"))?,
        ),
    };
    let source = match query.source.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(Source::parse(s).ok_or_else(|| invalid("source", "ticket or desk"))?),
    };
    let unit_code = if officer.sees_all() {
        match query.unit_code.as_deref().filter(|u| !u.is_empty()) {
            None => None,
            Some(code) => Some(
                state
                    .gazetteer
                    .unit(code)
                    .filter(|u| officer.province().is_none_or(|p| u.province_code == p))
                    .map(|u| u.code.clone())
                    .ok_or_else(|| invalid("unit_code", "the code of a unit of the province"))?,
            ),
        }
    } else {
        officer.unit_code.clone().map(String::from)
    };
    Ok(Request {
        from,
        to,
        group,
        period,
        unit_code,
        province_code: officer.province().map(str::to_owned),
        source,
    })
}

fn invalid(field: &'static str, expected: &'static str) -> ApiError {
    ApiError::Validation(vec![FieldError::new(
        field,
        "invalid",
        "Giá trị không hợp lệ",
        expected,
    )])
}

/// Units from the gazetteer; officers by id from the database (a province has hundreds, not millions).
pub struct OfficerNames<'a> {
    gazetteer: &'a Gazetteer,
    officers: HashMap<String, String>,
}

impl<'a> OfficerNames<'a> {
    pub async fn load(state: &'a AppState) -> Result<OfficerNames<'a>, ApiError> {
        let officers = officers::Entity::find()
            .select_only()
            .column(officers::Column::Id)
            .column(officers::Column::Username)
            .into_tuple::<(i32, String)>()
            .all(&state.db.read)
            .await?
            .into_iter()
            .map(|(id, name)| (id.to_string(), name))
            .collect();
        Ok(OfficerNames {
            gazetteer: &state.gazetteer,
            officers,
        })
    }
}

impl Names for OfficerNames<'_> {
    fn unit(&self, code: &str) -> Option<String> {
        self.gazetteer.unit(code).map(|u| u.name.clone())
    }

    fn officer(&self, id: &str) -> Option<String> {
        self.officers.get(id).cloned()
    }
}

/// The table's columns, in the files' order.
pub const COLUMNS: [&str; 31] = [
    "key",
    "label",
    "period",
    "unit_code",
    "unit_name",
    "received",
    "outstanding",
    "resolved",
    "resolved_on_time",
    "on_time_pct",
    "prolonged",
    "median_first_response_hours",
    "median_resolve_hours",
    "surveys_sent",
    "surveys_answered",
    "response_rate_pct",
    "responses",
    "desk_responses",
    "mean",
    "satisfied",
    "csat_pct",
    "csat_low",
    "csat_high",
    "solved_answers",
    "solved_pct",
    "due",
    "due_answered_on_time",
    "indicator_points",
    "small_sample",
    "rank",
    "scales",
];

/// Each row's cells as text or numbers, the total last.
fn cells(report: &Report) -> Vec<Vec<Value>> {
    report
        .items
        .iter()
        .chain(std::iter::once(&report.total))
        .map(|row| {
            let value = serde_json::to_value(row).unwrap_or_default();
            COLUMNS
                .iter()
                .map(|c| match &value[*c] {
                    Value::Array(items) => Value::String(
                        items
                            .iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(" "),
                    ),
                    other => other.clone(),
                })
                .collect()
        })
        .collect()
}

/// CSV with a header; a text that a spreadsheet would run as a formula is prefixed with `'`.
pub fn csv(report: &Report) -> String {
    let field = |value: &Value| -> String {
        let text = match value {
            Value::Null => return String::new(),
            Value::String(s) => s.clone(),
            other => return other.to_string(),
        };
        let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{text}")
        } else {
            text
        };
        format!("\"{}\"", text.replace('"', "\"\""))
    };
    let mut out = COLUMNS.join(",");
    out.push_str("\r\n");
    for row in cells(report) {
        out.push_str(&row.iter().map(field).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

/// The same table as an XLSX workbook.
pub fn xlsx(report: &Report) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("satisfaction")?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (col, name) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *name, &bold)?;
    }
    for (r, row) in cells(report).iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            match value {
                Value::Number(n) => {
                    sheet.write_number(r, c, n.as_f64().unwrap_or_default())?;
                }
                Value::Bool(b) => {
                    sheet.write_boolean(r, c, *b)?;
                }
                Value::String(s) => {
                    sheet.write_string(r, c, s)?;
                }
                _ => {}
            }
        }
    }
    workbook.save_to_buffer()
}
