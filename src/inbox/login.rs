//! `POST /api/v1/auth/login`, `/logout` and `GET /api/v1/auth/me`.
//!
//! Guessing is bounded without letting a stranger lock an officer out: failures count per (username, client)
//! pair and per client (`auth.login_rate_limit_per_minute`, beyond it 429), and per username from all clients
//! (`auth.login_failures_per_username_per_hour`, beyond it each attempt waits longer, never refused: the right
//! password from the officer's own phone still gets in). An attempt is counted before its password is hashed, so
//! parallel attempts cannot all slip under the limit, and only a few hashes (19 MiB of argon2 memory each) run at
//! once. Only failures stay counted: an officer who mistypes once and then logs in is not slowed down.
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use utoipa::ToSchema;

use entity::officers;

use super::officers::{hash_password, verify_password};
use super::session::{self, Officer};
use super::tickets::UnitRef;
use crate::config::AuthSettings;
use crate::web::{ApiError, AppState, ErrorBody, client_ip};

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);
/// Password hashes at once: argon2 takes 19 MiB each, and a flood must not take the process's memory with it.
const HASHES_AT_ONCE: usize = 4;
/// Usernames whose hourly failures are tracked at most: past it new names go uncounted rather than growing memory
/// (the per-client limits still hold).
const MAX_TRACKED_USERNAMES: usize = 10_000;
/// Longest accepted: real names and passwords are far shorter, and nothing longer is hashed.
const MAX_USERNAME_CHARS: usize = 64;
const MAX_PASSWORD_BYTES: usize = 256;
/// Extra wait per failure beyond the hourly limit, and its ceiling.
const SLOWDOWN_STEP: Duration = Duration::from_millis(250);
const SLOWDOWN_MAX: Duration = Duration::from_secs(4);

/// Recent failed attempts, in memory per instance like the form's limit (several instances each allow it).
pub struct FailedLogins {
    per_minute: usize,
    per_username_hour: usize,
    /// "pair:NAME@CLIENT" and "client:CLIENT" -> attempts in the last minute.
    recent: Mutex<HashMap<String, VecDeque<Instant>>>,
    /// Username -> failures in the last hour.
    hourly: Mutex<HashMap<String, VecDeque<Instant>>>,
    hashing: Semaphore,
}

/// An attempt counted before its password is checked; `succeeded` takes it back.
struct Attempt {
    keys: [String; 2],
    at: Instant,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn live(attempts: &VecDeque<Instant>, now: Instant, window: Duration) -> usize {
    attempts.iter().filter(|t| now - **t < window).count()
}

impl FailedLogins {
    pub fn new(auth: &AuthSettings) -> FailedLogins {
        FailedLogins {
            per_minute: auth.login_rate_limit_per_minute.max(1) as usize,
            per_username_hour: auth.login_failures_per_username_per_hour.max(1) as usize,
            recent: Mutex::new(HashMap::new()),
            hourly: Mutex::new(HashMap::new()),
            hashing: Semaphore::new(HASHES_AT_ONCE),
        }
    }

    /// Counts an attempt of `username` from `client`, or says how many seconds to wait when the pair or the client
    /// is at the limit. Checked and counted under one lock: parallel attempts see each other.
    fn begin(&self, username: &str, client: &str, now: Instant) -> Result<Attempt, u64> {
        let keys = [
            format!("pair:{username}@{client}"),
            format!("client:{client}"),
        ];
        let mut recent = lock(&self.recent);
        let wait = keys
            .iter()
            .filter_map(|key| {
                let attempts = recent.get(key)?;
                if live(attempts, now, MINUTE) < self.per_minute {
                    return None;
                }
                let oldest = attempts.iter().find(|t| now - **t < MINUTE)?;
                Some((MINUTE - (now - *oldest)).as_secs_f64().ceil().max(1.0) as u64)
            })
            .max();
        if let Some(wait) = wait {
            return Err(wait);
        }
        for key in &keys {
            let attempts = recent.entry(key.clone()).or_default();
            attempts.retain(|t| now - *t < MINUTE);
            attempts.push_back(now);
        }
        Ok(Attempt { keys, at: now })
    }

    /// The attempt got in: the pair's failures are forgotten, and this attempt no longer counts for the client.
    fn succeeded(&self, attempt: Attempt) {
        let mut recent = lock(&self.recent);
        recent.remove(&attempt.keys[0]);
        if let Some(attempts) = recent.get_mut(&attempt.keys[1])
            && let Some(index) = attempts.iter().position(|t| *t == attempt.at)
        {
            attempts.remove(index);
        }
    }

