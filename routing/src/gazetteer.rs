//! Loading the bundled gazetteer: national 2025 units, legacy communes with their districts
//! and bounding boxes, the legacy -> 2025 mapping and the older Hà Tĩnh names.
//!
//! Codes are reused across generations (18652 is legacy Xã Tân Lâm Hương but 2025 Phường Hà
//! Huy Tập), so 2025 units and legacy communes live in separate tables and are never looked
//! up in one another's index.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::text::{compact, fold};

#[derive(Debug, thiserror::Error)]
pub enum GazetteerError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("bad CSV in {path}: {source}")]
    Csv { path: PathBuf, source: csv::Error },
    #[error("bad data in {path}, record {record}: {message}")]
    Invalid {
        path: PathBuf,
        record: usize,
        message: String,
    },
    #[error("province code {0} not found in the gazetteer")]
    UnknownProvince(String),
}

/// A 2025 unit (commune `Xã`, ward `Phường` or special zone `Đặc khu`).
#[derive(Clone, Debug)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub unit_type: String,
    pub lat: f64,
    pub lon: f64,
    pub area_km2: f64,
    /// e.g. "xa toan luu"
    pub folded_name: String,
    pub province_code: String,
    pub province_name: String,
    /// Folded name without the type word, no spaces ("toanluu").
    pub key: String,
    /// Spelling variants from the data's ascii keys ("vynh" for "vinh"...), same form as `key`.
    pub variants: Vec<String>,
}

/// Latitude/longitude box.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BBox {
    pub min_lat: f64,
    pub min_lon: f64,
    pub max_lat: f64,
    pub max_lon: f64,
}

impl BBox {
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        lat >= self.min_lat && lat <= self.max_lat && lon >= self.min_lon && lon <= self.max_lon
    }

    /// Parses "lat,lon – lat,lon" (two corners separated by an en dash).
    fn parse(s: &str) -> Option<BBox> {
        let (a, b) = s.split_once('–')?;
        let corner = |c: &str| -> Option<(f64, f64)> {
            let (la, lo) = c.trim().split_once(',')?;
            Some((la.trim().parse().ok()?, lo.trim().parse().ok()?))
        };
        let (la1, lo1) = corner(a)?;
        let (la2, lo2) = corner(b)?;
        Some(BBox {
            min_lat: la1.min(la2),
            min_lon: lo1.min(lo2),
            max_lat: la1.max(la2),
            max_lon: lo1.max(lo2),
        })
    }
}

/// A commune before July 2025 (three-level system).
#[derive(Clone, Debug)]
pub struct LegacyUnit {
    pub code: String,
    pub name: String,
    pub district_name: String,
    pub district_type: String,
    pub unit_type: String,
    pub province_code: String,
    pub province_name: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub bounds: Option<BBox>,
    pub folded_name: String,
    /// Folded compact name without the type word.
    pub key: String,
    /// Folded compact district name without its type word ("thachha").
    pub district_key: String,
    /// Former names (e.g. communes merged in 2019) and spelling variants, compact ascii.
    pub former_keys: Vec<String>,
}

/// One row of the legacy -> 2025 mapping of the served province.
#[derive(Clone, Debug)]
pub struct Succession {
    pub legacy_code: String,
    pub new_code: String,
    pub share_whole: bool,
    pub is_default: bool,
}

/// A name older than the legacy list (before the early-2025 reshuffle, or 2019-era keys).
#[derive(Clone, Debug)]
pub struct OlderName {
    /// Display form: "Xã Thạch Đài" or, for ascii alias keys, the key as given.
    pub name: String,
    pub district_name: String,
    /// Folded type word of the name ("xa", "phuong", "thi tran"), empty if unknown.
    pub unit_type: String,
    pub key: String,
    pub district_key: String,
    /// Folded type word of the district, empty if unknown.
    pub district_type: String,
    /// The pre-July-2025 commune (code in `units_legacy.csv`).
    pub pre2025_code: String,
    pub pre2025_name: String,
    /// The 2025 unit that took it over.
    pub new_code: String,
}

