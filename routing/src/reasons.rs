//! Reasons shown to officers (and stored with each ticket): a stable snake_case code and a
//! sentence in Vietnamese and in English.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub code: String,
    pub vi: String,
    pub en: String,
}

impl Reason {
    pub fn new(code: &str, vi: String, en: String) -> Reason {
        Reason {
            code: code.to_owned(),
            vi,
            en,
        }
    }
}

const MERGE_DATE_VI: &str = "từ ngày 1/7/2025";
const MERGE_DATE_EN: &str = "on 1 July 2025";

pub fn new_unit_named(span: &str, unit: &str) -> Reason {
    Reason::new(
        "new_unit_named",
        format!("Tin nhắn nêu '{span}', tức {unit} (đơn vị hành chính {MERGE_DATE_VI})"),
        format!("The message names '{span}', that is {unit} (a unit since 1 July 2025)"),
    )
}

pub fn legacy_name_merged(span: &str, unit: &str) -> Reason {
    Reason::new(
        "legacy_name_merged",
        format!("'{span}' đã sáp nhập vào {unit} {MERGE_DATE_VI}"),
        format!("'{span}' was merged into {unit} {MERGE_DATE_EN}"),
    )
}

pub fn older_name(span: &str, pre: &str, unit: &str) -> Reason {
    Reason::new(
        "older_name",
        format!(
            "'{span}' là tên gọi trước năm 2025 (sau đó là {pre}), đã sáp nhập vào {unit} {MERGE_DATE_VI}"
        ),
        format!(
            "'{span}' is a name from before 2025 (later {pre}), merged into {unit} {MERGE_DATE_EN}"
        ),
    )
}

pub fn former_name(span: &str, legacy: &str, unit: &str) -> Reason {
    Reason::new(
        "former_name",
        format!("'{span}' là tên cũ của {legacy}, nay thuộc {unit}"),
        format!("'{span}' is a former name of {legacy}, now part of {unit}"),
    )
}

pub fn typo(span: &str, read_as: &str) -> Reason {
    Reason::new(
        "spelling_corrected",
        format!("'{span}' được hiểu là '{read_as}' (sai một chữ cái)"),
        format!("'{span}' read as '{read_as}' (one letter off)"),
    )
}

pub fn type_mismatch(span: &str, unit: &str) -> Reason {
    Reason::new(
        "unit_type_mismatch",
        format!("'{span}' ghi sai loại đơn vị; hiểu là {unit}"),
        format!("'{span}' gives the wrong kind of unit; read as {unit}"),
    )
}

pub fn district_mismatch(span: &str, unit: &str) -> Reason {
    Reason::new(
        "district_mismatch",
        format!("'{span}': tên xã/phường không thuộc huyện đã nêu; có thể là {unit}"),
        format!("'{span}': the commune is not in the district given; possibly {unit}"),
    )
}

pub fn old_new_ambiguous(span: &str, old_unit: &str, new_unit: &str) -> Reason {
    Reason::new(
        "old_or_new_name",
        format!(
            "'{span}': theo địa giới cũ nay thuộc {old_unit}, nhưng cũng là tên của {new_unit} hiện nay"
        ),
        format!(
            "'{span}': under the old boundaries it is now part of {old_unit}, but it is also the name of today's {new_unit}"
        ),
    )
}

pub fn ambiguous_name(span: &str, options: &str) -> Reason {
    Reason::new(
        "ambiguous_name",
        format!("'{span}' có thể là: {options}"),
        format!("'{span}' could be: {options}"),
    )
}

pub fn split_commune(span: &str, options: &str, default: &str) -> Reason {
    Reason::new(
        "split_commune",
        format!(
            "'{span}' đã được chia cho {options} {MERGE_DATE_VI}; phần lớn thuộc {default}. Cần thêm thông tin (thôn, đường, vị trí) để chuyển chắc chắn"
        ),
        format!(
            "'{span}' was split between {options} {MERGE_DATE_EN}; most of it went to {default}. More detail (village, street, location) is needed to route it with certainty"
        ),
    )
}

pub fn split_resolved(span: &str, unit: &str, by: &str, by_en: &str) -> Reason {
    Reason::new(
        "split_commune_resolved",
        format!("'{span}' đã được chia; {by} cho thấy phần thuộc {unit}"),
        format!("'{span}' was split; {by_en} points to the part in {unit}"),
    )
}

pub fn district_only(span: &str) -> Reason {
    Reason::new(
        "district_only",
        format!(
            "Tin nhắn chỉ nêu '{span}' (cấp huyện cũ, gồm nhiều xã/phường), chưa rõ xã/phường nào"
        ),
        format!(
            "The message names only '{span}' (a former district covering several communes); the commune is unclear"
        ),
    )
}

pub fn out_of_province(span: &str, province: &str, served: &str) -> Reason {
    Reason::new(
        "out_of_province",
        format!("'{span}' thuộc {province}, ngoài {served}"),
        format!("'{span}' is in {province}, outside {served}"),
    )
}

