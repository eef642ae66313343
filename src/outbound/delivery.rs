//! One outbox row to one platform call (two for Zalo when the token must be refreshed first).
use chrono::Utc;

use entity::outbox;

use super::error::OutboundError;
use super::text::{COMMENT_MAX_CHARS, MESSAGE_MAX_CHARS, fit};
use super::{OutboundKind, Payload, Shared, accounts, email, window};
use crate::domain::Channel;
use crate::platforms::PlatformError;
use crate::platforms::facebook::GraphClient;
use crate::platforms::zalo::ZaloClient;

/// What the platform gave back for a message it accepted.
pub(crate) struct Delivered {
    /// Empty for form rows, which have nothing to call.
    pub provider_message_id: Option<String>,
}

/// `known`: the accounts already read for this pass (`accounts::known`); any other is read here.
pub(crate) async fn deliver(
    shared: &Shared,
    known: &accounts::Known,
    row: &outbox::Model,
) -> Result<Delivered, OutboundError> {
    let channel = row.channel;
    let kind = OutboundKind::parse(&row.kind)
        .ok_or_else(|| OutboundError::permanent(format!("unknown kind {:?}", row.kind)))?;
    let payload: Payload = serde_json::from_str(&row.payload)
        .map_err(|e| OutboundError::permanent(format!("unreadable payload: {e}")))?;
    let id = match (channel, kind) {
        (Channel::Form, OutboundKind::Email) => email::send(shared, row, &payload).await?,
        // The form's tracking page shows replies: nothing to call.
        (Channel::Form, _) => {
            return Ok(Delivered {
                provider_message_id: None,
            });
        }
        (Channel::Zalo, OutboundKind::ZaloCs) => zalo_cs(shared, known, row, &payload).await?,
        (Channel::Facebook, OutboundKind::Messenger) => {
            messenger(shared, known, row, &payload).await?
        }
        (Channel::Facebook, OutboundKind::PrivateReply) => {
            private_reply(shared, known, row, &payload).await?
        }
        (Channel::Facebook, OutboundKind::PublicReply) => {
            let account = accounts::account_of(&shared.db, known, row, channel).await?;
            let token = accounts::token_of(&account)?;
            graph(shared)
                .public_reply(
                    &token,
                    &row.recipient,
                    &fit(&payload.text, COMMENT_MAX_CHARS),
                )
                .await?
        }
        (channel, kind) => {
            return Err(OutboundError::permanent(format!(
                "a {} message cannot go out on {}",
                kind.as_str(),
                channel.as_str()
            )));
        }
    };
    Ok(Delivered {
        provider_message_id: Some(id).filter(|id| !id.is_empty()),
    })
}

fn graph(shared: &Shared) -> GraphClient<'_> {
    GraphClient::new(&shared.http, &shared.settings.facebook)
}

async fn zalo_cs(
    shared: &Shared,
    known: &accounts::Known,
    row: &outbox::Model,
    payload: &Payload,
) -> Result<String, OutboundError> {
    let account = accounts::account_of(&shared.db, known, row, Channel::Zalo).await?;
    let token = accounts::token_of(&account)?;
    let zalo = ZaloClient::new(&shared.http, &shared.settings.zalo);
    // Zalo has no quick replies in customer-service text: the text itself asks for the answer.
    let text = fit(&payload.text, MESSAGE_MAX_CHARS);
    match zalo
        .send_text(&token, &row.recipient, &text)
        .await
        .map_err(OutboundError::from)
    {
        Err(OutboundError::Platform(PlatformError::TokenExpired(_))) => {
            let fresh = accounts::refreshed_zalo_token(
                &shared.db,
                &shared.refresh_locks,
                &zalo,
                account.id,
                &token,
            )
            .await?;
            match zalo
                .send_text(&fresh, &row.recipient, &text)
                .await
                .map_err(OutboundError::from)
            {
                // Refreshing once is all: a second refusal means the OA must be reconnected.
                Err(OutboundError::Platform(PlatformError::TokenExpired(reason))) => {
                    Err(OutboundError::token_rejected(format!(
                        "{reason} (again, right after a token refresh)"
                    )))
                }
                other => other,
            }
        }
        other => other,
    }
}

async fn messenger(
    shared: &Shared,
    known: &accounts::Known,
    row: &outbox::Model,
    payload: &Payload,
) -> Result<String, OutboundError> {
    let human_agent = shared.settings.facebook.human_agent_tag;
    let messaging_type = window::messenger(
        &shared.db.read,
        row.ticket_id,
        row.purpose,
        human_agent,
        Utc::now(),
    )
    .await??;
    let account = accounts::account_of(&shared.db, known, row, Channel::Facebook).await?;
    let token = accounts::token_of(&account)?;
    graph(shared)
        .send_message(
            &token,
            &row.recipient,
            &fit(&payload.text, MESSAGE_MAX_CHARS),
            &payload.quick_replies,
            messaging_type,
            row.id.to_string(),
        )
        .await
        .map_err(OutboundError::from)
}

async fn private_reply(
    shared: &Shared,
    known: &accounts::Known,
    row: &outbox::Model,
    payload: &Payload,
) -> Result<String, OutboundError> {
    window::private_reply(&shared.db.read, row.ticket_id, &row.recipient, Utc::now()).await??;
    let account = accounts::account_of(&shared.db, known, row, Channel::Facebook).await?;
    let token = accounts::token_of(&account)?;
    graph(shared)
        .private_reply(
            &token,
            &account.external_id,
            &row.recipient,
            &fit(&payload.text, MESSAGE_MAX_CHARS),
        )
        .await
        .map_err(OutboundError::from)
}
