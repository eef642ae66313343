//! How a ticket's citizen can be reached: recipient, account, thread, and whether the channel's window is open
//! for what we want to send. One rule for every sender: the acknowledgement of a new ticket, an officer's
//! reply, a satisfaction survey.
//!
//! `route` decides from `Facts` alone (no database), so intake can use it in its batches with what it holds in
//! memory; `facts_of` reads them for a stored ticket. Facebook's windows are `window`'s rules, which the delivery
//! worker applies again at send time, since time passes between queuing and sending.
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use entity::enums::Direction;
use entity::{contact_identities, ticket_messages, tickets};

use super::{OutboundKind, window};
use crate::config::Settings;
use crate::domain::Channel;
pub use crate::domain::Purpose;

/// Zalo: customer-service messages only within 7 days of the user's last interaction.
const ZALO_DAYS: i64 = 7;

/// What `route` needs to know about a ticket and its citizen.
#[derive(Debug, Clone)]
pub struct Facts {
    pub channel: Channel,
    pub channel_account_id: Option<i32>,
    /// The citizen's id on the account (Zalo user id, Messenger PSID, commenter id).
    pub external_id: String,
    /// The citizen's latest comment on the ticket's thread, for a comment ticket: (comment id, when), and
    /// whether it already had its private reply.
    pub comment: Option<Comment>,
    /// When the citizen last wrote to the account (any ticket of the identity).
    pub last_inbound_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct Comment {
    pub id: String,
    pub at: DateTime<Utc>,
    pub private_reply_sent: bool,
}

/// Where and how a message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub channel: Channel,
    pub channel_account_id: Option<i32>,
    pub kind: OutboundKind,
    pub recipient: String,
}

/// Why a message cannot go on the citizen's channel now; shown to the officer as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreachable {
    #[error("the citizen wrote on the web form: the answer is on the tracking page")]
    WebForm,
    #[error("{0}")]
    WindowClosed(String),
}

/// How `facts` can be reached for `purpose` at `now`; `human_agent_tag` is `facebook.human_agent_tag`.
pub fn route(
    facts: &Facts,
    purpose: Purpose,
    human_agent_tag: bool,
    now: DateTime<Utc>,
) -> Result<Route, Unreachable> {
    let to = |kind, recipient: &str| Route {
        channel: facts.channel,
        channel_account_id: facts.channel_account_id,
        kind,
        recipient: recipient.to_owned(),
    };
    match (facts.channel, &facts.comment) {
        (Channel::Form, _) => Err(Unreachable::WebForm),
        (Channel::Zalo, _) => match facts.last_inbound_at {
            Some(at) if now - at <= Duration::days(ZALO_DAYS) => {
                Ok(to(OutboundKind::ZaloCs, &facts.external_id))
            }
            at => Err(Unreachable::WindowClosed(format!(
                "Zalo: the citizen {}; the OA may write only within 7 days of it",
                at.map_or_else(
                    || "has not written to the OA".to_owned(),
                    |at| format!("last wrote {} days ago", (now - at).num_days())
                )
            ))),
        },
        (Channel::Facebook, Some(comment)) => {
            if comment.private_reply_sent {
                return Err(Unreachable::WindowClosed(
                    "Facebook: the citizen's comment already had its one private reply".into(),
                ));
            }
            window::private_reply_window(comment.at, now).map_err(Unreachable::WindowClosed)?;
            Ok(to(OutboundKind::PrivateReply, &comment.id))
        }
        (Channel::Facebook, None) => {
            window::messenger_window(facts.last_inbound_at, purpose.human(), human_agent_tag, now)
                .map_err(Unreachable::WindowClosed)?;
            Ok(to(OutboundKind::Messenger, &facts.external_id))
        }
    }
}

/// Until when `route` stays open for `purpose`, when it is open now: what the reply box tells the officer.
/// None for the web form (the tracking page has no window) and for a closed window.
pub fn open_until(
    facts: &Facts,
    purpose: Purpose,
    human_agent_tag: bool,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    route(facts, purpose, human_agent_tag, now).ok()?;
    match (facts.channel, &facts.comment) {
        (Channel::Form, _) => None,
        (Channel::Zalo, _) => Some(facts.last_inbound_at? + Duration::days(ZALO_DAYS)),
        (Channel::Facebook, Some(comment)) => {
            Some(comment.at + Duration::days(window::PRIVATE_REPLY_DAYS))
        }
        (Channel::Facebook, None) => {
            let last = facts.last_inbound_at?;
            let standard = last + Duration::hours(window::STANDARD_WINDOW);
            Some(if purpose.human() && human_agent_tag {
                last + Duration::days(window::HUMAN_AGENT_DAYS)
            } else {
                standard
            })
        }
    }
}

