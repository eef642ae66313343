//! The province of a decision: the routed unit's; for the triage queue, the province the
//! text names (a province, or the one province its districts or candidate communes share).
//! A regional or national deployment files a triage ticket under it, so that the province's
//! supervisors see it.

use super::claim::{Claim, ClaimKind};
use super::{Decision, Router};
use crate::mentions::{Mention, Target};
use crate::reasons;
use crate::text::{PlaceWord, Prepared, Sep};

impl Router {
    pub(super) fn decision_province(
        &self,
        unit_code: Option<&str>,
        claims: &[Claim],
        mentions: &[Mention],
    ) -> Option<String> {
        if let Some(unit) = unit_code.and_then(|code| self.gazetteer.unit(code)) {
            return Some(unit.province_code.clone());
        }
        let named = self.named(mentions, |target| matches!(target, Target::Province(_)));
        let from_claims = self.claims_province(claims);
        match named.as_slice() {
            [one] => return Some(one.clone()),
            [] => {}
            several => {
                // Two provinces named ("quê Nghệ An, đang ở Hà Tĩnh"): the one the communes
                // are in, if they say.
                return from_claims.filter(|code| several.contains(code));
            }
        }
        if from_claims.is_some() {
            return from_claims;
        }
        let districts = self.named(mentions, |target| matches!(target, Target::District(_)));
        match districts.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        }
    }

    /// A unit found while the address goes on to name another province or its district
    /// ("xã Tân Thành, ấp 3, huyện Cần Giuộc, Long An": a hamlet broke the chain): the same
    /// commune name at home is not enough. A province named elsewhere in the sentence ("người
    /// Nghệ An đang ở phường Thành Sen") is not part of an address and does not count.
    pub(super) fn unless_another_province(
        &self,
        message: &Prepared,
        decision: &mut Decision,
        mentions: &[Mention],
    ) {
        let Some(unit) = decision
            .unit_code
            .as_deref()
            .and_then(|code| self.gazetteer.unit(code))
        else {
            return;
        };
        let mut previous_end: Option<usize> = None;
        for mention in mentions {
            let linked = mention.start > 0
                && (message.tokens[mention.start].sep == Sep::Comma
                    || previous_end == Some(mention.start));
            previous_end = Some(mention.end);
            if !linked || mention.word.is_commune() || mention.word.is_ignored() {
                continue;
            }
            let targets = self.matcher.targets(mention.pid);
            // The commune's own name ("Thanh Sơn" is also a district elsewhere).
            if targets
                .iter()
                .any(|&target| self.target_province(target) == unit.province_code)
            {
                continue;
            }
            let larger: Vec<Target> = targets
                .iter()
                .copied()
                .filter(|&target| !target.is_commune() && self.names_larger(mention, target))
                .collect();
            if larger.is_empty()
                || larger
                    .iter()
                    .any(|&target| self.target_province(target) == unit.province_code)
            {
                continue;
            }
            let province = self
                .gazetteer
                .province_name_of(self.target_province(larger[0]))
                .unwrap_or_default();
            decision
                .reasons
                .insert(0, reasons::province_conflict(province, &unit.name));
            decision.suggested_unit = decision.unit_code.take();
            decision.confidence = decision.confidence.min(0.4);
            return;
        }
    }

    /// Can the mention name this district or province, given its type word?
    fn names_larger(&self, mention: &Mention, target: Target) -> bool {
        match target {
            Target::Province(index) => match mention.word {
                PlaceWord::None | PlaceWord::Tinh => true,
                PlaceWord::ThanhPho => {
                    self.gazetteer.provinces[index as usize].province_type == "thanh pho"
                }
                _ => false,
            },
            _ => mention.word == PlaceWord::None || self.type_compatible(mention.word, target),
        }
    }

    /// Distinct 2025 provinces of the mentions' targets picked by `wanted` (typed mentions of
    /// another kind, such as "xã Hà Tĩnh", do not count).
    fn named(&self, mentions: &[Mention], wanted: fn(&Target) -> bool) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for mention in mentions {
            if mention.word.is_commune() || mention.word.is_ignored() {
                continue;
            }
            let targets = self.matcher.targets(mention.pid);
            let mut codes: Vec<&str> = targets
                .iter()
                .filter(|target| wanted(target))
                .filter(|&&target| self.names_larger(mention, target))
                .map(|&target| self.target_province(target))
                .collect();
            codes.sort_unstable();
            codes.dedup();
            // A name shared by districts of several provinces says nothing.
            if let [code] = codes.as_slice()
                && !out.iter().any(|c| c == code)
            {
                out.push((*code).to_owned());
            }
        }
        out
    }

    /// The one province every candidate unit of the claims lies in, if there is one.
    fn claims_province(&self, claims: &[Claim]) -> Option<String> {
        let mut found: Option<&str> = None;
        for claim in claims {
            let units: &[usize] = match &claim.kind {
                ClaimKind::Unit(unit) => std::slice::from_ref(unit),
                ClaimKind::Split { options, .. } | ClaimKind::Ambiguous(options) => options,
                _ => continue,
            };
            for &unit in units {
                let code = self.gazetteer.units()[unit].province_code.as_str();
                match found {
                    None => found = Some(code),
                    Some(f) if f == code => {}
                    Some(_) => return None,
                }
            }
        }
        found.map(str::to_owned)
    }
}
