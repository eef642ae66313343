//! Durable storage of raw webhook events with group commit.
//!
//! A webhook is acknowledged only after its event is committed with the configured durability. Committing each
//! event alone costs one fsync per request; instead one writer task commits whatever arrived meanwhile in one
//! transaction and then answers every request in it, so the fsync cost is shared and nothing is acknowledged
//! before it is on disk. Duplicates (platform retries) are absorbed by the unique (channel, dedupe_key) index.
use std::sync::Arc;

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{DatabaseConnection, DbErr, EntityTrait, Set, TransactionTrait};
use tokio::sync::{Notify, mpsc, oneshot};

use entity::inbound_events;

use crate::domain::Channel;

/// One platform event as received, with the key its retries share.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub channel: Channel,
    pub account: Option<String>,
    pub dedupe_key: String,
    pub kind: String,
    pub raw: String,
}

#[derive(Debug, thiserror::Error)]
#[error("the event could not be stored: {0}")]
pub struct StoreError(String);

struct Job {
    events: Vec<NewEvent>,
    done: oneshot::Sender<Result<(), String>>,
}

/// Requests waiting beyond this are not batched further; it bounds a transaction's size.
const MAX_BATCH_EVENTS: usize = 1024;
const ROWS_PER_STATEMENT: usize = 256;

#[derive(Clone)]
pub struct EventStore {
    jobs: mpsc::Sender<Job>,
}

impl EventStore {
    /// Starts the writer task on `db` (the writer connection); `stored` is notified after each commit so the
    /// intake worker picks the events up at once.
    pub fn start(db: DatabaseConnection, stored: Arc<Notify>) -> EventStore {
        let (jobs, mut queue) = mpsc::channel::<Job>(4096);
        tokio::spawn(async move {
            while let Some(first) = queue.recv().await {
                let mut batch = vec![first];
                let mut count = batch[0].events.len();
                while count < MAX_BATCH_EVENTS {
                    match queue.try_recv() {
                        Ok(job) => {
                            count += job.events.len();
                            batch.push(job);
                        }
                        Err(_) => break,
                    }
                }
                let events = batch.iter().flat_map(|j| j.events.iter());
                let result = write(&db, events).await.map_err(|e| e.to_string());
                if let Err(err) = &result {
                    tracing::error!(error = %err, events = count, "cannot store webhook events");
                }
                metrics::histogram!("webhook_batch_events").record(count as f64);
                for job in batch {
                    let _ = job.done.send(result.clone());
                }
                if result.is_ok() {
                    stored.notify_one();
                }
            }
        });
        EventStore { jobs }
    }

    /// Returns once `events` are committed (or were already stored).
    pub async fn store(&self, events: Vec<NewEvent>) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let (done, answer) = oneshot::channel();
        self.jobs
            .send(Job { events, done })
            .await
            .map_err(|_| StoreError("the event writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError("the event writer has stopped".into()))?
            .map_err(StoreError)
    }
}

async fn write<'a>(
    db: &DatabaseConnection,
    events: impl Iterator<Item = &'a NewEvent>,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let rows: Vec<inbound_events::ActiveModel> = events
        .map(|e| inbound_events::ActiveModel {
            channel: Set(e.channel.as_str().into()),
            account_external_id: Set(e.account.clone()),
            dedupe_key: Set(e.dedupe_key.clone()),
            event_kind: Set(e.kind.clone()),
            raw_body: Set(e.raw.clone()),
            received_at: Set(now),
            processed_at: Set(None),
            attempts: Set(0),
            last_error: Set(None),
            ..Default::default()
        })
        .collect();
    let txn = db.begin().await?;
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let result = inbound_events::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([
                    inbound_events::Column::Channel,
                    inbound_events::Column::DedupeKey,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(&txn)
            .await;
        match result {
            Ok(_) | Err(DbErr::RecordNotInserted) => {}
            Err(err) => return Err(err),
        }
    }
    txn.commit().await
}
