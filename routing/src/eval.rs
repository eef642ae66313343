//! Scoring the router against a labelled JSON-lines file (`expect.accept` lists every
//! acceptable answer; "triage" means the case must not be auto-routed). Shared by the
//! `score` example and the accuracy test.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::decide::{Decision, HintSource, RouteInput, Router, UnitHint};
use crate::location::LatLon;

#[derive(Clone, Debug, Deserialize)]
pub struct EvalCase {
    pub id: String,
    #[serde(default)]
    pub channel: String,
    pub text: String,
    pub expect: Expect,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub location: Option<LatLon>,
    #[serde(default)]
    pub unit_hint: Option<String>,
    /// Noise applied to a generated case (national sets).
    #[serde(default)]
    pub noise: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Expect {
    pub accept: Vec<String>,
    /// The 2025 province (national sets).
    #[serde(default)]
    pub province: Option<String>,
}

impl EvalCase {
    /// The hint's source: a form submission's unit is the citizen's choice; on Zalo or
    /// Facebook it is the unit owning the OA or Page.
    pub fn input(&self) -> RouteInput<'_> {
        RouteInput {
            text: &self.text,
            location: self.location,
            unit_hint: self.unit_hint.as_deref().map(|code| UnitHint {
                code,
                source: if self.channel == "form" {
                    HintSource::Form
                } else {
                    HintSource::Account
                },
            }),
            previous_units: &[],
        }
    }

    pub fn accepts(&self, d: &Decision) -> bool {
        match &d.unit_code {
            Some(c) => self.expect.accept.iter().any(|a| a == c),
            None => self.expect.accept.iter().any(|a| a == "triage"),
        }
    }

    /// For a deployment serving only `scope`, a case from elsewhere must go to triage.
    pub fn accepts_in(&self, d: &Decision, served: impl Fn(&str) -> bool) -> bool {
        match &self.expect.province {
            Some(province) if !served(province) => d.unit_code.is_none(),
            _ => self.accepts(d),
        }
    }

    /// Must not be auto-routed at all.
    pub fn unroutable(&self) -> bool {
        self.expect.accept.iter().all(|a| a == "triage")
    }
}

pub fn parse_cases(jsonl: &str) -> Result<Vec<EvalCase>, serde_json::Error> {
    jsonl
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect()
}

#[derive(Debug, Default)]
pub struct Score {
    pub total: usize,
    pub correct: usize,
    pub routed: usize,
    pub routed_correct: usize,
    pub unroutable_routed: usize,
    /// Cases with an expected province, and those whose decision names it.
    pub with_province: usize,
    pub province_correct: usize,
    /// Cases from outside the served provinces, and those routed into a served unit anyway.
    pub outside: usize,
    pub outside_routed: usize,
    /// Commune right by number of noise kinds: noise count -> (correct, total).
    pub per_noise: BTreeMap<usize, (usize, usize)>,
    /// kind -> (correct, total)
    pub per_kind: BTreeMap<String, (usize, usize)>,
    /// (case, decision) of every failure
    pub failures: Vec<(EvalCase, Decision)>,
}

impl Score {
    pub fn accuracy(&self) -> f64 {
        ratio(self.correct, self.total)
    }
    pub fn precision(&self) -> f64 {
        if self.routed == 0 {
            1.0
        } else {
            ratio(self.routed_correct, self.routed)
        }
    }
    pub fn province_accuracy(&self) -> f64 {
        ratio(self.province_correct, self.with_province)
    }
    /// Commune right on the noisier half (two noise kinds or more).
    pub fn noisy_accuracy(&self) -> f64 {
        let (c, t) = self
            .per_noise
            .iter()
            .filter(|(n, _)| **n >= 2)
            .fold((0, 0), |(c, t), (_, (c2, t2))| (c + c2, t + t2));
        ratio(c, t)
    }
    pub fn min_kind_accuracy(&self) -> f64 {
        self.per_kind
            .values()
            .map(|&(c, t)| ratio(c, t))
            .fold(1.0, f64::min)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

pub fn score(router: &Router, cases: &[EvalCase]) -> Score {
    let scope = router.gazetteer().scope();
    let mut s = Score::default();
    for c in cases {
        let d = router.decide(&c.input());
        let ok = c.accepts_in(&d, |province| scope.contains(province));
        s.total += 1;
        if let Some(province) = &c.expect.province {
            s.with_province += 1;
            if d.province_code.as_ref() == Some(province) {
                s.province_correct += 1;
            }
            if !scope.contains(province) {
                s.outside += 1;
                if d.unit_code.is_some() {
                    s.outside_routed += 1;
                }
            }
        }
        let n = s.per_noise.entry(c.noise.len()).or_default();
        n.1 += 1;
        if ok {
            n.0 += 1;
        }
        let k = s.per_kind.entry(c.kind.clone()).or_default();
        k.1 += 1;
        if ok {
            s.correct += 1;
            k.0 += 1;
        }
        if d.unit_code.is_some() {
            s.routed += 1;
            if ok {
                s.routed_correct += 1;
            }
            if c.unroutable() {
                s.unroutable_routed += 1;
            }
        }
        if !ok {
            s.failures.push((c.clone(), d));
        }
    }
    s
}
