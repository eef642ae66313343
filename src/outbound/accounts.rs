//! The OA or Page a message goes out from, and the Zalo token refresh: single flight per OA, the rotated pair
//! stored before it is used.
//!
//! Zalo refresh tokens are single use: two refreshes at once would burn the pair, so refreshes of one OA are
//! serialised in this process (a mutex per OA) and, on PostgreSQL, across instances (a row lock held while
//! Zalo answers). Whoever waited finds a new access token in the row and uses it without refreshing again.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QuerySelect, Set,
};

use entity::{channel_accounts, outbox};

use super::error::OutboundError;
use crate::db::Db;
use crate::domain::Channel;
use crate::platforms::PlatformError;
use crate::platforms::zalo::ZaloClient;

/// Accounts read once for a pass's rows, by id: a pass of acknowledgements from one OA read that OA's row once
/// per send (20,000 statements for 20,000 acknowledgements). A token refreshed meanwhile is no harm: the send
/// with the old one is refused and `refreshed_zalo_token` finds the new one in the row.
pub(crate) type Known = HashMap<i32, channel_accounts::Model>;

/// The accounts that `rows` name, in one statement.
pub(crate) async fn known(db: &Db, rows: &[outbox::Model]) -> Result<Known, sea_orm::DbErr> {
    let mut ids: Vec<i32> = rows.iter().filter_map(|r| r.channel_account_id).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(Known::new());
    }
    let accounts = channel_accounts::Entity::find()
        .filter(channel_accounts::Column::Id.is_in(ids))
        .all(&db.read)
        .await?;
    Ok(accounts.into_iter().map(|a| (a.id, a)).collect())
}

/// The account row of a message: its own (from `known` when there), else the channel's only account.
pub(crate) async fn account_of(
    db: &Db,
    known: &Known,
    row: &outbox::Model,
    channel: Channel,
) -> Result<channel_accounts::Model, OutboundError> {
    let found = match row.channel_account_id {
        Some(id) => match known.get(&id) {
            Some(account) => Some(account.clone()),
            None => {
                channel_accounts::Entity::find_by_id(id)
                    .one(&db.read)
                    .await?
            }
        },
        None => {
            let query = channel_accounts::Entity::find()
                .filter(channel_accounts::Column::Channel.eq(channel));
            if query.clone().count(&db.read).await? == 1 {
                query.one(&db.read).await?
            } else {
                None
            }
        }
    };
    found.ok_or_else(|| {
        OutboundError::permanent(format!(
            "no {} account is configured for this message",
            channel.as_str()
        ))
    })
}

/// The account's access token, or why there is none.
pub(crate) fn token_of(account: &channel_accounts::Model) -> Result<String, OutboundError> {
    match account.access_token.as_deref() {
        Some(token) if !token.is_empty() => Ok(token.to_owned()),
        _ => Err(OutboundError::token_rejected(format!(
            "no access token is configured for {} account {}",
            account.channel, account.external_id
        ))),
    }
}

/// One lock per OA; remembers a refresh token Zalo refused so it is not offered again.
#[derive(Default)]
pub(crate) struct RefreshLocks(Mutex<HashMap<i32, Arc<tokio::sync::Mutex<Refused>>>>);

#[derive(Default)]
pub(crate) struct Refused(Option<String>);

impl RefreshLocks {
    fn of(&self, account_id: i32) -> Arc<tokio::sync::Mutex<Refused>> {
        // A poisoned map only means another thread panicked while inserting: the map itself is still usable.
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(account_id).or_default().clone()
    }
}

/// A fresh access token for the OA after Zalo refused `stale`: the one another send already obtained, or a new
/// pair from Zalo, stored before this returns.
pub(crate) async fn refreshed_zalo_token(
    db: &Db,
    locks: &RefreshLocks,
    zalo: &ZaloClient<'_>,
    account_id: i32,
    stale: &str,
) -> Result<String, OutboundError> {
    let lock = locks.of(account_id);
    let mut refused = lock.lock().await;
    if db.backend() == DbBackend::Postgres {
        // The row lock makes other instances wait for this refresh, then read its result.
        let txn = db.begin_write().await?;
        let account = channel_accounts::Entity::find_by_id(account_id)
            .lock_exclusive()
            .one(&txn)
            .await?;
        let result = refresh_locked(&txn, account, zalo, stale, &mut refused).await;
        txn.commit().await?;
        result
    } else {
        // SQLite: one process, so the mutex suffices; no write transaction is held while Zalo answers.
        let account = channel_accounts::Entity::find_by_id(account_id)
            .one(&db.write)
            .await?;
        refresh_locked(&db.write, account, zalo, stale, &mut refused).await
    }
}

async fn refresh_locked(
    conn: &impl ConnectionTrait,
    account: Option<channel_accounts::Model>,
    zalo: &ZaloClient<'_>,
    stale: &str,
    refused: &mut Refused,
) -> Result<String, OutboundError> {
    let account = account
        .ok_or_else(|| OutboundError::permanent("the Zalo OA of this message no longer exists"))?;
    if let Some(current) = account.access_token.as_deref()
        && !current.is_empty()
        && current != stale
    {
        return Ok(current.to_owned());
    }
    let refresh_token = match account.refresh_token.as_deref() {
        Some(token) if !token.is_empty() => token.to_owned(),
        _ => {
            return Err(OutboundError::token_rejected(format!(
                "the access token of Zalo OA {} expired and no refresh token is stored: reconnect the OA",
                account.external_id
            )));
        }
    };
    if refused.0.as_deref() == Some(refresh_token.as_str()) {
        return Err(OutboundError::token_rejected(format!(
            "Zalo already refused the refresh token of OA {}: reconnect the OA",
            account.external_id
        )));
    }
    let pair = match zalo
        .refresh(&refresh_token)
        .await
        .map_err(OutboundError::from)
    {
        Ok(pair) => pair,
        Err(err) => {
            if matches!(
                err,
                OutboundError::Platform(PlatformError::TokenRejected(_))
            ) {
                refused.0 = Some(refresh_token);
                metrics::counter!("outbound_token_refresh_total", "outcome" => "refused")
                    .increment(1);
                return Err(err);
            }
            metrics::counter!("outbound_token_refresh_total", "outcome" => "failed").increment(1);
            return Err(err);
        }
    };
    let now = Utc::now();
    let external_id = account.external_id.clone();
    let mut active = account.into_active_model();
    active.access_token = Set(Some(pair.access_token.clone()));
    active.refresh_token = Set(Some(pair.refresh_token));
    // Zalo says 25 hours; an absurd figure (negative, or centuries) is capped at a year, not overflowed: this
    // runs after the single-use refresh token was spent, and a panic here would lose the new pair.
    active.token_expires_at = Set(pair
        .expires_in_secs
        .map(|s| now + Duration::seconds(s.clamp(0, 366 * 24 * 3600))));
    active.updated_at = Set(now);
    if let Err(err) = active.update(conn).await {
        // The old refresh token is spent and the new one is lost: only reconnecting the OA helps.
        tracing::error!(oa = %external_id, error = %err, "cannot store the rotated Zalo token pair");
        return Err(err.into());
    }
    metrics::counter!("outbound_token_refresh_total", "outcome" => "refreshed").increment(1);
    tracing::info!(oa = %external_id, "Zalo access token refreshed");
    Ok(pair.access_token)
}
