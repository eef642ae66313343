//! A shared location -> 2025 unit. 2025 units have only a centroid and an area; legacy
//! communes have a centroid and a bounding box. A point is scored against each candidate
//! unit by its distance to the unit's centroid in units of the unit's equivalent radius, and
//! to the centroids of the legacy communes (whose boxes contain it) that passed wholly into
//! the unit. The best unit wins only with a margin over the next one.

use crate::gazetteer::{BBox, Gazetteer};

#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum LocResult {
    /// Inside (or clearly nearest to) one unit.
    Inside { unit: usize, score: f64 },
    /// Near the border of two units.
    Ambiguous { best: usize, second: usize },
    /// Outside the served province; the province it seems to be in, if known.
    Outside { province: Option<String> },
}

struct LegacyCell {
    bbox: BBox,
    lat: f64,
    lon: f64,
    radius_km: f64,
    /// Served unit indexes that took it over, and whether wholly.
    successors: Vec<(usize, bool)>,
}

pub struct LocationIndex {
    cells: Vec<LegacyCell>,
    /// Centroid and equivalent radius (km) of each served 2025 unit.
    units: Vec<(f64, f64, f64)>,
    /// Boxes of other provinces' legacy communes, for naming where an outside point is.
    foreign: Vec<(BBox, f64, f64, u32)>,
    foreign_names: Vec<String>,
}

/// Equirectangular distance in km; exact enough at commune scale.
pub fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let k = std::f64::consts::PI / 180.0;
    let x = (lon2 - lon1) * k * ((lat1 + lat2) * 0.5 * k).cos();
    let y = (lat2 - lat1) * k;
    6371.0 * (x * x + y * y).sqrt()
}

/// Ratio a runner-up must exceed (score_second / score_best) for the best unit to win.
pub(crate) const MARGIN: f64 = 1.35;
/// A point farther than this many equivalent radii from every unit is not in the province.
pub(crate) const NEAR: f64 = 1.6;

impl LocationIndex {
    pub fn new(gazetteer: &Gazetteer) -> LocationIndex {
        let units: Vec<(f64, f64, f64)> = gazetteer
            .units()
            .iter()
            .map(|u| {
                (
                    u.lat,
                    u.lon,
                    (u.area_km2.max(0.5) / std::f64::consts::PI).sqrt(),
                )
            })
            .collect();
        let mut cells = Vec::new();
        for l in gazetteer.legacy_units() {
            let (Some(bbox), Some(lat), Some(lon)) = (l.bounds, l.lat, l.lon) else {
                continue;
            };
            let h = distance_km(bbox.min_lat, lon, bbox.max_lat, lon);
            let w = distance_km(lat, bbox.min_lon, lat, bbox.max_lon);
            // A commune fills roughly 60% of its bounding box.
            let radius_km = ((w * h * 0.6).max(0.3) / std::f64::consts::PI).sqrt();
            let successors = gazetteer
                .successors_of(&l.code)
                .filter_map(|s| gazetteer.unit_idx(&s.new_code).map(|u| (u, s.share_whole)))
                .collect();
            cells.push(LegacyCell {
                bbox,
                lat,
                lon,
                radius_km,
                successors,
            });
        }
        let mut foreign_names: Vec<String> = Vec::new();
        let mut foreign = Vec::new();
        for l in &gazetteer.foreign_legacy {
            let (Some(bbox), Some(lat), Some(lon)) = (l.bounds, l.lat, l.lon) else {
                continue;
            };
            let pi = match foreign_names.iter().position(|n| *n == l.province_name) {
                Some(i) => i,
                None => {
                    foreign_names.push(l.province_name.clone());
                    foreign_names.len() - 1
                }
            };
            foreign.push((bbox, lat, lon, pi as u32));
        }
        LocationIndex {
            cells,
            units,
            foreign,
            foreign_names,
        }
    }

    /// Scores of candidate units for a point, best first: (unit index, score).
    pub fn scores(&self, p: LatLon) -> Vec<(usize, f64)> {
        let mut best: Vec<(usize, f64)> = Vec::new();
        let put = |u: usize, s: f64, best: &mut Vec<(usize, f64)>| match best
            .iter_mut()
            .find(|(x, _)| *x == u)
        {
            Some(e) => e.1 = e.1.min(s),
            None => best.push((u, s)),
        };
        for c in &self.cells {
            if !c.bbox.contains(p.lat, p.lon) {
                continue;
            }
            let s_legacy = distance_km(p.lat, p.lon, c.lat, c.lon) / c.radius_km;
            for &(u, whole) in &c.successors {
                let (la, lo, r) = self.units[u];
                let s_unit = distance_km(p.lat, p.lon, la, lo) / r;
                // A split commune's box says nothing about which part the point is in.
                let s = if whole { s_unit.min(s_legacy) } else { s_unit };
                put(u, s, &mut best);
            }
        }
        for (u, &(la, lo, r)) in self.units.iter().enumerate() {
            let s = distance_km(p.lat, p.lon, la, lo) / r;
            if s < NEAR {
                put(u, s, &mut best);
            }
        }
        best.sort_by(|a, b| a.1.total_cmp(&b.1));
        best
    }

    pub fn locate(&self, p: LatLon) -> LocResult {
        if !(p.lat.is_finite() && p.lon.is_finite()) {
            return LocResult::Outside { province: None };
        }
        let scores = self.scores(p);
        match scores.as_slice() {
            [] => LocResult::Outside {
                province: self.foreign_province(p),
            },
            [(u, s)] => LocResult::Inside {
                unit: *u,
                score: *s,
            },
            [(u, s), (v, s2), ..] => {
                if *s2 > s * MARGIN || *s < 0.35 && *s2 > 1.0 {
                    LocResult::Inside {
                        unit: *u,
                        score: *s,
                    }
                } else {
                    LocResult::Ambiguous {
                        best: *u,
                        second: *v,
                    }
                }
            }
        }
    }

    fn foreign_province(&self, p: LatLon) -> Option<String> {
        self.foreign
            .iter()
            .filter(|(b, ..)| b.contains(p.lat, p.lon))
            .min_by(|a, b| {
                distance_km(p.lat, p.lon, a.1, a.2).total_cmp(&distance_km(p.lat, p.lon, b.1, b.2))
            })
            .map(|(.., pi)| self.foreign_names[*pi as usize].clone())
    }
}
