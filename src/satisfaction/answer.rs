//! Reading an answer in the forms citizens send it: "5", "5 sao", "năm", "5đ", "4/5", "rất hài lòng", "hai long",
//! "ko hài lòng", "không hài lòng lắm", a string of stars, "👍", Messenger's like sticker, a quick reply's payload.
//!
//! A message is an answer only when every word of it belongs to one ("5 ạ, cảm ơn" is; "5 người tụ tập" is not),
//! so an ordinary message that happens to hold a number stays an ordinary message. Two different scores in one
//! message are no answer.
use crate::config::Scale;
use crate::routing::fold;

/// What the citizen said: a score (1-5, as stored), whether the problem was solved, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Answer {
    pub score: Option<u8>,
    pub solved: Option<bool>,
}

impl Answer {
    fn is_empty(self) -> bool {
        self.score.is_none() && self.solved.is_none()
    }
}

/// Quick-reply payloads of the survey's Messenger question.
pub const SCORE_PAYLOAD: &str = "PHANANH_CSAT_";
pub const SOLVED_YES_PAYLOAD: &str = "PHANANH_SOLVED_YES";
pub const SOLVED_NO_PAYLOAD: &str = "PHANANH_SOLVED_NO";

/// Messenger's like button sends one of these stickers (small, medium, large thumbs-up).
const LIKE_STICKERS: [&str; 3] = ["369239263222822", "369239343222814", "369239383222810"];

/// Longer than this, a message is not an answer: answers are a few words.
const MAX_CHARS: usize = 60;

/// A quick reply's payload.
pub fn from_payload(payload: &str) -> Option<Answer> {
    if let Some(score) = payload.strip_prefix(SCORE_PAYLOAD) {
        let score = score.parse::<u8>().ok().filter(|s| (1..=5).contains(s))?;
        return Some(Answer {
            score: Some(score),
            solved: None,
        });
    }
    let solved = match payload {
        SOLVED_YES_PAYLOAD => true,
        SOLVED_NO_PAYLOAD => false,
        _ => return None,
    };
    Some(Answer {
        score: None,
        solved: Some(solved),
    })
}

/// A sticker the citizen sent instead of words (Messenger's like button).
pub fn from_sticker(sticker_id: &str) -> Option<Answer> {
    LIKE_STICKERS.contains(&sticker_id).then_some(Answer {
        score: Some(4),
        solved: None,
    })
}

/// Phrases with the score they give, folded (no diacritics); the longest match wins.
const SCORE_PHRASES: &[(&str, u8)] = &[
    ("hoan toan khong hai long", 1),
    ("rat khong hai long", 1),
    ("rat ko hai long", 1),
    ("rat k hai long", 1),
    ("rat te", 1),
    ("qua te", 1),
    ("rat kem", 1),
    ("te qua", 1),
    ("khong hai long lam", 2),
    ("ko hai long lam", 2),
    ("k hai long lam", 2),
    ("kh hai long lam", 2),
    ("khong hai long", 2),
    ("ko hai long", 2),
    ("k hai long", 2),
    ("kh hai long", 2),
    ("khg hai long", 2),
    ("kg hai long", 2),
    ("khong hl", 2),
    ("ko hl", 2),
    ("chua hai long", 2),
    ("chua hl", 2),
    ("chua tot", 2),
    ("te", 2),
    ("kem", 2),
    ("binh thuong", 3),
    ("tam duoc", 3),
    ("tam on", 3),
    ("cung duoc", 3),
    ("rat hai long", 5),
    ("rat hl", 5),
    ("rat tot", 5),
    ("tuyet voi", 5),
    ("xuat sac", 5),
    ("hai long", 4),
    ("hl", 4),
    ("tot", 4),
    ("very dissatisfied", 1),
    ("very unsatisfied", 1),
    ("very bad", 1),
    ("terrible", 1),
    ("not satisfied", 2),
    ("dissatisfied", 2),
    ("unsatisfied", 2),
    ("bad", 2),
    ("poor", 2),
    ("neutral", 3),
    ("okay", 3),
    ("very satisfied", 5),
    ("very good", 5),
    ("excellent", 5),
    ("satisfied", 4),
    ("good", 4),
];

/// Number words, folded.
const NUMBER_WORDS: &[(&str, u8)] = &[
    ("mot", 1),
    ("hai", 2),
    ("ba", 3),
    ("bon", 4),
    ("tu", 4),
    ("nam", 5),
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
];

/// Whether the problem was solved, in the words people use; always an answer.
const SOLVED_PHRASES: &[(&str, bool)] = &[
    ("chua duoc giai quyet", false),
    ("chua giai quyet", false),
    ("khong duoc giai quyet", false),
    ("van chua giai quyet", false),
    ("not solved", false),
    ("da duoc giai quyet", true),
    ("da giai quyet", true),
    ("giai quyet roi", true),
    ("duoc giai quyet", true),
    ("solved", true),
];

