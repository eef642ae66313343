//! The intake worker asks for the oldest unprocessed events. On (processed_at, id) PostgreSQL's planner, with the
//! estimates of a table that just took a burst, read every pending row and sorted them to keep 128: linear in the
//! backlog per batch (a 40,000-event backlog: ~100 ms per fetch). A partial index on id over the unprocessed rows
//! holds only the queue, in the order it is taken, on SQLite and PostgreSQL alike.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_inbound_events_unprocessed ON inbound_events (id) \
                 WHERE processed_at IS NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX ix_inbound_events_unprocessed")
            .await?;
        Ok(())
    }
}
