//! `POST /api/v1/feedback`: creation, validation (422 with field errors), limits, duplicates, collisions.
use phananh::domain::{Channel, Direction};
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{Value, json};

use crate::helpers::{AppOptions, Backend, TestApp, fixed_codes, spawn_app_with};
use crate::on_both_backends;

on_both_backends! {
    async fn json_feedback_creates_a_ticket_with_a_tracking_code(app) {
        let response = app
            .post_feedback_json(json!({
                "text": "Xin hỏi thủ tục đăng ký thường trú ở xã Toàn Lưu",
                "name": "Lê Văn C",
                "phone": "+84 912.345.678",
                "location": {"lat": 18.36, "lon": 105.87}
            }))
            .await;
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.unwrap();
        let code = body["tracking_code"].as_str().unwrap();
        assert_eq!(code.len(), 14, "XXXX-XXXX-XXXX");
        assert!(!code.contains(['0', 'O', '1', 'I']));
        assert_eq!(body["status"], "new");
        let tracked: Value = app
            .client
            .get(app.url(&format!("/api/v1/track/{code}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(tracked["status"], "new");
        assert_eq!(tracked["replies"], json!([]));

        use sea_orm::EntityTrait;
        let identities = entity::contact_identities::Entity::find().all(&app.db).await.unwrap();
        assert_eq!(identities.len(), 1);
        assert_eq!(identities[0].phone.as_deref(), Some("+84912345678"), "phone normalised to +84");
        let tickets = entity::tickets::Entity::find().all(&app.db).await.unwrap();
        assert_eq!(tickets[0].lat, Some(18.36));
        assert!(tickets[0].routing_reasons.is_some(), "the routing decision is stored with its reasons");
    }
}

on_both_backends! {
    async fn five_thousand_accented_characters_pass_and_one_more_does_not(app) {
        let at_limit = "ệ".repeat(5_000);
        let response = app.post_feedback_json(json!({"text": at_limit})).await;
        assert_eq!(response.status(), 201);
        let over = "ệ".repeat(5_001);
        let response = app.post_feedback_json(json!({"text": over})).await;
        assert_eq!(response.status(), 422);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "validation_failed");
        assert_eq!(body["error"]["fields"][0]["field"], "text");
        assert_eq!(body["error"]["fields"][0]["code"], "too_long");
        assert_eq!(app.ticket_count().await, 1);
    }
}

on_both_backends! {
    async fn every_bad_field_is_reported_at_once(app) {
        let response = app
            .post_feedback_json(json!({"text": "", "phone": "abc", "email": "x@", "unit_code": "99999", "location": {"lat": 123.0, "lon": 0.0}}))
            .await;
        assert_eq!(response.status(), 422);
        let body: Value = response.json().await.unwrap();
        let mut fields: Vec<_> = body["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().to_owned()).collect();
        fields.sort();
        assert_eq!(fields, ["email", "location", "phone", "text", "unit_code"]);
        assert!(body["error"]["message"].as_str().unwrap().contains("phone"));
        assert_eq!(app.ticket_count().await, 0);
    }
}

on_both_backends! {
    async fn malformed_and_oversized_bodies_get_clear_errors(app) {
        let malformed = app
            .client
            .post(app.url("/api/v1/feedback"))
            .header("content-type", "application/json")
            .body(r#"{"text": "thiếu ngoặc""#)
            .send()
            .await
            .unwrap();
        assert_eq!(malformed.status(), 400);
        let body: Value = malformed.json().await.unwrap();
        assert_eq!(body["error"]["code"], "bad_request");

        let invalid_utf8 = app
            .client
            .post(app.url("/api/v1/feedback"))
            .header("content-type", "application/json")
            .body(b"{\"text\": \"\xff\xfe\"}".to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(invalid_utf8.status(), 400);

        let huge = json!({"text": "a".repeat(300_000)});
        let too_large = app.post_feedback_json(huge).await;
        assert_eq!(too_large.status(), 413);
        let body: Value = too_large.json().await.unwrap();
        assert_eq!(body["error"]["code"], "payload_too_large");

        let form_too_large = app
            .client
            .post(app.url("/feedback"))
            .form(&[("text", "b".repeat(300_000))])
            .send()
            .await
            .unwrap();
        assert_eq!(form_too_large.status(), 413);
        assert_eq!(app.ticket_count().await, 0);
    }
}

on_both_backends! {
    async fn injection_in_text_is_stored_as_text_and_escaped_on_pages(app) {
        let nasty = "'); DROP TABLE tickets; -- <script>alert(1)</script>";
        let raw_tag = "<script>alert(1)</script>";
        let response = app.post_feedback_json(json!({"text": nasty})).await;
        assert_eq!(response.status(), 201);
        let created: Value = response.json().await.unwrap();
        let code = created["tracking_code"].as_str().unwrap().to_owned();
        assert_eq!(app.ticket_count().await, 1);
        use sea_orm::{ActiveModelTrait, EntityTrait, Set};
        let message = entity::ticket_messages::Entity::find().one(&app.db).await.unwrap().unwrap();
        assert_eq!(message.body, nasty);

        // The form shows a citizen's text again when another field is refused: as text, not as markup.
        let (token, _) = app.open_form("").await;
        let refused = app
            .submit_form(&[("csrf_token", token.as_str()), ("text", nasty), ("phone", "abc")])
            .await;
        assert_eq!(refused.status(), 422);
        let html = refused.text().await.unwrap();
        assert!(!html.contains(raw_tag), "the text is escaped on the form page:\n{html}");
        let shown = {
            let doc = scraper::Html::parse_document(&html);
            let textarea = scraper::Selector::parse("textarea#text").unwrap();
            doc.select(&textarea).next().expect("the text field").text().collect::<String>()
        };
        assert_eq!(shown, nasty, "and shown back whole");

        // The public tracking page shows the ticket's public replies: a reply carrying such text is text too.
        let ticket = entity::tickets::Entity::find().one(&app.db).await.unwrap().unwrap();
        entity::ticket_messages::ActiveModel {
            ticket_id: Set(ticket.id),
            direction: Set(Direction::Out),
            channel: Set(Channel::Form),
            provider_message_id: Set(None),
            body: Set(nasty.into()),
            original_body: Set(None),
            attachments: Set(None),
            lat: Set(None),
            lon: Set(None),
            language: Set(Some("vi".into())),
            language_confidence: Set(None),
            language_method: Set(None),
            officer_id: Set(None),
            public: Set(true),
            removed: Set(false),
            hidden: Set(false),
            edited_at: Set(None),
            created_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
        let page = app.client.get(app.url(&format!("/track/{code}"))).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(!html.contains(raw_tag), "the reply is escaped on the tracking page:\n{html}");
        let replies: Vec<String> = {
            let doc = scraper::Html::parse_document(&html);
            let reply = scraper::Selector::parse("ol.replies li p").unwrap();
            doc.select(&reply).map(|p| p.text().collect()).collect()
        };
        assert_eq!(replies, [nasty]);
        assert_eq!(app.ticket_count().await, 1, "the refused form made no ticket");
    }
}

impl TestApp {
    async fn post_feedback_with_key(&self, key: &str, body: Value) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/feedback"))
            .header("idempotency-key", key)
            .json(&body)
            .send()
            .await
            .unwrap()
    }
}

on_both_backends! {
    async fn a_retry_with_the_same_idempotency_key_joins_the_ticket_it_opened(app) {
        let first: Value = app
            .post_feedback_with_key("retry-7f3a", json!({"text": "Xe máy của tôi bị mất ở chợ", "phone": "0912345678"}))
            .await
            .json()
            .await
            .unwrap();
        let again = app
            .post_feedback_with_key("retry-7f3a", json!({"text": "  xe may cua toi bi mat o cho ", "phone": "+84912345678"}))
            .await;
        assert_eq!(again.status(), 200);
        let again: Value = again.json().await.unwrap();
        assert_eq!(again["tracking_code"], first["tracking_code"]);
        assert_eq!(again["duplicate"], true);
        let other_text = app.post_feedback_with_key("retry-7f3a", json!({"text": "Một chuyện khác hẳn"})).await;
        assert_eq!(other_text.status(), 201);
        assert_eq!(app.ticket_count().await, 2);
        let absurd = app.post_feedback_with_key(&"k".repeat(201), json!({"text": "Xe máy của tôi bị mất ở chợ"})).await;
        assert_eq!(absurd.status(), 400);
        assert_eq!(app.ticket_count().await, 2);
    }
}

on_both_backends! {
    async fn typed_details_never_join_or_reveal_another_person_s_ticket(app) {
        // Two people behind one address (all tests come from 127.0.0.1), the second typing the first's phone.
        let first: Value = app
            .post_feedback_json(json!({"text": "Mất xe máy ở chợ", "name": "Lan", "phone": "0912345678", "email": "lan@example.vn"}))
            .await
            .json()
            .await
            .unwrap();
        let second = app
            .post_feedback_json(json!({"text": "Mất xe máy ở chợ", "name": "Kẻ giả danh", "phone": "0912345678", "email": "x@example.vn"}))
            .await;
        assert_eq!(second.status(), 201, "a new ticket, not the first one's code");
        let second: Value = second.json().await.unwrap();
        assert_ne!(second["tracking_code"], first["tracking_code"]);
        let identities = entity::contact_identities::Entity::find().order_by_asc(entity::contact_identities::Column::Id)
            .all(&app.db).await.unwrap();
        assert_eq!(identities.len(), 2, "each submission is its own contact");
        // The first person's details are untouched.
        assert_eq!(identities[0].display_name.as_deref(), Some("Lan"));
        assert_eq!(identities[0].email.as_deref(), Some("lan@example.vn"));
        assert_ne!(identities[0].contact_id, identities[1].contact_id);
        let contacts = entity::contacts::Entity::find().order_by_asc(entity::contacts::Column::Id)
            .all(&app.db).await.unwrap();
        // Only a hint for officers links them.
        assert_eq!(contacts[1].possibly_same_as, Some(contacts[0].id));
        // The stored duplicate key is a keyed hash, not a hash of the address and text anyone can redo.
        let tickets = entity::tickets::Entity::find().all(&app.db).await.unwrap();
        assert!(tickets.iter().all(|t| t.dedupe_hash.is_none()), "no resubmission key, nothing to compare");
    }
}

async fn rate_limit_case(backend: Backend) {
    let Some(app) = spawn_app_with(
        backend,
        AppOptions {
            env: &[("FORM__RATE_LIMIT_PER_MINUTE", "3")],
            ..Default::default()
        },
    )
    .await
    else {
        return;
    };
    for i in 0..3 {
        let response = app
            .post_feedback_json(json!({"text": format!("Phản ánh số {i}")}))
            .await;
        assert_eq!(response.status(), 201);
    }
    let limited = app
        .post_feedback_json(json!({"text": "Phản ánh số 4"}))
        .await;
    assert_eq!(limited.status(), 429);
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let body: Value = limited.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    // The HTML form shares the same allowance.
    let (token, _) = app.open_form("").await;
    let form = app
        .submit_form(&[("csrf_token", token.as_str()), ("text", "Phản ánh số 5")])
        .await;
    assert_eq!(form.status(), 429);
    assert!(form.headers().contains_key("retry-after"));
    assert_eq!(app.ticket_count().await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_answers_429_with_retry_after_sqlite() {
    rate_limit_case(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_answers_429_with_retry_after_postgres() {
    rate_limit_case(Backend::Postgres).await;
}

async fn collision_case(backend: Backend) {
    let Some(app) = spawn_app_with(
        backend,
        AppOptions {
            tracking_codes: Some(fixed_codes(vec![
                "AAAA-BBBB-CCCC",
                "AAAA-BBBB-CCCC",
                "AAAA-BBBB-CCCC",
                "DDDD-EEEE-FFFF",
            ])),
            ..Default::default()
        },
    )
    .await
    else {
        return;
    };
    let first: Value = app
        .post_feedback_json(json!({"text": "Phản ánh thứ nhất"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["tracking_code"], "AAAA-BBBB-CCCC");
    let second = app
        .post_feedback_json(json!({"text": "Phản ánh thứ hai"}))
        .await;
    assert_eq!(second.status(), 201);
    let second: Value = second.json().await.unwrap();
    assert_eq!(
        second["tracking_code"], "DDDD-EEEE-FFFF",
        "the colliding codes were drawn again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tracking_code_collision_is_drawn_again_sqlite() {
    collision_case(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tracking_code_collision_is_drawn_again_postgres() {
    collision_case(Backend::Postgres).await;
}

async fn busy_form(backend: Backend) -> Option<TestApp> {
    spawn_app_with(
        backend,
        AppOptions {
            env: &[("FORM__RATE_LIMIT_PER_MINUTE", "1000")],
            ..Default::default()
        },
    )
    .await
}

on_both_backends! {
    spawn = busy_form;
    async fn concurrent_submissions_are_written_together_as_if_one_by_one(app) {
        // Sent at once, so the writer batches them: senders with a phone, anonymous ones, and a resend.
        let mut requests = Vec::new();
        for i in 0..12 {
            requests.push((Some(format!("key-{i}")), json!({"text": format!("Hỏi về tạm trú, lần {i}"), "phone": "0912000111", "name": format!("Hoa {i}")})));
            requests.push((None, json!({"text": format!("Mất giấy tờ xe số {i}")})));
        }
        requests.push((Some("key-0".to_owned()), json!({"text": "Hỏi về tạm trú, lần 0", "phone": "0912000111"})));
        let app = &app;
        let responses = futures_util::future::join_all(requests.iter().map(|(key, body)| async move {
            match key {
                Some(key) => app.post_feedback_with_key(key, body.clone()).await,
                None => app.post_feedback_json(body.clone()).await,
            }
        }))
        .await;
        let mut codes = Vec::new();
        let mut joined = 0;
        for response in responses {
            // 201 for a new ticket, 200 for the one that joined its identical twin (whichever came second).
            match response.status().as_u16() {
                201 => {}
                200 => joined += 1,
                other => panic!("status {other}"),
            }
            let body: Value = response.json().await.unwrap();
            codes.push(body["tracking_code"].as_str().unwrap().to_owned());
        }
        assert_eq!(joined, 1);
        // The resend of "lần 0" is that ticket; everything else is its own.
        assert_eq!(codes[24], codes[0]);
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), 24);
        assert_eq!(app.ticket_count().await, 24);

        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let tickets = entity::tickets::Entity::find().all(&app.db).await.unwrap();
        let identities: std::collections::HashSet<i32> = tickets.iter().map(|t| t.contact_identity_id).collect();
        assert_eq!(identities.len(), 24, "typed details join nothing: a contact per submission");
        let same_phone = entity::contact_identities::Entity::find()
            .filter(entity::contact_identities::Column::Phone.eq("+84912000111"))
            .order_by_asc(entity::contact_identities::Column::Id)
            .all(&app.db)
            .await
            .unwrap();
        assert_eq!(same_phone.len(), 12);
        // Each later one is marked as possibly the same person as the one before it (within the batch too).
        let contacts = entity::contacts::Entity::find().order_by_asc(entity::contacts::Column::Id).all(&app.db).await.unwrap();
        let hint = |contact_id: i32| contacts.iter().find(|c| c.id == contact_id).unwrap().possibly_same_as;
        assert_eq!(hint(same_phone[0].contact_id), None);
        for pair in same_phone.windows(2) {
            assert_eq!(hint(pair[1].contact_id), Some(pair[0].contact_id));
        }
        let messages = entity::ticket_messages::Entity::find().all(&app.db).await.unwrap();
        assert_eq!(messages.len(), 24, "the resend added no message");
        assert!(
            tickets.iter().all(|t| t.routing_reasons.is_some() && t.routing_confidence.is_some()),
            "every ticket carries its automatic routing decision"
        );
    }
}
