//! Loading the bundled gazetteer: national 2025 units, legacy communes with their districts
//! and bounding boxes, the legacy -> 2025 mapping, the older Hà Tĩnh names and the district
//! changes before 2025. The whole country is always in memory; the deployment's scope (one
//! province, several, or all) decides which units are *served* (routable) and which only
//! say "elsewhere".
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
    #[error(
        "province code {0} not found in the gazetteer (2025 codes: 01 Hà Nội ... 42 Hà Tĩnh ... 96 Cà Mau)"
    )]
    UnknownProvince(String),
    #[error(
        "routing.province_code {0:?}: give a 2025 province code (\"42\"), a list (\"40,42\") or \"*\" for the whole country"
    )]
    BadScope(String),
}

/// The provinces a deployment serves, by their 2025 codes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    Country,
    Provinces(Vec<String>),
}

impl Scope {
    /// "42", "40,42" or "*".
    pub fn parse(s: &str) -> Result<Scope, GazetteerError> {
        let s = s.trim();
        if s == "*" {
            return Ok(Scope::Country);
        }
        let mut codes: Vec<String> = Vec::new();
        for part in s.split(',').map(str::trim) {
            if part.len() != 2 || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(GazetteerError::BadScope(s.to_owned()));
            }
            if !codes.iter().any(|c| c == part) {
                codes.push(part.to_owned());
            }
        }
        Ok(Scope::Provinces(codes))
    }

    pub fn contains(&self, province_code: &str) -> bool {
        match self {
            Scope::Country => true,
            Scope::Provinces(codes) => codes.iter().any(|c| c == province_code),
        }
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scope::Country => f.write_str("*"),
            Scope::Provinces(codes) => f.write_str(&codes.join(",")),
        }
    }
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
    /// 2025 province code.
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
    /// Legacy (63-province) code and name.
    pub province_code: String,
    pub province_name: String,
    /// The 2025 province its successors are in.
    pub province_code_2025: String,
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

/// One row of the legacy -> 2025 mapping of the served provinces.
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
    /// 2025 province code.
    pub province_code: String,
    /// The pre-July-2025 commune (code in `units_legacy.csv`).
    pub pre2025_code: String,
    pub pre2025_name: String,
    /// The 2025 unit that took it over.
    pub new_code: String,
}

/// A legacy district (or town/city), national; or one that changed before 2025, standing
/// for the districts that took it over (`successors`).
#[derive(Clone, Debug)]
pub struct District {
    pub name: String,
    /// Folded type word ("huyen", "thi xa", "thanh pho", "quan").
    pub district_type: String,
    pub key: String,
    pub province_key: String,
    pub province_name: String,
    /// 2025 province code.
    pub province_code: String,
    pub served: bool,
    /// A former district: the indexes of the districts that took it over, and the change.
    pub successors: Vec<usize>,
    pub change: Option<String>,
}

/// A province (legacy 63 and 2025 34, merged by name).
#[derive(Clone, Debug)]
pub struct Province {
    pub name: String,
    /// Folded type word ("tinh" or "thanh pho").
    pub province_type: String,
    pub key: String,
    /// The 2025 province it is, or was merged into.
    pub code: String,
    pub served: bool,
}

