//! Recording an answer, wherever it came from: a chat message or quick reply (`Source::Chat`, in intake's
//! transaction) or the survey page (`Source::Page`). A later answer replaces the earlier one. A low answer (1-2,
//! or "not solved") reopens the ticket, flags it in its unit's queue and alerts the province's supervisors, once;
//! the citizen is told. Otherwise the citizen is thanked in the chat, and asked whether the problem was solved.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};
use serde_json::json;

use entity::{alerts, survey_ratings, tickets};

use super::answer::Answer;
use super::{Context, code_of, english, is_low, texts};
use crate::domain::TicketStatus;
use crate::outbound::reach::{self, Purpose};
use crate::outbound::text::{MESSAGE_MAX_CHARS, fit};
use crate::outbound::{NewOutbound, OutboundKind, Payload, enqueue};

/// Where an answer came from: the chat answers in the chat; the page shows its own thanks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Chat,
    Page,
}

/// What recording an answer did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub score: Option<i16>,
    pub solved: Option<bool>,
    /// The answer reopened the ticket (and raised an alert).
    pub reopened: bool,
}

/// Kinds of alerts.
pub const LOW_SCORE: &str = "low_score";

pub async fn record(
    conn: &impl ConnectionTrait,
    cx: Context<'_>,
    survey: &survey_ratings::Model,
    answer: Answer,
    comment: Option<String>,
    source: Source,
    now: DateTime<Utc>,
) -> Result<Recorded, DbErr> {
    let score = answer.score.map(i16::from).or(survey.score);
    let solved = answer.solved.or(survey.solved);
    let comment = comment.or_else(|| survey.comment.clone());
    let mut row: survey_ratings::ActiveModel = survey.clone().into();
    row.score = Set(score);
    row.solved = Set(solved);
    row.comment = Set(comment.clone());
    row.answered_at = Set(Some(now));
    row.update(conn).await?;
    metrics::counter!("survey_answers_total", "source" => match source {
        Source::Chat => "chat",
        Source::Page => "page",
    })
    .increment(1);

    let Some(ticket) = tickets::Entity::find_by_id(survey.ticket_id)
        .one(conn)
        .await?
    else {
        return Ok(Recorded {
            score,
            solved,
            reopened: false,
        });
    };
    let english = english(&ticket);
    let low = is_low(score, solved);
    let reopened = low
        && !ticket.reopened_low_score
        && reopen(conn, &ticket, score, solved, comment.as_deref(), now).await?;
    if source == Source::Page {
        return Ok(Recorded {
            score,
            solved,
            reopened,
        });
    }
    // The citizen just wrote, so the window for an automatic message is open.
    let facts = reach::facts_of(conn, &ticket).await?;
    let Ok(route) = reach::route(&facts, Purpose::Survey, false, now) else {
        return Ok(Recorded {
            score,
            solved,
            reopened,
        });
    };
    let buttons = route.kind == OutboundKind::Messenger;
    let ask_solved = !reopened && answer.score.is_some() && solved.is_none();
    let text = if reopened {
        texts::reopened(english, cx.unit_name(&ticket).as_deref(), &code_of(&ticket))
    } else {
        texts::thanks(english, ask_solved, buttons)
    };
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
                quick_replies: if buttons && ask_solved {
                    texts::solved_buttons(english)
                } else {
                    Vec::new()
                },
            },
        },
    )
    .await?;
    Ok(Recorded {
        score,
        solved,
        reopened,
    })
}

/// Back to `in_progress`, flagged for the unit's queue, with an alert for the supervisors and a line in the
/// history. False when the ticket was already flagged (one alert per low answer's reopening).
async fn reopen(
    conn: &impl ConnectionTrait,
    ticket: &tickets::Model,
    score: Option<i16>,
    solved: Option<bool>,
    comment: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut update = tickets::Entity::update_many()
        .col_expr(tickets::Column::ReopenedLowScore, Expr::value(true))
        .col_expr(tickets::Column::UpdatedAt, Expr::value(now))
        .col_expr(tickets::Column::LastActivityAt, Expr::value(now))
        .filter(tickets::Column::Id.eq(ticket.id))
        .filter(tickets::Column::ReopenedLowScore.eq(false));
    let status_before = ticket.status;
    if matches!(status_before, TicketStatus::Resolved | TicketStatus::Closed) {
        update = update
            .col_expr(
                tickets::Column::Status,
                Expr::value(TicketStatus::InProgress),
            )
            .col_expr(
                tickets::Column::ResolvedAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            );
    }
    if update.exec(conn).await?.rows_affected == 0 {
        return Ok(false);
    }
    crate::audit::write(
        conn,
        None,
        Some(ticket.id),
        "reopened_low_score",
        json!({"from": status_before, "to": TicketStatus::InProgress, "score": score, "solved": solved}),
    )
    .await?;
    alerts::ActiveModel {
        kind: Set(LOW_SCORE.into()),
        ticket_id: Set(Some(ticket.id)),
        unit_code: Set(ticket.unit_code.clone()),
        score: Set(score),
        solved: Set(solved),
        comment: Set(comment.map(str::to_owned)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    metrics::counter!("tickets_reopened_low_score_total").increment(1);
    Ok(true)
}
