//! Province scope (one deployment serving several provinces, or the country): each ticket's 2025 province and each
//! officer's.
//!
//! - `tickets.province_code`: the province of the ticket's unit; for a ticket in triage, the served province its
//!   text named (or the one its suggested unit is in), else null. Filled here from `units` for the tickets already
//!   there. Indexed as migration 12 indexes the unit's queue, with the province first: a province supervisor's
//!   queue is read in its order from an index, and its counts from the open tickets alone.
//! - `officers.province_code`: the province a supervisor or admin is limited to (null: every province served); an
//!   officer's is their unit's, filled here for those already there.
//! - The report's cells file a triage ticket under its province (`satisfaction::rollup`), so a change of province
//!   now moves figures: the tickets' update trigger of migration 17 watches it too, and the days of the triage
//!   tickets given a province here are logged for the next fold.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

use super::m20261205_000017_create_report_cells::TICKET_FIELDS;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// As migration 12's `OPEN`, which `inbox::tickets::OPEN` spells the same.
const OPEN: &str = "status IN ('new', 'in_progress')";

fn indexes() -> [(&'static str, String); 3] {
    let urgency =
        format!("({OPEN}) DESC, urgent DESC, (due_at IS NULL), due_at, created_at DESC, id DESC");
    [
        (
            "ix_tickets_province_created",
            "(province_code, created_at, id)".to_owned(),
        ),
        (
            "ix_tickets_province_urgency",
            format!("(province_code, {urgency})"),
        ),
        (
            "ix_tickets_province_open_counts",
            format!(
                "(province_code, status, unit_code, due_at, assigned_officer_id, officer_conduct) WHERE {OPEN}"
            ),
        ),
    ]
}

/// The 2025 province of the unit in `column` of the row being updated.
fn province_of(column: &str, table: &str) -> String {
    format!(
        "(SELECT u.province_code FROM units u WHERE u.generation = '2025' AND u.code = {table}.{column})"
    )
}

/// Migration 17's update trigger on tickets, watching `fields`; a ticket's surveys' days too when `survey_fields`
/// change (a survey counts under its ticket's track and topic, and a triage ticket's under its province).
fn tickets_update_trigger(
    backend: DatabaseBackend,
    fields: &[&str],
    survey_fields: &[&str],
) -> Vec<String> {
    const DAYS: [&str; 3] = ["created_at", "resolved_at", "due_at"];
    match backend {
        DatabaseBackend::Sqlite => {
            let day = |c: &str| format!("strftime('%Y-%m-%d', {c}, '+7 hours')");
            let mark = |row: &str| {
                let days: Vec<String> = DAYS
                    .iter()
                    .map(|c| format!("SELECT {} AS d", day(&format!("{row}.{c}"))))
                    .collect();
                format!(
                    "INSERT INTO report_stale(day) SELECT d FROM ({}) WHERE d IS NOT NULL;",
                    days.join(" UNION ")
                )
            };
            let differ = |fields: &[&str]| {
                fields
                    .iter()
                    .map(|f| format!("OLD.{f} IS NOT NEW.{f}"))
                    .collect::<Vec<_>>()
                    .join(" OR ")
            };
            let surveys = format!(
                "INSERT INTO report_stale(day) SELECT d FROM (SELECT {} AS d FROM survey_ratings s WHERE s.ticket_id = NEW.id \
                 UNION SELECT {} FROM survey_ratings s WHERE s.ticket_id = NEW.id) WHERE d IS NOT NULL AND ({});",
                day("s.sent_at"),
                day("s.answered_at"),
                differ(survey_fields)
            );
            vec![
                "DROP TRIGGER IF EXISTS report_tickets_update".to_owned(),
                format!(
                    "CREATE TRIGGER report_tickets_update AFTER UPDATE ON tickets WHEN {} BEGIN {} {} {surveys} END",
                    differ(fields),
                    mark("OLD"),
                    mark("NEW")
                ),
            ]
        }
        _ => {
            let days: Vec<String> = ["o", "n"]
                .iter()
                .flat_map(|row| DAYS.iter().map(move |c| format!("report_day({row}.{c})")))
                .collect();
            let differ = |fields: &[&str]| {
                fields
                    .iter()
                    .map(|f| format!("o.{f} IS DISTINCT FROM n.{f}"))
                    .collect::<Vec<_>>()
                    .join(" OR ")
            };
            // The trigger of migration 17 calls this function: replacing it is enough.
            vec![format!(
                "CREATE OR REPLACE FUNCTION report_mark_tickets_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 INSERT INTO report_stale(day) SELECT DISTINCT d FROM old_rows o JOIN new_rows n ON n.id = o.id, \
                 unnest(ARRAY[{}]) d WHERE d IS NOT NULL AND ({}); \
                 INSERT INTO report_stale(day) SELECT DISTINCT d FROM old_rows o JOIN new_rows n ON n.id = o.id \
                 JOIN survey_ratings s ON s.ticket_id = n.id, \
                 unnest(ARRAY[report_day(s.sent_at), report_day(s.answered_at)]) d WHERE d IS NOT NULL \
                 AND ({}); RETURN NULL; END $$",
                days.join(", "),
                differ(fields),
                differ(survey_fields)
            )]
        }
    }
}

/// The days of the triage tickets that have a province, and of their surveys asked while in triage: their cells
/// move from the triage row without a province to their province's.
fn mark_triage_days(backend: DatabaseBackend) -> String {
    let day = |c: &str| match backend {
        DatabaseBackend::Sqlite => format!("strftime('%Y-%m-%d', {c}, '+7 hours')"),
        _ => format!("report_day({c})"),
    };
    let triage = "unit_code IS NULL AND province_code IS NOT NULL";
    let surveys = "survey_ratings s JOIN tickets t ON t.id = s.ticket_id \
                   WHERE s.unit_code IS NULL AND t.province_code IS NOT NULL";
    format!(
        "INSERT INTO report_stale(day) SELECT d FROM (\
         SELECT {} AS d FROM tickets WHERE {triage} UNION SELECT {} FROM tickets WHERE {triage} \
         UNION SELECT {} FROM tickets WHERE {triage} \
         UNION SELECT {} FROM {surveys} UNION SELECT {} FROM {surveys}) x WHERE d IS NOT NULL",
        day("created_at"),
        day("resolved_at"),
        day("due_at"),
        day("s.sent_at"),
        day("s.answered_at"),
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        for table in [Scoped::Tickets, Scoped::Officers] {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(
                            ColumnDef::new(Scoped::ProvinceCode)
                                .string_len(4)
                                .null()
                                .to_owned(),
                        )
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        // Before the trigger watches the province: filling it moves no figure but the triage tickets', logged below.
        for statement in [
            format!(
                "UPDATE tickets SET province_code = {} WHERE unit_code IS NOT NULL",
                province_of("unit_code", "tickets")
            ),
            format!(
                "UPDATE tickets SET province_code = {} WHERE unit_code IS NULL AND suggested_unit_code IS NOT NULL",
                province_of("suggested_unit_code", "tickets")
            ),
            format!(
                "UPDATE officers SET province_code = {} WHERE role = 'officer' AND unit_code IS NOT NULL",
                province_of("unit_code", "officers")
            ),
        ] {
            db.execute_unprepared(&statement).await?;
        }
        for (name, definition) in indexes() {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON tickets {definition}"))
                .await?;
        }
        if matches!(backend, DatabaseBackend::Sqlite | DatabaseBackend::Postgres) {
            let fields: Vec<&str> = TICKET_FIELDS
                .iter()
                .copied()
                .chain(["province_code"])
                .collect();
            let survey_fields = ["topic", "legal_track", "province_code"];
            for statement in tickets_update_trigger(backend, &fields, &survey_fields) {
                db.execute_unprepared(&statement).await?;
            }
            db.execute_unprepared(&mark_triage_days(backend)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let db = manager.get_connection();
        if matches!(backend, DatabaseBackend::Sqlite | DatabaseBackend::Postgres) {
            db.execute_unprepared(&mark_triage_days(backend)).await?;
            for statement in
                tickets_update_trigger(backend, &TICKET_FIELDS, &["topic", "legal_track"])
            {
                db.execute_unprepared(&statement).await?;
            }
        }
        for (name, _) in indexes() {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
                .await?;
        }
        for table in [Scoped::Tickets, Scoped::Officers] {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column(Scoped::ProvinceCode)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Scoped {
    Tickets,
    Officers,
    ProvinceCode,
}
