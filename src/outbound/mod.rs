//! Outbound: every message to a citizen (acknowledgements, officers' replies, surveys) goes through the durable
//! outbox and a worker that delivers it on the citizen's own channel, retrying what is transient and never
//! sending anything twice.
//!
//! `enqueue` queues inside the caller's transaction; `Outbound::wake` after the commit starts delivery at once.
//! The worker (`worker`) claims due rows and sends them through typed clients (`zalo`, `facebook`); `receipts`
//! applies the platforms' delivery and read receipts and echoes.
mod accounts;
mod delivery;
mod email;
mod error;
pub mod reach;
pub mod receipts;
pub mod text;
mod window;
pub mod worker;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use entity::outbox;

use crate::config::Settings;
use crate::db::Db;
use crate::domain::{Channel, OutboxState, Purpose};

pub use error::OutboundError;
pub use receipts::Echo;
pub use worker::jittered_backoff;

/// Delivery machinery, built once: the worker runs on it and whoever queues a message wakes it.
#[derive(Clone)]
pub struct Outbound(Arc<Shared>);

pub(crate) struct Shared {
    settings: Arc<Settings>,
    db: Db,
    /// One client for both platforms, with the timeouts from `outbound.http_timeout_secs`.
    http: reqwest::Client,
    wake: Notify,
    stop: Notify,
    stopping: AtomicBool,
    refresh_locks: accounts::RefreshLocks,
    /// Credential problems already raised as an error: one alert per account and reason, not one per message.
    alerted: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl Outbound {
    pub fn new(settings: &Settings, db: Db) -> Result<Outbound, OutboundError> {
        let timeout = Duration::from_secs(settings.outbound.http_timeout_secs.max(1));
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .build()
            .map_err(OutboundError::Client)?;
        describe_metrics();
        Ok(Outbound(Arc::new(Shared {
            settings: Arc::new(settings.clone()),
            db,
            http,
            wake: Notify::new(),
            stop: Notify::new(),
            stopping: AtomicBool::new(false),
            refresh_locks: accounts::RefreshLocks::default(),
            alerted: Default::default(),
        })))
    }

    /// Starts a pass now rather than at the next poll; call after committing an `enqueue`.
    pub fn wake(&self) {
        self.0.wake.notify_one();
    }

    /// Runs the worker until `shutdown`. Rows interrupted by a crash are made `unknown` first.
    pub fn spawn(&self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(worker::run(self.0.clone()))
    }

    /// Asks the worker to stop reading the queue and to record the sends in flight, so no send is cut off
    /// midway; await its handle.
    pub fn shutdown(&self) {
        self.0.stopping.store(true, Ordering::SeqCst);
        self.0.stop.notify_one();
    }
}

fn describe_metrics() {
    metrics::describe_counter!(
        "outbound_messages_total",
        "Outbound messages by channel, kind and outcome (sent, retry, undeliverable)"
    );
    metrics::describe_counter!(
        "outbound_token_invalid_total",
        "Sends refused for credentials no retry can fix, by channel: the token must be replaced"
    );
    metrics::describe_counter!(
        "outbound_token_refresh_total",
        "Zalo access-token refreshes by outcome (refreshed, refused, failed)"
    );
}

/// How a message reaches the citizen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboundKind {
    /// Zalo OA customer-service message (`/v3.0/oa/message/cs`); recipient = the user's id for the OA.
    ZaloCs,
    /// Messenger Send API; recipient = the PSID.
    Messenger,
    /// The once-only private reply to a Page comment; recipient = the comment id.
    PrivateReply,
    /// A public reply under a Page comment, only when an officer chooses it; recipient = the comment id.
    PublicReply,
    /// An e-mail to a form ticket's citizen (`email.smtp_url`); recipient = the address they gave.
    Email,
}

