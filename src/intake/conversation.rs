//! Applying what a platform event means: contacts and identities, threading into tickets, acknowledgements,
//! receipts and comment moderation. Idempotent: a replayed event changes nothing.
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use entity::{contact_identities, contacts, ticket_messages, tickets};

use super::Intake;
use super::acknowledgement;
use super::contacts::{NewIdentity, create_identity};
use super::language::Detection;
use super::tickets::{Companions, MessageDraft, TicketDraft, insert_message, insert_ticket};
use crate::accounts;
use crate::domain::{Channel, FeedbackText, PhoneNumber, TicketStatus};
use crate::outbound::receipts::{self, Echo};
use crate::platforms::event::{CitizenMessage, IdentityKey, Inbound, Thread};
use crate::routing::{HintSource, RouteInput, UnitHint, classify};

/// What applying an event did, for metrics and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    NewTicket,
    JoinedTicket,
    Duplicate,
    ContactUpdated,
    Receipt,
    Moderated,
    Ignored,
    Unknown,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::NewTicket => "new_ticket",
            Outcome::JoinedTicket => "joined_ticket",
            Outcome::Duplicate => "duplicate",
            Outcome::ContactUpdated => "contact_updated",
            Outcome::Receipt => "receipt",
            Outcome::Moderated => "moderated",
            Outcome::Ignored => "ignored",
            Outcome::Unknown => "unknown",
        }
    }
}

pub async fn apply(
    intake: &Intake,
    txn: &DatabaseTransaction,
    inbound: Inbound,
) -> Result<Outcome, DbErr> {
    match inbound {
        Inbound::Message(message) => citizen_message(intake, txn, message).await,
        Inbound::Follow {
            identity,
            following,
        } => {
            let mut row: contact_identities::ActiveModel =
                identity_for(txn, &identity, None).await?.into();
            row.following = Set(Some(following));
            row.updated_at = Set(Utc::now());
            row.update(txn).await?;
            Ok(Outcome::ContactUpdated)
        }
        Inbound::SubmittedInfo {
            identity,
            name,
            phone,
        } => submitted_info(txn, &identity, name, phone).await,
        Inbound::Delivered { channel, ids, at } => {
            receipts::mark_delivered(txn, channel, &ids, at).await?;
            Ok(Outcome::Receipt)
        }
        Inbound::Seen { channel, ids, at } => {
            receipts::mark_read(txn, channel, &ids, at).await?;
            Ok(Outcome::Receipt)
        }
        Inbound::ReadUntil {
            channel,
            recipient,
            watermark,
        } => {
            receipts::mark_read_until(txn, channel, &recipient, watermark).await?;
            Ok(Outcome::Receipt)
        }
        Inbound::Echo {
            channel,
            recipient,
            provider_message_id,
            text,
            metadata,
        } => {
            receipts::reconcile_echo(
                txn,
                channel,
                Echo {
                    recipient,
                    provider_message_id,
                    text,
                    metadata,
                },
            )
            .await?;
            Ok(Outcome::Receipt)
        }
        Inbound::CommentEdited {
            comment_id,
            text,
            at,
        } => {
            let Some(message) = comment_message(txn, &comment_id).await? else {
                return Ok(Outcome::Ignored);
            };
            if message.body == text {
                return Ok(Outcome::Duplicate);
            }
            let original = message
                .original_body
                .clone()
                .unwrap_or_else(|| message.body.clone());
            let mut row: ticket_messages::ActiveModel = message.into();
            row.original_body = Set(Some(original));
            row.body = Set(text);
            row.edited_at = Set(Some(at));
            row.update(txn).await?;
            Ok(Outcome::Moderated)
        }
        Inbound::CommentRemoved { comment_id } => {
            let Some(message) = comment_message(txn, &comment_id).await? else {
                return Ok(Outcome::Ignored);
            };
            let mut row: ticket_messages::ActiveModel = message.into();
            row.removed = Set(true);
            row.update(txn).await?;
            Ok(Outcome::Moderated)
        }
        Inbound::CommentHidden { comment_id, hidden } => {
            let Some(message) = comment_message(txn, &comment_id).await? else {
                return Ok(Outcome::Ignored);
            };
            let mut row: ticket_messages::ActiveModel = message.into();
            row.hidden = Set(hidden);
            row.update(txn).await?;
            Ok(Outcome::Moderated)
        }
        Inbound::Ignored { .. } => Ok(Outcome::Ignored),
        Inbound::Unknown => Ok(Outcome::Unknown),
    }
}

async fn comment_message(
    txn: &DatabaseTransaction,
    comment_id: &str,
) -> Result<Option<ticket_messages::Model>, DbErr> {
    ticket_messages::Entity::find()
        .filter(ticket_messages::Column::Channel.eq(Channel::Facebook.as_str()))
        .filter(ticket_messages::Column::ProviderMessageId.eq(comment_id))
        .one(txn)
        .await
}

