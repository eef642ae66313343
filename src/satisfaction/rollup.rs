//! The report's figures added up per local day and per month (migration 17's `report_cells`), for each way the
//! report groups, within each unit. Triggers log every day whose figures a write moved (`report_stale`); `fold`
//! takes the log, adds those days up again from the tickets, surveys and desk ratings, and moves each month's sum
//! by the difference. A report folds first, so it is exact, then reads a few thousand cells: a province's year
//! was a million tickets (2.3-7.5 s on SQLite).
use std::collections::{BTreeMap, HashMap};
use std::ops::{Index, IndexMut};
use std::time::Duration as StdDuration;

use chrono::{Datelike, Duration, NaiveDate};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};

use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::Db;
use crate::deadlines::calendar::VIETNAM;

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

/// A bucket's lower bound, in seconds.
pub(super) fn bucket_floor(bucket: i64) -> i64 {
    match bucket {
        b if b < 12 => b * 300,
        b if b < 59 => 3600 + (b - 12) * 3600,
        b if b < 107 => 172_800 + (b - 59) * 21_600,
        b if b < 458 => 1_209_600 + (b - 107) * 86_400,
        _ => 31_536_000,
    }
}

/// The SQL that puts a duration in seconds (`d`) in its bucket.
const BUCKET_SQL: &str = "CASE WHEN d < 0 THEN 0 \
     WHEN d < 3600 THEN d / 300 \
     WHEN d < 172800 THEN 12 + (d - 3600) / 3600 \
     WHEN d < 1209600 THEN 59 + (d - 172800) / 21600 \
     WHEN d < 31536000 THEN 107 + (d - 1209600) / 86400 \
     ELSE 458 END";

/// Buckets: 0 to 458.
pub(super) const BUCKETS: usize = 459;

/// The first moment of a local (UTC+7) day.
pub fn local_midnight(day: NaiveDate) -> DateTime<Utc> {
    VIETNAM
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// SQL for one backend: local day or month of a timestamp, seconds between two, parameters.
struct Sql {
    backend: DbBackend,
    values: Vec<Value>,
}

impl Sql {
    fn param(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }

    /// The local (UTC+7) day, or month, of `column` as text.
    fn local(&self, column: &str, month: bool) -> String {
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

    fn seconds(&self, later: &str, earlier: &str) -> String {
        match self.backend {
            DbBackend::Postgres => {
                format!("CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS BIGINT)")
            }
            _ => format!("CAST((julianday({later}) - julianday({earlier})) * 86400 AS INTEGER)"),
        }
    }
}

/// A cell's counters, in the table's column order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum K {
    Received,
    /// Of those received, still open now, and resolved by now: what was outstanding at a day's end is what was
    /// received before it, still open or resolved since, i.e. these less those resolved before it.
    StillOpen,
    ResolvedEver,
    Resolved,
    OnTime,
    Prolonged,
    Sent,
    SentAnswered,
    /// Ticket surveys' answers with a score, their sum, those of 4-5, and on which scale.
    TResponses,
    TScoreSum,
    TSatisfied,
    TFive,
    TThree,
    SolvedAnswers,
    SolvedYes,
    /// Desk ratings, the same.
    DResponses,
    DScoreSum,
    DSatisfied,
    DFive,
    DThree,
    Due,
    DueOnTime,
    DueProlonged,
}

const COUNTERS: [(K, &str); 23] = [
    (K::Received, "received"),
    (K::StillOpen, "still_open"),
    (K::ResolvedEver, "resolved_ever"),
    (K::Resolved, "resolved"),
    (K::OnTime, "on_time"),
    (K::Prolonged, "prolonged"),
    (K::Sent, "sent"),
    (K::SentAnswered, "sent_answered"),
    (K::TResponses, "t_responses"),
    (K::TScoreSum, "t_score_sum"),
    (K::TSatisfied, "t_satisfied"),
    (K::TFive, "t_five"),
    (K::TThree, "t_three"),
    (K::SolvedAnswers, "solved_answers"),
    (K::SolvedYes, "solved_yes"),
    (K::DResponses, "d_responses"),
    (K::DScoreSum, "d_score_sum"),
    (K::DSatisfied, "d_satisfied"),
    (K::DFive, "d_five"),
    (K::DThree, "d_three"),
    (K::Due, "due"),
    (K::DueOnTime, "due_on_time"),
    (K::DueProlonged, "due_prolonged"),
];

/// One group's sums over a day or a month; histograms of seconds to the first reply (by receipt) and to
/// resolution (by resolution), in the report's buckets.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cell {
    n: [i64; COUNTERS.len()],
    pub first_response: BTreeMap<i64, i64>,
    pub resolve: BTreeMap<i64, i64>,
}

