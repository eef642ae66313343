//! The public feedback form (HTML) and its JSON twin `POST /api/v1/feedback`.
pub mod api;
mod page;
mod submission;
mod upload;

pub use api::submit_json;
pub use page::{show_form, submit_form};
pub use submission::{Submission, parse_submission};