/// The identity row for a platform user, created with its own contact when first seen.
async fn identity_for(
    txn: &DatabaseTransaction,
    key: &IdentityKey,
    display_name: Option<&str>,
) -> Result<contact_identities::Model, DbErr> {
    if let Some(found) = contact_identities::Entity::find()
        .filter(contact_identities::Column::Channel.eq(key.channel.as_str()))
        .filter(contact_identities::Column::AccountExternalId.eq(key.account.as_str()))
        .filter(contact_identities::Column::ExternalId.eq(key.external_id.as_str()))
        .one(txn)
        .await?
    {
        if let Some(name) = display_name.filter(|n| found.display_name.as_deref() != Some(*n)) {
            let mut row: contact_identities::ActiveModel = found.into();
            row.display_name = Set(Some(name.to_owned()));
            row.updated_at = Set(Utc::now());
            return row.update(txn).await;
        }
        return Ok(found);
    }
    create_identity(
        txn,
        NewIdentity {
            channel: key.channel,
            account: key.account.clone(),
            external_id: key.external_id.clone(),
            display_name: display_name.map(str::to_owned),
            phone: None,
            email: None,
            possibly_same_as: None,
        },
    )
    .await
}

/// Zalo `user_submit_info`: a platform-verified phone. Contacts with the same verified phone are one person;
/// form contacts that only typed it are marked "possibly the same".
async fn submitted_info(
    txn: &DatabaseTransaction,
    key: &IdentityKey,
    name: Option<String>,
    phone: Option<String>,
) -> Result<Outcome, DbErr> {
    let identity = identity_for(txn, key, name.as_deref()).await?;
    let phone = phone
        .and_then(|p| PhoneNumber::parse(&p).ok())
        .map(|p| p.as_str().to_owned());
    let now = Utc::now();
    let mut contact_id = identity.contact_id;
    if let Some(phone) = &phone {
        let same_person = contacts::Entity::find()
            .filter(contacts::Column::VerifiedPhone.eq(phone.clone()))
            .filter(contacts::Column::Id.ne(identity.contact_id))
            .one(txn)
            .await?;
        if let Some(other) = same_person {
            contact_id = other.id;
        } else {
            let contact = contacts::Entity::find_by_id(identity.contact_id)
                .one(txn)
                .await?;
            if let Some(contact) = contact {
                let mut row: contacts::ActiveModel = contact.into();
                row.verified_phone = Set(Some(phone.clone()));
                if name.is_some() {
                    row.display_name = Set(name.clone());
                }
                row.updated_at = Set(now);
                row.update(txn).await?;
            }
        }
        // Form senders who typed this phone may be the same person; officers decide.
        let typed: Vec<i32> = contact_identities::Entity::find()
            .select_only()
            .column(contact_identities::Column::ContactId)
            .filter(contact_identities::Column::Phone.eq(phone.clone()))
            .filter(contact_identities::Column::PhoneVerified.eq(false))
            .into_tuple()
            .all(txn)
            .await?;
        for other in typed.into_iter().filter(|c| *c != contact_id) {
            if let Some(contact) = contacts::Entity::find_by_id(other).one(txn).await?
                && contact.possibly_same_as.is_none()
            {
                let mut row: contacts::ActiveModel = contact.into();
                row.possibly_same_as = Set(Some(contact_id));
                row.update(txn).await?;
            }
        }
    }
    let mut row: contact_identities::ActiveModel = identity.into();
    row.contact_id = Set(contact_id);
    if phone.is_some() {
        row.phone = Set(phone);
        row.phone_verified = Set(true);
    }
    if name.is_some() {
        row.display_name = Set(name);
    }
    row.updated_at = Set(now);
    row.update(txn).await?;
    Ok(Outcome::ContactUpdated)
}

