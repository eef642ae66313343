//! Officer accounts: roles, units, provinces and argon2id password hashes.
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, SqlErr};
use std::sync::Mutex;
use subtle::ConstantTimeEq;

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
    /// Sees every unit and the triage queue (of their province, if they have one).
    Supervisor,
    /// A supervisor who also manages officers (of their province, if they have one).
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
    #[error("province {code} is not served here (served: {served})")]
    UnknownProvince { code: String, served: String },
    #[error("unit {unit} is in province {unit_province}, not {province}")]
    ProvinceOfAnotherUnit {
        unit: String,
        unit_province: String,
        province: String,
    },
    #[error("you manage the officers of province {0} only")]
    OutsideYourProvince(String),
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

/// Checks `password` against a stored argon2 hash, in constant time. The 19 MiB of working memory come from a
/// small pool and go back to it: allocating them afresh for every attempt fragmented the heap under a login
/// flood (freed blocks were carved up by small allocations, and the process grew past a gigabyte).
pub fn verify_password(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let version = parsed
        .version
        .and_then(|v| Version::try_from(v).ok())
        .unwrap_or_default();
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let hashed = with_memory(params.block_count(), |blocks| {
        argon2.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, blocks)
    });
    hashed.is_ok() && bool::from(out.as_slice().ct_eq(expected.as_bytes()))
}

/// Working memory kept for reuse: at most this many (logins hash a few at once).
const KEPT_MEMORY: usize = 8;
static MEMORY: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

fn with_memory<T>(blocks: usize, hash: impl FnOnce(&mut [Block]) -> T) -> T {
    let kept = MEMORY.lock().unwrap_or_else(|e| e.into_inner()).pop();
    let mut memory = kept
        .filter(|m| m.len() == blocks)
        .unwrap_or_else(|| vec![Block::default(); blocks]);
    let result = hash(&mut memory);
    let mut pool = MEMORY.lock().unwrap_or_else(|e| e.into_inner());
    if pool.len() < KEPT_MEMORY {
        pool.push(memory);
    }
    result
}

/// An officer to add.
pub struct NewOfficer<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub role: Role,
    /// A 2025 unit code; required for role `officer`.
    pub unit: Option<&'a str>,
    /// A served province's code: limits a supervisor or admin to it (an officer's is their unit's).
    pub province: Option<&'a str>,
}

/// Adds an officer without a province of their own (an officer's is their unit's): `add_officer_as`.
pub async fn add_officer(
    db: &Db,
    gazetteer: &Gazetteer,
    username: &str,
    password: &str,
    role: Role,
    unit: Option<&str>,
) -> Result<officers::Model, OfficerError> {
    let new = NewOfficer {
        username,
        password,
        role,
        unit,
        province: None,
    };
    add_officer_as(db, gazetteer, &new, None).await
}

/// Adds an officer, by an admin limited to the province `within` (None: an admin of the whole deployment, or the
/// command line). Such an admin adds officers of that province only: its units' officers, and supervisors and
/// admins limited to it (theirs when none is given).
pub async fn add_officer_as(
    db: &Db,
    gazetteer: &Gazetteer,
    new: &NewOfficer<'_>,
    within: Option<&str>,
) -> Result<officers::Model, OfficerError> {
    let NewOfficer {
        username,
        password,
        role,
        unit,
        province,
    } = *new;
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
        Some(raw) => Some(unit_of(gazetteer, raw)?),
    };
    // An admin with a province makes supervisors and admins of it (an officer's is their unit's).
    let asked = match role {
        Role::Officer => province,
        Role::Supervisor | Role::Admin => province.or(within),
    };
    let province = province_for(gazetteer, role, unit.as_ref(), asked)?;
    within_scope(within, province.as_deref())?;
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
        province_code: Set(province),
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

/// A served unit's code, as typed.
pub(super) fn unit_of(gazetteer: &Gazetteer, raw: &str) -> Result<UnitCode, OfficerError> {
    UnitCode::parse(raw.trim())
        .filter(|code| gazetteer.unit(code.as_str()).is_some())
        .ok_or_else(|| OfficerError::UnknownUnit(raw.to_owned()))
}

/// The province an officer of `role` in `unit` is stored with, given the one asked (`province`, as typed): an
/// officer's is their unit's (another is refused); a supervisor's or admin's is the one asked, which must be
/// served and hold their unit if they have one; None: every province.
pub(super) fn province_for(
    gazetteer: &Gazetteer,
    role: Role,
    unit: Option<&UnitCode>,
    province: Option<&str>,
) -> Result<Option<String>, OfficerError> {
    let province = province.map(str::trim).filter(|p| !p.is_empty());
    let served = gazetteer.served_provinces();
    if let Some(code) = province
        && !served.iter().any(|(served, _)| served == code)
    {
        return Err(OfficerError::UnknownProvince {
            code: code.to_owned(),
            served: served
                .iter()
                .map(|(code, name)| format!("{code} {name}"))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let unit_province = unit
        .and_then(|code| gazetteer.unit(code.as_str()))
        .map(|u| u.province_code.clone());
    if let (Some(unit), Some(unit_province), Some(province)) = (unit, &unit_province, province)
        && unit_province != province
    {
        return Err(OfficerError::ProvinceOfAnotherUnit {
            unit: unit.as_str().to_owned(),
            unit_province: unit_province.clone(),
            province: province.to_owned(),
        });
    }
    Ok(match role {
        Role::Officer => unit_province,
        Role::Supervisor | Role::Admin => province.map(str::to_owned),
    })
}

/// Refuses what an admin limited to `within` may not touch: an officer of another province, or of every one.
pub(super) fn within_scope(
    within: Option<&str>,
    province: Option<&str>,
) -> Result<(), OfficerError> {
    match within {
        Some(mine) if province != Some(mine) => {
            Err(OfficerError::OutsideYourProvince(mine.to_owned()))
        }
        _ => Ok(()),
    }
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

    #[test]
    fn hashes_made_with_other_parameters_verify_too() {
        // Stored by an earlier setting (8 MiB, 3 passes): the pooled 19 MiB memory is not reused for it.
        let params = Params::new(8 * 1024, 3, 1, None).unwrap();
        let salt = SaltString::generate(&mut OsRng);
        let hash = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(b"mat khau cu 2025", &salt)
            .unwrap()
            .to_string();
        assert!(verify_password("mat khau cu 2025", &hash));
        assert!(!verify_password("mat khau cu 2026", &hash));
        assert!(!verify_password(
            "mat khau cu 2025",
            "$argon2id$v=19$garbage"
        ));
        // And the usual ones still, with the pool warm.
        let current = hash_password("correct horse battery").unwrap();
        for _ in 0..3 {
            assert!(verify_password("correct horse battery", &current));
        }
    }
}
