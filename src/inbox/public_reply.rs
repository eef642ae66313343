//! `POST /api/v1/tickets/{id}/public-reply`: an answer under the citizen's Page comment, for everyone to read. A
//! separate action from the reply (which goes privately): the officer confirms it is public, and text that
//! carries personal data (a phone number, an e-mail address, the tracking code, the citizen's name) is refused.
use actix_web::{HttpResponse, web};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use entity::{contacts, ticket_messages};

use super::audit;
use super::replies::{DeliveryPlan, ReplyAccepted, first_reply, has_control_characters};
use super::session::Officer;
use super::tickets::{change_ticket, message_view, visible_ticket};
use crate::domain::{Channel, Direction, FieldError, Purpose, fold_for_search};
use crate::outbound::text::{COMMENT_MAX_CHARS, fit};
use crate::outbound::{NewOutbound, OutboundKind, Payload, enqueue};
use crate::web::{ApiError, AppState, ErrorBody};

#[derive(Deserialize, ToSchema)]
pub struct PublicReplyRequest {
    /// 1 to 1,000 characters, without personal data.
    pub text: String,
    /// Must be true: the officer knows everyone will read it.
    #[serde(default)]
    pub confirm_public: bool,
}

#[utoipa::path(
    post,
    path = "/api/v1/tickets/{id}/public-reply",
    tag = "inbox",
    params(("id" = i32, Path, description = "The ticket's id")),
    request_body = PublicReplyRequest,
    security(("session" = [])),
    responses(
        (status = 202, description = "Queued under the comment", body = ReplyAccepted),
        (status = 400, description = "The body is not valid JSON of this shape", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such ticket, or another unit's", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "Not a Page comment's ticket, not confirmed as public, or the text carries personal data", body = ErrorBody),
        (status = 503, description = "The database is unavailable for a moment", body = ErrorBody),
    )
)]
pub async fn public_reply(
    officer: Officer,
    state: web::Data<AppState>,
    id: web::Path<i32>,
    body: web::Json<PublicReplyRequest>,
) -> Result<HttpResponse, ApiError> {
    let accepted = post(&state, &officer, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(accepted))
}

fn refuse(code: &'static str, vi: &'static str, en: &'static str) -> ApiError {
    ApiError::Validation(vec![FieldError::new("text", code, vi, en)])
}

