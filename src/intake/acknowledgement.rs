//! The first answer to a new ticket, on the citizen's own channel and in their language: the tracking code and
//! link, and the emergency numbers when the wording is urgent. Where it goes is outbound's rule for reaching a
//! ticket's citizen (`outbound::reach`): a Page comment gets it as the private reply, so a tracking code is never
//! posted publicly.
use entity::{channel_accounts, tickets};

use super::Intake;
use super::language::{Detection, Language};
use crate::domain::TrackingCode;
use crate::outbound::reach::{self, Comment, Facts, Purpose};
use crate::outbound::{NewOutbound, Payload};
use crate::platforms::event::{CitizenMessage, Thread};

/// The acknowledgement to queue for a new ticket, if its channel takes one (the form answers on the page).
pub fn build(
    intake: &Intake,
    ticket: &tickets::Model,
    account: &channel_accounts::Model,
    message: &CitizenMessage,
    detection: Option<Detection>,
    urgent: bool,
) -> Option<NewOutbound> {
    // What outbound would read for the stored ticket, known here without asking: the citizen wrote just now (we
    // received it now; the platform's own time is checked again when the message is sent).
    let facts = Facts {
        channel: message.identity.channel,
        channel_account_id: Some(account.id),
        external_id: message.identity.external_id.clone(),
        comment: match &message.thread {
            Thread::Comment { comment_id, .. } => Some(Comment {
                id: comment_id.clone(),
                at: ticket.created_at,
                // Once per comment: `outbound::enqueue` keeps a second one from being queued.
                private_reply_sent: false,
            }),
            Thread::Direct => None,
        },
        last_inbound_at: Some(ticket.created_at),
    };
    let human_agent_tag = intake.settings.facebook.human_agent_tag;
    let route = reach::route(
        &facts,
        Purpose::Acknowledgement,
        human_agent_tag,
        ticket.created_at,
    )
    .ok()?;
    let english = detection.is_some_and(|d| d.language == Language::En);
    let unit = ticket
        .unit_code
        .as_deref()
        .and_then(|code| intake.gazetteer.unit(code))
        .map(|u| u.name.clone());
    let text = compose(
        english,
        &TrackingCode::display(&ticket.tracking_code),
        &format!(
            "{}/track/{}",
            intake.settings.public_base(),
            TrackingCode::display(&ticket.tracking_code)
        ),
        unit.as_deref(),
        urgent,
    );
    Some(NewOutbound {
        ticket_id: ticket.id,
        message_id: None,
        channel: route.channel,
        channel_account_id: route.channel_account_id,
        kind: route.kind,
        purpose: Purpose::Acknowledgement,
        recipient: route.recipient,
        payload: Payload {
            text,
            quick_replies: Vec::new(),
        },
    })
}

pub fn compose(english: bool, code: &str, link: &str, unit: Option<&str>, urgent: bool) -> String {
    let mut text = if english {
        let unit = unit.map_or_else(
            || "The commune police".to_owned(),
            |u| format!("The police of {u}"),
        );
        format!("{unit} received your message. Tracking code: {code}. Follow it at {link}")
    } else {
        let unit = unit.map_or_else(
            || "Công an xã, phường".to_owned(),
            |u| format!("Công an {u}"),
        );
        format!("{unit} đã nhận phản ánh của bạn. Mã theo dõi: {code}. Xem tiến độ tại {link}")
    };
    if urgent {
        text.push_str(if english {
            "\nIf it is happening now, call 113 (police), 114 (fire) or 115 (ambulance) at once."
        } else {
            "\nNếu sự việc đang xảy ra, hãy gọi ngay 113 (công an), 114 (cứu hỏa), 115 (cấp cứu)."
        });
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urgent_acknowledgements_name_the_emergency_numbers() {
        let text = compose(
            false,
            "ABCD-EFGH-JKMN",
            "http://x/track/ABCD-EFGH-JKMN",
            Some("Xã Toàn Lưu"),
            true,
        );
        assert!(
            text.contains("Công an Xã Toàn Lưu")
                && text.contains("ABCD-EFGH-JKMN")
                && text.contains("113")
        );
        let text = compose(true, "ABCD-EFGH-JKMN", "http://x", None, false);
        assert!(text.starts_with("The commune police") && !text.contains("113"));
    }
}
