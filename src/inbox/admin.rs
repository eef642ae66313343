//! Managing officers' accounts: list, disable, enable, reset a password, move to another unit, limit to a province
//! (from the command line and the admins' pages). Each ends the officer's sessions where it must and is written
//! to the audit log. An admin with a province (`by`) manages the officers of that province only; the command line
//! (`by` None) manages every one.
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};

use entity::{officers, tickets};

use super::officers::{OfficerError, Role, hash_password, province_for, unit_of, within_scope};
use super::session::{self, Officer};
use crate::db::Db;
use crate::domain::UnitCode;
use crate::routing::Gazetteer;

/// Disables or enables an officer; disabling ends their sessions on the server at once. Audited.
pub async fn set_active(
    db: &Db,
    username: &str,
    active: bool,
    by: Option<&Officer>,
) -> Result<officers::Model, OfficerError> {
    let officer = find(db, username, by).await?;
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
    by: Option<&Officer>,
) -> Result<officers::Model, OfficerError> {
    let officer = find(db, username, by).await?;
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

/// Every officer (an admin with a province: that province's), by username.
pub async fn list(db: &Db, by: Option<&Officer>) -> Result<Vec<officers::Model>, OfficerError> {
    let mut select = officers::Entity::find().order_by_asc(officers::Column::Username);
    if let Some(province) = by.and_then(Officer::province) {
        select = select.filter(officers::Column::ProvinceCode.eq(province));
    }
    Ok(select.all(&db.read).await?)
}

/// Moves an officer to another unit (`None`: no unit, for supervisors and admins). An officer's province follows
/// their unit; a supervisor's or admin's unit must be in their province, if they have one. The tickets an officer
/// held in the unit they leave are released, so no ticket waits on someone who can no longer see it. Their
/// sessions go on: every request reads the officer's unit afresh. Audited.
pub async fn set_unit(
    db: &Db,
    gazetteer: &Gazetteer,
    username: &str,
    unit: Option<&str>,
    by: Option<&Officer>,
) -> Result<officers::Model, OfficerError> {
    let officer = find(db, username, by).await?;
    let role = Role::parse(&officer.role).unwrap_or(Role::Officer);
    let unit = match unit {
        None if role == Role::Officer => return Err(OfficerError::UnitRequired),
        None => None,
        Some(raw) => Some(unit_of(gazetteer, raw)?),
    };
    let kept = match role {
        Role::Officer => None,
        Role::Supervisor | Role::Admin => officer.province_code.as_deref(),
    };
    let province = province_for(gazetteer, role, unit.as_ref(), kept)?;
    within_scope(by.and_then(Officer::province), province.as_deref())?;
    let unit = unit.map(String::from);
    let txn = db.begin_write().await?;
    officers::Entity::update_many()
        .col_expr(officers::Column::UnitCode, Expr::value(unit.clone()))
        .col_expr(
            officers::Column::ProvinceCode,
            Expr::value(province.clone()),
        )
        .col_expr(officers::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(officers::Column::Id.eq(officer.id))
        .exec(&txn)
        .await?;
    // What they held outside their new unit.
    let released = if role == Role::Officer {
        let elsewhere = Condition::any()
            .add(tickets::Column::UnitCode.ne(unit.clone().unwrap_or_default()))
            .add(tickets::Column::UnitCode.is_null());
        release(&txn, &officer, elsewhere, "officer.set_unit", by).await?
    } else {
        Vec::new()
    };
    audit(
        &txn,
        by,
        officer.id,
        "officer.set_unit",
        serde_json::json!({"username": officer.username,
            "before": {"unit_code": officer.unit_code, "province_code": officer.province_code},
            "after": {"unit_code": unit, "province_code": province}, "tickets_released": released}),
    )
    .await?;
    txn.commit().await?;
    Ok(officers::Model {
        unit_code: unit,
        province_code: province,
        ..officer
    })
}

/// Limits a supervisor or admin to a served province (`None`: every province). An officer's province is their
/// unit's: only that one is accepted (`set_unit` moves them). The tickets they held outside it are released. Their
/// sessions go on: every request reads the officer's province afresh. Audited.
pub async fn set_province(
    db: &Db,
    gazetteer: &Gazetteer,
    username: &str,
    province: Option<&str>,
    by: Option<&Officer>,
) -> Result<officers::Model, OfficerError> {
    let officer = find(db, username, by).await?;
    let role = Role::parse(&officer.role).unwrap_or(Role::Officer);
    let unit = officer.unit_code.clone().map(UnitCode::stored);
    if role == Role::Officer && province.is_none() {
        return Err(OfficerError::UnitRequired);
    }
    let province = province_for(gazetteer, role, unit.as_ref(), province)?;
    within_scope(by.and_then(Officer::province), province.as_deref())?;
    let txn = db.begin_write().await?;
    officers::Entity::update_many()
        .col_expr(
            officers::Column::ProvinceCode,
            Expr::value(province.clone()),
        )
        .col_expr(officers::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(officers::Column::Id.eq(officer.id))
        .exec(&txn)
        .await?;
    let released = match &province {
        Some(code) if role != Role::Officer => {
            let elsewhere = Condition::any()
                .add(tickets::Column::ProvinceCode.ne(code.clone()))
                .add(tickets::Column::ProvinceCode.is_null());
            release(&txn, &officer, elsewhere, "officer.set_province", by).await?
        }
        _ => Vec::new(),
    };
    audit(
        &txn,
        by,
        officer.id,
        "officer.set_province",
        serde_json::json!({"username": officer.username, "before": {"province_code": officer.province_code},
            "after": {"province_code": province}, "tickets_released": released}),
    )
    .await?;
    txn.commit().await?;
    Ok(officers::Model {
        province_code: province,
        ..officer
    })
}

/// Releases the tickets `officer` held that match `elsewhere` (where they can no longer see them), each on its
/// own ticket's history; returns their ids.
async fn release(
    txn: &sea_orm::DatabaseTransaction,
    officer: &officers::Model,
    elsewhere: Condition,
    reason: &str,
    by: Option<&Officer>,
) -> Result<Vec<i32>, sea_orm::DbErr> {
    let released: Vec<i32> = tickets::Entity::find()
        .select_only()
        .column(tickets::Column::Id)
        .filter(tickets::Column::AssignedOfficerId.eq(officer.id))
        .filter(elsewhere)
        .into_tuple()
        .all(txn)
        .await?;
    if released.is_empty() {
        return Ok(released);
    }
    let now = Utc::now();
    tickets::Entity::update_many()
        .col_expr(tickets::Column::AssignedOfficerId, Expr::value(None::<i32>))
        .col_expr(tickets::Column::UpdatedAt, Expr::value(now))
        .filter(tickets::Column::Id.is_in(released.clone()))
        .exec(txn)
        .await?;
    for ticket_id in &released {
        entity::audit_log::ActiveModel {
            officer_id: Set(by.map(|o| o.id)),
            ticket_id: Set(Some(*ticket_id)),
            action: Set("ticket_assigned".into()),
            detail: Set(Some(
                serde_json::json!({"from": officer.id, "to": null, "reason": reason}).to_string(),
            )),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(released)
}

/// The officer named `username`, if `by` may manage them (an admin with a province: that province's officers;
/// others are not found, as another unit's tickets are not).
pub(super) async fn find(
    db: &Db,
    username: &str,
    by: Option<&Officer>,
) -> Result<officers::Model, OfficerError> {
    let username = username.trim().to_lowercase();
    officers::Entity::find()
        .filter(officers::Column::Username.eq(username.clone()))
        .one(&db.read)
        .await?
        .filter(|o| {
            by.and_then(Officer::province)
                .is_none_or(|mine| o.province_code.as_deref() == Some(mine))
        })
        .ok_or(OfficerError::NotFound(username))
}

/// An action on an officer's account: by an admin from the web (`by`), or from the command line (`None`).
pub(super) async fn audit(
    txn: &sea_orm::DatabaseTransaction,
    by: Option<&Officer>,
    officer_id: i32,
    action: &str,
    detail: serde_json::Value,
) -> Result<(), sea_orm::DbErr> {
    super::audit::record_unticketed(
        txn,
        by.map(|o| o.id),
        action,
        serde_json::json!({"officer_id": officer_id, "change": detail}),
    )
    .await
}