    /// A failure for `username`, counted across clients for the hour.
    fn failed(&self, username: &str, now: Instant) {
        let mut hourly = lock(&self.hourly);
        if hourly.len() >= MAX_TRACKED_USERNAMES && !hourly.contains_key(username) {
            return;
        }
        let failures = hourly.entry(username.to_owned()).or_default();
        failures.retain(|t| now - *t < HOUR);
        failures.push_back(now);
    }

    /// How long an attempt for `username` waits first: nothing up to the hourly limit, then longer with each
    /// failure beyond it, up to `SLOWDOWN_MAX`.
    fn slowdown(&self, username: &str, now: Instant) -> Duration {
        let hourly = lock(&self.hourly);
        let failures = hourly.get(username).map_or(0, |f| live(f, now, HOUR));
        let beyond = failures.saturating_sub(self.per_username_hour.saturating_sub(1));
        SLOWDOWN_STEP
            .saturating_mul(u32::try_from(beyond).unwrap_or(u32::MAX))
            .min(SLOWDOWN_MAX)
    }

    /// Forgets keys with no attempt in their window.
    pub fn prune(&self) {
        let now = Instant::now();
        lock(&self.recent).retain(|_, attempts| attempts.back().is_some_and(|t| now - *t < MINUTE));
        lock(&self.hourly).retain(|_, failures| failures.back().is_some_and(|t| now - *t < HOUR));
    }
}

#[derive(Deserialize, ToSchema)]
pub struct Credentials {
    /// At most 64 characters.
    username: String,
    /// At most 256 bytes.
    #[schema(format = Password)]
    password: String,
}

/// The officer logged in.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub officer: OfficerView,
}

#[derive(Serialize, ToSchema)]
pub struct OfficerView {
    pub id: i32,
    pub username: String,
    /// `officer` (one unit), `supervisor` (the whole province) or `admin` (also manages officers).
    pub role: String,
    pub unit: Option<UnitRef>,
    /// The 2025 province a supervisor or admin sees and manages; null: every province served. An officer's is
    /// their unit's.
    pub province_code: Option<String>,
}

/// Log in: the answer sets the session cookie the other inbox calls need.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    request_body = Credentials,
    responses(
        (status = 200, description = "Logged in; the session cookie is set", body = Me),
        (status = 400, description = "The body is not valid JSON of this shape, or too long a name or password", body = ErrorBody),
        (status = 401, description = "Wrong username or password", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 429, description = "Too many attempts from this client; see Retry-After", body = ErrorBody),
        (status = 503, description = "The database is unavailable for a moment", body = ErrorBody),
    )
)]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    failed_logins: web::Data<FailedLogins>,
    session: Session,
    credentials: web::Json<Credentials>,
) -> Result<HttpResponse, ApiError> {
    let Credentials { username, password } = credentials.into_inner();
    let officer = log_in(&req, &state, &failed_logins, &session, &username, password).await?;
    Ok(HttpResponse::Ok().json(me_json(&officer, &state)))
}

/// Checks the credentials within the limits and starts a session (the API and the login page).
pub async fn log_in(
    req: &HttpRequest,
    state: &AppState,
    failed_logins: &FailedLogins,
    session: &Session,
    username: &str,
    password: String,
) -> Result<Officer, ApiError> {
    let username = username.trim().to_lowercase();
    if username.chars().count() > MAX_USERNAME_CHARS || password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::BadRequest(format!(
            "the username is at most {MAX_USERNAME_CHARS} characters and the password at most {MAX_PASSWORD_BYTES} bytes"
        )));
    }
    // No username has them, and PostgreSQL refuses a NUL in text.
    if username.chars().any(char::is_control) {
        return Err(ApiError::BadRequest(
            "the username has control characters".into(),
        ));
    }
    let client = client_ip(req, &state.settings.server.trusted_proxies)
        .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    let attempt = match failed_logins.begin(&username, &client, Instant::now()) {
        Ok(attempt) => attempt,
        Err(wait) => {
            metrics::counter!("logins_total", "outcome" => "rate_limited").increment(1);
            return Err(ApiError::RateLimited {
                retry_after_secs: wait,
            });
        }
    };
    let slowdown = failed_logins.slowdown(&username, Instant::now());
    if !slowdown.is_zero() {
        metrics::counter!("logins_total", "outcome" => "slowed").increment(1);
        tokio::time::sleep(slowdown).await;
    }
    let officer = officers::Entity::find()
        .filter(officers::Column::Username.eq(username.clone()))
        .one(&state.db.read)
        .await?;
    // An unknown name costs the same argon2 work as a wrong password, so timing does not tell names apart.
    let hash = officer
        .as_ref()
        .map_or_else(|| dummy_hash().to_owned(), |o| o.password_hash.clone());
    let verified = {
        let _permit = failed_logins
            .hashing
            .acquire()
            .await
            .map_err(|e| ApiError::Internal(e.into()))?;
        web::block(move || verify_password(&password, &hash))
            .await
            .map_err(|e| ApiError::Internal(e.into()))?
    };
    let officer = officer
        .filter(|o| verified && o.active)
        .and_then(Officer::from_model);
    let Some(officer) = officer else {
        failed_logins.failed(&username, Instant::now());
        metrics::counter!("logins_total", "outcome" => "failed").increment(1);
        return Err(ApiError::Unauthorized("wrong username or password"));
    };
    failed_logins.succeeded(attempt);
    session::log_in(session, &state.db, officer.id).await?;
    metrics::counter!("logins_total", "outcome" => "ok").increment(1);
    tracing::info!(officer_id = officer.id, "officer logged in");
    Ok(officer)
}

