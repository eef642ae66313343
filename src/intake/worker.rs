//! The intake worker: turns stored webhook events into tickets, in order, idempotently. After a crash or restart
//! it picks up whatever is still unprocessed; several instances on PostgreSQL split the work with SKIP LOCKED.
use std::time::Duration;

use actix_web::web;
use chrono::Utc;
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};

use entity::inbound_events;

use super::conversation::{self, Outcome};
use super::{facebook_events, zalo_events};
use crate::domain::Channel;
use crate::http::AppState;

/// Small enough that the writer connection is never held long: webhook acknowledgements wait behind it.
const BATCH: u64 = 32;
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

/// Processes one batch of pending events; returns how many it handled.
pub async fn run_once(state: &AppState) -> Result<usize, DbErr> {
    let txn = state.db.write.begin().await?;
    let mut query = inbound_events::Entity::find()
        .filter(inbound_events::Column::ProcessedAt.is_null())
        .order_by_asc(inbound_events::Column::Id)
        .limit(BATCH);
    if state.db.backend() == DbBackend::Postgres {
        query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let events = query.all(&txn).await?;
    let count = events.len();
    let mut done = Vec::with_capacity(count);
    for event in events {
        let channel = Channel::parse(&event.channel);
        let inbound = match channel {
            Some(Channel::Zalo) => zalo_events::parse(&event.raw_body),
            Some(Channel::Facebook) => facebook_events::parse(&event.raw_body),
            _ => super::inbound::Inbound::Unknown,
        };
        let savepoint = txn.begin().await?;
        match conversation::apply(state, &savepoint, inbound).await {
            Ok(outcome) => {
                savepoint.commit().await?;
                if outcome == Outcome::Unknown {
                    metrics::counter!("webhook_events_unknown_total", "channel" => event.channel.clone()).increment(1);
                    tracing::info!(channel = %event.channel, kind = %event.event_kind, id = event.id, "unknown event kept raw");
                }
                metrics::counter!("intake_events_total", "channel" => event.channel.clone(), "outcome" => outcome.as_str())
                    .increment(1);
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
                    metrics::counter!("intake_events_failed_total", "channel" => event.channel.clone()).increment(1);
                    update = update
                        .col_expr(inbound_events::Column::ProcessedAt, Expr::value(Utc::now()));
                }
                update.exec(&txn).await?;
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
