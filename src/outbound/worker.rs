//! The delivery worker: claims due rows, marks them `sending` (committed) before calling the platform, then
//! records what happened. Safe with several instances on one PostgreSQL: a row is claimed by a conditional
//! update, so only the worker whose update changed it sends it.
//!
//! Sends overlap: up to `outbound.concurrency` are in flight, each its own task, and as they land the queue is
//! read again for as many. A pass that waited for all of its sends held 31 rows behind its slowest (up to
//! `http_timeout_secs`), and 8 at a time made about 80 sends a second against a platform answering in 100 ms.
use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::FutureExt;
use rand::Rng;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use tokio::task::JoinSet;
use tracing::Instrument;

use entity::outbox;

use super::delivery::{Delivered, deliver};
use super::error::OutboundError;
use super::{OutboundKind, Shared, accounts};
use crate::config::OutboundSettings;
use crate::db::Db;
use crate::domain::OutboxState;
use crate::platforms::PlatformError;

/// Rows taken per read of the queue, at most.
const BATCH: usize = 32;
/// Sends that land this close together have their outcomes written in one transaction: at most one write of
/// outcomes (and one claim) per this long however fast sends land, each a commit on SQLite's single writer.
const GATHER: Duration = Duration::from_millis(20);

/// The worker's loop until `Outbound::shutdown`: reads the queue whenever there is room for sends and rows are
/// due; when none are, waits to be woken, or `poll_interval_ms`. On shutdown it stops reading and waits for the
/// sends in flight, so none is cut off midway.
pub(crate) async fn run(shared: Arc<Shared>) {
    let span = tracing::info_span!("outbound_worker");
    async move {
        // SQLite has one process, so whatever is `sending` now was interrupted. On PostgreSQL other instances
        // may be sending right now: only rows older than any send can take are theirs no longer.
        let startup_cutoff = match shared.db.backend() {
            DbBackend::Sqlite => None,
            _ => Some(stale_cutoff(&shared.settings.outbound)),
        };
        sweep(&shared.db, startup_cutoff).await;
        let mut last_sweep = Instant::now();
        let mut flights = Flights::default();
        let mut mark = QueueMark::default();
        let poll = Duration::from_millis(shared.settings.outbound.poll_interval_ms.max(10));
        // Some: no row was due at the last read (or the queue could not be read), so it is read again only when
        // woken or at this instant, not as sends land: a row whose send failed before changing it (a private
        // reply whose gate could not be read) would be read and sent again at once, over and over.
        let mut idle: Option<tokio::time::Instant> = None;
        loop {
            let stopping = shared.stopping.load(Ordering::SeqCst);
            if !stopping && idle.is_none() {
                idle = refill(&shared, &mut flights, &mut mark, poll)
                    .await
                    .map(|wait| tokio::time::Instant::now() + wait);
            }
            if stopping && flights.is_empty() {
                break;
            }
            if last_sweep.elapsed() >= sweep_every(&shared.settings.outbound) {
                sweep(&shared.db, Some(stale_cutoff(&shared.settings.outbound))).await;
                last_sweep = Instant::now();
            }
            let landed = tokio::select! {
                landed = flights.next(), if !flights.is_empty() => landed,
                _ = shared.wake.notified(), if idle.is_some() => {
                    idle = None;
                    None
                }
                _ = shared.stop.notified(), if !stopping => None,
                _ = tokio::time::sleep_until(idle.unwrap_or_else(tokio::time::Instant::now)), if idle.is_some() => {
                    idle = None;
                    None
                }
            };
            if let Some(first) = landed {
                let landed = flights.gather(first).await;
                if let Err(err) = finish(&shared, landed).await {
                    tracing::error!(error = %err, "cannot record outbound outcomes");
                }
            }
        }
        tracing::info!("outbound worker stopped");
    }
    .instrument(span)
    .await
}

