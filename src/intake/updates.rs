//! Applying platform events other than citizen messages (those are `messages`'): follows and shared contact
//! details, delivery and read receipts and echoes, comment moderation. Idempotent: a replayed event changes
//! nothing.
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
    QuerySelect, Set,
};

use entity::{contact_identities, contacts, ticket_messages};

use super::contacts::{NewIdentity, create_identity};
use super::outcome::Outcome;
use crate::domain::{Channel, PhoneNumber};
use crate::outbound::receipts::{self, Echo};
use crate::platforms::event::{IdentityKey, Inbound};

pub async fn apply(txn: &DatabaseTransaction, inbound: Inbound) -> Result<Outcome, DbErr> {
    match inbound {
        // Citizen messages are `messages`' (one path, batch or alone).
        Inbound::Message(_) => Err(DbErr::Custom(
            "a citizen message is applied by intake::messages".into(),
        )),
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
        .filter(ticket_messages::Column::Channel.eq(Channel::Facebook))
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
        .filter(contact_identities::Column::Channel.eq(key.channel))
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
