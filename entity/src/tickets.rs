use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tickets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub tracking_code: String,
    pub channel: Channel,
    pub channel_account_id: Option<i32>,
    pub contact_id: i32,
    pub contact_identity_id: i32,
    pub thread_key: Option<String>,
    pub unit_code: Option<String>,
    pub status: TicketStatus,
    pub summary: String,
    pub language: Option<String>,
    pub topic: Option<String>,
    pub legal_track: Option<String>,
    pub classification: Option<String>,
    pub urgent: bool,
    pub routing_confidence: Option<f64>,
    pub routing_reasons: Option<String>,
    pub suggested_unit_code: Option<String>,
    pub submitted_unit_code: Option<String>,
    pub assigned_officer_id: Option<i32>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub dedupe_hash: Option<String>,
    pub due_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub last_activity_at: DateTimeUtc,
    pub resolved_at: Option<DateTimeUtc>,
    /// A complaint about officers' conduct: also in the province supervisors' queue.
    pub officer_conduct: bool,
    /// The citizen's words folded for search (lowercase, no diacritics); null until folded.
    #[sea_orm(column_type = "Text", nullable)]
    pub search_text: Option<String>,
    /// Null: the first clock (receipt); `resolution`: the resolution's clock, started when the case was taken on.
    pub due_stage: Option<String>,
    /// When `due_at` was last set by an officer's action (taking the case on, prolonging it).
    pub due_set_at: Option<DateTimeUtc>,
    /// How many times the resolution's deadline was prolonged.
    pub extensions: i32,
    /// A duplicate merged into this ticket.
    pub merged_into_id: Option<i32>,
    /// Reopened because the citizen's answer to the survey was low (1-2) or "not solved"; cleared when resolved.
    pub reopened_low_score: bool,
    /// The first reply an officer wrote (automatic messages do not count).
    pub first_reply_at: Option<DateTimeUtc>,
    /// The 2025 province: its unit's; in triage, the served province its text named (or its suggested unit's), else
    /// null (seen only by officers without a province).
    pub province_code: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
