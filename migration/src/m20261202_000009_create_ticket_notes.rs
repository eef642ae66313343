//! Officers' internal notes on a ticket: never sent to the citizen, never on the tracking page.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TicketNotes::Table)
                    .col(pk_auto(TicketNotes::Id))
                    .col(integer(TicketNotes::TicketId))
                    .col(integer(TicketNotes::OfficerId))
                    .col(text(TicketNotes::Body))
                    .col(timestamp_with_time_zone(TicketNotes::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TicketNotes::Table, TicketNotes::TicketId)
                            .to(Tickets::Table, Tickets::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(TicketNotes::Table, TicketNotes::OfficerId)
                            .to(Officers::Table, Officers::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_ticket_notes_ticket")
                    .table(TicketNotes::Table)
                    .col(TicketNotes::TicketId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TicketNotes::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum TicketNotes {
    Table,
    Id,
    TicketId,
    OfficerId,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Officers {
    Table,
    Id,
}
