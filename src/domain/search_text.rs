//! Text as search sees it: folded (lowercase, no diacritics, đ -> d) into words of letters and digits, so
//! "dang ky tam tru" finds "Đăng ký tạm trú". Tickets store it (`tickets.search_text`); queries fold the same way.
use phananh_routing::fold;

/// Longest folded text kept per ticket: enough for any real report's words.
const MAX_CHARS: usize = 2000;
/// Words of a query used at most: beyond it a query is a paste, not a search.
const MAX_TERMS: usize = 12;

/// The stored form of a citizen's text.
pub fn fold_for_search(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_CHARS));
    for word in words(text) {
        if out.len() + word.len() + 1 > MAX_CHARS {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word);
    }
    out
}

/// A query's words, folded, in order: only letters and digits, so they are safe inside a full-text query.
pub fn terms(query: &str) -> Vec<String> {
    words(query).take(MAX_TERMS).collect()
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    let folded = fold(text);
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect::<Vec<_>>()
        .into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_and_without_diacritics_fold_alike() {
        assert_eq!(
            fold_for_search("Xin hỏi thủ tục ĐĂNG KÝ tạm trú, ở Thạch Hà?"),
            "xin hoi thu tuc dang ky tam tru o thach ha"
        );
        assert_eq!(terms("dang ky  tạm-trú"), ["dang", "ky", "tam", "tru"]);
    }

    #[test]
    fn query_syntax_is_not_kept() {
        assert_eq!(
            terms("\"dang\" OR ky* NEAR(a b) 'x'--"),
            ["dang", "or", "ky", "near", "a", "b", "x"]
        );
        assert!(terms("*** \" ").is_empty());
    }

    #[test]
    fn stored_text_is_bounded() {
        let long = "đăng ký ".repeat(1000);
        let folded = fold_for_search(&long);
        assert!(folded.len() <= MAX_CHARS);
        assert!(folded.starts_with("dang ky dang ky"));
    }
}
