//! Citizens' messages (Zalo, Messenger, Page comments), the platforms' part of `apply`: duplicates by the
//! platform's message id, identities by the platform's user id, each message threaded into its citizen's open
//! ticket (a private chat within the thread window, or a comment's thread) or opening a new one (routed, with a
//! deadline and an acknowledgement). Look-ups take the whole run at once (`IN`), new rows get reserved ids.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use entity::{channel_accounts, contact_identities, ticket_messages, tickets};

use super::Intake;
use super::acknowledgement;
use super::contacts::{NewIdentity, new_rows};
use super::language::Detection;
use super::outcome::Outcome;
use super::tickets::{MessageDraft, TicketDraft, count_created, new_ticket};
use super::writes::Writes;
use crate::accounts;
use crate::db::reserve_ids;
use crate::domain::{Channel, FeedbackText, TicketStatus, fold_for_search};
use crate::platforms::event::{CitizenMessage, Thread};
use crate::routing::{Classification, Decision, HintSource, RouteInput, UnitHint, classify};
use crate::satisfaction::{self, answer};

type IdentityKey = (Channel, String, String);

/// What needs no database: done before the run's statements (on SQLite, before taking the writer).
pub struct Prepared {
    pub message: CitizenMessage,
    body: String,
    detection: Option<Detection>,
    attachments: Option<String>,
    /// The attachment rows it brings (`evidence`).
    evidence: Vec<crate::evidence::NewEvidence>,
    classification: Classification,
    /// The routing of a new ticket by a citizen without earlier tickets, with the owning unit that the settings
    /// give the account; redone in the run when the contact has earlier units or the account another unit.
    decision: Decision,
    account_unit: Option<String>,
}

pub fn prepare(intake: &Intake, message: CitizenMessage) -> Prepared {
    let MessageContent {
        body,
        detection,
        attachments,
    } = MessageContent::of(intake, &message);
    let classification = classify(&body);
    let evidence = crate::evidence::from_platform(&message.attachments);
    let account_unit = intake
        .served
        .units
        .get(&(message.identity.channel, message.identity.account.clone()))
        .cloned();
    let decision = decide(intake, &body, &message, account_unit.as_deref(), &[]);
    Prepared {
        message,
        body,
        detection,
        attachments,
        evidence,
        classification,
        decision,
        account_unit,
    }
}

fn decide(
    intake: &Intake,
    body: &str,
    message: &CitizenMessage,
    account_unit: Option<&str>,
    previous_units: &[String],
) -> Decision {
    intake.router.decide(&RouteInput {
        text: body,
        location: message.location,
        unit_hint: account_unit.map(|code| UnitHint {
            code,
            source: HintSource::Account,
        }),
        previous_units,
    })
}

fn key_of(message: &CitizenMessage) -> IdentityKey {
    (
        message.identity.channel,
        message.identity.account.clone(),
        message.identity.external_id.clone(),
    )
}

/// Where each message goes, decided before any row is written.
#[derive(Clone, Copy)]
enum Plan {
    Duplicate,
    /// An open ticket already stored.
    Join(i32),
    /// A ticket opened earlier in this run (index into the new tickets).
    JoinNew(usize),
    New(usize),
}

