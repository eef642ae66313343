//! Vietnamese first, English on request: the words citizens and officers read.
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    /// `?lang=en` picks English; anything else is Vietnamese.
    pub fn from_query(value: Option<&str>) -> Lang {
        match value {
            Some(v) if v.eq_ignore_ascii_case("en") => Lang::En,
            _ => Lang::Vi,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }
}

/// (key, Vietnamese, English) for the public pages.
const TEXTS: &[(&str, &str, &str)] = &[
    (
        "site_title",
        "Phản ánh, kiến nghị gửi Công an xã, phường",
        "Feedback to commune and ward police",
    ),
    (
        "form_title",
        "Gửi phản ánh, kiến nghị",
        "Send feedback or a request",
    ),
    (
        "form_intro",
        "Công an xã, phường tiếp nhận phản ánh về cư trú, căn cước, đăng ký xe, an ninh trật tự và thái độ phục vụ. Bạn sẽ nhận mã theo dõi để xem kết quả.",
        "Commune and ward police take feedback on residence, ID cards, vehicle registration, public order and the conduct of officers. You will get a tracking code to follow your case.",
    ),
    (
        "emergency",
        "Trường hợp khẩn cấp hãy gọi ngay 113 (công an), 114 (cứu hỏa), 115 (cấp cứu).",
        "In an emergency call 113 (police), 114 (fire) or 115 (ambulance) now.",
    ),
    ("text_label", "Nội dung phản ánh", "Your feedback"),
    (
        "text_hint",
        "Tối đa 5.000 ký tự. Xin ghi rõ nơi xảy ra sự việc (thôn, xã, phường).",
        "Up to 5,000 characters. Please say where it happened (village, commune, ward).",
    ),
    (
        "unit_label",
        "Công an xã, phường tiếp nhận",
        "Police unit (commune or ward)",
    ),
    (
        "unit_search",
        "Tìm theo tên, có dấu hoặc không dấu",
        "Search by name, with or without accents",
    ),
    (
        "unit_unknown",
        "Không rõ, để cán bộ chuyển đến đúng nơi",
        "Not sure: officers will forward it",
    ),
    (
        "name_label",
        "Họ và tên (không bắt buộc)",
        "Your name (optional)",
    ),
    (
        "phone_label",
        "Số điện thoại (không bắt buộc)",
        "Phone number (optional)",
    ),
    ("email_label", "Email (không bắt buộc)", "E-mail (optional)"),
    (
        "location_label",
        "Vị trí (không bắt buộc)",
        "Location (optional)",
    ),
    (
        "file_label",
        "Ảnh, ghi âm, video hoặc giấy tờ (không bắt buộc)",
        "Photos, recordings, videos or documents (optional)",
    ),
    (
        "file_hint",
        "Tối đa 5 tệp, mỗi tệp đến 25 MB: ảnh JPEG, PNG, WebP, HEIC; PDF; video MP4; ghi âm M4A/AAC. Vị trí trong ảnh chỉ cán bộ xử lý được xem.",
        "Up to 5 files of up to 25 MB each: JPEG, PNG, WebP or HEIC photos; PDF; MP4 videos; M4A/AAC recordings. Only the officers handling your case see where a photo was taken.",
    ),
    (
        "location_button",
        "Dùng vị trí hiện tại",
        "Use my current location",
    ),
    (
        "privacy",
        "Họ tên, số điện thoại và email chỉ cán bộ xử lý được xem; trang theo dõi không hiển thị các thông tin này.",
        "Only the officers handling your case see your name, phone and e-mail; the tracking page never shows them.",
    ),
    ("submit", "Gửi phản ánh", "Send"),
    (
        "errors_title",
        "Vui lòng sửa các mục được đánh dấu.",
        "Please correct the fields marked below.",
    ),
    (
        "csrf_expired",
        "Biểu mẫu đã hết hạn, vui lòng bấm Gửi lại.",
        "The form expired; please press Send again.",
    ),
    ("track_title", "Theo dõi phản ánh", "Track your feedback"),
    ("track_code", "Mã theo dõi", "Tracking code"),
    (
        "track_keep",
        "Hãy lưu mã này để theo dõi kết quả.",
        "Keep this code to follow your case.",
    ),
    ("track_status", "Trạng thái", "Status"),
    ("track_unit", "Đơn vị xử lý", "Handled by"),
    (
        "track_unit_pending",
        "Đang xác định đơn vị xử lý",
        "Being assigned to a unit",
    ),
    ("track_created", "Ngày gửi", "Sent on"),
    ("track_replies", "Trả lời", "Replies"),
    ("track_no_replies", "Chưa có trả lời.", "No reply yet."),
    ("not_found_title", "Không tìm thấy", "Not found"),
    (
        "not_found",
        "Không tìm thấy phản ánh với mã này. Vui lòng kiểm tra lại mã theo dõi.",
        "No feedback has this code. Please check the tracking code.",
    ),
    ("thanks_title", "Đã nhận", "Received"),
    (
        "thanks",
        "Cảm ơn bạn đã gửi phản ánh.",
        "Thank you for your feedback.",
    ),
    (
        "rate_limited",
        "Bạn gửi quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau ít phút.",
        "Too many submissions in a short time. Please try again in a few minutes.",
    ),
    (
        "survey_title",
        "Đánh giá mức độ hài lòng",
        "How satisfied are you?",
    ),
    ("survey_about", "Phản ánh", "Feedback"),
    (
        "survey_score",
        "Bạn hài lòng với cách giải quyết đến đâu?",
        "How satisfied are you with how it was handled?",
    ),
    ("score_5", "Rất hài lòng", "Very satisfied"),
    ("score_4", "Hài lòng", "Satisfied"),
    ("score_3", "Bình thường", "Neither"),
    ("score_2", "Không hài lòng", "Dissatisfied"),
    ("score_2_three", "Chưa hài lòng", "Not satisfied"),
    ("score_1", "Rất không hài lòng", "Very dissatisfied"),
    (
        "survey_solved",
        "Vấn đề của bạn đã được giải quyết chưa? (không bắt buộc)",
        "Was your problem solved? (optional)",
    ),
    ("solved_yes", "Đã được giải quyết", "Yes"),
    ("solved_no", "Chưa được giải quyết", "Not yet"),
    (
        "survey_comment",
        "Góp ý thêm (không bắt buộc)",
        "Anything to add (optional)",
    ),
    (
        "survey_comment_hint",
        "Không cần ghi họ tên, số điện thoại.",
        "No need to give your name or phone number.",
    ),
    ("survey_submit", "Gửi đánh giá", "Send"),
    (
        "survey_answered",
        "Bạn đã đánh giá. Bạn có thể gửi lại để thay đổi.",
        "You have answered. You can send again to change your answer.",
    ),
    (
        "survey_thanks",
        "Cảm ơn bạn đã đánh giá!",
        "Thank you for your answer!",
    ),
    (
        "survey_reopened",
        "Cảm ơn bạn đã cho biết. Phản ánh của bạn đã được mở lại; công an sẽ tiếp tục xử lý và liên hệ lại với bạn.",
        "Thank you for telling us. Your feedback is open again: the police will look into it again and get back to you.",
    ),
    (
        "survey_need_score",
        "Vui lòng chọn một mức.",
        "Please choose a level.",
    ),
    (
        "survey_comment_long",
        "Góp ý tối đa 1.000 ký tự.",
        "Please keep it to 1,000 characters.",
    ),
    (
        "survey_gone",
        "Liên kết đánh giá không còn hiệu lực hoặc không đúng.",
        "This survey link has expired or is not valid.",
    ),
    (
        "survey_rate_link",
        "Đánh giá cách giải quyết",
        "Rate how it was handled",
    ),
    (
        "desk_title",
        "Đánh giá tại trụ sở công an",
        "Rate the police desk",
    ),
    (
        "desk_intro",
        "Bạn vừa làm thủ tục tại trụ sở. Xin cho biết bạn hài lòng đến đâu.",
        "You have just been served at the desk. Please tell us how satisfied you are.",
    ),
    ("desk_procedure", "Thủ tục bạn làm", "What you came for"),
    (
        "procedure_residence",
        "Cư trú (thường trú, tạm trú)",
        "Residence registration",
    ),
    ("procedure_id_card", "Căn cước", "ID card"),
    ("procedure_vehicle", "Đăng ký xe", "Vehicle registration"),
    ("procedure_other", "Việc khác", "Something else"),
    (
        "desk_need_procedure",
        "Vui lòng chọn thủ tục.",
        "Please choose what you came for.",
    ),
    (
        "desk_score",
        "Bạn hài lòng với cách phục vụ đến đâu?",
        "How satisfied are you with how you were served?",
    ),
    (
        "transparency_title",
        "Mức độ hài lòng của người dân",
        "How satisfied citizens are",
    ),
    (
        "transparency_intro",
        "Đánh giá của người dân về công an các xã, phường và tỷ lệ giải quyết phản ánh đúng hạn, từ",
        "Citizens' ratings of each commune's police and the share of feedback resolved on time, from",
    ),
    ("transparency_unit", "Đơn vị", "Unit"),
    ("transparency_answers", "Số đánh giá", "Answers"),
    (
        "transparency_csat",
        "Hài lòng (khoảng tin cậy 95%)",
        "Satisfied (95% interval)",
    ),
    (
        "transparency_on_time",
        "Giải quyết đúng hạn (số đã giải quyết)",
        "Resolved on time (how many resolved)",
    ),
    (
        "transparency_note",
        "Xếp hạng theo cận dưới của khoảng tin cậy 95%, nên đơn vị có ít đánh giá không xếp trên đơn vị có nhiều đánh giá. * Dưới 30 đánh giá.",
        "Ranked by the lower bound of the 95% interval, so a unit with few answers does not rank above one with many. * Fewer than 30 answers.",
    ),
    (
        "transparency_empty",
        "Chưa có đánh giá trong khoảng thời gian này.",
        "No answers in this period yet.",
    ),
    ("other_lang", "English", "Tiếng Việt"),
    ("other_lang_query", "?lang=en", "?lang=vi"),
];

pub fn texts(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    TEXTS
        .iter()
        .map(|(key, vi, en)| (*key, if lang == Lang::En { *en } else { *vi }))
        .collect()
}

pub fn text(lang: Lang, key: &str) -> &'static str {
    TEXTS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, vi, en)| if lang == Lang::En { *en } else { *vi })
        .unwrap_or("")
}
