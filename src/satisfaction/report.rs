//! The satisfaction report: per unit, officer, legal track, topic, channel, source or procedure, and per day,
//! week, month, quarter or half-year, the figures a province measures its communes by: received, resolved, median
//! first response and time to resolve, share resolved within the deadline, surveys sent, response rate, mean
//! score, CSAT (share of 4-5) with its 95% Wilson interval, share "solved", and the indicator of Circular
//! 01/2018/TT-VPCP Art. 13.
//!
//! The figures are added up per local day and month in `rollup`'s cells; this module merges cells into weeks,
//! months, quarters and halves. Medians come from histograms of durations in
//! buckets (5 minutes below an hour, 1 hour below 2 days, 6 hours below 2 weeks, a day below a year), so they
//! merge too; a median is its bucket's lower bound.
use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, Duration, NaiveDate};
use sea_orm::DbErr;
use serde::Serialize;
use utoipa::ToSchema;

use super::rollup::{self, K, Stored, Within, bucket_floor};
pub use super::rollup::{Group, local_midnight};
use crate::db::Db;

/// Below this many answers a unit's CSAT is marked a small sample.
pub const SMALL_SAMPLE: u64 = 30;
/// z for a 95% interval.
const Z: f64 = 1.959_964;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Day,
    Week,
    Month,
    Quarter,
    Half,
}

impl Period {
    pub const ALL: [Period; 5] = [
        Period::Day,
        Period::Week,
        Period::Month,
        Period::Quarter,
        Period::Half,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
            Period::Quarter => "quarter",
            Period::Half => "half",
        }
    }

    pub fn parse(value: &str) -> Option<Period> {
        Period::ALL.into_iter().find(|p| p.as_str() == value)
    }

    /// The period's label for a local day: `2026-12-02`, `2026-W49`, `2026-12`, `2026-Q4`, `2026-H2`.
    pub fn label(self, day: NaiveDate) -> String {
        match self {
            Period::Day => day.format("%Y-%m-%d").to_string(),
            Period::Week => {
                let week = day.iso_week();
                format!("{}-W{:02}", week.year(), week.week())
            }
            Period::Month => day.format("%Y-%m").to_string(),
            Period::Quarter => format!("{}-Q{}", day.year(), (day.month() - 1) / 3 + 1),
            Period::Half => format!("{}-H{}", day.year(), if day.month() <= 6 { 1 } else { 2 }),
        }
    }
}

/// What to report on: local days `from` to `to` (both included), grouped, optionally per period, within one unit,
/// one province or the whole scope, and from ticket surveys, desk ratings or both.
#[derive(Debug, Clone)]
pub struct Request {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub group: Group,
    pub period: Option<Period>,
    pub unit_code: Option<String>,
    /// Without a unit, one province only (its units' and its triage tickets' figures); None: every province.
    pub province_code: Option<String>,
    /// `ticket` (surveys of tickets) or `desk` ("tại trụ sở"); None: both.
    pub source: Option<Source>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Ticket,
    Desk,
}

impl Source {
    pub fn parse(value: &str) -> Option<Source> {
        match value {
            "ticket" => Some(Source::Ticket),
            "desk" => Some(Source::Desk),
            _ => None,
        }
    }
}

