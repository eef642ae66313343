//! Vietnamese text normalisation: NFC, case and diacritic folding, tokens with their
//! original spans, chat spellings and teencode, and the unit-type words.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Folds one character: lowercase, diacritics removed, `đ` -> `d`.
/// Returns `None` for stray combining marks (input that NFC could not compose).
pub fn fold_char(c: char) -> Option<char> {
    if c.is_ascii() {
        return Some(c.to_ascii_lowercase());
    }
    if is_combining_mark(c) {
        return None;
    }
    if c == 'đ' || c == 'Đ' {
        return Some('d');
    }
    let lower = c.to_lowercase().next().unwrap_or(c);
    let mut base: Option<char> = None;
    decompose_canonical(lower, |d| {
        if base.is_none() {
            base = Some(d);
        }
    });
    Some(base.unwrap_or(lower))
}

/// Vietnamese text folding: NFC, lowercase, diacritics removed (đ -> d).
/// Punctuation and spacing are kept as they are.
pub fn fold(text: &str) -> String {
    text.nfc().filter_map(fold_char).collect()
}

/// Folded form with every non-alphanumeric character removed: the key used to index names
/// ("Xã Lưu Vĩnh Sơn" -> "xaluuvinhson"); matches the ascii keys shipped in the data.
pub fn compact(text: &str) -> String {
    text.nfc()
        .filter_map(fold_char)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// What separates a token from the one before it. Names never span a `Comma` or a
/// `Sentence` break; chains of places ("xã A, huyện B") may span commas but not sentences.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Sep {
    Space,
    Comma,
    Sentence,
}

#[derive(Clone, Debug)]
pub struct Token {
    /// Byte range of the normalised token inside `Prepared::norm`.
    pub start: usize,
    pub end: usize,
    /// Byte range in `Prepared::original` (the NFC text), for display.
    pub orig_start: usize,
    pub orig_end: usize,
    pub sep: Sep,
}

/// A message ready for matching: NFC original kept for display, tokens folded and
/// normalised, concatenated without separators in `norm` (names are matched on that).
#[derive(Debug, Default)]
pub struct Prepared {
    pub original: String,
    pub norm: String,
    pub tokens: Vec<Token>,
}

impl Prepared {
    pub fn tok(&self, i: usize) -> &str {
        let t = &self.tokens[i];
        &self.norm[t.start..t.end]
    }

    /// Original text covering tokens `from..to` (exclusive), trimmed of punctuation.
    pub fn span_text(&self, from: usize, to: usize) -> &str {
        if from >= to || to > self.tokens.len() {
            return "";
        }
        let a = self.tokens[from].orig_start;
        let b = self.tokens[to - 1].orig_end;
        &self.original[a..b]
    }

    /// Index of the token that starts at byte `pos` of `norm`, if any.
    pub fn token_starting_at(&self, pos: usize) -> Option<usize> {
        self.tokens.binary_search_by(|t| t.start.cmp(&pos)).ok()
    }

    /// Index of the token containing byte `pos` of `norm`.
    pub fn token_containing(&self, pos: usize) -> Option<usize> {
        match self.tokens.binary_search_by(|t| t.start.cmp(&pos)) {
            Ok(i) => Some(i),
            Err(0) => None,
            Err(i) => (pos < self.tokens[i - 1].end).then_some(i - 1),
        }
    }

    /// Index of the token that ends at byte `pos` of `norm`, if any.
    pub fn token_ending_at(&self, pos: usize) -> Option<usize> {
        self.tokens.binary_search_by(|t| t.end.cmp(&pos)).ok()
    }
}

