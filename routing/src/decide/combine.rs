//! Combining into a decision. The evidence is weighed in order of strength, and the first
//! step that can decide does:
//!
//! 1. the unit chosen in the web form (`hints`);
//! 2. one unit named by the text, checked against the location and the account;
//! 3. a split commune, an ambiguous name or a weak claim, settled by the location, the
//!    account or (weakly) previous tickets;
//! 4. the unit owning the Zalo OA or Facebook Page (`hints`);
//! 5. the shared location alone (`location`);
//! 6. nothing routable: triage, saying why.

use super::claim::{Claim, ClaimKind};
use super::{Decision, HintSource, ROUTE_MIN, RouteInput, Router};
use crate::location::{LatLon, LocResult};
use crate::reasons::{self, Reason};

/// What the combining steps weigh, gathered once per message.
pub(super) struct Evidence<'a> {
    pub router: &'a Router,
    pub input: &'a RouteInput<'a>,
    pub claims: &'a [Claim],
    /// The hinted unit, when it is one of the served province's.
    pub hint: Option<(usize, HintSource)>,
    /// The shared point and the unit it lies in.
    pub location: Option<(LatLon, LocResult)>,
    /// Reasons every decision starts with (an unknown hint).
    pub leading_reasons: Vec<Reason>,
}

/// A decision taking shape around one unit.
pub(super) struct Draft {
    pub confidence: f64,
    pub reasons: Vec<Reason>,
}

/// A unit chosen among several options, and what chose it.
pub(super) struct Pick {
    pub unit: usize,
    pub confidence: f64,
    pub reason: Reason,
    pub source: PickSource,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum PickSource {
    Location,
    Account,
    PreviousTickets,
}

impl Router {
    pub(super) fn combine(&self, input: &RouteInput, claims: &[Claim]) -> Decision {
        let mut leading_reasons = Vec::new();
        let hint = self.known_hint(input, &mut leading_reasons);
        let evidence = Evidence {
            router: self,
            input,
            claims,
            hint,
            location: input
                .location
                .map(|point| (point, self.locations.locate(point))),
            leading_reasons,
        };
        let strong = evidence.strong_unit_claims();
        let units = distinct_units(&strong);
        evidence
            .form_choice(&units)
            .or_else(|| evidence.units_named(&strong, &units))
            .or_else(|| evidence.settled_claim())
            .or_else(|| evidence.account_channel())
            .or_else(|| evidence.shared_location())
            .unwrap_or_else(|| evidence.nothing_routable())
    }
}

/// The units of the strong claims, each once, in text order.
fn distinct_units(strong: &[&Claim]) -> Vec<usize> {
    let mut units: Vec<usize> = Vec::new();
    for claim in strong {
        if let ClaimKind::Unit(unit) = claim.kind
            && !units.contains(&unit)
        {
            units.push(unit);
        }
    }
    units
}

impl Evidence<'_> {
    pub fn route(&self, unit: usize, confidence: f64, mut reasons: Vec<Reason>) -> Decision {
        let mut all = self.leading_reasons.clone();
        all.append(&mut reasons);
        Decision {
            unit_code: Some(self.router.gazetteer.units()[unit].code.clone()),
            confidence,
            reasons: all,
            suggested_unit: None,
            province_code: None,
        }
    }

    pub fn triage(
        &self,
        suggested: Option<usize>,
        confidence: f64,
        mut reasons: Vec<Reason>,
    ) -> Decision {
        let mut all = self.leading_reasons.clone();
        all.append(&mut reasons);
        Decision {
            unit_code: None,
            confidence,
            reasons: all,
            suggested_unit: suggested.map(|unit| self.router.gazetteer.units()[unit].code.clone()),
            province_code: None,
        }
    }

    pub fn unit_name(&self, unit: usize) -> &str {
        self.router.unit_name(unit)
    }

    /// Sure unit claims; bare names only count when nothing typed was found.
    fn strong_unit_claims(&self) -> Vec<&Claim> {
        let is_strong_unit = |claim: &Claim| {
            matches!(claim.kind, ClaimKind::Unit(_)) && claim.confidence >= ROUTE_MIN
        };
        let any_typed_unit = self
            .claims
            .iter()
            .any(|claim| claim.typed && is_strong_unit(claim));
        self.claims
            .iter()
            .filter(|claim| is_strong_unit(claim) && (claim.typed || !any_typed_unit))
            .collect()
    }

    pub fn outside_claims(&self) -> impl Iterator<Item = &Claim> {
        self.claims
            .iter()
            .filter(|claim| matches!(claim.kind, ClaimKind::Outside))
    }

    /// The text clearly names a place in another province ("xã A, tỉnh B").
    pub fn any_typed_outside(&self) -> bool {
        self.outside_claims().any(|claim| claim.typed)
    }