/// Reads the queue while there is room for sends and rows are due, and launches them. Returns how long to wait
/// for a wake when no row is due now (or the queue cannot be read), None when the room is taken.
async fn refill(
    shared: &Arc<Shared>,
    flights: &mut Flights,
    mark: &mut QueueMark,
    poll: Duration,
) -> Option<Duration> {
    let concurrency = shared.settings.outbound.concurrency.max(1);
    // The queue is read again once this much room is free (or nothing is in flight), not for every send that
    // lands: each read is a claim, a commit.
    let step = concurrency.div_ceil(4);
    loop {
        let room = concurrency.saturating_sub(flights.len());
        if room == 0 || (room < step && !flights.is_empty()) {
            return None;
        }
        let limit = room.min(BATCH);
        match take(shared, mark, limit).await {
            Ok(taken) => {
                let full = taken.selected == limit;
                flights.launch(shared, taken);
                if !full {
                    return Some(poll);
                }
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot read the outbound queue");
                return Some(poll.max(Duration::from_secs(5)));
            }
        }
    }
}

/// How long a backlog is read on from the last full read's end before the queue is read from its start again.
const RESCAN: Duration = Duration::from_secs(1);

/// Where the last full read of the queue ended, so that the next one reads on from there. On PostgreSQL the
/// queue index keeps an entry for each row's `pending` version until a vacuum, and while the intake's
/// transactions hold old snapshots none of them can be marked dead: read from the start, each read of a backlog
/// stepped over every row the reads before it had taken (0.65 ms a pass, a fifth of the delivery worker's
/// database time). A row that commits behind the mark (its transaction began earlier) is found by the next read
/// from the start: after a read that was not full, or by the first read that starts `RESCAN` after the last such
/// read. The claim, not the mark, keeps a row from being sent twice.
#[derive(Default)]
pub(crate) struct QueueMark {
    after: Option<(DateTime<Utc>, i32)>,
    /// When the queue was last read from its start.
    scanned: Option<Instant>,
}

impl QueueMark {
    fn resume_after(&self) -> Option<(DateTime<Utc>, i32)> {
        self.after
            .filter(|_| self.scanned.is_some_and(|at| at.elapsed() < RESCAN))
    }

    /// After a read that began at the mark (`resumed`) or at the start, and took as many rows as it asked for
    /// (`full`), the last keyed `last`.
    fn passed(&mut self, resumed: bool, full: bool, last: Option<(DateTime<Utc>, i32)>) {
        if !resumed {
            self.scanned = Some(Instant::now());
        }
        self.after = last.filter(|_| full);
    }
}

/// What one read of the queue took: ordinary rows already claimed, and private replies, each claimed by its own
/// send.
struct Taken {
    selected: usize,
    ordinary: Vec<outbox::Model>,
    replies: Vec<outbox::Model>,
    known: accounts::Known,
}

/// Reads up to `limit` due rows in the queue's order and claims the ordinary ones in one committed statement.
async fn take(shared: &Shared, mark: &mut QueueMark, limit: usize) -> Result<Taken, OutboundError> {
    let resume = mark.resume_after();
    let mut due = outbox::Entity::find()
        .filter(outbox::Column::State.eq(OutboxState::Pending))
        .filter(outbox::Column::NextAttemptAt.lte(Utc::now()));
    if let Some((at, id)) = resume {
        // A row comparison, which both backends read as a range of the queue index.
        use sea_orm::sea_query::ExprTrait;
        due = due.filter(
            Expr::tuple([
                Expr::col(outbox::Column::NextAttemptAt),
                Expr::col(outbox::Column::Id),
            ])
            .gt(Expr::tuple([Expr::val(at), Expr::val(id)])),
        );
    }
    let due = due
        .order_by_asc(outbox::Column::NextAttemptAt)
        .order_by_asc(outbox::Column::Id)
        .limit(limit as u64)
        .all(&shared.db.read)
        .await?;
    let selected = due.len();
    mark.passed(
        resume.is_some(),
        selected == limit,
        due.last().map(|row| (row.next_attempt_at, row.id)),
    );
    let (replies, ordinary): (Vec<_>, Vec<_>) = due
        .into_iter()
        .partition(|row| row.kind == OutboundKind::PrivateReply.as_str());
    let ordinary = claim_many(&shared.db, ordinary).await?;
    // Claimed rows are `sending` now: if this read fails they must still go out, each reading its own account.
    let known = accounts::known(&shared.db, &ordinary)
        .await
        .unwrap_or_else(|err| {
            tracing::warn!(error = %err, "cannot read the pass's accounts; each send reads its own");
            accounts::Known::new()
        });
    Ok(Taken {
        selected,
        ordinary,
        replies,
        known,
    })
}