/// Common chat spellings (already folded) and what they stand for. Only one-word
/// expansions, so that token boundaries stay meaningful.
fn chat_word(w: &str) -> Option<&'static str> {
    Some(match w {
        "ko" | "k" | "kh" | "khg" | "kg" | "hok" | "hem" | "khum" | "kô" => "khong",
        "dc" | "duoc" | "dx" => "duoc",
        "e" => "em",
        "a" => "anh",
        "ad" | "adm" => "admin",
        "ng" => "nguoi",
        "vs" => "voi",
        "mk" | "mik" | "mh" => "minh",
        "bn" => "ban",
        "cx" => "cung",
        "r" | "oy" | "roai" => "roi",
        "bik" | "bit" => "biet",
        "j" | "gj" => "gi",
        "z" | "v" => "vay",
        "ak" | "ah" => "a",
        "trc" => "truoc",
        "ns" => "noi",
        "sdt" => "sodienthoai",
        "tks" | "thanks" | "thank" => "camon",
        "pls" | "plz" => "lamon",
        "hnay" => "homnay",
        "hqua" => "homqua",
        "nc" => "nuoc",
        "cccd" => "cccd",
        _ => return None,
    })
}

/// Teencode letter swaps at the start of a word ("fuong" -> "phuong", "wang" -> "quang",
/// "zui" -> "dui", "jo" -> "gio"). Vietnamese words never start with f, w, z or j, so the
/// swap does not damage real names.
fn teencode(w: &str) -> Option<String> {
    if w.len() < 2 || !w.is_ascii() {
        return None;
    }
    let (head, rest) = w.split_at(1);
    let rep = match head {
        "f" => "ph",
        "w" => "qu",
        "z" => "d",
        "j" => "gi",
        _ => return None,
    };
    // Leave known Latin words alone (VNeID, Zalo, wifi, facebook...).
    if matches!(
        w,
        "zalo" | "wifi" | "facebook" | "fb" | "web" | "website" | "fanpage"
    ) {
        return None;
    }
    Some(format!("{rep}{rest}"))
}

fn sep_of(gap: &str, prev_tok_len: usize) -> Sep {
    let mut sep = Sep::Space;
    for c in gap.chars() {
        let s = match c {
            '\n' | '\r' | '!' | '?' => Sep::Sentence,
            // "x." / "tp." are abbreviations; a full stop after a real word ends a sentence.
            '.' if prev_tok_len > 2 => Sep::Sentence,
            // "Xã A; Huyện B" lists an address as often as it ends a sentence.
            ',' | ';' | '(' | ')' | ':' | '[' | ']' | '|' | '"' | '/' => Sep::Comma,
            _ => Sep::Space,
        };
        if s > sep {
            sep = s;
        }
    }
    sep
}

/// Splits a message into normalised tokens. Letters and digits form separate tokens
/// ("xom3" -> "xom", "3") so that house numbers and village numbers do not glue to names.
pub fn prepare(text: &str) -> Prepared {
    // Most messages are already NFC (phones compose as they type): checked, not rebuilt.
    let original: String = match unicode_normalization::is_nfc_quick(text.chars()) {
        unicode_normalization::IsNormalized::Yes => text.to_owned(),
        _ => text.nfc().collect(),
    };
    let mut tokenizer = Tokenizer::new(&original);
    let mut before: Option<char> = None;
    let mut chars = original.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let after = chars.peek().map(|&(_, next)| next);
        match letter_for_digit(before, c, after) {
            Some(c) => tokenizer.push(at, c),
            None => continue, // a digit typed into a word: skipped, the word kept whole
        }
        before = Some(c);
    }
    tokenizer.end_word();
    let Tokenizer { norm, tokens, .. } = tokenizer;
    Prepared {
        original,
        norm,
        tokens,
    }
}

/// A digit inside a word, between two letters: "0" typed for "o" ("H0a"), any other a
/// slip of the finger ("Sơ9n", "Pho2ng"), dropped. House numbers, "P12" and "Q3" stay.
fn letter_for_digit(before: Option<char>, c: char, after: Option<char>) -> Option<char> {
    let inside = c.is_ascii_digit()
        && before.is_some_and(char::is_alphabetic)
        && after.is_some_and(char::is_alphabetic);
    match c {
        _ if !inside => Some(c),
        '0' => Some('o'),
        _ => None,
    }
}

