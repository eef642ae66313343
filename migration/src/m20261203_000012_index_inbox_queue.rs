//! The inbox's queue at a province's scale (a million tickets): each order it offers and each scope (one unit, or
//! the province) read from an index in that order, so a page costs its rows, not the queue's size.
//! - `newest`: (created_at, id), and the same after unit_code.
//! - `urgency`: open work first, then urgent, then the nearest deadline (none last), then newest: an index on
//!   those expressions, written exactly as `inbox::tickets::queue` orders (an index on an expression serves only
//!   the same expression), and the same after unit_code.
//! - The counts over the open tickets (new, in progress, overdue, due soon, held by me, conduct): a partial index
//!   on open tickets only, holding every column the counts read, so they never visit the table.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `inbox::tickets::OPEN` must say the same, character for character where it matters: the statuses, in order.
const OPEN: &str = "status IN ('new', 'in_progress')";

fn indexes() -> [(&'static str, String); 5] {
    let urgency =
        format!("({OPEN}) DESC, urgent DESC, (due_at IS NULL), due_at, created_at DESC, id DESC");
    [
        ("ix_tickets_created", "(created_at, id)".to_owned()),
        (
            "ix_tickets_unit_created",
            "(unit_code, created_at, id)".to_owned(),
        ),
        ("ix_tickets_urgency", format!("({urgency})")),
        ("ix_tickets_unit_urgency", format!("(unit_code, {urgency})")),
        (
            "ix_tickets_open_counts",
            format!(
                "(status, unit_code, due_at, assigned_officer_id, officer_conduct) WHERE {OPEN}"
            ),
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Expressions and a partial index: sea-query's index builder has neither, and both backends take this SQL.
        let db = manager.get_connection();
        for (name, definition) in indexes() {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON tickets {definition}"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, _) in indexes() {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
                .await?;
        }
        Ok(())
    }
}
