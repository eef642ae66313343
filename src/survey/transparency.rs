//! `GET /transparency` (when `satisfaction.public_page` is on): each unit's satisfaction and on-time rate over the
//! last 90 days, for anyone. Counts and percentages only: no names, no comments, no officers. Built at most once a
//! minute per language, so an outsider's requests cost the database nothing more.
use std::sync::Mutex;
use std::time::{Duration as StdDuration, Instant};

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{Duration, Utc};
use serde_json::json;

use super::LangQuery;
use crate::deadlines::calendar::VIETNAM;
use crate::i18n::{Lang, texts};
use crate::routing::Gazetteer;
use crate::satisfaction::report::{self, Group, Names, Request};
use crate::web::{ApiError, AppState};

/// Days the page covers.
const DAYS: i64 = 90;
const FRESH_FOR: StdDuration = StdDuration::from_secs(60);

static CACHE: Mutex<Vec<(Lang, Instant, String)>> = Mutex::new(Vec::new());
static BUILDING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

struct UnitNames<'a>(&'a Gazetteer);

impl Names for UnitNames<'_> {
    fn unit(&self, code: &str) -> Option<String> {
        self.0.unit(code).map(|u| u.name.clone())
    }

    fn officer(&self, _id: &str) -> Option<String> {
        None
    }
}

pub async fn page(
    state: web::Data<AppState>,
    query: web::Query<LangQuery>,
) -> Result<HttpResponse, ApiError> {
    if !state.settings.satisfaction.public_page {
        return Err(ApiError::NotFound);
    }
    let lang = Lang::from_query(query.lang.as_deref());
    // One build at a time: requests that miss the cache together wait for it rather than each reading the
    // province's tickets (the report holds several connections).
    let _building = BUILDING.lock().await;
    let cached = CACHE.lock().ok().and_then(|c| {
        c.iter()
            .find(|(l, at, _)| *l == lang && at.elapsed() < FRESH_FOR)
            .map(|(_, _, html)| html.clone())
    });
    let html = match cached {
        Some(html) => html,
        None => {
            let html = build(&state, lang).await?;
            if let Ok(mut cache) = CACHE.lock() {
                cache.retain(|(l, _, _)| *l != lang);
                cache.push((lang, Instant::now(), html.clone()));
            }
            html
        }
    };
    Ok(HttpResponse::build(StatusCode::OK)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=60"))
        .body(html))
}

async fn build(state: &AppState, lang: Lang) -> Result<String, ApiError> {
    let to = Utc::now().with_timezone(&VIETNAM).date_naive();
    let from = to - Duration::days(DAYS - 1);
    let report = report::report(
        &state.db,
        &Request {
            from,
            to,
            group: Group::Unit,
            period: None,
            unit_code: None,
            province_code: None,
            source: None,
        },
        &UnitNames(&state.gazetteer),
    )
    .await?;
    let pct = |p: Option<f64>| p.map(|p| format!("{p:.1}%"));
    let rows: Vec<_> = report
        .items
        .iter()
        .filter(|r| r.unit_code.is_some())
        .map(|r| {
            json!({
                "rank": r.rank,
                "unit": r.label,
                "responses": r.responses,
                "csat": pct(r.csat_pct),
                "interval": r.csat_low.zip(r.csat_high).map(|(l, h)| format!("{l:.1}-{h:.1}%")),
                "small": r.small_sample && r.responses > 0,
                "resolved": r.resolved,
                "on_time": pct(r.on_time_pct),
            })
        })
        .collect();
    let html = state
        .templates
        .render(
            "transparency.html",
            json!({
                "lang": lang.code(),
                "t": texts(lang),
                "lang_switch_url": if lang == Lang::En { "/transparency" } else { "/transparency?lang=en" },
                "from": from.format("%d/%m/%Y").to_string(),
                "to": to.format("%d/%m/%Y").to_string(),
                "rows": rows,
            }),
        )
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("transparency page: {e}")))?;
    Ok(html)
}
