//! Officer accounts: roles, units and argon2id password hashes.
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, SqlErr};

use entity::officers;

use crate::db::Db;
use crate::domain::UnitCode;
use crate::routing::Gazetteer;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Sees and acts on their own unit's tickets.
    Officer,
    /// Sees every unit and the triage queue.
    Supervisor,
    /// A supervisor who also manages officers.
    Admin,
}

impl Role {
    pub fn parse(value: &str) -> Option<Role> {
        [Role::Officer, Role::Supervisor, Role::Admin]
            .into_iter()
            .find(|r| r.as_str() == value)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Officer => "officer",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OfficerError {
    #[error("the username must be 3 to 64 letters, digits, '.', '_' or '-'")]
    BadUsername,
    #[error("the password must be at least 10 characters")]
    WeakPassword,
    #[error("an officer needs --unit CODE (a unit of the served province)")]
    UnitRequired,
    #[error("unit {0} is not a unit of the served province")]
    UnknownUnit(String),
    #[error("an officer named {0} already exists")]
    Exists(String),
    #[error("no officer is named {0}")]
    NotFound(String),
    #[error(transparent)]
    Hash(#[from] argon2::password_hash::Error),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

/// argon2id with OWASP's second recommended setting (19 MiB, 2 passes, 1 lane).
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_password(password: &str) -> Result<String, OfficerError> {
    if password.chars().count() < 10 {
        return Err(OfficerError::WeakPassword);
    }
    let salt = SaltString::generate(&mut OsRng);
    Ok(hasher()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Constant-time check inside argon2's verifier.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            hasher()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

pub async fn add_officer(
    db: &Db,
    gazetteer: &Gazetteer,
    username: &str,
    password: &str,
    role: Role,
    unit: Option<&str>,
) -> Result<officers::Model, OfficerError> {
    let valid_name = (3..=64).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !valid_name {
        return Err(OfficerError::BadUsername);
    }
    if role == Role::Officer && unit.is_none() {
        return Err(OfficerError::UnitRequired);
    }
    let unit = match unit {
        None => None,
        Some(raw) => Some(
            UnitCode::parse(raw)
                .filter(|code| gazetteer.unit(code.as_str()).is_some())
                .ok_or_else(|| OfficerError::UnknownUnit(raw.to_owned()))?,
        ),
    };
    let password_hash = hash_password(password)?;
    let username = username.to_lowercase();
    if officers::Entity::find()
        .filter(officers::Column::Username.eq(username.clone()))
        .one(&db.read)
        .await?
        .is_some()
    {
        return Err(OfficerError::Exists(username));
    }
    let now = Utc::now();
    officers::ActiveModel {
        username: Set(username.clone()),
        password_hash: Set(password_hash),
        role: Set(role.as_str().into()),
        unit_code: Set(unit.map(String::from)),
        display_name: Set(None),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&db.write)
    .await
    .map_err(|err| match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => OfficerError::Exists(username),
        _ => OfficerError::Db(err),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterx", &hash));
        assert!(matches!(
            hash_password("short"),
            Err(OfficerError::WeakPassword)
        ));
    }
}
