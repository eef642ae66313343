//! Officers' actions in the audit log (`crate::audit`).
use sea_orm::{ConnectionTrait, DbErr};

use super::session::Officer;
use crate::audit::write;

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