/// Reads the NFC text one character at a time into `Prepared::norm` and its tokens.
struct Tokenizer<'a> {
    original: &'a str,
    norm: String,
    tokens: Vec<Token>,
    /// The word being read, folded; its byte range in `original`; digits or letters.
    word: String,
    word_start: usize,
    word_end: usize,
    word_is_digit: bool,
    /// End (in `original`) and folded length of the previous token.
    last_end: usize,
    prev_len: usize,
}

impl<'a> Tokenizer<'a> {
    fn new(original: &'a str) -> Tokenizer<'a> {
        Tokenizer {
            original,
            norm: String::with_capacity(original.len()),
            tokens: Vec::with_capacity(original.len() / 4),
            word: String::new(),
            word_start: 0,
            word_end: 0,
            word_is_digit: false,
            last_end: 0,
            prev_len: 0,
        }
    }

    /// One character at byte `at` of `original`.
    fn push(&mut self, at: usize, c: char) {
        match fold_char(c) {
            Some(folded) if folded.is_alphanumeric() => {
                let is_digit = folded.is_ascii_digit();
                if !self.word.is_empty() && is_digit != self.word_is_digit {
                    self.end_word();
                }
                if self.word.is_empty() {
                    self.word_start = at;
                    self.word_is_digit = is_digit;
                }
                self.word.push(folded);
                self.word_end = at + c.len_utf8();
            }
            None if !self.word.is_empty() => {
                // A stray combining mark inside a word: part of the word.
                self.word_end = at + c.len_utf8();
            }
            _ => self.end_word(),
        }
    }

    /// Ends the word being read, if any: a token, its chat spelling or teencode expanded.
    fn end_word(&mut self) {
        if self.word.is_empty() {
            return;
        }
        let sep = if self.tokens.is_empty() {
            Sep::Space
        } else {
            sep_of(
                &self.original[self.last_end..self.word_start],
                self.prev_len,
            )
        };
        let start = self.norm.len();
        // "Tân Thành A", "H A Lưới": a capital letter alone is part of a name, not "anh".
        let letter_of_name = self.word.len() == 1
            && self.original[self.word_start..self.word_end]
                .chars()
                .all(char::is_uppercase);
        if letter_of_name {
            self.norm.push_str(&self.word);
        } else if let Some(expanded) = chat_word(&self.word) {
            self.norm.push_str(expanded);
        } else if let Some(expanded) = teencode(&self.word) {
            self.norm.push_str(&expanded);
        } else {
            self.norm.push_str(&self.word);
        }
        self.tokens.push(Token {
            start,
            end: self.norm.len(),
            orig_start: self.word_start,
            orig_end: self.word_end,
            sep,
        });
        self.prev_len = self.word.len();
        self.last_end = self.word_end;
        self.word.clear();
    }
}

/// The kind of place a word in front of a name announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlaceWord {
    Xa,
    Phuong,
    ThiTran,
    DacKhu,
    Huyen,
    ThiXa,
    ThanhPho,
    Quan,
    Tinh,
    /// thôn, xóm, tổ dân phố...: a village inside a commune, never a commune itself.
    Village,
    /// đường, phố, ngõ...: a street named after someone or somewhere.
    Street,
    /// school, market, bridge, company...: a named thing, not an administrative unit.
    Other,
    None,
}

impl PlaceWord {
    pub fn is_commune(self) -> bool {
        matches!(self, Self::Xa | Self::Phuong | Self::ThiTran | Self::DacKhu)
    }
    pub fn is_district(self) -> bool {
        matches!(
            self,
            Self::Huyen | Self::ThiXa | Self::ThanhPho | Self::Quan
        )
    }
    pub fn is_admin(self) -> bool {
        self.is_commune() || self.is_district() || self == Self::Tinh
    }
    pub fn is_ignored(self) -> bool {
        matches!(self, Self::Village | Self::Street | Self::Other)
    }
    /// The folded unit-type word of the data ("Xã" -> "xa", "Thị trấn" -> "thi tran").
    pub fn from_unit_type(folded: &str) -> Self {
        match folded {
            "xa" => Self::Xa,
            "phuong" => Self::Phuong,
            "thi tran" => Self::ThiTran,
            "dac khu" => Self::DacKhu,
            "huyen" => Self::Huyen,
            "thi xa" => Self::ThiXa,
            "thanh pho" => Self::ThanhPho,
            "quan" => Self::Quan,
            "tinh" => Self::Tinh,
            _ => Self::None,
        }
    }
}

