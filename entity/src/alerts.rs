use sea_orm::entity::prelude::*;

/// Something the province's supervisors should see: a ticket reopened after a low score.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "alerts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub kind: String,
    pub ticket_id: Option<i32>,
    pub unit_code: Option<String>,
    pub score: Option<i16>,
    pub solved: Option<bool>,
    pub comment: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