/// A send that landed: an ordinary row and its result, or a private reply, which records its own outcome.
enum Landed {
    Ordinary(Box<outbox::Model>, Result<Delivered, OutboundError>),
    PrivateReply(Result<bool, OutboundError>),
}

/// Sends in flight, each its own task, so that the worker's reads and writes do not hold them up.
#[derive(Default)]
struct Flights {
    tasks: JoinSet<(i32, Option<Landed>)>,
    /// The rows in flight. A private reply is claimed by its own task, so until then the queue still shows it due.
    ids: HashSet<i32>,
}

impl Flights {
    fn len(&self) -> usize {
        self.tasks.len()
    }

    fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    fn launch(&mut self, shared: &Arc<Shared>, taken: Taken) {
        let known = Arc::new(taken.known);
        for row in taken.ordinary {
            let (shared, known) = (shared.clone(), known.clone());
            self.spawn(row.id, async move {
                let result = deliver(&shared, &known, &row).await;
                Landed::Ordinary(Box::new(row), result)
            });
        }
        for row in taken.replies {
            if self.ids.contains(&row.id) {
                continue;
            }
            let shared = shared.clone();
            self.spawn(row.id, async move {
                Landed::PrivateReply(process_private_reply(&shared, row).await)
            });
        }
    }

    fn spawn(&mut self, id: i32, send: impl Future<Output = Landed> + Send + 'static) {
        self.ids.insert(id);
        // A send that panics lands as nothing: its row stays `sending`, and a sweep makes it `unknown`.
        self.tasks.spawn(
            AssertUnwindSafe(send)
                .catch_unwind()
                .map(move |landed| (id, landed.ok()))
                .in_current_span(),
        );
    }

    /// The next send to land; None once none is in flight.
    async fn next(&mut self) -> Option<Landed> {
        while let Some(joined) = self.tasks.join_next().await {
            let Ok((id, landed)) = joined else { continue };
            self.ids.remove(&id);
            match landed {
                Some(landed) => return Some(landed),
                None => tracing::error!(
                    outbox_id = id,
                    "an outbound send panicked; its row is left to the sweep"
                ),
            }
        }
        None
    }

    /// `first` and the sends that land within `GATHER` of it.
    async fn gather(&mut self, first: Landed) -> Vec<Landed> {
        let mut landed = vec![first];
        let until = tokio::time::sleep(GATHER);
        tokio::pin!(until);
        while !self.is_empty() {
            tokio::select! {
                next = self.next() => landed.extend(next),
                _ = &mut until => break,
            }
        }
        landed
    }
}

/// Writes the outcomes of sends that landed, in one transaction; returns how many rows this worker processed.
async fn finish(shared: &Shared, landed: Vec<Landed>) -> Result<usize, OutboundError> {
    let mut processed = 0;
    let mut rows = Vec::new();
    let mut outcomes = Vec::new();
    for landed in landed {
        match landed {
            Landed::Ordinary(row, result) => {
                outcomes.push(Outcome::of(shared, &row, result));
                rows.push(*row);
                processed += 1;
            }
            Landed::PrivateReply(Ok(true)) => processed += 1,
            Landed::PrivateReply(Ok(false)) => {}
            Landed::PrivateReply(Err(err)) => tracing::error!(error = %err, "outbound row failed"),
        }
    }
    if !outcomes.is_empty() {
        // If this fails after the sends, the rows stay `sending` and a sweep makes them `unknown`: never resent.
        Outcome::write_all(&shared.db, &outcomes).await?;
        for (row, outcome) in rows.iter().zip(&outcomes) {
            outcome.report(row);
        }
    }
    Ok(processed)
}