/// Ends the session on the server: the cookie, even if kept, opens nothing afterwards.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "auth",
    responses(
        (status = 204, description = "Logged out (also when not logged in)"),
        (status = 503, description = "The database is unavailable for a moment", body = ErrorBody),
    )
)]
pub async fn logout(
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    session::log_out(&session, &state.db).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    get,
    path = "/api/v1/auth/me",
    tag = "auth",
    security(("session" = [])),
    responses(
        (status = 200, description = "The officer of this session", body = Me),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 503, description = "The database is unavailable for a moment", body = ErrorBody),
    )
)]
pub async fn me(officer: Officer, state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(me_json(&officer, &state))
}

fn me_json(officer: &Officer, state: &AppState) -> Me {
    Me {
        officer: OfficerView {
            id: officer.id,
            username: officer.username.clone(),
            role: officer.role.as_str().to_owned(),
            unit: officer
                .unit_code
                .as_ref()
                .and_then(|c| state.gazetteer.unit(c.as_str()))
                .map(|u| UnitRef {
                    code: u.code.clone(),
                    name: Some(u.name.clone()),
                }),
            province_code: officer.province_code.clone(),
        },
    }
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

    fn limits(per_minute: u32, per_hour: u32) -> FailedLogins {
        FailedLogins::new(&AuthSettings {
            login_rate_limit_per_minute: per_minute,
            login_failures_per_username_per_hour: per_hour,
            session_key: String::new(),
            session_idle_minutes: 120,
            session_max_hours: 12,
        })
    }

    #[test]
    fn a_pair_and_a_client_are_limited_but_the_same_name_from_elsewhere_is_not() {
        let limit = limits(2, 50);
        let t0 = Instant::now();
        assert!(limit.begin("an", "198.51.100.1", t0).is_ok());
        assert!(
            limit
                .begin("an", "198.51.100.1", t0 + Duration::from_secs(10))
                .is_ok()
        );
        assert_eq!(
            limit
                .begin("an", "198.51.100.1", t0 + Duration::from_secs(20))
                .err(),
            Some(40)
        );
        // The officer at another address is not locked out by a stranger's guesses.
        assert!(
            limit
                .begin("an", "203.0.113.5", t0 + Duration::from_secs(20))
                .is_ok()
        );
        // The client at the limit cannot move on to other names.
        assert!(
            limit
                .begin("binh", "198.51.100.1", t0 + Duration::from_secs(20))
                .is_err()
        );
        // The first attempt leaves the window after a minute.
        assert!(
            limit
                .begin("an", "198.51.100.1", t0 + Duration::from_secs(61))
                .is_ok()
        );
    }

    #[test]
    fn a_success_takes_its_attempt_back() {
        let limit = limits(2, 50);
        let t0 = Instant::now();
        let failed = limit.begin("an", "c", t0).unwrap();
        drop(failed);
        let ok = limit.begin("an", "c", t0 + Duration::from_secs(1)).unwrap();
        limit.succeeded(ok);
        assert!(limit.begin("an", "c", t0 + Duration::from_secs(2)).is_ok());
    }

    #[test]
    fn failures_beyond_the_hourly_limit_slow_a_name_down_up_to_the_ceiling() {
        let limit = limits(5, 3);
        let t0 = Instant::now();
        for _ in 0..2 {
            limit.failed("an", t0);
        }
        assert_eq!(limit.slowdown("an", t0), Duration::ZERO);
        limit.failed("an", t0);
        assert_eq!(limit.slowdown("an", t0), SLOWDOWN_STEP);
        for _ in 0..100 {
            limit.failed("an", t0);
        }
        assert_eq!(limit.slowdown("an", t0), SLOWDOWN_MAX);
        assert_eq!(limit.slowdown("binh", t0), Duration::ZERO);
        assert_eq!(limit.slowdown("an", t0 + HOUR), Duration::ZERO);
    }
}
