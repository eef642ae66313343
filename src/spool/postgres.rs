//! The spool writer's statement on PostgreSQL: a batch of any size as one `INSERT … SELECT FROM UNNEST` of five
//! arrays. One SQL text for every batch, so each connection prepares it once and a batch costs one bind and one
//! execute, where a multi-row `VALUES` list would be parsed and planned again for each new row count, with nine
//! parameters a row (the webhook path's largest cost on PostgreSQL after the commit itself).
use chrono::Utc;
use sqlx::PgPool;

use super::NewEvent;

const INSERT: &str = "INSERT INTO inbound_events (channel, account_external_id, dedupe_key, event_kind, raw_body, \
     received_at, attempts) \
     SELECT channel, account, dedupe_key, kind, raw, $6, 0 \
     FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) \
     AS e (channel, account, dedupe_key, kind, raw) \
     ON CONFLICT (channel, dedupe_key) DO NOTHING";

/// Inserts `events` in one statement (atomic on its own); ones stored already are skipped.
pub(super) async fn insert<'a>(
    pool: &PgPool,
    events: impl Iterator<Item = &'a NewEvent>,
) -> Result<(), sqlx::Error> {
    // In key order: batches in flight together that share an event (a platform's retry) wait for each other in
    // the same order, never in a circle.
    let mut events: Vec<&NewEvent> = events.collect();
    events.sort_unstable_by(|a, b| {
        (a.channel.as_str(), &a.dedupe_key).cmp(&(b.channel.as_str(), &b.dedupe_key))
    });
    let mut channels = Vec::new();
    let mut accounts = Vec::new();
    let mut keys = Vec::new();
    let mut kinds = Vec::new();
    let mut raws = Vec::new();
    for event in events {
        channels.push(event.channel.as_str());
        accounts.push(event.account.as_deref());
        keys.push(event.dedupe_key.as_str());
        kinds.push(event.kind.as_str());
        raws.push(event.raw.as_str());
    }
    sqlx::query(INSERT)
        .bind(channels)
        .bind(accounts)
        .bind(keys)
        .bind(kinds)
        .bind(raws)
        .bind(Utc::now())
        .execute(pool)
        .await?;
    Ok(())
}