/// `pending` -> `sending` for every row still pending, in one committed statement before any platform call;
/// returns the rows this worker won (another instance may have taken some).
async fn claim_many(db: &Db, rows: Vec<outbox::Model>) -> Result<Vec<outbox::Model>, DbErr> {
    if rows.is_empty() {
        return Ok(rows);
    }
    let won: Vec<outbox::Model> = outbox::Entity::update_many()
        .col_expr(outbox::Column::State, Expr::value(OutboxState::Sending))
        .col_expr(outbox::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(outbox::Column::Id.is_in(rows.iter().map(|r| r.id)))
        .filter(outbox::Column::State.eq(OutboxState::Pending))
        .exec_with_returning(&db.write)
        .await?;
    let won: std::collections::HashSet<i32> = won.into_iter().map(|r| r.id).collect();
    Ok(rows.into_iter().filter(|r| won.contains(&r.id)).collect())
}

/// Sends a due private reply if this worker wins its claim. `Ok(false)`: someone else has it, or it must wait.
async fn process_private_reply(shared: &Shared, row: outbox::Model) -> Result<bool, OutboundError> {
    match private_reply_gate(&shared.db, &row).await? {
        Gate::Go => {}
        Gate::Wait => {
            postpone(&shared.db, &row, &shared.settings.outbound).await?;
            return Ok(false);
        }
        Gate::AlreadyReplied(first) => {
            let reason = format!(
                "a private reply to this comment was already sent (outbox #{first}); Facebook allows one"
            );
            let done = outbox::Entity::update_many()
                .col_expr(
                    outbox::Column::State,
                    Expr::value(OutboxState::Undeliverable),
                )
                .col_expr(outbox::Column::LastError, Expr::value(reason.clone()))
                .col_expr(outbox::Column::UpdatedAt, Expr::value(Utc::now()))
                .filter(outbox::Column::Id.eq(row.id))
                .filter(outbox::Column::State.eq(OutboxState::Pending))
                .exec(&shared.db.write)
                .await?;
            if done.rows_affected == 1 {
                count(&row, "undeliverable");
                tracing::info!(outbox_id = row.id, reason = %reason, "outbound message undeliverable");
            }
            return Ok(done.rows_affected == 1);
        }
    }
    if !claim(&shared.db, &row).await? {
        return Ok(false);
    }
    let result = deliver(shared, &accounts::Known::new(), &row).await;
    record(shared, &shared.db.write, &row, result).await?;
    Ok(true)
}

/// `pending` -> `sending`, committed before any platform call. A private reply is only claimed while no earlier
/// private reply to the same comment is anything but undeliverable, checked in the same statement, so two
/// instances can never both send one.
async fn claim(db: &Db, row: &outbox::Model) -> Result<bool, DbErr> {
    let mut update = outbox::Entity::update_many()
        .col_expr(outbox::Column::State, Expr::value(OutboxState::Sending))
        .col_expr(outbox::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(outbox::Column::Id.eq(row.id))
        .filter(outbox::Column::State.eq(OutboxState::Pending));
    if row.kind == OutboundKind::PrivateReply.as_str() {
        // Scoped here: ExprTrait's `min`/`max` would shadow the integers' elsewhere in this module.
        use sea_orm::sea_query::ExprTrait;
        let earlier = Query::select()
            .expr(Expr::val(1))
            .from(outbox::Entity)
            .and_where(super::is_private_reply())
            .and_where(Expr::col(outbox::Column::Channel).eq(row.channel))
            .and_where(Expr::col(outbox::Column::Recipient).eq(row.recipient.as_str()))
            .and_where(Expr::col(outbox::Column::Id).lt(row.id))
            .and_where(Expr::col(outbox::Column::State).ne(OutboxState::Undeliverable))
            .to_owned();
        update = update.filter(Expr::exists(earlier).not());
    }
    Ok(update.exec(&db.write).await?.rows_affected == 1)
}

enum Gate {
    Go,
    /// An earlier private reply to the same comment is still pending or in flight.
    Wait,
    /// An earlier one went out (or may have): this one never will.
    AlreadyReplied(i32),
}

async fn private_reply_gate(db: &Db, row: &outbox::Model) -> Result<Gate, DbErr> {
    let earlier = outbox::Entity::find()
        .filter(super::is_private_reply())
        .filter(outbox::Column::Channel.eq(row.channel))
        .filter(outbox::Column::Recipient.eq(row.recipient.as_str()))
        .filter(outbox::Column::Id.lt(row.id))
        .filter(outbox::Column::State.ne(OutboxState::Undeliverable))
        .order_by_asc(outbox::Column::Id)
        .all(&db.read)
        .await?;
    Ok(
        match earlier
            .iter()
            .find(|o| !matches!(o.state, OutboxState::Pending | OutboxState::Sending))
        {
            Some(first) => Gate::AlreadyReplied(first.id),
            None if earlier.is_empty() => Gate::Go,
            None => Gate::Wait,
        },
    )
}

/// Keeps a waiting row from being picked up again on every pass.
async fn postpone(db: &Db, row: &outbox::Model, settings: &OutboundSettings) -> Result<(), DbErr> {
    let later =
        Utc::now() + chrono::Duration::milliseconds(settings.poll_interval_ms.max(1000) as i64);
    outbox::Entity::update_many()
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(later))
        .filter(outbox::Column::Id.eq(row.id))
        .filter(outbox::Column::State.eq(OutboxState::Pending))
        .exec(&db.write)
        .await?;
    Ok(())
}

/// Stores the outcome of a send this worker claimed.
async fn record(
    shared: &Shared,
    conn: &impl ConnectionTrait,
    row: &outbox::Model,
    result: Result<Delivered, OutboundError>,
) -> Result<(), DbErr> {
    let outcome = Outcome::of(shared, row, result);
    // If this write fails after a send, the row stays `sending` and a sweep makes it `unknown`: never resent.
    outcome.write(conn, Utc::now()).await?;
    outcome.report(row);
    Ok(())
}

/// What a send's result writes to its row: `state` is `Sent`, `Unknown`, `Pending` (a retry) or `Undeliverable`.
struct Outcome {
    id: i32,
    state: OutboxState,
    attempts: i32,
    /// Set on a retry only.
    next_attempt_at: Option<DateTime<Utc>>,
    /// None once sent.
    reason: Option<String>,
    /// The platform's id, set when sent.
    provider_message_id: Option<String>,
}

/// The update of a pass's outcomes on PostgreSQL (`Outcome::write_all`), with the states of `Outcome::from`.
/// The state test is a CASE so that the rows are found by their primary key: written as `state = 'sending' OR
/// ...` the planner, told by the statistics that few rows are sending, read them through the queue index
/// (`state` first), whose `sending` entries include one dead entry for every row that ever passed through it until
/// a vacuum; a pass of 32 rows scanned 20,000 of them (5.8 against 2.0 ms) and the update grew with the table.
static UPDATE_ALL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let [sending, unknown, sent, undeliverable] = [
        OutboxState::Sending,
        OutboxState::Unknown,
        OutboxState::Sent,
        OutboxState::Undeliverable,
    ]
    .map(OutboxState::as_str);
    format!(
        "UPDATE outbox o SET state = v.state, attempts = v.attempts, updated_at = $7, last_error = v.reason, \
         next_attempt_at = COALESCE(v.next_attempt_at, o.next_attempt_at), \
         provider_message_id = CASE WHEN v.state = '{sent}' THEN v.provider_message_id ELSE o.provider_message_id END, \
         sent_at = CASE WHEN v.state = '{sent}' THEN $7 ELSE o.sent_at END \
         FROM UNNEST($1::int4[], $2::text[], $3::int4[], $4::timestamptz[], $5::text[], $6::text[]) \
         AS v (id, state, attempts, next_attempt_at, reason, provider_message_id) \
         WHERE o.id = v.id AND CASE o.state WHEN '{sending}' THEN true \
         WHEN '{unknown}' THEN v.state IN ('{sent}', '{undeliverable}') ELSE false END"
    )
});

