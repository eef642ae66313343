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

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};
use serde::Serialize;
use utoipa::ToSchema;

use super::rollup::{self, Cell, K};
use crate::db::Db;
use crate::deadlines::calendar::VIETNAM;

/// Below this many answers a unit's CSAT is marked a small sample.
pub const SMALL_SAMPLE: u64 = 30;
/// z for a 95% interval.
const Z: f64 = 1.959_964;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    Unit,
    Officer,
    Track,
    Topic,
    Channel,
    Source,
    Procedure,
}

impl Group {
    pub const ALL: [Group; 7] = [
        Group::Unit,
        Group::Officer,
        Group::Track,
        Group::Topic,
        Group::Channel,
        Group::Source,
        Group::Procedure,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Group::Unit => "unit",
            Group::Officer => "officer",
            Group::Track => "track",
            Group::Topic => "topic",
            Group::Channel => "channel",
            Group::Source => "source",
            Group::Procedure => "procedure",
        }
    }

    pub fn parse(value: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|g| g.as_str() == value)
    }
}

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

/// What to report on: local days `from` to `to` (both included), grouped, optionally per period, within one unit
/// or the whole scope, and from ticket surveys, desk ratings or both.
#[derive(Debug, Clone)]
pub struct Request {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub group: Group,
    pub period: Option<Period>,
    pub unit_code: Option<String>,
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

/// A bucket's lower bound, in seconds.
fn bucket_floor(bucket: i64) -> i64 {
    match bucket {
        b if b < 12 => b * 300,
        b if b < 59 => 3600 + (b - 12) * 3600,
        b if b < 107 => 172_800 + (b - 59) * 21_600,
        b if b < 458 => 1_209_600 + (b - 107) * 86_400,
        _ => 31_536_000,
    }
}

/// The SQL that puts a duration in seconds (`d`) in its bucket.
pub(super) const BUCKET_SQL: &str = "CASE WHEN d < 0 THEN 0 \
     WHEN d < 3600 THEN d / 300 \
     WHEN d < 172800 THEN 12 + (d - 3600) / 3600 \
     WHEN d < 1209600 THEN 59 + (d - 172800) / 21600 \
     WHEN d < 31536000 THEN 107 + (d - 1209600) / 86400 \
     ELSE 458 END";

/// The lower median of a histogram, in hours.
fn median_hours(histogram: &BTreeMap<i64, u64>) -> Option<f64> {
    let n: u64 = histogram.values().sum();
    if n == 0 {
        return None;
    }
    let target = n.div_ceil(2);
    let mut seen = 0;
    for (bucket, count) in histogram {
        seen += count;
        if seen >= target {
            return Some(bucket_floor(*bucket) as f64 / 3600.0);
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
    first_response: BTreeMap<i64, u64>,
    resolve: BTreeMap<i64, u64>,
    scales: BTreeSet<String>,
    due: u64,
    due_on_time: u64,
    due_prolonged: u64,
}

impl Acc {
    /// A cell's figures from the sources asked; None when they hold nothing.
    fn of_cell(cell: &Cell, tickets: bool, desk: bool) -> Option<Acc> {
        let n = |k: K| u64::try_from(cell[k]).unwrap_or_default();
        let histogram = |h: &BTreeMap<i64, i64>| -> BTreeMap<i64, u64> {
            h.iter()
                .map(|(b, c)| (*b, u64::try_from(*c).unwrap_or_default()))
                .collect()
        };
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
            acc.first_response = histogram(&cell.first_response);
            acc.resolve = histogram(&cell.resolve);
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
        for (b, c) in &other.first_response {
            *self.first_response.entry(*b).or_default() += c;
        }
        for (b, c) in &other.resolve {
            *self.resolve.entry(*b).or_default() += c;
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

/// SQL for one backend: local day or month of a timestamp, seconds between two, parameters.
pub(super) struct Sql {
    pub backend: DbBackend,
    pub values: Vec<Value>,
}

impl Sql {
    pub(super) fn param(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }

    /// The local (UTC+7) day, or month, of `column` as text.
    pub(super) fn local(&self, column: &str, month: bool) -> String {
        match self.backend {
            DbBackend::Postgres => format!(
                "to_char(({column} AT TIME ZONE 'UTC') + interval '7 hours', '{}')",
                if month { "YYYY-MM" } else { "YYYY-MM-DD" }
            ),
            _ => format!(
                "strftime('{}', {column}, '+7 hours')",
                if month { "%Y-%m" } else { "%Y-%m-%d" }
            ),
        }
    }

    pub(super) fn seconds(&self, later: &str, earlier: &str) -> String {
        match self.backend {
            DbBackend::Postgres => {
                format!("CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS BIGINT)")
            }
            _ => format!("CAST((julianday({later}) - julianday({earlier})) * 86400 AS INTEGER)"),
        }
    }
}

/// Group keys by where the figures come from (`t`: tickets, `s`: surveys joined to their ticket `t`, `d`: desk
/// ratings); None: this source has nothing for the group. An expression, not the column: `|| ''` keeps SQLite
/// (which has no statistics) from walking a whole index on the key to save a sort, instead of reading the range.
fn key_sql(group: Group, from: char) -> Option<String> {
    column_of(group, from).map(|column| format!("({column} || '')"))
}

fn column_of(group: Group, from: char) -> Option<&'static str> {
    Some(match (group, from) {
        (Group::Unit, 't') => "t.unit_code",
        (Group::Unit, 's') => "s.unit_code",
        (Group::Unit, 'd') => "d.unit_code",
        (Group::Officer, 't') => "CAST(t.assigned_officer_id AS TEXT)",
        (Group::Officer, 's') => "CAST(s.officer_id AS TEXT)",
        (Group::Track, 't' | 's') => "t.legal_track",
        (Group::Topic, 't' | 's') => "t.topic",
        (Group::Channel, 't') => "t.channel",
        (Group::Channel, 's') => "s.channel",
        (Group::Channel, 'd') => "'desk'",
        (Group::Source, 't' | 's') => "'ticket'",
        (Group::Source, 'd') => "'desk'",
        (Group::Procedure, 't' | 's') => {
            "CASE t.topic WHEN 'residence' THEN 'residence' WHEN 'id_card' THEN 'id_card' \
             WHEN 'vehicle_registration' THEN 'vehicle' ELSE 'other' END"
        }
        (Group::Procedure, 'd') => "d.procedure",
        _ => return None,
    })
}

/// The report: the log of changed days folded into the cells first (so it is exact), then whole months read from
/// the months' cells and the days around them from the days' (weeks need days); what was still open at the
/// range's end is counted from the tickets, beside them.
pub async fn report(db: &Db, request: &Request, names: &impl Names) -> Result<Report, DbErr> {
    rollup::fold(db).await?;
    let conn = &db.read;
    let end = local_midnight(request.to + Duration::days(1));
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
    let mut spans: Vec<(char, String, String)> = Vec::new();
    if !matches!(request.period, Some(Period::Day | Period::Week)) && first_whole <= last_whole {
        if from < first_whole {
            spans.push((
                'd',
                from.to_string(),
                (first_whole - Duration::days(1)).to_string(),
            ));
        }
        let month = |d: NaiveDate| d.format("%Y-%m").to_string();
        spans.push(('m', month(first_whole), month(last_whole)));
        if last_whole < to {
            spans.push((
                'd',
                (last_whole + Duration::days(1)).to_string(),
                to.to_string(),
            ));
        }
    } else {
        spans.push(('d', from.to_string(), to.to_string()));
    }
    let unit = request.unit_code.as_deref();
    let (read, outstanding) = futures_util::future::try_join(
        futures_util::future::try_join_all(
            spans
                .iter()
                .map(|(grain, a, b)| rollup::read(conn, *grain, request.group, a, b, unit)),
        ),
        async {
            if tickets_wanted {
                outstanding(conn, request, end).await
            } else {
                Ok(HashMap::new())
            }
        },
    )
    .await?;

    // Cells into the periods asked; every group's total.
    let mut merged: BTreeMap<(String, String), Acc> = BTreeMap::new();
    let mut total = Acc::default();
    for ((grain, _, _), cells) in spans.iter().zip(read) {
        for (raw, _unit, key, cell) in cells {
            let Some(acc) = Acc::of_cell(&cell, tickets_wanted, desk_wanted) else {
                continue;
            };
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
            total.merge(&acc);
            merged.entry((key, period)).or_default().merge(&acc);
        }
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
                row.outstanding = Some(outstanding.get(&row.key).copied().unwrap_or_default());
            }
            row
        })
        .collect();
    if request.group == Group::Unit && !per_period {
        rank(&mut items);
    }
    let mut total = total.row("total".into(), "total".into(), None);
    if tickets_wanted {
        total.outstanding = Some(outstanding.values().sum());
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

/// What was still open at the range's end (`end`), per group: resolved after it, or still open now.
async fn outstanding(
    conn: &impl ConnectionTrait,
    request: &Request,
    end: DateTime<Utc>,
) -> Result<HashMap<String, u64>, DbErr> {
    let Some(key) = key_sql(request.group, 't') else {
        return Ok(HashMap::new());
    };
    let backend = conn.get_database_backend();
    let mut sql = Sql {
        backend,
        values: Vec::new(),
    };
    let unit_filter = |sql: &mut Sql| match &request.unit_code {
        Some(code) => format!(" AND t.unit_code = {}", sql.param(code.clone())),
        None => String::new(),
    };
    let (b, b2) = (sql.param(end), sql.param(end));
    let unit = unit_filter(&mut sql);
    let b3 = sql.param(end);
    let unit2 = unit_filter(&mut sql);
    // Two parts each read through an index: resolved after the end, and still open now.
    let text = format!(
        "SELECT g, CAST(SUM(n) AS BIGINT) AS n FROM ( \
         SELECT {key} AS g, COUNT(*) AS n FROM tickets t WHERE t.resolved_at >= {b} AND t.created_at < {b2} \
         AND t.merged_into_id IS NULL{unit} GROUP BY 1 \
         UNION ALL \
         SELECT {key} AS g, COUNT(*) AS n FROM tickets t WHERE t.status IN ('new', 'in_progress') \
         AND t.created_at < {b3} AND t.resolved_at IS NULL AND t.merged_into_id IS NULL{unit2} GROUP BY 1 \
         ) x GROUP BY g"
    );
    Ok(conn
        .query_all_raw(Statement::from_sql_and_values(backend, text, sql.values))
        .await?
        .iter()
        .map(|row| (text_of(row, "g"), count_of(row, "n")))
        .collect())
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

/// The first moment of a local (UTC+7) day.
pub fn local_midnight(day: NaiveDate) -> DateTime<Utc> {
    VIETNAM
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn text_of(row: &sea_orm::QueryResult, column: &str) -> String {
    row.try_get::<Option<String>>("", column)
        .ok()
        .flatten()
        .unwrap_or_default()
}

fn int_of(row: &sea_orm::QueryResult, column: &str) -> i64 {
    row.try_get::<Option<i64>>("", column)
        .ok()
        .flatten()
        .or_else(|| {
            row.try_get::<Option<i32>>("", column)
                .ok()
                .flatten()
                .map(i64::from)
        })
        .unwrap_or_default()
}

fn count_of(row: &sea_orm::QueryResult, column: &str) -> u64 {
    u64::try_from(int_of(row, column)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
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
        let histogram = BTreeMap::from([(13, 1), (15, 1), (41, 1)]);
        assert_eq!(median_hours(&histogram), Some(4.0));
        assert_eq!(median_hours(&BTreeMap::new()), None);
    }

    #[test]
    fn period_labels() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(Period::Week.label(day), "2026-W49");
        assert_eq!(Period::Quarter.label(day), "2026-Q4");
        assert_eq!(Period::Half.label(day), "2026-H2");
    }
}
