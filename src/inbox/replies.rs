//! `POST /api/v1/tickets/{id}/replies`: an officer answers the citizen on the citizen's own channel.
//!
//! The reply is a ticket message (shown on the tracking page) and, where the channel's window is open, an outbox
//! row the delivery worker sends; where it is closed, an outbox row already `undeliverable` with the reason, so the
//! officer sees at once that the citizen was not reached. A reply written on a stale view (messages newer than
//! `after_message_id`) is refused with those messages, for the officer to read and confirm.
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use entity::{outbox, ticket_messages, tickets};

use super::audit;
use super::session::Officer;
use super::tickets::{MessageView, change_ticket, message_view, visible_ticket};
use crate::domain::{Channel, Direction, FieldError, OutboxState, Purpose, TicketStatus};
use crate::outbound::reach::{self, Unreachable};
use crate::outbound::text::{MESSAGE_MAX_CHARS, fit};
use crate::outbound::{NewOutbound, OutboundKind, Payload, enqueue};
use crate::web::{ApiError, AppState, ErrorBody, ErrorDetail};

/// Longest reply kept on the ticket; a platform gets it cut to its own limit, the tracking page shows it whole.
const MAX_REPLY_CHARS: usize = 5000;

#[derive(Deserialize, ToSchema)]
pub struct ReplyRequest {
    /// 1 to 5,000 characters; Zalo and Messenger get at most 2,000 (cut at a word, the tracking page has it all).
    pub text: String,
    /// The newest message the officer saw; newer ones make the reply wait for the officer to read them.
    pub after_message_id: Option<i32>,
}

/// What became of a reply: kept (and how it goes), or refused because the officer's view was stale.
pub enum ReplyOutcome {
    Accepted(Box<ReplyAccepted>),
    Stale(StaleView),
}

/// The reply, kept on the ticket, and how it goes to the citizen.
#[derive(Serialize, ToSchema)]
pub struct ReplyAccepted {
    pub message: MessageView,
    pub delivery: DeliveryPlan,
    /// Why the citizen cannot be reached on their channel now, when `undeliverable`.
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryPlan {
    /// Queued for the citizen's channel; its state shows on the ticket as it goes.
    Queued,
    /// A web form ticket: the answer is on the tracking page.
    TrackingPage,
    /// A web form ticket whose citizen gave an e-mail address: on the tracking page and queued by e-mail.
    Email,
    /// The channel's window is closed: kept on the ticket and the tracking page, not sent.
    Undeliverable,
}

/// 409: the officer has not seen these yet.
#[derive(Serialize, ToSchema)]
pub struct StaleView {
    pub error: ErrorDetail,
    pub new_messages: Vec<MessageView>,
}

#[utoipa::path(
    post,
    path = "/api/v1/tickets/{id}/replies",
    tag = "inbox",
    params(("id" = i32, Path, description = "The ticket's id")),
    request_body = ReplyRequest,
    security(("session" = [])),
    responses(
        (status = 202, description = "Kept, and queued for the citizen's channel where it is open", body = ReplyAccepted),
        (status = 400, description = "The body is not valid JSON of this shape", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such ticket, or another unit's", body = ErrorBody),
        (status = 409, description = "Messages newer than `after_message_id` exist: read them, then send again", body = StaleView),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "Empty or too long a text", body = ErrorBody),
        (status = 503, description = "The database is unavailable for a moment", body = ErrorBody),
    )
)]
pub async fn reply(
    officer: Officer,
    state: web::Data<AppState>,
    id: web::Path<i32>,
    body: web::Json<ReplyRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(
        match send(&state, &officer, id.into_inner(), body.into_inner()).await? {
            ReplyOutcome::Accepted(accepted) => HttpResponse::Accepted().json(accepted),
            ReplyOutcome::Stale(stale) => HttpResponse::Conflict().json(stale),
        },
    )
}

