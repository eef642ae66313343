//! Facebook's messaging windows: decided before calling, so a message that cannot go is never attempted.
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use entity::{ticket_messages, tickets};

use super::error::OutboundError;
use crate::domain::{Channel, Direction};
use crate::platforms::facebook::MessagingType;

const STANDARD_WINDOW: i64 = 24;
const HUMAN_AGENT_DAYS: i64 = 7;
const PRIVATE_REPLY_DAYS: i64 = 7;

/// How a Messenger message may go out now, given the citizen's last message on that identity.
pub(crate) async fn messenger(
    conn: &impl ConnectionTrait,
    ticket_id: i32,
    human_agent_tag: bool,
    now: DateTime<Utc>,
) -> Result<Result<MessagingType, OutboundError>, DbErr> {
    let Some(last) = last_inbound_at(conn, ticket_id).await? else {
        return Ok(Err(OutboundError::Permanent(
            "Messenger: the citizen has not written to the Page, so it cannot answer them there"
                .into(),
        )));
    };
    let age = now - last;
    if age <= Duration::hours(STANDARD_WINDOW) {
        return Ok(Ok(MessagingType::Response));
    }
    let hours = age.num_hours();
    if age <= Duration::days(HUMAN_AGENT_DAYS) {
        if human_agent_tag {
            return Ok(Ok(MessagingType::HumanAgent));
        }
        return Ok(Err(OutboundError::Permanent(format!(
            "Messenger: the citizen last wrote {hours} hours ago, outside the 24-hour window \
             (the HUMAN_AGENT tag is not enabled: facebook.human_agent_tag)"
        ))));
    }
    Ok(Err(OutboundError::Permanent(format!(
        "Messenger: the citizen last wrote {} days ago, outside the 7-day human-agent window",
        age.num_days()
    ))))
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
    match at {
        Some(at) if now - at > Duration::days(PRIVATE_REPLY_DAYS) => {
            Ok(Err(OutboundError::Permanent(format!(
                "Facebook: the comment is {} days old; a private reply is possible for 7 days only",
                (now - at).num_days()
            ))))
        }
        _ => Ok(Ok(())),
    }
}

/// When the citizen last wrote on the identity of this ticket (any of its tickets).
async fn last_inbound_at(
    conn: &impl ConnectionTrait,
    ticket_id: i32,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    let Some(ticket) = tickets::Entity::find_by_id(ticket_id).one(conn).await? else {
        return Ok(None);
    };
    let same_identity = Query::select()
        .column(tickets::Column::Id)
        .from(tickets::Entity)
        .and_where(tickets::Column::ContactIdentityId.eq(ticket.contact_identity_id))
        .to_owned();
    Ok(ticket_messages::Entity::find()
        .filter(ticket_messages::Column::TicketId.in_subquery(same_identity))
        .filter(ticket_messages::Column::Direction.eq(Direction::In))
        .filter(ticket_messages::Column::Channel.eq(Channel::Facebook))
        .order_by_desc(ticket_messages::Column::CreatedAt)
        .one(conn)
        .await?
        .map(|m| m.created_at))
}
