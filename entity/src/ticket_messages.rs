use crate::enums::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub ticket_id: i32,
    pub direction: Direction,
    pub channel: Channel,
    pub provider_message_id: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub original_body: Option<String>,
    pub attachments: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub language: Option<String>,
    pub language_confidence: Option<f64>,
    pub language_method: Option<String>,
    pub officer_id: Option<i32>,
    pub public: bool,
    pub removed: bool,
    pub hidden: bool,
    pub edited_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