/// A legacy district (or town/city), national.
#[derive(Clone, Debug)]
pub struct District {
    pub name: String,
    /// Folded type word ("huyen", "thi xa", "thanh pho", "quan").
    pub district_type: String,
    pub key: String,
    pub province_key: String,
    pub province_name: String,
    pub served: bool,
}

/// A province (legacy 63 and 2025 34, merged by name).
#[derive(Clone, Debug)]
pub struct Province {
    pub name: String,
    /// Folded type word ("tinh" or "thanh pho").
    pub province_type: String,
    pub key: String,
    pub served: bool,
}

/// National data in memory; the served province chosen at load.
#[derive(Debug)]
pub struct Gazetteer {
    province_code: String,
    province_name: String,
    province_key: String,
    units: Vec<Unit>,
    pub(crate) foreign_units: Vec<Unit>,
    legacy: Vec<LegacyUnit>,
    pub(crate) foreign_legacy: Vec<LegacyUnit>,
    successions: Vec<Succession>,
    pub(crate) older: Vec<OlderName>,
    pub(crate) districts: Vec<District>,
    pub(crate) provinces: Vec<Province>,
    unit_index: HashMap<String, usize>,
    legacy_index: HashMap<String, usize>,
    succession_index: HashMap<String, Vec<usize>>,
}

#[derive(Deserialize)]
struct RawUnit {
    province_code: String,
    province_name: String,
    unit_code: String,
    unit_name: String,
    unit_type: String,
    lat: f64,
    lon: f64,
    /// Missing for a few units; 0 then (the location scorer floors it).
    area_km2: Option<f64>,
    keywords: String,
}

#[derive(Deserialize)]
struct RawLegacy {
    province_code: String,
    province_name: String,
    district_name: String,
    district_type: String,
    commune_code: String,
    commune_name: String,
    commune_type: String,
    lat: Option<f64>,
    lon: Option<f64>,
    bounds: String,
    keywords: String,
}

#[derive(Deserialize)]
struct RawSuccession {
    legacy_code: String,
    new_code: String,
    share: String,
    is_default: String,
}

#[derive(Deserialize)]
struct RawOlder {
    alias_name: String,
    alias_district: String,
    pre2025_code: String,
    pre2025_name: String,
    new_codes: String,
}

fn read_csv<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>, GazetteerError> {
    let data = std::fs::read(path).map_err(|source| GazetteerError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut rdr = csv::Reader::from_reader(data.as_slice());
    let mut out = Vec::new();
    for rec in rdr.deserialize() {
        out.push(rec.map_err(|source| GazetteerError::Csv {
            path: path.to_owned(),
            source,
        })?);
    }
    Ok(out)
}

/// Removes a leading type word from a folded name ("xa toan luu" -> "toan luu").
pub(crate) fn strip_type<'a>(folded_name: &'a str, folded_type: &str) -> &'a str {
    if !folded_type.is_empty()
        && let Some(rest) = folded_name.strip_prefix(folded_type)
        && let Some(rest) = rest.strip_prefix(' ')
    {
        return rest;
    }
    folded_name
}

/// Ascii type prefixes used by the data's compact keys, longest first.
const KEY_PREFIXES: [(&str, &str); 9] = [
    ("thanhpho", "thanh pho"),
    ("thitran", "thi tran"),
    ("dackhu", "dac khu"),
    ("phuong", "phuong"),
    ("thixa", "thi xa"),
    ("huyen", "huyen"),
    ("tinh", "tinh"),
    ("quan", "quan"),
    ("xa", "xa"),
];

/// Splits an ascii key like "phuongthachlinh" into ("phuong", "thachlinh").
fn split_key(key: &str) -> (&'static str, &str) {
    for (p, t) in KEY_PREFIXES {
        if let Some(rest) = key.strip_prefix(p)
            && !rest.is_empty()
        {
            return (t, rest);
        }
    }
    ("", key)
}

/// Bare (type-less) keywords from a JSON list of ascii keys. A keyword is type-prefixed when
/// the list also holds it without the prefix; those are dropped.
fn bare_keywords(json: &str) -> Vec<String> {
    let list: Vec<String> = serde_json::from_str(json).unwrap_or_default();
    let mut out: Vec<String> = Vec::new();
    for k in &list {
        let (t, rest) = split_key(k);
        let prefixed = !t.is_empty() && list.iter().any(|o| o == rest);
        if !prefixed && !out.contains(k) {
            out.push(k.clone());
        }
    }
    out
}

