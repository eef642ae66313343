//! A comment's private reply found through an index. Facebook allows one private reply per comment, so queuing
//! one (`outbound::enqueue`, in the intake worker's transaction for every comment it acknowledges), a ticket's
//! reach (`outbound::reach`, on every page of a comment ticket) and the delivery worker's gate each look for the
//! comment's earlier private replies by (`kind`, `channel`, `recipient`), which no index held: every look-up read
//! the whole outbox, a row for every message ever sent (docs/performance.md, "private replies"). Partial: only
//! private replies have entries, so an acknowledgement or an officer's reply writes none.
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
                "CREATE INDEX ix_outbox_private_replies ON outbox (channel, recipient) \
                 WHERE kind = 'private_reply'",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS ix_outbox_private_replies")
            .await
            .map(|_| ())
    }
}
