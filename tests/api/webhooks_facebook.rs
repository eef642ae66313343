//! `GET`/`POST /webhooks/facebook` with the shared fixtures: Messenger and Page feed.
use phananh::domain::OutboxState;
use serde_json::{Value, json};

use crate::channels::{FB_PAGE, FB_VERIFY, as_if_now, fb_fixture, fb_signature, fixture};
use crate::helpers::metric;
use crate::on_both_backends;

/// Wraps one `messaging[]` event or one `changes[]` item in the documented envelope for our Page.
fn envelope(messaging: Option<Value>, change: Option<Value>) -> String {
    let mut entry = json!({"id": FB_PAGE, "time": 1_700_000_000_000u64});
    if let Some(event) = messaging {
        entry["messaging"] = json!([event]);
    }
    if let Some(change) = change {
        entry["changes"] = json!([change]);
    }
    json!({"object": "page", "entry": [entry]}).to_string()
}

fn comment(comment_id: &str, parent_id: &str, from: &str, text: &str, verb: &str) -> Value {
    json!({"field": "feed", "value": {
        "from": {"id": from, "name": "Người dân"}, "item": "comment", "verb": verb,
        "post_id": format!("{FB_PAGE}_1001"), "parent_id": parent_id, "comment_id": comment_id,
        "created_time": 1_700_000_100, "message": text
    }})
}

on_both_backends! {
    spawn = crate::channels::channel_app;
    async fn the_verify_token_handshake(app) {
        let ok = app
            .client
            .get(app.url(&format!("/webhooks/facebook?hub.mode=subscribe&hub.verify_token={FB_VERIFY}&hub.challenge=1158201444")))
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 200);
        assert_eq!(ok.text().await.unwrap(), "1158201444");
        let wrong = app
            .client
            .get(app.url("/webhooks/facebook?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1"))
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 403);
    }
}

on_both_backends! {
    spawn = crate::channels::channel_app;
    async fn messenger_text_image_postback_and_quick_reply_become_citizen_messages(app) {
        // As if written now: an answer goes out only within 24 hours of the citizen's message.
        for name in ["fb_messaging_text.json", "fb_messaging_image.json", "fb_messaging_postback.json"] {
            assert_eq!(app.post_facebook(&as_if_now(&fb_fixture(name))).await.status(), 200, "{name}");
        }
        let quick: Value = serde_json::from_str(&fixture("fb_messaging_text_quick_reply_event_DOC.json").replace("<PAGE_ID>", FB_PAGE)).unwrap();
        assert_eq!(app.post_facebook(&as_if_now(&envelope(Some(quick), None))).await.status(), 200);
        app.processed().await;
        let messages = app.messages().await;
        assert_eq!(messages.len(), 4);
        assert!(messages.iter().any(|m| m.body == "yes"));
        let image = messages.iter().find(|m| m.attachments.as_deref().is_some_and(|a| a.contains("IMAGE_URL"))).unwrap();
        assert!(image.attachments.as_deref().unwrap().contains("\"kind\":\"image\""));
        let postback = messages.iter().find(|m| m.body == "USER_DEFINED_PAYLOAD").unwrap();
        assert!(postback.attachments.as_deref().unwrap().contains("postback"));
        let quick = messages.iter().find(|m| m.body == "hello, world!").unwrap();
        assert!(quick.attachments.as_deref().unwrap().contains("<DEVELOPER_DEFINED_PAYLOAD>"));
        let outbox = app.outbox().await;
        assert!(outbox.iter().all(|o| o.kind == "messenger"));
        let tickets = app.tickets().await;
        assert_eq!(outbox.len(), tickets.len(), "one acknowledgement per new ticket");
        // Each reached the Send API, to the citizen who wrote.
        for ticket in &tickets {
            let psid = outbox.iter().find(|o| o.ticket_id == ticket.id).unwrap().recipient.clone();
            app.acknowledged(ticket, "messenger", &psid).await;
        }
        assert_eq!(app.delivered().await.len(), tickets.len(), "nothing else was sent");
    }
}

