//! The download job: platform attachments waiting in `attachments` are fetched, checked and kept. Durable like
//! the outbox: a row is claimed with a lease (another instance takes it over if this one dies), a failure is
//! retried with backoff, and only after `attachments.max_attempts` is it shown to officers as not kept, with the
//! reason. Fetching again is harmless: the store is content-addressed and the row is kept once.
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use entity::{attachments, tickets};

use super::keep::{Keeper, Kept, Refused, Rule, Source};
use super::rows::State;
use crate::config::AttachmentsSettings;
use crate::db::Db;
use crate::routing::{LatLon, RouteInput, Router};

/// Rows claimed per pass, and fetched at once.
const BATCH: u64 = 16;
const AT_ONCE: usize = 4;

pub struct Downloads {
    pub db: Db,
    pub keeper: Keeper,
    pub settings: AttachmentsSettings,
    pub router: Arc<Router>,
    client: reqwest::Client,
}

impl Downloads {
    pub fn new(
        db: Db,
        keeper: Keeper,
        settings: AttachmentsSettings,
        router: Arc<Router>,
    ) -> anyhow::Result<Downloads> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(settings.download_timeout_secs.max(1)))
            .connect_timeout(Duration::from_secs(10))
            // Platform CDNs redirect; a few hops at most.
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()?;
        Ok(Downloads {
            db,
            keeper,
            settings,
            router,
            client,
        })
    }

    /// How long a claim holds: a download's whole time and its storing, with room to spare.
    fn lease(&self) -> chrono::Duration {
        chrono::Duration::seconds(
            i64::try_from(self.settings.download_timeout_secs.max(1) * 3 + 30).unwrap_or(300),
        )
    }
}

/// Runs passes every second, or at once after a full batch.
pub fn spawn(downloads: Arc<Downloads>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let wait = match pass(&downloads).await {
                Ok(n) if n as u64 == BATCH => Duration::ZERO,
                Ok(_) => Duration::from_secs(1),
                Err(err) => {
                    tracing::warn!(error = %err, "attachment download pass failed");
                    Duration::from_secs(5)
                }
            };
            tokio::time::sleep(wait).await;
        }
    })
}

/// One pass: claims the due rows this instance wins and fetches them; returns how many were due.
pub async fn pass(downloads: &Downloads) -> Result<usize, DbErr> {
    let now = Utc::now();
    let due = attachments::Entity::find()
        .filter(attachments::Column::State.eq(State::Pending.as_str()))
        .filter(attachments::Column::NextAttemptAt.lte(now))
        .filter(free(now))
        .order_by_asc(attachments::Column::NextAttemptAt)
        .limit(BATCH)
        .all(&downloads.db.read)
        .await?;
    let selected = due.len();
    if due.is_empty() {
        return Ok(0);
    }
    // One conditional update: only rows still pending and free are this instance's.
    let won = attachments::Entity::update_many()
        .col_expr(
            attachments::Column::LeaseUntil,
            Expr::value(Some(now + downloads.lease())),
        )
        .filter(attachments::Column::Id.is_in(due.iter().map(|r| r.id)))
        .filter(attachments::Column::State.eq(State::Pending.as_str()))
        .filter(free(now))
        .exec_with_returning(&downloads.db.write)
        .await?;
    let outcomes: Vec<(attachments::Model, Result<Kept, Refused>)> =
        futures_util::stream::iter(won)
            .map(|row| async move {
                let result = fetch_and_keep(downloads, &row).await;
                (row, result)
            })
            .buffer_unordered(AT_ONCE)
            .collect()
            .await;
    // One commit for the pass: on SQLite each is an fsync on the writer that intake also waits for.
    // What the router makes of a photo's position is decided before the write transaction is taken.
    let outcomes: Vec<_> = outcomes
        .into_iter()
        .map(|(row, result)| {
            let suggestion = result
                .as_ref()
                .ok()
                .and_then(|kept| kept.position)
                .and_then(|position| unit_at(&downloads.router, position));
            (row, result, suggestion)
        })
        .collect();
    let txn = downloads.db.begin_write().await?;
    for (row, result, suggestion) in outcomes {
        record(downloads, &txn, &row, result, suggestion).await?;
    }
    txn.commit().await?;
    Ok(selected)
}

/// Not held by a live claim.
fn free(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(attachments::Column::LeaseUntil.is_null())
        .add(attachments::Column::LeaseUntil.lt(now))
}

async fn fetch_and_keep(downloads: &Downloads, row: &attachments::Model) -> Result<Kept, Refused> {
    let url = row
        .source_url
        .as_deref()
        .ok_or_else(|| Refused::Unreadable("no web address".into()))?;
    let bytes = fetch(&downloads.client, url, downloads.keeper.max_bytes).await?;
    downloads
        .keeper
        .keep(Source::Memory(bytes), Rule::Platform(&row.kind))
        .await
}

