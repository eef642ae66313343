//! Plain sea-orm models of the tables created by `migration`; behaviour lives in the app crate.
pub mod app_secrets;
pub mod audit_log;
pub mod channel_accounts;
pub mod contact_identities;
pub mod contacts;
pub mod enums;
pub mod inbound_events;
pub mod officer_sessions;
pub mod officers;
pub mod outbox;
pub mod routing_decisions;
pub mod survey_ratings;
pub mod ticket_messages;
pub mod ticket_notes;
pub mod tickets;
pub mod unit_successions;
pub mod units;
