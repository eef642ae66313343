//! A batch of form submissions written with a few statements for the whole batch (look-ups with `IN`, reserved
//! ids, one multi-row insert per table), the same result as `tickets::write_form_ticket` for each in turn. On
//! SQLite every statement is a round trip to the connection's thread; per submission they bounded the form.
use std::collections::HashMap;

use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QuerySelect,
};

use entity::{contact_identities, contacts, tickets};

use super::Intake;
use super::contacts::{NewIdentity, new_rows};
use super::tickets::{Companions, Opened, PreparedFeedback, count_created, new_ticket};
use crate::db::{insert_all, reserve_ids};
use crate::domain::{Channel, TrackingCode};

/// Where each submission goes, decided before any row is written.
enum Plan {
    /// The identical text from the same sender, already stored within the duplicate window.
    Stored(Box<tickets::Model>),
    /// The identical text earlier in this batch (index into the new tickets).
    Earlier(usize),
    New(usize),
}

pub async fn write_batch(
    intake: &Intake,
    txn: &DatabaseTransaction,
    batch: &[&PreparedFeedback],
) -> Result<Vec<Opened>, DbErr> {
    let now = Utc::now();
    let window = Duration::minutes(i64::from(intake.settings.form.duplicate_window_minutes));

    let hashes: Vec<&str> = batch.iter().map(|p| p.dedupe_hash.as_str()).collect();
    let mut stored: HashMap<String, tickets::Model> = HashMap::new();
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
    let mut earlier: HashMap<&str, usize> = HashMap::new();
    let mut plans = Vec::with_capacity(batch.len());
    let mut fresh: Vec<&PreparedFeedback> = Vec::new();
    for prepared in batch {
        let hash = prepared.dedupe_hash.as_str();
        plans.push(if let Some(ticket) = stored.get(hash) {
            Plan::Stored(Box::new(ticket.clone()))
        } else if let Some(&index) = earlier.get(hash) {
            Plan::Earlier(index)
        } else {
            earlier.insert(hash, fresh.len());
            fresh.push(prepared);
            Plan::New(fresh.len() - 1)
        });
    }

    let identities = identities_for(txn, &fresh, now).await?;
    let ticket_ids = reserve_ids(txn, "tickets", fresh.len()).await?;
    let mut companions = Companions::default();
    let mut created = Vec::with_capacity(fresh.len());
    for ((prepared, identity), id) in fresh.iter().zip(&identities).zip(ticket_ids) {
        let draft = prepared.ticket_draft(identity, now);
        let ticket = new_ticket(intake, &draft, id, (intake.tracking_codes)())?;
        count_created(draft.channel);
        companions.add_message(prepared.message(ticket.id, now));
        created.push(ticket);
    }
    let rows: Vec<_> = created
        .iter()
        .map(|t| t.clone().into_active_model().reset_all())
        .collect();
    insert_all(txn, &rows).await?;
    companions.write(txn).await?;

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

/// Each new ticket's sender identity, as `tickets::form_identity` gives it: one per phone or e-mail (kept up to
/// date with the name and e-mail given), a new one for each anonymous submission; a phone typed here only marks
/// a platform-verified contact with that phone as possibly the same person.
async fn identities_for(
    txn: &DatabaseTransaction,
    fresh: &[&PreparedFeedback],
    now: chrono::DateTime<Utc>,
) -> Result<Vec<contact_identities::Model>, DbErr> {
    let anonymous = |p: &PreparedFeedback| p.feedback.phone.is_none() && p.feedback.email.is_none();
    let known_keys: Vec<&str> = fresh
        .iter()
        .filter(|p| !anonymous(p))
        .map(|p| p.sender_key.as_str())
        .collect();
    let mut by_key: HashMap<String, contact_identities::Model> = HashMap::new();
    if !known_keys.is_empty() {
        for identity in contact_identities::Entity::find()
            .filter(contact_identities::Column::Channel.eq(Channel::Form))
            .filter(contact_identities::Column::AccountExternalId.eq(""))
            .filter(contact_identities::Column::ExternalId.is_in(known_keys))
            .all(txn)
            .await?
        {
            by_key.insert(identity.external_id.clone(), identity);
        }
    }
    let phones: Vec<&str> = fresh
        .iter()
        .filter_map(|p| p.feedback.phone.as_ref().map(|ph| ph.as_str()))
        .collect();
    let verified: HashMap<String, i32> = if phones.is_empty() {
        HashMap::new()
    } else {
        contacts::Entity::find()
            .select_only()
            .column(contacts::Column::VerifiedPhone)
            .column(contacts::Column::Id)
            .filter(contacts::Column::VerifiedPhone.is_in(phones))
            .into_tuple::<(Option<String>, i32)>()
            .all(txn)
            .await?
            .into_iter()
            .filter_map(|(phone, id)| phone.map(|p| (p, id)))
            .collect()
    };

    // Which submissions need a new identity: anonymous ones, and the first of each unknown sender.
    let mut needs_new = Vec::new();
    let mut planned: Vec<&str> = Vec::new();
    for prepared in fresh {
        let key = prepared.sender_key.as_str();
        if anonymous(prepared) || (!by_key.contains_key(key) && !planned.contains(&key)) {
            if !anonymous(prepared) {
                planned.push(key);
            }
            needs_new.push(*prepared);
        }
    }
    let contact_ids = reserve_ids(txn, "contacts", needs_new.len()).await?;
    let identity_ids = reserve_ids(txn, "contact_identities", needs_new.len()).await?;
    let mut new_contacts = Vec::with_capacity(needs_new.len());
    let mut new_identities = Vec::with_capacity(needs_new.len());
    let mut anonymous_identities = Vec::new();
    for ((prepared, contact_id), identity_id) in needs_new.iter().zip(contact_ids).zip(identity_ids)
    {
        let feedback = &prepared.feedback;
        let phone = feedback.phone.as_ref().map(|p| p.as_str().to_owned());
        let (contact, identity) = new_rows(
            contact_id,
            identity_id,
            NewIdentity {
                channel: Channel::Form,
                account: String::new(),
                external_id: if anonymous(prepared) {
                    format!("anon:{}", TrackingCode::generate().as_str())
                } else {
                    prepared.sender_key.clone()
                },
                display_name: feedback.name.as_ref().map(|n| n.as_str().to_owned()),
                possibly_same_as: phone.as_ref().and_then(|p| verified.get(p).copied()),
                phone,
                email: feedback.email.as_ref().map(|e| e.as_str().to_owned()),
            },
            now,
        );
        new_contacts.push(contact.into_active_model().reset_all());
        new_identities.push(identity.clone().into_active_model().reset_all());
        if anonymous(prepared) {
            anonymous_identities.push(identity);
        } else {
            by_key.insert(identity.external_id.clone(), identity);
        }
    }
    insert_all(txn, &new_contacts).await?;
    insert_all(txn, &new_identities).await?;

    // A known sender's latest name and e-mail.
    let mut anonymous_left = anonymous_identities.into_iter();
    let mut identities = Vec::with_capacity(fresh.len());
    for prepared in fresh {
        if anonymous(prepared) {
            identities.push(anonymous_left.next().expect("one per anonymous submission"));
            continue;
        }
        let identity = by_key
            .get_mut(prepared.sender_key.as_str())
            .expect("found or created above");
        let name = prepared
            .feedback
            .name
            .as_ref()
            .map(|n| n.as_str().to_owned());
        let email = prepared
            .feedback
            .email
            .as_ref()
            .map(|e| e.as_str().to_owned());
        let name_changed = name.is_some() && name != identity.display_name;
        let email_changed = email.is_some() && email != identity.email;
        if name_changed || email_changed {
            let mut update = contact_identities::Entity::update_many()
                .col_expr(contact_identities::Column::UpdatedAt, Expr::value(now))
                .filter(contact_identities::Column::Id.eq(identity.id));
            if name_changed {
                update = update.col_expr(
                    contact_identities::Column::DisplayName,
                    Expr::value(name.clone()),
                );
                identity.display_name = name;
            }
            if email_changed {
                update = update.col_expr(
                    contact_identities::Column::Email,
                    Expr::value(email.clone()),
                );
                identity.email = email;
            }
            update.exec(txn).await?;
        }
        identities.push(identity.clone());
    }
    Ok(identities)
}