/// One row: a group (and period) with its figures and the counts behind them.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct Row {
    /// The group's key: a unit code, an officer id, a legal track, a topic, a channel, `ticket`/`desk`, a
    /// procedure.
    pub key: String,
    pub label: String,
    /// `2026-12`, `2026-Q4`...; null when not per period.
    pub period: Option<String>,
    /// The unit: the group's for `unit` and `officer`, else the report's (null: the whole scope).
    pub unit_code: Option<String>,
    pub unit_name: Option<String>,
    pub received: u64,
    /// Received before the range's end and not resolved by then (rows without a period, and the total).
    pub outstanding: Option<u64>,
    pub resolved: u64,
    /// Of those resolved, by their deadline.
    pub resolved_on_time: u64,
    pub on_time_pct: Option<f64>,
    /// Of those resolved, with the deadline prolonged by an officer.
    pub prolonged: u64,
    /// Median hours from receipt to an officer's first reply (acknowledgements do not count).
    pub median_first_response_hours: Option<f64>,
    pub median_resolve_hours: Option<f64>,
    pub surveys_sent: u64,
    /// Of the surveys sent in the range, answered.
    pub surveys_answered: u64,
    pub response_rate_pct: Option<f64>,
    /// Answers with a score in the range (ticket surveys and desk ratings).
    pub responses: u64,
    pub desk_responses: u64,
    pub mean: Option<f64>,
    /// Scores of 4-5.
    pub satisfied: u64,
    pub csat_pct: Option<f64>,
    /// The 95% Wilson interval of the CSAT.
    pub csat_low: Option<f64>,
    pub csat_high: Option<f64>,
    /// Answers to "was your problem solved?", and of them yes.
    pub solved_answers: u64,
    pub solved_pct: Option<f64>,
    /// Tickets whose deadline fell in the range (rejected ones aside), and of them resolved by it.
    pub due: u64,
    pub due_answered_on_time: u64,
    /// Circular 01/2018/TT-VPCP Art. 13 over `due`: 2 when every one was resolved by its deadline, 1 when 90% or
    /// more and none prolonged, else 0 (a late ticket still open counts against the unit); null when none was due.
    pub indicator_points: Option<u8>,
    /// Fewer than 30 answers: the CSAT says little.
    pub small_sample: bool,
    /// Rank by the CSAT interval's lower bound (units, without periods); null when unranked.
    pub rank: Option<u32>,
    /// The scales the answers were given on (`five`, `three`).
    pub scales: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Report {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub group: Group,
    pub period: Option<Period>,
    pub items: Vec<Row>,
    /// The whole scope over the range, in one row.
    pub total: Row,
}

/// Names for groups' keys: units from the gazetteer, officers from the database.
pub trait Names {
    fn unit(&self, code: &str) -> Option<String>;
    fn officer(&self, id: &str) -> Option<String>;
}

/// The lower median of a histogram (counts by bucket), in hours.
fn median_hours(histogram: &[u64]) -> Option<f64> {
    let n: u64 = histogram.iter().sum();
    if n == 0 {
        return None;
    }
    let target = n.div_ceil(2);
    let mut seen = 0;
    for (bucket, count) in histogram.iter().enumerate() {
        seen += count;
        if seen >= target {
            return Some(bucket_floor(bucket as i64) as f64 / 3600.0);
        }
    }
    None
}

/// The 95% Wilson score interval of `k` successes in `n`, as percentages.
pub fn wilson(k: u64, n: u64) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let z2 = Z * Z;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let margin = Z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    Some((
        round1((centre - margin).max(0.0) * 100.0),
        round1((centre + margin).min(1.0) * 100.0),
    ))
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn pct(k: u64, n: u64) -> Option<f64> {
    (n > 0).then(|| round1(k as f64 * 100.0 / n as f64))
}

/// The sums of a group and period, before the figures.
#[derive(Default, Clone)]
struct Acc {
    received: u64,
    resolved: u64,
    on_time: u64,
    prolonged: u64,
    sent: u64,
    sent_answered: u64,
    responses: u64,
    desk_responses: u64,
    score_sum: u64,
    satisfied: u64,
    solved_yes: u64,
    solved_answers: u64,
    /// Counts by bucket; empty: none.
    first_response: Vec<u64>,
    resolve: Vec<u64>,
    scales: BTreeSet<String>,
    due: u64,
    due_on_time: u64,
    due_prolonged: u64,
}