/// A former name at home that is today's name of a unit elsewhere.
pub fn today_elsewhere(span: &str, unit: &str, province: &str) -> Reason {
    Reason::new(
        "today_elsewhere",
        format!(
            "'{span}' là tên cũ trong địa bàn, nhưng cũng là tên hiện nay của {unit} ({province})"
        ),
        format!("'{span}' is a former name here, but also today's name of {unit} ({province})"),
    )
}

/// The text names another province than the unit found: not routed on a same-named commune.
pub fn province_conflict(province: &str, unit: &str) -> Reason {
    Reason::new(
        "province_conflict",
        format!("Tin nhắn nêu {province}, trong khi {unit} không thuộc tỉnh/thành phố đó"),
        format!("The message names {province}, but {unit} is not in it"),
    )
}

pub fn location_outside(province: Option<&str>, served: &str) -> Reason {
    match province {
        Some(p) => Reason::new(
            "out_of_province",
            format!("Vị trí được chia sẻ nằm ở {p}, ngoài {served}"),
            format!("The shared location is in {p}, outside {served}"),
        ),
        None => Reason::new(
            "out_of_province",
            format!("Vị trí được chia sẻ nằm ngoài {served}"),
            format!("The shared location is outside {served}"),
        ),
    }
}

pub fn unknown_place(span: &str, served: &str) -> Reason {
    Reason::new(
        "unknown_place",
        format!("Không tìm thấy '{span}' trong danh mục đơn vị hành chính của {served}"),
        format!("'{span}' is not a known administrative unit of {served}"),
    )
}

pub fn conflicting_places(list: &str) -> Reason {
    Reason::new(
        "conflicting_places",
        format!("Tin nhắn nêu nhiều nơi thuộc các đơn vị khác nhau: {list}"),
        format!("The message names places in different units: {list}"),
    )
}

pub fn location_conflict(unit_text: &str, unit_loc: &str) -> Reason {
    Reason::new(
        "conflicting_places",
        format!("Tin nhắn nêu {unit_text} nhưng vị trí được chia sẻ nằm trong {unit_loc}"),
        format!("The message names {unit_text} but the shared location lies within {unit_loc}"),
    )
}

pub fn no_place() -> Reason {
    Reason::new(
        "no_place",
        "Không tìm thấy địa danh hay vị trí nào trong tin nhắn".to_owned(),
        "No place name or location found in the message".to_owned(),
    )
}

pub fn form_choice(unit: &str) -> Reason {
    Reason::new(
        "form_choice",
        format!("Người dân chọn {unit} trong biểu mẫu"),
        format!("The citizen chose {unit} in the form"),
    )
}

pub fn account_owner(unit: &str) -> Reason {
    Reason::new(
        "account_owner",
        format!("Tin nhắn gửi đến kênh Zalo OA/Fanpage riêng của {unit}"),
        format!("The message came to {unit}'s own Zalo OA or Facebook Page"),
    )
}

pub fn text_over_account(account_unit: &str) -> Reason {
    Reason::new(
        "text_names_other_unit",
        format!("Tin nhắn gửi đến kênh của {account_unit} nhưng nêu rõ một đơn vị khác"),
        format!("The message came to {account_unit}'s channel but clearly names another unit"),
    )
}

pub fn form_overrides_text(unit_text: &str) -> Reason {
    Reason::new(
        "text_names_other_unit",
        format!("Nội dung tin nhắn nhắc đến {unit_text}; vẫn theo lựa chọn của người dân"),
        format!("The text mentions {unit_text}; the citizen's choice is kept"),
    )
}

pub fn unknown_hint(code: &str, served: &str) -> Reason {
    Reason::new(
        "unknown_unit_hint",
        format!("Mã đơn vị '{code}' không thuộc {served}; bỏ qua"),
        format!("Unit code '{code}' is not a unit of {served}; ignored"),
    )
}

pub fn location_inside(unit: &str) -> Reason {
    Reason::new(
        "location_inside",
        format!("Vị trí được chia sẻ nằm trong {unit}"),
        format!("The shared location lies within {unit}"),
    )
}

pub fn location_agrees(unit: &str) -> Reason {
    Reason::new(
        "location_agrees",
        format!("Vị trí được chia sẻ phù hợp với {unit}"),
        format!("The shared location agrees with {unit}"),
    )
}

pub fn location_border(a: &str, b: &str) -> Reason {
    Reason::new(
        "location_border",
        format!("Vị trí được chia sẻ nằm gần ranh giới giữa {a} và {b}"),
        format!("The shared location is near the border between {a} and {b}"),
    )
}

pub fn previous_tickets(unit: &str) -> Reason {
    Reason::new(
        "previous_tickets",
        format!("Các phản ánh trước đây của người này thuộc {unit} (chứng cứ yếu)"),
        format!("This contact's earlier tickets went to {unit} (weak evidence)"),
    )
}

pub fn not_a_unit(span: &str, street: bool) -> Reason {
    if street {
        Reason::new(
            "street_not_unit",
            format!("'{span}' là tên đường, không phải đơn vị hành chính"),
            format!("'{span}' is a street, not an administrative unit"),
        )
    } else {
        Reason::new(
            "village_not_unit",
            format!("'{span}' là thôn/xóm/tổ dân phố, không phải xã/phường"),
            format!("'{span}' is a village or residential group, not a commune"),
        )
    }
}
