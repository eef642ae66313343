//! The intake worker: turns webhook events (spooled on SQLite, stored on PostgreSQL) into tickets, in order,
//! idempotently. After a crash or restart it picks up whatever is still unprocessed; several instances on
//! PostgreSQL split the work with SKIP LOCKED.
use std::time::Duration;

use chrono::Utc;
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use std::sync::Arc;

use entity::inbound_events;

use super::Intake;
use super::apply::{Applied, Item, Outcome, apply_run};
use super::messages;
use super::updates;
use crate::domain::Channel;
use crate::platforms;
use crate::platforms::event::{CitizenMessage, Inbound};
use crate::spool::inbound as spooled;

/// Applied in one transaction, in runs of up to RUN messages with a few statements per table each
/// (intake::messages). Webhook acknowledgements do not wait for it (the spool is a file of its own); the form's and
/// officers' writes may, about 0.3 s at most on the development machine. The commit is what larger batches save
/// on: four of the indexes written take random keys, so a batch rewrites pages all over them, and SQLite writes a
/// page once per transaction however many runs change it. On 50,000 spooled events, batches of 1,024 / 2,048 /
/// 4,096 (runs of 512) wrote 646 / 483 / 395 MB, with RSS 126 / 131 / 149 MB.
const BATCH: u64 = 2048;
/// Rows are built and written a run at a time: a run's rows are what the worker holds in memory at once. On
/// 150,000 spooled events runs of 256 instead of 512 took RSS from 140 to 131 MB at the same speed and bytes.
const RUN: usize = 256;
/// After a partial batch, the pause before the next pass: what a ticket may wait for company under load. A lone
/// event after a quiet spell is taken at once (the worker is woken by its commit).
const GATHER: Duration = Duration::from_millis(10);
/// An event that fails this often is set aside (kept, with its error) so the ones behind it go on.
const MAX_ATTEMPTS: i32 = 5;