impl Index<K> for Cell {
    type Output = i64;
    fn index(&self, k: K) -> &i64 {
        &self.n[k as usize]
    }
}

impl IndexMut<K> for Cell {
    fn index_mut(&mut self, k: K) -> &mut i64 {
        &mut self.n[k as usize]
    }
}

impl Cell {
    /// Adds `other` times `sign` (1 or -1).
    fn add(&mut self, other: &Cell, sign: i64) {
        for (a, b) in self.n.iter_mut().zip(other.n) {
            *a += sign * b;
        }
        for (mine, theirs) in [
            (&mut self.first_response, &other.first_response),
            (&mut self.resolve, &other.resolve),
        ] {
            for (bucket, count) in theirs {
                let entry = mine.entry(*bucket).or_default();
                *entry += sign * count;
                if *entry == 0 {
                    mine.remove(bucket);
                }
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.n.iter().all(|n| *n == 0) && self.first_response.is_empty() && self.resolve.is_empty()
    }
}

/// `bucket:count,...`, as stored.
fn histogram_text(histogram: &BTreeMap<i64, i64>) -> String {
    histogram
        .iter()
        .map(|(b, n)| format!("{b}:{n}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn histogram_of(text: &str) -> BTreeMap<i64, i64> {
    text.split(',')
        .filter_map(|pair| pair.split_once(':'))
        .filter_map(|(b, n)| Some((b.parse().ok()?, n.parse().ok()?)))
        .collect()
}

/// A cell's place within its grain: group, period (`2026-12-02` or `2026-12`), unit code, group key ('' for none).
type Place = (Group, String, String, String);

/// The procedure a ticket's topic falls under, as the desk survey names them.
fn procedure_of(topic: &str) -> &'static str {
    match topic {
        "residence" => "residence",
        "id_card" => "id_card",
        "vehicle_registration" => "vehicle",
        _ => "other",
    }
}

/// What a fact is about: its unit and, for a ticket or its survey, officer, track, topic and channel; a desk
/// rating has its procedure instead.
struct Dims {
    unit: String,
    officer: Option<String>,
    track: Option<String>,
    topic: Option<String>,
    channel: String,
    procedure: String,
    desk: bool,
}

impl Dims {
    fn of_ticket(row: &sea_orm::QueryResult) -> Dims {
        let topic = text_of(row, "tp");
        Dims {
            unit: text_of(row, "u"),
            officer: Some(text_of(row, "o")),
            track: Some(text_of(row, "tr")),
            procedure: procedure_of(&topic).to_owned(),
            topic: Some(topic),
            channel: text_of(row, "ch"),
            desk: false,
        }
    }

    fn of_desk(row: &sea_orm::QueryResult) -> Dims {
        Dims {
            unit: text_of(row, "u"),
            officer: None,
            track: None,
            topic: None,
            channel: "desk".to_owned(),
            procedure: text_of(row, "pr"),
            desk: true,
        }
    }

    /// The key under each group this fact counts in (a desk rating has no officer, track or topic).
    fn keys(&self) -> Vec<(Group, String)> {
        let mut keys = vec![
            (Group::Unit, self.unit.clone()),
            (Group::Channel, self.channel.clone()),
            (
                Group::Source,
                if self.desk { "desk" } else { "ticket" }.to_owned(),
            ),
            (Group::Procedure, self.procedure.clone()),
        ];
        for (group, key) in [
            (Group::Officer, &self.officer),
            (Group::Track, &self.track),
            (Group::Topic, &self.topic),
        ] {
            if let Some(key) = key {
                keys.push((group, key.clone()));
            }
        }
        keys
    }
}

/// Days added up again, by place.
#[derive(Default)]
struct Days(HashMap<Place, Cell>);

impl Days {
    fn add(&mut self, day: &str, dims: &Dims, apply: impl Fn(&mut Cell)) {
        for (group, key) in dims.keys() {
            let cell = self
                .0
                .entry((group, day.to_owned(), dims.unit.clone(), key))
                .or_default();
            apply(cell);
        }
    }
}

/// The ticket's (`t`) or survey's (`s`) group columns, as `u, o, tr, tp, ch`. A ticket in triage (or a survey
/// asked while it was) is filed under its province's code, two digits where a unit's has five, so that a province's
/// report counts it (`triage_row`); without a province, under ''.
fn dims_sql(from: char) -> &'static str {
    if from == 't' {
        "COALESCE(t.unit_code, t.province_code) AS u, CAST(t.assigned_officer_id AS TEXT) AS o, \
         t.legal_track AS tr, t.topic AS tp, t.channel AS ch"
    } else {
        "COALESCE(s.unit_code, t.province_code) AS u, CAST(s.officer_id AS TEXT) AS o, t.legal_track AS tr, \
         t.topic AS tp, s.channel AS ch"
    }
}

/// A unit group's key as reports show it: a triage ticket's cells, filed under its province's code (`dims_sql`),
/// are the one triage row ('').
pub fn triage_row(unit_key: String) -> String {
    if unit_key.len() == 2 {
        String::new()
    } else {
        unit_key
    }
}

/// Adds up the days `first..=last` from the tickets, surveys and desk ratings.
async fn add_up(
    conn: &impl ConnectionTrait,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Days, DbErr> {
    let backend = conn.get_database_backend();
    let (start, end) = (
        local_midnight(first),
        local_midnight(last + Duration::days(1)),
    );
    let statement = |build: &dyn Fn(&mut Sql, String, String) -> String| {
        let mut sql = Sql {
            backend,
            values: Vec::new(),
        };
        let (a, b) = (sql.param(start), sql.param(end));
        let text = build(&mut sql, a, b);
        Statement::from_sql_and_values(backend, text, sql.values)
    };
    let dims_t = dims_sql('t');
    let dims_s = dims_sql('s');
    let received = statement(&|sql, a, b| {
        format!(
            "SELECT day, u, o, tr, tp, ch, CASE WHEN d IS NULL THEN -1 ELSE {BUCKET_SQL} END AS b, COUNT(*) AS n, \
             SUM(still_open) AS still_open, SUM(resolved_ever) AS resolved_ever \
             FROM (SELECT {day} AS day, {dims_t}, CASE WHEN t.first_reply_at IS NULL THEN NULL ELSE {d} END AS d, \
             CASE WHEN t.status IN ('new', 'in_progress') AND t.resolved_at IS NULL THEN 1 ELSE 0 END AS still_open, \
             CASE WHEN t.resolved_at IS NULL THEN 0 ELSE 1 END AS resolved_ever \
             FROM tickets t WHERE t.created_at >= {a} AND t.created_at < {b} AND t.merged_into_id IS NULL) x \
             GROUP BY 1, 2, 3, 4, 5, 6, 7",
            day = sql.local("t.created_at", false),
            d = sql.seconds("t.first_reply_at", "t.created_at"),
        )
    });
    let resolved = statement(&|sql, a, b| {
        format!(
            "SELECT day, u, o, tr, tp, ch, {BUCKET_SQL} AS b, COUNT(*) AS n, SUM(on_time) AS on_time, \
             SUM(prolonged) AS prolonged \
             FROM (SELECT {day} AS day, {dims_t}, {d} AS d, \
             CASE WHEN t.due_at IS NULL OR t.resolved_at <= t.due_at THEN 1 ELSE 0 END AS on_time, \
             CASE WHEN t.extensions > 0 THEN 1 ELSE 0 END AS prolonged \
             FROM tickets t WHERE t.resolved_at >= {a} AND t.resolved_at < {b} AND t.merged_into_id IS NULL) x \
             GROUP BY 1, 2, 3, 4, 5, 6, 7",
            day = sql.local("t.resolved_at", false),
            d = sql.seconds("t.resolved_at", "t.created_at"),
        )
    });
    let due = statement(&|sql, a, b| {
        format!(
            "SELECT {day} AS day, {dims_t}, COUNT(*) AS n, \
             SUM(CASE WHEN t.resolved_at IS NOT NULL AND t.resolved_at <= t.due_at THEN 1 ELSE 0 END) AS on_time, \
             SUM(CASE WHEN t.extensions > 0 THEN 1 ELSE 0 END) AS prolonged \
             FROM tickets t WHERE t.due_at >= {a} AND t.due_at < {b} AND t.merged_into_id IS NULL \
             AND t.status <> 'rejected' GROUP BY 1, 2, 3, 4, 5, 6",
            day = sql.local("t.due_at", false),
        )
    });
    let sent = statement(&|sql, a, b| {
        format!(
            "SELECT {day} AS day, {dims_s}, COUNT(*) AS n, \
             SUM(CASE WHEN s.score IS NULL THEN 0 ELSE 1 END) AS answered \
             FROM survey_ratings s LEFT JOIN tickets t ON t.id = s.ticket_id \
             WHERE s.sent_at >= {a} AND s.sent_at < {b} GROUP BY 1, 2, 3, 4, 5, 6",
            day = sql.local("s.sent_at", false),
        )
    });
    let answers = statement(&|sql, a, b| {
        format!(
            "SELECT {day} AS day, {dims_s}, s.scale AS scale, COUNT(*) AS n, SUM(s.score) AS score_sum, \
             SUM(CASE WHEN s.score >= 4 THEN 1 ELSE 0 END) AS satisfied, \
             SUM(CASE WHEN s.solved IS NULL THEN 0 ELSE 1 END) AS solved_answers, \
             SUM(CASE WHEN s.solved THEN 1 ELSE 0 END) AS solved_yes \
             FROM survey_ratings s LEFT JOIN tickets t ON t.id = s.ticket_id \
             WHERE s.score IS NOT NULL AND s.answered_at >= {a} AND s.answered_at < {b} \
             GROUP BY 1, 2, 3, 4, 5, 6, 7",
            day = sql.local("s.answered_at", false),
        )
    });
    let desk = statement(&|sql, a, b| {
        format!(
            "SELECT {day} AS day, d.unit_code AS u, d.procedure AS pr, d.scale AS scale, COUNT(*) AS n, \
             SUM(d.score) AS score_sum, SUM(CASE WHEN d.score >= 4 THEN 1 ELSE 0 END) AS satisfied \
             FROM desk_ratings d WHERE d.created_at >= {a} AND d.created_at < {b} GROUP BY 1, 2, 3, 4",
            day = sql.local("d.created_at", false),
        )
    });

    let mut days = Days::default();
    for row in conn.query_all_raw(received).await? {
        let (b, n) = (int_of(&row, "b"), int_of(&row, "n"));
        let (open, resolved) = (int_of(&row, "still_open"), int_of(&row, "resolved_ever"));
        days.add(&text_of(&row, "day"), &Dims::of_ticket(&row), |c| {
            c[K::Received] += n;
            c[K::StillOpen] += open;
            c[K::ResolvedEver] += resolved;
            if b >= 0 {
                *c.first_response.entry(b).or_default() += n;
            }
        });
    }
    for row in conn.query_all_raw(resolved).await? {
        let (b, n) = (int_of(&row, "b"), int_of(&row, "n"));
        let (on_time, prolonged) = (int_of(&row, "on_time"), int_of(&row, "prolonged"));
        days.add(&text_of(&row, "day"), &Dims::of_ticket(&row), |c| {
            c[K::Resolved] += n;
            c[K::OnTime] += on_time;
            c[K::Prolonged] += prolonged;
            *c.resolve.entry(b).or_default() += n;
        });
    }
    for row in conn.query_all_raw(due).await? {
        let n = int_of(&row, "n");
        let (on_time, prolonged) = (int_of(&row, "on_time"), int_of(&row, "prolonged"));
        days.add(&text_of(&row, "day"), &Dims::of_ticket(&row), |c| {
            c[K::Due] += n;
            c[K::DueOnTime] += on_time;
            c[K::DueProlonged] += prolonged;
        });
    }
    for row in conn.query_all_raw(sent).await? {
        let (n, answered) = (int_of(&row, "n"), int_of(&row, "answered"));
        days.add(&text_of(&row, "day"), &Dims::of_ticket(&row), |c| {
            c[K::Sent] += n;
            c[K::SentAnswered] += answered;
        });
    }
    for row in conn.query_all_raw(answers).await? {
        let n = int_of(&row, "n");
        let three = text_of(&row, "scale") == "three";
        let (sum, satisfied) = (int_of(&row, "score_sum"), int_of(&row, "satisfied"));
        let (solved, yes) = (int_of(&row, "solved_answers"), int_of(&row, "solved_yes"));
        days.add(&text_of(&row, "day"), &Dims::of_ticket(&row), |c| {
            c[K::TResponses] += n;
            c[K::TScoreSum] += sum;
            c[K::TSatisfied] += satisfied;
            c[if three { K::TThree } else { K::TFive }] += n;
            c[K::SolvedAnswers] += solved;
            c[K::SolvedYes] += yes;
        });
    }
    for row in conn.query_all_raw(desk).await? {
        let n = int_of(&row, "n");
        let three = text_of(&row, "scale") == "three";
        let (sum, satisfied) = (int_of(&row, "score_sum"), int_of(&row, "satisfied"));
        days.add(&text_of(&row, "day"), &Dims::of_desk(&row), |c| {
            c[K::DResponses] += n;
            c[K::DScoreSum] += sum;
            c[K::DSatisfied] += satisfied;
            c[if three { K::DThree } else { K::DFive }] += n;
        });
    }
    Ok(days)
}

/// A cell as stored, its histograms as text (empty unless asked for).
pub struct Stored {
    pub period: String,
    pub unit: String,
    pub key: String,
    /// The counters (histograms apart).
    pub cell: Cell,
    pub first_response: String,
    pub resolve: String,
}

/// Whose cells a report reads.
#[derive(Debug, Clone, Copy)]
pub enum Within<'a> {
    All,
    Unit(&'a str),
    /// A province's: its units' (those `units` holds for it) and its triage tickets' (`dims_sql`).
    Province(&'a str),
}

/// The cells of one group and grain whose period is within `first..=last` (as text: days or months).
async fn read(
    conn: &impl ConnectionTrait,
    grain: char,
    group: Group,
    (first, last): (&str, &str),
    within: Within<'_>,
) -> Result<Vec<Stored>, DbErr> {
    let backend = conn.get_database_backend();
    let mut sql = Sql {
        backend,
        values: Vec::new(),
    };
    let filter = cells_of(&mut sql, grain, group, (first, last), within);
    let counters: Vec<&str> = COUNTERS.iter().map(|(_, name)| *name).collect();
    let text = format!(
        "SELECT period, unit_code, gkey, {}, first_response, resolve FROM report_cells WHERE {filter}",
        counters.join(", ")
    );
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(backend, text, sql.values))
        .await?;
    Ok(rows.iter().map(Stored::of).collect())
}

/// The condition that picks one group and grain's cells within `first..=last`.
fn cells_of(
    sql: &mut Sql,
    grain: char,
    group: Group,
    (first, last): (&str, &str),
    within: Within<'_>,
) -> String {
    let (g, k) = (sql.param(grain.to_string()), sql.param(group.as_str()));
    let (a, b) = (sql.param(first.to_owned()), sql.param(last.to_owned()));
    let within = match within {
        Within::All => String::new(),
        Within::Unit(code) => format!(" AND unit_code = {}", sql.param(code.to_owned())),
        Within::Province(code) => format!(
            " AND (unit_code = {} OR unit_code IN (SELECT code FROM units WHERE generation = '2025' \
             AND province_code = {}))",
            sql.param(code.to_owned()),
            sql.param(code.to_owned())
        ),
    };
    format!("grain = {g} AND grp = {k} AND period >= {a} AND period <= {b}{within}")
}

impl Stored {
    /// A row of `read` or `sums` (a missing column reads as empty).
    fn of(row: &sea_orm::QueryResult) -> Stored {
        let mut cell = Cell::default();
        for (k, name) in COUNTERS {
            cell[k] = int_of(row, name);
        }
        Stored {
            period: text_of(row, "period"),
            unit: text_of(row, "unit_code"),
            key: text_of(row, "gkey"),
            cell,
            first_response: text_of(row, "first_response"),
            resolve: text_of(row, "resolve"),
        }
    }

    /// The cell with its histograms.
    fn into_cell(self) -> Cell {
        Cell {
            first_response: histogram_of(&self.first_response),
            resolve: histogram_of(&self.resolve),
            ..self.cell
        }
    }
}

/// The cells of one group and grain within `first..=last`, added up in the database per key (and per period with
/// `by_period`): what a report reads, a few rows however many units. Histograms come joined by commas (a bucket
/// may repeat: `add_histogram` adds), or not at all.
pub async fn sums(
    conn: &impl ConnectionTrait,
    grain: char,
    group: Group,
    (first, last): (&str, &str),
    within: Within<'_>,
    (by_period, histograms): (bool, bool),
) -> Result<Vec<Stored>, DbErr> {
    let backend = conn.get_database_backend();
    let mut sql = Sql {
        backend,
        values: Vec::new(),
    };
    let filter = cells_of(&mut sql, grain, group, (first, last), within);
    let counters: Vec<String> = COUNTERS
        .iter()
        .map(|(_, name)| format!("CAST(SUM({name}) AS BIGINT) AS {name}"))
        .collect();
    let joined = |column: &str| {
        if !histograms {
            format!("'' AS {column}")
        } else if backend == DbBackend::Postgres {
            format!("string_agg({column}, ',') AS {column}")
        } else {
            format!("group_concat({column}, ',') AS {column}")
        }
    };
    let (period, grouping) = if by_period {
        ("period", "period, gkey")
    } else {
        ("''", "gkey")
    };
    let text = format!(
        "SELECT {period} AS period, gkey, {}, {}, {} FROM report_cells \
         WHERE {filter} GROUP BY {grouping}",
        counters.join(", "),
        joined("first_response"),
        joined("resolve"),
    );
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(backend, text, sql.values))
        .await?;
    Ok(rows.iter().map(Stored::of).collect())
}

/// Adds a stored histogram to counts by bucket (sized on first use).
pub fn add_histogram(text: &str, into: &mut Vec<u64>) {
    let pairs = text.split(',').filter_map(|pair| pair.split_once(':'));
    for (bucket, count) in pairs {
        if let (Ok(bucket), Ok(count)) = (bucket.parse::<usize>(), count.parse::<u64>())
            && bucket < BUCKETS
        {
            if into.is_empty() {
                into.resize(BUCKETS, 0);
            }
            into[bucket] += count;
        }
    }
}

/// Replaces the cells of one group and grain within `first..=last` by `cells`.
async fn replace(
    conn: &impl ConnectionTrait,
    grain: char,
    group: Group,
    (first, last): (&str, &str),
    cells: &[(&String, &String, &String, &Cell)],
) -> Result<(), DbErr> {
    let backend = conn.get_database_backend();
    let mut sql = Sql {
        backend,
        values: Vec::new(),
    };
    let (g, k) = (sql.param(grain.to_string()), sql.param(group.as_str()));
    let (a, b) = (sql.param(first.to_owned()), sql.param(last.to_owned()));
    let text = format!(
        "DELETE FROM report_cells WHERE grain = {g} AND grp = {k} AND period >= {a} AND period <= {b}"
    );
    conn.execute_raw(Statement::from_sql_and_values(backend, text, sql.values))
        .await?;
    write(conn, grain, group, cells).await
}

/// Writes `cells` of one group and grain, over any already there.
async fn write(
    conn: &impl ConnectionTrait,
    grain: char,
    group: Group,
    cells: &[(&String, &String, &String, &Cell)],
) -> Result<(), DbErr> {
    let backend = conn.get_database_backend();
    let counters: Vec<&str> = COUNTERS.iter().map(|(_, name)| *name).collect();
    let update: Vec<String> = counters
        .iter()
        .chain(&["first_response", "resolve"])
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    // 30 values a row: 400 rows stay within both backends' limits on parameters.
    for chunk in cells.chunks(400) {
        let mut sql = Sql {
            backend,
            values: Vec::new(),
        };
        let rows: Vec<String> = chunk
            .iter()
            .map(|(period, unit, key, cell)| {
                let mut values = vec![
                    sql.param(grain.to_string()),
                    sql.param(group.as_str()),
                    sql.param((*period).clone()),
                    sql.param((*unit).clone()),
                    sql.param((*key).clone()),
                ];
                for (k, _) in COUNTERS {
                    values.push(sql.param(cell[k]));
                }
                values.push(sql.param(histogram_text(&cell.first_response)));
                values.push(sql.param(histogram_text(&cell.resolve)));
                format!("({})", values.join(", "))
            })
            .collect();
        let text = format!(
            "INSERT INTO report_cells (grain, grp, period, unit_code, gkey, {}, first_response, resolve) VALUES {} \
             ON CONFLICT (grain, grp, period, unit_code, gkey) DO UPDATE SET {}",
            counters.join(", "),
            rows.join(", "),
            update.join(", ")
        );
        conn.execute_raw(Statement::from_sql_and_values(backend, text, sql.values))
            .await?;
    }
    Ok(())
}

/// One fold at a time in this process; other instances wait on PostgreSQL's lock.
static FOLDING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Folds the log into the cells: returns how many days were added up again. Runs of consecutive days, at most
/// a month each, are added up in one pass and committed on their own, so a large fold (a fresh database's first)
/// never holds the writer for long.
pub async fn fold(db: &Db) -> Result<usize, DbErr> {
    // Read on a reader: most reports find nothing to fold and need neither the lock nor the writer. Days another
    // fold takes meanwhile are skipped by `fold_run`.
    let days: Vec<NaiveDate> = db
        .read
        .query_all_raw(Statement::from_string(
            db.backend(),
            "SELECT DISTINCT day FROM report_stale ORDER BY day",
        ))
        .await?
        .iter()
        .filter_map(|r| NaiveDate::parse_from_str(&text_of(r, "day"), "%Y-%m-%d").ok())
        .collect();
    if days.is_empty() {
        return Ok(0);
    }
    let _one = FOLDING.lock().await;
    let mut runs: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for day in days {
        match runs.last_mut() {
            Some((first, last))
                if *last + Duration::days(1) == day && (day - *first).num_days() < 31 =>
            {
                *last = day
            }
            _ => runs.push((day, day)),
        }
    }
    // A run that fails stays in the log for the next fold; the others go on.
    let mut folded = 0;
    let mut failed = None;
    for (first, last) in runs {
        match fold_run(db, first, last).await {
            Ok(days) => folded += days,
            Err(err) => {
                tracing::warn!(error = %err, %first, %last, "cannot fold the report's days");
                failed = Some(err);
            }
        }
    }
    match failed {
        Some(err) if folded == 0 => Err(err),
        _ => Ok(folded),
    }
}

/// Adds up the days `first..=last` again and moves their months by the difference, in one transaction.
async fn fold_run(db: &Db, first: NaiveDate, last: NaiveDate) -> Result<usize, DbErr> {
    let backend = db.backend();
    let txn = db.begin_write().await?;
    if backend == DbBackend::Postgres {
        txn.execute_unprepared("SELECT pg_advisory_xact_lock(7202617)")
            .await?;
    }
    let (a, b) = (first.to_string(), last.to_string());
    // The entries deleted here were written by transactions committed before this statement: the sums below see
    // their writes. One committed later stays for the next fold; none left means another instance folded them.
    let mut sql = Sql {
        backend,
        values: Vec::new(),
    };
    let (pa, pb) = (sql.param(a.clone()), sql.param(b.clone()));
    let taken = txn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            format!("DELETE FROM report_stale WHERE day >= {pa} AND day <= {pb}"),
            sql.values,
        ))
        .await?
        .rows_affected();
    if taken == 0 {
        return Ok(0);
    }
    let fresh = add_up(&txn, first, last).await?;
    // Each month moves by its days' new sums less their old ones.
    type Deltas = BTreeMap<(Group, String), HashMap<(String, String), Cell>>;
    let mut deltas: Deltas = BTreeMap::new();
    let mut delta = |group: Group, day: &str, unit: &str, key: &str, cell: &Cell, sign: i64| {
        let month = day.get(..7).unwrap_or_default().to_owned();
        deltas
            .entry((group, month))
            .or_default()
            .entry((unit.to_owned(), key.to_owned()))
            .or_default()
            .add(cell, sign);
    };
    for group in Group::ALL {
        for old in read(&txn, 'd', group, (&a, &b), Within::All).await? {
            let (period, unit, key) = (old.period.clone(), old.unit.clone(), old.key.clone());
            delta(group, &period, &unit, &key, &old.into_cell(), -1);
        }
        let cells: Vec<_> = fresh
            .0
            .iter()
            .filter(|(place, cell)| place.0 == group && !cell.is_empty())
            .map(|((_, day, unit, key), cell)| (day, unit, key, cell))
            .collect();
        replace(&txn, 'd', group, (&a, &b), &cells).await?;
    }
    for ((group, day, unit, key), cell) in &fresh.0 {
        delta(*group, day, unit, key, cell, 1);
    }
    for ((group, month), moved) in deltas {
        let mut sums: HashMap<(String, String), Cell> = HashMap::new();
        for stored in read(&txn, 'm', group, (&month, &month), Within::All).await? {
            sums.insert(
                (stored.unit.clone(), stored.key.clone()),
                stored.into_cell(),
            );
        }
        // Only the cells that moved are written (a month left empty stays as a row of zeros).
        for (place, delta) in moved.iter().filter(|(_, delta)| !delta.is_empty()) {
            sums.entry(place.clone()).or_default().add(delta, 1);
        }
        let cells: Vec<_> = sums
            .iter()
            .filter(|(place, _)| moved.get(*place).is_some_and(|delta| !delta.is_empty()))
            .map(|((unit, key), cell)| (&month, unit, key, cell))
            .collect();
        write(&txn, 'm', group, &cells).await?;
    }
    txn.commit().await?;
    Ok((last - first).num_days() as usize + 1)
}