/// Compact key of a province name without its type word ("Tỉnh Hà Tĩnh" -> "hatinh").
fn province_key_of(name: &str) -> String {
    let folded = fold(name);
    compact(strip_type(strip_type(&folded, "tinh"), "thanh pho"))
}

/// Adds a province the first time its name is seen.
fn add_province(provinces: &mut Vec<Province>, name: &str, served: bool) {
    if provinces.iter().any(|p| p.name == name) {
        return;
    }
    let folded = fold(name);
    let (province_type, rest) = if let Some(rest) = folded.strip_prefix("thanh pho ") {
        ("thanh pho", rest)
    } else if let Some(rest) = folded.strip_prefix("tinh ") {
        ("tinh", rest)
    } else {
        ("", folded.as_str())
    };
    provinces.push(Province {
        name: name.to_owned(),
        province_type: province_type.to_owned(),
        key: compact(rest),
        served,
    });
}

/// The 2025 units, split into the served province's (sorted by name) and the others.
fn units_2025(raw_units: Vec<RawUnit>, province_code: &str) -> (Vec<Unit>, Vec<Unit>) {
    let mut units = Vec::new();
    let mut foreign_units = Vec::new();
    for r in raw_units {
        let folded_name = fold(&r.unit_name);
        let folded_type = fold(&r.unit_type);
        let key = compact(strip_type(&folded_name, &folded_type));
        let variants: Vec<String> = bare_keywords(&r.keywords)
            .into_iter()
            .filter(|k| *k != key)
            .collect();
        let unit = Unit {
            code: r.unit_code,
            name: r.unit_name,
            unit_type: r.unit_type,
            lat: r.lat,
            lon: r.lon,
            area_km2: r.area_km2.unwrap_or(0.0),
            folded_name,
            province_code: r.province_code,
            province_name: r.province_name,
            key,
            variants,
        };
        if unit.province_code == province_code {
            units.push(unit);
        } else {
            foreign_units.push(unit);
        }
    }
    units.sort_by(|a, b| a.folded_name.cmp(&b.folded_name).then(a.name.cmp(&b.name)));
    (units, foreign_units)
}

/// The legacy communes (the served province's sorted by code, and the others), with every
/// district they name and their provinces added to `provinces`.
struct LegacyTables {
    legacy: Vec<LegacyUnit>,
    foreign_legacy: Vec<LegacyUnit>,
    districts: Vec<District>,
}

impl LegacyTables {
    fn read(
        raw_legacy: Vec<RawLegacy>,
        province_code: &str,
        path: &Path,
        provinces: &mut Vec<Province>,
    ) -> Result<LegacyTables, GazetteerError> {
        let mut tables = LegacyTables {
            legacy: Vec::new(),
            foreign_legacy: Vec::new(),
            districts: Vec::new(),
        };
        let mut district_seen: HashMap<(String, String), ()> = HashMap::new();
        for (i, r) in raw_legacy.into_iter().enumerate() {
            let served = r.province_code == province_code;
            add_province(provinces, &r.province_name, served);
            let district_folded = fold(&r.district_name);
            let district_type = fold(&r.district_type);
            let district_key = compact(strip_type(&district_folded, &district_type));
            let province_key = province_key_of(&r.province_name);
            if district_seen
                .insert((province_key.clone(), r.district_name.clone()), ())
                .is_none()
            {
                tables.districts.push(District {
                    name: r.district_name.clone(),
                    district_type: district_type.clone(),
                    key: district_key.clone(),
                    province_key,
                    province_name: r.province_name.clone(),
                    served,
                });
            }
            if r.commune_code.is_empty() {
                continue; // island districts without communes
            }
            let commune = legacy_unit(r, served, district_type, district_key, path, i + 1)?;
            if served {
                tables.legacy.push(commune);
            } else {
                tables.foreign_legacy.push(commune);
            }
        }
        tables.legacy.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(tables)
    }
}