/// The facts of a stored ticket: its identity, its thread's latest citizen comment, the citizen's last message.
pub async fn facts_of(
    conn: &impl ConnectionTrait,
    ticket: &tickets::Model,
) -> Result<Facts, DbErr> {
    let external_id = contact_identities::Entity::find_by_id(ticket.contact_identity_id)
        .one(conn)
        .await?
        .map(|identity| identity.external_id)
        .unwrap_or_default();
    let channel = ticket.channel;
    let inbound = |query: sea_orm::Select<ticket_messages::Entity>| {
        query
            .filter(ticket_messages::Column::Direction.eq(Direction::In))
            .order_by_desc(ticket_messages::Column::CreatedAt)
    };
    let latest = inbound(
        ticket_messages::Entity::find().filter(ticket_messages::Column::TicketId.eq(ticket.id)),
    )
    .one(conn)
    .await?;
    // A comment ticket is answered on its thread: the citizen's latest comment, else the one that opened it.
    let comment = match &ticket.thread_key {
        Some(first) => {
            let (id, at) = latest
                .as_ref()
                .and_then(|m| Some((m.provider_message_id.clone()?, m.created_at)))
                .unwrap_or_else(|| (first.clone(), ticket.created_at));
            Some(Comment {
                private_reply_sent: super::private_reply_queued(conn, channel, &id).await?,
                id,
                at,
            })
        }
        None => None,
    };
    let last_inbound_at =
        window::last_inbound_at(conn, ticket.contact_identity_id, channel).await?;
    Ok(Facts {
        channel,
        channel_account_id: ticket.channel_account_id,
        external_id,
        comment,
        last_inbound_at,
    })
}

/// The address a form ticket's citizen gave, when e-mail is set up (`email.smtp_url`): answers and surveys go
/// there too.
pub async fn form_email(
    conn: &impl ConnectionTrait,
    settings: &Settings,
    ticket: &tickets::Model,
) -> Result<Option<String>, DbErr> {
    if !settings.email.enabled() {
        return Ok(None);
    }
    Ok(
        contact_identities::Entity::find_by_id(ticket.contact_identity_id)
            .one(conn)
            .await?
            .and_then(|identity| identity.email)
            .filter(|email| !email.trim().is_empty()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(channel: Channel, hours_ago: i64, now: DateTime<Utc>) -> Facts {
        Facts {
            channel,
            channel_account_id: Some(1),
            external_id: "citizen".into(),
            comment: None,
            last_inbound_at: Some(now - Duration::hours(hours_ago)),
        }
    }

    #[test]
    fn messenger_human_agent_covers_only_a_persons_answer() {
        let now = Utc::now();
        let two_days = facts(Channel::Facebook, 48, now);
        let reply = route(&two_days, Purpose::OfficerReply, true, now).unwrap();
        assert_eq!(
            (reply.kind, reply.recipient.as_str()),
            (OutboundKind::Messenger, "citizen")
        );
        for purpose in [Purpose::Survey, Purpose::Acknowledgement] {
            assert!(matches!(
                route(&two_days, purpose, true, now),
                Err(Unreachable::WindowClosed(_))
            ));
        }
        assert!(route(&two_days, Purpose::OfficerReply, false, now).is_err());
        let fresh = facts(Channel::Facebook, 2, now);
        assert!(route(&fresh, Purpose::Survey, false, now).is_ok());
        let eight_days = facts(Channel::Facebook, 8 * 24, now);
        assert!(route(&eight_days, Purpose::OfficerReply, true, now).is_err());
    }

    #[test]
    fn the_window_closes_when_the_platform_says() {
        let now = Utc::now();
        let zalo = facts(Channel::Zalo, 24, now);
        assert_eq!(
            open_until(&zalo, Purpose::OfficerReply, false, now),
            Some(now - Duration::hours(24) + Duration::days(7))
        );
        let messenger = facts(Channel::Facebook, 2, now);
        assert_eq!(
            open_until(&messenger, Purpose::OfficerReply, false, now),
            Some(now + Duration::hours(22))
        );
        assert_eq!(
            open_until(&messenger, Purpose::OfficerReply, true, now),
            Some(now - Duration::hours(2) + Duration::days(7))
        );
        let closed = facts(Channel::Zalo, 8 * 24, now);
        assert_eq!(open_until(&closed, Purpose::OfficerReply, true, now), None);
    }

    #[test]
    fn zalo_within_seven_days_for_any_purpose() {
        let now = Utc::now();
        let six_days = facts(Channel::Zalo, 6 * 24, now);
        assert_eq!(
            route(&six_days, Purpose::Survey, false, now).unwrap().kind,
            OutboundKind::ZaloCs
        );
        let eight_days = facts(Channel::Zalo, 8 * 24, now);
        assert!(route(&eight_days, Purpose::OfficerReply, true, now).is_err());
    }

    #[test]
    fn a_comment_gets_one_private_reply_within_seven_days() {
        let now = Utc::now();
        let mut on_comment = facts(Channel::Facebook, 1, now);
        on_comment.comment = Some(Comment {
            id: "post_comment".into(),
            at: now - Duration::hours(1),
            private_reply_sent: false,
        });
        let first = route(&on_comment, Purpose::Acknowledgement, false, now).unwrap();
        assert_eq!(
            (first.kind, first.recipient.as_str()),
            (OutboundKind::PrivateReply, "post_comment")
        );
        on_comment.comment.as_mut().unwrap().private_reply_sent = true;
        assert!(route(&on_comment, Purpose::OfficerReply, true, now).is_err());
        let form = facts(Channel::Form, 0, now);
        assert_eq!(
            route(&form, Purpose::OfficerReply, true, now),
            Err(Unreachable::WebForm)
        );
    }
}
