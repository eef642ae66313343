//! The outbound feature's one error type: what went wrong with a delivery, classified by what to do next. A
//! platform's answer is a `PlatformError` (transient, permanent, token expired or rejected); outbound adds what
//! is its own (the database, the HTTP client) and uses the same classes for what it decides itself.
use sea_orm::DbErr;

use crate::platforms::PlatformError;

#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    #[error(transparent)]
    Platform(#[from] PlatformError),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
}

impl OutboundError {
    /// Retrying cannot help (the citizen is outside the window, the account is gone, ...): undeliverable.
    pub fn permanent(why: impl Into<String>) -> OutboundError {
        PlatformError::Permanent(why.into()).into()
    }

    /// Our credentials are refused and refreshing cannot help: undeliverable, and an alert for operators.
    pub fn token_rejected(why: impl Into<String>) -> OutboundError {
        PlatformError::TokenRejected(why.into()).into()
    }
}