/// Plans `items` in order and adds their rows to `writes`; one outcome per message.
pub(super) async fn apply(
    intake: &Intake,
    txn: &DatabaseTransaction,
    items: Vec<Prepared>,
    writes: &mut Writes,
    now: DateTime<Utc>,
) -> Result<Vec<Outcome>, DbErr> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    // First: on PostgreSQL it waits for another instance applying the same citizens, whose rows the look-ups
    // after it then see.
    let mut identities = find_identities(txn, &items).await?;
    let stored = stored_message_ids(txn, &items).await?;
    let mut accounts_by_key: HashMap<(Channel, String), channel_accounts::Model> = HashMap::new();
    for item in &items {
        let key = (
            item.message.identity.channel,
            item.message.identity.account.clone(),
        );
        if let std::collections::hash_map::Entry::Vacant(slot) = accounts_by_key.entry(key) {
            let (channel, account) = slot.key().clone();
            let model = accounts::find_or_create(txn, &intake.settings, channel, &account).await?;
            slot.insert(model);
        }
    }
    refresh_display_names(txn, &items, &mut identities, now).await?;
    let open = open_tickets(intake, txn, &identities, now).await?;
    let parents = parent_tickets(intake, txn, &items, now).await?;
    // Citizens asked for their satisfaction lately: their chat messages may be answers.
    let surveyed = satisfaction::recent_by_identity(
        txn,
        items
            .iter()
            .filter(|i| i.message.thread == Thread::Direct)
            .filter_map(|i| {
                identities
                    .get(&key_of(&i.message))
                    .map(|identity| identity.id)
            })
            .collect(),
        now - Duration::days(i64::from(intake.settings.intake.thread_window_days)),
        now,
    )
    .await?;

    // Plan: duplicates, joins, new tickets, and the identities to create.
    let mut seen: HashSet<(Channel, String)> = HashSet::new();
    // A private chat's ticket opened in this run, by citizen: their later messages in the run join it.
    let mut new_by_identity: HashMap<IdentityKey, usize> = HashMap::new();
    // Each comment of this run with its author and where it went: the author's replies to it follow it.
    let mut comments: HashMap<&str, (IdentityKey, Plan)> = HashMap::new();
    let mut new_identities: Vec<IdentityKey> = Vec::new();
    let mut created: HashSet<IdentityKey> = HashSet::new();
    let mut plans = Vec::with_capacity(items.len());
    // Surveys answered earlier in this run, as they now stand.
    let mut in_run: HashMap<i32, entity::survey_ratings::Model> = HashMap::new();
    let mut new_count = 0;
    for item in &items {
        let m = &item.message;
        let message_key = (m.identity.channel, m.provider_message_id.clone());
        if stored.contains(&message_key) || !seen.insert(message_key) {
            plans.push(Plan::Duplicate);
            continue;
        }
        let key = key_of(m);
        let identity_id = identities.get(&key).map(|identity| identity.id);
        let plan = match &m.thread {
            Thread::Direct => {
                let open_ticket = identity_id.and_then(|id| open.get(&id));
                // The survey as this run leaves it: a score earlier in the run opens "was it solved?".
                let surveyed = identity_id
                    .and_then(|id| surveyed.get(&id))
                    .map(|(survey, ticket)| (in_run.get(&survey.id).unwrap_or(survey), ticket));
                // Talking on another ticket since the question: their words are that ticket's.
                let elsewhere = matches!((open_ticket, surveyed), (Some(open), Some((survey, ticket)))
                    if open.id != ticket.id && open.last_activity_at > survey.sent_at);
                let answer =
                    surveyed.and_then(|(survey, _)| answer::from_message(m, survey, elsewhere));
                match (answer, surveyed, open_ticket, new_by_identity.get(&key)) {
                    // An answer to the citizen's survey goes to the surveyed ticket.
                    (Some(answer), Some((survey, ticket)), _, _) => {
                        writes.answers.push((survey.id, answer));
                        let mut after = survey.clone();
                        after.score = answer.score.map(i16::from).or(after.score);
                        after.solved = answer.solved.or(after.solved);
                        after.answered_at = Some(now);
                        let ticket_id = ticket.id;
                        in_run.insert(after.id, after);
                        Plan::Join(ticket_id)
                    }
                    (_, _, Some(ticket), _) => Plan::Join(ticket.id),
                    (_, _, None, Some(&index)) => Plan::JoinNew(index),
                    // A "thank you" to a survey of a ticket closed meanwhile stays there rather than open a
                    // ticket of its own (anything else is a new matter: routed, acknowledged, with a deadline).
                    (None, Some((_, ticket)), None, None) if answer::is_courtesy(&m.text) => {
                        Plan::Join(ticket.id)
                    }
                    (_, _, None, None) => {
                        new_by_identity.insert(key.clone(), new_count);
                        Plan::New(new_count)
                    }
                }
            }
            // A reply joins the ticket of the comment it answers when that is the same author's and open.
            Thread::Comment { .. } => {
                let parent = parent_comment(m);
                let stored_parent = parent
                    .and_then(|p| parents.get(p))
                    .filter(|ticket| Some(ticket.contact_identity_id) == identity_id);
                let parent_in_run = parent
                    .and_then(|p| comments.get(p))
                    .filter(|(author, _)| *author == key);
                match (stored_parent, parent_in_run) {
                    (Some(ticket), _) => Plan::Join(ticket.id),
                    (None, Some((_, Plan::Join(id)))) => Plan::Join(*id),
                    (None, Some((_, Plan::New(index) | Plan::JoinNew(index)))) => {
                        Plan::JoinNew(*index)
                    }
                    _ => Plan::New(new_count),
                }
            }
        };
        if let Plan::New(_) = plan {
            if !identities.contains_key(&key) && created.insert(key.clone()) {
                new_identities.push(key.clone());
            }
            new_count += 1;
        }
        if let Thread::Comment { comment_id, .. } = &m.thread {
            comments.insert(comment_id.as_str(), (key, plan));
        }
        plans.push(plan);
    }

    // New contacts and identities, with reserved ids.
    let contact_ids = reserve_ids(txn, "contacts", new_identities.len()).await?;
    let identity_ids = reserve_ids(txn, "contact_identities", new_identities.len()).await?;
    // Each new identity's name as its latest message in the run gives it (as a known one's is kept current).
    let mut names: HashMap<IdentityKey, Option<String>> = HashMap::new();
    for item in &items {
        let name = names.entry(key_of(&item.message)).or_default();
        if item.message.display_name.is_some() {
            name.clone_from(&item.message.display_name);
        }
    }
    for ((key, contact_id), identity_id) in new_identities.iter().zip(contact_ids).zip(identity_ids)
    {
        let display_name = names.get(key).cloned().flatten();
        let (contact, identity) = new_rows(
            contact_id,
            identity_id,
            NewIdentity {
                channel: key.0,
                account: key.1.clone(),
                external_id: key.2.clone(),
                display_name,
                phone: None,
                email: None,
                possibly_same_as: None,
            },
            now,
        );
        writes.add_identity(contact, identity.clone());
        identities.insert(key.clone(), identity);
    }

    // New tickets: routing with each contact's earlier units (a weak hint), acknowledgements.
    let new_items: Vec<&Prepared> = items
        .iter()
        .zip(&plans)
        .filter(|(_, p)| matches!(p, Plan::New(_)))
        .map(|(i, _)| i)
        .collect();
    // Contacts created in this run have no earlier tickets: only the others are looked up.
    let previous = previous_units(
        txn,
        new_items
            .iter()
            .filter(|i| !created.contains(&key_of(&i.message)))
            .filter_map(|i| identities.get(&key_of(&i.message)))
            .map(|identity| identity.contact_id),
    )
    .await?;
    let ticket_ids = reserve_ids(txn, "tickets", new_items.len()).await?;
    let mut ticket_rows = Vec::with_capacity(new_items.len());
    // Units of the tickets each contact opened earlier in this run (several comments), newest last.
    let mut opened_in_run: HashMap<i32, Vec<String>> = HashMap::new();
    for (item, id) in new_items.iter().zip(&ticket_ids) {
        let m = &item.message;
        let identity = &identities[&key_of(m)];
        let account = &accounts_by_key[&(m.identity.channel, m.identity.account.clone())];
        let redone;
        let in_run = opened_in_run.get(&identity.contact_id);
        let decision = match (previous.get(&identity.contact_id), in_run) {
            (None, None) if account.unit_code == item.account_unit => &item.decision,
            (stored, in_run) => {
                // The newest first: this run's tickets, then the stored ones; five at most.
                let units: Vec<String> = in_run
                    .into_iter()
                    .flat_map(|units| units.iter().rev())
                    .chain(stored.into_iter().flatten())
                    .take(5)
                    .cloned()
                    .collect();
                redone = decide(intake, &item.body, m, account.unit_code.as_deref(), &units);
                &redone
            }
        };
        let draft = TicketDraft {
            channel: m.identity.channel,
            channel_account_id: Some(account.id),
            contact_id: identity.contact_id,
            contact_identity_id: identity.id,
            thread_key: match &m.thread {
                Thread::Comment { comment_id, .. } => Some(comment_id.clone()),
                Thread::Direct => None,
            },
            summary: FeedbackText::parse(&item.body)
                .map(|t| t.summary())
                .unwrap_or_else(|_| attachment_summary(m)),
            search_text: fold_for_search(&item.body),
            language: item.detection.map(|d| d.language.code().to_owned()),
            location: m.location,
            submitted_unit_code: None,
            dedupe_hash: None,
            decision,
            classification: &item.classification,
            at: now,
        };
        let ticket = new_ticket(intake, &draft, *id, (intake.tracking_codes)())?;
        count_created(draft.channel);
        writes.acknowledgements.extend(acknowledgement::build(
            intake,
            &ticket,
            account,
            m,
            item.detection,
            item.classification.urgent,
        ));
        if let Some(unit) = &ticket.unit_code {
            opened_in_run
                .entry(identity.contact_id)
                .or_default()
                .push(unit.clone());
        }
        ticket_rows.push(ticket);
    }

    // Messages, and what joining does to the tickets joined.
    let mut outcomes = Vec::with_capacity(items.len());
    for (item, plan) in items.into_iter().zip(plans) {
        let ticket_id = match plan {
            Plan::Duplicate => {
                outcomes.push(Outcome::Duplicate);
                continue;
            }
            Plan::New(index) => {
                outcomes.push(Outcome::NewTicket);
                ticket_ids[index]
            }
            Plan::JoinNew(index) => {
                outcomes.push(Outcome::JoinedTicket);
                let ticket = &mut ticket_rows[index];
                ticket.last_activity_at = now;
                if ticket.lat.is_none()
                    && let Some(location) = item.message.location
                {
                    ticket.lat = Some(location.lat);
                    ticket.lon = Some(location.lon);
                }
                ticket.id
            }
            Plan::Join(id) => {
                outcomes.push(Outcome::JoinedTicket);
                let stored = writes.joined.entry(id).or_insert(None);
                let ticket_has_place = open
                    .values()
                    .chain(parents.values())
                    .any(|t| t.id == id && t.lat.is_some());
                if stored.is_none()
                    && !ticket_has_place
                    && let Some(location) = item.message.location
                {
                    *stored = Some((location.lat, location.lon));
                }
                id
            }
        };
        let m = item.message;
        writes.messages.add_message(MessageDraft {
            ticket_id,
            channel: m.identity.channel,
            provider_message_id: Some(m.provider_message_id),
            body: item.body,
            attachments: item.attachments,
            evidence: item.evidence,
            location: m.location,
            detection: item.detection,
            at: m.at,
        });
    }

    writes.tickets.extend(ticket_rows);
    Ok(outcomes)
}

