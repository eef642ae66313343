//! Fitting a text into a platform's length limit.
//!
//! A text over the limit is truncated, not split: one outbox row is one platform call, so a retry can never
//! resend the first half of a split message, and an echo can be matched to its row by text. The full reply
//! stays on the ticket (and on the tracking page when public).
use std::borrow::Cow;

/// Zalo customer-service messages and Messenger texts (Send API and private replies).
pub const MESSAGE_MAX_CHARS: usize = 2000;
/// Public comment replies.
pub const COMMENT_MAX_CHARS: usize = 8000;

/// `text` if it fits in `max` characters, else its beginning cut at a word boundary, ending with "…".
pub fn fit(text: &str, max: usize) -> Cow<'_, str> {
    if text.chars().count() <= max || max == 0 {
        return Cow::Borrowed(text);
    }
    let keep = max - 1; // room for the ellipsis
    let end = text
        .char_indices()
        .nth(keep)
        .map_or(text.len(), |(index, _)| index);
    let head = &text[..end];
    // Cut at the last space if it is near the end, so no word is split; otherwise cut mid-word.
    let cut = match head.rfind(char::is_whitespace) {
        Some(space) if head[space..].chars().count() <= 100 => &head[..space],
        _ => head,
    };
    let mut fitted = cut.trim_end().to_owned();
    fitted.push('…');
    Cow::Owned(fitted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_texts_are_untouched() {
        assert_eq!(fit("Xin chào", 10), "Xin chào");
        assert_eq!(fit(&"ă".repeat(2000), 2000).chars().count(), 2000);
    }

    #[test]
    fn long_texts_end_at_a_word_with_an_ellipsis() {
        let text = "Công an xã đã tiếp nhận ".repeat(200);
        let fitted = fit(&text, MESSAGE_MAX_CHARS);
        assert!(fitted.chars().count() <= MESSAGE_MAX_CHARS);
        let kept = fitted.strip_suffix('…').unwrap();
        assert!(text.starts_with(kept));
        // The cut falls between words.
        assert!(text[kept.len()..].starts_with(' '), "{kept:?}");
    }

    #[test]
    fn a_text_without_spaces_is_cut_mid_word() {
        let text = "x".repeat(50);
        let fitted = fit(&text, 10);
        assert_eq!(fitted, format!("{}…", "x".repeat(9)));
    }
}