/// Folds every few seconds, so a report seldom has much to fold (and a fresh database's first fold is done
/// before anyone asks).
pub fn spawn(db: Db) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(StdDuration::from_secs(5));
        loop {
            tick.tick().await;
            match fold(&db).await {
                Ok(0) => {}
                Ok(days) => tracing::debug!(days, "report figures folded"),
                Err(err) => tracing::warn!(error = %err, "cannot fold the report's figures"),
            }
        }
    });
}

/// The first day of a month given as `2026-12`.
pub fn month_start(month: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()
}

/// The last day of `day`'s month.
pub fn month_end(day: NaiveDate) -> NaiveDate {
    let next = if day.month() == 12 {
        NaiveDate::from_ymd_opt(day.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(day.year(), day.month() + 1, 1)
    };
    next.map(|n| n - Duration::days(1)).unwrap_or(day)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_round_trip_and_differences_drop_empty_buckets() {
        let mut a = Cell::default();
        a[K::Received] = 3;
        a.first_response = BTreeMap::from([(1, 2), (40, 1)]);
        assert_eq!(
            histogram_of(&histogram_text(&a.first_response)),
            a.first_response
        );
        let mut b = a.clone();
        b.first_response.insert(40, 1);
        b.add(&a, -1);
        assert!(b.is_empty(), "{b:?}");
        assert_eq!(histogram_of(""), BTreeMap::new());
    }

    #[test]
    fn month_ends() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(month_end(day(2026, 12, 2)), day(2026, 12, 31));
        assert_eq!(month_end(day(2028, 2, 10)), day(2028, 2, 29));
        assert_eq!(month_start("2026-07"), Some(day(2026, 7, 1)));
    }
}
