//! Channels and ticket statuses are the entities' stored enums; this adds what only the app knows.
pub use entity::enums::{Channel, TicketStatus};

/// A status as citizens read it.
pub fn status_label(status: TicketStatus, lang: crate::i18n::Lang) -> &'static str {
    use crate::i18n::Lang::*;
    match (status, lang) {
        (TicketStatus::New, Vi) => "Đã tiếp nhận",
        (TicketStatus::New, En) => "Received",
        (TicketStatus::InProgress, Vi) => "Đang xử lý",
        (TicketStatus::InProgress, En) => "In progress",
        (TicketStatus::Resolved, Vi) => "Đã giải quyết",
        (TicketStatus::Resolved, En) => "Resolved",
        (TicketStatus::Closed, Vi) => "Đã đóng",
        (TicketStatus::Closed, En) => "Closed",
        (TicketStatus::Rejected, Vi) => "Không tiếp nhận",
        (TicketStatus::Rejected, En) => "Not accepted",
    }
}