/// Provider message ids of this run already stored: platform retries that slipped past the event dedupe.
async fn stored_message_ids(
    txn: &DatabaseTransaction,
    items: &[Prepared],
) -> Result<HashSet<(Channel, String)>, DbErr> {
    let mut stored = HashSet::new();
    for channel in Channel::ALL {
        let ids: Vec<&str> = items
            .iter()
            .filter(|i| i.message.identity.channel == channel)
            .map(|i| i.message.provider_message_id.as_str())
            .collect();
        if ids.is_empty() {
            continue;
        }
        let found: Vec<Option<String>> = ticket_messages::Entity::find()
            .select_only()
            .column(ticket_messages::Column::ProviderMessageId)
            .filter(ticket_messages::Column::Channel.eq(channel))
            .filter(crate::db::one_of(
                txn.get_database_backend(),
                ticket_messages::Column::ProviderMessageId,
                &ids,
            ))
            .into_tuple()
            .all(txn)
            .await?;
        stored.extend(found.into_iter().flatten().map(|id| (channel, id)));
    }
    Ok(stored)
}

/// The known identities of a run's senders, locked on PostgreSQL (see `lock_senders`; the batch holds most of
/// them already, and an identity another instance created since is taken here).
async fn find_identities(
    txn: &DatabaseTransaction,
    items: &[Prepared],
) -> Result<HashMap<IdentityKey, contact_identities::Model>, DbErr> {
    identities_of(txn, items.iter().map(|i| &i.message)).await
}

