//! Mentions -> candidate claims. Administrative mentions are grouped into addresses: a name
//! followed by the larger units it belongs to ("x. Kỳ Thư h. Kỳ Anh", "Sơn Tây, Hà Nội").
//! The address's head names the place; the rest only narrows where to look for it.

use super::claim::{Claim, ClaimKind};
use super::{ROUTE_MIN, Router};
use crate::mentions::{Mention, Target};
use crate::reasons::{self, Reason};
use crate::text::{PlaceWord, Prepared, Sep, is_chain_filler};

/// Lowered confidence of a name matched with one letter of difference.
const TYPO_PENALTY: f64 = 0.1;

/// Words that put a place after them ("ở", "tại", "thuộc", "in", "at"...).
fn is_locative(word: &str) -> bool {
    matches!(
        word,
        "o" | "tai" | "thuoc" | "ve" | "vuc" | "ban" | "in" | "at" | "from" | "tu" | "den" | "qua"
    )
}

/// The districts and provinces named after an address's head (gazetteer indexes).
pub(super) struct AddressContext {
    pub provinces: Vec<usize>,
    pub districts: Vec<usize>,
    /// The head's name as written, when written with diacritics ("Cẩm Giàng"), to tell
    /// apart names that differ only by them.
    pub written: Option<String>,
}

impl Router {
    /// Streets and villages named like a unit ("đường Hà Huy Tập", "thôn Thạch Khê"):
    /// said, so that an officer sees why they were not taken for the unit.
    pub(super) fn streets_and_villages_named_like_units(
        &self,
        message: &Prepared,
        mentions: &[Mention],
    ) -> Vec<Reason> {
        mentions
            .iter()
            .filter(|mention| {
                matches!(mention.word, PlaceWord::Street | PlaceWord::Village)
                    && self
                        .matcher
                        .targets(mention.pid)
                        .iter()
                        .any(|target| matches!(target, Target::Unit(_) | Target::Legacy(_)))
            })
            .map(|mention| {
                reasons::not_a_unit(
                    message.span_text(mention.start, mention.end),
                    mention.word == PlaceWord::Street,
                )
            })
            .collect()
    }

