//! Who and where: administrative units, contacts and their channel identities, channel accounts, officers.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Units::Table)
                    .col(pk_auto(Units::Id))
                    // "2025" or "legacy": codes are reused across generations.
                    .col(string_len(Units::Generation, 8))
                    .col(string_len(Units::Code, 8))
                    .col(string(Units::Name))
                    .col(string(Units::UnitType))
                    .col(string_null(Units::DistrictName))
                    .col(string_len(Units::ProvinceCode, 4))
                    .col(double_null(Units::Lat))
                    .col(double_null(Units::Lon))
                    .col(double_null(Units::AreaKm2))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_units_generation_code")
                    .table(Units::Table)
                    .col(Units::Generation)
                    .col(Units::Code)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UnitSuccessions::Table)
                    .col(pk_auto(UnitSuccessions::Id))
                    .col(string_len(UnitSuccessions::LegacyCode, 8))
                    .col(string_len(UnitSuccessions::NewCode, 8))
                    .col(boolean(UnitSuccessions::Whole))
                    .col(boolean(UnitSuccessions::IsDefault))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_unit_successions_pair")
                    .table(UnitSuccessions::Table)
                    .col(UnitSuccessions::LegacyCode)
                    .col(UnitSuccessions::NewCode)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Contacts::Table)
                    .col(pk_auto(Contacts::Id))
                    .col(string_null(Contacts::DisplayName))
                    // Platform-verified phone (E.164); links identities across channels.
                    .col(string_null(Contacts::VerifiedPhone))
                    // Set when a typed phone matches another contact: a hint for officers, not a merge.
                    .col(integer_null(Contacts::PossiblySameAs))
                    .col(timestamp_with_time_zone(Contacts::CreatedAt))
                    .col(timestamp_with_time_zone(Contacts::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_contacts_verified_phone")
                    .table(Contacts::Table)
                    .col(Contacts::VerifiedPhone)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ContactIdentities::Table)
                    .col(pk_auto(ContactIdentities::Id))
                    .col(integer(ContactIdentities::ContactId))
                    .col(string_len(ContactIdentities::Channel, 16))
                    // The OA or Page the identity is scoped to ("" for the web form).
                    .col(string(ContactIdentities::AccountExternalId))
                    // Zalo user id, Facebook PSID, or the form's phone/email/anonymous key.
                    .col(string(ContactIdentities::ExternalId))
                    .col(string_null(ContactIdentities::DisplayName))
                    .col(string_null(ContactIdentities::Phone))
                    .col(boolean(ContactIdentities::PhoneVerified))
                    .col(string_null(ContactIdentities::Email))
                    .col(boolean_null(ContactIdentities::Following))
                    .col(timestamp_with_time_zone(ContactIdentities::CreatedAt))
                    .col(timestamp_with_time_zone(ContactIdentities::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ContactIdentities::Table, ContactIdentities::ContactId)
                            .to(Contacts::Table, Contacts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_contact_identities_channel_account_external")
                    .table(ContactIdentities::Table)
                    .col(ContactIdentities::Channel)
                    .col(ContactIdentities::AccountExternalId)
                    .col(ContactIdentities::ExternalId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_contact_identities_phone")
                    .table(ContactIdentities::Table)
                    .col(ContactIdentities::Phone)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ChannelAccounts::Table)
                    .col(pk_auto(ChannelAccounts::Id))
                    .col(string_len(ChannelAccounts::Channel, 16))
                    .col(string(ChannelAccounts::ExternalId))
                    .col(string_null(ChannelAccounts::Name))
                    .col(string_len_null(ChannelAccounts::UnitCode, 8))
                    // Rotated tokens are persisted here and win over the settings.
                    .col(text_null(ChannelAccounts::AccessToken))
                    .col(text_null(ChannelAccounts::RefreshToken))
                    .col(timestamp_with_time_zone_null(
                        ChannelAccounts::TokenExpiresAt,
                    ))
                    .col(timestamp_with_time_zone(ChannelAccounts::CreatedAt))
                    .col(timestamp_with_time_zone(ChannelAccounts::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_channel_accounts_channel_external")
                    .table(ChannelAccounts::Table)
                    .col(ChannelAccounts::Channel)
                    .col(ChannelAccounts::ExternalId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Officers::Table)
                    .col(pk_auto(Officers::Id))
                    .col(string_uniq(Officers::Username))
                    .col(string(Officers::PasswordHash))
                    .col(string_len(Officers::Role, 16))
                    .col(string_len_null(Officers::UnitCode, 8))
                    .col(string_null(Officers::DisplayName))
                    .col(boolean(Officers::Active))
                    .col(timestamp_with_time_zone(Officers::CreatedAt))
                    .col(timestamp_with_time_zone(Officers::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Officers::Table.into_iden(),
            ChannelAccounts::Table.into_iden(),
            ContactIdentities::Table.into_iden(),
            Contacts::Table.into_iden(),
            UnitSuccessions::Table.into_iden(),
            Units::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
pub enum Units {
    Table,
    Id,
    Generation,
    Code,
    Name,
    UnitType,
    DistrictName,
    ProvinceCode,
    Lat,
    Lon,
    AreaKm2,
}

#[derive(DeriveIden)]
enum UnitSuccessions {
    Table,
    Id,
    LegacyCode,
    NewCode,
    Whole,
    IsDefault,
}

#[derive(DeriveIden)]
pub enum Contacts {
    Table,
    Id,
    DisplayName,
    VerifiedPhone,
    PossiblySameAs,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub enum ContactIdentities {
    Table,
    Id,
    ContactId,
    Channel,
    AccountExternalId,
    ExternalId,
    DisplayName,
    Phone,
    PhoneVerified,
    Email,
    Following,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub enum ChannelAccounts {
    Table,
    Id,
    Channel,
    ExternalId,
    Name,
    UnitCode,
    AccessToken,
    RefreshToken,
    TokenExpiresAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub enum Officers {
    Table,
    Id,
    Username,
    PasswordHash,
    Role,
    UnitCode,
    DisplayName,
    Active,
    CreatedAt,
    UpdatedAt,
}