/// National data in memory; the served provinces chosen at load.
#[derive(Debug)]
pub struct Gazetteer {
    scope: Scope,
    /// "Tỉnh Hà Tĩnh", "Tỉnh Nghệ An, Tỉnh Hà Tĩnh" or "Việt Nam": where the deployment serves.
    label: String,
    units: Vec<Unit>,
    pub(crate) foreign_units: Vec<Unit>,
    legacy: Vec<LegacyUnit>,
    pub(crate) foreign_legacy: Vec<LegacyUnit>,
    successions: Vec<Succession>,
    pub(crate) older: Vec<OlderName>,
    pub(crate) districts: Vec<District>,
    pub(crate) provinces: Vec<Province>,
    pub(crate) abbreviations: Vec<Abbreviation>,
    unit_index: HashMap<String, usize>,
    legacy_index: HashMap<String, usize>,
    succession_index: HashMap<String, Vec<usize>>,
    /// Served unit -> the served legacy communes it took over (whole or part).
    predecessors: Vec<Vec<u32>>,
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

#[derive(Deserialize)]
struct RawFormerDistrict {
    province_code: String,
    old_name: String,
    old_type: String,
    new_name: String,
    kind: String,
    effective: String,
    resolution: String,
}

#[derive(Deserialize)]
struct RawAbbreviation {
    abbreviation: String,
    level: String,
    province_code: String,
    name: String,
}

/// The gazetteer's files: read from a folder, or built into the binary.
struct Files {
    /// Shown in errors: the folder, or "(built in)".
    origin: PathBuf,
    units: Vec<u8>,
    legacy: Vec<u8>,
    successions: Vec<u8>,
    older: Option<Vec<u8>>,
    former_districts: Option<Vec<u8>>,
    abbreviations: Option<Vec<u8>>,
}

const UNITS_2025: &str = "units_2025.csv";
const UNITS_LEGACY: &str = "units_legacy.csv";
const SUCCESSIONS: &str = "legacy_to_2025.csv";
const OLDER: &str = "ha_tinh_older_names.csv";
const FORMER_DISTRICTS: &str = "former_districts.csv";
const ABBREVIATIONS: &str = "abbreviations.csv";

impl Files {
    fn read(dir: &Path) -> Result<Files, GazetteerError> {
        let required = |name: &str| -> Result<Vec<u8>, GazetteerError> {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|source| GazetteerError::Io { path, source })
        };
        let optional = |name: &str| -> Result<Option<Vec<u8>>, GazetteerError> {
            let path = dir.join(name);
            if path.exists() {
                required(name).map(Some)
            } else {
                Ok(None)
            }
        };
        Ok(Files {
            origin: dir.to_owned(),
            units: required(UNITS_2025)?,
            legacy: required(UNITS_LEGACY)?,
            successions: required(SUCCESSIONS)?,
            older: optional(OLDER)?,
            former_districts: optional(FORMER_DISTRICTS)?,
            abbreviations: optional(ABBREVIATIONS)?,
        })
    }

    /// The copy of `config/gazetteer/` compiled into the binary.
    fn builtin() -> Files {
        macro_rules! file {
            ($name:literal) => {
                include_bytes!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../config/gazetteer/",
                    $name
                ))
                .to_vec()
            };
        }
        Files {
            origin: PathBuf::from("(built in)"),
            units: file!("units_2025.csv"),
            legacy: file!("units_legacy.csv"),
            successions: file!("legacy_to_2025.csv"),
            older: Some(file!("ha_tinh_older_names.csv")),
            former_districts: Some(file!("former_districts.csv")),
            abbreviations: Some(file!("abbreviations.csv")),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.origin.join(name)
    }
}

