//! Managing officers' accounts: list, disable, enable, reset a password, move to another unit (from the command
//! line and the admins' pages). Each ends the officer's sessions where it must and is written to the
//! audit log.
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};

use entity::{officers, tickets};

use super::officers::{OfficerError, Role, hash_password};
use super::session;
use crate::db::Db;
use crate::domain::UnitCode;
use crate::routing::Gazetteer;

/// Disables or enables an officer; disabling ends their sessions on the server at once. Audited.
pub async fn set_active(
    db: &Db,
    username: &str,
    active: bool,
    by: Option<i32>,
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
        by,
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
    by: Option<i32>,
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
        by,
        officer.id,
        "officer.reset_password",
        serde_json::json!({"username": officer.username, "sessions_ended": ended}),
    )
    .await?;
    txn.commit().await?;
    Ok(officer)
}

/// Every officer, by username.
pub async fn list(db: &Db) -> Result<Vec<officers::Model>, OfficerError> {
    Ok(officers::Entity::find()
        .order_by_asc(officers::Column::Username)
        .all(&db.read)
        .await?)
}

/// Moves an officer to another unit (`None`: no unit, for supervisors and admins). The tickets they held in
/// the unit they leave are released, so no ticket waits on someone who can no longer see it. Their sessions go
/// on: every request reads the officer's unit afresh. Audited.
pub async fn set_unit(
    db: &Db,
    gazetteer: &Gazetteer,
    username: &str,
    unit: Option<&str>,
    by: Option<i32>,
) -> Result<officers::Model, OfficerError> {
    let officer = find(db, username).await?;
    let unit = match unit {
        None if officer.role == Role::Officer.as_str() => return Err(OfficerError::UnitRequired),
        None => None,
        Some(raw) => Some(
            UnitCode::parse(raw.trim())
                .filter(|code| gazetteer.unit(code.as_str()).is_some())
                .ok_or_else(|| OfficerError::UnknownUnit(raw.to_owned()))?,
        ),
    };
    let unit = unit.map(String::from);
    let txn = db.begin_write().await?;
    officers::Entity::update_many()
        .col_expr(officers::Column::UnitCode, Expr::value(unit.clone()))
        .col_expr(officers::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(officers::Column::Id.eq(officer.id))
        .exec(&txn)
        .await?;
    // What they held outside their new unit: released, each on its own ticket's history.
    let released: Vec<i32> = if officer.role == Role::Officer.as_str() {
        tickets::Entity::find()
            .select_only()
            .column(tickets::Column::Id)
            .filter(tickets::Column::AssignedOfficerId.eq(officer.id))
            .filter(
                Condition::any()
                    .add(tickets::Column::UnitCode.ne(unit.clone().unwrap_or_default()))
                    .add(tickets::Column::UnitCode.is_null()),
            )
            .into_tuple()
            .all(&txn)
            .await?
    } else {
        Vec::new()
    };
    if !released.is_empty() {
        let now = Utc::now();
        tickets::Entity::update_many()
            .col_expr(tickets::Column::AssignedOfficerId, Expr::value(None::<i32>))
            .col_expr(tickets::Column::UpdatedAt, Expr::value(now))
            .filter(tickets::Column::Id.is_in(released.clone()))
            .exec(&txn)
            .await?;
        for ticket_id in &released {
            entity::audit_log::ActiveModel {
                officer_id: Set(by),
                ticket_id: Set(Some(*ticket_id)),
                action: Set("ticket_assigned".into()),
                detail: Set(Some(
                    serde_json::json!({"from": officer.id, "to": null, "reason": "officer.set_unit"})
                        .to_string(),
                )),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    audit(
        &txn,
        by,
        officer.id,
        "officer.set_unit",
        serde_json::json!({"username": officer.username, "before": {"unit_code": officer.unit_code},
            "after": {"unit_code": unit}, "tickets_released": released}),
    )
    .await?;
    txn.commit().await?;
    Ok(officers::Model {
        unit_code: unit,
        ..officer
    })
}

pub(super) async fn find(db: &Db, username: &str) -> Result<officers::Model, OfficerError> {
    let username = username.trim().to_lowercase();
    officers::Entity::find()
        .filter(officers::Column::Username.eq(username.clone()))
        .one(&db.read)
        .await?
        .ok_or(OfficerError::NotFound(username))
}

/// An action on an officer's account: by an admin from the web (`by`), or from the command line (`None`).
pub(super) async fn audit(
    txn: &sea_orm::DatabaseTransaction,
    by: Option<i32>,
    officer_id: i32,
    action: &str,
    detail: serde_json::Value,
) -> Result<(), sea_orm::DbErr> {
    super::audit::record_unticketed(
        txn,
        by,
        action,
        serde_json::json!({"officer_id": officer_id, "change": detail}),
    )
    .await
}
