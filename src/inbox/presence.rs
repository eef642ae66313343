//! Who has a ticket open: each view of the ticket page renews the officer's row (`ticket_viewers`); colleagues
//! seen within the last few minutes are shown, so two officers do not answer the same citizen unawares. The row
//! also tells the queue what this officer has not seen yet.
use chrono::{Duration, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, Set};

use entity::{officers, ticket_viewers};

use crate::db::Db;

/// How long after their last view an officer still counts as having the ticket open.
const OPEN_FOR_MINUTES: i64 = 10;

/// Records that `officer_id` has ticket `ticket_id` open now.
pub async fn opened(db: &Db, ticket_id: i32, officer_id: i32) -> Result<(), DbErr> {
    ticket_viewers::Entity::insert(ticket_viewers::ActiveModel {
        ticket_id: Set(ticket_id),
        officer_id: Set(officer_id),
        seen_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([
            ticket_viewers::Column::TicketId,
            ticket_viewers::Column::OfficerId,
        ])
        .update_column(ticket_viewers::Column::SeenAt)
        .to_owned(),
    )
    .exec_without_returning(&db.write)
    .await?;
    Ok(())
}

/// The other officers who have had the ticket open in the last minutes: usernames.
pub async fn others(db: &Db, ticket_id: i32, me: i32) -> Result<Vec<String>, DbErr> {
    let since = Utc::now() - Duration::minutes(OPEN_FOR_MINUTES);
    let ids: Vec<i32> = ticket_viewers::Entity::find()
        .filter(ticket_viewers::Column::TicketId.eq(ticket_id))
        .filter(ticket_viewers::Column::OfficerId.ne(me))
        .filter(ticket_viewers::Column::SeenAt.gte(since))
        .all(&db.read)
        .await?
        .into_iter()
        .map(|v| v.officer_id)
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(officers::Entity::find()
        .filter(officers::Column::Id.is_in(ids))
        .filter(officers::Column::Active.eq(true))
        .all(&db.read)
        .await?
        .into_iter()
        .map(|o| o.username)
        .collect())
}
