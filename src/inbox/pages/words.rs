//! The inbox's words, Vietnamese first (one term per idea, as `../shared/docs/inbox-ui.md` lists them) and English.
use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::i18n::Lang;

/// (key, Vietnamese, English).
const WORDS: &[(&str, &str, &str)] = &[
    ("app", "Hộp thư phản ánh", "Feedback inbox"),
    ("nav_queue", "Hàng đợi", "Queue"),
    ("nav_reports", "Báo cáo", "Reports"),
    ("logout", "Đăng xuất", "Log out"),
    ("other_lang", "English", "Tiếng Việt"),
    (
        "login_title",
        "Đăng nhập hộp thư phản ánh",
        "Log in to the feedback inbox",
    ),
    ("username", "Tên đăng nhập", "Username"),
    ("password", "Mật khẩu", "Password"),
    ("login_button", "Đăng nhập", "Log in"),
    (
        "login_failed",
        "Sai tên đăng nhập hoặc mật khẩu.",
        "Wrong username or password.",
    ),
    (
        "login_wait",
        "Đăng nhập sai quá nhiều lần. Vui lòng đợi một phút rồi thử lại.",
        "Too many attempts: wait a minute, then try again.",
    ),
    (
        "login_invalid",
        "Tên đăng nhập hoặc mật khẩu quá dài, hoặc có ký tự không hợp lệ.",
        "The username or password is too long or has characters that are not allowed.",
    ),
    (
        "form_expired",
        "Biểu mẫu đã hết hạn. Vui lòng tải lại trang rồi thử lại.",
        "This form has expired. Reload the page and try again.",
    ),
    (
        "unavailable",
        "Hệ thống đang bận, vui lòng thử lại sau ít phút.",
        "The service is busy: try again in a few minutes.",
    ),
    (
        "not_found",
        "Không tìm thấy phản ánh này, hoặc phản ánh thuộc đơn vị khác.",
        "No such ticket, or it belongs to another unit.",
    ),
    ("status_new", "Mới tiếp nhận", "New"),
    ("status_in_progress", "Đang xử lý", "In progress"),
    ("status_resolved", "Đã giải quyết", "Resolved"),
    ("status_closed", "Đã đóng", "Closed"),
    ("status_rejected", "Từ chối", "Rejected"),
    ("triage", "Chờ phân loại", "Triage"),
    (
        "conduct",
        "Khiếu nại về cán bộ",
        "Complaints about officers",
    ),
    ("overdue", "Quá hạn", "Overdue"),
    ("due_soon", "Sắp đến hạn", "Due soon"),
    (
        "not_reached",
        "Chưa liên lạc được công dân",
        "Citizen not reached",
    ),
    ("assigned_me", "Giao cho tôi", "Assigned to me"),
    ("unassigned", "Chưa giao", "Unassigned"),
    ("all", "Tất cả", "All"),
    ("all_units", "Tất cả đơn vị", "All units"),
    ("unit", "Đơn vị", "Unit"),
    ("urgent", "Khẩn", "Urgent"),
    ("channel", "Kênh", "Channel"),
    ("channel_zalo", "Zalo", "Zalo"),
    ("channel_facebook", "Facebook", "Facebook"),
    ("channel_form", "Biểu mẫu web", "Web form"),
    ("legal_track", "Loại đơn", "Legal track"),
    ("track_feedback", "Phản ánh", "Feedback"),
    ("track_citizen_request", "Kiến nghị", "Request"),
    ("track_complaint", "Khiếu nại", "Complaint"),
    ("track_denunciation", "Tố cáo", "Denunciation"),
    ("track_crime_report", "Tin báo tội phạm", "Crime report"),
    (
        "search_label",
        "Tìm theo nội dung (có dấu hoặc không dấu) hoặc mã theo dõi",
        "Search the text (with or without accents) or a tracking code",
    ),
    ("search_button", "Tìm", "Search"),
    ("filter", "Lọc", "Filter"),
    ("clear_filters", "Bỏ lọc", "Clear filters"),
    ("anonymous", "Ẩn danh", "Anonymous"),
    (
        "empty_queue",
        "Không có phản ánh nào ở đây.",
        "No tickets here.",
    ),
    (
        "empty_overdue",
        "Không có phản ánh quá hạn.",
        "No overdue tickets.",
    ),
    (
        "empty_search",
        "Không tìm thấy phản ánh khớp với nội dung tìm kiếm.",
        "No ticket matches the search.",
    ),
    ("tickets_count", "phản ánh", "tickets"),
    ("page_prev", "Trang trước", "Previous page"),
    ("page_next", "Trang sau", "Next page"),
    ("page", "Trang", "Page"),
    ("deadline", "Hạn xử lý", "Deadline"),
    ("legal_basis", "Căn cứ", "Legal basis"),
    ("no_deadline", "Không có hạn", "No deadline"),
    ("received", "Tiếp nhận lúc", "Received"),
    ("resolved_at", "Giải quyết lúc", "Resolved"),
    ("tracking_code", "Mã theo dõi", "Tracking code"),
    ("status", "Trạng thái", "Status"),
    ("assignee", "Người xử lý", "Assignee"),
    ("info", "Thông tin", "Details"),
    ("conversation", "Nội dung trao đổi", "Conversation"),
    ("citizen", "Công dân", "Citizen"),
    ("phone", "Điện thoại", "Phone"),
    ("phone_unverified", "chưa xác minh", "not verified"),
    (
        "earlier_tickets",
        "Phản ánh trước đây của công dân",
        "The citizen's earlier tickets",
    ),
    ("none", "Không có", "None"),
    (
        "also_open",
        "Cũng đang mở phản ánh này",
        "Also viewing this ticket",
    ),
    ("history", "Lịch sử xử lý", "History"),
    ("routing", "Phân công đơn vị", "Routing"),
    ("routing_reasons", "Lý do", "Reasons"),
    ("confidence", "Độ tin cậy", "Confidence"),
    ("suggested", "Gợi ý", "Suggested"),
    (
        "accept_suggestion",
        "Chuyển theo gợi ý",
        "Move as suggested",
    ),
    (
        "accept_reason",
        "Đồng ý với gợi ý phân công của hệ thống",
        "Agreed with the router's suggestion",
    ),
    ("submitted_unit", "Công dân chọn", "Chosen by the citizen"),
    ("reply", "Trả lời công dân", "Reply to the citizen"),
    (
        "reply_hint",
        "Công dân sẽ nhận được nội dung này.",
        "The citizen will receive this.",
    ),
    ("send_reply", "Gửi trả lời", "Send reply"),
    ("note", "Ghi chú nội bộ", "Internal note"),
    (
        "note_hint",
        "Chỉ cán bộ thấy; không bao giờ gửi cho công dân.",
        "Only officers see it; it is never sent to the citizen.",
    ),
    ("save_note", "Lưu ghi chú", "Save note"),
    (
        "window_open_until",
        "còn trả lời được đến",
        "a reply can reach them until",
    ),
    (
        "window_open",
        "Câu trả lời sẽ được gửi qua kênh của công dân.",
        "The reply goes out on the citizen's channel.",
    ),
    (
        "window_form",
        "Câu trả lời hiện trên trang theo dõi của công dân.",
        "The reply shows on the citizen's tracking page.",
    ),
    (
        "window_closed",
        "Không gửi được qua kênh của công dân",
        "Cannot reach the citizen on their channel",
    ),
    (
        "window_closed_hint",
        "Câu trả lời vẫn được lưu và hiện trên trang theo dõi; hãy gọi điện nếu công dân để lại số.",
        "The reply is kept and shown on the tracking page; call the citizen if they left a number.",
    ),
    (
        "stale",
        "Có tin nhắn mới từ công dân trong lúc bạn soạn. Hãy đọc rồi bấm gửi lại.",
        "New messages arrived while you were writing. Read them, then send again.",
    ),
    ("new_message", "mới", "new"),
    ("delivery_pending", "đang chờ gửi", "queued"),
    ("delivery_sending", "đang gửi", "sending"),
    ("delivery_sent", "đã gửi", "sent"),
    ("delivery_delivered", "đã nhận", "delivered"),
    ("delivery_read", "đã xem", "seen"),
    ("delivery_undeliverable", "không gửi được", "not delivered"),
    (
        "delivery_unknown",
        "không rõ đã gửi chưa (không tự gửi lại)",
        "unknown whether sent (not resent automatically)",
    ),
    (
        "delivery_tracking_page",
        "trên trang theo dõi",
        "on the tracking page",
    ),
    (
        "acknowledgement",
        "Tin nhắn xác nhận tự động",
        "Automatic acknowledgement",
    ),
    ("notifications", "Tin nhắn tự động", "Automatic messages"),
    ("location", "Vị trí", "Location"),
    ("map", "Xem bản đồ", "Open the map"),
    ("attachments", "Tệp đính kèm", "Attachments"),
    ("attachment", "Tệp", "File"),
    ("take", "Nhận xử lý", "Take"),
    ("assign", "Giao cho", "Assign"),
    ("unassign", "Bỏ giao", "Unassign"),
    ("reroute", "Chuyển đơn vị", "Move to another unit"),
    ("to_triage", "Trả về chờ phân loại", "Back to triage"),
    ("reason", "Lý do", "Reason"),
    ("reason_required", "bắt buộc", "required"),
    ("move", "Chuyển", "Move"),
    ("actions", "Xử lý", "Actions"),
    ("set_in_progress", "Đang xử lý", "In progress"),
    ("set_resolved", "Đã giải quyết", "Resolved"),
    ("set_closed", "Đóng", "Close"),
    ("set_rejected", "Từ chối", "Reject"),
    ("reopen", "Mở lại", "Reopen"),
    ("reject_reason", "Lý do từ chối", "Reason for rejecting"),
    (
        "done_reply_queued",
        "Đã gửi trả lời qua kênh của công dân.",
        "The reply is on its way on the citizen's channel.",
    ),
    (
        "done_reply_tracking_page",
        "Đã đăng trả lời lên trang theo dõi của công dân.",
        "The reply is on the citizen's tracking page.",
    ),
    (
        "done_reply_undeliverable",
        "Đã lưu trả lời, nhưng không gửi được qua kênh của công dân. Hãy gọi điện nếu có số.",
        "The reply is kept but could not go out on the citizen's channel. Call them if you have a number.",
    ),
    (
        "done_note",
        "Đã lưu ghi chú nội bộ.",
        "Internal note saved.",
    ),
    (
        "done_assigned",
        "Đã cập nhật người xử lý.",
        "Assignee updated.",
    ),
    ("done_status", "Đã cập nhật trạng thái.", "Status updated."),
    ("done_moved", "Đã chuyển phản ánh.", "Ticket moved."),
    (
        "moved_away",
        "Phản ánh đã được chuyển khỏi đơn vị của bạn.",
        "The ticket has moved out of your unit.",
    ),
    ("by", "bởi", "by"),
    ("system", "hệ thống", "system"),
    ("you", "bạn", "you"),
    ("just_now", "vừa xong", "just now"),
    ("minutes_ago", "phút trước", "min ago"),
    ("hours_ago", "giờ trước", "h ago"),
    ("days_ago", "ngày trước", "days ago"),
    ("days_left", "ngày nữa", "days left"),
    ("hours_left", "giờ nữa", "hours left"),
    ("overdue_by", "quá hạn", "overdue by"),
    ("days", "ngày", "days"),
    ("hours", "giờ", "hours"),
    ("back_to_queue", "Về hàng đợi", "Back to the queue"),
    ("original_text", "Nội dung gốc", "As sent"),
    (
        "removed",
        "Công dân đã xóa tin này",
        "Removed by the citizen",
    ),
    ("edited", "đã sửa", "edited"),
    (
        "skip_to_main",
        "Chuyển đến nội dung chính",
        "Skip to the main content",
    ),
    ("error", "Có lỗi", "Something went wrong"),
    ("role_officer", "Cán bộ", "Officer"),
    ("role_supervisor", "Giám sát", "Supervisor"),
    ("role_admin", "Quản trị", "Admin"),
    ("province", "Toàn tỉnh", "Whole province"),
];

/// The words in `lang`, by key.
pub fn words(lang: Lang) -> &'static BTreeMap<&'static str, &'static str> {
    static VI: OnceLock<BTreeMap<&str, &str>> = OnceLock::new();
    static EN: OnceLock<BTreeMap<&str, &str>> = OnceLock::new();
    match lang {
        Lang::Vi => VI.get_or_init(|| WORDS.iter().map(|(k, vi, _)| (*k, *vi)).collect()),
        Lang::En => EN.get_or_init(|| WORDS.iter().map(|(k, _, en)| (*k, *en)).collect()),
    }
}

/// One word, for text built in code.
pub fn word(lang: Lang, key: &str) -> &'static str {
    words(lang).get(key).copied().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_unique_and_has_both_languages() {
        let mut seen = std::collections::HashSet::new();
        for (key, vi, en) in WORDS {
            assert!(seen.insert(key), "{key} twice");
            assert!(
                !vi.is_empty() && !en.is_empty(),
                "{key} is missing a language"
            );
        }
    }
}
