//! The shared location as evidence: for the unit the text names, among the options of a
//! split or ambiguous name, or on its own.

use super::Decision;
use super::combine::{Draft, Evidence, Pick, PickSource};
use crate::location::{LocResult, MARGIN, NEAR};
use crate::reasons::{self, Reason};

impl Evidence<'_> {
    /// Weighs the location against the unit the text names. `Err` carries the conflict
    /// when the point lies in another unit, far from the named one.
    pub fn check_location(&self, unit: usize, draft: &mut Draft) -> Result<(), Reason> {
        let Some((point, located)) = &self.location else {
            return Ok(());
        };
        let served = self.router.gazetteer.province_name();
        match located {
            LocResult::Inside { unit: inside, .. } if *inside == unit => {
                draft
                    .reasons
                    .push(reasons::location_agrees(self.unit_name(unit)));
                draft.confidence = (draft.confidence + 0.03).min(0.99);
            }
            LocResult::Inside { unit: inside, .. } => {
                let near = self
                    .router
                    .locations
                    .scores(*point)
                    .iter()
                    .any(|&(scored, score)| scored == unit && score < NEAR);
                if !near {
                    return Err(reasons::location_conflict(
                        self.unit_name(unit),
                        self.unit_name(*inside),
                    ));
                }
                draft
                    .reasons
                    .push(reasons::location_agrees(self.unit_name(unit)));
            }
            LocResult::Ambiguous { best, second } if *best == unit || *second == unit => {
                draft
                    .reasons
                    .push(reasons::location_agrees(self.unit_name(unit)));
            }
            LocResult::Ambiguous { .. } => draft.confidence -= 0.1,
            LocResult::Outside { province } => {
                draft
                    .reasons
                    .push(reasons::location_outside(province.as_deref(), served));
                draft.confidence -= 0.1;
            }
        }
        Ok(())
    }

    /// The option the point lies in, when it clearly does.
    pub fn location_pick(&self, options: &[usize]) -> Option<Pick> {
        let (point, _) = self.location.as_ref()?;
        let scores: Vec<(usize, f64)> = self
            .router
            .locations
            .scores(*point)
            .into_iter()
            .filter(|(unit, _)| options.contains(unit))
            .collect();
        let (unit, confidence) = match scores.as_slice() {
            [(unit, score)] if *score < NEAR => (*unit, 0.85),
            [(unit, score), (_, second), ..] if *second > score * MARGIN => (*unit, 0.8),
            _ => return None,
        };
        Some(Pick {
            unit,
            confidence,
            reason: reasons::location_inside(self.unit_name(unit)),
            source: PickSource::Location,
        })
    }

    /// 5. The shared location alone: inside one unit routes (unless the text names a place
    ///    elsewhere), near a border or outside the province goes to triage.
    pub fn shared_location(&self) -> Option<Decision> {
        let (_, located) = self.location.as_ref()?;
        match located {
            LocResult::Inside { unit, score } => {
                if self.outside_claims().next().is_some() {
                    return None;
                }
                let confidence = if *score < 1.0 { 0.9 } else { 0.8 };
                let reason = reasons::location_inside(self.unit_name(*unit));
                Some(self.route(*unit, confidence, vec![reason]))
            }
            LocResult::Ambiguous { best, second } => {
                let reason =
                    reasons::location_border(self.unit_name(*best), self.unit_name(*second));
                Some(self.triage(Some(*best), 0.45, vec![reason]))
            }
            LocResult::Outside { province } => {
                let served = self.router.gazetteer.province_name();
                let reason = reasons::location_outside(province.as_deref(), served);
                Some(self.triage(None, 0.2, vec![reason]))
            }
        }
    }
}