/// PostgreSQL: locks, for the worker's transaction, the known identities of a batch's senders. Several instances
/// take consecutive batches, and a citizen's next message may be in another instance's batch while this one
/// opens their ticket: unlocked, that instance saw no open ticket and opened a second one, and two batches
/// updating the same citizens' tickets in different orders deadlocked (each costing a second, then the run's
/// messages applied one by one). Locked, it waits for this commit, then finds the ticket. All of a batch's are
/// locked at once at its start, in one order (channel and account, then id), so two batches rarely each hold
/// what the other waits for. What remains can still deadlock, and PostgreSQL then fails one side (its events are
/// applied again after): an identity another instance created after this batch started, locked by a run; the
/// identities of follow and shared-details events (`updates`), locked as they are updated; a citizen new to both,
/// settled by the identities' unique key (the later insert fails). Measured with two instances on citizens who
/// write ten messages each: no deadlock in five runs (docs/performance.md).
pub(super) async fn lock_senders<'a>(
    txn: &DatabaseTransaction,
    messages: impl Iterator<Item = &'a CitizenMessage>,
) -> Result<(), DbErr> {
    if txn.get_database_backend() == DbBackend::Postgres {
        identities_of(txn, messages).await?;
    }
    Ok(())
}

async fn identities_of<'a>(
    txn: &DatabaseTransaction,
    messages: impl Iterator<Item = &'a CitizenMessage>,
) -> Result<HashMap<IdentityKey, contact_identities::Model>, DbErr> {
    let mut groups: HashMap<(Channel, &str), Vec<&str>> = HashMap::new();
    for message in messages {
        let identity = &message.identity;
        groups
            .entry((identity.channel, identity.account.as_str()))
            .or_default()
            .push(identity.external_id.as_str());
    }
    let mut groups: Vec<_> = groups.into_iter().collect();
    groups.sort_by_key(|((channel, account), _)| (channel.as_str(), *account));
    let mut found = HashMap::new();
    for ((channel, account), mut external_ids) in groups {
        external_ids.sort_unstable();
        external_ids.dedup();
        let mut query = contact_identities::Entity::find()
            .filter(contact_identities::Column::Channel.eq(channel))
            .filter(contact_identities::Column::AccountExternalId.eq(account))
            .filter(crate::db::one_of(
                txn.get_database_backend(),
                contact_identities::Column::ExternalId,
                &external_ids,
            ))
            .order_by_asc(contact_identities::Column::Id);
        if txn.get_database_backend() == DbBackend::Postgres {
            query = query.lock_exclusive();
        }
        for identity in query.all(txn).await? {
            found.insert(
                (
                    channel,
                    identity.account_external_id.clone(),
                    identity.external_id.clone(),
                ),
                identity,
            );
        }
    }
    Ok(found)
}

