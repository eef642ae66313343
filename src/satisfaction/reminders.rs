//! The one reminder: a survey still unanswered `satisfaction.reminder_hours` after its question is asked again,
//! once, if the channel's window for an automatic message is still open (Zalo's 7 days; Messenger's 24 hours,
//! which the HUMAN_AGENT tag does not stretch for surveys; e-mail for a form ticket). Otherwise it is marked
//! `skipped`: the link on the tracking page remains, and no later pass tries again (answered or expired ones are
//! marked `not_needed`, so each pass reads only what is due).
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use entity::{survey_ratings, tickets};

use super::{Context, ask};
use crate::db::Db;
use crate::domain::TicketStatus;

/// Surveys looked at per pass; the rest wait for the next one.
const BATCH: u64 = 200;

/// Every minute until the process ends; `wake` is called when reminders were queued.
pub fn spawn(
    db: Db,
    settings: std::sync::Arc<crate::config::Settings>,
    gazetteer: std::sync::Arc<crate::routing::Gazetteer>,
    wake: impl Fn() + Send + 'static,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(StdDuration::from_secs(60));
        loop {
            tick.tick().await;
            let cx = Context {
                settings: &settings,
                gazetteer: &gazetteer,
            };
            match pass(&db, cx, Utc::now()).await {
                Ok(0) => {}
                Ok(_) => wake(),
                Err(err) => tracing::warn!(error = %err, "cannot send survey reminders"),
            }
        }
    });
}

/// One pass at `now`: returns how many reminders were queued.
pub async fn pass(db: &Db, cx: Context<'_>, now: DateTime<Utc>) -> Result<usize, DbErr> {
    let due = now - Duration::hours(i64::from(cx.settings.satisfaction.reminder_hours));
    // Answered or expired before their time came: no reminder, and out of the next passes' way.
    survey_ratings::Entity::update_many()
        .col_expr(survey_ratings::Column::Reminder, Expr::value("not_needed"))
        .filter(survey_ratings::Column::Reminder.is_null())
        .filter(survey_ratings::Column::SentAt.lte(due))
        .filter(
            Condition::any()
                .add(survey_ratings::Column::AnsweredAt.is_not_null())
                .add(survey_ratings::Column::ExpiresAt.lte(now)),
        )
        .exec(&db.write)
        .await?;
    let candidates = survey_ratings::Entity::find()
        .filter(survey_ratings::Column::Reminder.is_null())
        .filter(survey_ratings::Column::SentAt.lte(due))
        .order_by_asc(survey_ratings::Column::SentAt)
        .limit(BATCH)
        .all(&db.read)
        .await?;
    let mut sent = 0;
    for survey in candidates {
        let txn = db.begin_write().await?;
        let ticket = tickets::Entity::find_by_id(survey.ticket_id)
            .one(&txn)
            .await?;
        let wanted = survey.answered_at.is_none()
            && super::open(&survey, now)
            && ticket
                .as_ref()
                .is_some_and(|t| matches!(t.status, TicketStatus::Resolved | TicketStatus::Closed));
        let via = match (&ticket, wanted) {
            (Some(ticket), true) => {
                ask::send_question(&txn, cx, ticket, &survey, true, now).await?
            }
            _ => "link".to_owned(),
        };
        let outcome = if via == "link" { "skipped" } else { "sent" };
        // Only the pass that marks it sends it: several instances may look at the same survey.
        let marked = survey_ratings::Entity::update_many()
            .col_expr(survey_ratings::Column::Reminder, Expr::value(outcome))
            .col_expr(
                survey_ratings::Column::RemindedAt,
                Expr::value((outcome == "sent").then_some(now)),
            )
            .filter(survey_ratings::Column::Id.eq(survey.id))
            .filter(survey_ratings::Column::Reminder.is_null())
            // Answered meanwhile (read before this transaction): no reminder.
            .filter(survey_ratings::Column::AnsweredAt.is_null())
            .exec(&txn)
            .await?;
        if marked.rows_affected == 1 {
            txn.commit().await?;
            if outcome == "sent" {
                sent += 1;
                metrics::counter!("survey_reminders_total").increment(1);
            }
        } else {
            txn.rollback().await?;
        }
    }
    Ok(sent)
}
