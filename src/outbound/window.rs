//! Facebook's messaging windows: decided before calling, so a message that cannot go is never attempted.
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use entity::{ticket_messages, tickets};

use super::error::OutboundError;
use crate::domain::{Channel, Direction, Purpose};
use crate::platforms::facebook::MessagingType;

pub(crate) const STANDARD_WINDOW: i64 = 24;
pub(crate) const HUMAN_AGENT_DAYS: i64 = 7;
pub(crate) const PRIVATE_REPLY_DAYS: i64 = 7;

/// How a Messenger message for `purpose` may go out now, given the citizen's last message on that identity.
pub(crate) async fn messenger(
    conn: &impl ConnectionTrait,
    ticket_id: i32,
    purpose: Purpose,
    human_agent_tag: bool,
    now: DateTime<Utc>,
) -> Result<Result<MessagingType, OutboundError>, DbErr> {
    let human = purpose.human();
    let Some(ticket) = tickets::Entity::find_by_id(ticket_id).one(conn).await? else {
        return Ok(
            messenger_window(None, human, human_agent_tag, now).map_err(OutboundError::permanent)
        );
    };
    let last = last_inbound_at(conn, ticket.contact_identity_id, Channel::Facebook).await?;
    Ok(messenger_window(last, human, human_agent_tag, now).map_err(OutboundError::permanent))
}

/// Messenger's windows: anything within 24 hours of the citizen's last message; a person's answer (`human`) with
/// the HUMAN_AGENT tag, when enabled, within 7 days; the reason otherwise.
pub(crate) fn messenger_window(
    last: Option<DateTime<Utc>>,
    human: bool,
    human_agent_tag: bool,
    now: DateTime<Utc>,
) -> Result<MessagingType, String> {
    let Some(last) = last else {
        return Err(
            "Messenger: the citizen has not written to the Page, so it cannot answer them there"
                .into(),
        );
    };
    let age = now - last;
    if age <= Duration::hours(STANDARD_WINDOW) {
        return Ok(MessagingType::Response);
    }
    let hours = age.num_hours();
    if age > Duration::days(HUMAN_AGENT_DAYS) {
        return Err(format!(
            "Messenger: the citizen last wrote {} days ago, outside the 7-day human-agent window",
            age.num_days()
        ));
    }
    match (human, human_agent_tag) {
        (true, true) => Ok(MessagingType::HumanAgent),
        (true, false) => Err(format!(
            "Messenger: the citizen last wrote {hours} hours ago, outside the 24-hour window \
             (the HUMAN_AGENT tag is not enabled: facebook.human_agent_tag)"
        )),
        (false, _) => Err(format!(
            "Messenger: the citizen last wrote {hours} hours ago, outside the 24-hour window for an \
             automatic message (the HUMAN_AGENT tag covers a person's answer only)"
        )),
    }
}

/// Whether a private reply to `comment_id` may still go out (within 7 days of the comment).
pub(crate) async fn private_reply(
    conn: &impl ConnectionTrait,
    ticket_id: i32,
    comment_id: &str,
    now: DateTime<Utc>,
) -> Result<Result<(), OutboundError>, DbErr> {
    let comment = ticket_messages::Entity::find()
        .filter(ticket_messages::Column::Channel.eq(Channel::Facebook))
        .filter(ticket_messages::Column::ProviderMessageId.eq(comment_id))
        .one(conn)
        .await?;
    let at = match comment {
        Some(message) => Some(message.created_at),
        None => tickets::Entity::find_by_id(ticket_id)
            .one(conn)
            .await?
            .map(|t| t.created_at),
    };
    Ok(match at {
        Some(at) => private_reply_window(at, now).map_err(OutboundError::permanent),
        None => Ok(()),
    })
}

/// A private reply to a comment written at `at`: possible for 7 days.
pub(crate) fn private_reply_window(at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), String> {
    if now - at > Duration::days(PRIVATE_REPLY_DAYS) {
        return Err(format!(
            "Facebook: the comment is {} days old; a private reply is possible for 7 days only",
            (now - at).num_days()
        ));
    }
    Ok(())
}

/// When the citizen of an identity last wrote on `channel` (on any of the identity's tickets).
pub(crate) async fn last_inbound_at(
    conn: &impl ConnectionTrait,
    contact_identity_id: i32,
    channel: Channel,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    let same_identity = Query::select()
        .column(tickets::Column::Id)
        .from(tickets::Entity)
        .and_where(tickets::Column::ContactIdentityId.eq(contact_identity_id))
        .to_owned();
    Ok(ticket_messages::Entity::find()
        .filter(ticket_messages::Column::TicketId.in_subquery(same_identity))
        .filter(ticket_messages::Column::Direction.eq(Direction::In))
        .filter(ticket_messages::Column::Channel.eq(channel))
        .order_by_desc(ticket_messages::Column::CreatedAt)
        .one(conn)
        .await?
        .map(|m| m.created_at))
}
