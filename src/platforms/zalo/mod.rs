//! Zalo Official Account: webhook events in (`webhook`: signature and envelope; `events`: what each means) and
//! the OA API out (`client`: customer-service messages, token refresh).
pub mod client;
pub mod events;
pub mod webhook;

pub use client::{TokenPair, ZaloClient};
pub use events::parse;
