use sea_orm::entity::prelude::*;

/// A rating of a unit's one-stop desk (`/survey/unit/{code}`), with no ticket.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "desk_ratings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub unit_code: String,
    /// `residence`, `id_card`, `vehicle` or `other`.
    pub procedure: String,
    pub score: i16,
    pub scale: String,
    pub comment: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
