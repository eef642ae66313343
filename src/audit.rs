//! The audit log: who did what to which ticket, when, with the before and after in `detail`, written in the same
//! transaction as the change it records. `by` is None for what the service did on its own (a survey answer that
//! reopened a ticket) or what the command line did.
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

use entity::audit_log;

pub async fn write(
    conn: &impl ConnectionTrait,
    by: Option<i32>,
    ticket_id: Option<i32>,
    action: &str,
    detail: serde_json::Value,
) -> Result<(), DbErr> {
    audit_log::ActiveModel {
        officer_id: Set(by),
        ticket_id: Set(ticket_id),
        action: Set(action.into()),
        detail: Set(Some(detail.to_string())),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}
