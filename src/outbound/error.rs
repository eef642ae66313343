//! The outbound feature's one error type: what went wrong with a delivery, classified by what to do next.
use sea_orm::DbErr;

use crate::platforms::PlatformError;

#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    /// Worth another attempt later: timeouts, 5xx, rate limits.
    #[error("{0}")]
    Transient(String),
    /// Retrying cannot help (the citizen is outside the window, blocked the account, ...): undeliverable.
    #[error("{0}")]
    Permanent(String),
    /// Zalo says the OA's access token is invalid or expired: refresh once, then retry once.
    #[error("{0}")]
    TokenExpired(String),
    /// The platform refuses our credentials and refreshing cannot help: undeliverable, and an alert for operators.
    #[error("{0}")]
    TokenRejected(String),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
}

impl From<PlatformError> for OutboundError {
    fn from(err: PlatformError) -> Self {
        match err {
            PlatformError::Transient(why) => OutboundError::Transient(why),
            PlatformError::Permanent(why) => OutboundError::Permanent(why),
            PlatformError::TokenExpired(why) => OutboundError::TokenExpired(why),
            PlatformError::TokenRejected(why) => OutboundError::TokenRejected(why),
        }
    }
}
