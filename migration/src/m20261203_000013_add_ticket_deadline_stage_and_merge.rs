//! The deadline's stage and its extensions, and merged duplicates.
//!
//! Complaints and denunciations have two clocks: the first (`due_at` at receipt) to take the case on, then the
//! resolution's, started when the unit takes it on (`due_stage` = `resolution`, `due_set_at`), which the law lets an
//! officer prolong for a complex case (`extensions`: how many times; reports count a prolonged case). A duplicate
//! merged into another ticket keeps its own story and points at the survivor (`merged_into_id`).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for column in [
            ColumnDef::new(Tickets::DueStage)
                .string_len(16)
                .null()
                .to_owned(),
            ColumnDef::new(Tickets::DueSetAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(Tickets::Extensions)
                .integer()
                .not_null()
                .default(0)
                .to_owned(),
            ColumnDef::new(Tickets::MergedIntoId)
                .integer()
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Tickets::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ix_tickets_merged_into")
                    .table(Tickets::Table)
                    .col(Tickets::MergedIntoId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_tickets_merged_into")
                    .table(Tickets::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            Tickets::DueStage,
            Tickets::DueSetAt,
            Tickets::Extensions,
            Tickets::MergedIntoId,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Tickets::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    DueStage,
    DueSetAt,
    Extensions,
    MergedIntoId,
}