fn read_csv<T: for<'de> Deserialize<'de>>(
    data: &[u8],
    path: PathBuf,
) -> Result<Vec<T>, GazetteerError> {
    let mut rdr = csv::Reader::from_reader(data);
    let mut out = Vec::new();
    for rec in rdr.deserialize() {
        out.push(rec.map_err(|source| GazetteerError::Csv {
            path: path.clone(),
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

/// "phuong06", "p6", "f6", "ward6" -> "6": the data's spellings of a numbered ward (former
/// names of merged wards, "Phường 6" of Quận 3 now in Võ Thị Sáu) as the bare number the
/// matcher looks up behind a type word.
fn numbered_keyword(keyword: &str) -> Option<String> {
    let digits_at = keyword.find(|c: char| c.is_ascii_digit())?;
    let (prefix, number) = keyword.split_at(digits_at);
    let number = number.trim_start_matches('0');
    (matches!(prefix, "phuong" | "p" | "f" | "ward" | "xa" | "thitran")
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit()))
    .then(|| number.to_owned())
}

/// Compact key of a province name without its type word ("Tỉnh Hà Tĩnh" -> "hatinh").
fn province_key_of(name: &str) -> String {
    let folded = fold(name);
    compact(strip_type(strip_type(&folded, "tinh"), "thanh pho"))
}

/// Adds a province the first time its name is seen (legacy and 2025 provinces of the same
/// name are one).
fn add_province(provinces: &mut Vec<Province>, name: &str, code_2025: &str, scope: &Scope) {
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
        code: code_2025.to_owned(),
        served: scope.contains(code_2025),
    });
}

/// The 2025 units, split into the served provinces' (sorted by name) and the others.
fn units_2025(raw_units: Vec<RawUnit>, scope: &Scope) -> (Vec<Unit>, Vec<Unit>) {
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
        if scope.contains(&unit.province_code) {
            units.push(unit);
        } else {
            foreign_units.push(unit);
        }
    }
    units.sort_by(|a, b| a.folded_name.cmp(&b.folded_name).then(a.name.cmp(&b.name)));
    (units, foreign_units)
}

/// Where the legacy communes and provinces went in 2025: the province of their successors.
struct ProvinceMap {
    commune: HashMap<String, String>,
    province: HashMap<String, String>,
}

impl ProvinceMap {
    fn new(
        raw_units: &[RawUnit],
        raw_succ: &[RawSuccession],
        raw_legacy: &[RawLegacy],
    ) -> ProvinceMap {
        let unit_province: HashMap<&str, &str> = raw_units
            .iter()
            .map(|u| (u.unit_code.as_str(), u.province_code.as_str()))
            .collect();
        let mut commune: HashMap<String, String> = HashMap::new();
        for r in raw_succ {
            if let Some(&p) = unit_province.get(r.new_code.as_str()) {
                commune
                    .entry(r.legacy_code.clone())
                    .or_insert_with(|| p.to_owned());
            }
        }
        // Provinces were merged whole in 2025: a legacy province goes where its communes went.
        let mut province: HashMap<String, String> = HashMap::new();
        for l in raw_legacy {
            if let Some(p) = commune.get(&l.commune_code) {
                province
                    .entry(l.province_code.clone())
                    .or_insert_with(|| p.clone());
            }
        }
        ProvinceMap { commune, province }
    }

    fn of_province(&self, legacy_province: &str) -> String {
        self.province
            .get(legacy_province)
            .cloned()
            .unwrap_or_else(|| legacy_province.to_owned())
    }

    fn of_commune(&self, legacy_code: &str, legacy_province: &str) -> String {
        self.commune
            .get(legacy_code)
            .cloned()
            .unwrap_or_else(|| self.of_province(legacy_province))
    }
}

/// The legacy communes (the served provinces' sorted by code, and the others), with every
/// district they name and their provinces added to `provinces`.
struct LegacyTables {
    legacy: Vec<LegacyUnit>,
    foreign_legacy: Vec<LegacyUnit>,
    districts: Vec<District>,
}

impl LegacyTables {
    fn read(
        raw_legacy: Vec<RawLegacy>,
        scope: &Scope,
        map: &ProvinceMap,
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
            let province_2025 = map.of_commune(&r.commune_code, &r.province_code);
            let served = scope.contains(&province_2025);
            add_province(provinces, &r.province_name, &province_2025, scope);
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
                    province_code: province_2025.clone(),
                    served,
                    successors: Vec::new(),
                    change: None,
                });
            }
            if r.commune_code.is_empty() {
                continue; // island districts without communes
            }
            let commune = legacy_unit(
                r,
                province_2025,
                served,
                district_type,
                district_key,
                path,
                i + 1,
            )?;
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
    province_code_2025: String,
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
    let mut former_keys: Vec<String> = Vec::new();
    if served {
        for keyword in bare_keywords(&r.keywords) {
            let keyword = numbered_keyword(&keyword).unwrap_or(keyword);
            if keyword != key && !former_keys.contains(&keyword) {
                former_keys.push(keyword);
            }
        }
    }
    Ok(LegacyUnit {
        code: r.commune_code,
        name: r.commune_name,
        district_name: r.district_name,
        district_type,
        unit_type: r.commune_type,
        province_code: r.province_code,
        province_name: r.province_name,
        province_code_2025,
        lat: r.lat,
        lon: r.lon,
        bounds,
        folded_name,
        key,
        district_key,
        former_keys,
    })
}

