//! `ix_inbound_events_pending` (processed_at, id) served the worker's queue until the partial index of
//! migration 4 replaced it; nothing reads it since, and every event paid for it twice (stored, then processed).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_inbound_events_pending")
                    .table(Alias::new("inbound_events"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("ix_inbound_events_pending")
                    .table(Alias::new("inbound_events"))
                    .col(Alias::new("processed_at"))
                    .col(Alias::new("id"))
                    .to_owned(),
            )
            .await
    }
}