impl Outcome {
    fn of(
        shared: &Shared,
        row: &outbox::Model,
        result: Result<Delivered, OutboundError>,
    ) -> Outcome {
        let attempts = row.attempts + 1;
        let max_attempts = i32::try_from(shared.settings.outbound.max_attempts).unwrap_or(i32::MAX);
        let outcome = |state, reason| Outcome {
            id: row.id,
            state,
            attempts,
            next_attempt_at: None,
            reason,
            provider_message_id: None,
        };
        match result {
            Ok(delivered) => Outcome {
                provider_message_id: delivered.provider_message_id,
                ..outcome(OutboxState::Sent, None)
            },
            Err(OutboundError::Platform(PlatformError::Unknown(reason))) => {
                outcome(OutboxState::Unknown, Some(reason))
            }
            Err(err) => {
                let retryable = matches!(
                    err,
                    OutboundError::Platform(PlatformError::Transient(_))
                        | OutboundError::Db(_)
                        | OutboundError::Client(_)
                );
                if let OutboundError::Platform(PlatformError::TokenRejected(reason)) = &err {
                    alert_token_rejected(shared, row, reason);
                }
                let reason = err.to_string();
                if retryable && attempts < max_attempts {
                    Outcome {
                        next_attempt_at: Some(
                            Utc::now() + backoff(&shared.settings.outbound, attempts as u32),
                        ),
                        ..outcome(OutboxState::Pending, Some(reason))
                    }
                } else {
                    let reason = if retryable {
                        format!("gave up after {attempts} attempts; last: {reason}")
                    } else {
                        reason
                    };
                    outcome(OutboxState::Undeliverable, Some(reason))
                }
            }
        }
    }

