//! What flows: raw inbound events, tickets and their messages, routing decisions, the outbox, audit log, surveys.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261126_000001_create_directory::{
    ChannelAccounts, ContactIdentities, Contacts, Officers,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn index<T: IntoIden + Copy + 'static>(name: &str, table: T, cols: &[T]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(*col);
    }
    index.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InboundEvents::Table)
                    .col(pk_auto(InboundEvents::Id))
                    .col(string_len(InboundEvents::Channel, 16))
                    .col(string_null(InboundEvents::AccountExternalId))
                    // Platform retries carry the same key (channels.md); the unique index absorbs them.
                    .col(string(InboundEvents::DedupeKey))
                    .col(string(InboundEvents::EventKind))
                    .col(text(InboundEvents::RawBody))
                    .col(timestamp_with_time_zone(InboundEvents::ReceivedAt))
                    .col(timestamp_with_time_zone_null(InboundEvents::ProcessedAt))
                    .col(integer(InboundEvents::Attempts).default(0))
                    .col(text_null(InboundEvents::LastError))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_inbound_events_channel_dedupe",
                    InboundEvents::Table,
                    &[InboundEvents::Channel, InboundEvents::DedupeKey],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_inbound_events_pending",
                InboundEvents::Table,
                &[InboundEvents::ProcessedAt, InboundEvents::Id],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Tickets::Table)
                    .col(pk_auto(Tickets::Id))
                    .col(string_len_uniq(Tickets::TrackingCode, 16))
                    .col(string_len(Tickets::Channel, 16))
                    .col(integer_null(Tickets::ChannelAccountId))
                    .col(integer(Tickets::ContactId))
                    .col(integer(Tickets::ContactIdentityId))
                    // Facebook: the top-level comment a ticket belongs to.
                    .col(string_null(Tickets::ThreadKey))
                    .col(string_len_null(Tickets::UnitCode, 8))
                    .col(string_len(Tickets::Status, 16))
                    .col(string(Tickets::Summary))
                    .col(string_len_null(Tickets::Language, 8))
                    .col(string_len_null(Tickets::Topic, 32))
                    .col(string_len_null(Tickets::LegalTrack, 32))
                    .col(text_null(Tickets::Classification))
                    .col(boolean(Tickets::Urgent).default(false))
                    .col(double_null(Tickets::RoutingConfidence))
                    .col(text_null(Tickets::RoutingReasons))
                    .col(string_len_null(Tickets::SuggestedUnitCode, 8))
                    .col(string_len_null(Tickets::SubmittedUnitCode, 8))
                    .col(integer_null(Tickets::AssignedOfficerId))
                    .col(double_null(Tickets::Lat))
                    .col(double_null(Tickets::Lon))
                    // Hash of sender + text: an identical resubmission joins the ticket.
                    .col(string_len_null(Tickets::DedupeHash, 64))
                    .col(timestamp_with_time_zone_null(Tickets::DueAt))
                    .col(timestamp_with_time_zone(Tickets::CreatedAt))
                    .col(timestamp_with_time_zone(Tickets::UpdatedAt))
                    .col(timestamp_with_time_zone(Tickets::LastActivityAt))
                    .col(timestamp_with_time_zone_null(Tickets::ResolvedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Tickets::Table, Tickets::ContactId)
                            .to(Contacts::Table, Contacts::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Tickets::Table, Tickets::ContactIdentityId)
                            .to(ContactIdentities::Table, ContactIdentities::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Tickets::Table, Tickets::ChannelAccountId)
                            .to(ChannelAccounts::Table, ChannelAccounts::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Tickets::Table, Tickets::AssignedOfficerId)
                            .to(Officers::Table, Officers::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "ix_tickets_unit_status_created",
                &[Tickets::UnitCode, Tickets::Status, Tickets::CreatedAt][..],
            ),
            (
                "ix_tickets_identity_status_activity",
                &[
                    Tickets::ContactIdentityId,
                    Tickets::Status,
                    Tickets::LastActivityAt,
                ][..],
            ),
            (
                "ix_tickets_status_created",
                &[Tickets::Status, Tickets::CreatedAt][..],
            ),
            (
                "ix_tickets_thread",
                &[Tickets::Channel, Tickets::ThreadKey][..],
            ),
            (
                "ix_tickets_dedupe",
                &[Tickets::DedupeHash, Tickets::CreatedAt][..],
            ),
        ] {
            manager
                .create_index(index(name, Tickets::Table, cols))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(TicketMessages::Table)
                    .col(pk_auto(TicketMessages::Id))
                    .col(integer(TicketMessages::TicketId))
                    // "in" (citizen), "out" (to the citizen), "note" (internal, never sent).
                    .col(string_len(TicketMessages::Direction, 8))
                    .col(string_len(TicketMessages::Channel, 16))
                    .col(string_null(TicketMessages::ProviderMessageId))
                    .col(text(TicketMessages::Body))
                    .col(text_null(TicketMessages::OriginalBody))
                    .col(text_null(TicketMessages::Attachments))
                    .col(double_null(TicketMessages::Lat))
                    .col(double_null(TicketMessages::Lon))
                    .col(string_len_null(TicketMessages::Language, 8))
                    .col(double_null(TicketMessages::LanguageConfidence))
                    .col(string_len_null(TicketMessages::LanguageMethod, 32))
                    .col(integer_null(TicketMessages::OfficerId))
                    // Outbound only: whether the citizen-facing tracking page shows it.
                    .col(boolean(TicketMessages::Public).default(false))
                    .col(boolean(TicketMessages::Removed).default(false))
                    .col(boolean(TicketMessages::Hidden).default(false))
                    .col(timestamp_with_time_zone_null(TicketMessages::EditedAt))
                    .col(timestamp_with_time_zone(TicketMessages::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TicketMessages::Table, TicketMessages::TicketId)
                            .to(Tickets::Table, Tickets::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_ticket_messages_provider_id",
                    TicketMessages::Table,
                    &[TicketMessages::Channel, TicketMessages::ProviderMessageId],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_ticket_messages_ticket",
                TicketMessages::Table,
                &[TicketMessages::TicketId, TicketMessages::CreatedAt],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RoutingDecisions::Table)
                    .col(pk_auto(RoutingDecisions::Id))
                    .col(integer(RoutingDecisions::TicketId))
                    .col(string_len_null(RoutingDecisions::UnitCode, 8))
                    .col(double(RoutingDecisions::Confidence))
                    .col(text(RoutingDecisions::Reasons))
                    // "auto" or "officer": both are kept to measure routing quality.
                    .col(string_len(RoutingDecisions::DecidedBy, 16))
                    .col(integer_null(RoutingDecisions::OfficerId))
                    .col(timestamp_with_time_zone(RoutingDecisions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RoutingDecisions::Table, RoutingDecisions::TicketId)
                            .to(Tickets::Table, Tickets::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_routing_decisions_ticket",
                RoutingDecisions::Table,
                &[RoutingDecisions::TicketId],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(pk_auto(Outbox::Id))
                    .col(integer(Outbox::TicketId))
                    .col(integer_null(Outbox::MessageId))
                    .col(string_len(Outbox::Channel, 16))
                    .col(integer_null(Outbox::ChannelAccountId))
                    // cs_message, send_api, private_reply, public_reply
                    .col(string_len(Outbox::Kind, 32))
                    .col(string(Outbox::Recipient))
                    .col(text(Outbox::Payload))
                    // pending, sending, sent, delivered, read, undeliverable, unknown
                    .col(string_len(Outbox::State, 16))
                    .col(integer(Outbox::Attempts).default(0))
                    .col(timestamp_with_time_zone(Outbox::NextAttemptAt))
                    .col(text_null(Outbox::LastError))
                    .col(string_null(Outbox::ProviderMessageId))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(timestamp_with_time_zone(Outbox::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Outbox::SentAt))
                    .col(timestamp_with_time_zone_null(Outbox::DeliveredAt))
                    .col(timestamp_with_time_zone_null(Outbox::ReadAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Outbox::Table, Outbox::TicketId)
                            .to(Tickets::Table, Tickets::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_outbox_state_next",
                Outbox::Table,
                &[Outbox::State, Outbox::NextAttemptAt],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_outbox_provider_id",
                Outbox::Table,
                &[Outbox::Channel, Outbox::ProviderMessageId],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(pk_auto(AuditLog::Id))
                    .col(integer_null(AuditLog::OfficerId))
                    .col(integer_null(AuditLog::TicketId))
                    .col(string_len(AuditLog::Action, 32))
                    .col(text_null(AuditLog::Detail))
                    .col(timestamp_with_time_zone(AuditLog::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_audit_log_ticket",
                AuditLog::Table,
                &[AuditLog::TicketId, AuditLog::CreatedAt],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SurveyRatings::Table)
                    .col(pk_auto(SurveyRatings::Id))
                    .col(integer(SurveyRatings::TicketId))
                    .col(string_len_uniq(SurveyRatings::Token, 64))
                    .col(string_len_null(SurveyRatings::UnitCode, 8))
                    .col(integer_null(SurveyRatings::OfficerId))
                    .col(string_len(SurveyRatings::Channel, 16))
                    .col(small_integer_null(SurveyRatings::Score))
                    .col(text_null(SurveyRatings::Comment))
                    .col(timestamp_with_time_zone(SurveyRatings::SentAt))
                    .col(timestamp_with_time_zone_null(SurveyRatings::AnsweredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SurveyRatings::Table, SurveyRatings::TicketId)
                            .to(Tickets::Table, Tickets::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_survey_ratings_unit_answered",
                SurveyRatings::Table,
                &[SurveyRatings::UnitCode, SurveyRatings::AnsweredAt],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SurveyRatings::Table.into_iden(),
            AuditLog::Table.into_iden(),
            Outbox::Table.into_iden(),
            RoutingDecisions::Table.into_iden(),
            TicketMessages::Table.into_iden(),
            Tickets::Table.into_iden(),
            InboundEvents::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum InboundEvents {
    Table,
    Id,
    Channel,
    AccountExternalId,
    DedupeKey,
    EventKind,
    RawBody,
    ReceivedAt,
    ProcessedAt,
    Attempts,
    LastError,
}

#[derive(DeriveIden, Clone, Copy)]
enum Tickets {
    Table,
    Id,
    TrackingCode,
    Channel,
    ChannelAccountId,
    ContactId,
    ContactIdentityId,
    ThreadKey,
    UnitCode,
    Status,
    Summary,
    Language,
    Topic,
    LegalTrack,
    Classification,
    Urgent,
    RoutingConfidence,
    RoutingReasons,
    SuggestedUnitCode,
    SubmittedUnitCode,
    AssignedOfficerId,
    Lat,
    Lon,
    DedupeHash,
    DueAt,
    CreatedAt,
    UpdatedAt,
    LastActivityAt,
    ResolvedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum TicketMessages {
    Table,
    Id,
    TicketId,
    Direction,
    Channel,
    ProviderMessageId,
    Body,
    OriginalBody,
    Attachments,
    Lat,
    Lon,
    Language,
    LanguageConfidence,
    LanguageMethod,
    OfficerId,
    Public,
    Removed,
    Hidden,
    EditedAt,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum RoutingDecisions {
    Table,
    Id,
    TicketId,
    UnitCode,
    Confidence,
    Reasons,
    DecidedBy,
    OfficerId,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Outbox {
    Table,
    Id,
    TicketId,
    MessageId,
    Channel,
    ChannelAccountId,
    Kind,
    Recipient,
    Payload,
    State,
    Attempts,
    NextAttemptAt,
    LastError,
    ProviderMessageId,
    CreatedAt,
    UpdatedAt,
    SentAt,
    DeliveredAt,
    ReadAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditLog {
    Table,
    Id,
    OfficerId,
    TicketId,
    Action,
    Detail,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum SurveyRatings {
    Table,
    Id,
    TicketId,
    Token,
    UnitCode,
    OfficerId,
    Channel,
    Score,
    Comment,
    SentAt,
    AnsweredAt,
}
