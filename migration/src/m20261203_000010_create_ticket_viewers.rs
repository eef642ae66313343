//! Who has a ticket open in the inbox: one row per (ticket, officer), its time renewed while the page is open,
//! so colleagues see who else is on it (across instances, which is why it is not kept in memory).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TicketViewers::Table)
                    .col(integer(TicketViewers::TicketId))
                    .col(integer(TicketViewers::OfficerId))
                    .col(timestamp_with_time_zone(TicketViewers::SeenAt))
                    .primary_key(
                        Index::create()
                            .col(TicketViewers::TicketId)
                            .col(TicketViewers::OfficerId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(TicketViewers::Table, TicketViewers::TicketId)
                            .to(Tickets::Table, Tickets::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(TicketViewers::Table, TicketViewers::OfficerId)
                            .to(Officers::Table, Officers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TicketViewers::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum TicketViewers {
    Table,
    TicketId,
    OfficerId,
    SeenAt,
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