impl OutboundKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboundKind::ZaloCs => "zalo_cs",
            OutboundKind::Messenger => "messenger",
            OutboundKind::PrivateReply => "private_reply",
            OutboundKind::PublicReply => "public_reply",
            OutboundKind::Email => "email",
        }
    }

    pub fn parse(value: &str) -> Option<OutboundKind> {
        [
            OutboundKind::ZaloCs,
            OutboundKind::Messenger,
            OutboundKind::PrivateReply,
            OutboundKind::PublicReply,
            OutboundKind::Email,
        ]
        .into_iter()
        .find(|k| k.as_str() == value)
    }
}

/// What is stored in `outbox.payload`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payload {
    pub text: String,
    /// Messenger quick replies (e.g. a 1-5 rating): (title, payload).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quick_replies: Vec<(String, String)>,
}

pub struct NewOutbound {
    pub ticket_id: i32,
    /// The ticket message this delivers, if any (officers' replies); acknowledgements have none.
    pub message_id: Option<i32>,
    pub channel: Channel,
    pub channel_account_id: Option<i32>,
    pub kind: OutboundKind,
    /// Why it is sent: the windows at send time depend on it.
    pub purpose: Purpose,
    pub recipient: String,
    pub payload: Payload,
}

/// Queues a message inside the caller's transaction, so it exists exactly when what caused it does.
/// A private reply is once per comment: queuing a second one returns the first (unless it proved undeliverable).
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    item: NewOutbound,
) -> Result<outbox::Model, DbErr> {
    if item.kind == OutboundKind::PrivateReply
        && let Some(first) = private_reply_of(conn, item.channel, &item.recipient).await?
    {
        return Ok(first);
    }
    outbox_row(item)?.insert(conn).await
}

/// `kind = 'private_reply'` as a literal: `ix_outbox_private_replies` holds only that kind, and PostgreSQL's
/// generic plans (which sqlx's cached statements come to) cannot use it for a bound parameter they do not know.
pub(crate) fn is_private_reply() -> sea_orm::sea_query::Expr {
    sea_orm::sea_query::Expr::cust(format!(
        "\"outbox\".\"kind\" = '{}'",
        OutboundKind::PrivateReply.as_str()
    ))
}

/// The private reply queued or sent for a comment (one that proved undeliverable does not count).
async fn private_reply_of(
    conn: &impl ConnectionTrait,
    channel: Channel,
    comment_id: &str,
) -> Result<Option<outbox::Model>, DbErr> {
    outbox::Entity::find()
        .filter(is_private_reply())
        .filter(outbox::Column::Channel.eq(channel))
        .filter(outbox::Column::Recipient.eq(comment_id))
        .filter(outbox::Column::State.ne(OutboxState::Undeliverable))
        .one(conn)
        .await
}

/// Whether a comment already has its one private reply, queued or sent.
pub(crate) async fn private_reply_queued(
    conn: &impl ConnectionTrait,
    channel: Channel,
    comment_id: &str,
) -> Result<bool, DbErr> {
    Ok(private_reply_of(conn, channel, comment_id).await?.is_some())
}

/// Queues several messages with one statement. Private replies (once per comment) go through `enqueue`.
pub async fn enqueue_many(
    conn: &impl ConnectionTrait,
    items: Vec<NewOutbound>,
) -> Result<(), DbErr> {
    debug_assert!(items.iter().all(|i| i.kind != OutboundKind::PrivateReply));
    let rows = items
        .into_iter()
        .map(outbox_row)
        .collect::<Result<Vec<_>, _>>()?;
    crate::db::insert_all(conn, &rows).await
}

fn outbox_row(item: NewOutbound) -> Result<outbox::ActiveModel, DbErr> {
    let now = Utc::now();
    let payload = serde_json::to_string(&item.payload).map_err(|e| DbErr::Custom(e.to_string()))?;
    Ok(outbox::ActiveModel {
        ticket_id: Set(item.ticket_id),
        message_id: Set(item.message_id),
        channel: Set(item.channel),
        channel_account_id: Set(item.channel_account_id),
        kind: Set(item.kind.as_str().into()),
        purpose: Set(item.purpose),
        recipient: Set(item.recipient),
        payload: Set(payload),
        state: Set(OutboxState::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(None),
        provider_message_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        sent_at: Set(None),
        delivered_at: Set(None),
        read_at: Set(None),
        ..Default::default()
    })
}