/// Keeps the reply on ticket `id` and queues it for the citizen's channel (the API and the inbox page).
pub async fn send(
    state: &AppState,
    officer: &Officer,
    id: i32,
    request: ReplyRequest,
) -> Result<ReplyOutcome, ApiError> {
    let ticket = visible_ticket(state, officer, id).await?;
    let ReplyRequest {
        text,
        after_message_id,
    } = request;
    let text = reply_text(&text)?;
    // Checked with the ticket locked: of two officers answering the same view, the second sees the first's reply.
    let (txn, ticket) = change_ticket(state, officer, ticket.id).await?;
    if let Some(seen) = after_message_id {
        let newer = ticket_messages::Entity::find()
            .filter(ticket_messages::Column::TicketId.eq(ticket.id))
            .filter(ticket_messages::Column::Id.gt(seen))
            .order_by_asc(ticket_messages::Column::Id)
            .all(&txn)
            .await?;
        if !newer.is_empty() {
            let mut attachments = super::attachment_views::of_ticket(&txn, ticket.id).await?;
            return Ok(ReplyOutcome::Stale(StaleView {
                error: ErrorDetail {
                    code: "conflict",
                    message: format!(
                        "{} new message(s) since you opened the ticket: read them, then send again",
                        newer.len()
                    ),
                    fields: None,
                },
                new_messages: newer
                    .into_iter()
                    .map(|m| {
                        let files = attachments.remove(&m.id).unwrap_or_default();
                        message_view(m, None, files)
                    })
                    .collect(),
            }));
        }
    }

    let now = Utc::now();
    let (message, plan, reason, delivery) =
        to_citizen(&txn, state, officer, &ticket, &text, now).await?;
    // Answering a new ticket takes it in hand (the ticket is locked: its status is as read).
    let status_after = if ticket.status == TicketStatus::New {
        TicketStatus::InProgress
    } else {
        ticket.status
    };
    if ticket.status == TicketStatus::New {
        tickets::Entity::update_many()
            .col_expr(
                tickets::Column::Status,
                Expr::value(TicketStatus::InProgress),
            )
            .col_expr(tickets::Column::UpdatedAt, Expr::value(now))
            .filter(tickets::Column::Id.eq(ticket.id))
            .filter(tickets::Column::Status.eq(TicketStatus::New))
            .exec(&txn)
            .await?;
    }
    first_reply(&txn, &ticket, now).await?;
    audit::record(
        &txn,
        officer,
        ticket.id,
        "reply_sent",
        json!({
            "message_id": message.id,
            "delivery": plan,
            "reason": reason,
            "status": {"from": ticket.status, "to": status_after},
        }),
    )
    .await?;
    txn.commit().await?;
    if matches!(plan, DeliveryPlan::Queued | DeliveryPlan::Email) {
        state.intake.outbound.wake();
    }
    metrics::counter!("replies_total", "channel" => ticket.channel.as_str(), "delivery" => match plan {
        DeliveryPlan::Queued => "queued",
        DeliveryPlan::TrackingPage => "tracking_page",
        DeliveryPlan::Email => "email",
        DeliveryPlan::Undeliverable => "undeliverable",
    })
    .increment(1);
    Ok(ReplyOutcome::Accepted(Box::new(ReplyAccepted {
        message: message_view(message, delivery.as_ref(), Vec::new()),
        delivery: plan,
        reason,
    })))
}

/// Writes `text` on `ticket` as an officer's message to the citizen (on the tracking page, whatever the channel)
/// and queues it for the citizen's channel where its window is open; where it is closed, an outbox row already
/// `undeliverable` with the reason. Inside the caller's transaction (the reply, the merge notice).
pub(super) async fn to_citizen(
    txn: &DatabaseTransaction,
    state: &AppState,
    officer: &Officer,
    ticket: &tickets::Model,
    text: &str,
    now: DateTime<Utc>,
) -> Result<
    (
        ticket_messages::Model,
        DeliveryPlan,
        Option<String>,
        Option<outbox::Model>,
    ),
    DbErr,
