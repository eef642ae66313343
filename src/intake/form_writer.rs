//! Group commit for form submissions. Each ticket is several rows; committing them one submission at a time
//! costs a durable commit (an fsync with `synchronous=full`) each. The writer task takes whatever submissions
//! are waiting, applies them in one transaction (`apply::apply_run`, as the worker applies messages) and answers each
//! only after that commit. If anything in a batch fails (a tracking-code collision, say), the batch is rolled
//! back and each submission is written alone, so one bad row cannot fail others.
use sea_orm::SqlErr;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

use super::Intake;
use super::apply::{Applied, Item, apply_run};
use super::tickets::{Opened, PreparedFeedback};

const MAX_BATCH: usize = 128;

struct Job {
    prepared: PreparedFeedback,
    done: oneshot::Sender<anyhow::Result<Opened>>,
}

pub struct FormWriter {
    jobs: mpsc::Sender<Job>,
}

/// The receiving end, handed to `start` once the app intake exists.
pub struct FormWriterQueue(mpsc::Receiver<Job>);

impl FormWriter {
    pub fn new() -> (FormWriter, FormWriterQueue) {
        let (jobs, queue) = mpsc::channel(4096);
        (FormWriter { jobs }, FormWriterQueue(queue))
    }

    pub async fn submit(&self, prepared: PreparedFeedback) -> anyhow::Result<Opened> {
        let (done, answer) = oneshot::channel();
        self.jobs
            .send(Job { prepared, done })
            .await
            .map_err(|_| anyhow::anyhow!("the ticket writer has stopped"))?;
        answer
            .await
            .map_err(|_| anyhow::anyhow!("the ticket writer has stopped"))?
    }
}

pub(super) fn start(intake: Arc<Intake>, FormWriterQueue(mut queue): FormWriterQueue) {
    tokio::spawn(async move {
        while let Some(first) = queue.recv().await {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match queue.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            metrics::histogram!("form_batch_tickets").record(batch.len() as f64);
            match write_batch(&intake, &batch).await {
                Ok(opened) => {
                    for (job, opened) in batch.into_iter().zip(opened) {
                        let _ = job.done.send(Ok(opened));
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, size = batch.len(), "ticket batch failed; writing each alone");
                    for job in batch {
                        let result = open_alone(&intake, &job.prepared).await;
                        let _ = job.done.send(result);
                    }
                }
            }
        }
    });
}

async fn write_batch(intake: &Intake, batch: &[Job]) -> anyhow::Result<Vec<Opened>> {
    if let [single] = batch {
        return Ok(vec![open_alone(intake, &single.prepared).await?]);
    }
    let items = batch.iter().map(|job| Item::Form(&job.prepared)).collect();
    let txn = intake.db.begin_write().await?;
    match apply_run(intake, &txn, items).await {
        Ok(applied) => {
            txn.commit().await?;
            Ok(applied.into_iter().filter_map(Applied::opened).collect())
        }
        Err(err) => {
            txn.rollback().await?;
            Err(err.into())
        }
    }
}

/// Tracking-code draws before giving up: a collision is about one in 2^58 per pair.
const MAX_CODE_DRAWS: usize = 8;

/// One submission in its own transaction (a batch of one: the same writes as any batch); a tracking-code or
/// identity race with another instance starts over.
pub async fn open_alone(intake: &Intake, prepared: &PreparedFeedback) -> anyhow::Result<Opened> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let txn = intake.db.begin_write().await?;
        match apply_run(intake, &txn, vec![Item::Form(prepared)]).await {
            Ok(applied) => {
                txn.commit().await?;
                return applied
                    .into_iter()
                    .find_map(Applied::opened)
                    .ok_or_else(|| anyhow::anyhow!("a batch of one opened nothing"));
            }
            Err(err)
                if attempt < MAX_CODE_DRAWS
                    && matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) =>
            {
                txn.rollback().await?;
                continue;
            }
            Err(err) => {
                txn.rollback().await?;
                return Err(err.into());
            }
        }
    }
}