    /// The states the row may be in for the outcome to apply: the one it was claimed in, and for a final
    /// answer also `unknown` (a sweep may have called it so meanwhile; the answer we hold is better).
    fn from(&self) -> &'static [OutboxState] {
        match self.state {
            OutboxState::Sent | OutboxState::Undeliverable => {
                &[OutboxState::Sending, OutboxState::Unknown]
            }
            _ => &[OutboxState::Sending],
        }
    }

    /// The metric's and the log's name of the outcome.
    fn label(&self) -> &'static str {
        match self.state {
            OutboxState::Pending => "retry",
            state => state.as_str(),
        }
    }

    async fn write(&self, conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(), DbErr> {
        let mut update = outbox::Entity::update_many()
            .col_expr(outbox::Column::State, Expr::value(self.state))
            .col_expr(outbox::Column::Attempts, Expr::value(self.attempts))
            .col_expr(outbox::Column::UpdatedAt, Expr::value(now))
            .col_expr(outbox::Column::LastError, Expr::value(self.reason.clone()))
            .filter(outbox::Column::Id.eq(self.id))
            .filter(outbox::Column::State.is_in(self.from().iter().copied()));
        if self.state == OutboxState::Sent {
            update = update
                .col_expr(
                    outbox::Column::ProviderMessageId,
                    Expr::value(self.provider_message_id.clone()),
                )
                .col_expr(outbox::Column::SentAt, Expr::value(now));
        }
        if let Some(next) = self.next_attempt_at {
            update = update.col_expr(outbox::Column::NextAttemptAt, Expr::value(next));
        }
        update.exec(conn).await?;
        Ok(())
    }

    /// A pass's outcomes in one statement on PostgreSQL: one round trip and one plan where a statement per row
    /// took one each (the outbox's largest cost in the webhook benchmark, where every acknowledgement fails
    /// and is retried); one transaction of single updates on SQLite, whose statements cost no round trip.
    async fn write_all(db: &Db, outcomes: &[Outcome]) -> Result<(), DbErr> {
        let now = Utc::now();
        if db.backend() != DbBackend::Postgres {
            let txn = db.begin_write().await?;
            for outcome in outcomes {
                outcome.write(&txn, now).await?;
            }
            return txn.commit().await;
        }
        // Built from the state enum's own strings only.
        sqlx::query(sqlx::AssertSqlSafe(UPDATE_ALL.as_str()))
            .bind(outcomes.iter().map(|o| o.id).collect::<Vec<_>>())
            .bind(
                outcomes
                    .iter()
                    .map(|o| o.state.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind(outcomes.iter().map(|o| o.attempts).collect::<Vec<_>>())
            .bind(
                outcomes
                    .iter()
                    .map(|o| o.next_attempt_at)
                    .collect::<Vec<_>>(),
            )
            .bind(
                outcomes
                    .iter()
                    .map(|o| o.reason.as_deref())
                    .collect::<Vec<_>>(),
            )
            .bind(
                outcomes
                    .iter()
                    .map(|o| o.provider_message_id.as_deref())
                    .collect::<Vec<_>>(),
            )
            .bind(now)
            .execute(db.write.get_postgres_connection_pool())
            .await
            .map_err(crate::db::from_sqlx)?;
        Ok(())
    }

    fn report(&self, row: &outbox::Model) {
        count(row, self.label());
        match &self.reason {
            None => {
                tracing::info!(outbox_id = row.id, channel = %row.channel, kind = %row.kind, "outbound message sent")
            }
            Some(reason) => tracing::info!(
                outbox_id = row.id, channel = %row.channel, kind = %row.kind, outcome = self.label(),
                reason = %reason, "outbound message not sent"
            ),
        }
    }
}

fn alert_token_rejected(shared: &Shared, row: &outbox::Model, reason: &str) {
    let first = shared
        .alerted
        .lock()
        .map(|mut seen| seen.insert(format!("{}:{reason}", row.channel)))
        .unwrap_or(true);
    if first {
        tracing::error!(channel = %row.channel, reason = %reason, "outbound credentials refused");
    } else {
        tracing::debug!(channel = %row.channel, reason = %reason, "outbound credentials refused again");
    }
    metrics::counter!("outbound_token_invalid_total", "channel" => row.channel.as_str())
        .increment(1);
}

fn count(row: &outbox::Model, outcome: &'static str) {
    metrics::counter!(
        "outbound_messages_total",
        "channel" => row.channel.as_str(),
        "kind" => row.kind.clone(),
        "outcome" => outcome
    )
    .increment(1);
}

/// Exponential from `backoff_base_ms`, capped at `backoff_max_secs`, with jitter in the upper half so rows that
/// failed together spread out.
pub fn backoff(settings: &OutboundSettings, attempts: u32) -> chrono::Duration {
    jittered_backoff(
        settings.backoff_base_ms,
        settings.backoff_max_secs.saturating_mul(1000),
        attempts,
    )
}

/// `base_ms` doubled per attempt after the first, capped at `max_ms`, with jitter in the upper half; shared by
/// every durable job that retries (the outbox, attachment downloads).
pub fn jittered_backoff(base_ms: u64, max_ms: u64, attempts: u32) -> chrono::Duration {
    let doublings = attempts.saturating_sub(1).min(30);
    let ceiling = base_ms.saturating_mul(1u64 << doublings).min(max_ms).max(1);
    let ms = rand::rng().random_range(ceiling / 2..=ceiling);
    chrono::Duration::milliseconds(i64::try_from(ms).unwrap_or(i64::MAX))
}

/// Rows updated before this were left by an instance that died mid-send (`outbound.recover_after_secs`).
fn stale_cutoff(settings: &OutboundSettings) -> DateTime<Utc> {
    Utc::now()
        - chrono::Duration::seconds(i64::try_from(settings.recover_after_secs).unwrap_or(i64::MAX))
}

/// How often rows left mid-send are looked for: a minute, or sooner when they are recovered sooner.
fn sweep_every(settings: &OutboundSettings) -> Duration {
    Duration::from_secs((settings.recover_after_secs / 2).clamp(1, 60))
}

async fn sweep(db: &Db, older_than: Option<DateTime<Utc>>) {
    match recover_interrupted(db, older_than).await {
        Ok(0) => {}
        Ok(rows) => tracing::warn!(
            rows,
            "outbound messages interrupted mid-send are now 'unknown' (not resent; an echo may reconcile them)"
        ),
        Err(err) => tracing::error!(error = %err, "cannot recover interrupted outbound messages"),
    }
}

/// Rows left in `sending` (updated before `older_than`, or all) become `unknown`: the platform may or may not
/// have the message, so it is never sent again automatically.
pub async fn recover_interrupted(db: &Db, older_than: Option<DateTime<Utc>>) -> Result<u64, DbErr> {
    let mut update = outbox::Entity::update_many()
        .col_expr(outbox::Column::State, Expr::value(OutboxState::Unknown))
        .col_expr(
            outbox::Column::LastError,
            Expr::value(
                "interrupted while sending: the platform may or may not have it; not resent",
            ),
        )
        .col_expr(outbox::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(outbox::Column::State.eq(OutboxState::Sending));
    if let Some(cutoff) = older_than {
        update = update.filter(outbox::Column::UpdatedAt.lt(cutoff));
    }
    Ok(update.exec(&db.write).await?.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_pass_reads_on_from_its_last_row_until_the_rescan() {
        let at = Utc::now();
        let mut mark = QueueMark::default();
        assert_eq!(
            mark.resume_after(),
            None,
            "the first pass reads from the start"
        );
        mark.passed(false, true, Some((at, 7)));
        assert_eq!(mark.resume_after(), Some((at, 7)));
        mark.passed(true, true, Some((at, 40)));
        assert_eq!(mark.resume_after(), Some((at, 40)));
        mark.passed(true, false, Some((at, 60)));
        assert_eq!(
            mark.resume_after(),
            None,
            "a read that was not full: the next reads from the start"
        );
        mark.passed(false, true, Some((at, 90)));
        mark.scanned = Some(Instant::now() - RESCAN);
        assert_eq!(
            mark.resume_after(),
            None,
            "RESCAN after the last read from the start, again from it"
        );
    }
}
