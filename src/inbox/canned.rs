//! Canned replies: answers officers reuse, per topic, kept by admins. `{code}` and `{unit}` in a body become the
//! ticket's tracking code and unit when an officer picks it.
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

use entity::canned_replies;

use super::audit;
use super::replies::has_control_characters;
use super::session::Officer;
use crate::db::Db;
use crate::domain::FieldError;
use crate::routing::Topic;
use crate::web::ApiError;

const MAX_TITLE_CHARS: usize = 120;
const MAX_BODY_CHARS: usize = 2000;

/// For a ticket on `topic`: that topic's, then those for any topic; all when `topic` is None.
pub async fn for_topic(
    db: &Db,
    topic: Option<&str>,
) -> Result<Vec<canned_replies::Model>, sea_orm::DbErr> {
    let mut select = canned_replies::Entity::find();
    if let Some(topic) = topic {
        select = select.filter(
            Condition::any()
                .add(canned_replies::Column::Topic.eq(topic))
                .add(canned_replies::Column::Topic.is_null()),
        );
    }
    select
        .order_by_asc(canned_replies::Column::Topic)
        .order_by_asc(canned_replies::Column::Title)
        .all(&db.read)
        .await
}

/// The body for a ticket: placeholders filled.
pub fn fill(body: &str, tracking_code: &str, unit: Option<&str>) -> String {
    body.replace("{code}", tracking_code)
        .replace("{unit}", unit.unwrap_or("Công an xã, phường"))
}

/// What an admin writes: checked, or why not.
pub struct Draft {
    pub topic: Option<String>,
    pub title: String,
    pub body: String,
}

impl Draft {
    pub fn parse(topic: &str, title: &str, body: &str) -> Result<Draft, ApiError> {
        let topic = match topic.trim() {
            "" => None,
            t => Some(
                Topic::parse(t)
                    .ok_or_else(|| {
                        ApiError::Validation(vec![FieldError::new(
                            "topic",
                            "invalid",
                            "Chọn một lĩnh vực trong danh sách",
                            "choose a topic from the list",
                        )])
                    })?
                    .as_str()
                    .to_owned(),
            ),
        };
        let (title, body) = (title.trim(), body.trim());
        let fits = |text: &str, max: usize| {
            (1..=max).contains(&text.chars().count()) && !has_control_characters(text)
        };
        if !fits(title, MAX_TITLE_CHARS) || !fits(body, MAX_BODY_CHARS) {
            return Err(ApiError::Validation(vec![FieldError::new(
                "body",
                "length",
                "Tiêu đề tối đa 120 ký tự và nội dung tối đa 2.000 ký tự, không để trống",
                "a title of at most 120 characters and a body of at most 2,000, neither empty",
            )]));
        }
        Ok(Draft {
            topic,
            title: title.to_owned(),
            body: body.to_owned(),
        })
    }
}

/// Adds (`id` None) or changes a canned reply. Admins only; audited.
pub async fn save(
    db: &Db,
    admin: &Officer,
    id: Option<i32>,
    draft: Draft,
) -> Result<i32, ApiError> {
    let now = Utc::now();
    let txn = db.begin_write().await?;
    let id = match id {
        None => {
            canned_replies::ActiveModel {
                topic: Set(draft.topic.clone()),
                title: Set(draft.title.clone()),
                body: Set(draft.body.clone()),
                updated_by: Set(Some(admin.id)),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
            .id
        }
        Some(id) => {
            let changed = canned_replies::Entity::update_many()
                .col_expr(
                    canned_replies::Column::Topic,
                    Expr::value(draft.topic.clone()),
                )
                .col_expr(
                    canned_replies::Column::Title,
                    Expr::value(draft.title.clone()),
                )
                .col_expr(
                    canned_replies::Column::Body,
                    Expr::value(draft.body.clone()),
                )
                .col_expr(
                    canned_replies::Column::UpdatedBy,
                    Expr::value(Some(admin.id)),
                )
                .col_expr(canned_replies::Column::UpdatedAt, Expr::value(now))
                .filter(canned_replies::Column::Id.eq(id))
                .exec(&txn)
                .await?;
            if changed.rows_affected == 0 {
                return Err(ApiError::NotFound);
            }
            id
        }
    };
    audit::record_unticketed(
        &txn,
        Some(admin.id),
        "canned_reply.save",
        json!({"id": id, "topic": draft.topic, "title": draft.title}),
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

pub async fn delete(db: &Db, admin: &Officer, id: i32) -> Result<(), ApiError> {
    let txn = db.begin_write().await?;
    let deleted = canned_replies::Entity::delete_by_id(id).exec(&txn).await?;
    if deleted.rows_affected == 0 {
        return Err(ApiError::NotFound);
    }
    audit::record_unticketed(
        &txn,
        Some(admin.id),
        "canned_reply.delete",
        json!({"id": id}),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
