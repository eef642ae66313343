//! Secret keys the instances share: from the settings when given, else generated once, stored in the database
//! (so they survive restarts and every instance on one PostgreSQL uses the same), and read back.
use chrono::Utc;
use rand::Rng;
use sea_orm::sea_query::OnConflict;
use sea_orm::{DbErr, EntityTrait, Set};

use entity::app_secrets;

use crate::db::Db;

/// The key of the form's duplicate detection (`intake.dedupe_key`, hex, at least 32 bytes; empty: stored).
pub async fn dedupe_key(db: &Db, configured: &str) -> anyhow::Result<Vec<u8>> {
    let configured = configured.trim();
    if !configured.is_empty() {
        return Ok(hex::decode(configured)?);
    }
    stored(db, "dedupe_key").await
}

/// The stored key `name`, created by the first instance that asks; a race between two is settled by the
/// primary key (the loser's insert does nothing) and both read the winner's.
async fn stored(db: &Db, name: &str) -> anyhow::Result<Vec<u8>> {
    let fresh = hex::encode(rand::rng().random::<[u8; 32]>());
    let inserted = app_secrets::Entity::insert(app_secrets::ActiveModel {
        name: Set(name.to_owned()),
        value: Set(fresh),
        created_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(app_secrets::Column::Name)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&db.write)
    .await;
    match inserted {
        Ok(_) | Err(DbErr::RecordNotInserted) => {}
        Err(err) => return Err(err.into()),
    }
    let row = app_secrets::Entity::find_by_id(name.to_owned())
        .one(&db.write)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the stored key {name} vanished"))?;
    Ok(hex::decode(row.value)?)
}
