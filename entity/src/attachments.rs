use sea_orm::entity::prelude::*;

/// One photo, voice message, video or file of a citizen's message, and whether phananh keeps a copy.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "attachments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub ticket_id: i32,
    pub message_id: i32,
    /// Its place among the message's attachments.
    pub position: i16,
    /// `image`, `audio`, `video`, `file`, `sticker`, `gif`.
    pub kind: String,
    /// `pending`, `kept`, `failed`, `reference` (stickers and GIFs: not evidence) or `purged`.
    pub state: String,
    /// The platform's URL (it expires); none for a form upload.
    pub source_url: Option<String>,
    /// The file name the citizen's app gave.
    pub name: Option<String>,
    /// By content, once kept.
    pub content_type: Option<String>,
    pub bytes: Option<i64>,
    /// Of the kept copy (metadata removed): its key in the store.
    pub sha256: Option<String>,
    pub thumbnail_sha256: Option<String>,
    /// Where the photo was taken, from its EXIF GPS (removed from the copy).
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTimeUtc>,
    /// A download job holds the row until then; after it, another may take it (the holder died).
    pub lease_until: Option<DateTimeUtc>,
    /// Why it is not kept, for officers.
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub kept_at: Option<DateTimeUtc>,
    pub purged_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
