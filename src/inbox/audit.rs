//! The audit log: who did what to which ticket, when, with the before and after in `detail`. Written in the
//! same transaction as the change it records.
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

use entity::audit_log;

use super::session::Officer;

pub async fn record(
    conn: &impl ConnectionTrait,
    officer: &Officer,
    ticket_id: i32,
    action: &str,
    detail: serde_json::Value,
) -> Result<(), DbErr> {
    write(conn, Some(officer.id), Some(ticket_id), action, detail).await
}

/// An action on no ticket (officers' accounts, canned replies): by an officer, or (`None`) from the command line.
pub async fn record_unticketed(
    conn: &impl ConnectionTrait,
    by: Option<i32>,
    action: &str,
    detail: serde_json::Value,
) -> Result<(), DbErr> {
    write(conn, by, None, action, detail).await
}

async fn write(
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