pub fn spawn(intake: Arc<Intake>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut statistics = Statistics::default();
        loop {
            match drain(&intake, &mut statistics).await {
                // Under a steady stream a pass takes what has arrived since the last one: let more gather,
                // so commits (each an fsync) and statements are shared by more events.
                Ok(n) if n > 0 => {
                    tokio::time::sleep(GATHER).await;
                    continue;
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::error!(error = %err, "intake worker cannot read events");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
            tokio::select! {
                _ = intake.wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
    })
}

/// An event parsed, and a citizen message prepared (language, classification, routing), before its transaction.
// Held in a batch's vector, moved once: boxing the larger variant would only add an allocation per event.
#[allow(clippy::large_enum_variant)]
enum Work {
    Message(messages::Prepared),
    Other(Inbound),
}

/// A batch read and prepared; on PostgreSQL with the transaction that locks its events.
struct Batch {
    txn: Option<DatabaseTransaction>,
    work: Vec<(inbound_events::Model, Work)>,
    /// Read from the spool (not yet in `inbound_events`): up to which spool id.
    spooled_upto: Option<i64>,
}

/// Where a batch is read from.
#[derive(Clone, Copy)]
enum Source {
    /// The webhook spool (SQLite), after this spool id.
    Spool(i64),
    /// Unprocessed stored events, after this event id.
    Stored(i32),
}

/// Processes what is pending, batch after batch: first what the spool holds (SQLite), then stored events
/// still unprocessed (on PostgreSQL all of them; on SQLite those left by a failure or an older version).
/// Returns how many events it handled. While one batch is written the next is read and prepared (language
/// detection and classification are CPU work, done on a blocking thread), so the database and the CPU work
/// overlap. A drain starts again from the first pending event (retrying any that failed).
async fn drain(intake: &Arc<Intake>, statistics: &mut Statistics) -> Result<usize, DbErr> {
    // One drain at a time in this process, so no event is read by two of them.
    let _pass = intake.pass.lock().await;
    let mut handled = 0;
    for source in [Source::Spool(0), Source::Stored(0)] {
        let mut batch = fetch(intake.clone(), source).await?;
        while let Some(next_source) = after(&batch, source) {
            let full = batch.work.len() as u64 >= BATCH;
            let next = full.then(|| tokio::spawn(fetch(intake.clone(), next_source)));
            let applied = finish(intake, batch).await?;
            handled += applied;
            statistics.after(intake, applied).await;
            match next {
                Some(next) => batch = next.await.map_err(|e| DbErr::Custom(e.to_string()))??,
                None => break,
            }
        }
    }
    Ok(handled)
}

/// PostgreSQL plans the worker's statements from table statistics, which autovacuum refreshes only every so
/// often: while tables grow fast from empty (a new deployment, a burst) the planner takes them for tiny and
/// filters whole tables instead of using the indexes (the run's key look-ups were 30-40 ms each at 70,000 rows
/// before `db::one_of` hid their length from it). So the worker refreshes the statistics of what it writes after
/// every few thousand events, and first after a few hundred.
#[derive(Default)]
struct Statistics {
    since: usize,
    last: Option<std::time::Instant>,
}

impl Statistics {
    const FIRST: usize = 500;
    const EVENTS: usize = 5_000;
    const AT_MOST_EVERY: Duration = Duration::from_secs(10);

    async fn after(&mut self, intake: &Intake, applied: usize) {
        if intake.db.backend() != DbBackend::Postgres {
            return;
        }
        self.since += applied;
        let due = match self.last {
            None => self.since >= Self::FIRST,
            Some(last) => self.since >= Self::EVENTS && last.elapsed() >= Self::AT_MOST_EVERY,
        };
        if !due {
            return;
        }
        self.since = 0;
        self.last = Some(std::time::Instant::now());
        let analyze = "ANALYZE inbound_events, contacts, contact_identities, tickets, ticket_messages, outbox";
        if let Err(err) = intake.db.write.execute_unprepared(analyze).await {
            tracing::warn!(error = %err, "cannot refresh the intake tables' statistics");
        }
    }
}

/// Where the batch after `batch` starts; None for an empty batch.
fn after(batch: &Batch, source: Source) -> Option<Source> {
    let (last, _) = batch.work.last()?;
    Some(match source {
        Source::Spool(_) => Source::Spool(batch.spooled_upto.unwrap_or_default()),
        Source::Stored(_) => Source::Stored(last.id),
    })
}

/// One batch from each source (at shutdown: what was acknowledged last); returns how many events.
pub async fn run_once(intake: &Arc<Intake>) -> Result<usize, DbErr> {
    let _pass = intake.pass.lock().await;
    let mut handled = 0;
    for source in [Source::Spool(0), Source::Stored(0)] {
        let batch = fetch(intake.clone(), source).await?;
        handled += finish(intake, batch).await?;
    }
    Ok(handled)
}

/// Reads up to BATCH pending events from `source` and prepares them.
async fn fetch(intake: Arc<Intake>, source: Source) -> Result<Batch, DbErr> {
    let (txn, events, spooled_upto) = match source {
        Source::Spool(after) => {
            let rows = match intake.db.spool {
                Some(_) => spooled::read(&intake.db.read, after, BATCH).await?,
                None => Vec::new(),
            };
            let upto = rows.last().map(|(id, _)| *id);
            (None, rows.into_iter().map(|(_, e)| e).collect(), upto)
        }
        Source::Stored(after) => {
            let query = inbound_events::Entity::find()
                .filter(inbound_events::Column::ProcessedAt.is_null())
                .filter(inbound_events::Column::Id.gt(after))
                .order_by_asc(inbound_events::Column::Id)
                .limit(BATCH);
            if intake.db.backend() == DbBackend::Postgres {
                // Several instances split the events: each locks its batch for its transaction (and a
                // prefetch in this one skips the batch still being written).
                let txn = intake.db.write.begin().await?;
                let events = query
                    .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
                    .all(&txn)
                    .await?;
                (Some(txn), events, None)
            } else {
                // SQLite has one writer: read and prepare the batch first, take the writer after.
                (None, query.all(&intake.db.read).await?, None)
            }
        }
    };
    if events.is_empty() {
        return Ok(Batch {
            txn,
            work: Vec::new(),
            spooled_upto,
        });
    }
    let work = tokio::task::spawn_blocking(move || prepare(&intake, events))
        .await
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    Ok(Batch {
        txn,
        work,
        spooled_upto,
    })
}

fn prepare(
    intake: &Intake,
    events: Vec<inbound_events::Model>,
) -> Vec<(inbound_events::Model, Work)> {
    events
        .into_iter()
        .map(|event| {
            let inbound = match event.channel {
                Channel::Zalo => platforms::zalo::parse(&event.raw_body),
                Channel::Facebook => platforms::facebook::parse(&event.raw_body),
                Channel::Form => Inbound::Unknown,
            };
            let work = match inbound {
                Inbound::Message(message) => Work::Message(messages::prepare(intake, message)),
                other => Work::Other(other),
            };
            (event, work)
        })
        .collect()
}

async fn finish(intake: &Intake, batch: Batch) -> Result<usize, DbErr> {
    let Batch {
        txn,
        work,
        spooled_upto,
    } = batch;
    if work.is_empty() {
        if let Some(txn) = txn {
            txn.rollback().await?;
        }
        return Ok(0);
    }
    let txn = match txn {
        Some(txn) => txn,
        None => intake.db.begin_write().await?,
    };
    // How long a batch holds the writer (on SQLite, what the form's and officers' writes may wait behind).
    let started = std::time::Instant::now();
    // Spooled events are stored, as processed, by the transaction that applies them; ones stored already are
    // dropped.
    let spooled = spooled_upto.is_some();
    let work: Vec<(inbound_events::Model, Work)> = if spooled {
        let ids = spooled::store(&txn, work.iter().map(|(event, _)| event), Utc::now()).await?;
        work.into_iter()
            .zip(ids)
            .filter_map(|((mut event, work), id)| {
                event.id = id?;
                Some((event, work))
            })
            .collect()
    } else {
        work
    };
    messages::lock_senders(
        &txn,
        work.iter().filter_map(|(_, work)| match work {
            Work::Message(prepared) => Some(&prepared.message),
            Work::Other(_) => None,
        }),
    )
    .await?;
    let count = work.len();
    let mut done = Vec::with_capacity(count);
    let mut pending = work.into_iter().peekable();
    while let Some((event, work)) = pending.next() {
        // Consecutive citizen messages are applied together (up to RUN), in order.
        let first = match work {
            Work::Message(prepared) => prepared,
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
                apply_one(intake, &txn, event, inbound, &mut done).await?;
                continue;
            }
        };
        let mut events = vec![event];
        let mut run = vec![first];
        while run.len() < RUN && matches!(pending.peek(), Some((_, Work::Message(_)))) {
            let Some((event, Work::Message(prepared))) = pending.next() else {
                unreachable!("peeked a citizen message")
            };
            events.push(event);
            run.push(prepared);
        }
        let messages: Vec<CitizenMessage> = run.iter().map(|p| p.message.clone()).collect();
        let savepoint = txn.begin().await?;
        match apply_run(
            intake,
            &savepoint,
            run.into_iter().map(Item::Message).collect(),
        )
        .await
        {
            Ok(applied) => {
                savepoint.commit().await?;
                for (event, applied) in events.iter().zip(applied) {
                    count_outcome(event, applied.outcome());
                    done.push(event.id);
                }
            }
            Err(err) => {
                // One bad message must not hold up the others: each is applied alone (a run of one).
                savepoint.rollback().await?;
                tracing::warn!(error = %err, events = events.len(), "a run of messages failed; applying each alone");
                for (event, message) in events.into_iter().zip(messages) {
                    apply_one(intake, &txn, event, Inbound::Message(message), &mut done).await?;
                }
            }
        }
    }
    // Events read from inbound_events are marked here; spooled ones were stored processed.
    if !spooled {
        for chunk in done.chunks(500) {
            inbound_events::Entity::update_many()
                .col_expr(inbound_events::Column::ProcessedAt, Expr::value(Utc::now()))
                .filter(inbound_events::Column::Id.is_in(chunk.to_vec()))
                .exec(&txn)
                .await?;
        }
    }
    txn.commit().await?;
    metrics::histogram!("intake_batch_write_seconds").record(started.elapsed().as_secs_f64());
    if let Some(upto) = spooled_upto {
        intake.events.release(upto);
    }
    if count > 0 {
        // Acknowledgements queued in this batch go out now rather than at the outbox's next poll.
        intake.outbound.wake();
    }
    Ok(count)
}

/// One event in its own savepoint: a failure is recorded on the event (and set aside after MAX_ATTEMPTS).
async fn apply_one(
    intake: &Intake,
    txn: &DatabaseTransaction,
    event: inbound_events::Model,
    inbound: Inbound,
    done: &mut Vec<i32>,
) -> Result<(), DbErr> {
    let savepoint = txn.begin().await?;
    let applied = match inbound {
        Inbound::Message(message) => {
            let run = vec![Item::Message(messages::prepare(intake, message))];
            apply_run(intake, &savepoint, run)
                .await
                .map(|applied| applied.first().map_or(Outcome::Duplicate, Applied::outcome))
        }
        other => updates::apply(&savepoint, other).await,
    };
    match applied {
        Ok(outcome) => {
            savepoint.commit().await?;
            count_outcome(&event, outcome);
            done.push(event.id);
        }
        Err(err) => {
            savepoint.rollback().await?;
            let attempts = event.attempts + 1;
            tracing::warn!(id = event.id, attempts, error = %err, "cannot apply event");
            let set_aside = attempts >= MAX_ATTEMPTS;
            if set_aside {
                metrics::counter!("intake_events_failed_total", "channel" => event.channel.as_str())
                    .increment(1);
            }
            // A spooled event was stored as processed: back to the queue unless set aside.
            inbound_events::Entity::update_many()
                .col_expr(inbound_events::Column::Attempts, Expr::value(attempts))
                .col_expr(
                    inbound_events::Column::LastError,
                    Expr::value(err.to_string()),
                )
                .col_expr(
                    inbound_events::Column::ProcessedAt,
                    Expr::value(set_aside.then(Utc::now)),
                )
                .filter(inbound_events::Column::Id.eq(event.id))
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}

fn count_outcome(event: &inbound_events::Model, outcome: Outcome) {
    if outcome == Outcome::Unknown {
        metrics::counter!("webhook_events_unknown_total", "channel" => event.channel.as_str())
            .increment(1);
        tracing::info!(channel = %event.channel, kind = %event.event_kind, id = event.id, "unknown event kept raw");
    }
    metrics::counter!("intake_events_total", "channel" => event.channel.as_str(), "outcome" => outcome.as_str())
        .increment(1);
}