impl Acc {
    /// A stored cell's figures from the sources asked; None when they hold nothing.
    fn of_cell(stored: &Stored, tickets: bool, desk: bool) -> Option<Acc> {
        let cell = &stored.cell;
        let n = |k: K| u64::try_from(cell[k]).unwrap_or_default();
        let mut acc = Acc::default();
        let mut any = false;
        if tickets {
            acc.received = n(K::Received);
            acc.resolved = n(K::Resolved);
            acc.on_time = n(K::OnTime);
            acc.prolonged = n(K::Prolonged);
            acc.sent = n(K::Sent);
            acc.sent_answered = n(K::SentAnswered);
            acc.responses = n(K::TResponses);
            acc.score_sum = n(K::TScoreSum);
            acc.satisfied = n(K::TSatisfied);
            acc.solved_answers = n(K::SolvedAnswers);
            acc.solved_yes = n(K::SolvedYes);
            acc.due = n(K::Due);
            acc.due_on_time = n(K::DueOnTime);
            acc.due_prolonged = n(K::DueProlonged);
            rollup::add_histogram(&stored.first_response, &mut acc.first_response);
            rollup::add_histogram(&stored.resolve, &mut acc.resolve);
            for (k, scale) in [(K::TFive, "five"), (K::TThree, "three")] {
                if n(k) > 0 {
                    acc.scales.insert(scale.to_owned());
                }
            }
            any = acc.received + acc.resolved + acc.sent + acc.responses + acc.due > 0;
        }
        if desk {
            let responses = n(K::DResponses);
            acc.responses += responses;
            acc.desk_responses = responses;
            acc.score_sum += n(K::DScoreSum);
            acc.satisfied += n(K::DSatisfied);
            for (k, scale) in [(K::DFive, "five"), (K::DThree, "three")] {
                if n(k) > 0 {
                    acc.scales.insert(scale.to_owned());
                }
            }
            any |= responses > 0;
        }
        any.then_some(acc)
    }

    fn merge(&mut self, other: &Acc) {
        self.received += other.received;
        self.resolved += other.resolved;
        self.on_time += other.on_time;
        self.prolonged += other.prolonged;
        self.sent += other.sent;
        self.sent_answered += other.sent_answered;
        self.responses += other.responses;
        self.desk_responses += other.desk_responses;
        self.score_sum += other.score_sum;
        self.satisfied += other.satisfied;
        self.solved_yes += other.solved_yes;
        self.solved_answers += other.solved_answers;
        for (mine, theirs) in [
            (&mut self.first_response, &other.first_response),
            (&mut self.resolve, &other.resolve),
        ] {
            if mine.len() < theirs.len() {
                mine.resize(theirs.len(), 0);
            }
            for (m, t) in mine.iter_mut().zip(theirs) {
                *m += t;
            }
        }
        self.scales.extend(other.scales.iter().cloned());
        self.due += other.due;
        self.due_on_time += other.due_on_time;
        self.due_prolonged += other.due_prolonged;
    }

    fn row(&self, key: String, label: String, period: Option<String>) -> Row {
        let csat = wilson(self.satisfied, self.responses);
        Row {
            key,
            label,
            period,
            unit_code: None,
            unit_name: None,
            received: self.received,
            outstanding: None,
            resolved: self.resolved,
            resolved_on_time: self.on_time,
            on_time_pct: pct(self.on_time, self.resolved),
            prolonged: self.prolonged,
            median_first_response_hours: median_hours(&self.first_response),
            median_resolve_hours: median_hours(&self.resolve),
            surveys_sent: self.sent,
            surveys_answered: self.sent_answered,
            response_rate_pct: pct(self.sent_answered, self.sent),
            responses: self.responses,
            desk_responses: self.desk_responses,
            mean: (self.responses > 0)
                .then(|| (self.score_sum as f64 / self.responses as f64 * 100.0).round() / 100.0),
            satisfied: self.satisfied,
            csat_pct: pct(self.satisfied, self.responses),
            csat_low: csat.map(|c| c.0),
            csat_high: csat.map(|c| c.1),
            solved_answers: self.solved_answers,
            solved_pct: pct(self.solved_yes, self.solved_answers),
            due: self.due,
            due_answered_on_time: self.due_on_time,
            indicator_points: (self.due > 0).then(|| {
                if self.due_on_time == self.due {
                    2
                } else if self.due_on_time * 10 >= self.due * 9 && self.due_prolonged == 0 {
                    1
                } else {
                    0
                }
            }),
            small_sample: self.responses < SMALL_SAMPLE,
            rank: None,
            scales: self.scales.iter().cloned().collect(),
        }
    }
}

