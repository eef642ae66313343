//! The Zalo Official Accounts and Facebook Pages we serve: from settings into `channel_accounts` at start-up.
//! Tokens from settings fill empty rows only: rotated tokens stored in the database win.
use std::collections::{HashMap, HashSet};

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

use entity::channel_accounts;

use crate::config::Settings;
use crate::db::Db;
use crate::domain::Channel;

/// One configured account.
#[derive(Debug, Clone)]
pub struct Account {
    pub channel: Channel,
    pub external_id: String,
    pub access_token: String,
    pub refresh_token: String,
    pub unit_code: Option<String>,
}

/// Which accounts' events we take.
#[derive(Debug, Clone, Default)]
pub struct ServedAccounts {
    /// `None`: any OA of our Zalo app (`zalo.oa_id` empty and no `[[zalo.oa]]`).
    pub zalo: Option<HashSet<String>>,
    pub facebook: HashSet<String>,
    /// Owning unit per (channel, account id), for routing hints.
    pub units: HashMap<(Channel, String), String>,
}

impl ServedAccounts {
    pub fn serves_zalo(&self, oa_id: &str) -> bool {
        self.zalo.as_ref().is_none_or(|oas| oas.contains(oa_id))
    }

    pub fn serves_page(&self, page_id: &str) -> bool {
        self.facebook.contains(page_id)
    }
}

fn non_empty(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

pub fn configured(settings: &Settings) -> Vec<Account> {
    let zalo = &settings.zalo;
    let facebook = &settings.facebook;
    let mut accounts = Vec::new();
    if !zalo.oa_id.trim().is_empty() {
        accounts.push(Account {
            channel: Channel::Zalo,
            external_id: zalo.oa_id.trim().to_owned(),
            access_token: zalo.access_token.clone(),
            refresh_token: zalo.refresh_token.clone(),
            unit_code: non_empty(&zalo.unit_code),
        });
    }
    accounts.extend(zalo.oa.iter().map(|oa| Account {
        channel: Channel::Zalo,
        external_id: oa.oa_id.trim().to_owned(),
        access_token: oa.access_token.clone(),
        refresh_token: oa.refresh_token.clone(),
        unit_code: non_empty(&oa.unit_code),
    }));
    if !facebook.page_id.trim().is_empty() {
        accounts.push(Account {
            channel: Channel::Facebook,
            external_id: facebook.page_id.trim().to_owned(),
            access_token: facebook.page_access_token.clone(),
            refresh_token: String::new(),
            unit_code: non_empty(&facebook.unit_code),
        });
    }
    accounts.extend(facebook.page.iter().map(|page| Account {
        channel: Channel::Facebook,
        external_id: page.page_id.trim().to_owned(),
        access_token: page.page_access_token.clone(),
        refresh_token: String::new(),
        unit_code: non_empty(&page.unit_code),
    }));
    accounts
}

pub fn served(settings: &Settings) -> ServedAccounts {
    let accounts = configured(settings);
    let zalo: HashSet<String> = accounts
        .iter()
        .filter(|a| a.channel == Channel::Zalo)
        .map(|a| a.external_id.clone())
        .collect();
    ServedAccounts {
        zalo: (!zalo.is_empty()).then_some(zalo),
        facebook: accounts
            .iter()
            .filter(|a| a.channel == Channel::Facebook)
            .map(|a| a.external_id.clone())
            .collect(),
        units: accounts
            .iter()
            .filter_map(|a| Some(((a.channel, a.external_id.clone()), a.unit_code.clone()?)))
            .collect(),
    }
}

/// Inserts configured accounts that are missing and refreshes their owning unit; never overwrites stored tokens.
/// In one write transaction: instances starting together take turns (SQLite's write lock; on PostgreSQL the
/// later insert of a row waits for the first and then reads it, `find_or_create`).
pub async fn sync(db: &Db, settings: &Settings) -> Result<(), DbErr> {
    let txn = db.begin_write().await?;
    for account in configured(settings) {
        if let Err(err) =
            find_or_create(&txn, settings, account.channel, &account.external_id).await
        {
            txn.rollback().await?;
            return Err(err);
        }
    }
    txn.commit().await
}

/// The account row for an OA or Page; an OA of our app seen for the first time gets the default Zalo tokens.
pub async fn find_or_create(
    conn: &impl ConnectionTrait,
    settings: &Settings,
    channel: Channel,
    external_id: &str,
) -> Result<channel_accounts::Model, DbErr> {
    let account = configured(settings)
        .into_iter()
        .find(|a| a.channel == channel && a.external_id == external_id);
    let find = || {
        channel_accounts::Entity::find()
            .filter(channel_accounts::Column::Channel.eq(channel))
            .filter(channel_accounts::Column::ExternalId.eq(external_id))
    };
    let now = Utc::now();
    let row = match find().one(conn).await? {
        Some(row) => row,
        None => {
            let (access, refresh, unit) = match (&account, channel) {
                (Some(a), _) => (
                    a.access_token.clone(),
                    a.refresh_token.clone(),
                    a.unit_code.clone(),
                ),
                (None, Channel::Zalo) => (
                    settings.zalo.access_token.clone(),
                    settings.zalo.refresh_token.clone(),
                    None,
                ),
                (None, _) => (String::new(), String::new(), None),
            };
            let row = channel_accounts::ActiveModel {
                channel: Set(channel),
                external_id: Set(external_id.to_owned()),
                name: Set(None),
                unit_code: Set(unit),
                access_token: Set(non_empty(&access)),
                refresh_token: Set(non_empty(&refresh)),
                token_expires_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            };
            // Instances meeting a new OA at once (its first messages in two batches) both insert it: the later
            // one waits for the first to commit and then reads its row, rather than fail its whole run.
            channel_accounts::Entity::insert(row)
                .on_conflict(
                    OnConflict::columns([
                        channel_accounts::Column::Channel,
                        channel_accounts::Column::ExternalId,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(conn)
                .await?;
            find()
                .one(conn)
                .await?
                .ok_or_else(|| DbErr::RecordNotFound(format!("{channel} account {external_id}")))?
        }
    };
    // The owning unit follows the settings (also when another instance inserted the row under older ones).
    match account {
        Some(account) if row.unit_code != account.unit_code => {
            let mut update: channel_accounts::ActiveModel = row.into();
            update.unit_code = Set(account.unit_code);
            update.updated_at = Set(now);
            update.update(conn).await
        }
        _ => Ok(row),
    }
}
