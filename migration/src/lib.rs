//! Schema of the whole product, portable between SQLite and PostgreSQL.
pub use sea_orm_migration::prelude::*;

mod m20261126_000001_create_directory;
mod m20261126_000002_create_tickets;
mod m20261126_000003_add_ticket_conduct_flag;
mod m20261126_000004_index_unprocessed_events;
mod m20261127_000005_drop_superseded_event_index;
mod m20261202_000006_create_officer_sessions;
mod m20261202_000007_create_app_secrets;
mod m20261202_000008_add_outbox_purpose;
mod m20261202_000009_create_ticket_notes;
mod m20261203_000010_create_ticket_viewers;
mod m20261203_000011_add_ticket_search;
mod m20261203_000012_index_inbox_queue;
mod m20261203_000013_add_ticket_deadline_stage_and_merge;
mod m20261203_000014_create_canned_replies;
mod m20261203_000015_index_tickets_to_fold;
mod m20261204_000016_create_satisfaction;
mod m20261205_000017_create_report_cells;
mod m20261206_000018_create_attachments;
mod m20261207_000019_add_province_scope;
mod m20261208_000020_trim_intake_indexes;
mod m20261209_000021_order_outbox_queue;
mod m20261210_000022_index_private_replies;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_directory::Migration),
            Box::new(m20261126_000002_create_tickets::Migration),
            Box::new(m20261126_000003_add_ticket_conduct_flag::Migration),
            Box::new(m20261126_000004_index_unprocessed_events::Migration),
            Box::new(m20261127_000005_drop_superseded_event_index::Migration),
            Box::new(m20261202_000006_create_officer_sessions::Migration),
            Box::new(m20261202_000007_create_app_secrets::Migration),
            Box::new(m20261202_000008_add_outbox_purpose::Migration),
            Box::new(m20261202_000009_create_ticket_notes::Migration),
            Box::new(m20261203_000010_create_ticket_viewers::Migration),
            Box::new(m20261203_000011_add_ticket_search::Migration),
            Box::new(m20261203_000012_index_inbox_queue::Migration),
            Box::new(m20261203_000013_add_ticket_deadline_stage_and_merge::Migration),
            Box::new(m20261203_000014_create_canned_replies::Migration),
            Box::new(m20261203_000015_index_tickets_to_fold::Migration),
            Box::new(m20261204_000016_create_satisfaction::Migration),
            Box::new(m20261205_000017_create_report_cells::Migration),
            Box::new(m20261206_000018_create_attachments::Migration),
            Box::new(m20261207_000019_add_province_scope::Migration),
            Box::new(m20261208_000020_trim_intake_indexes::Migration),
            Box::new(m20261209_000021_order_outbox_queue::Migration),
            Box::new(m20261210_000022_index_private_replies::Migration),
        ]
    }
}
