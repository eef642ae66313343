//! Intake: every channel's citizen message becomes part of a feedback ticket here. The form opens tickets
//! directly; webhook events are stored first and applied by the worker.
//!
//! [`Intake`] is the handle the worker, the form writer and the handlers share: what turning messages into
//! tickets needs (database, routing, language, deadlines, the outbox), and nothing of the web framework.
mod acknowledgement;
pub mod apply;
mod contacts;
mod form;
pub mod form_writer;
pub mod language;
mod messages;
mod outcome;
pub mod search_backfill;
pub mod tickets;
mod updates;
pub mod worker;
mod writes;

use std::sync::Arc;

use tokio::sync::Notify;

pub use tickets::{NewFeedback, Opened, open_form_ticket};

use crate::accounts::ServedAccounts;
use crate::config::Settings;
use crate::db::Db;
use crate::deadlines::Deadlines;
use crate::domain::TrackingCode;
use crate::outbound::Outbound;
use crate::routing::{Gazetteer, Router};
use crate::spool::EventStore;
use form_writer::FormWriter;
use language::LanguageDetector;

/// Where new tracking codes come from; tests replace it to force collisions.
pub type CodeSource = Arc<dyn Fn() -> TrackingCode + Send + Sync>;

pub struct Intake {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub gazetteer: Arc<Gazetteer>,
    pub router: Arc<Router>,
    /// Built once: lingua's models are compiled in and load lazily; shared by every worker.
    pub language: Arc<LanguageDetector>,
    /// The legal tracks' clocks on the working-day calendar: every new ticket's `due_at`.
    pub deadlines: Arc<Deadlines>,
    /// The OAs and Pages whose events we take, and the units that own them.
    pub served: ServedAccounts,
    pub tracking_codes: CodeSource,
    /// Keys the form's duplicate detection (`keys::dedupe_key`).
    pub dedupe_key: Vec<u8>,
    /// Durable, group-committed storage of webhook events.
    pub events: EventStore,
    /// Acknowledgements queued by intake are delivered through it.
    pub outbound: Outbound,
    /// Wakes the intake worker when events were stored.
    pub wake: Arc<Notify>,
    /// One intake pass at a time (the worker's, and the last one at shutdown): on SQLite a pass reads its batch
    /// before taking the writer.
    pass: tokio::sync::Mutex<()>,
    /// Batches form submissions into group commits.
    form_writer: FormWriter,
}

/// The parts an [`Intake`] is built from.
pub struct IntakeParts {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub gazetteer: Arc<Gazetteer>,
    pub router: Arc<Router>,
    pub deadlines: Arc<Deadlines>,
    pub tracking_codes: CodeSource,
    pub dedupe_key: Vec<u8>,
    pub events: EventStore,
    pub wake: Arc<Notify>,
    pub outbound: Outbound,
}

impl Intake {
    /// Builds the handle and starts the form writer; `worker::spawn` starts the webhook events' worker.
    pub fn start(parts: IntakeParts) -> Arc<Intake> {
        let (form_writer, form_queue) = FormWriter::new();
        let intake = Arc::new(Intake {
            served: crate::accounts::served(&parts.settings),
            settings: parts.settings,
            db: parts.db,
            gazetteer: parts.gazetteer,
            router: parts.router,
            language: Arc::new(LanguageDetector::new()),
            deadlines: parts.deadlines,
            tracking_codes: parts.tracking_codes,
            dedupe_key: parts.dedupe_key,
            events: parts.events,
            outbound: parts.outbound,
            wake: parts.wake,
            pass: tokio::sync::Mutex::new(()),
            form_writer,
        });
        form_writer::start(intake.clone(), form_queue);
        intake
    }
}

impl Intake {
    /// Holds off intake passes while the guard lives (the worker waits; events gather): maintenance and tests.
    pub async fn hold(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.pass.lock().await
    }

    /// Webhook events not yet turned into tickets: spooled ones and stored unprocessed ones.
    pub async fn pending(&self) -> Result<u64, sea_orm::DbErr> {
        crate::spool::inbound::pending(&self.db.read, self.db.spool.is_some()).await
    }
}
