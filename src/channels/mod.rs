//! Where citizens' messages come in: the public web form, Zalo OA and Facebook Page webhooks. Each handler
//! verifies (with the platform's module in `platforms`) and stores; the intake worker turns stored events into
//! tickets.
pub mod facebook;
pub mod form;
pub mod zalo;
