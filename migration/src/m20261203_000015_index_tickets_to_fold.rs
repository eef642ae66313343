//! The tickets still without `search_text`: a partial index, empty once they are folded, so the check at each
//! start (`intake::search_backfill`) reads nothing instead of scanning every ticket.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The same statement on SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_tickets_to_fold ON tickets (id) WHERE search_text IS NULL",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS ix_tickets_to_fold")
            .await
            .map(|_| ())
    }
}
