//! Finding place mentions: one aho-corasick automaton over the compact, folded names of every
//! unit in the country (2025 units, legacy communes and districts, provinces, former and
//! older names), run over the concatenated tokens of a message. A match counts only when it
//! starts and ends on token boundaries; the words in front of it say what kind of place it is
//! ("thị xã" + "Kỳ Anh" is a former town, "đường" + "Hà Huy Tập" is a street).

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use crate::gazetteer::Gazetteer;
use crate::text::{
    PlaceWord, Prepared, Sep, glued_place_word, is_chain_filler, place_word_1, place_word_2,
    within_one_edit,
};

/// What a matched name can refer to (indexes into the gazetteer's tables).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// 2025 unit of the served province.
    Unit(u32),
    /// 2025 unit of another province.
    ForeignUnit(u32),
    /// Legacy commune of the served province, by its last name.
    Legacy(u32),
    /// Legacy commune of the served province, by a former name (2019 merges) or a variant.
    LegacyFormer(u32),
    /// Legacy commune of another province.
    ForeignLegacy(u32),
    /// An older name of the served province (before the early-2025 reshuffle).
    Older(u32),
    District(u32),
    Province(u32),
}

impl Target {
    pub fn is_commune(self) -> bool {
        !matches!(self, Target::District(_) | Target::Province(_))
    }
}

/// A place name found in a message.
#[derive(Clone, Debug)]
pub struct Mention {
    /// Pattern id (index into `Matcher::targets`).
    pub pid: u32,
    /// First token of the whole mention, type word included.
    pub start: usize,
    /// First token of the name.
    pub name_start: usize,
    /// One past the last token of the name.
    pub end: usize,
    pub word: PlaceWord,
    /// Matched with one letter of difference.
    pub fuzzy: bool,
    /// Every word of the name starts with a capital letter in the message (a proper noun).
    pub capitalized: bool,
    /// Followed by "cũ" (old) or "mới" (new).
    pub old_marker: bool,
    pub new_marker: bool,
    /// A misspelling close to several names: the other pattern ids it may be.
    pub alternatives: Vec<u32>,
    /// The name is followed, up to the end of its part of the address, by words it does not
    /// explain ("Xã Tuy Phước Đôn": Tuy Phước, or a misspelt Tuy Phước Đông?).
    pub unexplained_tail: bool,
}

pub struct Matcher {
    /// `None` only if building failed (internal size limits, far above a country's names).
    ac: Option<AhoCorasick>,
    /// Pattern id of the automaton -> pid (numbers are not in the automaton).
    ac_pids: Vec<u32>,
    targets: Vec<Vec<Target>>,
    keys: Vec<String>,
    /// Numbered units ("Phường 12", "Quận 3"): the number -> pid; matched only behind a type
    /// word, never on house or village numbers.
    numbered: HashMap<String, u32>,
    /// Short abbreviations ("HCM", "BRVT", "T.Giang") found only where they can stand for a
    /// place: written in capitals, behind a type word or closing an address.
    short: Vec<bool>,
    /// One-deletion variants of the served province's names (symmetric-delete index).
    fuzzy: HashMap<String, Vec<u32>>,
}

const MIN_FUZZY_LEN: usize = 6;
/// A misspelling within one edit of more names than this is not read as any of them.
const MAX_FUZZY_NAMES: usize = 6;

