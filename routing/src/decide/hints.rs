//! Account and previous-ticket hints: the unit chosen in the web form, the unit owning the
//! channel that received the message, and the units of the contact's previous tickets.

use super::combine::{Draft, Evidence, Pick, PickSource};
use super::{Decision, HintSource, ROUTE_MIN, RouteInput, Router};
use crate::location::LocResult;
use crate::reasons::{self, Reason};

impl Router {
    /// The hinted unit, if the served province has it; an unknown code is said and ignored.
    pub(super) fn known_hint(
        &self,
        input: &RouteInput,
        leading_reasons: &mut Vec<Reason>,
    ) -> Option<(usize, HintSource)> {
        let hint = input.unit_hint?;
        match self.gazetteer.unit_idx(hint.code) {
            Some(unit) => Some((unit, hint.source)),
            None => {
                leading_reasons.push(reasons::unknown_hint(
                    hint.code,
                    self.gazetteer.province_name(),
                ));
                None
            }
        }
    }
}

impl Evidence<'_> {
    fn account_owner(&self) -> Option<usize> {
        match self.hint {
            Some((unit, HintSource::Account)) => Some(unit),
            _ => None,
        }
    }

    /// 1. The unit chosen in the form wins, even over a unit the text names.
    pub fn form_choice(&self, units_named: &[usize]) -> Option<Decision> {
        let Some((chosen, HintSource::Form)) = self.hint else {
            return None;
        };
        let mut reasons = vec![reasons::form_choice(self.unit_name(chosen))];
        let mut confidence = 0.97;
        if let Some(&named) = units_named.iter().find(|&&named| named != chosen) {
            reasons.push(reasons::form_overrides_text(self.unit_name(named)));
            confidence = 0.85;
        }
        Some(self.route(chosen, confidence, reasons))
    }

    /// The account's owner confirms the unit the text names; the text wins otherwise.
    pub fn weigh_account(&self, unit: usize, draft: &mut Draft) {
        let Some(owner) = self.account_owner() else {
            return;
        };
        if owner == unit {
            draft
                .reasons
                .push(reasons::account_owner(self.unit_name(owner)));
            draft.confidence = (draft.confidence + 0.03).min(0.99);
        } else {
            draft
                .reasons
                .push(reasons::text_over_account(self.unit_name(owner)));
        }
    }

    pub fn account_pick(&self, options: &[usize]) -> Option<Pick> {
        let owner = self
            .account_owner()
            .filter(|owner| options.contains(owner))?;
        Some(Pick {
            unit: owner,
            confidence: 0.8,
            reason: reasons::account_owner(self.unit_name(owner)),
            source: PickSource::Account,
        })
    }

    /// The option every previous ticket (among the options) went to.
    pub fn previous_tickets_pick(&self, options: &[usize]) -> Option<Pick> {
        let previous: Vec<usize> = self
            .input
            .previous_units
            .iter()
            .filter_map(|code| self.router.gazetteer.unit_idx(code))
            .filter(|unit| options.contains(unit))
            .collect();
        let &first = previous.first()?;
        if !previous.iter().all(|&unit| unit == first) {
            return None;
        }
        Some(Pick {
            unit: first,
            confidence: ROUTE_MIN,
            reason: reasons::previous_tickets(self.unit_name(first)),
            source: PickSource::PreviousTickets,
        })
    }

    /// The unit of most previous tickets (the first of them on a tie), to suggest.
    pub fn previous_tickets_suggestion(&self) -> (Option<usize>, Vec<Reason>) {
        let mut counts: Vec<(usize, usize)> = Vec::new();
        for code in self.input.previous_units {
            if let Some(unit) = self.router.gazetteer.unit_idx(code) {
                match counts.iter_mut().find(|(counted, _)| *counted == unit) {
                    Some(entry) => entry.1 += 1,
                    None => counts.push((unit, 1)),
                }
            }
        }
        counts.sort_by_key(|&(_, count)| std::cmp::Reverse(count));
        match counts.first() {
            Some(&(unit, _)) => (
                Some(unit),
                vec![reasons::previous_tickets(self.unit_name(unit))],
            ),
            None => (None, Vec::new()),
        }
    }

    /// 4. The unit's own channel, unless the text clearly names a place elsewhere.
    pub fn account_channel(&self) -> Option<Decision> {
        let owner = self.account_owner()?;
        if self.any_typed_outside() {
            let reasons = self
                .outside_claims()
                .flat_map(|claim| claim.reasons.clone())
                .collect();
            return Some(self.triage(Some(owner), 0.3, reasons));
        }
        let mut reasons = vec![reasons::account_owner(self.unit_name(owner))];
        let mut confidence = 0.8;
        if let Some((_, LocResult::Inside { unit, .. })) = &self.location {
            if *unit == owner {
                reasons.push(reasons::location_agrees(self.unit_name(owner)));
            } else {
                reasons.push(reasons::location_inside(self.unit_name(*unit)));
                confidence = 0.65;
            }
        }
        Some(self.route(owner, confidence, reasons))
    }
}