/// A known citizen who changed their display name: one update each (as `updates` does for other events).
async fn refresh_display_names(
    txn: &DatabaseTransaction,
    items: &[Prepared],
    identities: &mut HashMap<IdentityKey, contact_identities::Model>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for item in items {
        let Some(name) = item.message.display_name.as_deref() else {
            continue;
        };
        if let Some(identity) = identities.get_mut(&key_of(&item.message))
            && identity.display_name.as_deref() != Some(name)
        {
            contact_identities::Entity::update_many()
                .col_expr(
                    contact_identities::Column::DisplayName,
                    Expr::value(Some(name.to_owned())),
                )
                .col_expr(contact_identities::Column::UpdatedAt, Expr::value(now))
                .filter(contact_identities::Column::Id.eq(identity.id))
                .exec(txn)
                .await?;
            identity.display_name = Some(name.to_owned());
        }
    }
    Ok(())
}

/// Each identity's open private-chat ticket active within `intake.thread_window_days` (the latest if several).
async fn open_tickets(
    intake: &Intake,
    txn: &DatabaseTransaction,
    identities: &HashMap<IdentityKey, contact_identities::Model>,
    now: DateTime<Utc>,
) -> Result<HashMap<i32, tickets::Model>, DbErr> {
    let mut open = HashMap::new();
    if identities.is_empty() {
        return Ok(open);
    }
    let since = now - Duration::days(i64::from(intake.settings.intake.thread_window_days));
    let statuses = TicketStatus::open();
    let ids: Vec<i32> = identities.values().map(|i| i.id).collect();
    for ticket in tickets::Entity::find()
        .filter(crate::db::one_of(
            txn.get_database_backend(),
            tickets::Column::ContactIdentityId,
            &ids,
        ))
        .filter(tickets::Column::Status.is_in(statuses))
        .filter(tickets::Column::LastActivityAt.gte(since))
        .filter(tickets::Column::ThreadKey.is_null())
        .order_by_desc(tickets::Column::LastActivityAt)
        .all(txn)
        .await?
    {
        open.entry(ticket.contact_identity_id).or_insert(ticket);
    }
    Ok(open)
}