impl Matcher {
    pub fn new(gazetteer: &Gazetteer) -> Matcher {
        let mut index: HashMap<String, u32> = HashMap::new();
        let mut keys: Vec<String> = Vec::new();
        let mut targets: Vec<Vec<Target>> = Vec::new();
        let mut served_pids: Vec<u32> = Vec::new();
        let mut add = |key: &str, t: Target, served: bool| {
            if key.is_empty() {
                return;
            }
            let pid = *index.entry(key.to_owned()).or_insert_with(|| {
                keys.push(key.to_owned());
                targets.push(Vec::new());
                (keys.len() - 1) as u32
            });
            let list = &mut targets[pid as usize];
            if !list.contains(&t) {
                list.push(t);
            }
            if served {
                served_pids.push(pid);
            }
        };
        for (i, u) in gazetteer.units().iter().enumerate() {
            add(&u.key, Target::Unit(i as u32), true);
            for v in &u.variants {
                add(v, Target::Unit(i as u32), true);
            }
        }
        for (i, u) in gazetteer.foreign_units.iter().enumerate() {
            add(&u.key, Target::ForeignUnit(i as u32), false);
        }
        for (i, l) in gazetteer.legacy_units().iter().enumerate() {
            add(&l.key, Target::Legacy(i as u32), true);
            for k in &l.former_keys {
                add(k, Target::LegacyFormer(i as u32), true);
            }
        }
        for (i, l) in gazetteer.foreign_legacy.iter().enumerate() {
            add(&l.key, Target::ForeignLegacy(i as u32), false);
        }
        for (i, o) in gazetteer.older.iter().enumerate() {
            add(&o.key, Target::Older(i as u32), true);
        }
        for (i, d) in gazetteer.districts.iter().enumerate() {
            add(&d.key, Target::District(i as u32), d.served);
        }
        let mut abbreviations: Vec<String> = Vec::new();
        for (i, p) in gazetteer.provinces.iter().enumerate() {
            add(&p.key, Target::Province(i as u32), p.served);
            // "T.Giang", "H.Tĩnh", "Q.Ngãi": the first letter of a two-word name, then the
            // second word.
            if let Some(short) = first_letter_form(&p.name, &p.province_type) {
                add(&short, Target::Province(i as u32), p.served);
                abbreviations.push(short);
            }
        }
        for a in &gazetteer.abbreviations {
            let target = match (a.province, a.district) {
                (Some(p), _) => Target::Province(p as u32),
                (None, Some(d)) => Target::District(d as u32),
                (None, None) => continue,
            };
            let served = match target {
                Target::Province(p) => gazetteer.provinces[p as usize].served,
                Target::District(d) => gazetteer.districts[d as usize].served,
                _ => false,
            };
            add(&a.key, target, served);
            abbreviations.push(a.key.clone());
        }

        let mut fuzzy: HashMap<String, Vec<u32>> = HashMap::new();
        served_pids.sort_unstable();
        served_pids.dedup();
        for &pid in &served_pids {
            let key = &keys[pid as usize];
            if key.len() < MIN_FUZZY_LEN || !key.is_ascii() {
                continue;
            }
            for v in deletions(key) {
                let e = fuzzy.entry(v).or_default();
                if !e.contains(&pid) {
                    e.push(pid);
                }
            }
        }

        let mut short = vec![false; keys.len()];
        for a in &abbreviations {
            if let Some(&pid) = index.get(a) {
                short[pid as usize] = true;
            }
        }
        let mut numbered: HashMap<String, u32> = HashMap::new();
        let mut ac_keys: Vec<&str> = Vec::new();
        let mut ac_pids: Vec<u32> = Vec::new();
        for (pid, key) in keys.iter().enumerate() {
            if key.bytes().all(|b| b.is_ascii_digit()) {
                numbered.insert(key.trim_start_matches('0').to_owned(), pid as u32);
            } else {
                ac_keys.push(key);
                ac_pids.push(pid as u32);
            }
        }
        // Contiguous NFA: compact and quick to build; a DFA over ~10k names would cost tens of
        // megabytes for little gain on messages of a few hundred bytes.
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(&ac_keys);
        let ac = ac.ok();
        Matcher {
            ac,
            ac_pids,
            targets,
            keys,
            numbered,
            short,
            fuzzy,
        }
    }

    pub fn targets(&self, pid: u32) -> &[Target] {
        &self.targets[pid as usize]
    }

    pub fn key(&self, pid: u32) -> &str {
        &self.keys[pid as usize]
    }

    /// All place mentions of a message, non-overlapping, in text order.
    pub fn find(&self, p: &Prepared) -> Vec<Mention> {
        let Some(ac) = &self.ac else {
            return Vec::new();
        };
        let mut candidates: Vec<(Mention, usize)> = ac
            .find_overlapping_iter(p.norm.as_str())
            .filter_map(|m| self.candidate(p, &m))
            .collect();
        self.numbered_mentions(p, &mut candidates);
        // Administrative type words first, then longer, then other type words ("đường",
        // "thôn"), then earlier: "Hồ Chí Minh" is the city, not a lake "Chí Minh".
        candidates.sort_by(|(a, la), (b, lb)| {
            (b.word.is_admin())
                .cmp(&a.word.is_admin())
                .then(lb.cmp(la))
                .then((b.word != PlaceWord::None).cmp(&(a.word != PlaceWord::None)))
                .then(a.name_start.cmp(&b.name_start))
        });
        let (chosen, mut taken) = choose_non_overlapping(candidates, p.tokens.len());
        let mut out = drop_type_words_inside_names(chosen);
        for m in &out {
            for t in &mut taken[m.start..m.end] {
                *t = true;
            }
        }
        self.misspelt_tails(p, &mut taken, &mut out);
        self.fuzzy_mentions(p, &mut taken, &mut out);
        out.sort_by_key(|m| m.start);
        for m in &mut out {
            if m.end < p.tokens.len() {
                match p.tok(m.end) {
                    "cu" => m.old_marker = true,
                    "moi" => m.new_marker = true,
                    _ => {}
                }
            }
        }
        out
    }