/// Queues the public answer under the ticket's comment (the API and the inbox page).
pub async fn post(
    state: &AppState,
    officer: &Officer,
    id: i32,
    request: PublicReplyRequest,
) -> Result<ReplyAccepted, ApiError> {
    let ticket = visible_ticket(state, officer, id).await?;
    let Some(comment_id) = ticket
        .thread_key
        .clone()
        .filter(|_| ticket.channel == Channel::Facebook)
    else {
        return Err(ApiError::Validation(vec![FieldError::new(
            "ticket",
            "not_a_comment",
            "Chỉ phản ánh từ bình luận trên Trang mới có thể trả lời công khai",
            "only a ticket from a Page comment can be answered in public",
        )]));
    };
    if !request.confirm_public {
        return Err(ApiError::Validation(vec![FieldError::new(
            "confirm_public",
            "required",
            "Trả lời công khai thì ai cũng đọc được: hãy xác nhận",
            "a public reply is read by everyone: confirm it with confirm_public",
        )]));
    }
    let text = request.text.trim();
    let length = text.chars().count();
    if length == 0 || length > COMMENT_MAX_CHARS.min(1000) || has_control_characters(text) {
        return Err(refuse(
            "length",
            "Vui lòng nhập câu trả lời (tối đa 1.000 ký tự)",
            "write the reply, in at most 1,000 characters",
        ));
    }
    let name = contacts::Entity::find_by_id(ticket.contact_id)
        .one(&state.db.read)
        .await?
        .and_then(|c| c.display_name);
    if let Some(why) = personal_data(text, &ticket.tracking_code, name.as_deref()) {
        return Err(why);
    }
    let (txn, ticket) = change_ticket(state, officer, ticket.id).await?;
    // Under the citizen's latest comment on the thread (the thread's first comment when none is newer).
    let latest = ticket_messages::Entity::find()
        .filter(ticket_messages::Column::TicketId.eq(ticket.id))
        .filter(ticket_messages::Column::Direction.eq(Direction::In))
        .filter(ticket_messages::Column::ProviderMessageId.is_not_null())
        .order_by_desc(ticket_messages::Column::Id)
        .one(&txn)
        .await?
        .and_then(|m| m.provider_message_id)
        .unwrap_or(comment_id);
    let now = Utc::now();
    let message = ticket_messages::ActiveModel {
        ticket_id: Set(ticket.id),
        direction: Set(Direction::Out),
        channel: Set(ticket.channel),
        body: Set(text.to_owned()),
        officer_id: Set(Some(officer.id)),
        public: Set(true),
        removed: Set(false),
        hidden: Set(false),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let row = enqueue(
        &txn,
        NewOutbound {
            ticket_id: ticket.id,
            message_id: Some(message.id),
            channel: Channel::Facebook,
            channel_account_id: ticket.channel_account_id,
            kind: OutboundKind::PublicReply,
            purpose: Purpose::OfficerReply,
            recipient: latest.clone(),
            payload: Payload {
                text: fit(text, COMMENT_MAX_CHARS).into_owned(),
                quick_replies: Vec::new(),
            },
        },
    )
    .await?;
    first_reply(&txn, &ticket, now).await?;
    audit::record(
        &txn,
        officer,
        ticket.id,
        "public_reply_sent",
        json!({"message_id": message.id, "comment_id": latest}),
    )
    .await?;
    txn.commit().await?;
    state.intake.outbound.wake();
    metrics::counter!("replies_total", "channel" => "facebook", "delivery" => "public")
        .increment(1);
    Ok(ReplyAccepted {
        message: message_view(message, Some(&row), Vec::new()),
        delivery: DeliveryPlan::Queued,
        reason: None,
    })
}

/// Why `text` must not go out in public, if it carries personal data.
fn personal_data(text: &str, tracking_code: &str, name: Option<&str>) -> Option<ApiError> {
    let digits_run = text
        .split(|c: char| !(c.is_ascii_digit() || matches!(c, ' ' | '.' | '-')))
        .map(|chunk| chunk.chars().filter(char::is_ascii_digit).count())
        .max()
        .unwrap_or(0);
    if digits_run >= 9 {
        return Some(refuse(
            "personal_data",
            "Không ghi số điện thoại hay số giấy tờ trong trả lời công khai",
            "no phone or document numbers in a public reply",
        ));
    }
    let has_email = text.split_whitespace().any(|w| {
        w.split_once('@')
            .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'))
    });
    let folded = fold_for_search(text).replace(' ', "");
    let code = tracking_code.to_ascii_lowercase();
    let named = name
        .map(fold_for_search)
        .filter(|n| n.chars().count() >= 5)
        .is_some_and(|n| fold_for_search(text).contains(&n));
    if has_email || folded.contains(&code) || named {
        return Some(refuse(
            "personal_data",
            "Trả lời công khai không được có địa chỉ thư, mã theo dõi hay họ tên công dân: hãy trả lời riêng",
            "a public reply must not carry an e-mail address, the tracking code or the citizen's name: reply privately",
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_data_is_refused_and_plain_answers_pass() {
        let code = "K7M2P9QX4RTB";
        for text in [
            "Gọi cho chị qua số 0912 345 678 nhé",
            "Liên hệ 0912.345.678",
            "Gửi hồ sơ về an.nguyen@gmail.com",
            "Mã của chị là K7M2-P9QX-4RTB",
            "Chào chị Nguyễn Thị Lan, công an xã đã nhận",
        ] {
            assert!(
                personal_data(text, code, Some("Nguyễn Thị Lan")).is_some(),
                "{text}"
            );
        }
        for text in [
            "Công an xã đã nhận phản ánh và sẽ kiểm tra trong tuần này.",
            "Mời anh chị nhắn tin riêng cho Trang để được hướng dẫn, giờ làm việc 7h30-17h.",
            "Ngày 12/11/2026 đã xử lý xong.",
        ] {
            assert!(
                personal_data(text, code, Some("Nguyễn Thị Lan")).is_none(),
                "{text}"
            );
        }
    }
}