    /// Groups administrative mentions into addresses, in text order.
    pub(super) fn addresses<'m>(
        &self,
        message: &Prepared,
        mentions: &'m [Mention],
    ) -> Vec<Vec<&'m Mention>> {
        let mut addresses: Vec<Vec<&Mention>> = Vec::new();
        for mention in mentions.iter().filter(|mention| !mention.word.is_ignored()) {
            if let Some(address) = addresses.last_mut()
                && let Some(last) = address.last()
                && self.continues_address(message, last, mention)
            {
                address.push(mention);
                continue;
            }
            addresses.push(vec![mention]);
        }
        self.province_first(message, addresses)
    }

    /// "Nghệ An, Xã Đức Châu", "Tỉnh Quảng Nam, Xã Thượng Đức": larger units written before
    /// the commune they contain are that commune's context, as if written after it.
    fn province_first<'m>(
        &self,
        message: &Prepared,
        addresses: Vec<Vec<&'m Mention>>,
    ) -> Vec<Vec<&'m Mention>> {
        let mut out: Vec<Vec<&Mention>> = Vec::with_capacity(addresses.len());
        let mut pending: Option<Vec<&Mention>> = None;
        for mut address in addresses {
            if let Some(larger) = pending.take() {
                let last = larger[larger.len() - 1];
                if (address[0].word.is_commune() || address[0].word == PlaceWord::None)
                    && self.gap_is_filler(message, last.end, address[0].start)
                {
                    address.extend(larger);
                    out.push(address);
                    continue;
                }
                out.push(larger);
            }
            if self.larger_only(&address) {
                pending = Some(address);
            } else {
                out.push(address);
            }
        }
        out.extend(pending);
        out
    }

    /// An address of districts and provinces only, none of them possibly a commune.
    fn larger_only(&self, address: &[&Mention]) -> bool {
        address.iter().all(|mention| {
            (mention.word.is_district() || mention.word == PlaceWord::Tinh)
                || (mention.word == PlaceWord::None
                    && self
                        .matcher
                        .targets(mention.pid)
                        .iter()
                        .all(|target| !target.is_commune()))
        })
    }

    /// Only commas and filler words between two tokens, no sentence break.
    pub(super) fn gap_is_filler(&self, message: &Prepared, from: usize, to: usize) -> bool {
        from <= to
            && (from..to).all(|token| is_chain_filler(message.tok(token)))
            && (from..=to.min(message.tokens.len() - 1))
                .all(|token| message.tokens[token].sep != Sep::Sentence)
    }

    /// Does `next` name a larger unit of the address ending with `last`? Only filler words
    /// may stand between them, and never a sentence break.
    fn continues_address(&self, message: &Prepared, last: &Mention, next: &Mention) -> bool {
        if next.start < last.end || next.word.is_commune() {
            return false;
        }
        if (last.end..next.start).any(|token| !is_chain_filler(message.tok(token))) {
            return false;
        }
        if (last.end..=next.start).any(|token| message.tokens[token].sep == Sep::Sentence) {
            return false;
        }
        next.word.is_district()
            || next.word == PlaceWord::Tinh
            || self
                .matcher
                .targets(next.pid)
                .iter()
                .any(|target| !target.is_commune())
    }

    /// The candidate claim of one address, if it names a place at all.
    pub(super) fn address_claim(&self, message: &Prepared, address: &[&Mention]) -> Option<Claim> {
        let head = address[0];
        let first = address
            .iter()
            .map(|mention| mention.start)
            .min()
            .unwrap_or(head.start);
        let last = address
            .iter()
            .map(|mention| mention.end)
            .max()
            .unwrap_or(head.end);
        let span = message.span_text(first, last).to_owned();
        // A bare name opening an address must look like a proper noun: "đăng ký thường
        // trú" holds "Kỳ Thượng" in lowercase, "Tôi ở Thạch Khê" names a commune.
        // Followed by its district or province, even a lowercase bare name is an address.
        if head.word == PlaceWord::None && !head.capitalized && address.len() == 1 {
            return None;
        }
        let mut context = self.address_context(&address[1..]);
        let written = message.span_text(head.name_start, head.end);
        if !head.fuzzy && !written.is_ascii() {
            context.written = Some(written.to_owned());
        }
        // Without "ở/tại" in front, a bare proper noun may be a person or a school: suggest
        // it, do not route on it.
        let locative = head.word != PlaceWord::None
            || address.len() > 1
            || (head.start > 0 && is_locative(message.tok(head.start - 1)));
        // A misspelt part without a type word is a name only where its district or province
        // follows.
        if head.fuzzy && head.word == PlaceWord::None && address.len() == 1 {
            return None;
        }
        let (mut claim, pid) = if head.alternatives.is_empty() {
            (
                self.head_claim(head, address.len() == 1, &context, &span)?,
                head.pid,
            )
        } else {
            self.misspelt_head_claim(head, address.len() == 1, &context, &span)?
        };
        if head.fuzzy {
            claim.confidence -= TYPO_PENALTY;
        }
        if !locative || head.unexplained_tail {
            claim.confidence = claim.confidence.min(ROUTE_MIN - 0.1);
        }
        if head.fuzzy {
            claim
                .reasons
                .push(reasons::typo(&span, self.matcher.key(pid)));
        }
        Some(claim)
    }

    /// A misspelling close to several names: the one the address's district or province
    /// makes a unit of, when exactly one does.
    fn misspelt_head_claim(
        &self,
        head: &Mention,
        alone: bool,
        context: &AddressContext,
        span: &str,
    ) -> Option<(Claim, u32)> {
        let mut units: Vec<(Claim, u32)> = Vec::new();
        let mut other: Option<(Claim, u32)> = None;
        for pid in std::iter::once(head.pid).chain(head.alternatives.iter().copied()) {
            let reading = Mention {
                pid,
                alternatives: Vec::new(),
                ..head.clone()
            };
            let Some(claim) = self.head_claim(&reading, alone, context, span) else {
                continue;
            };
            match claim.kind {
                ClaimKind::Unit(_) | ClaimKind::Split { .. } => units.push((claim, pid)),
                _ => {
                    other.get_or_insert((claim, pid));
                }
            }
        }
        match units.len() {
            1 => units.pop(),
            0 => other,
            _ => None,
        }
    }

    /// The provinces and districts named after the head; districts of another province
    /// than the one named are dropped ("Sơn Tây, Hà Nội" is not Hà Tĩnh's Sơn Tây).
    fn address_context(&self, after_head: &[&Mention]) -> AddressContext {
        let gazetteer = &*self.gazetteer;
        let mut provinces: Vec<usize> = Vec::new();
        let mut districts: Vec<usize> = Vec::new();
        for (at, mention) in after_head.iter().enumerate() {
            let targets = self.matcher.targets(mention.pid);
            // "..., Thanh Hóa" closing an address is the province, not also its former
            // city, unless a province follows it ("Hòa Bình, Phú Thọ").
            let province_only = mention.word == PlaceWord::None
                && targets
                    .iter()
                    .any(|target| matches!(target, Target::Province(_)))
                && !after_head[at + 1..].iter().any(|later| {
                    self.matcher
                        .targets(later.pid)
                        .iter()
                        .any(|target| matches!(target, Target::Province(_)))
                });
            for &target in targets {
                match target {
                    Target::Province(index)
                        if matches!(mention.word, PlaceWord::None | PlaceWord::Tinh)
                            || (mention.word == PlaceWord::ThanhPho
                                && gazetteer.provinces[index as usize].province_type
                                    == "thanh pho") =>
                    {
                        provinces.push(index as usize)
                    }
                    Target::District(index)
                        if (mention.word == PlaceWord::None && !province_only)
                            || (mention.word.is_district()
                                && self.type_compatible(mention.word, target)) =>
                    {
                        // A district that changed before 2025 stands for its successors.
                        let district = &gazetteer.districts[index as usize];
                        if district.successors.is_empty() {
                            districts.push(index as usize);
                        } else {
                            districts.extend(district.successors.iter().copied());
                        }
                    }
                    _ => {}
                }
            }
        }
        if !provinces.is_empty() && !districts.is_empty() {
            let province_codes: Vec<&str> = provinces
                .iter()
                .map(|&province| gazetteer.provinces[province].code.as_str())
                .collect();
            let kept: Vec<usize> = districts
                .iter()
                .copied()
                .filter(|&district| {
                    province_codes.contains(&gazetteer.districts[district].province_code.as_str())
                })
                .collect();
            if !kept.is_empty() {
                districts = kept;
            }
        }
        AddressContext {
            provinces,
            districts,
            written: None,
        }
    }

    /// What the head names: a commune after a commune type word, a larger unit after a
    /// district or province type word; a bare name is a commune if it can be one.
    fn head_claim(
        &self,
        head: &Mention,
        alone: bool,
        context: &AddressContext,
        span: &str,
    ) -> Option<Claim> {
        let targets = self.matcher.targets(head.pid);
        if head.word.is_commune() {
            return self.commune_claim(head, targets, context, span);
        }
        if head.word.is_district() || head.word == PlaceWord::Tinh {
            return self.larger_unit_claim(head, targets, &context.provinces, span);
        }
        // "Hà Tĩnh" alone is the province, not the former city.
        if alone
            && targets
                .iter()
                .any(|target| matches!(target, Target::Province(_)) && self.target_served(*target))
        {
            return None;
        }
        let names_larger_unit = targets
            .iter()
            .any(|target| !target.is_commune() && self.target_served(*target));
        if alone && names_larger_unit {
            return self.larger_unit_claim(head, targets, &context.provinces, span);
        }
        match self.commune_claim(head, targets, context, span) {
            Some(claim) if !matches!(claim.kind, ClaimKind::Unknown) => Some(claim),
            _ => self.larger_unit_claim(head, targets, &context.provinces, span),
        }
    }
}