on_both_backends! {
    spawn = crate::channels::channel_app;
    async fn a_page_comment_is_one_ticket_acknowledged_privately(app) {
        // One comment as if written now; the other as the sample has it, years ago.
        let fresh = as_if_now(&fb_fixture("fb_feed_comment_add.json"));
        assert_eq!(app.post_facebook(&fresh).await.status(), 200);
        assert_eq!(app.post_facebook(&fb_fixture("fb_feed_comment_add_on_post.json")).await.status(), 200);
        app.processed().await;
        let tickets = app.tickets().await;
        assert_eq!(tickets.len(), 2);
        assert_eq!(tickets[0].thread_key.as_deref(), Some("690891113073877_759878495960329"));
        let outbox = app.outbox().await;
        assert_eq!(outbox.len(), 2);
        assert!(outbox.iter().all(|o| o.kind == "private_reply"), "never a public reply with a tracking code");
        assert_eq!(outbox[0].recipient, "690891113073877_759878495960329");
        // The fresh comment's private reply reached the Graph API, addressed to the comment.
        app.acknowledged(&tickets[0], "private_reply", "690891113073877_759878495960329").await;
        // The old one is past Facebook's 7 days: not attempted, and the officer sees why.
        assert_eq!(app.delivered().await.len(), 1);
        let old = app.outbox().await.into_iter().find(|o| o.ticket_id == tickets[1].id).unwrap();
        assert_eq!(old.state, OutboxState::Undeliverable);
        assert!(old.last_error.as_deref().unwrap().contains("7 days"), "{:?}", old.last_error);
    }
}

on_both_backends! {
    spawn = crate::channels::channel_app;
    async fn replies_in_a_thread_join_their_authors_ticket_and_others_get_their_own(app) {
        let top = "1001_1";
        let parent = format!("{FB_PAGE}_1001");
        let events = [
            comment(top, &parent, "citizen-a", "Đường xóm 3 xã Toàn Lưu mất điện 3 ngày", "add"),
            comment("1001_2", top, "citizen-a", "Cập nhật: vẫn chưa có điện", "add"),
            comment("1001_3", top, "citizen-b", "Nhà tôi cũng vậy", "add"),
            comment("1001_4", top, FB_PAGE, "Công an xã đã tiếp nhận", "add"),
        ];
        for event in events {
            assert_eq!(app.post_facebook(&envelope(None, Some(event))).await.status(), 200);
        }
        app.processed().await;
        let tickets = app.tickets().await;
        assert_eq!(tickets.len(), 2, "citizen A's thread and citizen B's own");
        let messages = app.messages().await;
        assert_eq!(messages.len(), 3, "the Page's own comment is not a citizen message");
        assert_eq!(messages.iter().filter(|m| m.ticket_id == tickets[0].id).count(), 2);
    }
}

on_both_backends! {
    spawn = crate::channels::channel_app;
    async fn edits_removals_and_hiding_update_the_comment(app) {
        let parent = format!("{FB_PAGE}_1001");
        let add = comment("1001_9", &parent, "citizen-a", "Xin hỏi thủ tục tạm trú", "add");
        assert_eq!(app.post_facebook(&envelope(None, Some(add))).await.status(), 200);
        // The shared fixtures, re-pointed at this comment.
        let mut edited: Value = serde_json::from_str(&fixture("fb_feed_comment_edited_ASSEMBLED_from_bottender.json")).unwrap();
        edited["value"]["comment_id"] = json!("1001_9");
        assert_eq!(app.post_facebook(&envelope(None, Some(edited))).await.status(), 200);
        app.processed().await;
        let message = app.messages().await.pop().unwrap();
        assert_eq!(message.body, "Great");
        assert_eq!(message.original_body.as_deref(), Some("Xin hỏi thủ tục tạm trú"));
        assert!(message.edited_at.is_some());

        let mut hide: Value = serde_json::from_str(&fixture("fb_feed_comment_hide_entry.json")).unwrap();
        hide["id"] = json!(FB_PAGE);
        hide["changes"][0]["value"]["comment_id"] = json!("1001_9");
        let body = json!({"object": "page", "entry": [hide]}).to_string();
        assert_eq!(app.post_facebook(&body).await.status(), 200);
        app.processed().await;
        assert!(app.messages().await.pop().unwrap().hidden);

        let mut remove: Value = serde_json::from_str(&fixture("fb_feed_comment_remove_ASSEMBLED_from_bottender.json")).unwrap();
        remove["value"]["comment_id"] = json!("1001_9");
        assert_eq!(app.post_facebook(&envelope(None, Some(remove))).await.status(), 200);
        app.processed().await;
        assert!(app.messages().await.pop().unwrap().removed);
        assert_eq!(app.tickets().await.len(), 1);
    }
}

