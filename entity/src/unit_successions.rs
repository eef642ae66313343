use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "unit_successions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub legacy_code: String,
    pub new_code: String,
    pub whole: bool,
    pub is_default: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