    /// A match of the automaton as a candidate mention, with its length in bytes: only if it
    /// lies on token boundaries (or behind a glued type word) and looks like a name.
    fn candidate(&self, p: &Prepared, m: &aho_corasick::Match) -> Option<(Mention, usize)> {
        let (s, e) = (m.start(), m.end());
        let pid = self.ac_pids[m.pattern().as_usize()];
        let end_tok = p.token_ending_at(e)?;
        let (name_start, glued) = match p.token_starting_at(s) {
            Some(t) => (t, PlaceWord::None),
            None => {
                let t = p.token_containing(s)?;
                let prefix = &p.norm[p.tokens[t].start..s];
                // "Thị trấnChư Sê", "Thành phốĐà Nẵng": the second word of the type glued.
                let before = if t > 0 { p.tok(t - 1) } else { "" };
                let pw = match (before, prefix) {
                    ("thi", "tran") => PlaceWord::ThiTran,
                    ("thanh", "pho") => PlaceWord::ThanhPho,
                    _ => glued_place_word(prefix),
                };
                if pw == PlaceWord::None || e - s < 4 {
                    return None;
                }
                (t, pw)
            }
        };
        if (name_start + 1..=end_tok).any(|k| p.tokens[k].sep != Sep::Space) {
            return None; // a name never spans a comma or a sentence break
        }
        // "h. Mường La t. Sơn La" is not Mường Lát: a name does not end on the abbreviated
        // type word of the next one.
        if end_tok > name_start
            && p.tok(end_tok).len() == 1
            && place_word_1(p.tok(end_tok)).is_admin()
            && p.tokens
                .get(end_tok + 1)
                .is_some_and(|next| next.sep == Sep::Space)
        {
            return None;
        }
        let (word, start) = if glued != PlaceWord::None {
            let two_words = matches!(glued, PlaceWord::ThiTran | PlaceWord::ThanhPho)
                && !matches!(
                    &p.norm[p.tokens[name_start].start..s],
                    "tt" | "tp" | "thitran" | "thanhpho"
                );
            if (glued == PlaceWord::Xa && name_start > 0 && p.tok(name_start - 1) == "thi")
                || two_words
            {
                let word = if glued == PlaceWord::Xa {
                    PlaceWord::ThiXa
                } else {
                    glued
                };
                (word, name_start - 1)
            } else {
                (glued, name_start)
            }
        } else {
            word_before(p, name_start)
        };
        let len = e - s;
        let ntok = end_tok + 1 - name_start;
        // Commune names have two syllables or more; a lone short word after "xã" is
        // usually not a name ("công an xã làm...").
        let ok = match word {
            PlaceWord::None => {
                bare_name_long_enough(ntok, len)
                    || (self.short[pid as usize] && abbreviation_stands(p, name_start, end_tok))
                    || (len >= 4 && whole_part(p, name_start, end_tok))
            }
            _ => {
                ntok >= 2
                    || len >= 6
                    || glued != PlaceWord::None
                    || self.targets[pid as usize].iter().any(|t| {
                        matches!(
                            t,
                            Target::Province(_)
                                | Target::Unit(_)
                                | Target::Legacy(_)
                                | Target::Older(_)
                        ) || (word.is_district() && matches!(t, Target::District(_)))
                    })
            }
        };
        if !ok {
            return None;
        }
        let capitalized = (name_start..=end_tok).all(|k| {
            let t = &p.tokens[k];
            p.original[t.orig_start..t.orig_end]
                .chars()
                .next()
                .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
        });
        let mention = Mention {
            pid,
            start,
            name_start,
            end: end_tok + 1,
            word,
            fuzzy: false,
            capitalized,
            old_marker: false,
            new_marker: false,
            alternatives: Vec::new(),
            unexplained_tail: false,
        };
        Some((mention, len))
    }

