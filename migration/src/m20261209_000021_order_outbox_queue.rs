//! The delivery worker's queue index serves its whole order. A pass takes the 32 first due rows by
//! (`next_attempt_at`, `id`); `ix_outbox_state_next` held only (`state`, `next_attempt_at`), and the
//! acknowledgements of one intake batch share their `next_attempt_at`, so PostgreSQL read and sorted the whole
//! group (2,048 rows, 2 ms) to return 32, on every pass (docs/performance.md, "the outbox queue's order").
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The same statements on SQLite and PostgreSQL.
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE INDEX ix_outbox_state_next_id ON outbox (state, next_attempt_at, id)",
        )
        .await?;
        db.execute_unprepared("DROP INDEX ix_outbox_state_next")
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE INDEX ix_outbox_state_next ON outbox (state, next_attempt_at)",
        )
        .await?;
        db.execute_unprepared("DROP INDEX IF EXISTS ix_outbox_state_next_id")
            .await
            .map(|_| ())
    }
}