/// The report: the log of changed days folded into the cells first (so it is exact), then whole months read from
/// the months' cells and the days around them from the days' (weeks need days), and what was still open at the
/// range's end from every cell before it.
pub async fn report(db: &Db, request: &Request, names: &impl Names) -> Result<Report, DbErr> {
    // A day that cannot be folded stays in the log (and in the service's log as a warning); the report shows the
    // cells as they are rather than nothing.
    if let Err(err) = rollup::fold(db).await {
        tracing::warn!(error = %err, "the report's figures may miss the latest changes");
    }
    let conn = &db.read;
    let per_period = request.period.is_some();
    let tickets_wanted = request.source != Some(Source::Desk);
    let desk_wanted = request.source != Some(Source::Ticket);

    let (from, to) = (request.from, request.to);
    let first_whole = if from.day() == 1 {
        from
    } else {
        rollup::month_end(from) + Duration::days(1)
    };
    let last_whole = if rollup::month_end(to) == to {
        to
    } else {
        to - Duration::days(i64::from(to.day()))
    };
    // Spans of cells: (for the range, or for what was outstanding at its end; grain; first and last period).
    let month = |d: NaiveDate| d.format("%Y-%m").to_string();
    let mut spans: Vec<(bool, char, String, String)> = Vec::new();
    if !matches!(request.period, Some(Period::Day | Period::Week)) && first_whole <= last_whole {
        if from < first_whole {
            spans.push((
                true,
                'd',
                from.to_string(),
                (first_whole - Duration::days(1)).to_string(),
            ));
        }
        spans.push((true, 'm', month(first_whole), month(last_whole)));
        if last_whole < to {
            spans.push((
                true,
                'd',
                (last_whole + Duration::days(1)).to_string(),
                to.to_string(),
            ));
        }
    } else {
        spans.push((true, 'd', from.to_string(), to.to_string()));
    }
    // Outstanding at the end: everything before it, in whole months and the days of the last one.
    if tickets_wanted {
        let first_of_last = to - Duration::days(i64::from(to.day()) - 1);
        if last_whole == to {
            spans.push((false, 'm', "0000-01".into(), month(to)));
        } else {
            spans.push((
                false,
                'm',
                "0000-01".into(),
                month(first_of_last - Duration::days(1)),
            ));
            spans.push((false, 'd', first_of_last.to_string(), to.to_string()));
        }
    }
    let within = match (&request.unit_code, &request.province_code) {
        (Some(unit), _) => Within::Unit(unit),
        (None, Some(province)) => Within::Province(province),
        (None, None) => Within::All,
    };
    let read = futures_util::future::try_join_all(spans.iter().map(|(in_range, grain, a, b)| {
        let shape = (*in_range && per_period, *in_range);
        rollup::sums(conn, *grain, request.group, (a, b), within, shape)
    }))
    .await?;

    // Cells into the periods asked; every group's total; what was outstanding.
    let mut merged: BTreeMap<(String, String), Acc> = BTreeMap::new();
    let mut total = Acc::default();
    let mut outstanding: HashMap<String, i64> = HashMap::new();
    for ((in_range, grain, _, _), cells) in spans.iter().zip(read) {
        for mut stored in cells {
            if request.group == Group::Unit {
                stored.key = rollup::triage_row(std::mem::take(&mut stored.key));
            }
            if !in_range {
                let cell = &stored.cell;
                *outstanding.entry(stored.key).or_default() +=
                    cell[K::StillOpen] + cell[K::ResolvedEver] - cell[K::Resolved];
                continue;
            }
            let Some(acc) = Acc::of_cell(&stored, tickets_wanted, desk_wanted) else {
                continue;
            };
            let (raw, key) = (stored.period, stored.key);
            let period = match request.period {
                Some(period) => {
                    let day = if *grain == 'm' {
                        rollup::month_start(&raw)
                    } else {
                        NaiveDate::parse_from_str(&raw, "%Y-%m-%d").ok()
                    };
                    day.map(|d| period.label(d)).unwrap_or(raw)
                }
                None => String::new(),
            };
            merged.entry((key, period)).or_default().merge(&acc);
        }
    }
    for acc in merged.values() {
        total.merge(acc);
    }
    let mut items: Vec<Row> = merged
        .into_iter()
        .map(|((key, period), acc)| {
            let label = label_of(request.group, &key, names);
            let mut row = acc.row(key.clone(), label, per_period.then_some(period));
            let unit = match request.group {
                Group::Unit => (!key.is_empty()).then(|| key.clone()),
                _ => request.unit_code.clone(),
            };
            row.unit_name = unit.as_deref().and_then(|c| names.unit(c));
            row.unit_code = unit;
            if !per_period && tickets_wanted {
                row.outstanding = Some(
                    outstanding
                        .get(&row.key)
                        .map_or(0, |n| u64::try_from(*n).unwrap_or_default()),
                );
            }
            row
        })
        .collect();
    if request.group == Group::Unit && !per_period {
        rank(&mut items);
    }
    let mut total = total.row("total".into(), "total".into(), None);
    if tickets_wanted {
        total.outstanding = Some(
            outstanding
                .values()
                .map(|n| u64::try_from(*n).unwrap_or_default())
                .sum(),
        );
    }
    total.unit_name = request.unit_code.as_deref().and_then(|c| names.unit(c));
    total.unit_code = request.unit_code.clone();
    Ok(Report {
        from: request.from,
        to: request.to,
        group: request.group,
        period: request.period,
        items,
        total,
    })
}

