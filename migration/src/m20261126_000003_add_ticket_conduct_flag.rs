//! Complaints about officers' conduct also go to the province supervisors' queue: a flag the inbox can index.
//! And an index for a contact's previous tickets, which routing reads for every new conversation.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .add_column(boolean(Tickets::OfficerConduct).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_tickets_conduct_status_created")
                    .table(Tickets::Table)
                    .col(Tickets::OfficerConduct)
                    .col(Tickets::Status)
                    .col(Tickets::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_tickets_contact_created")
                    .table(Tickets::Table)
                    .col(Tickets::ContactId)
                    .col(Tickets::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_tickets_contact_created")
                    .table(Tickets::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_tickets_conduct_status_created")
                    .table(Tickets::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .drop_column(Tickets::OfficerConduct)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    OfficerConduct,
    ContactId,
    Status,
    CreatedAt,
}
