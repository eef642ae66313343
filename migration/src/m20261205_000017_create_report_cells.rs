//! The satisfaction report's rollup: its figures added up per local (UTC+7) day and per month, for each way the
//! report groups (unit, officer, track, topic, channel, source, procedure) within each unit, so a province's year
//! reads thousands of sums instead of a million tickets.
//!
//! `report_cells` holds the sums (`grain` `d`: `period` is a day, `m`: a month, the sum of its days).
//! `report_stale` is a log of days whose figures changed: triggers append to it on every write that moves a
//! figure (a ticket received, answered, resolved, reopened, rerouted, reassigned or given more time; a survey sent
//! or answered; a desk rating), whichever code path makes it. The service folds the log into the cells before each
//! report and every few seconds. A log, not a set of days: writers never wait on one another's row; a fold
//! deletes the entries of the days it adds up in the same transaction.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The counters of a cell, in order.
const COUNTERS: [&str; 23] = [
    "received",
    "still_open",
    "resolved_ever",
    "resolved",
    "on_time",
    "prolonged",
    "sent",
    "sent_answered",
    "t_responses",
    "t_score_sum",
    "t_satisfied",
    "t_five",
    "t_three",
    "solved_answers",
    "solved_yes",
    "d_responses",
    "d_score_sum",
    "d_satisfied",
    "d_five",
    "d_three",
    "due",
    "due_on_time",
    "due_prolonged",
];

fn cells_table() -> String {
    let counters: String = COUNTERS
        .iter()
        .map(|c| format!("{c} BIGINT NOT NULL DEFAULT 0, "))
        .collect();
    format!(
        "CREATE TABLE report_cells (grain VARCHAR(1) NOT NULL, grp VARCHAR(16) NOT NULL, period VARCHAR(10) NOT NULL, \
         unit_code VARCHAR(16) NOT NULL, gkey VARCHAR(64) NOT NULL, {counters}\
         first_response TEXT NOT NULL DEFAULT '', resolve TEXT NOT NULL DEFAULT '', \
         PRIMARY KEY (grain, grp, period, unit_code, gkey))"
    )
}

/// Which changes of a ticket move a figure (migration 19 adds its province).
pub(crate) const TICKET_FIELDS: [&str; 12] = [
    "created_at",
    "first_reply_at",
    "resolved_at",
    "due_at",
    "extensions",
    "merged_into_id",
    "status",
    "unit_code",
    "assigned_officer_id",
    "legal_track",
    "topic",
    "channel",
];
const SURVEY_FIELDS: [&str; 9] = [
    "ticket_id",
    "unit_code",
    "officer_id",
    "channel",
    "score",
    "solved",
    "scale",
    "sent_at",
    "answered_at",
];
const DESK_FIELDS: [&str; 5] = ["unit_code", "procedure", "score", "scale", "created_at"];

/// Each table the report reads: its name, the triggers' name, the timestamps whose days hold its figures, and the
/// changes that move them.
type Watched = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
);
const TABLES: [Watched; 3] = [
    (
        "tickets",
        "tickets",
        &["created_at", "resolved_at", "due_at"],
        &TICKET_FIELDS,
    ),
    (
        "survey_ratings",
        "surveys",
        &["sent_at", "answered_at"],
        &SURVEY_FIELDS,
    ),
    ("desk_ratings", "desk", &["created_at"], &DESK_FIELDS),
];

fn changed(fields: &[&str], differ: &str) -> String {
    fields
        .iter()
        .map(|f| format!("OLD.{f} {differ} NEW.{f}"))
        .collect::<Vec<_>>()
        .join(" OR ")
}

fn sqlite() -> Vec<String> {
    let day = |c: &str| format!("strftime('%Y-%m-%d', {c}, '+7 hours')");
    let mark = |row: &str, columns: &[&str]| {
        let days: Vec<String> = columns
            .iter()
            .map(|c| format!("SELECT {} AS d", day(&format!("{row}.{c}"))))
            .collect();
        format!(
            "INSERT INTO report_stale(day) SELECT d FROM ({}) WHERE d IS NOT NULL;",
            days.join(" UNION ")
        )
    };
    // A ticket's track or topic is its surveys' too.
    let ticket_surveys = format!(
        "INSERT INTO report_stale(day) SELECT d FROM (SELECT {} AS d FROM survey_ratings s WHERE s.ticket_id = NEW.id \
         UNION SELECT {} FROM survey_ratings s WHERE s.ticket_id = NEW.id) \
         WHERE d IS NOT NULL AND (OLD.topic IS NOT NEW.topic OR OLD.legal_track IS NOT NEW.legal_track);",
        day("s.sent_at"),
        day("s.answered_at")
    );
    let mut statements = vec![
        cells_table(),
        "CREATE TABLE report_stale (id INTEGER PRIMARY KEY AUTOINCREMENT, day VARCHAR(10) NOT NULL)".to_owned(),
        "CREATE INDEX ix_report_stale_day ON report_stale (day)".to_owned(),
    ];
    for (table, name, columns, fields) in TABLES {
        let extra = if table == "tickets" {
            ticket_surveys.as_str()
        } else {
            ""
        };
        statements.push(format!(
            "CREATE TRIGGER report_{name}_insert AFTER INSERT ON {table} BEGIN {} END",
            mark("NEW", columns)
        ));
        statements.push(format!(
            "CREATE TRIGGER report_{name}_delete AFTER DELETE ON {table} BEGIN {} END",
            mark("OLD", columns)
        ));
        statements.push(format!(
            "CREATE TRIGGER report_{name}_update AFTER UPDATE ON {table} WHEN {} BEGIN {} {} {extra} END",
            changed(fields, "IS NOT"),
            mark("OLD", columns),
            mark("NEW", columns)
        ));
    }
    statements
}

