//! `attachments.retention_days`: files of tickets closed (resolved, closed or rejected, and untouched since) longer
//! ago are deleted from the store; their rows stay, `purged`, and the ticket's history says so.
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::Utc;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

use entity::{attachments, tickets};

use super::rows::State;
use super::store::{Blob, Store};
use crate::db::Db;
use crate::domain::TicketStatus;

/// Rows purged per transaction.
const BATCH: u64 = 200;

/// Purges hourly (and once at start) while `days` is not 0.
pub fn spawn(db: Db, store: Store, days: u32) {
    if days == 0 {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match purge(&db, &store, days).await {
                Ok(0) => {}
                Ok(files) => tracing::info!(files, "attachments past retention deleted"),
                Err(err) => tracing::warn!(error = %err, "attachment retention failed"),
            }
        }
    });
}

/// Deletes what retention allows now; returns how many attachments were purged.
pub async fn purge(db: &Db, store: &Store, days: u32) -> anyhow::Result<u64> {
    let cutoff = Utc::now() - chrono::Duration::days(i64::from(days));
    let mut purged = 0;
    loop {
        let closed = Query::select()
            .column(tickets::Column::Id)
            .from(tickets::Entity)
            .and_where(tickets::Column::Status.is_in([
                TicketStatus::Resolved,
                TicketStatus::Closed,
                TicketStatus::Rejected,
            ]))
            .and_where(tickets::Column::UpdatedAt.lt(cutoff))
            .to_owned();
        let rows = attachments::Entity::find()
            .filter(attachments::Column::State.eq(State::Kept.as_str()))
            .filter(attachments::Column::TicketId.in_subquery(closed))
            .limit(BATCH)
            .all(&db.read)
            .await?;
        if rows.is_empty() {
            return Ok(purged);
        }
        let now = Utc::now();
        let txn = db.begin_write().await?;
        let mut per_ticket: BTreeMap<i32, u32> = BTreeMap::new();
        for row in &rows {
            *per_ticket.entry(row.ticket_id).or_default() += 1;
        }
        attachments::Entity::update_many()
            .col_expr(
                attachments::Column::State,
                Expr::value(State::Purged.as_str()),
            )
            .col_expr(attachments::Column::PurgedAt, Expr::value(Some(now)))
            .col_expr(attachments::Column::UpdatedAt, Expr::value(now))
            .filter(attachments::Column::Id.is_in(rows.iter().map(|r| r.id)))
            .filter(attachments::Column::State.eq(State::Kept.as_str()))
            .exec(&txn)
            .await?;
        for (ticket, files) in &per_ticket {
            crate::audit::write(
                &txn,
                None,
                Some(*ticket),
                "attachments_purged",
                serde_json::json!({"files": files, "retention_days": days}),
            )
            .await?;
        }
        txn.commit().await?;
        purged += rows.len() as u64;
        // A file is shared by every attachment with the same content: deleted once none still keeps it.
        let hashes: BTreeSet<&str> = rows.iter().filter_map(|r| r.sha256.as_deref()).collect();
        let still_kept = still_kept(db, &hashes).await?;
        for row in rows
            .iter()
            .filter(|r| r.sha256.as_deref().is_some_and(|h| !still_kept.contains(h)))
        {
            if let Some(sha) = &row.sha256 {
                store.delete(Blob::File, sha).await?;
            }
            if let Some(thumb) = &row.thumbnail_sha256 {
                store.delete(Blob::Thumbnail, thumb).await?;
            }
        }
    }
}

async fn still_kept(db: &Db, hashes: &BTreeSet<&str>) -> Result<BTreeSet<String>, DbErr> {
    let rows: Vec<Option<String>> = attachments::Entity::find()
        .select_only()
        .column(attachments::Column::Sha256)
        .filter(attachments::Column::State.eq(State::Kept.as_str()))
        .filter(attachments::Column::Sha256.is_in(hashes.iter().copied()))
        .into_tuple()
        .all(&db.read)
        .await?;
    Ok(rows.into_iter().flatten().collect())
}
