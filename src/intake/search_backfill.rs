//! Tickets opened before `tickets.search_text` existed get it at start, from their first citizen message (or
//! the summary): a few hundred rows per transaction, so a large database is not locked for long.
use std::collections::HashMap;

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use entity::{ticket_messages, tickets};

use crate::db::Db;
use crate::domain::{Direction, fold_for_search};

const BATCH: u64 = 500;

/// Folds every ticket still without `search_text`; answers how many.
pub async fn backfill(db: &Db) -> Result<u64, DbErr> {
    let mut done = 0;
    loop {
        let rows: Vec<(i32, String)> = tickets::Entity::find()
            .select_only()
            .column(tickets::Column::Id)
            .column(tickets::Column::Summary)
            .filter(tickets::Column::SearchText.is_null())
            .order_by_asc(tickets::Column::Id)
            .limit(BATCH)
            .into_tuple()
            .all(&db.write)
            .await?;
        if rows.is_empty() {
            return Ok(done);
        }
        let mut first: HashMap<i32, String> = HashMap::new();
        for message in ticket_messages::Entity::find()
            .filter(ticket_messages::Column::TicketId.is_in(rows.iter().map(|(id, _)| *id)))
            .filter(ticket_messages::Column::Direction.eq(Direction::In))
            .order_by_asc(ticket_messages::Column::Id)
            .all(&db.write)
            .await?
        {
            first.entry(message.ticket_id).or_insert(message.body);
        }
        let txn = db.begin_write().await?;
        for (id, summary) in &rows {
            let text = first.get(id).unwrap_or(summary);
            tickets::Entity::update_many()
                .col_expr(
                    tickets::Column::SearchText,
                    Expr::value(fold_for_search(text)),
                )
                .filter(tickets::Column::Id.eq(*id))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        done += rows.len() as u64;
    }
}
