//! Evidence kept by phananh: one row per photo, voice message, video or file of a citizen's message.
//!
//! A platform attachment starts `pending` with the platform's URL (which expires) and is downloaded by a durable
//! job: claimed with a lease (`lease_until`), retried with backoff (`attempts`, `next_attempt_at`), `kept` with the
//! stored copy's sha256 (the store is content-addressed) or `failed` with the reason. A form upload is `kept` at
//! once. Stickers and GIF reactions are `reference` (only the platform's reference is kept). Retention makes a
//! kept file `purged`.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Attachments::Table)
                    .if_not_exists()
                    .col(pk_auto(Attachments::Id))
                    .col(integer(Attachments::TicketId))
                    .col(integer(Attachments::MessageId))
                    .col(small_integer(Attachments::Position))
                    .col(string_len(Attachments::Kind, 16))
                    .col(string_len(Attachments::State, 16))
                    .col(text_null(Attachments::SourceUrl))
                    .col(text_null(Attachments::Name))
                    .col(string_len_null(Attachments::ContentType, 100))
                    .col(big_integer_null(Attachments::Bytes))
                    .col(string_len_null(Attachments::Sha256, 64))
                    .col(string_len_null(Attachments::ThumbnailSha256, 64))
                    .col(double_null(Attachments::Lat))
                    .col(double_null(Attachments::Lon))
                    .col(integer(Attachments::Attempts).default(0))
                    .col(timestamp_with_time_zone_null(Attachments::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(Attachments::LeaseUntil))
                    .col(text_null(Attachments::LastError))
                    .col(timestamp_with_time_zone(Attachments::CreatedAt))
                    .col(timestamp_with_time_zone(Attachments::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Attachments::KeptAt))
                    .col(timestamp_with_time_zone_null(Attachments::PurgedAt))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // A message's attachments, once each: a replayed event cannot add them twice.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_attachments_message ON attachments (message_id, position)",
        )
        .await?;
        db.execute_unprepared("CREATE INDEX ix_attachments_ticket ON attachments (ticket_id)")
            .await?;
        // The job's queue: only the rows waiting for a download.
        db.execute_unprepared(
            "CREATE INDEX ix_attachments_due ON attachments (next_attempt_at) WHERE state = 'pending'",
        )
        .await?;
        // Whether a stored file is still referenced, before retention deletes it.
        db.execute_unprepared(
            "CREATE INDEX ix_attachments_sha256 ON attachments (sha256) WHERE sha256 IS NOT NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Attachments::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Attachments {
    Table,
    Id,
    TicketId,
    MessageId,
    Position,
    Kind,
    State,
    SourceUrl,
    Name,
    ContentType,
    Bytes,
    Sha256,
    ThumbnailSha256,
    Lat,
    Lon,
    Attempts,
    NextAttemptAt,
    LeaseUntil,
    LastError,
    CreatedAt,
    UpdatedAt,
    KeptAt,
    PurgedAt,
}
