//! The webhook spool: raw webhook events stored durably with group commit before they are acknowledged, and
//! handed to the intake worker.
//!
//! - `EventStore` (here): the group-committing writer handlers hand events to.
//! - `file`: on a SQLite deployment, the spool file beside the main database and the thread that writes it.
//! - `postgres`: on PostgreSQL, the writer's one prepared statement.
//! - `inbound`: reading spooled events and storing them in `inbound_events` (the intake worker's side), and
//!   what is pending.
//!
//! A webhook is acknowledged only after its event is committed with the configured durability. Committing each
//! event alone costs one fsync per request; instead one writer commits whatever arrived meanwhile in one
//! transaction and then answers every request in it, so the fsync cost is shared and nothing is acknowledged
//! before it is on disk. Duplicates (platform retries) are absorbed by the unique (channel, dedupe_key) index.
//!
//! On a SQLite file the events go to the spool file, written by a thread of its own (`file`), and the intake
//! worker moves them into `inbound_events`; on PostgreSQL (and an in-memory SQLite
//! database) the writer is a task that inserts into `inbound_events` through the pool.
use std::sync::Arc;

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, Set, TransactionTrait,
};
use tokio::sync::{Notify, mpsc, oneshot};

use entity::inbound_events;

pub mod file;
pub mod inbound;
mod postgres;

use std::path::Path;

use crate::config::SqliteSynchronous;
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