on_both_backends! {
    spawn = crate::channels::channel_app;
    async fn receipts_echoes_and_page_posts_make_no_ticket(app) {
        for name in ["fb_delivery.json", "fb_read.json", "fb_feed_post_remove.json"] {
            assert_eq!(app.post_facebook(&fb_fixture(name)).await.status(), 200, "{name}");
        }
        let echo = json!({"sender": {"id": FB_PAGE}, "recipient": {"id": "psid-1"}, "timestamp": 1_700_000_000_000u64,
            "message": {"mid": "m_echo_1", "is_echo": true, "app_id": 1, "metadata": "1", "text": "Công an xã đã nhận"}});
        assert_eq!(app.post_facebook(&envelope(Some(echo), None)).await.status(), 200);
        app.processed().await;
        assert_eq!(app.tickets().await.len(), 0);
        assert_eq!(app.messages().await.len(), 0);
        assert!(app.event_count().await >= 4);
    }
}

on_both_backends! {
    own_process;
    spawn = crate::channels::channel_app;
    async fn a_batch_of_entries_counts_every_event_and_unknown_pages_are_not_stored(app) {
        let event = |mid: &str, psid: &str, text: &str| json!({"sender": {"id": psid}, "recipient": {"id": FB_PAGE}, "timestamp": 1_700_000_000_000u64, "message": {"mid": mid, "text": text}});
        let body = json!({"object": "page", "entry": [
            {"id": FB_PAGE, "time": 1, "messaging": [event("m1", "p1", "Tôi bị mất giấy tờ xe"), event("m2", "p2", "Hỏi về VNeID mức 2")]},
            {"id": FB_PAGE, "time": 2, "messaging": [event("m3", "p1", "Bổ sung: biển số 38A")], "changes": [comment("c1", &format!("{FB_PAGE}_9"), "p9", "Ồn ào quá đêm qua", "add")]},
            {"id": "999999999", "time": 3, "messaging": [event("m4", "p4", "other page")]}
        ]})
        .to_string();
        assert_eq!(app.post_facebook(&body).await.status(), 200);
        app.processed().await;
        assert_eq!(app.event_count().await, 4, "the unknown Page's event is stored nowhere");
        assert_eq!(app.messages().await.len(), 4);
        assert_eq!(app.tickets().await.len(), 3);
        // This test's process counts only this app's work: the one entry of an unknown Page, the four events.
        let metrics = app.metrics().await;
        assert_eq!(metric(&metrics, "webhook_events_ignored_total", &[("channel", "facebook"), ("reason", "unknown_account")]), 1.0, "{metrics}");
        assert_eq!(metric(&metrics, "webhook_events_total", &[("channel", "facebook")]), 4.0, "{metrics}");
        assert_eq!(metric(&metrics, "tickets_created_total", &[("channel", "facebook")]), 3.0, "{metrics}");
    }
}

on_both_backends! {
    spawn = crate::channels::channel_app;
    async fn signatures_are_checked_over_the_exact_bytes_with_escaped_vietnamese(app) {
        // Facebook sends Vietnamese \u-escaped; the signature covers those bytes, not a re-serialisation.
        let body = format!(
            r#"{{"object":"page","entry":[{{"id":"{FB_PAGE}","time":1,"messaging":[{{"sender":{{"id":"p1"}},"recipient":{{"id":"{FB_PAGE}"}},"timestamp":1700000000000,"message":{{"mid":"m-esc","text":"\u0110\u01b0\u1eddng b\u1ecb ng\u1eadp"}}}}]}}]}}"#
        );
        assert_eq!(app.post_facebook(&body).await.status(), 200);
        let mut tampered = body.clone().into_bytes();
        let at = tampered.len() - 10;
        tampered[at] ^= 1;
        let response = app
            .client
            .post(app.url("/webhooks/facebook"))
            .header("x-hub-signature-256", fb_signature(body.as_bytes()))
            .body(tampered)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        let missing = app.client.post(app.url("/webhooks/facebook")).body(body.clone()).send().await.unwrap();
        assert_eq!(missing.status(), 401);
        let malformed = "{\"object\": \"page\", \"entry\": [";
        let response = app
            .client
            .post(app.url("/webhooks/facebook"))
            .header("x-hub-signature-256", fb_signature(malformed.as_bytes()))
            .body(malformed)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        app.processed().await;
        let messages = app.messages().await;
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].body, "Đường bị ngập");
        assert_eq!(messages[0].language.as_deref(), Some("vi"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facebook_answers_503_until_configured() {
    let app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    assert_eq!(
        app.post_facebook(&fb_fixture("fb_messaging_text.json"))
            .await
            .status(),
        503
    );
    let handshake = app
        .client
        .get(app.url("/webhooks/facebook?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(handshake.status(), 503);
}
