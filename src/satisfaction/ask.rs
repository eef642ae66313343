//! Asking: a survey when a ticket is resolved (`on_resolved`, in the transaction that resolves it), by an
//! officer's hand (`by_hand`), and its question on the citizen's own channel (`send_question`): Zalo a text
//! inviting a reply, Messenger quick replies, the web form the tracking page (and e-mail where set up). Where the
//! channel's window for an automatic message has closed, the link on the tracking page is all there is.
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

use entity::{survey_ratings, tickets};

use super::{Context, code_of, english, is_low, open, surveys_of, texts};
use crate::domain::{Channel, TicketStatus};
use crate::outbound::reach::{self, Purpose, Unreachable};
use crate::outbound::text::{MESSAGE_MAX_CHARS, fit};
use crate::outbound::{NewOutbound, OutboundKind, Payload, enqueue};

/// Why a survey was not asked (the officer's "send survey" says so).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotAsked {
    #[error("tickets of this legal track are never surveyed (satisfaction.exclude_tracks)")]
    ExcludedTrack,
    #[error("the ticket is not resolved: a survey asks how it was resolved")]
    NotResolved,
    #[error(
        "this ticket's surveys are done: at most two, the second only after a low answer reopened it"
    )]
    Done,
}

/// A ticket just resolved: its survey, if it gets one. The first resolution asks; a second asks again only when
/// a low answer to the first reopened the ticket. Never more than two.
pub async fn on_resolved(
    conn: &impl ConnectionTrait,
    cx: Context<'_>,
    ticket: &tickets::Model,
    now: DateTime<Utc>,
) -> Result<Result<survey_ratings::Model, NotAsked>, DbErr> {
    if excluded(cx, ticket) {
        return Ok(Err(NotAsked::ExcludedTrack));
    }
    let earlier = surveys_of(conn, ticket.id).await?;
    let round = match earlier.as_slice() {
        [] => 1,
        [first] if ticket.reopened_low_score && is_low(first.score, first.solved) => 2,
        _ => return Ok(Err(NotAsked::Done)),
    };
    if let [first] = earlier.as_slice() {
        // The first survey's link closes: its low answer has done its work, the second asks anew.
        let mut closed: survey_ratings::ActiveModel = first.clone().into();
        closed.expires_at = Set(Some(now));
        closed.update(conn).await?;
    }
    let token = hex::encode(rand::random::<[u8; 24]>());
    let mut survey = survey_ratings::ActiveModel {
        ticket_id: Set(ticket.id),
        token: Set(token),
        unit_code: Set(ticket.unit_code.clone()),
        officer_id: Set(ticket.assigned_officer_id),
        channel: Set(ticket.channel),
        score: Set(None),
        comment: Set(None),
        sent_at: Set(now),
        answered_at: Set(None),
        scale: Set(cx.settings.satisfaction.scale.as_str().to_owned()),
        round: Set(round),
        solved: Set(None),
        language: Set(ticket.language.clone()),
        expires_at: Set(Some(
            now + Duration::days(i64::from(cx.settings.satisfaction.link_expiry_days)),
        )),
        asked_via: Set(None),
        reminder: Set(None),
        reminded_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let via = send_question(conn, cx, ticket, &survey, false, now).await?;
    let mut row: survey_ratings::ActiveModel = survey.clone().into();
    row.asked_via = Set(Some(via.clone()));
    row.update(conn).await?;
    survey.asked_via = Some(via);
    metrics::counter!("surveys_sent_total", "channel" => ticket.channel.as_str()).increment(1);
    Ok(Ok(survey))
}

/// An officer's "send survey": the open survey's question again, or a new survey where the rules allow one.
pub async fn by_hand(
    conn: &impl ConnectionTrait,
    cx: Context<'_>,
    ticket: &tickets::Model,
    now: DateTime<Utc>,
) -> Result<Result<survey_ratings::Model, NotAsked>, DbErr> {
    if excluded(cx, ticket) {
        return Ok(Err(NotAsked::ExcludedTrack));
    }
    if !matches!(ticket.status, TicketStatus::Resolved | TicketStatus::Closed) {
        return Ok(Err(NotAsked::NotResolved));
    }
    let earlier = surveys_of(conn, ticket.id).await?;
    if let Some(last) = earlier.last()
        && last.answered_at.is_none()
        && open(last, now)
    {
        let via = send_question(conn, cx, ticket, last, false, now).await?;
        return Ok(Ok(survey_ratings::Model {
            asked_via: Some(via),
            ..last.clone()
        }));
    }
    on_resolved(conn, cx, ticket, now).await
}

fn excluded(cx: Context<'_>, ticket: &tickets::Model) -> bool {
    ticket.legal_track.as_deref().is_some_and(|track| {
        cx.settings
            .satisfaction
            .exclude_tracks
            .iter()
            .any(|t| t == track)
    })
}

/// Queues the question (or the reminder) where the citizen can get it now; returns how it went: the outbox kind,
/// or `link` when only the survey link (on the tracking page) carries it.
pub async fn send_question(
    conn: &impl ConnectionTrait,
    cx: Context<'_>,
    ticket: &tickets::Model,
    survey: &survey_ratings::Model,
    reminder: bool,
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    let english = english(ticket);
    let scale = super::scale_of(survey);
    let unit = cx.unit_name(ticket);
    let link = cx.link(&survey.token, english);
    let facts = reach::facts_of(conn, ticket).await?;
    // Messenger's HUMAN_AGENT tag covers a person's answer, not a survey: the 24-hour window rules.
    let route = match reach::route(&facts, Purpose::Survey, false, now) {
        Ok(route) => route,
        Err(Unreachable::WebForm) => {
            let Some(address) = reach::form_email(conn, cx.settings, ticket).await? else {
                return Ok("link".into());
            };
            reach::Route {
                channel: Channel::Form,
                channel_account_id: None,
                kind: OutboundKind::Email,
                recipient: address,
            }
        }
        Err(Unreachable::WindowClosed(_)) => return Ok("link".into()),
    };
    let buttons = route.kind == OutboundKind::Messenger;
    let text = texts::question(
        english,
        scale,
        unit.as_deref(),
        &code_of(ticket),
        &link,
        buttons,
        reminder,
    );
    let kind = route.kind;
    enqueue(
        conn,
        NewOutbound {
            ticket_id: ticket.id,
            message_id: None,
            channel: route.channel,
            channel_account_id: route.channel_account_id,
            kind: route.kind,
            purpose: Purpose::Survey,
            recipient: route.recipient,
            payload: Payload {
                text: fit(&text, MESSAGE_MAX_CHARS).into_owned(),
                quick_replies: if buttons {
                    texts::score_buttons(english, scale)
                } else {
                    Vec::new()
                },
            },
        },
    )
    .await?;
    Ok(kind.as_str().to_owned())
}
