//! Spooled webhook events on their way to `inbound_events` (SQLite deployments): the intake worker reads a batch from
//! the spool, stores it in `inbound_events` inside the transaction that applies it, and afterwards tells the
//! spool which events it may delete. A crash in between reads them again, and the unique
//! (channel, dedupe_key) index drops what is already stored: platforms' retries are absorbed the same way.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, FromQueryResult,
    Statement,
};

use entity::enums::Channel;
use entity::inbound_events;

#[derive(FromQueryResult)]
struct Spooled {
    id: i64,
    channel: Channel,
    account_external_id: Option<String>,
    dedupe_key: String,
    event_kind: String,
    raw_body: String,
    received_at: DateTime<Utc>,
}

/// Up to `limit` spooled events after spool id `after`, oldest first, as unstored events (`id` is the spool's;
/// `store` gives them theirs). Only where the deployment has a spool: `readers` have it attached as `spool`.
pub async fn read(
    readers: &DatabaseConnection,
    after: i64,
    limit: u64,
) -> Result<Vec<(i64, inbound_events::Model)>, DbErr> {
    let rows = Spooled::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "SELECT id, channel, account_external_id, dedupe_key, event_kind, raw_body, received_at \
         FROM spool.events WHERE id > ? ORDER BY id LIMIT ?",
        [after.into(), (limit as i64).into()],
    ))
    .all(readers)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.id,
                inbound_events::Model {
                    id: 0,
                    channel: r.channel,
                    account_external_id: r.account_external_id,
                    dedupe_key: r.dedupe_key,
                    event_kind: r.event_kind,
                    raw_body: r.raw_body,
                    received_at: r.received_at,
                    processed_at: None,
                    attempts: 0,
                    last_error: None,
                },
            )
        })
        .collect())
}

/// Rows per insert: full chunks share one SQL text, which the connection keeps prepared.
const ROWS_PER_INSERT: usize = 64;

/// Stores `events` in `inbound_events`, processed at `processed_at` (the transaction that stores them applies
/// them: should it fail, nothing is stored; an event that fails alone is set back to unprocessed); for each, its
/// new id, or None when it was stored already (a retry, or an event read again after a crash) or earlier in
/// this batch.
pub async fn store<'a>(
    txn: &DatabaseTransaction,
    events: impl Iterator<Item = &'a inbound_events::Model>,
    processed_at: DateTime<Utc>,
) -> Result<Vec<Option<i32>>, DbErr> {
    let events: Vec<&inbound_events::Model> = events.collect();
    let mut ids: HashMap<(&str, &str), i32> = HashMap::new();
    let mut keys: Vec<(String, String, i32)> = Vec::new();
    for chunk in events.chunks(ROWS_PER_INSERT) {
        let rows = vec!["(?, ?, ?, ?, ?, ?, ?, 0, NULL)"; chunk.len()].join(", ");
        let sql = format!(
            "INSERT INTO inbound_events (channel, account_external_id, dedupe_key, event_kind, raw_body, \
             received_at, processed_at, attempts, last_error) VALUES {rows} \
             ON CONFLICT (channel, dedupe_key) DO NOTHING RETURNING id, channel, dedupe_key"
        );
        let values = chunk.iter().flat_map(|e| {
            [
                e.channel.into(),
                e.account_external_id.clone().into(),
                e.dedupe_key.clone().into(),
                e.event_kind.clone().into(),
                e.raw_body.clone().into(),
                e.received_at.into(),
                processed_at.into(),
            ]
        });
        for row in txn
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                sql,
                values,
            ))
            .await?
        {
            keys.push((
                row.try_get("", "channel")?,
                row.try_get("", "dedupe_key")?,
                row.try_get("", "id")?,
            ));
        }
    }
    for (channel, key, id) in &keys {
        ids.insert((channel.as_str(), key.as_str()), *id);
    }
    Ok(events
        .iter()
        // The first of several equal events takes the id; `remove` leaves None for the others.
        .map(|e| ids.remove(&(e.channel.as_str(), e.dedupe_key.as_str())))
        .collect())
}

/// Events not yet turned into tickets: spooled ones and stored unprocessed ones.
pub async fn pending(readers: &DatabaseConnection, spooled: bool) -> Result<u64, DbErr> {
    let spooled = if spooled {
        // Moved but not yet released ones are counted once, in inbound_events.
        count(
            readers,
            "SELECT COUNT(*) AS n FROM spool.events s WHERE NOT EXISTS (SELECT 1 FROM inbound_events e \
             WHERE e.channel = s.channel AND e.dedupe_key = s.dedupe_key)",
        )
        .await?
    } else {
        0
    };
    let unprocessed = count(
        readers,
        "SELECT COUNT(*) AS n FROM inbound_events WHERE processed_at IS NULL",
    )
    .await?;
    Ok(spooled + unprocessed)
}

async fn count(readers: &DatabaseConnection, sql: &str) -> Result<u64, DbErr> {
    let backend = readers.get_database_backend();
    let row = readers
        .query_one_raw(Statement::from_string(backend, sql))
        .await?
        .ok_or_else(|| DbErr::Custom("no count".into()))?;
    Ok(row.try_get::<i64>("", "n")? as u64)
}