/// Bare yes / no: an answer only to "was it solved?" (`awaiting_solved`).
const YES_NO: &[(&str, bool)] = &[
    ("co", true),
    ("roi", true),
    ("xong roi", true),
    ("da xong", true),
    ("yes", true),
    ("chua", false),
    ("khong", false),
    ("ko", false),
    ("chua xong", false),
    ("no", false),
];

/// Words around an answer that change nothing: politeness, "points", "stars", "I rate".
const FILLERS: &[&str] = &[
    "a", "da", "vang", "nhe", "nha", "oi", "em", "anh", "chi", "toi", "minh", "cho", "danh", "gia",
    "cham", "cam", "on", "camon", "cmon", "thanks", "thank", "you", "thx", "diem", "sao", "d",
    "la", "va", "vote", "rate", "i", "am", "it", "is", "was", "stars", "star", "points", "tren",
    "tren5", "ok", "oke", "ah", "nhieu", "lam",
];

/// A chat message as an answer to `survey`. A quick reply's payload always is one (it can only come from our
/// question), and replaces an earlier answer. Words and the like sticker answer only a question still open: the
/// survey unanswered, or "was it solved?" after the score (then only a yes or no); and not when the citizen has
/// been talking on another ticket since the question (`elsewhere`): a "1" or "👍" there is that ticket's.
pub fn from_message(
    message: &crate::platforms::event::CitizenMessage,
    survey: &entity::survey_ratings::Model,
    elsewhere: bool,
) -> Option<Answer> {
    let tapped = message.attachments.iter().find_map(|a| {
        (a.kind == "quick_reply")
            .then(|| a.payload.as_deref().and_then(from_payload))
            .flatten()
    });
    if tapped.is_some() || elsewhere {
        return tapped;
    }
    let awaiting_solved = survey.score.is_some() && survey.solved.is_none();
    if survey.answered_at.is_some() && !awaiting_solved {
        return None;
    }
    let said = message
        .attachments
        .iter()
        .find_map(|a| a.payload.as_deref().and_then(from_sticker))
        .or_else(|| parse(&message.text, super::scale_of(survey), awaiting_solved))?;
    match survey.answered_at {
        // The score is in: only the second question is open.
        Some(_) => (said.score.is_none() && said.solved.is_some()).then_some(said),
        None => Some(said),
    }
}

/// A short courtesy with nothing else ("cảm ơn", "ok ạ", "thanks"): after an answer it belongs to the same ticket.
pub fn is_courtesy(text: &str) -> bool {
    let text = text.trim();
    if text.chars().count() > MAX_CHARS {
        return false;
    }
    let folded = fold(text);
    let mut words = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .peekable();
    words.peek().is_some() && words.all(|w| FILLERS.contains(&w))
}

/// Reads `text` as an answer on `scale`; `awaiting_solved`: the score is in and "was it solved?" is open, so a
/// bare "có" / "chưa" answers it.
pub fn parse(text: &str, scale: Scale, awaiting_solved: bool) -> Option<Answer> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_CHARS {
        return None;
    }
    let stars = text
        .chars()
        .filter(|c| matches!(c, '⭐' | '🌟' | '★'))
        .count();
    let thumbs_up = text.chars().filter(|&c| c == '👍').count();
    let thumbs_down = text.chars().filter(|&c| c == '👎').count();
    // "4/5" and "4 / 5" are a score out of five: the "/5" is not a second score.
    let folded = fold(text).replace("/ 5", "/5").replace("/5", " ");
    let words: Vec<String> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();

    let mut answer = Answer::default();
    let mut scores: Vec<u8> = Vec::new();
    let mut i = 0;
    'words: while i < words.len() {
        // Phrases first, longest first: "khong hai long lam" before "hai long", "hai long" before "hai".
        for len in (1..=5).rev() {
            if i + len > words.len() {
                continue;
            }
            let phrase = words[i..i + len].join(" ");
            if let Some(&(_, solved)) = SOLVED_PHRASES.iter().find(|(p, _)| *p == phrase) {
                answer.solved = Some(solved);
                i += len;
                continue 'words;
            }
            if let Some(&(_, score)) = SCORE_PHRASES.iter().find(|(p, _)| *p == phrase) {
                scores.push(score);
                i += len;
                continue 'words;
            }
            if awaiting_solved && let Some(&(_, solved)) = YES_NO.iter().find(|(p, _)| *p == phrase)
            {
                answer.solved = Some(solved);
                i += len;
                continue 'words;
            }
        }
        let word = words[i].as_str();
        if let Some(score) = number(word, scale) {
            scores.push(score);
        } else if let Some(score) = NUMBER_WORDS
            .iter()
            .find(|(w, _)| *w == word)
            .and_then(|(_, n)| on_scale(*n, scale))
        {
            scores.push(score);
        } else if !FILLERS.contains(&word) {
            // A word that belongs to no answer: an ordinary message.
            return None;
        }
        i += 1;
    }
    if scores.is_empty() {
        match (stars, thumbs_up, thumbs_down) {
            (0, 0, 0) => {}
            (n, 0, 0) => scores.extend(on_scale(n.min(5) as u8, scale)),
            (0, _, 0) => scores.push(4),
            (0, 0, _) => scores.push(2),
            _ => return None,
        }
    }
    scores.dedup();
    match scores.as_slice() {
        [] => {}
        [score] => answer.score = Some(*score),
        _ => return None,
    }
    (!answer.is_empty()).then_some(answer)
}