/// Districts that changed before 2025 ("Huyện Tĩnh Gia", "Quận 9"), each standing for the
/// legacy districts that took it over; a row naming an unknown district is an error.
fn former_districts(
    raw: Vec<RawFormerDistrict>,
    map: &ProvinceMap,
    scope: &Scope,
    districts: &mut Vec<District>,
    path: &Path,
) -> Result<(), GazetteerError> {
    for (i, r) in raw.into_iter().enumerate() {
        let Some(successor) = districts.iter().position(|d| {
            d.successors.is_empty()
                && d.name == r.new_name
                && d.province_code == map.of_province(&r.province_code)
        }) else {
            return Err(GazetteerError::Invalid {
                path: path.to_owned(),
                record: i + 1,
                message: format!(
                    "no district {:?} in province {}",
                    r.new_name, r.province_code
                ),
            });
        };
        let folded = fold(&r.old_name);
        let old_type = fold(&r.old_type);
        let key = compact(strip_type(&folded, &old_type));
        let change = format!("{} {} ({})", r.kind, r.effective, r.resolution);
        if let Some(existing) = districts.iter_mut().find(|d| {
            !d.successors.is_empty()
                && d.name == r.old_name
                && d.province_code == map.of_province(&r.province_code)
        }) {
            existing.successors.push(successor);
            continue;
        }
        let of = &districts[successor];
        let district = District {
            name: r.old_name,
            district_type: old_type,
            key,
            province_key: of.province_key.clone(),
            province_name: of.province_name.clone(),
            province_code: of.province_code.clone(),
            served: scope.contains(&of.province_code),
            successors: vec![successor],
            change: Some(change),
        };
        districts.push(district);
    }
    Ok(())
}

/// Everyday abbreviations of provinces and districts ("HCM", "BRVT", "BT"): compact key and
/// what it names.
#[derive(Clone, Debug)]
pub(crate) struct Abbreviation {
    pub key: String,
    pub province: Option<usize>,
    pub district: Option<usize>,
}

fn abbreviations(
    raw: Vec<RawAbbreviation>,
    map: &ProvinceMap,
    provinces: &[Province],
    districts: &[District],
) -> Vec<Abbreviation> {
    let mut out = Vec::new();
    for r in raw {
        let key = compact(&r.abbreviation);
        if key.is_empty() {
            continue;
        }
        let province_2025 = map.of_province(&r.province_code);
        let (province, district) = if r.level == "district" {
            let found = districts
                .iter()
                .position(|d| d.name == r.name && d.province_code == province_2025);
            (None, found)
        } else {
            (provinces.iter().position(|p| p.name == r.name), None)
        };
        if province.is_some() || district.is_some() {
            out.push(Abbreviation {
                key,
                province,
                district,
            });
        }
    }
    out
}

/// The served provinces' legacy -> 2025 rows (both codes known).
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

