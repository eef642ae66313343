//! Officers' sessions: a signed and encrypted cookie naming the officer, and the extractor every officer route
//! takes. The officer is read from the database on each request, so a deactivated account stops at once.
use std::future::Future;
use std::pin::Pin;

use actix_session::config::{CookieContentSecurity, PersistentSession};
use actix_session::storage::CookieSessionStore;
use actix_session::{Session, SessionExt, SessionMiddleware};
use actix_web::cookie::{Key, SameSite, time::Duration};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use sea_orm::EntityTrait;

use entity::officers;

use super::officers::Role;
use crate::config::Settings;
use crate::domain::UnitCode;
use crate::web::{ApiError, AppState};

const COOKIE: &str = "phananh_session";
const OFFICER_ID: &str = "officer_id";
/// A working shift and some: an officer logs in once a day.
const SESSION_HOURS: i64 = 12;

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
        .session_lifecycle(PersistentSession::default().session_ttl(Duration::hours(SESSION_HOURS)))
        .build()
}

/// The logged-in officer.
#[derive(Debug, Clone)]
pub struct Officer {
    pub id: i32,
    pub username: String,
    pub role: Role,
    pub unit_code: Option<UnitCode>,
}

impl Officer {
    /// Supervisors and admins see every unit, the triage queue and the conduct queue.
    pub fn sees_all(&self) -> bool {
        matches!(self.role, Role::Supervisor | Role::Admin)
    }

    /// Whether a ticket held by `unit_code` (None: triage) is this officer's to see.
    pub fn can_see(&self, unit_code: Option<&str>) -> bool {
        self.sees_all()
            || (unit_code.is_some() && unit_code == self.unit_code.as_ref().map(UnitCode::as_str))
    }

    pub fn from_model(model: officers::Model) -> Option<Officer> {
        Some(Officer {
            id: model.id,
            username: model.username,
            role: Role::parse(&model.role)?,
            unit_code: model.unit_code.map(UnitCode::stored),
        })
    }
}

pub fn log_in(session: &Session, officer_id: i32) -> Result<(), ApiError> {
    // A fresh session id at login: a cookie planted before cannot ride into the officer's session.
    session.renew();
    session
        .insert(OFFICER_ID, officer_id)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("cannot write the session: {e}")))
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
            let id = session
                .get::<i32>(OFFICER_ID)
                .ok()
                .flatten()
                .ok_or(LOG_IN)?;
            let state = state.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no app state")))?;
            let model = officers::Entity::find_by_id(id)
                .one(&state.db.read)
                .await?
                .filter(|o| o.active);
            match model.and_then(Officer::from_model) {
                Some(officer) => Ok(officer),
                None => {
                    session.purge();
                    Err(LOG_IN)
                }
            }
        })
    }
}
