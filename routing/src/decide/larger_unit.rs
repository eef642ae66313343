//! A former district, a city or a province named on its own (or a bare name of one): never
//! a unit to route to, but it says the place is too vague, or in another province.

use super::Router;
use super::claim::{Claim, ClaimKind};
use crate::mentions::{Mention, Target};
use crate::reasons;
use crate::text::PlaceWord;

impl Router {
    pub(super) fn larger_unit_claim(
        &self,
        head: &Mention,
        targets: &[Target],
        context_provinces: &[usize],
        span: &str,
    ) -> Option<Claim> {
        let typed = head.word != PlaceWord::None;
        let larger = self.larger_units_named(head, targets, context_provinces);
        if larger.is_empty() {
            return typed.then(|| self.unknown_claim(typed, span));
        }
        let served_district = larger
            .iter()
            .any(|&target| matches!(target, Target::District(_)) && self.target_served(target));
        let served_province = larger
            .iter()
            .any(|&target| matches!(target, Target::Province(_)) && self.target_served(target));
        let context_foreign = !context_provinces.is_empty()
            && !context_provinces
                .iter()
                .any(|&province| self.gazetteer.provinces[province].served);
        if served_district && !context_foreign {
            return Some(Claim::new(
                ClaimKind::District,
                0.0,
                typed,
                span,
                reasons::district_only(span),
            ));
        }
        if served_province && !context_foreign {
            return None; // the province itself: says nothing about the commune
        }
        let foreign = larger
            .iter()
            .copied()
            .find(|&target| !self.target_served(target))?;
        let confidence = if typed { 0.9 } else { 0.6 };
        Some(self.outside_claim(confidence, typed, span, self.target_province_name(foreign)))
    }

    /// Districts and provinces the head can name, given its type word; within the named
    /// province when there is one.
    fn larger_units_named(
        &self,
        head: &Mention,
        targets: &[Target],
        context_provinces: &[usize],
    ) -> Vec<Target> {
        let larger: Vec<Target> = targets
            .iter()
            .copied()
            .filter(|target| match target {
                Target::District(_) => {
                    head.word == PlaceWord::None
                        || (head.word.is_district() && self.type_compatible(head.word, *target))
                }
                Target::Province(index) => match head.word {
                    PlaceWord::None | PlaceWord::Tinh => true,
                    PlaceWord::ThanhPho => {
                        self.gazetteer.provinces[*index as usize].province_type == "thanh pho"
                    }
                    _ => false,
                },
                _ => false,
            })
            .collect();
        if !context_provinces.is_empty() {
            let kept: Vec<Target> = larger
                .iter()
                .copied()
                .filter(|&target| {
                    context_provinces
                        .iter()
                        .any(|&province| self.province_matches(target, province))
                })
                .collect();
            if !kept.is_empty() {
                return kept;
            }
        }
        larger
    }

    /// A place in another province.
    pub(super) fn outside_claim(
        &self,
        confidence: f64,
        typed: bool,
        span: &str,
        province: &str,
    ) -> Claim {
        Claim::new(
            ClaimKind::Outside,
            confidence,
            typed,
            span,
            reasons::out_of_province(span, province, self.gazetteer.province_name()),
        )
    }

    /// A typed name the served province does not know.
    pub(super) fn unknown_claim(&self, typed: bool, span: &str) -> Claim {
        Claim::new(
            ClaimKind::Unknown,
            0.0,
            typed,
            span,
            reasons::unknown_place(span, self.gazetteer.province_name()),
        )
    }
}