/// Up to five units of each contact's latest tickets.
async fn previous_units(
    txn: &DatabaseTransaction,
    contact_ids: impl Iterator<Item = i32>,
) -> Result<HashMap<i32, Vec<String>>, DbErr> {
    let ids: Vec<i32> = contact_ids.collect::<HashSet<_>>().into_iter().collect();
    let mut units: HashMap<i32, Vec<String>> = HashMap::new();
    if ids.is_empty() {
        return Ok(units);
    }
    let rows: Vec<(i32, Option<String>)> = tickets::Entity::find()
        .select_only()
        .column(tickets::Column::ContactId)
        .column(tickets::Column::UnitCode)
        .filter(crate::db::one_of(
            txn.get_database_backend(),
            tickets::Column::ContactId,
            &ids,
        ))
        .filter(tickets::Column::UnitCode.is_not_null())
        .order_by_desc(tickets::Column::CreatedAt)
        .into_tuple()
        .all(txn)
        .await?;
    for (contact, unit) in rows {
        let list = units.entry(contact).or_default();
        if list.len() < 5 {
            list.extend(unit);
        }
    }
    Ok(units)
}

/// What a citizen message stores besides its ids: the text (kept whole up to the length limit), its language and
/// its attachments as JSON.
struct MessageContent {
    body: String,
    detection: Option<Detection>,
    attachments: Option<String>,
}

impl MessageContent {
    fn of(intake: &Intake, message: &CitizenMessage) -> MessageContent {
        let body = FeedbackText::parse(&message.text)
            .map(|t| t.as_str().to_owned())
            .unwrap_or_else(|_| {
                message
                    .text
                    .chars()
                    .take(crate::domain::MAX_FEEDBACK_CHARS)
                    .collect()
            });
        let detection = (!body.trim().is_empty()).then(|| intake.language.detect(&body));
        let attachments = (!message.attachments.is_empty())
            .then(|| serde_json::to_string(&message.attachments).unwrap_or_default());
        MessageContent {
            body,
            detection,
            attachments,
        }
    }
}

/// A ticket's summary when its first message has no text.
fn attachment_summary(message: &CitizenMessage) -> String {
    match message.attachments.first() {
        Some(a) if a.kind == "location" => "[vị trí / location]".into(),
        Some(a) => format!("[{}]", a.kind),
        None => "[…]".into(),
    }
}

/// The comment a reply answers, when it is not top-level: it tells the thread's ticket.
fn parent_comment(message: &CitizenMessage) -> Option<&str> {
    match &message.thread {
        Thread::Comment {
            parent_id, post_id, ..
        } if parent_id != post_id => Some(parent_id),
        _ => None,
    }
}

/// The open tickets (active within `intake.thread_window_days`) of the stored comments this run's replies
/// answer, by the parent comment's id.
async fn parent_tickets(
    intake: &Intake,
    txn: &DatabaseTransaction,
    items: &[Prepared],
    now: DateTime<Utc>,
) -> Result<HashMap<String, tickets::Model>, DbErr> {
    let parents: Vec<&str> = items
        .iter()
        .filter_map(|i| parent_comment(&i.message))
        .collect();
    if parents.is_empty() {
        return Ok(HashMap::new());
    }
    let messages: Vec<(Option<String>, i32)> = ticket_messages::Entity::find()
        .select_only()
        .column(ticket_messages::Column::ProviderMessageId)
        .column(ticket_messages::Column::TicketId)
        .filter(ticket_messages::Column::Channel.eq(Channel::Facebook))
        .filter(crate::db::one_of(
            txn.get_database_backend(),
            ticket_messages::Column::ProviderMessageId,
            &parents,
        ))
        .into_tuple()
        .all(txn)
        .await?;
    let since = now - Duration::days(i64::from(intake.settings.intake.thread_window_days));
    let ids: Vec<i32> = messages.iter().map(|(_, ticket)| *ticket).collect();
    let open: HashMap<i32, tickets::Model> = tickets::Entity::find()
        .filter(crate::db::one_of(
            txn.get_database_backend(),
            tickets::Column::Id,
            &ids,
        ))
        .filter(tickets::Column::Status.is_in(TicketStatus::open()))
        .filter(tickets::Column::LastActivityAt.gte(since))
        .all(txn)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    Ok(messages
        .into_iter()
        .filter_map(|(comment, ticket)| Some((comment?, open.get(&ticket)?.clone())))
        .collect())
}
