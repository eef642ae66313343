//! Domain types parsed once where data enters; the core never re-validates strings.
mod channel;
mod contact_details;
mod feedback_text;
mod satisfaction;
mod search_text;
mod tracking_code;
mod unit_code;

pub use channel::{Channel, TicketStatus, status_label};
pub use contact_details::{Email, PersonName, PhoneNumber};
pub use entity::enums::{Direction, OutboxState, Purpose};
pub use feedback_text::{FeedbackText, MAX_FEEDBACK_CHARS};
pub use satisfaction::SatisfactionScore;
pub use search_text::{fold_for_search, terms as search_terms};
pub use tracking_code::TrackingCode;
pub use unit_code::UnitCode;

/// Why a citizen's input was refused, per field, in both languages the service speaks.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: &'static str,
    pub code: &'static str,
    pub vi: &'static str,
    pub en: &'static str,
}

impl FieldError {
    pub fn new(
        field: &'static str,
        code: &'static str,
        vi: &'static str,
        en: &'static str,
    ) -> FieldError {
        FieldError {
            field,
            code,
            vi,
            en,
        }
    }

    pub fn message(&self, lang: crate::i18n::Lang) -> &'static str {
        match lang {
            crate::i18n::Lang::Vi => self.vi,
            crate::i18n::Lang::En => self.en,
        }
    }
}
