//! Managing officers' accounts: disable, enable, reset a password (from the command line today, the admins'
//! pages later). Each ends the officer's sessions where it must and is written to the audit log.
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use entity::officers;

use super::officers::{OfficerError, hash_password};
use super::session;
use crate::db::Db;

/// Disables or enables an officer; disabling ends their sessions on the server at once. Audited.
pub async fn set_active(
    db: &Db,
    username: &str,
    active: bool,
) -> Result<officers::Model, OfficerError> {
    let officer = find(db, username).await?;
    let txn = db.begin_write().await?;
    officers::Entity::update_many()
        .col_expr(officers::Column::Active, Expr::value(active))
        .col_expr(officers::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(officers::Column::Id.eq(officer.id))
        .exec(&txn)
        .await?;
    let ended = if active {
        0
    } else {
        session::end_all(&txn, officer.id, "disabled").await?
    };
    audit(
        &txn,
        officer.id,
        if active {
            "officer.enable"
        } else {
            "officer.disable"
        },
        serde_json::json!({"username": officer.username, "before": {"active": officer.active},
            "after": {"active": active}, "sessions_ended": ended}),
    )
    .await?;
    txn.commit().await?;
    Ok(officers::Model { active, ..officer })
}

/// Sets a new password; every session of the officer ends (whoever had the old one is out). Audited.
pub async fn reset_password(
    db: &Db,
    username: &str,
    password: &str,
) -> Result<officers::Model, OfficerError> {
    let officer = find(db, username).await?;
    let password_hash = hash_password(password)?;
    let txn = db.begin_write().await?;
    officers::Entity::update_many()
        .col_expr(officers::Column::PasswordHash, Expr::value(password_hash))
        .col_expr(officers::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(officers::Column::Id.eq(officer.id))
        .exec(&txn)
        .await?;
    let ended = session::end_all(&txn, officer.id, "password_reset").await?;
    audit(
        &txn,
        officer.id,
        "officer.reset_password",
        serde_json::json!({"username": officer.username, "sessions_ended": ended}),
    )
    .await?;
    txn.commit().await?;
    Ok(officer)
}

pub(super) async fn find(db: &Db, username: &str) -> Result<officers::Model, OfficerError> {
    let username = username.trim().to_lowercase();
    officers::Entity::find()
        .filter(officers::Column::Username.eq(username.clone()))
        .one(&db.read)
        .await?
        .ok_or(OfficerError::NotFound(username))
}

/// An action on an officer's account from the command line (no acting officer).
async fn audit(
    txn: &sea_orm::DatabaseTransaction,
    officer_id: i32,
    action: &str,
    detail: serde_json::Value,
) -> Result<(), sea_orm::DbErr> {
    entity::audit_log::ActiveModel {
        officer_id: Set(None),
        ticket_id: Set(None),
        action: Set(action.to_owned()),
        detail: Set(Some(
            serde_json::json!({"officer_id": officer_id, "change": detail}).to_string(),
        )),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map(|_| ())
}