async fn citizen_message(
    intake: &Intake,
    txn: &DatabaseTransaction,
    message: CitizenMessage,
) -> Result<Outcome, DbErr> {
    let channel = message.identity.channel;
    // Idempotent: a platform retry that slipped past the event dedupe still makes no second message.
    let exists = ticket_messages::Entity::find()
        .select_only()
        .column(ticket_messages::Column::Id)
        .filter(ticket_messages::Column::Channel.eq(channel.as_str()))
        .filter(ticket_messages::Column::ProviderMessageId.eq(message.provider_message_id.as_str()))
        .into_tuple::<i32>()
        .one(txn)
        .await?
        .is_some();
    if exists {
        return Ok(Outcome::Duplicate);
    }
    let account =
        accounts::find_or_create(txn, &intake.settings, channel, &message.identity.account).await?;
    let identity = identity_for(txn, &message.identity, message.display_name.as_deref()).await?;
    let MessageContent {
        body,
        detection,
        attachments,
    } = MessageContent::of(intake, &message);
    let now = Utc::now();

    let existing = open_ticket_for(intake, txn, &identity, &message.thread).await?;
    if let Some(ticket) = existing {
        insert_message(
            txn,
            MessageDraft {
                ticket_id: ticket.id,
                channel,
                provider_message_id: Some(message.provider_message_id),
                body,
                attachments,
                location: message.location,
                detection,
                at: message.at,
            },
        )
        .await?;
        let mut row: tickets::ActiveModel = ticket.clone().into();
        row.last_activity_at = Set(now);
        row.updated_at = Set(now);
        if ticket.lat.is_none()
            && let Some(location) = message.location
        {
            row.lat = Set(Some(location.lat));
            row.lon = Set(Some(location.lon));
        }
        row.update(txn).await?;
        return Ok(Outcome::JoinedTicket);
    }

    let previous_units: Vec<String> = tickets::Entity::find()
        .select_only()
        .column(tickets::Column::UnitCode)
        .filter(tickets::Column::ContactId.eq(identity.contact_id))
        .filter(tickets::Column::UnitCode.is_not_null())
        .order_by_desc(tickets::Column::CreatedAt)
        .limit(5)
        .into_tuple::<Option<String>>()
        .all(txn)
        .await?
        .into_iter()
        .flatten()
        .collect();
    let decision = intake.router.decide(&RouteInput {
        text: &body,
        location: message.location,
        unit_hint: account.unit_code.as_deref().map(|code| UnitHint {
            code,
            source: HintSource::Account,
        }),
        previous_units: &previous_units,
    });
    let classification = classify(&body);
    let summary = FeedbackText::parse(&body)
        .map(|t| t.summary())
        .unwrap_or_else(|_| attachment_summary(&message));
    let thread_key = match &message.thread {
        Thread::Comment { comment_id, .. } => Some(comment_id.clone()),
        Thread::Direct => None,
    };
    let mut companions = Companions::default();
    let ticket = insert_ticket(
        intake,
        txn,
        TicketDraft {
            channel,
            channel_account_id: Some(account.id),
            contact_id: identity.contact_id,
            contact_identity_id: identity.id,
            thread_key,
            summary,
            language: detection.map(|d| d.language.code().to_owned()),
            location: message.location,
            submitted_unit_code: None,
            dedupe_hash: None,
            decision: &decision,
            classification: &classification,
            at: now,
        },
    )
    .await?;
    companions.add_message(MessageDraft {
        ticket_id: ticket.id,
        channel,
        provider_message_id: Some(message.provider_message_id.clone()),
        body,
        attachments,
        location: message.location,
        detection,
        at: message.at,
    });
    companions.write(txn).await?;
    acknowledgement::queue(
        intake,
        txn,
        &ticket,
        &account,
        &message,
        detection,
        classification.urgent,
    )
    .await?;
    Ok(Outcome::NewTicket)
}

/// What a citizen message stores besides its ids: the text (kept whole up to the length limit), its language and
/// its attachments as JSON.
pub(super) struct MessageContent {
    pub body: String,
    pub detection: Option<Detection>,
    pub attachments: Option<String>,
}

impl MessageContent {
    pub fn of(intake: &Intake, message: &CitizenMessage) -> MessageContent {
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

pub(super) fn attachment_summary(message: &CitizenMessage) -> String {
    match message.attachments.first() {
        Some(a) if a.kind == "location" => "[vị trí / location]".into(),
        Some(a) => format!("[{}]", a.kind),
        None => "[…]".into(),
    }
}

/// The citizen's open ticket on this identity, active within `intake.thread_window_days`. A comment joins only
/// the ticket of the thread it replies in, when it is the same author's.
async fn open_ticket_for(
    intake: &Intake,
    txn: &DatabaseTransaction,
    identity: &contact_identities::Model,
    thread: &Thread,
) -> Result<Option<tickets::Model>, DbErr> {
    let since = Utc::now() - Duration::days(i64::from(intake.settings.intake.thread_window_days));
    let open = TicketStatus::open_names();
    let query = tickets::Entity::find()
        .filter(tickets::Column::ContactIdentityId.eq(identity.id))
        .filter(tickets::Column::Status.is_in(open))
        .filter(tickets::Column::LastActivityAt.gte(since))
        .order_by_desc(tickets::Column::LastActivityAt);
    match thread {
        Thread::Direct => {
            query
                .filter(tickets::Column::ThreadKey.is_null())
                .one(txn)
                .await
        }
        Thread::Comment {
            parent_id, post_id, ..
        } if parent_id != post_id => {
            // The comment replied to (top-level or itself a reply) tells the thread's ticket.
            let parent_ticket: Option<i32> = ticket_messages::Entity::find()
                .select_only()
                .column(ticket_messages::Column::TicketId)
                .filter(ticket_messages::Column::Channel.eq(Channel::Facebook.as_str()))
                .filter(ticket_messages::Column::ProviderMessageId.eq(parent_id.as_str()))
                .into_tuple()
                .one(txn)
                .await?;
            match parent_ticket {
                Some(ticket_id) => {
                    query
                        .filter(tickets::Column::Id.eq(ticket_id))
                        .one(txn)
                        .await
                }
                None => Ok(None),
            }
        }
        Thread::Comment { .. } => Ok(None),
    }
}