/// A type word made of one token (abbreviations included).
pub fn place_word_1(w: &str) -> PlaceWord {
    use PlaceWord::*;
    match w {
        "xa" | "x" => Xa,
        "phuong" | "p" | "ph" | "f" | "phg" | "pg" => Phuong,
        "tt" | "thitran" => ThiTran,
        "dackhu" => DacKhu,
        "huyen" | "h" | "hyen" => Huyen,
        "tx" | "thixa" => ThiXa,
        "tp" | "thanhpho" | "tpho" => ThanhPho,
        "quan" | "q" => Quan,
        "tinh" | "t" => Tinh,
        "thon" | "xom" | "tdp" | "to" | "khoi" | "ap" | "ban" | "lang" | "khom" | "doi" | "bon"
        | "buon" | "khu" | "kp" | "cum" => Village,
        "duong" | "d" | "pho" | "ngo" | "ngach" | "hem" | "kiet" | "so" | "sn" | "ql" | "tl"
        | "dt" | "dh" => Street,
        "truong" | "thpt" | "thcs" | "cau" | "song" | "nui" | "ho" | "chua" | "cty" | "ben"
        | "kcn" | "ccn" | "bv" | "tiem" | "bai" | "dap" | "cang" | "ga" | "sieuthi"
        | "khachsan" | "ks" | "nganhang" | "hotel" | "resort" | "coffee" | "cafe" | "karaoke"
        | "nhahang" | "htx" => Other,
        _ => None,
    }
}

/// A type word made of two tokens ("thị xã", "thị trấn", "thành phố", "khu phố"...).
pub fn place_word_2(a: &str, b: &str) -> PlaceWord {
    use PlaceWord::*;
    match (a, b) {
        ("thi", "xa") | ("t", "x") => ThiXa,
        ("thi", "tran") => ThiTran,
        ("thanh", "pho") | ("t", "p") => ThanhPho,
        ("dac", "khu") => DacKhu,
        ("khu", "pho")
        | ("dan", "pho")
        | ("to", "dan")
        | ("khu", "dan")
        | ("to", "dp")
        | ("ban", "lang") => Village,
        ("so", "nha")
        | ("quoc", "lo")
        | ("tinh", "lo")
        | ("huyen", "lo")
        | ("dai", "lo")
        | ("con", "duong")
        | ("tuyen", "duong")
        | ("duong", "pho") => Street,
        ("benh", "vien")
        | ("cong", "ty")
        | ("nha", "tho")
        | ("nha", "may")
        | ("nha", "van")
        | ("ngan", "hang")
        | ("sieu", "thi")
        | ("khach", "san")
        | ("nha", "hang")
        | ("cua", "hang")
        | ("quan", "an")
        | ("ben", "xe")
        | ("ben", "do")
        | ("khu", "cong")
        | ("cum", "cong")
        | ("hop", "tac")
        | ("truong", "hoc")
        | ("mam", "non")
        | ("tieu", "hoc")
        | ("tram", "y")
        | ("y", "te")
        | ("bai", "bien")
        | ("thuy", "dien")
        | ("cong", "vien")
        | ("khu", "du")
        | ("du", "lich")
        | ("nghia", "trang")
        | ("sau", "khi") => Other,
        _ => None,
    }
}