    /// A typed name followed, to the end of its part, by a capitalised word nothing explains
    /// ("Xã Tuy Phước Đôn,", "P. Lê Hồng Phongg Thành phố..."): the whole is read as a
    /// misspelt longer name when one is within one letter, else the name is flagged.
    fn misspelt_tails(&self, p: &Prepared, taken: &mut [bool], out: &mut [Mention]) {
        let n = p.tokens.len();
        for m in out.iter_mut() {
            if !m.word.is_admin() || m.fuzzy {
                continue;
            }
            let mut end = m.end;
            // One capitalised word: "fuong thanh sen co trom" goes on in ordinary words.
            while end < n
                && end < m.end + 1
                && p.tokens[end].sep == Sep::Space
                && p.original[p.tokens[end].orig_start..]
                    .chars()
                    .next()
                    .is_some_and(char::is_uppercase)
                && !taken[end]
                && !p.tok(end).bytes().any(|b| b.is_ascii_digit())
                && place_word_1(p.tok(end)) == PlaceWord::None
                && (end + 1 >= n || place_word_2(p.tok(end), p.tok(end + 1)) == PlaceWord::None)
                && !is_chain_filler(p.tok(end))
            {
                end += 1;
            }
            let part_ends = end >= n || p.tokens[end].sep != Sep::Space || taken[end];
            if end == m.end || !part_ends {
                continue;
            }
            let whole: String = (m.name_start..end).map(|t| p.tok(t)).collect();
            let pids = if whole.len() >= MIN_FUZZY_LEN {
                self.fuzzy_lookup(&whole)
            } else {
                Vec::new()
            };
            if pids.is_empty() {
                m.unexplained_tail = true;
                continue;
            }
            for t in &mut taken[m.end..end] {
                *t = true;
            }
            m.pid = pids[0];
            m.alternatives = pids[1..].to_vec();
            m.end = end;
            m.fuzzy = true;
        }
    }

    /// Numbers behind a commune or district type word ("Phường 12", "P.12", "F5", "Q3").
    fn numbered_mentions(&self, p: &Prepared, out: &mut Vec<(Mention, usize)>) {
        if self.numbered.is_empty() {
            return;
        }
        for t in 0..p.tokens.len() {
            let tok = p.tok(t);
            if !tok.bytes().all(|b| b.is_ascii_digit()) || tok.len() > 3 {
                continue;
            }
            let (word, start) = word_before(p, t);
            if !(word.is_commune() || word.is_district()) {
                continue;
            }
            let Some(&pid) = self.numbered.get(tok.trim_start_matches('0')) else {
                continue;
            };
            out.push((
                Mention {
                    pid,
                    start,
                    name_start: t,
                    end: t + 1,
                    word,
                    fuzzy: false,
                    capitalized: true,
                    old_marker: false,
                    new_marker: false,
                    alternatives: Vec::new(),
                    unexplained_tail: false,
                },
                tok.len(),
            ));
        }
    }

    /// After an administrative type word with no known name behind it, tries the next one to
    /// four tokens against the served names with one letter of difference; and a whole
    /// comma-separated part without a type word ("..., Thanh HHưng, Đồng Tháp"), which
    /// counts only where its district or province follows (`address_claim`). A misspelling
    /// close to several names keeps them all: the address's province chooses.
    fn fuzzy_mentions(&self, p: &Prepared, taken: &mut [bool], out: &mut Vec<Mention>) {
        let n = p.tokens.len();
        let mut i = 0;
        while i < n {
            let (word, width) = if i + 1 < n && place_word_2(p.tok(i), p.tok(i + 1)).is_admin() {
                (place_word_2(p.tok(i), p.tok(i + 1)), 2)
            } else {
                (place_word_1(p.tok(i)), 1)
            };
            let found = if word.is_admin() {
                self.fuzzy_after_type_word(p, taken, i, i + width)
            } else if (i == 0 || p.tokens[i].sep != Sep::Space) && !taken[i] {
                self.fuzzy_part(p, taken, i)
            } else {
                None
            };
            let Some((mut pids, end)) = found else {
                i += 1;
                continue;
            };
            for t in &mut taken[i..end] {
                *t = true;
            }
            let pid = pids.remove(0);
            let name_start = if word.is_admin() { i + width } else { i };
            out.push(Mention {
                pid,
                start: i,
                name_start,
                end,
                word: if word.is_admin() {
                    word
                } else {
                    PlaceWord::None
                },
                fuzzy: true,
                capitalized: false,
                old_marker: false,
                new_marker: false,
                alternatives: pids,
                unexplained_tail: false,
            });
            i = end;
        }
    }

