//! The intake worker: turns stored webhook events into tickets, in order, idempotently. After a crash or restart
//! it picks up whatever is still unprocessed; several instances on PostgreSQL split the work with SKIP LOCKED.
use std::time::Duration;

use actix_web::web;
use chrono::Utc;
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, DatabaseTransaction, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};

use entity::inbound_events;

use super::conversation::{self, Outcome};
use super::inbound::{CitizenMessage, Inbound};
use super::{bulk, facebook_events, zalo_events};
use crate::domain::Channel;
use crate::http::AppState;

/// Applied in one transaction with a few statements per table (intake::bulk); bounded so that the writer, which
/// webhook acknowledgements wait on, is held for milliseconds, not seconds.
const BATCH: u64 = 128;
/// An event that fails this often is set aside (kept, with its error) so the ones behind it go on.
const MAX_ATTEMPTS: i32 = 5;

pub fn spawn(state: web::Data<AppState>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match run_once(&state).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(err) => {
                    tracing::error!(error = %err, "intake worker cannot read events");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
            tokio::select! {
                _ = state.intake_wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
    })
}

/// An event parsed, and for the fast path prepared (language, classification), before its transaction.
enum Work {
    Fast(bulk::Prepared),
    Other(Inbound),
}

/// Processes one batch of pending events; returns how many it handled.
pub async fn run_once(state: &AppState) -> Result<usize, DbErr> {
    let query = inbound_events::Entity::find()
        .filter(inbound_events::Column::ProcessedAt.is_null())
        .order_by_asc(inbound_events::Column::Id)
        .limit(BATCH);
    let (txn, events) = if state.db.backend() == DbBackend::Postgres {
        // Several instances split the events: each locks its batch for its transaction.
        let txn = state.db.write.begin().await?;
        let events = query
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .all(&txn)
            .await?;
        let work = prepare(state, events);
        (txn, work)
    } else {
        // SQLite has one writer, which webhook acknowledgements wait on: read and prepare the batch first, then
        // take it. One pass at a time in this process (the lock), so no event is read by two passes.
        let _pass = state.intake_pass.lock().await;
        let events = query.all(&state.db.read).await?;
        if events.is_empty() {
            return Ok(0);
        }
        let work = prepare(state, events);
        let txn = state.db.write.begin().await?;
        return finish(state, txn, work).await;
    };
    finish(state, txn, events).await
}

fn prepare(
    state: &AppState,
    events: Vec<inbound_events::Model>,
) -> Vec<(inbound_events::Model, Work)> {
    events
        .into_iter()
        .map(|event| {
            let inbound = match Channel::parse(&event.channel) {
                Some(Channel::Zalo) => zalo_events::parse(&event.raw_body),
                Some(Channel::Facebook) => facebook_events::parse(&event.raw_body),
                _ => Inbound::Unknown,
            };
            let work = match inbound {
                Inbound::Message(message) if bulk::takes(&message) => {
                    Work::Fast(bulk::prepare(state, message))
                }
                other => Work::Other(other),
            };
            (event, work)
        })
        .collect()
}

async fn finish(
    state: &AppState,
    txn: DatabaseTransaction,
    work: Vec<(inbound_events::Model, Work)>,
) -> Result<usize, DbErr> {
    let count = work.len();
    let mut done = Vec::with_capacity(count);
    let mut pending = work.into_iter().peekable();
    while let Some((event, work)) = pending.next() {
        // Consecutive private messages go through the fast path together, in order.
        let first = match work {
            Work::Fast(prepared) => prepared,
            // Nothing to write: no savepoint either.
            Work::Other(Inbound::Unknown) => {
                count_outcome(&event, Outcome::Unknown);
                done.push(event.id);
                continue;
            }
            Work::Other(Inbound::Ignored { .. }) => {
                count_outcome(&event, Outcome::Ignored);
                done.push(event.id);
                continue;
            }
            Work::Other(inbound) => {
                apply_one(state, &txn, event, inbound, &mut done).await?;
                continue;
            }
        };
        let mut events = vec![event];
        let mut run = vec![first];
        while let Some((_, Work::Fast(_))) = pending.peek() {
            let Some((event, Work::Fast(prepared))) = pending.next() else {
                unreachable!("peeked a fast-path message")
            };
            events.push(event);
            run.push(prepared);
        }
        let messages: Vec<CitizenMessage> = run.iter().map(|p| p.message.clone()).collect();
        let savepoint = txn.begin().await?;
        match bulk::apply_run(state, &savepoint, run).await {
            Ok(outcomes) => {
                savepoint.commit().await?;
                for (event, outcome) in events.iter().zip(outcomes) {
                    count_outcome(event, outcome);
                    done.push(event.id);
                }
            }
            Err(err) => {
                // One bad message must not hold up the others: each is applied alone, as any other event.
                savepoint.rollback().await?;
                tracing::warn!(error = %err, events = events.len(), "a run of messages failed; applying each alone");
                for (event, message) in events.into_iter().zip(messages) {
                    apply_one(state, &txn, event, Inbound::Message(message), &mut done).await?;
                }
            }
        }
    }
    for chunk in done.chunks(500) {
        inbound_events::Entity::update_many()
            .col_expr(inbound_events::Column::ProcessedAt, Expr::value(Utc::now()))
            .filter(inbound_events::Column::Id.is_in(chunk.to_vec()))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    if count > 0 {
        // Acknowledgements queued in this batch go out now rather than at the outbox's next poll.
        state.outbound.wake();
    }
    Ok(count)
}

/// One event in its own savepoint: a failure is recorded on the event (and set aside after MAX_ATTEMPTS).
async fn apply_one(
    state: &AppState,
    txn: &DatabaseTransaction,
    event: inbound_events::Model,
    inbound: Inbound,
    done: &mut Vec<i32>,
) -> Result<(), DbErr> {
    let savepoint = txn.begin().await?;
    match conversation::apply(state, &savepoint, inbound).await {
        Ok(outcome) => {
            savepoint.commit().await?;
            count_outcome(&event, outcome);
            done.push(event.id);
        }
        Err(err) => {
            savepoint.rollback().await?;
            let attempts = event.attempts + 1;
            tracing::warn!(id = event.id, attempts, error = %err, "cannot apply event");
            let mut update = inbound_events::Entity::update_many()
                .col_expr(inbound_events::Column::Attempts, Expr::value(attempts))
                .col_expr(
                    inbound_events::Column::LastError,
                    Expr::value(err.to_string()),
                )
                .filter(inbound_events::Column::Id.eq(event.id));
            if attempts >= MAX_ATTEMPTS {
                metrics::counter!("intake_events_failed_total", "channel" => event.channel.clone())
                    .increment(1);
                update =
                    update.col_expr(inbound_events::Column::ProcessedAt, Expr::value(Utc::now()));
            }
            update.exec(txn).await?;
        }
    }
    Ok(())
}

fn count_outcome(event: &inbound_events::Model, outcome: Outcome) {
    if outcome == Outcome::Unknown {
        metrics::counter!("webhook_events_unknown_total", "channel" => event.channel.clone())
            .increment(1);
        tracing::info!(channel = %event.channel, kind = %event.event_kind, id = event.id, "unknown event kept raw");
    }
    metrics::counter!("intake_events_total", "channel" => event.channel.clone(), "outcome" => outcome.as_str())
        .increment(1);
}