/// One legacy commune of `units_legacy.csv` (`record` counts from 1, for errors).
fn legacy_unit(
    r: RawLegacy,
    served: bool,
    district_type: String,
    district_key: String,
    path: &Path,
    record: usize,
) -> Result<LegacyUnit, GazetteerError> {
    let folded_name = fold(&r.commune_name);
    let folded_type = fold(&r.commune_type);
    let key = compact(strip_type(&folded_name, &folded_type));
    let bounds = if r.bounds.is_empty() {
        None
    } else {
        Some(
            BBox::parse(&r.bounds).ok_or_else(|| GazetteerError::Invalid {
                path: path.to_owned(),
                record,
                message: format!("bad bounds {:?}", r.bounds),
            })?,
        )
    };
    // Former names only matter where the names are matched with districts: served.
    let former_keys = if served {
        bare_keywords(&r.keywords)
            .into_iter()
            .filter(|k| *k != key)
            .collect()
    } else {
        Vec::new()
    };
    Ok(LegacyUnit {
        code: r.commune_code,
        name: r.commune_name,
        district_name: r.district_name,
        district_type,
        unit_type: r.commune_type,
        province_code: r.province_code,
        province_name: r.province_name,
        lat: r.lat,
        lon: r.lon,
        bounds,
        folded_name,
        key,
        district_key,
        former_keys,
    })
}

/// The served province's legacy -> 2025 rows (both codes known).
fn successions(
    raw_succ: Vec<RawSuccession>,
    legacy_index: &HashMap<String, usize>,
    unit_index: &HashMap<String, usize>,
) -> Vec<Succession> {
    raw_succ
        .into_iter()
        .filter(|r| {
            legacy_index.contains_key(&r.legacy_code) && unit_index.contains_key(&r.new_code)
        })
        .map(|r| Succession {
            legacy_code: r.legacy_code,
            new_code: r.new_code,
            share_whole: r.share == "whole",
            is_default: r.is_default == "1",
        })
        .collect()
}

/// Type word (folded) and compact key of an older name or district: written out
/// ("Xã Thạch Đài") or as an ascii key ("xathachdai").
fn older_type_and_key(name: &str, types: [&'static str; 4]) -> (String, String) {
    if name.contains(' ') {
        let folded = fold(name);
        let type_word = types
            .into_iter()
            .find(|t| folded.starts_with(&format!("{t} ")))
            .unwrap_or("");
        (
            type_word.to_owned(),
            compact(strip_type(&folded, type_word)),
        )
    } else {
        let (type_word, rest) = split_key(name);
        (type_word.to_owned(), rest.to_owned())
    }
}

/// The older names whose 2025 unit is one of the served province's.
fn older_names(raw_older: Vec<RawOlder>, unit_index: &HashMap<String, usize>) -> Vec<OlderName> {
    let mut older = Vec::new();
    for r in raw_older {
        if !unit_index.contains_key(&r.new_codes) {
            continue; // another province's rows, or a code we cannot place
        }
        let (unit_type, key) =
            older_type_and_key(&r.alias_name, ["thi tran", "phuong", "xa", "dac khu"]);
        let (district_type, district_key) =
            older_type_and_key(&r.alias_district, ["thanh pho", "thi xa", "huyen", "quan"]);
        if key.is_empty() {
            continue;
        }
        older.push(OlderName {
            name: r.alias_name,
            district_name: r.alias_district,
            unit_type,
            key,
            district_key,
            district_type,
            pre2025_code: r.pre2025_code,
            pre2025_name: r.pre2025_name,
            new_code: r.new_codes,
        });
    }
    older
}

/// Code -> position in `items`.
fn index_by_code<T>(items: &[T], code: impl Fn(&T) -> &String) -> HashMap<String, usize> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| (code(item).clone(), i))
        .collect()
}