/// Ranks rows with answers by the lower bound of their CSAT interval, more answers first on a tie: a unit with a
/// few answers, all happy, does not outrank one with many. Rows without answers are unranked, last.
fn rank(items: &mut [Row]) {
    items.sort_by(|a, b| {
        let key = |r: &Row| (r.csat_low.map(|l| -l), std::cmp::Reverse(r.responses));
        match (a.csat_low, b.csat_low) {
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            _ => key(a)
                .partial_cmp(&key(b))
                .unwrap_or(std::cmp::Ordering::Equal),
        }
    });
    for (i, row) in items.iter_mut().enumerate() {
        if row.csat_low.is_some() {
            row.rank = Some(i as u32 + 1);
        }
    }
}

fn label_of(group: Group, key: &str, names: &impl Names) -> String {
    let named = match group {
        Group::Unit => names.unit(key),
        Group::Officer => names.officer(key),
        _ => None,
    };
    named.unwrap_or_else(|| {
        if key.is_empty() {
            match group {
                Group::Unit => "(chưa xác định đơn vị)".into(),
                Group::Officer => "(chưa phân công)".into(),
                _ => "(không rõ)".into(),
            }
        } else {
            key.to_owned()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::rollup::BUCKETS;
    use super::*;

    #[test]
    fn eight_of_ten_satisfied() {
        assert_eq!(wilson(8, 10), Some((49.0, 94.3)));
        assert_eq!(wilson(0, 0), None);
        assert_eq!(wilson(10, 10).map(|w| w.1), Some(100.0));
    }

    #[test]
    fn buckets_meet_at_their_bounds() {
        for bucket in 0..458 {
            assert!(bucket_floor(bucket) < bucket_floor(bucket + 1), "{bucket}");
        }
        assert_eq!(bucket_floor(12), 3600);
        assert_eq!(bucket_floor(59), 172_800);
    }

    #[test]
    fn the_lower_median_of_a_histogram() {
        // 2 h, 4 h and 30 h.
        let mut histogram = vec![0; BUCKETS];
        for bucket in [13, 15, 41] {
            histogram[bucket] = 1;
        }
        assert_eq!(median_hours(&histogram), Some(4.0));
        assert_eq!(median_hours(&[]), None);
    }

    #[test]
    fn period_labels() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(Period::Week.label(day), "2026-W49");
        assert_eq!(Period::Quarter.label(day), "2026-Q4");
        assert_eq!(Period::Half.label(day), "2026-H2");
    }
}
