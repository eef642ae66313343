//! Intake: every channel's citizen message becomes part of a feedback ticket here.
pub mod language;
pub mod tickets;

pub use tickets::{NewFeedback, Opened, open_form_ticket};
