//! Canned replies: answers officers reuse, per topic (null: any topic), kept by admins.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CannedReplies::Table)
                    .col(pk_auto(CannedReplies::Id))
                    .col(string_len_null(CannedReplies::Topic, 32))
                    .col(string_len(CannedReplies::Title, 120))
                    .col(text(CannedReplies::Body))
                    .col(integer_null(CannedReplies::UpdatedBy))
                    .col(timestamp_with_time_zone(CannedReplies::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CannedReplies::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum CannedReplies {
    Table,
    Id,
    Topic,
    Title,
    Body,
    UpdatedBy,
    UpdatedAt,
}
