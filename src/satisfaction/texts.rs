//! What the survey says to citizens, in Vietnamese or English (the ticket's language), on the scale asked.
use super::answer::{SCORE_PAYLOAD, SOLVED_NO_PAYLOAD, SOLVED_YES_PAYLOAD};
use crate::config::Scale;

/// Who speaks: "Công an Xã Toàn Lưu" / "The police of Xã Toàn Lưu", or the commune police in general.
pub fn speaker(english: bool, unit: Option<&str>) -> String {
    match (english, unit) {
        (false, Some(unit)) => format!("Công an {unit}"),
        (false, None) => "Công an xã, phường".into(),
        (true, Some(unit)) => format!("The police of {unit}"),
        (true, None) => "The commune police".into(),
    }
}

/// The question, with the survey link; `buttons`: Messenger shows the levels as quick replies.
pub fn question(
    english: bool,
    scale: Scale,
    unit: Option<&str>,
    code: &str,
    link: &str,
    buttons: bool,
    reminder: bool,
) -> String {
    let who = speaker(english, unit);
    let how = match (english, scale, buttons) {
        (false, _, true) => "Vui lòng chọn một mức bên dưới".to_owned(),
        (true, _, true) => "Please choose a level below".to_owned(),
        (false, Scale::Five, false) => {
            "Vui lòng trả lời một số từ 1 (rất không hài lòng) đến 5 (rất hài lòng)".to_owned()
        }
        (true, Scale::Five, false) => {
            "Please reply with a number from 1 (very dissatisfied) to 5 (very satisfied)".to_owned()
        }
        (false, Scale::Three, false) => {
            "Vui lòng trả lời 3 (rất hài lòng), 2 (hài lòng) hoặc 1 (chưa hài lòng)".to_owned()
        }
        (true, Scale::Three, false) => {
            "Please reply 3 (very satisfied), 2 (satisfied) or 1 (not satisfied)".to_owned()
        }
    };
    if english {
        format!(
            "{}{who} has resolved your feedback {code}. How satisfied are you with how it was handled? {how}, \
             or answer at {link}",
            if reminder { "A reminder: " } else { "" }
        )
    } else {
        format!(
            "{}{who} đã giải quyết phản ánh {code} của bạn. Bạn có hài lòng với cách giải quyết không? {how}, \
             hoặc đánh giá tại {link}",
            if reminder { "Nhắc lại: " } else { "" }
        )
    }
}

/// The levels as Messenger quick replies (titles at most 20 characters): best first.
pub fn score_buttons(english: bool, scale: Scale) -> Vec<(String, String)> {
    let levels: &[(u8, &str, &str)] = match scale {
        Scale::Five => &[
            (5, "5 - Rất hài lòng", "5 - Very satisfied"),
            (4, "4 - Hài lòng", "4 - Satisfied"),
            (3, "3 - Bình thường", "3 - Neutral"),
            (2, "2 - Không hài lòng", "2 - Dissatisfied"),
            (1, "1 - Rất không HL", "1 - Very dissatisf."),
        ],
        Scale::Three => &[
            (5, "Rất hài lòng", "Very satisfied"),
            (4, "Hài lòng", "Satisfied"),
            (2, "Chưa hài lòng", "Not satisfied"),
        ],
    };
    levels
        .iter()
        .map(|(score, vi, en)| {
            (
                (if english { *en } else { *vi }).to_owned(),
                format!("{SCORE_PAYLOAD}{score}"),
            )
        })
        .collect()
}

pub fn solved_buttons(english: bool) -> Vec<(String, String)> {
    let (yes, no) = if english {
        ("Yes", "Not yet")
    } else {
        ("Có", "Chưa")
    };
    vec![
        (yes.to_owned(), SOLVED_YES_PAYLOAD.to_owned()),
        (no.to_owned(), SOLVED_NO_PAYLOAD.to_owned()),
    ]
}

/// Thanks for a score; `ask_solved`: then the second question.
pub fn thanks(english: bool, ask_solved: bool, buttons: bool) -> String {
    match (english, ask_solved, buttons) {
        (false, false, _) => "Cảm ơn bạn đã đánh giá!".into(),
        (true, false, _) => "Thank you for your rating!".into(),
        (false, true, true) => {
            "Cảm ơn bạn đã đánh giá! Vấn đề của bạn đã được giải quyết chưa?".into()
        }
        (true, true, true) => "Thank you for your rating! Was your problem solved?".into(),
        (false, true, false) => "Cảm ơn bạn đã đánh giá! Vấn đề của bạn đã được giải quyết chưa? \
                                 Vui lòng trả lời \"Có\" hoặc \"Chưa\"."
            .into(),
        (true, true, false) => {
            "Thank you for your rating! Was your problem solved? Please reply \"yes\" or \"no\"."
                .into()
        }
    }
}

/// After a low score or "not solved": the ticket is open again.
pub fn reopened(english: bool, unit: Option<&str>, code: &str) -> String {
    let who = speaker(english, unit);
    if english {
        format!(
            "Thank you for telling us. Your feedback {code} is open again: {who} will look into it again and \
             get back to you."
        )
    } else {
        format!(
            "Cảm ơn bạn đã cho biết. Phản ánh {code} đã được mở lại: {who} sẽ tiếp tục xử lý và liên hệ lại với bạn."
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_reply_titles_fit_messenger() {
        for english in [false, true] {
            for scale in [Scale::Five, Scale::Three] {
                for (title, _) in score_buttons(english, scale) {
                    assert!(title.chars().count() <= 20, "{title:?}");
                }
            }
        }
    }

    #[test]
    fn the_question_carries_the_link_and_the_scale() {
        let text = question(
            false,
            Scale::Five,
            Some("Xã Toàn Lưu"),
            "ABCD",
            "http://x/survey/t",
            false,
            false,
        );
        assert!(text.contains("Công an Xã Toàn Lưu") && text.contains("1 (rất không hài lòng)"));
        assert!(text.ends_with("http://x/survey/t"));
        let text = question(true, Scale::Three, None, "ABCD", "L", false, true);
        assert!(text.starts_with("A reminder") && text.contains("3 (very satisfied)"));
    }
}