/// PostgreSQL: one trigger call per statement, over its rows (transition tables), so a batch of tickets written
/// by one statement logs its days in one insert.
fn postgres() -> Vec<String> {
    let days = |rows: &[&str], columns: &[&str]| {
        rows.iter()
            .flat_map(|row| {
                columns
                    .iter()
                    .map(move |c| format!("report_day({row}.{c})"))
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut statements = vec![
        cells_table(),
        "CREATE TABLE report_stale (id BIGSERIAL PRIMARY KEY, day VARCHAR(10) NOT NULL)".to_owned(),
        "CREATE INDEX ix_report_stale_day ON report_stale (day)".to_owned(),
        "CREATE FUNCTION report_day(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS \
         $$ SELECT to_char((t AT TIME ZONE 'UTC') + interval '7 hours', 'YYYY-MM-DD') $$"
            .to_owned(),
    ];
    for (table, name, columns, fields) in TABLES {
        // A ticket's track or topic is its surveys' too.
        let extra = if table == "tickets" {
            "INSERT INTO report_stale(day) SELECT DISTINCT d FROM old_rows o JOIN new_rows n ON n.id = o.id \
             JOIN survey_ratings s ON s.ticket_id = n.id, \
             unnest(ARRAY[report_day(s.sent_at), report_day(s.answered_at)]) d WHERE d IS NOT NULL \
             AND (o.topic IS DISTINCT FROM n.topic OR o.legal_track IS DISTINCT FROM n.legal_track);"
        } else {
            ""
        };
        let changed = fields
            .iter()
            .map(|f| format!("o.{f} IS DISTINCT FROM n.{f}"))
            .collect::<Vec<_>>()
            .join(" OR ");
        for (op, rows, body) in [
            (
                "INSERT",
                "NEW TABLE AS new_rows",
                format!(
                    "INSERT INTO report_stale(day) SELECT DISTINCT d FROM new_rows n, unnest(ARRAY[{}]) d \
                     WHERE d IS NOT NULL;",
                    days(&["n"], columns)
                ),
            ),
            (
                "DELETE",
                "OLD TABLE AS old_rows",
                format!(
                    "INSERT INTO report_stale(day) SELECT DISTINCT d FROM old_rows o, unnest(ARRAY[{}]) d \
                     WHERE d IS NOT NULL;",
                    days(&["o"], columns)
                ),
            ),
            (
                "UPDATE",
                "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                format!(
                    "INSERT INTO report_stale(day) SELECT DISTINCT d FROM old_rows o JOIN new_rows n ON n.id = o.id, \
                     unnest(ARRAY[{}]) d WHERE d IS NOT NULL AND ({changed}); {extra}",
                    days(&["o", "n"], columns)
                ),
            ),
        ] {
            let lower = op.to_lowercase();
            statements.push(format!(
                "CREATE FUNCTION report_mark_{name}_{lower}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 {body} RETURN NULL; END $$"
            ));
            statements.push(format!(
                "CREATE TRIGGER report_{name}_{lower} AFTER {op} ON {table} REFERENCING {rows} \
                 FOR EACH STATEMENT EXECUTE FUNCTION report_mark_{name}_{lower}()"
            ));
        }
    }
    statements
}

/// Every day that holds a figure, for the service to fold on its first pass.
fn backfill(day: impl Fn(&str) -> String) -> String {
    format!(
        "INSERT INTO report_stale(day) SELECT d FROM (\
         SELECT {} AS d FROM tickets UNION SELECT {} FROM tickets UNION SELECT {} FROM tickets \
         UNION SELECT {} FROM survey_ratings UNION SELECT {} FROM survey_ratings \
         UNION SELECT {} FROM desk_ratings) x WHERE d IS NOT NULL",
        day("created_at"),
        day("resolved_at"),
        day("due_at"),
        day("sent_at"),
        day("answered_at"),
        day("created_at"),
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let (statements, fill) = match manager.get_database_backend() {
            DatabaseBackend::Sqlite => (
                sqlite(),
                backfill(|c| format!("strftime('%Y-%m-%d', {c}, '+7 hours')")),
            ),
            DatabaseBackend::Postgres => (postgres(), backfill(|c| format!("report_day({c})"))),
            _ => return Ok(()),
        };
        for statement in statements {
            db.execute_unprepared(&statement).await?;
        }
        db.execute_unprepared(&fill).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == DatabaseBackend::Postgres;
        for (table, name, _, _) in TABLES {
            for trigger in ["insert", "delete", "update"] {
                let on = if postgres {
                    format!(" ON {table}")
                } else {
                    String::new()
                };
                db.execute_unprepared(&format!(
                    "DROP TRIGGER IF EXISTS report_{name}_{trigger}{on}"
                ))
                .await?;
                if postgres {
                    db.execute_unprepared(&format!(
                        "DROP FUNCTION IF EXISTS report_mark_{name}_{trigger}()"
                    ))
                    .await?;
                }
            }
        }
        if postgres {
            db.execute_unprepared("DROP FUNCTION IF EXISTS report_day(timestamptz)")
                .await?;
        }
        db.execute_unprepared("DROP TABLE IF EXISTS report_stale")
            .await?;
        db.execute_unprepared("DROP TABLE IF EXISTS report_cells")
            .await?;
        Ok(())
    }
}
