use unicode_normalization::UnicodeNormalization;

use super::FieldError;

pub const MAX_FEEDBACK_CHARS: usize = 5_000;

/// A citizen's message: NFC, trimmed, 1..=5,000 characters (not bytes), no control characters but line breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackText(String);

impl FeedbackText {
    pub fn parse(raw: &str) -> Result<FeedbackText, FieldError> {
        // NFC first so that "ệ" typed as e + two combining marks counts as one character.
        let text: String = raw
            .nfc()
            .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
            .collect::<String>()
            .replace("\r\n", "\n");
        let text = text.trim();
        if text.is_empty() {
            return Err(FieldError {
                field: "text",
                code: "required",
                vi: "Vui lòng nhập nội dung phản ánh.",
                en: "Please write your feedback.",
            });
        }
        if text.chars().count() > MAX_FEEDBACK_CHARS {
            return Err(FieldError {
                field: "text",
                code: "too_long",
                vi: "Nội dung dài quá 5.000 ký tự, vui lòng rút gọn.",
                en: "The text is longer than 5,000 characters; please shorten it.",
            });
        }
        Ok(FeedbackText(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first line, cut at a word boundary: what an officer sees in the inbox list.
    pub fn summary(&self) -> String {
        let first = self.0.lines().next().unwrap_or_default();
        if first.chars().count() <= 140 {
            return first.to_owned();
        }
        let cut: String = first.chars().take(140).collect();
        let cut = cut.rsplit_once(' ').map(|(head, _)| head).unwrap_or(&cut);
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_not_bytes() {
        let accented = "ệ".repeat(MAX_FEEDBACK_CHARS);
        assert!(FeedbackText::parse(&accented).is_ok());
        let too_long = "ệ".repeat(MAX_FEEDBACK_CHARS + 1);
        assert_eq!(FeedbackText::parse(&too_long).unwrap_err().code, "too_long");
    }

    #[test]
    fn decomposed_marks_are_composed_before_counting() {
        // e + circumflex + dot below: three code points, one letter.
        let decomposed = "e\u{0302}\u{0323}".repeat(MAX_FEEDBACK_CHARS);
        assert_eq!(
            FeedbackText::parse(&decomposed)
                .unwrap()
                .as_str()
                .chars()
                .count(),
            MAX_FEEDBACK_CHARS
        );
    }

    #[test]
    fn blank_is_required() {
        assert_eq!(FeedbackText::parse(" \n\t ").unwrap_err().code, "required");
    }

    #[test]
    fn summary_cuts_long_first_line() {
        let text = FeedbackText::parse(&"xin chào ".repeat(40)).unwrap();
        assert!(text.summary().chars().count() <= 141);
        assert!(text.summary().ends_with('…'));
    }
}