    /// The longest run of one to four tokens after a type word within one edit of names.
    fn fuzzy_after_type_word(
        &self,
        p: &Prepared,
        taken: &[bool],
        at: usize,
        first: usize,
    ) -> Option<(Vec<u32>, usize)> {
        let n = p.tokens.len();
        if first >= n || taken[first] || taken[at] {
            return None;
        }
        let mut best: Option<(Vec<u32>, usize)> = None;
        let mut s = String::new();
        for (last, &tk) in taken
            .iter()
            .enumerate()
            .take((first + 4).min(n))
            .skip(first)
        {
            if last > first && p.tokens[last].sep != Sep::Space || tk {
                break;
            }
            s.push_str(p.tok(last));
            if s.len() < MIN_FUZZY_LEN {
                continue;
            }
            let pids = self.fuzzy_lookup(&s);
            if !pids.is_empty() {
                best = Some((pids, last + 1));
            }
        }
        best
    }

    /// A whole comma-separated part of two to four words within one edit of names.
    fn fuzzy_part(&self, p: &Prepared, taken: &[bool], at: usize) -> Option<(Vec<u32>, usize)> {
        let n = p.tokens.len();
        let mut end = at + 1;
        while end < n && p.tokens[end].sep == Sep::Space {
            end += 1;
        }
        if !(2..=4).contains(&(end - at)) || taken[at..end].iter().any(|&t| t) {
            return None;
        }
        let s: String = (at..end).map(|t| p.tok(t)).collect();
        if s.len() < MIN_FUZZY_LEN || s.bytes().any(|b| b.is_ascii_digit()) {
            return None;
        }
        let pids = self.fuzzy_lookup(&s);
        (!pids.is_empty()).then_some((pids, end))
    }

    /// The served names within one edit of `s` (none when too many to mean anything).
    fn fuzzy_lookup(&self, s: &str) -> Vec<u32> {
        let mut found: Vec<u32> = Vec::new();
        if !s.is_ascii() {
            return found;
        }
        let mut probe = |v: &str| {
            if let Some(pids) = self.fuzzy.get(v) {
                for &pid in pids {
                    if !found.contains(&pid) && within_one_edit(s, &self.keys[pid as usize]) {
                        found.push(pid);
                    }
                }
            }
        };
        probe(s);
        for v in deletions(s) {
            probe(&v);
        }
        if found.len() > MAX_FUZZY_NAMES {
            found.clear();
        }
        found
    }
}

