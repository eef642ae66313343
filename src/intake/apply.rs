//! The one core that turns inbound items into tickets. A citizen's message from a platform and a form
//! submission are both an [`Item`]; [`apply_run`] applies a run of them in one transaction: duplicates dropped,
//! the sender's contact and identity found or created, each item threaded into an open ticket or opening a new
//! one (routed, with a deadline and, on a platform, an acknowledgement). The fallback after a failed run is the
//! same function on a run of one, so a new rule about inbound items is written here once.
//!
//! What differs by source stays with the source: `messages` threads by the platform's conversation and comment
//! thread, `form` dedupes by the sender's text within the duplicate window. Both only plan and build rows; the
//! rows of the whole run are written together at the end (`writes`).
use chrono::Utc;
use sea_orm::{DatabaseTransaction, DbErr, EntityTrait};

use entity::survey_ratings;

use super::Intake;
use super::form;
use super::messages;
pub use super::outcome::Outcome;
use super::tickets::{Opened, PreparedFeedback};
use super::writes::Writes;
use crate::satisfaction::{self, record::Source};

/// One inbound item, prepared (language, classification, routing) before its transaction.
// Held in a run's vector, moved once: boxing the larger variant would only add an allocation per item.
#[allow(clippy::large_enum_variant)]
pub enum Item<'a> {
    /// A citizen's message on Zalo, Messenger or a Page comment.
    Message(messages::Prepared),
    /// A form submission (borrowed: the form writer keeps it to retry alone if its run fails).
    Form(&'a PreparedFeedback),
}

/// What applying an item did.
// One per item of a run, moved once: boxing the ticket would only add an allocation per submission.
#[allow(clippy::large_enum_variant)]
pub enum Applied {
    Message(Outcome),
    /// The ticket the submission opened, or the identical one it joined.
    Form(Opened),
}

impl Applied {
    pub fn outcome(&self) -> Outcome {
        match self {
            Applied::Message(outcome) => *outcome,
            Applied::Form(opened) if opened.joined_existing => Outcome::Duplicate,
            Applied::Form(_) => Outcome::NewTicket,
        }
    }

    /// A form submission's ticket.
    pub fn opened(self) -> Option<Opened> {
        match self {
            Applied::Form(opened) => Some(opened),
            Applied::Message(_) => None,
        }
    }
}

/// Applies `items` in order inside `txn`; one result per item, in the same order.
pub async fn apply_run(
    intake: &Intake,
    txn: &DatabaseTransaction,
    items: Vec<Item<'_>>,
) -> Result<Vec<Applied>, DbErr> {
    let now = Utc::now();
    let mut writes = Writes::default();
    let mut platform = Vec::new();
    let mut submissions = Vec::new();
    let mut is_form = Vec::with_capacity(items.len());
    for item in items {
        is_form.push(matches!(item, Item::Form(_)));
        match item {
            Item::Message(prepared) => platform.push(prepared),
            Item::Form(prepared) => submissions.push(prepared),
        }
    }
    let mut outcomes = messages::apply(intake, txn, platform, &mut writes, now)
        .await?
        .into_iter();
    let mut opened = form::apply(intake, txn, &submissions, &mut writes, now)
        .await?
        .into_iter();
    let answers = std::mem::take(&mut writes.answers);
    writes.write(txn, now).await?;
    let cx = satisfaction::Context {
        settings: &intake.settings,
        gazetteer: &intake.gazetteer,
    };
    for (survey_id, answer) in answers {
        // Read again: an earlier answer in this run (a score, then "was it solved?") changed it.
        if let Some(survey) = survey_ratings::Entity::find_by_id(survey_id)
            .one(txn)
            .await?
        {
            satisfaction::record::record(txn, cx, &survey, answer, None, Source::Chat, now).await?;
        }
    }
    Ok(is_form
        .into_iter()
        .filter_map(|form| {
            if form {
                opened.next().map(Applied::Form)
            } else {
                outcomes.next().map(Applied::Message)
            }
        })
        .collect())
}