> {
    let facts = reach::facts_of(txn, ticket).await?;
    let route = reach::route(
        &facts,
        Purpose::OfficerReply,
        state.settings.facebook.human_agent_tag,
        now,
    );
    let message = ticket_messages::ActiveModel {
        ticket_id: Set(ticket.id),
        direction: Set(Direction::Out),
        channel: Set(ticket.channel),
        body: Set(text.to_owned()),
        officer_id: Set(Some(officer.id)),
        // The citizen's tracking page shows our answers, whatever the channel.
        public: Set(true),
        removed: Set(false),
        hidden: Set(false),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let payload = Payload {
        text: fit(text, MESSAGE_MAX_CHARS).into_owned(),
        quick_replies: Vec::new(),
    };
    let (plan, reason, delivery) = match route {
        Ok(route) => {
            let row = enqueue(
                txn,
                NewOutbound {
                    ticket_id: ticket.id,
                    message_id: Some(message.id),
                    channel: route.channel,
                    channel_account_id: route.channel_account_id,
                    kind: route.kind,
                    purpose: Purpose::OfficerReply,
                    recipient: route.recipient,
                    payload,
                },
            )
            .await?;
            (DeliveryPlan::Queued, None, Some(row))
        }
        Err(Unreachable::WebForm) => match reach::form_email(txn, &state.settings, ticket).await? {
            // On the tracking page, and by e-mail to the address the citizen gave.
            Some(address) => {
                let row = enqueue(
                    txn,
                    NewOutbound {
                        ticket_id: ticket.id,
                        message_id: Some(message.id),
                        channel: Channel::Form,
                        channel_account_id: None,
                        kind: OutboundKind::Email,
                        purpose: Purpose::OfficerReply,
                        recipient: address,
                        payload,
                    },
                )
                .await?;
                (DeliveryPlan::Email, None, Some(row))
            }
            None => (DeliveryPlan::TrackingPage, None, None),
        },
        Err(Unreachable::WindowClosed(reason)) => {
            // Kept as an outbox row that is already undeliverable: the ticket shows why, and the worker never
            // picks it up.
            let kind = match ticket.channel {
                Channel::Facebook => OutboundKind::Messenger,
                _ => OutboundKind::ZaloCs,
            };
            let row = enqueue(
                txn,
                NewOutbound {
                    ticket_id: ticket.id,
                    message_id: Some(message.id),
                    channel: ticket.channel,
                    channel_account_id: ticket.channel_account_id,
                    kind,
                    purpose: Purpose::OfficerReply,
                    recipient: facts.external_id.clone(),
                    payload,
                },
            )
            .await?;
            let mut row = row.into_active_model();
            row.state = Set(OutboxState::Undeliverable);
            row.last_error = Set(Some(reason.clone()));
            let row = row.update(txn).await?;
            (DeliveryPlan::Undeliverable, Some(reason), Some(row))
        }
    };
    Ok((message, plan, reason, delivery))
}

/// The text as kept: trimmed, 1 to 5,000 characters, no control characters but line breaks and tabs.
fn reply_text(text: &str) -> Result<String, ApiError> {
    let text = text.trim();
    let length = text.chars().count();
    if length == 0 || length > MAX_REPLY_CHARS {
        return Err(ApiError::Validation(vec![FieldError::new(
            "text",
            "length",
            "Vui lòng nhập câu trả lời (tối đa 5.000 ký tự)",
            "write the reply, in at most 5,000 characters",
        )]));
    }
    if has_control_characters(text) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "text",
            "control_characters",
            "Câu trả lời có ký tự điều khiển",
            "the reply has control characters",
        )]));
    }
    Ok(text.to_owned())
}

/// Control characters other than line breaks and tabs: nothing an officer types (and PostgreSQL refuses NUL).
pub(super) fn has_control_characters(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// The reports' first response time: an officer's first answer (a reply, or a public answer under a comment), not
/// the acknowledgement.
pub(super) async fn first_reply(
    txn: &DatabaseTransaction,
    ticket: &tickets::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if ticket.first_reply_at.is_none() {
        tickets::Entity::update_many()
            .col_expr(tickets::Column::FirstReplyAt, Expr::value(Some(now)))
            .filter(tickets::Column::Id.eq(ticket.id))
            .filter(tickets::Column::FirstReplyAt.is_null())
            .exec(txn)
            .await?;
    }
    Ok(())
}
