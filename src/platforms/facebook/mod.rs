//! Facebook Page: webhook bodies in (`webhook`: handshake, signature, one stored event per messaging event or
//! change; `events`: what each means) and the Graph API out (`client`: Send API, private and public replies).
pub mod client;
pub mod events;
pub mod webhook;

pub use client::{GraphClient, MessagingType};
pub use events::parse;
