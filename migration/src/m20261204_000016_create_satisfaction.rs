//! Satisfaction: the surveys' own facts, ratings at the desk, alerts for supervisors, and the ticket's times that
//! the reports read.
//!
//! `survey_ratings` (one row per survey asked, created in the first migration) gains the scale it asked on, the
//! round (a second survey only after a low answer reopened the ticket), the link's expiry, the one reminder and
//! the "was it solved" answer. `desk_ratings` are ratings of the one-stop desk, with no ticket. An alert (a ticket
//! reopened after a low score) is read per supervisor (`alert_reads`). On tickets, `reopened_low_score` flags the
//! queue and `first_reply_at` is the first officer's reply (acknowledgements do not count), for the medians.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for column in [
            ColumnDef::new(SurveyRatings::Scale)
                .string_len(8)
                .not_null()
                .default("five")
                .to_owned(),
            ColumnDef::new(SurveyRatings::Round)
                .small_integer()
                .not_null()
                .default(1)
                .to_owned(),
            ColumnDef::new(SurveyRatings::Solved)
                .boolean()
                .null()
                .to_owned(),
            ColumnDef::new(SurveyRatings::Language)
                .string_len(8)
                .null()
                .to_owned(),
            ColumnDef::new(SurveyRatings::ExpiresAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            // How the question went: the outbox kind, or `link` when only the survey link could carry it.
            ColumnDef::new(SurveyRatings::AskedVia)
                .string_len(16)
                .null()
                .to_owned(),
            // Null: none yet; `sent`; `skipped` (the window had closed: never more).
            ColumnDef::new(SurveyRatings::Reminder)
                .string_len(16)
                .null()
                .to_owned(),
            ColumnDef::new(SurveyRatings::RemindedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(SurveyRatings::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            ColumnDef::new(Tickets::ReopenedLowScore)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            ColumnDef::new(Tickets::FirstReplyAt)
                .timestamp_with_time_zone()
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
        for (name, table, columns) in [
            (
                "ix_survey_ratings_ticket",
                SurveyRatings::Table.into_iden(),
                vec![SurveyRatings::TicketId.into_iden()],
            ),
            (
                "ix_survey_ratings_reminder",
                SurveyRatings::Table.into_iden(),
                vec![
                    SurveyRatings::Reminder.into_iden(),
                    SurveyRatings::SentAt.into_iden(),
                ],
            ),
            (
                "ix_survey_ratings_sent",
                SurveyRatings::Table.into_iden(),
                vec![SurveyRatings::SentAt.into_iden()],
            ),
            (
                "ix_tickets_resolved_at",
                Tickets::Table.into_iden(),
                vec![Tickets::ResolvedAt.into_iden()],
            ),
            (
                "ix_tickets_unit_resolved",
                Tickets::Table.into_iden(),
                vec![
                    Tickets::UnitCode.into_iden(),
                    Tickets::ResolvedAt.into_iden(),
                ],
            ),
            (
                "ix_tickets_due",
                Tickets::Table.into_iden(),
                vec![Tickets::DueAt.into_iden()],
            ),
            (
                "ix_survey_ratings_answered",
                SurveyRatings::Table.into_iden(),
                vec![SurveyRatings::AnsweredAt.into_iden()],
            ),
        ] {
            let mut index = Index::create().name(name).table(table).to_owned();
            for column in columns {
                index.col(column);
            }
            manager.create_index(index).await?;
        }
        // Tickets answered before the column existed: their first officer's message.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE tickets SET first_reply_at = (SELECT MIN(m.created_at) FROM ticket_messages m \
                 WHERE m.ticket_id = tickets.id AND m.direction = 'out' AND m.officer_id IS NOT NULL) \
                 WHERE first_reply_at IS NULL",
            )
            .await?;
        // Reports ask for tickets that are not merged (`merged_into_id IS NULL`): with a full index SQLite, which
        // has no statistics, would walk it for that, i.e. every ticket. Only merged tickets belong in it.
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS ix_tickets_merged_into")
            .await?;
        db.execute_unprepared(
            "CREATE INDEX ix_tickets_merged_into ON tickets (merged_into_id) WHERE merged_into_id IS NOT NULL",
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(DeskRatings::Table)
                    .col(pk_auto(DeskRatings::Id))
                    .col(string_len(DeskRatings::UnitCode, 8))
                    .col(string_len(DeskRatings::Procedure, 16))
                    .col(small_integer(DeskRatings::Score))
                    .col(string_len(DeskRatings::Scale, 8))
                    .col(text_null(DeskRatings::Comment))
                    .col(timestamp_with_time_zone(DeskRatings::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_desk_ratings_created")
                    .table(DeskRatings::Table)
                    .col(DeskRatings::CreatedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alerts::Table)
                    .col(pk_auto(Alerts::Id))
                    .col(string_len(Alerts::Kind, 32))
                    .col(integer_null(Alerts::TicketId))
                    .col(string_len_null(Alerts::UnitCode, 8))
                    .col(small_integer_null(Alerts::Score))
                    .col(boolean_null(Alerts::Solved))
                    .col(text_null(Alerts::Comment))
                    .col(timestamp_with_time_zone(Alerts::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_alerts_created")
                    .table(Alerts::Table)
                    .col(Alerts::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AlertReads::Table)
                    .col(integer(AlertReads::AlertId))
                    .col(integer(AlertReads::OfficerId))
                    .col(timestamp_with_time_zone(AlertReads::ReadAt))
                    .primary_key(
                        Index::create()
                            .col(AlertReads::AlertId)
                            .col(AlertReads::OfficerId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AlertReads::Table, AlertReads::AlertId)
                            .to(Alerts::Table, Alerts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AlertReads::Table.into_iden(),
            Alerts::Table.into_iden(),
            DeskRatings::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for (name, table) in [
            ("ix_survey_ratings_ticket", SurveyRatings::Table.into_iden()),
            (
                "ix_survey_ratings_reminder",
                SurveyRatings::Table.into_iden(),
            ),
            ("ix_survey_ratings_sent", SurveyRatings::Table.into_iden()),
            ("ix_tickets_resolved_at", Tickets::Table.into_iden()),
            ("ix_tickets_unit_resolved", Tickets::Table.into_iden()),
            (
                "ix_survey_ratings_answered",
                SurveyRatings::Table.into_iden(),
            ),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS ix_tickets_merged_into")
            .await?;
        db.execute_unprepared("CREATE INDEX ix_tickets_merged_into ON tickets (merged_into_id)")
            .await?;
        for column in [Tickets::ReopenedLowScore, Tickets::FirstReplyAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Tickets::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            SurveyRatings::Scale,
            SurveyRatings::Round,
            SurveyRatings::Solved,
            SurveyRatings::Language,
            SurveyRatings::ExpiresAt,
            SurveyRatings::AskedVia,
            SurveyRatings::Reminder,
            SurveyRatings::RemindedAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(SurveyRatings::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum SurveyRatings {
    Table,
    TicketId,
    SentAt,
    AnsweredAt,
    Scale,
    Round,
    Solved,
    Language,
    ExpiresAt,
    AskedVia,
    Reminder,
    RemindedAt,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    UnitCode,
    DueAt,
    ResolvedAt,
    ReopenedLowScore,
    FirstReplyAt,
}

#[derive(DeriveIden)]
enum DeskRatings {
    Table,
    Id,
    UnitCode,
    Procedure,
    Score,
    Scale,
    Comment,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Alerts {
    Table,
    Id,
    Kind,
    TicketId,
    UnitCode,
    Score,
    Solved,
    Comment,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AlertReads {
    Table,
    AlertId,
    OfficerId,
    ReadAt,
}
