//! Officers' replies by e-mail to form tickets (`email.smtp_url`, `email.from`), through `lettre`. A refused
//! address is undeliverable; a server that cannot be reached is retried; a connection lost after the message was
//! handed over is `unknown`, never sent again blindly (as for the platforms).
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::Error as SmtpError;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use entity::outbox;

use super::error::OutboundError;
use super::{Payload, Shared};
use crate::domain::TrackingCode;
use crate::platforms::PlatformError;

pub(super) async fn send(
    shared: &Shared,
    row: &outbox::Model,
    payload: &Payload,
) -> Result<String, OutboundError> {
    let settings = &shared.settings.email;
    if !settings.enabled() {
        return Err(OutboundError::permanent(
            "e-mail is not configured (email.smtp_url, email.from)",
        ));
    }
    let from: Mailbox = settings
        .from
        .parse()
        .map_err(|e| OutboundError::permanent(format!("email.from is not an address: {e}")))?;
    let to: Mailbox = row
        .recipient
        .parse()
        .map_err(|_| OutboundError::permanent("the citizen's e-mail address is not valid"))?;
    let code = ticket_code(shared, row.ticket_id).await?;
    let tracking = format!(
        "{}/track/{}",
        shared.settings.server.public_url.trim_end_matches('/'),
        code.replace('-', "")
    );
    let body = format!(
        "{}\n\n--\nMã theo dõi / Tracking code: {code}\nXem toàn bộ trao đổi / The whole case: {tracking}\nĐây là thư tự động, vui lòng không trả lời thư này. / Please do not reply to this e-mail.\n",
        payload.text
    );
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(if row.purpose == crate::domain::Purpose::Survey {
            format!(
                "Đánh giá mức độ hài lòng: phản ánh {code} / How satisfied are you? Feedback {code}"
            )
        } else {
            format!("Trả lời phản ánh {code} / Reply to your feedback {code}")
        })
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| OutboundError::permanent(format!("cannot build the e-mail: {e}")))?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(settings.smtp_url.trim())
        .map_err(|e| OutboundError::permanent(format!("email.smtp_url is not valid: {e}")))?
        .timeout(Some(std::time::Duration::from_secs(
            shared.settings.outbound.http_timeout_secs.max(1),
        )))
        .build();
    match transport.send(message).await {
        Ok(response) => Ok(response.message().next().unwrap_or_default().to_owned()),
        Err(err) => Err(classify(&err).into()),
    }
}

/// Refused for good (a 5xx: no such mailbox), worth another try (cannot connect, 4xx), or lost in between.
fn classify(err: &SmtpError) -> PlatformError {
    let why = format!("e-mail: {err}");
    if err.is_permanent() {
        PlatformError::Permanent(why)
    } else if err.is_transient() || err.is_client() || err.is_tls() {
        PlatformError::Transient(why)
    } else if err.is_timeout() || err.is_response() {
        // The message may have been handed over before the connection went quiet.
        PlatformError::Unknown(why)
    } else {
        PlatformError::Transient(why)
    }
}

async fn ticket_code(shared: &Shared, ticket_id: i32) -> Result<String, OutboundError> {
    use sea_orm::EntityTrait;
    let ticket = entity::tickets::Entity::find_by_id(ticket_id)
        .one(&shared.db.read)
        .await?
        .ok_or_else(|| OutboundError::permanent("the ticket is gone"))?;
    Ok(TrackingCode::display(&ticket.tracking_code))
}
