//! Officers' sessions, kept on the server (`officer_sessions`): the signed and encrypted cookie carries only a
//! random token, whose hash names a row. Logging out or disabling an officer ends the row, so a copied cookie
//! stops working everywhere; a session also ends after `auth.session_idle_minutes` without a request and after
//! `auth.session_max_hours`. The extractor every officer route takes checks the row and the officer on each
//! request, so a deactivated account stops at once.
use std::future::Future;
use std::pin::Pin;

use actix_session::config::{CookieContentSecurity, PersistentSession};
use actix_session::storage::CookieSessionStore;
use actix_session::{Session, SessionExt, SessionMiddleware};
use actix_web::cookie::{Key, SameSite, time::Duration};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use chrono::{DateTime, Utc};
use rand::Rng;
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    Set,
};
use sha2::{Digest, Sha256};

use entity::{officer_sessions, officers, tickets};

use super::officers::Role;
use crate::config::{AuthSettings, Settings};
use crate::db::Db;
use crate::domain::UnitCode;
use crate::web::{ApiError, AppState};

pub const COOKIE: &str = "phananh_session";
const TOKEN: &str = "session_token";
/// How stale `last_seen_at` may be before a request writes it again: idle expiry to the minute, without a write
/// on every request.
const TOUCH_AFTER_SECS: i64 = 60;

/// `auth.session_key` (hex, at least 64 bytes) or, when empty, a key drawn at start: sessions then end with the
/// process, and several instances behind one address need the setting.
pub fn key(settings: &Settings) -> Key {
    match hex::decode(settings.auth.session_key.trim()) {
        Ok(bytes) if bytes.len() >= 64 => Key::from(&bytes),
        _ => Key::generate(),
    }
}

/// Built per server worker, all with the same `key`.
pub fn middleware(settings: &Settings, key: Key) -> SessionMiddleware<CookieSessionStore> {
    SessionMiddleware::builder(CookieSessionStore::default(), key)
        .cookie_name(COOKIE.into())
        .cookie_http_only(true)
        // Strict: a cross-site request never carries the session, which with JSON-only bodies is the CSRF guard
        // of the officers' API.
        .cookie_same_site(SameSite::Strict)
        .cookie_secure(settings.server.public_url.starts_with("https://"))
        .cookie_content_security(CookieContentSecurity::Private)
        .session_lifecycle(
            PersistentSession::default()
                .session_ttl(Duration::hours(i64::from(settings.auth.session_max_hours))),
        )
        .build()
}

/// The logged-in officer, read afresh from `officers` on every request: a new role, unit or province applies at
/// once.
#[derive(Debug, Clone)]
pub struct Officer {
    pub id: i32,
    pub username: String,
    pub role: Role,
    pub unit_code: Option<UnitCode>,
    /// The province a supervisor or admin is limited to; None: every province served. An officer's is their
    /// unit's (they see their unit's tickets only, whatever it says).
    pub province_code: Option<String>,
}

impl Officer {
    /// Supervisors and admins see every unit (of their province, if they have one), the triage queue and the
    /// conduct queue.
    pub fn sees_all(&self) -> bool {
        matches!(self.role, Role::Supervisor | Role::Admin)
    }

    /// The province a supervisor or admin is limited to; None for officers (their unit limits them) and for
    /// supervisors and admins of every province.
    pub fn province(&self) -> Option<&str> {
        self.province_code.as_deref().filter(|_| self.sees_all())
    }

    /// Whether a ticket held by `unit_code` (None: triage) and filed under `province_code` is this officer's to
    /// see: their unit's; for a supervisor or admin with a province, that province's (its units' and its triage
    /// tickets'); for one without, any.
    pub fn can_see(&self, unit_code: Option<&str>, province_code: Option<&str>) -> bool {
        if !self.sees_all() {
            return unit_code.is_some()
                && unit_code == self.unit_code.as_ref().map(UnitCode::as_str);
        }
        self.province()
            .is_none_or(|mine| province_code == Some(mine))
    }

    /// `can_see` for a ticket's row.
    pub fn can_see_ticket(&self, ticket: &tickets::Model) -> bool {
        self.can_see(ticket.unit_code.as_deref(), ticket.province_code.as_deref())
    }

    /// The tickets this officer sees, as a condition on `tickets` that every queue, count and report adds (None:
    /// every ticket): the unit's, or the province's (`tickets.province_code` is its unit's, so one indexed column
    /// says both).
    pub fn ticket_scope(&self) -> Option<SimpleExpr> {
        if !self.sees_all() {
            return Some(tickets::Column::UnitCode.eq(self.unit_code.clone().map(String::from)));
        }
        self.province()
            .map(|province| tickets::Column::ProvinceCode.eq(province))
    }

    pub fn from_model(model: officers::Model) -> Option<Officer> {
        Some(Officer {
            id: model.id,
            username: model.username,
            role: Role::parse(&model.role)?,
            unit_code: model.unit_code.map(UnitCode::stored),
            province_code: model.province_code,
        })
    }
}