impl Gazetteer {
    /// Loads the national gazetteer from `dir` and serves `province_code` (e.g. "42").
    pub fn load(dir: &Path, province_code: &str) -> Result<Gazetteer, GazetteerError> {
        let raw_units: Vec<RawUnit> = read_csv(&dir.join("units_2025.csv"))?;
        let raw_legacy: Vec<RawLegacy> = read_csv(&dir.join("units_legacy.csv"))?;
        let raw_succ: Vec<RawSuccession> = read_csv(&dir.join("legacy_to_2025.csv"))?;
        let older_path = dir.join("ha_tinh_older_names.csv");
        let raw_older: Vec<RawOlder> = if older_path.exists() {
            read_csv(&older_path)?
        } else {
            Vec::new()
        };

        let province_name = raw_units
            .iter()
            .find(|u| u.province_code == province_code)
            .map(|u| u.province_name.clone())
            .or_else(|| {
                raw_legacy
                    .iter()
                    .find(|l| l.province_code == province_code)
                    .map(|l| l.province_name.clone())
            })
            .ok_or_else(|| GazetteerError::UnknownProvince(province_code.to_owned()))?;
        let province_key = province_key_of(&province_name);

        let (units, foreign_units) = units_2025(raw_units, province_code);
        let mut provinces: Vec<Province> = Vec::new();
        for u in units.iter().chain(foreign_units.iter()) {
            add_province(
                &mut provinces,
                &u.province_name,
                u.province_code == province_code,
            );
        }
        let LegacyTables {
            legacy,
            foreign_legacy,
            districts,
        } = LegacyTables::read(
            raw_legacy,
            province_code,
            &dir.join("units_legacy.csv"),
            &mut provinces,
        )?;
        let legacy_index = index_by_code(&legacy, |l| &l.code);
        let unit_index = index_by_code(&units, |u| &u.code);

        let successions = successions(raw_succ, &legacy_index, &unit_index);
        let mut succession_index: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, s) in successions.iter().enumerate() {
            succession_index
                .entry(s.legacy_code.clone())
                .or_default()
                .push(i);
        }
        let older = older_names(raw_older, &unit_index);

        Ok(Gazetteer {
            province_code: province_code.to_owned(),
            province_name,
            province_key,
            units,
            foreign_units,
            legacy,
            foreign_legacy,
            successions,
            older,
            districts,
            provinces,
            unit_index,
            legacy_index,
            succession_index,
        })
    }

    pub fn province_code(&self) -> &str {
        &self.province_code
    }

    pub fn province_name(&self) -> &str {
        &self.province_name
    }

    pub(crate) fn province_key(&self) -> &str {
        &self.province_key
    }

    /// The served province's 2025 units, sorted by name.
    pub fn units(&self) -> &[Unit] {
        &self.units
    }

    /// A 2025 unit of the served province.
    pub fn unit(&self, code: &str) -> Option<&Unit> {
        self.unit_index.get(code).map(|&i| &self.units[i])
    }

    pub(crate) fn unit_idx(&self, code: &str) -> Option<usize> {
        self.unit_index.get(code).copied()
    }

    /// The served province's legacy communes, sorted by code.
    pub fn legacy_units(&self) -> &[LegacyUnit] {
        &self.legacy
    }

    /// A legacy commune of the served province (legacy code, not a 2025 code).
    pub fn legacy_unit(&self, code: &str) -> Option<&LegacyUnit> {
        self.legacy_index.get(code).map(|&i| &self.legacy[i])
    }

    /// Legacy -> 2025 rows of the served province.
    pub fn successions(&self) -> &[Succession] {
        &self.successions
    }

    /// The 2025 units that took over a legacy commune of the served province.
    pub fn successors_of(&self, legacy_code: &str) -> impl Iterator<Item = &Succession> {
        self.succession_index
            .get(legacy_code)
            .into_iter()
            .flatten()
            .map(|&i| &self.successions[i])
    }

    /// Older Hà Tĩnh names (before the legacy list).
    pub fn older_names(&self) -> &[OlderName] {
        &self.older
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bounds_and_keys() {
        let b = BBox::parse("21.040199,105.842293 – 21.053464,105.855959").expect("bounds");
        assert!(b.contains(21.045, 105.85));
        assert_eq!(split_key("phuongthachlinh"), ("phuong", "thachlinh"));
        assert_eq!(split_key("thanhphohatinh"), ("thanh pho", "hatinh"));
        let kw = bare_keywords(r#"["phuongdongmon", "xathachdong", "thachdong", "dongmon"]"#);
        assert_eq!(kw, ["thachdong", "dongmon"]);
    }
}
