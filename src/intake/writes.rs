//! The rows a run of inbound items writes, gathered from every item and written at the end with a few
//! multi-row statements per table: on SQLite every statement is a round trip to the connection's thread, and per
//! item they bounded intake.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter,
};

use entity::{contact_identities, contacts, tickets};

use super::tickets::Companions;
use crate::db::insert_all;
use crate::outbound::{self, NewOutbound, OutboundKind};
use crate::satisfaction::answer::Answer;

/// The rows a run writes, gathered from every item and written at the end, parents before children.
#[derive(Default)]
pub struct Writes {
    pub contacts: Vec<contacts::ActiveModel>,
    pub identities: Vec<contact_identities::ActiveModel>,
    pub tickets: Vec<tickets::Model>,
    pub messages: Companions,
    pub acknowledgements: Vec<NewOutbound>,
    /// Stored tickets a message joined: their activity time, and the place when they had none.
    pub joined: HashMap<i32, Option<(f64, f64)>>,
    /// Chat messages that answer a survey (by the survey's id), recorded after the messages are written.
    pub answers: Vec<(i32, Answer)>,
}

impl Writes {
    /// A new contact with its identity.
    pub fn add_identity(&mut self, contact: contacts::Model, identity: contact_identities::Model) {
        self.contacts.push(contact.into_active_model().reset_all());
        self.identities
            .push(identity.into_active_model().reset_all());
    }

    pub async fn write(self, txn: &DatabaseTransaction, now: DateTime<Utc>) -> Result<(), DbErr> {
        insert_all(txn, &self.contacts).await?;
        insert_all(txn, &self.identities).await?;
        let tickets: Vec<_> = self
            .tickets
            .into_iter()
            .map(|t| t.into_active_model().reset_all())
            .collect();
        insert_all(txn, &tickets).await?;
        self.messages.write(txn).await?;
        // A private reply to a comment is once per comment: `enqueue` checks that, one at a time (comments are few).
        let (private_replies, acknowledgements): (Vec<_>, Vec<_>) = self
            .acknowledgements
            .into_iter()
            .partition(|a| a.kind == OutboundKind::PrivateReply);
        outbound::enqueue_many(txn, acknowledgements).await?;
        for reply in private_replies {
            outbound::enqueue(txn, reply).await?;
        }
        // In id order: two runs touching some of the same tickets take them in one order (fewer deadlocks).
        let mut joined: Vec<_> = self.joined.into_iter().collect();
        joined.sort_unstable_by_key(|(id, _)| *id);
        for (id, location) in joined {
            let mut update = tickets::Entity::update_many()
                .col_expr(tickets::Column::LastActivityAt, Expr::value(now))
                .col_expr(tickets::Column::UpdatedAt, Expr::value(now))
                .filter(tickets::Column::Id.eq(id));
            if let Some((lat, lon)) = location {
                update = update
                    .col_expr(tickets::Column::Lat, Expr::value(Some(lat)))
                    .col_expr(tickets::Column::Lon, Expr::value(Some(lon)));
            }
            update.exec(txn).await?;
        }
        Ok(())
    }
}