/// The body, read no further than `max_bytes` (a lying or missing Content-Length changes nothing). Network
/// failures and error statuses are `Store`-like: worth another try.
async fn fetch(client: &reqwest::Client, url: &str, max_bytes: u64) -> Result<Bytes, Refused> {
    let response = client.get(url).send().await.map_err(|err| {
        Refused::Store(format!(
            "the platform could not be reached ({})",
            without_url(err)
        ))
    })?;
    let status = response.status();
    if !status.is_success() {
        return Err(Refused::Store(format!(
            "the platform answered {status} for the file"
        )));
    }
    if response.content_length().is_some_and(|n| n > max_bytes) {
        return Err(Refused::TooLarge(max_bytes));
    }
    let mut body = BytesMut::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|err| {
            Refused::Store(format!("the download broke off ({})", without_url(err)))
        })?;
        if (body.len() + chunk.len()) as u64 > max_bytes {
            return Err(Refused::TooLarge(max_bytes));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// reqwest's message names the URL, which may carry a platform's signature: not for logs or officers.
fn without_url(err: reqwest::Error) -> String {
    err.without_url().to_string()
}

async fn record(
    downloads: &Downloads,
    txn: &DatabaseTransaction,
    row: &attachments::Model,
    result: Result<Kept, Refused>,
    suggestion: Option<(String, String)>,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let update = attachments::Entity::update_many()
        .filter(attachments::Column::Id.eq(row.id))
        .filter(attachments::Column::State.eq(State::Pending.as_str()))
        .col_expr(
            attachments::Column::LeaseUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(attachments::Column::UpdatedAt, Expr::value(now))
        .col_expr(attachments::Column::Attempts, Expr::value(row.attempts + 1));
    match result {
        Ok(kept) => {
            metrics::counter!("attachments_kept_total", "source" => "platform").increment(1);
            let position = kept.position;
            update
                .col_expr(
                    attachments::Column::State,
                    Expr::value(State::Kept.as_str()),
                )
                .col_expr(attachments::Column::Kind, Expr::value(kept.kind))
                .col_expr(
                    attachments::Column::ContentType,
                    Expr::value(Some(kept.content_type)),
                )
                .col_expr(attachments::Column::Bytes, Expr::value(Some(kept.bytes)))
                .col_expr(attachments::Column::Sha256, Expr::value(Some(kept.sha256)))
                .col_expr(
                    attachments::Column::ThumbnailSha256,
                    Expr::value(kept.thumbnail_sha256),
                )
                .col_expr(
                    attachments::Column::Lat,
                    Expr::value(position.map(|p| p.lat)),
                )
                .col_expr(
                    attachments::Column::Lon,
                    Expr::value(position.map(|p| p.lon)),
                )
                .col_expr(attachments::Column::LastError, Expr::value(None::<String>))
                .col_expr(attachments::Column::KeptAt, Expr::value(Some(now)))
                .exec(txn)
                .await?;
            if let Some(position) = position {
                offer_position(txn, row.ticket_id, position, suggestion).await?;
            }
        }
        Err(refused) => {
            let attempts = u32::try_from(row.attempts + 1).unwrap_or(u32::MAX);
            let give_up = !refused.is_transient() || attempts >= downloads.settings.max_attempts;
            let state = if give_up {
                State::Failed
            } else {
                State::Pending
            };
            metrics::counter!("attachment_downloads_failed_total", "final" => if give_up { "yes" } else { "no" })
                .increment(1);
            tracing::info!(attachment = row.id, attempts, give_up, reason = %refused, "attachment not kept");
            update
                .col_expr(attachments::Column::State, Expr::value(state.as_str()))
                .col_expr(
                    attachments::Column::LastError,
                    Expr::value(Some(refused.to_string())),
                )
                .col_expr(
                    attachments::Column::NextAttemptAt,
                    Expr::value(Some(now + backoff(&downloads.settings, attempts))),
                )
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}

/// A photo's own position, taken at the scene, for a ticket that has none: the ticket's place, and for a ticket
/// still in triage the unit that place belongs to as a suggestion (officers route; nothing moves by itself), and
/// its province for a ticket that has none (its province's supervisors then see it in their triage queue).
async fn offer_position(
    txn: &DatabaseTransaction,
    ticket_id: i32,
    position: LatLon,
    suggestion: Option<(String, String)>,
) -> Result<(), DbErr> {
    tickets::Entity::update_many()
        .col_expr(tickets::Column::Lat, Expr::value(Some(position.lat)))
        .col_expr(tickets::Column::Lon, Expr::value(Some(position.lon)))
        .filter(tickets::Column::Id.eq(ticket_id))
        .filter(tickets::Column::Lat.is_null())
        .exec(txn)
        .await?;
    if let Some((unit, province)) = suggestion {
        tickets::Entity::update_many()
            .col_expr(tickets::Column::SuggestedUnitCode, Expr::value(Some(unit)))
            .filter(tickets::Column::Id.eq(ticket_id))
            .filter(tickets::Column::UnitCode.is_null())
            .filter(tickets::Column::SuggestedUnitCode.is_null())
            .exec(txn)
            .await?;
        tickets::Entity::update_many()
            .col_expr(tickets::Column::ProvinceCode, Expr::value(Some(province)))
            .filter(tickets::Column::Id.eq(ticket_id))
            .filter(tickets::Column::UnitCode.is_null())
            .filter(tickets::Column::ProvinceCode.is_null())
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// The unit a place belongs to, by position alone, and its province.
fn unit_at(router: &Router, position: LatLon) -> Option<(String, String)> {
    let decision = router.decide(&RouteInput {
        text: "",
        location: Some(position),
        unit_hint: None,
        previous_units: &[],
    });
    let unit = router
        .gazetteer()
        .unit(decision.unit_code.or(decision.suggested_unit)?.as_str())?;
    Some((unit.code.clone(), unit.province_code.clone()))
}

/// Doubling from `retry_base_ms` up to an hour, with jitter, as the outbox retries.
fn backoff(settings: &AttachmentsSettings, attempts: u32) -> chrono::Duration {
    crate::outbound::jittered_backoff(settings.retry_base_ms, 3_600_000, attempts)
}