impl NewEvent {
    /// PostgreSQL's text cannot hold NUL, which a signed event may carry in an id (`"\u0000"`): stored as
    /// U+FFFD on every backend, so the event is kept (and deduplicated) the same way everywhere.
    fn without_nul(&mut self) {
        for text in [&mut self.dedupe_key, &mut self.kind, &mut self.raw]
            .into_iter()
            .chain(self.account.as_mut())
        {
            if text.contains('\0') {
                *text = text.replace('\0', "\u{FFFD}");
            }
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("the event could not be stored: {message}")]
pub struct StoreError {
    message: String,
    /// The database cannot take writes now (down, restarting, disk full): the sender should try again later.
    pub unavailable: bool,
}

impl StoreError {
    fn stopped() -> StoreError {
        StoreError {
            message: "the event writer has stopped".into(),
            unavailable: true,
        }
    }

    pub(super) fn db(err: &DbErr) -> StoreError {
        StoreError {
            message: err.to_string(),
            unavailable: crate::db::unavailable(err),
        }
    }

    pub(super) fn sqlite(err: &rusqlite::Error) -> StoreError {
        use rusqlite::ErrorCode::{DatabaseBusy, DatabaseLocked, DiskFull, SystemIoFailure};
        let code = err.sqlite_error_code();
        StoreError {
            message: err.to_string(),
            unavailable: matches!(
                code,
                Some(DiskFull | SystemIoFailure | DatabaseBusy | DatabaseLocked)
            ),
        }
    }
}

pub(super) struct Job {
    pub events: Vec<NewEvent>,
    pub done: oneshot::Sender<Result<(), StoreError>>,
}

/// What the writer is asked.
pub(super) enum Request {
    Store(Job),
    /// Spooled events up to this id are in `inbound_events` (spool only).
    Release(i64),
}

/// Requests taken together: events to store, and the highest id to release.
pub(super) struct Gathered {
    pub jobs: Vec<Job>,
    pub release: Option<i64>,
}

impl Gathered {
    pub fn events(&self) -> impl Iterator<Item = &NewEvent> {
        self.jobs.iter().flat_map(|j| j.events.iter())
    }
}

/// Requests waiting beyond this are not batched further; it bounds a transaction's size (and, at 9 values a
/// row, keeps one statement within both backends' limits on bound parameters).
pub(super) const MAX_BATCH_EVENTS: usize = 1024;

#[derive(Clone)]
pub struct EventStore {
    requests: mpsc::Sender<Request>,
}

impl EventStore {
    /// Starts the writer: into the spool file where the deployment has one (`Db::spool`), else through the
    /// database's writer pool. `stored` is notified after each commit so the intake worker picks the events up.
    pub fn start(
        spool: Option<&Path>,
        writer: &DatabaseConnection,
        synchronous: SqliteSynchronous,
        stored: Arc<Notify>,
    ) -> anyhow::Result<EventStore> {
        let (requests, queue) = mpsc::channel::<Request>(4096);
        match spool {
            Some(path) => file::start(path, synchronous, queue, stored)?,
            None => {
                tokio::spawn(run_on_pool(writer.clone(), queue, stored));
            }
        }
        Ok(EventStore { requests })
    }

    /// Spooled events up to `upto` are in `inbound_events`: the spool may delete them with its next write.
    /// If the queue is full the request is dropped; the next move asks again.
    pub fn release(&self, upto: i64) {
        let _ = self.requests.try_send(Request::Release(upto));
    }

    /// Returns once `events` are committed (or were already stored).
    pub async fn store(&self, mut events: Vec<NewEvent>) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        for event in &mut events {
            event.without_nul();
        }
        let (done, answer) = oneshot::channel();
        self.requests
            .send(Request::Store(Job { events, done }))
            .await
            .map_err(|_| StoreError::stopped())?;
        answer.await.map_err(|_| StoreError::stopped())?
    }
}

/// `first` and whatever else is waiting, up to MAX_BATCH_EVENTS.
pub(super) fn gather(first: Request, queue: &mut mpsc::Receiver<Request>) -> Gathered {
    let mut gathered = Gathered {
        jobs: Vec::new(),
        release: None,
    };
    let mut count = 0;
    let mut next = Some(first);
    while let Some(request) = next.take() {
        match request {
            Request::Store(job) => {
                count += job.events.len();
                gathered.jobs.push(job);
            }
            Request::Release(upto) => gathered.release = gathered.release.max(Some(upto)),
        }
        if count < MAX_BATCH_EVENTS {
            next = queue.try_recv().ok();
        }
    }
    gathered
}

/// Answers every request of a written batch.
pub(super) fn answer(batch: Vec<Job>, result: Result<(), StoreError>, stored: &Notify) {
    if batch.is_empty() {
        return;
    }
    let count: usize = batch.iter().map(|j| j.events.len()).sum();
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

/// Batches written at once through the pool on PostgreSQL. One writer waits a whole round trip and commit per
/// batch with the server idle meanwhile; with two in flight, the next batch is written while the last one
/// commits (batches are independent; the unique index absorbs a retry in two of them). Webhook path alone, 32
/// connections, five interleaved runs: median 8,570 -> 9,110 events/s; four in flight were no better and noisier.
const IN_FLIGHT: usize = 2;

async fn run_on_pool(
    db: DatabaseConnection,
    mut queue: mpsc::Receiver<Request>,
    stored: Arc<Notify>,
) {
    // SQLite (in memory) has one writer anyway.
    let in_flight = match db.get_database_backend() {
        DbBackend::Postgres => IN_FLIGHT,
        _ => 1,
    };
    let slots = Arc::new(tokio::sync::Semaphore::new(in_flight));
    while let Some(first) = queue.recv().await {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        // Gathered once a slot is free: whatever arrived while all were busy goes together.
        let gathered = gather(first, &mut queue);
        if gathered.jobs.is_empty() {
            continue;
        }
        let (db, stored) = (db.clone(), stored.clone());
        tokio::spawn(async move {
            write_and_answer(&db, gathered, &stored).await;
            drop(slot);
        });
    }
}

async fn write_and_answer(db: &DatabaseConnection, gathered: Gathered, stored: &Notify) {
    let result = write(db, gathered.events()).await;
    let jobs = gathered.jobs;
    if result.is_err() && jobs.len() > 1 {
        // One request's events must not fail the others': each is written alone, and only its own fails.
        for job in jobs {
            let result = write(db, job.events.iter()).await;
            answer(vec![job], result, stored);
        }
        return;
    }
    answer(jobs, result, stored);
}

/// Rows a statement inserts at most (in-memory SQLite; PostgreSQL takes a batch as arrays): 9 values a row keeps
/// it far within SQLite's 32,766 bound parameters whatever one request carries (a Page's POST can hold many
/// entries).
const ROWS_PER_STATEMENT: usize = 512;

/// All of the batch or nothing: on PostgreSQL one statement (`postgres`), else multi-row statements in one
/// transaction.
async fn write<'a>(
    db: &DatabaseConnection,
    events: impl Iterator<Item = &'a NewEvent>,
) -> Result<(), StoreError> {
    if db.get_database_backend() == DbBackend::Postgres {
        return postgres::insert(db.get_postgres_connection_pool(), events)
            .await
            .map_err(|e| StoreError::db(&crate::db::from_sqlx(e)));
    }
    write_rows(db, events).await.map_err(|e| StoreError::db(&e))
}

async fn write_rows<'a>(
    db: &DatabaseConnection,
    events: impl Iterator<Item = &'a NewEvent>,
) -> Result<(), DbErr> {
    let events: Vec<&NewEvent> = events.collect();
    if events.len() <= ROWS_PER_STATEMENT {
        return insert(db, &events).await;
    }
    let txn = db.begin().await?;
    for chunk in events.chunks(ROWS_PER_STATEMENT) {
        insert(&txn, chunk).await?;
    }
    txn.commit().await
}

/// One multi-row statement: atomic on its own.
async fn insert(db: &impl ConnectionTrait, events: &[&NewEvent]) -> Result<(), DbErr> {
    let now = Utc::now();
    let rows: Vec<inbound_events::ActiveModel> = events
        .iter()
        .map(|e| inbound_events::ActiveModel {
            channel: Set(e.channel),
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
    let result = inbound_events::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([
                inbound_events::Column::Channel,
                inbound_events::Column::DedupeKey,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await;
    match result {
        Ok(_) | Err(DbErr::RecordNotInserted) => Ok(()),
        Err(err) => Err(err),
    }
}
