//! A person seen for the first time on a channel: a contact and its first channel identity, created together.
use chrono::Utc;
use sea_orm::{ActiveModelTrait, DatabaseTransaction, DbErr, Set};

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
    let now = Utc::now();
    let contact = contacts::ActiveModel {
        display_name: Set(new.display_name.clone()),
        verified_phone: Set(None),
        possibly_same_as: Set(new.possibly_same_as),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    contact_identities::ActiveModel {
        contact_id: Set(contact.id),
        channel: Set(new.channel.as_str().into()),
        account_external_id: Set(new.account),
        external_id: Set(new.external_id),
        display_name: Set(new.display_name),
        phone: Set(new.phone),
        phone_verified: Set(false),
        email: Set(new.email),
        following: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await
}
