//! Commune resolution: a commune-level name (today's, a legacy one, a former or older one)
//! to a claim, narrowed by the district or province written after it.

use super::Router;
use super::addresses::AddressContext;
use super::claim::{Claim, ClaimKind};
use crate::mentions::{Mention, Target};
use crate::reasons;
use crate::text::PlaceWord;

impl Router {
    pub(super) fn commune_claim(
        &self,
        head: &Mention,
        targets: &[Target],
        context: &AddressContext,
        span: &str,
    ) -> Option<Claim> {
        let typed = head.word != PlaceWord::None;
        let mut communes: Vec<Target> = targets
            .iter()
            .copied()
            .filter(|target| target.is_commune())
            .collect();
        if !context.provinces.is_empty() {
            let provinces = &self.gazetteer.provinces;
            let served_named: Vec<usize> = context
                .provinces
                .iter()
                .copied()
                .filter(|&province| provinces[province].served)
                .collect();
            if served_named.is_empty() {
                let named = &provinces[context.provinces[0]].name;
                return Some(self.outside_claim(0.9, typed, span, named));
            }
            // The province written decides among same-named communes of the country.
            communes.retain(|&target| {
                self.target_served(target)
                    && served_named
                        .iter()
                        .any(|&province| self.province_matches(target, province))
            });
        }
        let mut served: Vec<Target> = communes
            .iter()
            .copied()
            .filter(|&target| self.target_served(target))
            .collect();
        if let Some(written) = &context.written {
            self.prefer_spelling(&mut served, written);
        }
        if !context.districts.is_empty() {
            return self.commune_in_districts(head, &served, &context.districts, span);
        }
        if served.is_empty() {
            if !typed {
                return None;
            }
            return Some(match communes.first() {
                Some(&target) => {
                    self.outside_claim(0.9, typed, span, self.target_province_name(target))
                }
                None => self.unknown_claim(typed, span),
            });
        }
        let mut claim = self.commune_by_name(head, &served, !context.provinces.is_empty(), span)?;
        // "X. Trung Lộc" with no province: a former name here, but today's name of a unit
        // of another province. The citizen more likely writes today's name: ask.
        if context.provinces.is_empty()
            && !served
                .iter()
                .any(|target| matches!(target, Target::Unit(_)))
            && let Some(&elsewhere) = communes.iter().find(|&&target| {
                matches!(target, Target::ForeignUnit(_)) && self.type_compatible(head.word, target)
            })
            && let Target::ForeignUnit(index) = elsewhere
        {
            let unit = &self.gazetteer.foreign_units[index as usize];
            claim.confidence = claim.confidence.min(0.45);
            claim.reasons.insert(
                0,
                reasons::today_elsewhere(span, &unit.name, &unit.province_name),
            );
        }
        Some(claim)
    }

    /// Names that differ only by their diacritics ("Cẩm Giang" and "Cẩm Giàng", "Văn Lang"
    /// and "Văn Lăng"): written with diacritics, the name spelled so wins, when one is.
    fn prefer_spelling(&self, targets: &mut Vec<Target>, written: &str) {
        let wanted = spelling(written);
        let spelled: Vec<Target> = targets
            .iter()
            .copied()
            .filter(|&target| {
                self.target_bare_name(target)
                    .is_some_and(|name| spelling(name) == wanted)
            })
            .collect();
        let differs = |target: &Target| {
            self.target_bare_name(*target)
                .is_some_and(|name| spelling(name) != wanted)
        };
        if !spelled.is_empty() && targets.iter().any(differs) {
            *targets = spelled;
        }
    }

