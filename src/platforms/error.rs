//! What went wrong with a send, classified by what to do next: a platform's answer (the clients here), or outbound's
//! own finding of the same kind (a closed window).

#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
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
    /// The request went out but no answer says what became of it (a timeout after sending, a body that broke off
    /// or cannot be read after a success): the citizen may have the message. Never sent again automatically;
    /// the officer sees it and decides.
    #[error("{0}")]
    Unknown(String),
}

/// A transport failure described without its URL: Graph URLs carry the page token in the query.
pub(crate) fn transport(platform: &str, err: reqwest::Error) -> PlatformError {
    let err = err.without_url();
    let what = if err.is_timeout() {
        "did not answer in time".to_owned()
    } else if err.is_connect() {
        "could not be reached".to_owned()
    } else {
        format!("failed: {err}")
    };
    PlatformError::Transient(format!("{platform} {what}"))
}

/// A transport failure of a send: not sent when the connection never opened (retry), otherwise unknown.
pub(crate) fn send_failure(platform: &str, err: reqwest::Error) -> PlatformError {
    if err.is_connect() {
        return transport(platform, err);
    }
    let err = err.without_url();
    let what = if err.is_timeout() {
        "did not answer in time".to_owned()
    } else {
        format!("failed mid-request: {err}")
    };
    PlatformError::Unknown(format!(
        "{platform} {what}; it may have delivered the message, so it is not sent again"
    ))
}

/// A platform's own wording, shortened, for `last_error` (it is shown to officers).
pub(crate) fn platform_words(message: &str) -> String {
    const MAX: usize = 200;
    let message = message.trim();
    if message.chars().count() <= MAX {
        message.to_owned()
    } else {
        let mut short: String = message.chars().take(MAX).collect();
        short.push('…');
        short
    }
}
