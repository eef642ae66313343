//! Fewer index entries per ticket the intake worker writes: every index of `tickets` is written by every new
//! ticket, and on PostgreSQL that upkeep is most of the worker's cost (docs/performance.md, "PostgreSQL at a
//! national scale").
//!
//! - Dropped, as no query reads them: `ix_tickets_unit_resolved` (the reports that read resolved tickets by unit
//!   read `report_cells` since migration 17) and `ix_tickets_thread` (a comment's reply finds its ticket through
//!   `ticket_messages.provider_message_id`).
//! - Partial, holding only the rows their queries can match: a column these look-ups compare (`=`, `IN`, a range)
//!   is never null in a matching row, so both backends still use them; a new platform ticket, identity or
//!   acknowledgement has none of these values yet and no longer writes an entry.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index, table, columns, the column null in the rows left out).
const PARTIAL: [(&str, &str, &str, &str); 5] = [
    (
        "ix_tickets_dedupe",
        "tickets",
        "dedupe_hash, created_at",
        "dedupe_hash",
    ),
    (
        "ix_tickets_resolved_at",
        "tickets",
        "resolved_at",
        "resolved_at",
    ),
    (
        "ix_contact_identities_phone",
        "contact_identities",
        "phone",
        "phone",
    ),
    (
        "ix_contacts_verified_phone",
        "contacts",
        "verified_phone",
        "verified_phone",
    ),
    (
        "ix_outbox_provider_id",
        "outbox",
        "channel, provider_message_id",
        "provider_message_id",
    ),
];

/// (index, table, columns) dropped.
const DROPPED: [(&str, &str, &str); 2] = [
    (
        "ix_tickets_unit_resolved",
        "tickets",
        "unit_code, resolved_at",
    ),
    ("ix_tickets_thread", "tickets", "channel, thread_key"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The same statements on SQLite and PostgreSQL.
        let db = manager.get_connection();
        for (name, _, _) in DROPPED {
            db.execute_unprepared(&format!("DROP INDEX {name}")).await?;
        }
        for (name, table, columns, nullable) in PARTIAL {
            db.execute_unprepared(&format!("DROP INDEX {name}")).await?;
            db.execute_unprepared(&format!(
                "CREATE INDEX {name} ON {table} ({columns}) WHERE {nullable} IS NOT NULL"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, table, columns, _) in PARTIAL {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
                .await?;
            db.execute_unprepared(&format!("CREATE INDEX {name} ON {table} ({columns})"))
                .await?;
        }
        for (name, table, columns) in DROPPED {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON {table} ({columns})"))
                .await?;
        }
        Ok(())
    }
}
