//! Officers' sessions kept on the server, so that logging out or disabling an officer ends them everywhere (the
//! cookie alone cannot be taken back), and so that idle and maximum ages hold on every instance.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OfficerSessions::Table)
                    .col(pk_auto(OfficerSessions::Id))
                    // sha256 of the random token the cookie carries: a copy of the database opens no session.
                    .col(string_len(OfficerSessions::TokenHash, 64))
                    .col(integer(OfficerSessions::OfficerId))
                    .col(timestamp_with_time_zone(OfficerSessions::CreatedAt))
                    .col(timestamp_with_time_zone(OfficerSessions::LastSeenAt))
                    .col(timestamp_with_time_zone_null(OfficerSessions::EndedAt))
                    // "logout", "disabled", "password_reset": why it ended early.
                    .col(string_null(OfficerSessions::EndReason))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OfficerSessions::Table, OfficerSessions::OfficerId)
                            .to(Officers::Table, Officers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_officer_sessions_token_hash")
                    .table(OfficerSessions::Table)
                    .col(OfficerSessions::TokenHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_officer_sessions_officer")
                    .table(OfficerSessions::Table)
                    .col(OfficerSessions::OfficerId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OfficerSessions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum OfficerSessions {
    Table,
    Id,
    TokenHash,
    OfficerId,
    CreatedAt,
    LastSeenAt,
    EndedAt,
    EndReason,
}

#[derive(DeriveIden)]
enum Officers {
    Table,
    Id,
}