    /// A commune written with its district ("xã A, huyện B"): the legacy commune of that
    /// district first, then today's unit of that name, else the name elsewhere, flagged.
    fn commune_in_districts(
        &self,
        head: &Mention,
        served: &[Target],
        districts: &[usize],
        span: &str,
    ) -> Option<Claim> {
        let typed = head.word != PlaceWord::None;
        let served_districts: Vec<usize> = districts
            .iter()
            .copied()
            .filter(|&district| self.gazetteer.districts[district].served)
            .collect();
        if served_districts.is_empty() {
            let province = &self.gazetteer.districts[districts[0]].province_name;
            return Some(self.outside_claim(0.9, typed, span, province));
        }
        let in_district = self.communes_in_districts(head, served, &served_districts);
        // Today's unit of that name in the districts' provinces: nationally, namesakes
        // elsewhere say nothing.
        let new_units_named: Vec<usize> = served
            .iter()
            .filter_map(|&target| match target {
                Target::Unit(index)
                    if self.type_compatible(head.word, target)
                        && served_districts
                            .iter()
                            .any(|&district| self.province_matches_district(target, district)) =>
                {
                    Some(index as usize)
                }
                _ => None,
            })
            .collect();
        let new_unit_named = match new_units_named.as_slice() {
            [unit] => Some(*unit),
            _ => None,
        };
        if !in_district.is_empty() {
            // Old or new reading: only when today's unit lies where the district was.
            let new_unit_there = new_unit_named.filter(|&unit| {
                served_districts
                    .iter()
                    .any(|&district| self.gazetteer.unit_covers_district(unit, district))
            });
            return self.legacy_in_district_claim(head, &in_district, new_unit_there, span);
        }
        // Today's unit of that name, written with the former district it lies in ("Xã Toàn
        // Lưu, huyện Thạch Hà"); a namesake elsewhere in the province is a mismatch.
        if let Some(unit) = new_unit_named.filter(|&unit| {
            served_districts
                .iter()
                .any(|&district| self.gazetteer.unit_covers_district(unit, district))
        }) {
            let reason = reasons::new_unit_named(span, self.unit_name(unit));
            return Some(Claim::new(ClaimKind::Unit(unit), 0.85, typed, span, reason));
        }
        if !served.is_empty() {
            return self.district_mismatch_claim(served, typed, span);
        }
        Some(self.unknown_claim(typed, span))
    }

    /// The served legacy-era communes of the named districts, type-compatible ones and
    /// last names preferred.
    fn communes_in_districts(
        &self,
        head: &Mention,
        served: &[Target],
        served_districts: &[usize],
    ) -> Vec<Target> {
        let in_district = |target: Target| -> bool {
            let Some((district_key, district_type, province)) = self.target_district(target) else {
                return false;
            };
            served_districts.iter().any(|&district| {
                let named = &self.gazetteer.districts[district];
                named.key == district_key
                    && named.province_code == province
                    && (district_type.is_empty() || named.district_type == district_type)
            })
        };
        let mut found: Vec<Target> = served
            .iter()
            .copied()
            .filter(|&target| in_district(target))
            .collect();
        let compatible: Vec<Target> = found
            .iter()
            .copied()
            .filter(|&target| self.type_compatible(head.word, target))
            .collect();
        if !compatible.is_empty() {
            found = compatible;
        }
        // Prefer the commune's last name over its former names.
        if found
            .iter()
            .any(|target| !matches!(target, Target::LegacyFormer(_)))
        {
            found.retain(|target| !matches!(target, Target::LegacyFormer(_)));
        }
        found
    }

    /// The legacy commune of the named district; ambiguous when today's unit of the same
    /// name is another one.
    fn legacy_in_district_claim(
        &self,
        head: &Mention,
        in_district: &[Target],
        new_unit_named: Option<usize>,
        span: &str,
    ) -> Option<Claim> {
        let typed = head.word != PlaceWord::None;
        let confidence = if in_district
            .iter()
            .all(|target| matches!(target, Target::LegacyFormer(_)))
        {
            0.85
        } else {
            0.95
        };
        let mut claim = self.successor_claim(in_district, confidence, typed, span)?;
        if let (ClaimKind::Unit(unit), Some(new_unit)) = (&claim.kind, new_unit_named)
            && *unit != new_unit
            && !head.old_marker
        {
            // "phường Hà Huy Tập, TP Hà Tĩnh": the old ward (now Thành Sen) or today's
            // Phường Hà Huy Tập written with the old city?
            let old_unit = *unit;
            let reason = reasons::old_new_ambiguous(
                span,
                self.unit_name(old_unit),
                self.unit_name(new_unit),
            );
            claim.kind = ClaimKind::Ambiguous(vec![old_unit, new_unit]);
            claim.confidence = 0.4;
            claim.reasons = vec![reason];
        }
        Some(claim)
    }

