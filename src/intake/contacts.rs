//! A person seen for the first time on a channel: a contact and its first channel identity, created together.
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, DatabaseTransaction, DbErr, IntoActiveModel, NotSet, Set};

use entity::{contact_identities, contacts};

use crate::domain::Channel;

pub struct NewIdentity {
    pub channel: Channel,
    /// The OA or Page the identity is scoped to ("" for the web form).
    pub account: String,
    pub external_id: String,
    pub display_name: Option<String>,
    /// As typed (form); platform-verified phones are set by `user_submit_info`.
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Another contact with this phone verified: a hint for officers, not a merge.
    pub possibly_same_as: Option<i32>,
}

pub async fn create_identity(
    txn: &DatabaseTransaction,
    new: NewIdentity,
) -> Result<contact_identities::Model, DbErr> {
    // Ids from the database here: a placeholder until the inserts.
    let (contact, identity) = new_rows(0, 0, new, Utc::now());
    let mut contact = contact.into_active_model().reset_all();
    contact.id = NotSet;
    let contact = contact.insert(txn).await?;
    let mut identity = identity.into_active_model().reset_all();
    identity.id = NotSet;
    identity.contact_id = Set(contact.id);
    identity.insert(txn).await
}

/// The rows of a new contact and its first identity under ids the caller reserved, for multi-row inserts.
pub fn new_rows(
    contact_id: i32,
    identity_id: i32,
    new: NewIdentity,
    now: DateTime<Utc>,
) -> (contacts::Model, contact_identities::Model) {
    let contact = contacts::Model {
        id: contact_id,
        display_name: new.display_name.clone(),
        verified_phone: None,
        possibly_same_as: new.possibly_same_as,
        created_at: now,
        updated_at: now,
    };
    let identity = contact_identities::Model {
        id: identity_id,
        contact_id,
        channel: new.channel,
        account_external_id: new.account,
        external_id: new.external_id,
        display_name: new.display_name,
        phone: new.phone,
        phone_verified: false,
        email: new.email,
        following: None,
        created_at: now,
        updated_at: now,
    };
    (contact, identity)
}