/// The string itself and every string with one byte removed (ascii input).
fn deletions(s: &str) -> Vec<String> {
    let mut out = Vec::with_capacity(s.len() + 1);
    out.push(s.to_owned());
    for i in 0..s.len() {
        let mut v = String::with_capacity(s.len() - 1);
        v.push_str(&s[..i]);
        v.push_str(&s[i + 1..]);
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// "Tỉnh Tiền Giang" -> "tgiang" (written "T.Giang"), "Sơn La" -> "sla": two-word names;
/// found only where an abbreviation can stand (`abbreviation_stands`).
fn first_letter_form(name: &str, folded_type: &str) -> Option<String> {
    let folded = crate::text::fold(name);
    let rest = crate::gazetteer::strip_type(&folded, folded_type);
    let words: Vec<&str> = rest.split_whitespace().collect();
    if words.len() != 2 {
        return None;
    }
    let short = format!("{}{}", &words[0][..1], words[1]);
    (short.len() >= 3).then_some(short)
}

/// Can a short abbreviation at tokens `start..=end` stand for a place? Written in capitals
/// ("HCM", "ĐT"), or closing an address after a comma ("..., Q3, hcm").
fn abbreviation_stands(p: &Prepared, start: usize, end: usize) -> bool {
    let first = &p.tokens[start];
    let last = &p.tokens[end];
    let written = &p.original[first.orig_start..last.orig_end];
    // "ĐT: 0912..." is a phone number, "CT" a company: never before digits, and two capitals
    // alone only where they close an address.
    let next = p.tokens.get(end + 1);
    if next.is_some_and(|next| {
        p.norm[next.start..next.end]
            .bytes()
            .all(|b| b.is_ascii_digit())
    }) {
        return false;
    }
    let letters = written.chars().filter(|c| c.is_alphabetic());
    let capitals = letters.clone().count() >= 3 && letters.clone().all(char::is_uppercase);
    let closes =
        start > 0 && first.sep != Sep::Space && next.is_none_or(|next| next.sep != Sep::Space);
    capitals || closes
}

/// Is the name at tokens `start..=end` a whole comma-separated part ("Ba Bể, Huyện Ba Bể",
/// "..., Vinh, Nghệ An")? There a short name is a name, not a word of a sentence.
fn whole_part(p: &Prepared, start: usize, end: usize) -> bool {
    let opens = start == 0 || p.tokens[start].sep == Sep::Comma;
    let closes = p
        .tokens
        .get(end + 1)
        .is_none_or(|next| next.sep == Sep::Comma);
    opens && closes && (start > 0 || end + 1 < p.tokens.len())
}

/// A bare name (no type word in front) of `ntok` tokens and `len` bytes long enough to be
/// taken for a place: short single words are too often ordinary words.
fn bare_name_long_enough(ntok: usize, len: usize) -> bool {
    (ntok >= 2 && len >= 5) || len >= 7
}

/// Takes candidates in order of preference, skipping any whose name overlaps one already
/// taken; returns them with the tokens their names cover.
fn choose_non_overlapping(
    candidates: Vec<(Mention, usize)>,
    n_tokens: usize,
) -> (Vec<(Mention, usize)>, Vec<bool>) {
    let mut taken = vec![false; n_tokens];
    let mut out: Vec<(Mention, usize)> = Vec::new();
    // Type words of typed mentions are reserved against bare names ("Công an phường
    // Thành Sen" is not the bare name "An Phường"); between two typed mentions the name
    // wins and the other loses its type word below.
    let mut type_taken = vec![false; n_tokens];
    for (m, len) in candidates {
        if (m.name_start..m.end).any(|k| taken[k]) {
            continue;
        }
        if m.word == PlaceWord::None && (m.name_start..m.end).any(|k| type_taken[k]) {
            continue;
        }
        for t in &mut taken[m.name_start..m.end] {
            *t = true;
        }
        for t in &mut type_taken[m.start..m.name_start] {
            *t = true;
        }
        out.push((m, len));
    }
    (out, taken)
}

/// A type word that is part of another chosen name is not a type word ("xã Cẩm Quan Cẩm
/// Xuyên": "quan" belongs to Cẩm Quan, not "quận Cẩm Xuyên"); the mention is then a bare
/// name, kept only if long enough to be one.
fn drop_type_words_inside_names(chosen: Vec<(Mention, usize)>) -> Vec<Mention> {
    let names: Vec<(usize, usize)> = chosen.iter().map(|(m, _)| (m.name_start, m.end)).collect();
    chosen
        .into_iter()
        .filter_map(|(mut m, len)| {
            if m.start < m.name_start && names.iter().any(|&(s, e)| s < m.name_start && e > m.start)
            {
                m.word = PlaceWord::None;
                m.start = m.name_start;
                if !bare_name_long_enough(m.end - m.name_start, len) {
                    return None;
                }
            }
            Some(m)
        })
        .collect()
}

/// The type word in front of a name starting at token `t`, and the token where it starts.
fn word_before(p: &Prepared, t: usize) -> (PlaceWord, usize) {
    // "quận, Cẩm Xuyên": a type word does not reach over a comma.
    if p.tokens[t].sep != Sep::Space {
        return (PlaceWord::None, t);
    }
    if t >= 3 && p.tok(t - 3) == "to" && p.tok(t - 2) == "dan" && p.tok(t - 1) == "pho" {
        return (PlaceWord::Village, t - 3);
    }
    if t >= 2 && p.tokens[t - 1].sep == Sep::Space {
        let w = place_word_2(p.tok(t - 2), p.tok(t - 1));
        if w != PlaceWord::None {
            return (w, t - 2);
        }
    }
    if t >= 1 {
        let w = place_word_1(p.tok(t - 1));
        if w != PlaceWord::None {
            return (w, t - 1);
        }
    }
    (PlaceWord::None, t)
}
