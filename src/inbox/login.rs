//! `POST /api/v1/auth/login`, `/logout` and `GET /api/v1/auth/me`. Failed logins are limited per username and
//! per client (`auth.login_rate_limit_per_minute`); only failures count, so an officer who mistypes once and
//! then logs in is not slowed down.
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Deserialize;
use serde_json::json;

use entity::officers;

use super::officers::{hash_password, verify_password};
use super::session::{self, Officer};
use crate::web::{ApiError, AppState, client_ip};

const WINDOW: Duration = Duration::from_secs(60);

/// Failed attempts in the last minute, per key ("user:NAME", "ip:ADDR"). In memory per instance, like the form's
/// limit; several instances each allow the limit.
pub struct FailedLogins {
    per_minute: usize,
    recent: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl FailedLogins {
    pub fn new(per_minute: u32) -> FailedLogins {
        FailedLogins {
            per_minute: per_minute.max(1) as usize,
            recent: Mutex::new(HashMap::new()),
        }
    }

    /// Seconds until `key` may try again, if it is over the limit.
    fn blocked(&self, key: &str, now: Instant) -> Option<u64> {
        let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        let attempts = recent.get(key)?;
        let live = attempts.iter().filter(|t| now - **t < WINDOW).count();
        if live < self.per_minute {
            return None;
        }
        let oldest = attempts.iter().find(|t| now - **t < WINDOW)?;
        Some((WINDOW - (now - *oldest)).as_secs_f64().ceil().max(1.0) as u64)
    }

    fn record(&self, key: String, now: Instant) {
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        let attempts = recent.entry(key).or_default();
        attempts.retain(|t| now - *t < WINDOW);
        attempts.push_back(now);
    }

    fn clear(&self, key: &str) {
        self.recent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }

    /// Forgets keys with no failure in the window.
    pub fn prune(&self) {
        let now = Instant::now();
        self.recent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, attempts| attempts.back().is_some_and(|t| now - *t < WINDOW));
    }
}

#[derive(Deserialize)]
pub struct Credentials {
    username: String,
    password: String,
}

pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    failed_logins: web::Data<FailedLogins>,
    session: Session,
    credentials: web::Json<Credentials>,
) -> Result<HttpResponse, ApiError> {
    let Credentials { username, password } = credentials.into_inner();
    let username = username.trim().to_lowercase();
    let client = client_ip(&req, &state.settings.server.trusted_proxies)
        .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    let keys = [format!("user:{username}"), format!("ip:{client}")];
    let now = Instant::now();
    if let Some(wait) = keys
        .iter()
        .filter_map(|k| failed_logins.blocked(k, now))
        .max()
    {
        metrics::counter!("logins_total", "outcome" => "rate_limited").increment(1);
        return Err(ApiError::RateLimited {
            retry_after_secs: wait,
        });
    }
    let officer = officers::Entity::find()
        .filter(officers::Column::Username.eq(username.clone()))
        .one(&state.db.read)
        .await?;
    // An unknown name costs the same argon2 work as a wrong password, so timing does not tell names apart.
    let hash = officer
        .as_ref()
        .map_or_else(|| dummy_hash().to_owned(), |o| o.password_hash.clone());
    let verified = web::block(move || verify_password(&password, &hash))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let officer = officer
        .filter(|o| verified && o.active)
        .and_then(Officer::from_model);
    let Some(officer) = officer else {
        for key in keys {
            failed_logins.record(key, now);
        }
        metrics::counter!("logins_total", "outcome" => "failed").increment(1);
        return Err(ApiError::Unauthorized("wrong username or password"));
    };
    failed_logins.clear(&keys[0]);
    session::log_in(&session, officer.id)?;
    metrics::counter!("logins_total", "outcome" => "ok").increment(1);
    tracing::info!(officer_id = officer.id, "officer logged in");
    Ok(HttpResponse::Ok().json(me_json(&officer, &state)))
}

pub async fn logout(session: Session) -> HttpResponse {
    session.purge();
    HttpResponse::NoContent().finish()
}

pub async fn me(officer: Officer, state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(me_json(&officer, &state))
}

fn me_json(officer: &Officer, state: &AppState) -> serde_json::Value {
    let unit = officer
        .unit_code
        .as_ref()
        .and_then(|c| state.gazetteer.unit(c.as_str()))
        .map(|u| json!({"code": u.code, "name": u.name}));
    json!({"officer": {
        "id": officer.id,
        "username": officer.username,
        "role": officer.role.as_str(),
        "unit": unit,
    }})
}

/// A valid argon2id hash of a random password, made once, for unknown usernames.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        let password: String = (0..32).map(|_| fastrand_char()).collect();
        hash_password(&password).unwrap_or_default()
    })
}

fn fastrand_char() -> char {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    char::from(b'a' + (OsRng.next_u32() % 26) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failures_within_the_minute_count() {
        let limit = FailedLogins::new(2);
        let t0 = Instant::now();
        assert_eq!(limit.blocked("user:a", t0), None);
        limit.record("user:a".into(), t0);
        assert_eq!(limit.blocked("user:a", t0), None);
        limit.record("user:a".into(), t0 + Duration::from_secs(10));
        assert_eq!(
            limit.blocked("user:a", t0 + Duration::from_secs(20)),
            Some(40)
        );
        assert_eq!(limit.blocked("user:b", t0), None);
        // The first failure leaves the window after a minute.
        assert_eq!(limit.blocked("user:a", t0 + Duration::from_secs(61)), None);
        limit.clear("user:a");
        assert_eq!(limit.blocked("user:a", t0 + Duration::from_secs(20)), None);
    }
}
