//! Where citizens' messages come in: the public web form, Zalo OA and Facebook Page webhooks. Each handler
//! verifies and stores; the intake worker turns stored events into tickets.
pub mod accounts;
pub mod events;
pub mod facebook;
pub mod form;
mod signature;
pub mod zalo;