/// The older names whose 2025 unit is a served one.
fn older_names(
    raw_older: Vec<RawOlder>,
    unit_index: &HashMap<String, usize>,
    units: &[Unit],
) -> Vec<OlderName> {
    let mut older = Vec::new();
    for r in raw_older {
        let Some(&unit) = unit_index.get(&r.new_codes) else {
            continue; // another province's rows, or a code we cannot place
        };
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
            province_code: units[unit].province_code.clone(),
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
    /// Loads the national gazetteer from `dir`, serving `scope`: a 2025 province code ("42"),
    /// a list ("40,42") or "*" for the whole country.
    pub fn load(dir: &Path, scope: &str) -> Result<Gazetteer, GazetteerError> {
        Gazetteer::from_files(Files::read(dir)?, &Scope::parse(scope)?)
    }

    /// The gazetteer compiled into the binary (the repository's `config/gazetteer/`).
    pub fn builtin(scope: &str) -> Result<Gazetteer, GazetteerError> {
        Gazetteer::from_files(Files::builtin(), &Scope::parse(scope)?)
    }

    fn from_files(files: Files, scope: &Scope) -> Result<Gazetteer, GazetteerError> {
        let raw_units: Vec<RawUnit> = read_csv(&files.units, files.path(UNITS_2025))?;
        let raw_legacy: Vec<RawLegacy> = read_csv(&files.legacy, files.path(UNITS_LEGACY))?;
        let raw_succ: Vec<RawSuccession> = read_csv(&files.successions, files.path(SUCCESSIONS))?;
        let raw_older: Vec<RawOlder> = match &files.older {
            Some(data) => read_csv(data, files.path(OLDER))?,
            None => Vec::new(),
        };
        let raw_former: Vec<RawFormerDistrict> = match &files.former_districts {
            Some(data) => read_csv(data, files.path(FORMER_DISTRICTS))?,
            None => Vec::new(),
        };
        let raw_abbrev: Vec<RawAbbreviation> = match &files.abbreviations {
            Some(data) => read_csv(data, files.path(ABBREVIATIONS))?,
            None => Vec::new(),
        };

        let mut served_names: Vec<String> = Vec::new();
        if let Scope::Provinces(codes) = scope {
            for code in codes {
                let name = raw_units
                    .iter()
                    .find(|u| &u.province_code == code)
                    .map(|u| u.province_name.clone())
                    .ok_or_else(|| GazetteerError::UnknownProvince(code.clone()))?;
                served_names.push(name);
            }
        }
        let label = match scope {
            Scope::Country => "Việt Nam".to_owned(),
            Scope::Provinces(_) => served_names.join(", "),
        };

        let map = ProvinceMap::new(&raw_units, &raw_succ, &raw_legacy);
        let (units, foreign_units) = units_2025(raw_units, scope);
        let mut provinces: Vec<Province> = Vec::new();
        for u in units.iter().chain(foreign_units.iter()) {
            add_province(&mut provinces, &u.province_name, &u.province_code, scope);
        }
        let LegacyTables {
            legacy,
            foreign_legacy,
            mut districts,
        } = LegacyTables::read(
            raw_legacy,
            scope,
            &map,
            &files.path(UNITS_LEGACY),
            &mut provinces,
        )?;
        former_districts(
            raw_former,
            &map,
            scope,
            &mut districts,
            &files.path(FORMER_DISTRICTS),
        )?;
        let abbreviations = abbreviations(raw_abbrev, &map, &provinces, &districts);
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
        let older = older_names(raw_older, &unit_index, &units);
        let mut predecessors: Vec<Vec<u32>> = vec![Vec::new(); units.len()];
        for s in &successions {
            if let (Some(&unit), Some(&legacy)) = (
                unit_index.get(&s.new_code),
                legacy_index.get(&s.legacy_code),
            ) {
                predecessors[unit].push(legacy as u32);
            }
        }

        Ok(Gazetteer {
            scope: scope.clone(),
            label,
            units,
            foreign_units,
            legacy,
            foreign_legacy,
            successions,
            older,
            districts,
            provinces,
            abbreviations,
            unit_index,
            legacy_index,
            succession_index,
            predecessors,
        })
    }

    /// The provinces served.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// Where the deployment serves, for people: "Tỉnh Hà Tĩnh", or "Việt Nam".
    pub fn province_name(&self) -> &str {
        &self.label
    }

    /// The served 2025 units, sorted by name.
    pub fn units(&self) -> &[Unit] {
        &self.units
    }

    /// A served 2025 unit.
    pub fn unit(&self, code: &str) -> Option<&Unit> {
        self.unit_index.get(code).map(|&i| &self.units[i])
    }

    pub(crate) fn unit_idx(&self, code: &str) -> Option<usize> {
        self.unit_index.get(code).copied()
    }

    /// The served provinces' legacy communes, sorted by code.
    pub fn legacy_units(&self) -> &[LegacyUnit] {
        &self.legacy
    }

    /// A served legacy commune (legacy code, not a 2025 code).
    pub fn legacy_unit(&self, code: &str) -> Option<&LegacyUnit> {
        self.legacy_index.get(code).map(|&i| &self.legacy[i])
    }

    /// Legacy -> 2025 rows of the served provinces.
    pub fn successions(&self) -> &[Succession] {
        &self.successions
    }

    /// The 2025 units that took over a served legacy commune.
    pub fn successors_of(&self, legacy_code: &str) -> impl Iterator<Item = &Succession> {
        self.succession_index
            .get(legacy_code)
            .into_iter()
            .flatten()
            .map(|&i| &self.successions[i])
    }

    /// Did the served unit (index) take over a commune of the district (index)?
    pub(crate) fn unit_covers_district(&self, unit: usize, district: usize) -> bool {
        let district = &self.districts[district];
        self.predecessors[unit].iter().any(|&legacy| {
            let legacy = &self.legacy[legacy as usize];
            legacy.district_key == district.key
                && legacy.district_type == district.district_type
                && legacy.province_code_2025 == district.province_code
        })
    }

    /// Older Hà Tĩnh names (before the legacy list).
    pub fn older_names(&self) -> &[OlderName] {
        &self.older
    }

    /// The served 2025 provinces: (code, name), in code order.
    pub fn served_provinces(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for u in &self.units {
            if !out.iter().any(|(code, _)| *code == u.province_code) {
                out.push((u.province_code.clone(), u.province_name.clone()));
            }
        }
        out.sort();
        out
    }

    /// Name of a 2025 province, served or not.
    pub fn province_name_of(&self, code: &str) -> Option<&str> {
        self.units
            .iter()
            .chain(self.foreign_units.iter())
            .find(|u| u.province_code == code)
            .map(|u| u.province_name.as_str())
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
