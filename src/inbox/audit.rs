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
    audit_log::ActiveModel {
        officer_id: Set(Some(officer.id)),
        ticket_id: Set(Some(ticket_id)),
        action: Set(action.into()),
        detail: Set(Some(detail.to_string())),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}