/// Is the folded token a type word that can be glued to a name ("xaluuvinhson")?
pub fn glued_place_word(prefix: &str) -> PlaceWord {
    use PlaceWord::*;
    // Only whole type words: a single letter glued to a name ("p" + "huongtan" inside
    // "phuongtan") would cut real words apart.
    match prefix {
        "xa" => Xa,
        "phuong" => Phuong,
        "tt" | "thitran" => ThiTran,
        "huyen" => Huyen,
        "tx" | "thixa" => ThiXa,
        "tp" | "thanhpho" => ThanhPho,
        "tinh" => Tinh,
        "thon" | "xom" | "tdp" => Village,
        "duong" => Street,
        _ => None,
    }
}

/// Words allowed between the parts of an address ("xã A thuộc huyện B", "xã A (cũ)").
pub fn is_chain_filler(w: &str) -> bool {
    matches!(
        w,
        "thuoc" | "tai" | "o" | "cua" | "cu" | "moi" | "nay" | "la" | "va" | "tren" | "dia" | "ban"
            // "T.T.Huế": the first letter of an abbreviated province.
            | "t"
    )
}

/// Damerau-Levenshtein distance limited to <= 1 (one substitution, insertion, deletion or
/// adjacent transposition).
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let a = a.as_bytes();
    let b = b.as_bytes();
    if a == b {
        return true;
    }
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > 1 {
        return false;
    }
    let mut i = 0;
    while i < la.min(lb) && a[i] == b[i] {
        i += 1;
    }
    if la == lb {
        if a[i + 1..] == b[i + 1..] {
            return true;
        }
        // transposition
        i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i] && a[i + 2..] == b[i + 2..]
    } else if la > lb {
        a[i + 1..] == b[i..]
    } else {
        a[i..] == b[i + 1..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("Xã Lưu Vĩnh Sơn"), "xa luu vinh son");
        assert_eq!(fold("ĐỨC THỌ"), "duc tho");
        assert_eq!(fold("Hoà"), fold("Hòa"));
        assert_eq!(fold("Cỗ Đạm"), "co dam");
        // decomposed input (combining marks) folds the same as precomposed
        assert_eq!(fold("Ho\u{0300}a"), "hoa");
        assert_eq!(compact("Xã Sơn Kim 2"), "xasonkim2");
    }

    #[test]
    fn tokens_keep_original_spans() {
        let p = prepare("Tôi ở x. Lưu Vĩnh Sơn, h.Thạch Hà 😀 ko dc");
        let toks: Vec<&str> = (0..p.tokens.len()).map(|i| p.tok(i)).collect();
        assert_eq!(
            toks,
            [
                "toi", "o", "x", "luu", "vinh", "son", "h", "thach", "ha", "khong", "duoc"
            ]
        );
        assert_eq!(p.span_text(2, 6), "x. Lưu Vĩnh Sơn");
        assert_eq!(p.tokens[6].sep, Sep::Comma);
        assert_eq!(p.tokens[3].sep, Sep::Space);
    }

    #[test]
    fn teencode_and_digits() {
        let p = prepare("f Thạch Linh, fuong wang trung, xom3");
        let toks: Vec<&str> = (0..p.tokens.len()).map(|i| p.tok(i)).collect();
        assert_eq!(
            toks,
            ["f", "thach", "linh", "phuong", "quang", "trung", "xom", "3"]
        );
    }

    #[test]
    fn digits_typed_for_letters() {
        let p = prepare("xã H0a Bình, P12, số 10A, Sơ9n");
        let toks: Vec<&str> = (0..p.tokens.len()).map(|i| p.tok(i)).collect();
        assert_eq!(
            toks,
            ["xa", "hoa", "binh", "p", "12", "so", "10", "a", "son"]
        );
        assert_eq!(p.span_text(1, 3), "H0a Bình");
    }

    #[test]
    fn one_edit() {
        assert!(within_one_edit("luuvinhson", "luuvinhsn"));
        assert!(within_one_edit("luuvinhson", "luuvihnson"));
        assert!(within_one_edit("luuvinhson", "luuvinhsom"));
        assert!(!within_one_edit("luuvinhson", "luuvinson2x"));
    }
}
