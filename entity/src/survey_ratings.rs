use crate::enums::*;
use sea_orm::entity::prelude::*;

/// One satisfaction survey of a ticket, asked when it was resolved, and its answer.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "survey_ratings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub ticket_id: i32,
    /// The survey link's secret (`/survey/{token}`).
    pub token: String,
    pub unit_code: Option<String>,
    /// The officer assigned when it was resolved.
    pub officer_id: Option<i32>,
    pub channel: Channel,
    /// 1-5 (the three-level scale is stored as 5 / 4 / 2).
    pub score: Option<i16>,
    pub comment: Option<String>,
    pub sent_at: DateTimeUtc,
    pub answered_at: Option<DateTimeUtc>,
    /// `five` or `three`: the scale the question offered.
    pub scale: String,
    /// 1, or 2 for the one survey after a low answer reopened the ticket.
    pub round: i16,
    /// "Was your problem solved?"
    pub solved: Option<bool>,
    pub language: Option<String>,
    pub expires_at: Option<DateTimeUtc>,
    /// The outbox kind that carried the question, or `link` (tracking page only).
    pub asked_via: Option<String>,
    /// Null, `sent` or `skipped`.
    pub reminder: Option<String>,
    pub reminded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