/// Starts a session for `officer_id`: a new row, and its token in a renewed cookie (a cookie planted before
/// cannot ride into the officer's session).
pub async fn log_in(session: &Session, db: &Db, officer_id: i32) -> Result<(), ApiError> {
    let token = hex::encode(rand::rng().random::<[u8; 32]>());
    let now = Utc::now();
    officer_sessions::Entity::insert(officer_sessions::ActiveModel {
        id: NotSet,
        token_hash: Set(token_hash(&token)),
        officer_id: Set(officer_id),
        created_at: Set(now),
        last_seen_at: Set(now),
        ended_at: Set(None),
        end_reason: Set(None),
    })
    .exec(&db.write)
    .await?;
    session.renew();
    session
        .insert(TOKEN, token)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("cannot write the session: {e}")))
}

/// Ends the session the cookie names (on the server) and clears the cookie.
pub async fn log_out(session: &Session, db: &Db) -> Result<(), DbErr> {
    if let Ok(Some(token)) = session.get::<String>(TOKEN) {
        let which = officer_sessions::Column::TokenHash.eq(token_hash(&token));
        end(&db.write, which, "logout").await?;
    }
    session.purge();
    Ok(())
}

/// Ends every session of an officer: disabled, or a new password.
pub async fn end_all(
    db: &impl ConnectionTrait,
    officer_id: i32,
    reason: &str,
) -> Result<u64, DbErr> {
    end(
        db,
        officer_sessions::Column::OfficerId.eq(officer_id),
        reason,
    )
    .await
}

async fn end(
    db: &impl ConnectionTrait,
    which: sea_orm::sea_query::SimpleExpr,
    reason: &str,
) -> Result<u64, DbErr> {
    Ok(officer_sessions::Entity::update_many()
        .col_expr(officer_sessions::Column::EndedAt, Expr::value(Utc::now()))
        .col_expr(officer_sessions::Column::EndReason, Expr::value(reason))
        .filter(which)
        .filter(officer_sessions::Column::EndedAt.is_null())
        .exec(db)
        .await?
        .rows_affected)
}

/// Deletes sessions that ended or expired more than a day ago (kept that long for the audit of who was in).
pub async fn prune(db: &Db, auth: &AuthSettings) -> Result<u64, DbErr> {
    let day = chrono::Duration::days(1);
    let now = Utc::now();
    Ok(officer_sessions::Entity::delete_many()
        .filter(
            Condition::any()
                .add(officer_sessions::Column::EndedAt.lt(now - day))
                .add(officer_sessions::Column::LastSeenAt.lt(now - idle(auth) - day))
                .add(officer_sessions::Column::CreatedAt.lt(now - max_age(auth) - day)),
        )
        .exec(&db.write)
        .await?
        .rows_affected)
}

fn idle(auth: &AuthSettings) -> chrono::Duration {
    chrono::Duration::minutes(i64::from(auth.session_idle_minutes))
}

fn max_age(auth: &AuthSettings) -> chrono::Duration {
    chrono::Duration::hours(i64::from(auth.session_max_hours))
}

/// Only the hash is stored: whoever reads the table cannot use a session.
fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether a session row is still live at `now`.
fn live(row: &officer_sessions::Model, auth: &AuthSettings, now: DateTime<Utc>) -> bool {
    row.ended_at.is_none()
        && now - row.last_seen_at < idle(auth)
        && now - row.created_at < max_age(auth)
}

/// The officer of a live session, with its last request time brought up to date.
async fn officer_of(state: &AppState, token: &str) -> Result<Option<Officer>, ApiError> {
    let now = Utc::now();
    let Some(row) = officer_sessions::Entity::find()
        .filter(officer_sessions::Column::TokenHash.eq(token_hash(token)))
        .one(&state.db.read)
        .await?
        .filter(|row| live(row, &state.settings.auth, now))
    else {
        return Ok(None);
    };
    let officer = officers::Entity::find_by_id(row.officer_id)
        .one(&state.db.read)
        .await?
        .filter(|o| o.active)
        .and_then(Officer::from_model);
    if officer.is_some() && (now - row.last_seen_at).num_seconds() >= TOUCH_AFTER_SECS {
        officer_sessions::Entity::update_many()
            .col_expr(officer_sessions::Column::LastSeenAt, Expr::value(now))
            .filter(officer_sessions::Column::Id.eq(row.id))
            .filter(officer_sessions::Column::EndedAt.is_null())
            .exec(&state.db.write)
            .await?;
    }
    Ok(officer)
}

impl FromRequest for Officer {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Officer, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            const LOG_IN: ApiError =
                ApiError::Unauthorized("log in first: POST /api/v1/auth/login");
            let token = session.get::<String>(TOKEN).ok().flatten().ok_or(LOG_IN)?;
            let state = state.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no app state")))?;
            match officer_of(&state, &token).await? {
                Some(officer) => Ok(officer),
                None => {
                    session.purge();
                    Err(LOG_IN)
                }
            }
        })
    }
}
