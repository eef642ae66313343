//! What the gazetteer says about a matched name's target: its province, whether the served
//! provinces hold it, its type word and (for legacy communes) its former district.

use super::Router;
use crate::mentions::Target;
use crate::text::{PlaceWord, fold};

impl Router {
    pub(super) fn unit_name(&self, unit: usize) -> &str {
        &self.gazetteer.units()[unit].name
    }

    /// "Xã A, Phường B" for the reasons.
    pub(super) fn unit_names(&self, units: &[usize]) -> String {
        units
            .iter()
            .map(|&unit| self.unit_name(unit))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The 2025 province of a target.
    pub(super) fn target_province(&self, target: Target) -> &str {
        let gazetteer = &*self.gazetteer;
        match target {
            Target::Unit(index) => &gazetteer.units()[index as usize].province_code,
            Target::ForeignUnit(index) => &gazetteer.foreign_units[index as usize].province_code,
            Target::Legacy(index) | Target::LegacyFormer(index) => {
                &gazetteer.legacy_units()[index as usize].province_code_2025
            }
            Target::ForeignLegacy(index) => {
                &gazetteer.foreign_legacy[index as usize].province_code_2025
            }
            Target::Older(index) => &gazetteer.older[index as usize].province_code,
            Target::District(index) => &gazetteer.districts[index as usize].province_code,
            Target::Province(index) => &gazetteer.provinces[index as usize].code,
        }
    }

    /// Is the target in the province (index into the gazetteer's provinces), or in the 2025
    /// province it was merged into?
    pub(super) fn province_matches(&self, target: Target, province: usize) -> bool {
        self.target_province(target) == self.gazetteer.provinces[province].code
    }

    /// Is the target in the 2025 province of the district (index)?
    pub(super) fn province_matches_district(&self, target: Target, district: usize) -> bool {
        self.target_province(target) == self.gazetteer.districts[district].province_code
    }

    pub(super) fn target_served(&self, target: Target) -> bool {
        match target {
            Target::Unit(_) | Target::Legacy(_) | Target::LegacyFormer(_) | Target::Older(_) => {
                true
            }
            Target::ForeignUnit(_) | Target::ForeignLegacy(_) => false,
            Target::District(index) => self.gazetteer.districts[index as usize].served,
            Target::Province(index) => self.gazetteer.provinces[index as usize].served,
        }
    }

    pub(super) fn target_province_name(&self, target: Target) -> &str {
        let gazetteer = &*self.gazetteer;
        match target {
            Target::ForeignUnit(index) => &gazetteer.foreign_units[index as usize].province_name,
            Target::ForeignLegacy(index) => &gazetteer.foreign_legacy[index as usize].province_name,
            Target::District(index) => &gazetteer.districts[index as usize].province_name,
            Target::Province(index) => &gazetteer.provinces[index as usize].name,
            _ => gazetteer.province_name(),
        }
    }

    /// The name of a commune-level target without its type word, as the data spells it
    /// (former names have no spelling of their own).
    pub(super) fn target_bare_name(&self, target: Target) -> Option<&str> {
        let gazetteer = &*self.gazetteer;
        let (name, unit_type) = match target {
            Target::Unit(index) => {
                let unit = &gazetteer.units()[index as usize];
                (&unit.name, &unit.unit_type)
            }
            Target::ForeignUnit(index) => {
                let unit = &gazetteer.foreign_units[index as usize];
                (&unit.name, &unit.unit_type)
            }
            Target::Legacy(index) => {
                let legacy = &gazetteer.legacy_units()[index as usize];
                (&legacy.name, &legacy.unit_type)
            }
            Target::ForeignLegacy(index) => {
                let legacy = &gazetteer.foreign_legacy[index as usize];
                (&legacy.name, &legacy.unit_type)
            }
            _ => return None,
        };
        Some(name.strip_prefix(unit_type.as_str()).unwrap_or(name).trim())
    }

    /// Folded type word of a target.
    fn target_type(&self, target: Target) -> PlaceWord {
        let gazetteer = &*self.gazetteer;
        let folded_type = match target {
            Target::Unit(index) => fold(&gazetteer.units()[index as usize].unit_type),
            Target::ForeignUnit(index) => fold(&gazetteer.foreign_units[index as usize].unit_type),
            Target::Legacy(index) | Target::LegacyFormer(index) => {
                fold(&gazetteer.legacy_units()[index as usize].unit_type)
            }
            Target::ForeignLegacy(index) => {
                fold(&gazetteer.foreign_legacy[index as usize].unit_type)
            }
            Target::Older(index) => gazetteer.older[index as usize].unit_type.clone(),
            Target::District(index) => gazetteer.districts[index as usize].district_type.clone(),
            Target::Province(index) => gazetteer.provinces[index as usize].province_type.clone(),
        };
        PlaceWord::from_unit_type(&folded_type)
    }

    /// Does the type word written in front of a name fit the target ("phường" before a xã
    /// does not)? No type word fits anything.
    pub(super) fn type_compatible(&self, word: PlaceWord, target: Target) -> bool {
        if word == PlaceWord::None {
            return true;
        }
        let target_type = self.target_type(target);
        // Older ascii keys sometimes carry no type: accept them.
        target_type == PlaceWord::None || target_type == word
    }

    /// District (key, folded type, 2025 province) of a served legacy-era target.
    pub(super) fn target_district(&self, target: Target) -> Option<(&str, &str, &str)> {
        match target {
            Target::Legacy(index) | Target::LegacyFormer(index) => {
                let legacy = &self.gazetteer.legacy_units()[index as usize];
                Some((
                    &legacy.district_key,
                    &legacy.district_type,
                    &legacy.province_code_2025,
                ))
            }
            Target::Older(index) => {
                let older = &self.gazetteer.older[index as usize];
                Some((
                    &older.district_key,
                    &older.district_type,
                    &older.province_code,
                ))
            }
            _ => None,
        }
    }
}
