//! What request handlers share, below the features that use it: the app state, the one error type, bodies
//! read within limits, the client's address, CSRF tokens and rate limits. `http` wires handlers to paths.
pub mod body;
mod client;
pub mod csrf;
mod error;
mod rate_limit;
mod state;

pub use client::client_ip;
pub use error::{ApiError, ErrorBody, ErrorDetail};
pub use rate_limit::PerMinute;
pub use state::AppState;
