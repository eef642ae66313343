//! Intake: every channel's citizen message becomes part of a feedback ticket here. The form opens tickets
//! directly; webhook events are stored first and applied by the worker.
mod acknowledgement;
mod bulk;
mod contacts;
pub mod conversation;
mod facebook_events;
mod form_batch;
pub mod form_writer;
pub mod inbound;
pub mod language;
pub mod spooled;
pub mod tickets;
pub mod worker;
mod zalo_events;

pub use tickets::{NewFeedback, Opened, open_form_ticket};
