//! What the platforms tell us about our own sends: delivery and read receipts, and echoes that settle a send
//! whose outcome we never recorded. Called by the intake worker inside its transaction.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use entity::outbox;

use super::Payload;
use super::text::{COMMENT_MAX_CHARS, MESSAGE_MAX_CHARS, fit};
use crate::domain::Channel;
use crate::domain::OutboxState;

/// The platform echoed a message sent from our account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Echo {
    /// Zalo user id or PSID the message went to.
    pub recipient: String,
    pub provider_message_id: String,
    pub text: Option<String>,
    /// Messenger: what we sent as `metadata`, our outbox id.
    pub metadata: Option<String>,
}

/// Zalo `user_received_message`, Messenger `delivery.mids`: `delivered` unless already `read`.
pub async fn mark_delivered(
    conn: &impl ConnectionTrait,
    channel: Channel,
    provider_message_ids: &[String],
    at: DateTime<Utc>,
) -> Result<u64, DbErr> {
    if provider_message_ids.is_empty() {
        return Ok(0);
    }
    let result = outbox::Entity::update_many()
        .col_expr(outbox::Column::State, Expr::value(OutboxState::Delivered))
        .col_expr(
            outbox::Column::DeliveredAt,
            keep_first(outbox::Column::DeliveredAt, at),
        )
        .col_expr(outbox::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(outbox::Column::Channel.eq(channel))
        .filter(outbox::Column::ProviderMessageId.is_in(provider_message_ids.iter().cloned()))
        .filter(outbox::Column::State.is_in([OutboxState::Sent, OutboxState::Delivered]))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// Zalo `user_seen_message`: these messages were read (and so delivered).
pub async fn mark_read(
    conn: &impl ConnectionTrait,
    channel: Channel,
    provider_message_ids: &[String],
    at: DateTime<Utc>,
) -> Result<u64, DbErr> {
    if provider_message_ids.is_empty() {
        return Ok(0);
    }
    let result = read_update(at)
        .filter(outbox::Column::Channel.eq(channel))
        .filter(outbox::Column::ProviderMessageId.is_in(provider_message_ids.iter().cloned()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// Messenger `read.watermark`: every message to `recipient` sent at or before it was read.
pub async fn mark_read_until(
    conn: &impl ConnectionTrait,
    channel: Channel,
    recipient: &str,
    watermark: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let result = read_update(watermark)
        .filter(outbox::Column::Channel.eq(channel))
        .filter(outbox::Column::Recipient.eq(recipient))
        .filter(outbox::Column::SentAt.lte(watermark))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

fn read_update(at: DateTime<Utc>) -> sea_orm::UpdateMany<outbox::Entity> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::State, Expr::value(OutboxState::Read))
        .col_expr(
            outbox::Column::ReadAt,
            keep_first(outbox::Column::ReadAt, at),
        )
        .col_expr(
            outbox::Column::DeliveredAt,
            keep_first(outbox::Column::DeliveredAt, at),
        )
        .col_expr(outbox::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(outbox::Column::State.is_in([
            OutboxState::Sent,
            OutboxState::Delivered,
            OutboxState::Read,
        ]))
}

/// A receipt repeated later must not move the time it first happened.
fn keep_first(column: outbox::Column, at: DateTime<Utc>) -> Expr {
    Func::coalesce([Expr::col(column), Expr::value(at)]).into()
}

/// Settles one of our sends from its echo: by `metadata` (our outbox id), else by recipient and identical text,
/// newest first. Marks it `sent` with the platform's id and returns its id. An echo of a send already recorded
/// returns that row unchanged; an echo of nothing we sent (an officer writing from the platform's own app)
/// returns `None`. Never creates a citizen message.
pub async fn reconcile_echo(
    conn: &impl ConnectionTrait,
    channel: Channel,
    echo: Echo,
) -> Result<Option<i32>, DbErr> {
    if let Some(known) = outbox::Entity::find()
        .filter(outbox::Column::Channel.eq(channel))
        .filter(outbox::Column::ProviderMessageId.eq(echo.provider_message_id.as_str()))
        .one(conn)
        .await?
    {
        return Ok(Some(known.id));
    }
    let by_metadata = match echo
        .metadata
        .as_deref()
        .and_then(|m| m.trim().parse::<i32>().ok())
    {
        Some(id) => unsettled()
            .filter(outbox::Column::Channel.eq(channel))
            .filter(outbox::Column::Id.eq(id))
            .one(conn)
            .await?
            .filter(|row| row.recipient == echo.recipient || echo.recipient.is_empty()),
        None => None,
    };
    let row = match (by_metadata, echo.text.as_deref()) {
        (Some(row), _) => Some(row),
        (None, Some(text)) => unsettled()
            .filter(outbox::Column::Channel.eq(channel))
            .filter(outbox::Column::Recipient.eq(echo.recipient.as_str()))
            .order_by_desc(outbox::Column::Id)
            .all(conn)
            .await?
            .into_iter()
            .find(|row| sent_text_is(row, text)),
        (None, None) => None,
    };
    let Some(row) = row else {
        return Ok(None);
    };
    let now = Utc::now();
    let settled = outbox::Entity::update_many()
        .col_expr(outbox::Column::State, Expr::value(OutboxState::Sent))
        .col_expr(
            outbox::Column::ProviderMessageId,
            Expr::value(echo.provider_message_id),
        )
        .col_expr(
            outbox::Column::SentAt,
            keep_first(outbox::Column::SentAt, now),
        )
        .col_expr(
            outbox::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .col_expr(outbox::Column::UpdatedAt, Expr::value(now))
        .filter(outbox::Column::Id.eq(row.id))
        .filter(outbox::Column::State.eq(row.state))
        .exec(conn)
        .await?;
    Ok((settled.rows_affected == 1).then_some(row.id))
}

/// Rows an echo may settle: the outcome was never recorded (`unknown`, `sending`), or an attempt that failed
/// transiently (a timeout) may have reached the platform after all (`pending` with attempts).
fn unsettled() -> sea_orm::Select<outbox::Entity> {
    outbox::Entity::find().filter(
        sea_orm::Condition::any()
            .add(outbox::Column::State.is_in([OutboxState::Unknown, OutboxState::Sending]))
            .add(
                sea_orm::Condition::all()
                    .add(outbox::Column::State.eq(OutboxState::Pending))
                    .add(outbox::Column::Attempts.gt(0)),
            ),
    )
}

/// Whether `text` is what this row put on the wire (the platform may have been sent a shortened text).
fn sent_text_is(row: &outbox::Model, text: &str) -> bool {
    let Ok(payload) = serde_json::from_str::<Payload>(&row.payload) else {
        return false;
    };
    let max = if row.kind == super::OutboundKind::PublicReply.as_str() {
        COMMENT_MAX_CHARS
    } else {
        MESSAGE_MAX_CHARS
    };
    payload.text.trim() == text.trim() || fit(&payload.text, max).trim() == text.trim()
}
