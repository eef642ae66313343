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
}

#[derive(Clone, Debug, Deserialize)]
pub struct Expect {
    pub accept: Vec<String>,
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
    let mut s = Score::default();
    for c in cases {
        let d = router.decide(&c.input());
        let ok = c.accepts(&d);
        s.total += 1;
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