    /// The name exists in the served province, but not in the district written with it.
    fn district_mismatch_claim(&self, served: &[Target], typed: bool, span: &str) -> Option<Claim> {
        let mut claim = self.successor_claim(served, 0.45, typed, span)?;
        let suggested = match &claim.kind {
            ClaimKind::Unit(unit) => *unit,
            ClaimKind::Split { options, default } => default.unwrap_or(options[0]),
            ClaimKind::Ambiguous(units) if !units.is_empty() => units[0],
            _ => return Some(claim),
        };
        claim.kind = match claim.kind {
            ClaimKind::Unit(unit) => ClaimKind::Ambiguous(vec![unit]),
            kind => kind,
        };
        claim.confidence = 0.45;
        claim.reasons = vec![reasons::district_mismatch(span, self.unit_name(suggested))];
        Some(claim)
    }

    /// No district given: today's unit name first, then the last legacy names (and the
    /// older ones), then former names; type-compatible candidates before the others.
    fn commune_by_name(
        &self,
        head: &Mention,
        served: &[Target],
        in_named_province: bool,
        span: &str,
    ) -> Option<Claim> {
        let typed = head.word != PlaceWord::None;
        // A bare name is weak alone, stronger followed by its province ("Tà Tổng, Lai Châu").
        let base = match (typed, in_named_province) {
            (true, _) => 0.95,
            (false, true) => 0.85,
            (false, false) => 0.65,
        };
        for (types_must_match, type_penalty) in [(true, 0.0), (false, 0.15)] {
            let eligible =
                |target: &Target| !types_must_match || self.type_compatible(head.word, *target);
            let of_kind = |is_kind: fn(&Target) -> bool| -> Vec<Target> {
                served
                    .iter()
                    .copied()
                    .filter(|target| is_kind(target) && eligible(target))
                    .collect()
            };
            let units = of_kind(|target| matches!(target, Target::Unit(_)));
            let legacy = of_kind(|target| matches!(target, Target::Legacy(_) | Target::Older(_)));
            let former = of_kind(|target| matches!(target, Target::LegacyFormer(_)));
            // "xã A cũ" (old): the legacy names come first.
            let tiers: [(&Vec<Target>, f64); 3] = if head.old_marker {
                [(&legacy, 0.0), (&former, 0.1), (&units, 0.05)]
            } else {
                [(&units, 0.0), (&legacy, 0.05), (&former, 0.15)]
            };
            for (tier, tier_penalty) in tiers {
                if tier.is_empty() {
                    continue;
                }
                let confidence = base - tier_penalty - type_penalty;
                let mut claim = self.successor_claim(tier, confidence, typed, span)?;
                if type_penalty > 0.0
                    && let ClaimKind::Unit(unit) = claim.kind
                {
                    claim
                        .reasons
                        .push(reasons::type_mismatch(span, self.unit_name(unit)));
                }
                return Some(claim);
            }
        }
        None
    }
}

/// Lowercase letters with each syllable's marks in a fixed order, so that "Hoà" and "Hòa"
/// spell the same.
fn spelling(name: &str) -> Vec<String> {
    use unicode_normalization::UnicodeNormalization;
    name.split_whitespace()
        .map(|syllable| {
            let mut letters: Vec<char> = Vec::new();
            let mut marks: Vec<char> = Vec::new();
            for c in syllable.to_lowercase().nfd() {
                if unicode_normalization::char::is_combining_mark(c) {
                    marks.push(c);
                } else {
                    letters.push(c);
                }
            }
            marks.sort_unstable();
            letters.into_iter().chain(marks).collect()
        })
        .collect()
}
