//! Where legacy-era names went in 2025: one unit, a split commune, or several candidates,
//! turned into a claim with a readable reason.

use super::Router;
use super::claim::{Claim, ClaimKind};
use crate::mentions::Target;
use crate::reasons;

/// Where a set of legacy-era targets went in 2025 (indexes of 2025 units).
enum Successors {
    One(usize),
    Split {
        options: Vec<usize>,
        default: Option<usize>,
    },
    Many(Vec<usize>),
    Nothing,
}

impl Router {
    fn target_successors(&self, target: Target) -> Successors {
        let gazetteer = &*self.gazetteer;
        let legacy_code = match target {
            Target::Unit(index) => return Successors::One(index as usize),
            Target::Legacy(index) | Target::LegacyFormer(index) => {
                gazetteer.legacy_units()[index as usize].code.as_str()
            }
            Target::Older(index) => {
                let older = &gazetteer.older[index as usize];
                let split = gazetteer
                    .successors_of(&older.pre2025_code)
                    .any(|successor| !successor.share_whole);
                // The older name's own 2025 unit holds unless its commune was split.
                if !split {
                    return match gazetteer.unit_idx(&older.new_code) {
                        Some(unit) => Successors::One(unit),
                        None => Successors::Nothing,
                    };
                }
                older.pre2025_code.as_str()
            }
            _ => return Successors::Nothing,
        };
        let mut options = Vec::new();
        let mut default = None;
        let mut whole = true;
        for successor in gazetteer.successors_of(legacy_code) {
            if let Some(unit) = gazetteer.unit_idx(&successor.new_code) {
                if !options.contains(&unit) {
                    options.push(unit);
                }
                if successor.is_default {
                    default = Some(unit);
                }
                whole &= successor.share_whole;
            }
        }
        match options.len() {
            0 => Successors::Nothing,
            1 if whole => Successors::One(options[0]),
            _ => Successors::Split { options, default },
        }
    }

    fn successors_of_all(&self, targets: &[Target]) -> Successors {
        let mut units: Vec<usize> = Vec::new();
        let mut split: Option<Successors> = None;
        for &target in targets {
            match self.target_successors(target) {
                Successors::One(unit) => {
                    if !units.contains(&unit) {
                        units.push(unit);
                    }
                }
                Successors::Split { options, default } => {
                    if let Some(Successors::Split { options: first, .. }) = &mut split {
                        // Two split communes under one name: any of their parts.
                        for unit in options {
                            if !first.contains(&unit) {
                                first.push(unit);
                            }
                        }
                        split = Some(Successors::Many(std::mem::take(first)));
                    } else if let Some(Successors::Many(all)) = &mut split {
                        for unit in options {
                            if !all.contains(&unit) {
                                all.push(unit);
                            }
                        }
                    } else {
                        split = Some(Successors::Split { options, default });
                    }
                }
                Successors::Many(more) => units.extend(more),
                Successors::Nothing => {}
            }
        }
        if let Some(Successors::Many(mut all)) = split {
            for unit in units {
                if !all.contains(&unit) {
                    all.push(unit);
                }
            }
            return Successors::Many(all);
        }
        match (split, units.len()) {
            (Some(found), 0) => found,
            (Some(Successors::Split { options, .. }), _) => {
                // A split commune and a whole one under the same name: agree only if the
                // whole one's unit is among the split's parts.
                if units.len() == 1 && options.contains(&units[0]) {
                    Successors::One(units[0])
                } else {
                    let mut all = units;
                    all.extend(options);
                    all.dedup();
                    Successors::Many(all)
                }
            }
            (_, 0) => Successors::Nothing,
            (_, 1) => Successors::One(units[0]),
            _ => Successors::Many(units),
        }
    }

    /// Turns the successors of legacy-era targets into a claim with a readable reason.
    pub(super) fn successor_claim(
        &self,
        targets: &[Target],
        confidence: f64,
        typed: bool,
        span: &str,
    ) -> Option<Claim> {
        let (kind, reason) = match self.successors_of_all(targets) {
            Successors::One(unit) => {
                let reason = self.one_successor_reason(targets.first(), span, unit);
                (ClaimKind::Unit(unit), reason)
            }
            Successors::Split { options, default } => {
                let default_unit = default.unwrap_or(options[0]);
                let reason = reasons::split_commune(
                    span,
                    &self.unit_names(&options),
                    self.unit_name(default_unit),
                );
                (ClaimKind::Split { options, default }, reason)
            }
            Successors::Many(units) => {
                let reason = reasons::ambiguous_name(span, &self.unit_names(&units));
                (ClaimKind::Ambiguous(units), reason)
            }
            Successors::Nothing => return None,
        };
        Some(Claim::new(kind, confidence, typed, span, reason))
    }

    /// Says which kind of name led to the unit: today's, the last legacy one, a former one
    /// or an older one.
    fn one_successor_reason(
        &self,
        first: Option<&Target>,
        span: &str,
        unit: usize,
    ) -> reasons::Reason {
        let name = self.unit_name(unit);
        match first {
            Some(Target::Older(index)) => {
                let older = &self.gazetteer.older[*index as usize];
                reasons::older_name(span, &older.pre2025_name, name)
            }
            Some(Target::LegacyFormer(index)) => {
                let legacy = &self.gazetteer.legacy_units()[*index as usize];
                reasons::former_name(span, &legacy.name, name)
            }
            Some(Target::Unit(_)) => reasons::new_unit_named(span, name),
            _ => reasons::legacy_name_merged(span, name),
        }
    }
}
