//! Form submissions, the form's part of `apply`. The same text resubmitted from the same browser (or with the
//! same `Idempotency-Key`) within `form.duplicate_window_minutes` is the ticket already opened. Nothing else joins
//! anything: phones and e-mails typed on a form are unverified (anyone can type anyone's), so each submission is
//! a contact of its own, marked as possibly the same as the latest contact with that phone. A form ticket is
//! never threaded and gets no acknowledgement (the page shows its tracking code).
use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use entity::{contact_identities, contacts, tickets};

use super::Intake;
use super::contacts::{NewIdentity, new_rows};
use super::tickets::{Opened, PreparedFeedback, count_created, new_ticket};
use super::writes::Writes;
use crate::db::reserve_ids;
use crate::domain::{Channel, TrackingCode};

/// Where each submission goes, decided before any row is written.
enum Plan {
    /// The identical text from the same sender, already stored within the duplicate window.
    Stored(Box<tickets::Model>),
    /// The identical text earlier in this batch (index into the new tickets).
    Earlier(usize),
    New(usize),
}

/// Plans `batch` in order and adds its rows to `writes`; one opened (or joined) ticket per submission.
pub(super) async fn apply(
    intake: &Intake,
    txn: &DatabaseTransaction,
    batch: &[&PreparedFeedback],
    writes: &mut Writes,
    now: DateTime<Utc>,
) -> Result<Vec<Opened>, DbErr> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let window = Duration::minutes(i64::from(intake.settings.form.duplicate_window_minutes));

    let hashes: Vec<&str> = batch
        .iter()
        .filter_map(|p| p.dedupe_hash.as_deref())
        .collect();
    let mut stored: HashMap<String, tickets::Model> = HashMap::new();
    if !hashes.is_empty() {
        for ticket in tickets::Entity::find()
            .filter(tickets::Column::DedupeHash.is_in(hashes))
            .filter(tickets::Column::CreatedAt.gte(now - window))
            .all(txn)
            .await?
        {
            if let Some(hash) = ticket.dedupe_hash.clone() {
                stored.entry(hash).or_insert(ticket);
            }
        }
    }
    let mut earlier: HashMap<&str, usize> = HashMap::new();
    let mut plans = Vec::with_capacity(batch.len());
    let mut fresh: Vec<&PreparedFeedback> = Vec::new();
    for prepared in batch {
        let hash = prepared.dedupe_hash.as_deref();
        plans.push(if let Some(ticket) = hash.and_then(|h| stored.get(h)) {
            Plan::Stored(Box::new(ticket.clone()))
        } else if let Some(&index) = hash.and_then(|h| earlier.get(h)) {
            Plan::Earlier(index)
        } else {
            if let Some(hash) = hash {
                earlier.insert(hash, fresh.len());
            }
            fresh.push(prepared);
            Plan::New(fresh.len() - 1)
        });
    }

    let identities = identities_for(txn, &fresh, writes, now).await?;
    let ticket_ids = reserve_ids(txn, "tickets", fresh.len()).await?;
    let mut created = Vec::with_capacity(fresh.len());
    for ((prepared, identity), id) in fresh.iter().zip(&identities).zip(ticket_ids) {
        let draft = prepared.ticket_draft(identity, now);
        let ticket = new_ticket(intake, &draft, id, (intake.tracking_codes)())?;
        count_created(draft.channel);
        writes
            .messages
            .add_message(prepared.message(ticket.id, now));
        created.push(ticket);
    }
    writes.tickets.extend(created.iter().cloned());

    Ok(plans
        .into_iter()
        .map(|plan| match plan {
            Plan::Stored(ticket) => Opened {
                ticket: *ticket,
                joined_existing: true,
            },
            Plan::Earlier(index) => Opened {
                ticket: created[index].clone(),
                joined_existing: true,
            },
            Plan::New(index) => Opened {
                ticket: created[index].clone(),
                joined_existing: false,
            },
        })
        .collect())
}

/// Each new ticket's sender: a new contact and identity holding what was typed, marked as possibly the same as
/// the latest contact with that phone (verified on a platform, else typed on an earlier form): a hint for
/// officers, never a merge.
async fn identities_for(
    txn: &DatabaseTransaction,
    fresh: &[&PreparedFeedback],
    writes: &mut Writes,
    now: DateTime<Utc>,
) -> Result<Vec<contact_identities::Model>, DbErr> {
    let phones: Vec<&str> = fresh
        .iter()
        .filter_map(|p| p.feedback.phone.as_ref().map(|ph| ph.as_str()))
        .collect();
    let mut known: HashMap<String, i32> = HashMap::new();
    if !phones.is_empty() {
        // Typed on earlier forms first, so that a verified phone, inserted after, wins.
        let typed: Vec<(Option<String>, i32)> = contact_identities::Entity::find()
            .select_only()
            .column(contact_identities::Column::Phone)
            .column(contact_identities::Column::ContactId)
            .filter(contact_identities::Column::Channel.eq(Channel::Form))
            .filter(contact_identities::Column::Phone.is_in(phones.clone()))
            .order_by_asc(contact_identities::Column::Id)
            .into_tuple()
            .all(txn)
            .await?;
        let verified: Vec<(Option<String>, i32)> = contacts::Entity::find()
            .select_only()
            .column(contacts::Column::VerifiedPhone)
            .column(contacts::Column::Id)
            .filter(contacts::Column::VerifiedPhone.is_in(phones))
            .order_by_asc(contacts::Column::Id)
            .into_tuple()
            .all(txn)
            .await?;
        for (phone, contact) in typed.into_iter().chain(verified) {
            if let Some(phone) = phone {
                known.insert(phone, contact);
            }
        }
    }
    let contact_ids = reserve_ids(txn, "contacts", fresh.len()).await?;
    let identity_ids = reserve_ids(txn, "contact_identities", fresh.len()).await?;
    let mut identities = Vec::with_capacity(fresh.len());
    for ((prepared, contact_id), identity_id) in fresh.iter().zip(contact_ids).zip(identity_ids) {
        let feedback = &prepared.feedback;
        let phone = feedback.phone.as_ref().map(|p| p.as_str().to_owned());
        let (contact, identity) = new_rows(
            contact_id,
            identity_id,
            NewIdentity {
                channel: Channel::Form,
                account: String::new(),
                external_id: format!("form:{}", TrackingCode::generate().as_str()),
                display_name: feedback.name.as_ref().map(|n| n.as_str().to_owned()),
                possibly_same_as: phone.as_ref().and_then(|p| known.get(p).copied()),
                email: feedback.email.as_ref().map(|e| e.as_str().to_owned()),
                phone: phone.clone(),
            },
            now,
        );
        writes.add_identity(contact, identity.clone());
        // A later submission in this batch with the same phone points at this one.
        if let Some(phone) = phone {
            known.insert(phone, contact_id);
        }
        identities.push(identity);
    }
    Ok(identities)
}