/// A digit answer, with the suffixes people add ("5d" from "5đ", "5sao", "5diem"); on the three-level scale the
/// question numbered its levels 3 (rất hài lòng), 2 (hài lòng), 1 (chưa hài lòng).
fn number(word: &str, scale: Scale) -> Option<u8> {
    let digits = ["sao", "diem", "d", "s", "*"]
        .iter()
        .find_map(|suffix| word.strip_suffix(suffix))
        .unwrap_or(word);
    on_scale(digits.parse::<u8>().ok()?, scale)
}

/// A number (a digit, a number word, a count of stars) as the score it stores on `scale`.
fn on_scale(value: u8, scale: Scale) -> Option<u8> {
    match (scale, value) {
        (Scale::Three, 1) => Some(2),
        (Scale::Three, 2) => Some(4),
        (Scale::Three, 3) => Some(5),
        (_, 1..=5) => Some(value),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(text: &str) -> Option<u8> {
        parse(text, Scale::Five, false).and_then(|a| a.score)
    }

    #[test]
    fn the_forms_people_send() {
        for (text, expected) in [
            ("5", 5),
            ("5 sao", 5),
            ("năm", 5),
            ("Năm ạ", 5),
            ("5đ", 5),
            ("5 điểm nhé", 5),
            ("4/5", 4),
            ("4 / 5", 4),
            ("rất hài lòng", 5),
            ("Rất hài lòng, cảm ơn anh", 5),
            ("hai long", 4),
            ("Hài lòng", 4),
            ("ko hài lòng", 2),
            ("không hài lòng lắm", 2),
            ("rất không hài lòng", 1),
            ("bình thường", 3),
            ("⭐⭐⭐⭐⭐", 5),
            ("⭐️⭐️⭐️", 3),
            ("👍", 4),
            ("1", 1),
            ("very satisfied", 5),
            ("hai", 2),
        ] {
            assert_eq!(score(text), Some(expected), "{text:?}");
        }
    }

    #[test]
    fn ordinary_messages_are_not_answers() {
        for text in [
            "5 người tụ tập hát karaoke",
            "cảm ơn",
            "Tôi ở thôn 5",
            "1 2",
            "xin chào",
            "",
            "có",
            "chưa",
            &"5 ".repeat(40),
            "⭐👎",
        ] {
            assert_eq!(parse(text, Scale::Five, false), None, "{text:?}");
        }
    }

    #[test]
    fn solved_needs_its_words_or_the_question_open() {
        assert_eq!(
            parse("đã giải quyết", Scale::Five, false),
            Some(Answer {
                score: None,
                solved: Some(true)
            })
        );
        assert_eq!(
            parse("5, đã được giải quyết", Scale::Five, false),
            Some(Answer {
                score: Some(5),
                solved: Some(true)
            })
        );
        assert_eq!(
            parse("Chưa ạ", Scale::Five, true).and_then(|a| a.solved),
            Some(false)
        );
        assert_eq!(
            parse("có", Scale::Five, true).and_then(|a| a.solved),
            Some(true)
        );
    }

    #[test]
    fn the_three_level_scale_numbers_its_levels() {
        let three = |text| parse(text, Scale::Three, false).and_then(|a| a.score);
        assert_eq!(three("3"), Some(5));
        assert_eq!(three("2"), Some(4));
        assert_eq!(three("1"), Some(2));
        assert_eq!(three("chưa hài lòng"), Some(2));
        // Number words and stars count the three levels too: "hai" is level 2 (hài lòng), not a low score.
        assert_eq!(three("hai"), Some(4));
        assert_eq!(three("ba ạ"), Some(5));
        assert_eq!(three("một"), Some(2));
        assert_eq!(three("⭐⭐⭐"), Some(5));
        assert_eq!(three("rất hài lòng"), Some(5));
    }

    #[test]
    fn courtesies() {
        assert!(is_courtesy("Cảm ơn anh ạ"));
        assert!(is_courtesy("ok"));
        assert!(!is_courtesy("cảm ơn, nhưng nhà tôi vẫn ồn"));
        assert!(!is_courtesy("👍"));
    }

    #[test]
    fn payloads_and_stickers() {
        assert_eq!(
            from_payload("PHANANH_CSAT_3").and_then(|a| a.score),
            Some(3)
        );
        assert_eq!(from_payload("PHANANH_CSAT_9"), None);
        assert_eq!(
            from_payload(SOLVED_NO_PAYLOAD).and_then(|a| a.solved),
            Some(false)
        );
        assert_eq!(from_payload("OTHER"), None);
        assert_eq!(
            from_sticker("369239263222822").and_then(|a| a.score),
            Some(4)
        );
        assert_eq!(from_sticker("1"), None);
    }
}