    /// 2. The text names one unit (possibly several times, old and new names), or
    ///    several, which an officer must sort out.
    fn units_named(&self, strong: &[&Claim], units: &[usize]) -> Option<Decision> {
        match units {
            [] => None,
            [unit] => Some(self.one_unit_named(*unit, strong)),
            _ => {
                let mut reasons: Vec<Reason> = strong
                    .iter()
                    .flat_map(|claim| claim.reasons.clone())
                    .collect();
                let list = strong
                    .iter()
                    .map(|claim| claim.span.as_str())
                    .collect::<Vec<_>>()
                    .join("; ");
                reasons.insert(0, reasons::conflicting_places(&list));
                Some(self.triage(None, 0.3, reasons))
            }
        }
    }

    fn one_unit_named(&self, unit: usize, strong: &[&Claim]) -> Decision {
        let mut reasons: Vec<Reason> = strong
            .iter()
            .flat_map(|claim| claim.reasons.iter().cloned())
            .collect();
        reasons.dedup();
        let mut draft = Draft {
            confidence: strong
                .iter()
                .map(|claim| claim.confidence)
                .fold(0.0, f64::max),
            reasons,
        };
        // A split commune named elsewhere in the message, of which this unit is a part.
        for claim in self.claims {
            if let ClaimKind::Split { options, .. } = &claim.kind
                && options.contains(&unit)
            {
                draft.reasons.push(reasons::split_resolved(
                    &claim.span,
                    self.unit_name(unit),
                    "địa danh khác trong tin nhắn",
                    "another place in the message",
                ));
            }
        }
        if let Err(conflict) = self.check_location(unit, &mut draft) {
            draft.reasons.insert(0, conflict);
            return self.triage(Some(unit), 0.4, draft.reasons);
        }
        self.weigh_account(unit, &mut draft);
        if self.any_typed_outside() {
            draft.confidence -= 0.1;
            draft.reasons.extend(
                self.outside_claims()
                    .flat_map(|claim| claim.reasons.clone()),
            );
        }
        if draft.confidence >= ROUTE_MIN {
            self.route(unit, draft.confidence, draft.reasons)
        } else {
            self.triage(Some(unit), draft.confidence, draft.reasons)
        }
    }

    /// 3. No single unit from the text: the first split commune, ambiguous name or weak
    ///    claim, settled by the location, the account or (weakly) the previous tickets.
    fn settled_claim(&self) -> Option<Decision> {
        self.claims.iter().find_map(|claim| match &claim.kind {
            ClaimKind::Split { options, default } => {
                let mut reasons = claim.reasons.clone();
                // A previous ticket is too weak to settle a split.
                if let Some(pick) = self.pick_among(options)
                    && pick.source != PickSource::PreviousTickets
                {
                    reasons.push(pick.reason);
                    reasons.push(reasons::split_resolved(
                        &claim.span,
                        self.unit_name(pick.unit),
                        "thông tin kèm theo",
                        "the accompanying information",
                    ));
                    return Some(self.route(pick.unit, pick.confidence, reasons));
                }
                let suggested = default.or(options.first().copied());
                Some(self.triage(suggested, 0.45, reasons))
            }
            ClaimKind::Ambiguous(options) => {
                let mut reasons = claim.reasons.clone();
                if let Some(pick) = self.pick_among(options) {
                    reasons.push(pick.reason);
                    return Some(self.route(pick.unit, pick.confidence, reasons));
                }
                let suggested = options.first().copied();
                Some(self.triage(suggested, claim.confidence.min(0.5), reasons))
            }
            ClaimKind::Unit(unit) => {
                // A weak claim (e.g. the district does not match).
                let mut reasons = claim.reasons.clone();
                if let Some(pick) = self.pick_among(&[*unit])
                    && pick.source != PickSource::PreviousTickets
                {
                    reasons.push(pick.reason);
                    return Some(self.route(pick.unit, pick.confidence, reasons));
                }
                Some(self.triage(Some(*unit), claim.confidence.min(0.5), reasons))
            }
            _ => None,
        })
    }

    /// One of `options`, by the location, else the account, else agreeing previous tickets.
    fn pick_among(&self, options: &[usize]) -> Option<Pick> {
        self.location_pick(options)
            .or_else(|| self.account_pick(options))
            .or_else(|| self.previous_tickets_pick(options))
    }

    /// 6. Nothing routable: say why, suggesting the unit of most previous tickets.
    fn nothing_routable(&self) -> Decision {
        let (suggested, previous_reasons) = self.previous_tickets_suggestion();
        let kinds: [fn(&ClaimKind) -> bool; 3] = [
            |kind| matches!(kind, ClaimKind::Outside),
            |kind| matches!(kind, ClaimKind::District),
            |kind| matches!(kind, ClaimKind::Unknown),
        ];
        for is_kind in kinds {
            let found: Vec<&Claim> = self
                .claims
                .iter()
                .filter(|claim| is_kind(&claim.kind))
                .collect();
            if !found.is_empty() {
                let mut reasons: Vec<Reason> = found
                    .iter()
                    .flat_map(|claim| claim.reasons.clone())
                    .collect();
                reasons.extend(previous_reasons);
                return self.triage(suggested, 0.2, reasons);
            }
        }
        let mut reasons = vec![reasons::no_place()];
        reasons.extend(previous_reasons);
        self.triage(suggested, 0.0, reasons)
    }
}
