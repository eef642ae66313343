//! `POST /webhooks/zalo` with the shared fixtures: each has the outcome SOURCES.md gives.
use phananh::domain::{Channel, OutboxState, TicketStatus};
use serde_json::{Value, json};

use crate::channels::{ZALO_APP_ID, zalo_event, zalo_fixture, zalo_signature};
use crate::helpers::{Backend, eventually, metric};
use crate::on_both_backends;

on_both_backends! {
    spawn = crate::channels::channel_app;
    async fn a_zalo_text_becomes_a_ticket_with_an_acknowledgement(app) {
        let body = zalo_fixture("zalo_user_send_text.json");
        let response = app.post_zalo(&body).await;
        assert_eq!(response.status(), 200);
        app.processed().await;
        let tickets = app.tickets().await;
        assert_eq!(tickets.len(), 1);
        assert_eq!(tickets[0].channel, Channel::Zalo);
        let messages = app.messages().await;
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].body, "message");
        assert_eq!(messages[0].provider_message_id.as_deref(), Some("96d3cdf3af150460909"));
        let outbox = app.outbox().await;
        assert_eq!(outbox.len(), 1, "one acknowledgement queued");
        assert_eq!(outbox[0].kind, "zalo_cs");
        assert_eq!(outbox[0].recipient, "246845883529197922");
        let payload: Value = serde_json::from_str(&outbox[0].payload).unwrap();
        let code = crate::helpers::display_code(&tickets[0].tracking_code);
        assert!(payload["text"].as_str().unwrap().contains(&code), "the acknowledgement carries the tracking code");
        // And it reached Zalo: to the citizen, with the code, once; Zalo's message id kept.
        let sent = app.acknowledged(&tickets[0], "zalo_cs", "246845883529197922").await;
        assert_eq!(sent.text, payload["text"].as_str().unwrap());
        let row = &app.outbox().await[0];
        assert_eq!(row.state, OutboxState::Sent);
        assert_eq!(row.provider_message_id.as_deref(), Some("zmsg-out-1"));
    }
}

on_both_backends! {
    spawn = crate::channels::channel_app;
    async fn zalo_attachments_and_locations_are_kept(app) {
        for (name, msg_id) in [
            ("zalo_user_send_image_ASSEMBLED.json", "img-1"),
            ("zalo_user_send_file_ASSEMBLED.json", "file-1"),
            ("zalo_user_send_sticker_ASSEMBLED.json", "sticker-1"),
            ("zalo_user_send_location_ASSEMBLED.json", "loc-1"),
        ] {
            // The assembled samples share one msg_id; give each its own, as real messages have.
            let body = zalo_fixture(name).replace("96d3cdf3af150460909", msg_id);
            assert_eq!(app.post_zalo(&body).await.status(), 200, "{name}");
        }
        app.processed().await;
        let messages = app.messages().await;
        assert_eq!(messages.len(), 4);
        assert_eq!(app.tickets().await.len(), 1, "one citizen, one open conversation");
        let file = messages.iter().find(|m| m.provider_message_id.as_deref() == Some("file-1")).unwrap();
        let attachments: Value = serde_json::from_str(file.attachments.as_deref().unwrap()).unwrap();
        assert_eq!(attachments[0]["name"], "developer.docx");
        assert_eq!(attachments[0]["size"], 233947);
        assert_eq!(attachments[0]["url"], "https://example.invalid/developer.docx");
        let location = messages.iter().find(|m| m.provider_message_id.as_deref() == Some("loc-1")).unwrap();
        assert_eq!(location.lat, Some(10.7642473));
        assert_eq!(location.lon, Some(106.6564314));
    }
}

on_both_backends! {
    spawn = crate::channels::channel_app;
    async fn follow_unfollow_and_submitted_info_update_the_contact_without_a_ticket(app) {
        assert_eq!(app.post_zalo(&zalo_fixture("zalo_follow.json")).await.status(), 200);
        app.processed().await;
        use sea_orm::EntityTrait;
        let identities = entity::contact_identities::Entity::find().all(&app.db).await.unwrap();
        assert_eq!(identities.len(), 1);
        assert_eq!(identities[0].following, Some(true));
        assert_eq!(app.post_zalo(&zalo_fixture("zalo_unfollow_ASSEMBLED.json")).await.status(), 200);
        app.processed().await;
        let identities = entity::contact_identities::Entity::find().all(&app.db).await.unwrap();
        let follower = identities.iter().find(|i| i.external_id == "24684588352919792").unwrap();
        assert_eq!(follower.following, Some(true));
        let unfollower = identities.iter().find(|i| i.external_id == "8958041078911298472").unwrap();
        assert_eq!(unfollower.following, Some(false));
        // The same follower leaving later.
        let leave = zalo_fixture("zalo_follow.json").replace("\"follow\"", "\"unfollow\"").replace("154397978274", "154397979999");
        assert_eq!(app.post_zalo(&leave).await.status(), 200);
        app.processed().await;
        let identities = entity::contact_identities::Entity::find().all(&app.db).await.unwrap();
        let follower = identities.iter().find(|i| i.external_id == "24684588352919792").unwrap();
        assert_eq!(follower.following, Some(false));

        assert_eq!(app.post_zalo(&zalo_fixture("zalo_user_submit_info_SECONDARY.json")).await.status(), 200);
        app.processed().await;
        let identities = entity::contact_identities::Entity::find().all(&app.db).await.unwrap();
        let submitted = identities.iter().find(|i| i.external_id == "246845883529697922").unwrap();
        assert_eq!(submitted.phone.as_deref(), Some("+84912345678"));
        assert!(submitted.phone_verified);
        assert_eq!(submitted.display_name.as_deref(), Some("Name Example"));
        let contact = entity::contacts::Entity::find_by_id(submitted.contact_id).one(&app.db).await.unwrap().unwrap();
        assert_eq!(contact.verified_phone.as_deref(), Some("+84912345678"));
        assert_eq!(app.tickets().await.len(), 0);
    }
}

on_both_backends! {
    spawn = crate::channels::channel_app;
    async fn our_own_sends_and_receipts_never_become_citizen_messages(app) {
        for name in [
            "zalo_oa_send_text_ASSEMBLED.json",
            "zalo_user_received_message_ASSEMBLED.json",
        ] {
            assert_eq!(app.post_zalo(&zalo_fixture(name)).await.status(), 200, "{name}");
        }
        app.processed().await;
        assert_eq!(app.tickets().await.len(), 0);
        assert_eq!(app.messages().await.len(), 0);
    }
}

on_both_backends! {
    spawn = crate::channels::channel_app;
    async fn a_receipt_marks_our_outbound_message_delivered(app) {
        // A citizen writes; we answer (sent to the fake Zalo, which gives its message id); Zalo reports it received.
        assert_eq!(app.post_zalo(&zalo_fixture("zalo_user_send_text.json")).await.status(), 200);
        app.processed().await;
        assert_eq!(app.delivered().await.len(), 1);
        let outbox = app.outbox().await;
        assert_eq!(outbox[0].state, OutboxState::Sent);
        let ours = outbox[0].provider_message_id.clone().unwrap();
        let receipt = zalo_fixture("zalo_user_received_message_ASSEMBLED.json").replace("96d3cdf3af150460909", &ours);
        assert_eq!(app.post_zalo(&receipt).await.status(), 200);
        app.processed().await;
        let outbox = app.outbox().await;
        assert_eq!(outbox[0].state, OutboxState::Delivered);
        assert!(outbox[0].delivered_at.is_some());
    }
}

on_both_backends! {
    spawn = crate::channels::channel_app;
    async fn bad_signatures_and_bodies_are_refused_and_store_nothing(app) {
        let body = zalo_fixture("zalo_user_send_text.json");
        let good = zalo_signature(&body);
        // One byte changed after signing.
        let tampered = body.replacen("message", "messagf", 1);
        let response = app.client.post(app.url("/webhooks/zalo")).header("x-zevent-signature", good.clone()).body(tampered).send().await.unwrap();
        assert_eq!(response.status(), 401);
        let body_json: Value = response.json().await.unwrap();
        assert_eq!(body_json["error"]["code"], "unauthorized");
        let missing = app.client.post(app.url("/webhooks/zalo")).body(body.clone()).send().await.unwrap();
        assert_eq!(missing.status(), 401);
        // Another app's event fails like a bad signature, even when signed with our secret.
        let other_app = body.replace(ZALO_APP_ID, "999");
        assert_eq!(app.post_zalo(&other_app).await.status(), 401);
        let malformed = "{\"app_id\": \"4242424242424242\", \"timestamp\": ";
        let response = app.client.post(app.url("/webhooks/zalo")).header("x-zevent-signature", "mac=00").body(malformed).send().await.unwrap();
        assert_eq!(response.status(), 400);
        let invalid_utf8 = b"{\"app_id\":\"4242424242424242\",\"timestamp\":\"1\",\"x\":\"\xff\"}".to_vec();
        let response = app.client.post(app.url("/webhooks/zalo")).header("x-zevent-signature", "mac=00").body(invalid_utf8).send().await.unwrap();
        assert_eq!(response.status(), 400);
        let huge = json!({"app_id": ZALO_APP_ID, "timestamp": "1", "pad": "x".repeat(300_000)}).to_string();
        assert_eq!(app.post_zalo(&huge).await.status(), 413);
        assert_eq!(app.event_count().await, 0);
    }
}

on_both_backends! {
    spawn = crate::channels::channel_app;
    async fn duplicate_and_concurrent_deliveries_make_one_message(app) {
        let body = zalo_fixture("zalo_user_send_text.json");
        let sends = (0..8).map(|_| app.post_zalo(&body));
        for response in futures_util::future::join_all(sends).await {
            assert_eq!(response.status(), 200);
        }
        assert_eq!(app.post_zalo(&body).await.status(), 200, "a late retry is still acknowledged");
        app.processed().await;
        assert_eq!(app.event_count().await, 1);
        assert_eq!(app.messages().await.len(), 1);
        assert_eq!(app.outbox().await.len(), 1, "one acknowledgement");
    }
}

on_both_backends! {
    own_process;
    spawn = crate::channels::channel_app;
    async fn an_unknown_event_is_accepted_kept_raw_and_counted(app) {
        let body = json!({"app_id": ZALO_APP_ID, "event_name": "user_reacted_message_future", "timestamp": "1700000000000", "sender": {"id": "1"}, "recipient": {"id": "2"}, "message": {"msg_id": "r-1", "react_icon": "/-heart"}}).to_string();
        assert_eq!(app.post_zalo(&body).await.status(), 200);
        app.processed().await;
        use sea_orm::EntityTrait;
        let events = entity::inbound_events::Entity::find().all(&app.db).await.unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].raw_body, body, "kept raw, byte for byte");
        assert_eq!(events[0].event_kind, "user_reacted_message_future");
        assert_eq!(app.tickets().await.len(), 0);
        // This test's process counts only this app's work.
        let metrics = app.metrics().await;
        assert_eq!(metric(&metrics, "webhook_events_unknown_total", &[("channel", "zalo")]), 1.0, "{metrics}");
        assert_eq!(metric(&metrics, "intake_events_total", &[("channel", "zalo"), ("outcome", "unknown")]), 1.0, "{metrics}");
        assert_eq!(metric(&metrics, "webhook_events_total", &[("channel", "zalo")]), 1.0, "{metrics}");
    }
}

on_both_backends! {
    spawn = crate::channels::channel_app;
    async fn a_second_message_joins_the_open_ticket_and_urgent_wording_names_113(app) {
        let mut first: Value = serde_json::from_str(&zalo_fixture("zalo_user_send_text.json")).unwrap();
        first["message"]["text"] = json!("Có trộm đang cạy cửa nhà tôi ở xã Toàn Lưu, cứu với");
        let first = first.to_string();
        assert_eq!(app.post_zalo(&first).await.status(), 200);
        let second = zalo_fixture("zalo_user_send_text.json").replace("96d3cdf3af150460909", "second-msg");
        assert_eq!(app.post_zalo(&second).await.status(), 200);
        app.processed().await;
        let tickets = app.tickets().await;
        assert_eq!(tickets.len(), 1);
        assert!(tickets[0].urgent);
        assert_eq!(tickets[0].unit_code.as_deref(), Some("18634"));
        assert_eq!(app.messages().await.len(), 2);
        let outbox = app.outbox().await;
        assert_eq!(outbox.len(), 1);
        assert!(outbox[0].payload.contains("113"));
        assert!(outbox[0].payload.contains("Toàn Lưu"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zalo_answers_503_until_configured_and_serves_its_domain_check() {
    let app = crate::helpers::spawn_app_with(
        Backend::Sqlite,
        crate::helpers::AppOptions {
            env: &[
                ("ZALO__VERIFICATION_PATH", "zalo_verifierABC123.html"),
                (
                    "ZALO__VERIFICATION_BODY",
                    "zalo-platform-site-verification=ABC123",
                ),
            ],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let response = app
        .post_zalo(&zalo_fixture("zalo_user_send_text.json"))
        .await;
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("zalo.app_id")
    );
    let check = app
        .client
        .get(app.url("/zalo_verifierABC123.html"))
        .send()
        .await
        .unwrap();
    assert_eq!(check.status(), 200);
    assert_eq!(
        check.text().await.unwrap(),
        "zalo-platform-site-verification=ABC123"
    );
    assert_eq!(app.event_count().await, 0);
}

/// A migrated SQLite database with no app running on it: what a stopped process leaves.
async fn stopped_sqlite() -> (std::sync::Arc<crate::helpers::TestDb>, phananh::db::Db) {
    let test_db = std::sync::Arc::new(
        crate::helpers::TestDb::fresh(Backend::Sqlite)
            .await
            .unwrap(),
    );
    let settings = crate::helpers::test_settings(&test_db.url, crate::channels::CHANNEL_ENV);
    let db = phananh::db::Db::connect(&settings.database).await.unwrap();
    db.migrate().await.unwrap();
    (test_db, db)
}

/// Stores a `user_send_text` event of the OA as the webhook would, applied already or not.
async fn store_event(db: &phananh::db::Db, msg_id: &str, raw: String, applied: bool) {
    use sea_orm::{ActiveModelTrait, Set};
    entity::inbound_events::ActiveModel {
        channel: Set(Channel::Zalo),
        account_external_id: Set(Some("388613280878808645".into())),
        dedupe_key: Set(format!("user_send_text:{msg_id}")),
        event_kind: Set("user_send_text".into()),
        raw_body: Set(raw),
        received_at: Set(chrono::Utc::now()),
        processed_at: Set(applied.then(chrono::Utc::now)),
        attempts: Set(0),
        last_error: Set(None),
        ..Default::default()
    }
    .insert(&db.write)
    .await
    .unwrap();
}

/// Spools a `user_send_text` event of the OA as the webhook would have acknowledged it.
fn spool_event(spool: &rusqlite::Connection, msg_id: &str, body: &str) {
    spool
        .execute(
            "INSERT INTO events (channel, account_external_id, dedupe_key, event_kind, raw_body, received_at) \
             VALUES ('zalo', '388613280878808645', ?1, 'user_send_text', ?2, '2026-11-27T01:00:00+00:00')",
            [format!("user_send_text:{msg_id}"), body.to_owned()],
        )
        .unwrap();
}

/// Starts the app on `test_db` again, its acknowledgements going to a fake Zalo.
async fn restart(test_db: std::sync::Arc<crate::helpers::TestDb>) -> crate::helpers::TestApp {
    crate::channels::start_channel_app(
        test_db,
        Backend::Sqlite,
        crate::channels::platform_fakes().await,
        &[],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_resumes_events_stored_before_a_restart() {
    // Events stored but not processed (a crash right after the acknowledgement) are applied on the next start.
    let (test_db, db) = stopped_sqlite().await;
    for i in 0..5 {
        let raw = zalo_fixture("zalo_user_send_text.json")
            .replace("96d3cdf3af150460909", &format!("stored-{i}"));
        store_event(&db, &format!("stored-{i}"), raw, false).await;
    }
    let app = restart(test_db).await;
    app.processed().await;
    eventually("five messages", || async {
        app.messages().await.len() == 5
    })
    .await;
    assert_eq!(app.tickets().await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_applies_events_left_in_the_spool_once() {
    // SQLite: events acknowledged (in the webhook spool) but not yet applied when the process stopped; one of
    // them already stored and applied (a crash after the apply, before the spool forgot it), one spooled twice
    // (a platform retry).
    let (test_db, db) = stopped_sqlite().await;
    let spool_path = db.spool.clone().expect("a SQLite file has a spool");
    let applied = zalo_event(
        "user_send_text",
        "citizen-s",
        "s-0",
        json!({"text": "Tôi ở xã Toàn Lưu, xin hỏi làm căn cước"}),
    );
    store_event(&db, "s-0", applied.clone(), true).await;

    let spool = rusqlite::Connection::open(&spool_path).unwrap();
    let insert = |msg_id: &str, body: &str| spool_event(&spool, msg_id, body);
    insert("s-0", &applied);
    for i in 1..=3 {
        let body = zalo_event(
            "user_send_text",
            "citizen-s",
            &format!("s-{i}"),
            json!({"text": format!("Bổ sung lần {i}")}),
        );
        insert(&format!("s-{i}"), &body);
        if i == 2 {
            insert(&format!("s-{i}"), &body);
        }
    }
    drop(spool);

    let app = restart(test_db).await;
    app.processed().await;
    assert_eq!(app.event_count().await, 4, "each event stored once");
    assert_eq!(
        app.messages().await.len(),
        3,
        "each new message once; the applied one not again"
    );
    assert_eq!(app.tickets().await.len(), 1, "one conversation");
    eventually("the spool forgets what was applied", || async {
        let spool = rusqlite::Connection::open(&spool_path).unwrap();
        spool
            .query_row("SELECT COUNT(*) FROM events", [], |row| {
                row.get::<_, i64>(0)
            })
            .unwrap()
            == 0
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_longer_than_a_run_threads_and_dedupes_across_its_runs() {
    // 1,201 spooled events, one batch applied in runs (of 256) inside one transaction: a citizen's second message
    // runs after the first joins the ticket the first opened, and a retry of an early message is dropped.
    let (test_db, db) = stopped_sqlite().await;
    let spool_path = db.spool.clone().expect("a SQLite file has a spool");
    let spool = rusqlite::Connection::open(&spool_path).unwrap();
    let insert = |msg_id: &str, body: &str| spool_event(&spool, msg_id, body);
    let text = |i: usize| json!({"text": format!("Tôi ở xã Toàn Lưu, hỏi thủ tục cư trú số {i}")});
    let citizen = |i: usize| {
        let msg_id = format!("m-{i}");
        insert(
            &msg_id,
            &zalo_event("user_send_text", &format!("citizen-{i}"), &msg_id, text(i)),
        );
    };
    insert(
        "r-0",
        &zalo_event("user_send_text", "returning", "r-0", text(0)),
    );
    (1..1100).for_each(citizen);
    insert(
        "r-1",
        &zalo_event("user_send_text", "returning", "r-1", text(1100)),
    );
    citizen(7); // a platform retry
    (1100..1199).for_each(citizen);
    drop(spool);

    let app = restart(test_db).await;
    app.processed().await;
    assert_eq!(
        app.event_count().await,
        1200,
        "the retry is not stored twice"
    );
    assert_eq!(app.messages().await.len(), 1200);
    let tickets = app.tickets().await;
    assert_eq!(tickets.len(), 1199, "one ticket per citizen");
    let messages = app.messages().await;
    let returning: Vec<_> = messages
        .iter()
        .filter(|m| {
            m.provider_message_id
                .as_deref()
                .is_some_and(|id| id.starts_with("r-"))
        })
        .collect();
    assert_eq!(returning.len(), 2);
    assert_eq!(
        returning[0].ticket_id, returning[1].ticket_id,
        "the later run joined the earlier run's ticket"
    );
    assert_eq!(
        app.outbox().await.len(),
        1199,
        "one acknowledgement per ticket"
    );
}

on_both_backends! {
    spawn = crate::channels::channel_app;
    async fn a_batch_of_stored_events_is_applied_in_order_as_if_one_by_one(app) {
        // A known citizen with an open ticket, through the webhook as usual.
        let first = zalo_event("user_send_text", "citizen-a", "a-1", json!({"text": "Xin hỏi thủ tục đăng ký tạm trú ở phường Thành Sen"}));
        assert_eq!(app.post_zalo(&first).await.status(), 200);
        app.processed().await;
        let ticket_a = app.tickets().await[0].id;

        // Then events stored together, as the worker finds them after a burst: one batch, in this order.
        let follow = json!({
            "app_id": ZALO_APP_ID, "oa_id": "388613280878808645", "follower": {"id": "citizen-c"},
            "event_name": "follow", "timestamp": "1764000000001",
        })
        .to_string();
        let batch = [
            ("a-2", zalo_event("user_send_location", "citizen-a", "a-2", json!({"attachments": [
                {"type": "location", "payload": {"coordinates": {"latitude": "18.3428", "longitude": "105.9057"}}}]}))),
            ("b-1", zalo_event("user_send_text", "citizen-b", "b-1", json!({"text": "Nhà tôi ở xã Toàn Lưu bị mất trộm xe máy đêm qua"}))),
            ("b-2", zalo_event("user_send_text", "citizen-b", "b-2", json!({"text": "Xe biển số 38A-123.45"}))),
            // A platform retry under another event key: still the same message.
            ("a-1-again", first.clone()),
            ("c-follow", follow),
            ("c-1", zalo_event("user_send_text", "citizen-c", "c-1", json!({"text": "I lost my passport near Ky Anh market, what should I do?"}))),
            ("b-1-again", zalo_event("user_send_text", "citizen-b", "b-1", json!({"text": "Nhà tôi ở xã Toàn Lưu bị mất trộm xe máy đêm qua"}))),
        ];
        use sea_orm::{ActiveModelTrait, Set, TransactionTrait};
        let txn = app.db.begin().await.unwrap();
        for (key, raw) in batch {
            let kind = serde_json::from_str::<Value>(&raw).unwrap()["event_name"].as_str().unwrap().to_owned();
            entity::inbound_events::ActiveModel {
                channel: Set(Channel::Zalo),
                account_external_id: Set(Some("388613280878808645".into())),
                dedupe_key: Set(format!("{kind}:{key}")),
                event_kind: Set(kind),
                raw_body: Set(raw),
                received_at: Set(chrono::Utc::now()),
                processed_at: Set(None),
                attempts: Set(0),
                last_error: Set(None),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .unwrap();
        }
        txn.commit().await.unwrap();
        app.processed().await;

        let tickets = app.tickets().await;
        assert_eq!(tickets.len(), 3, "A's, B's and C's");
        let (a, b, c) = (&tickets[0], &tickets[1], &tickets[2]);
        assert_eq!(a.id, ticket_a);
        assert_eq!((a.lat, a.lon), (Some(18.3428), Some(105.9057)), "A's shared place joins A's ticket");
        assert_ne!(b.contact_id, c.contact_id);
        assert_ne!(b.tracking_code, c.tracking_code);
        assert_eq!(b.topic.as_deref(), Some("public_order"));
        assert_eq!(b.unit_code.as_deref(), Some("18634"), "xã Toàn Lưu");
        assert_eq!(c.language.as_deref(), Some("en"));

        let messages = app.messages().await;
        let on = |ticket: i32| messages.iter().filter(|m| m.ticket_id == ticket).count();
        assert_eq!((on(a.id), on(b.id), on(c.id)), (2, 2, 1), "duplicates made no message");
        let ids: std::collections::HashSet<_> = messages.iter().map(|m| m.provider_message_id.clone()).collect();
        assert_eq!(ids.len(), messages.len());

        // One acknowledgement per new ticket, in the citizen's language.
        let outbox = app.outbox().await;
        let acks: Vec<i32> = outbox.iter().map(|o| o.ticket_id).collect();
        assert_eq!(acks, vec![a.id, b.id, c.id]);
        let c_ack = outbox.iter().find(|o| o.ticket_id == c.id).unwrap();
        assert_eq!(c_ack.recipient, "citizen-c");
        assert!(c_ack.payload.contains("Tracking code"), "{}", c_ack.payload);

        // The follow, applied between B's and C's messages, marked C's identity (the one C's ticket uses).
        use sea_orm::EntityTrait;
        let identity = entity::contact_identities::Entity::find_by_id(c.contact_identity_id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(identity.external_id, "citizen-c");
        assert_eq!(identity.following, Some(true));
    }
}

/// The fixture's OA, owned by xã Toàn Lưu.
async fn owned_oa_app(backend: Backend) -> Option<crate::helpers::TestApp> {
    crate::channels::channel_app_with(
        backend,
        &[
            ("ZALO__OA_ID", "388613280878808645"),
            ("ZALO__UNIT_CODE", "18634"),
        ],
    )
    .await
}

on_both_backends! {
    spawn = owned_oa_app;
    async fn a_message_without_a_place_goes_to_the_unit_that_owns_the_oa(app) {
        let mut body: Value = serde_json::from_str(&zalo_fixture("zalo_user_send_text.json")).unwrap();
        body["message"]["text"] = json!("Cho tôi hỏi thủ tục làm căn cước cho con như thế nào ạ");
        assert_eq!(app.post_zalo(&body.to_string()).await.status(), 200);
        app.processed().await;
        let tickets = app.tickets().await;
        assert_eq!(tickets.len(), 1);
        assert_eq!(tickets[0].unit_code.as_deref(), Some("18634"));
        assert!(tickets[0].routing_reasons.as_deref().unwrap().contains("account_owner"), "{:?}", tickets[0].routing_reasons);
    }
}

on_both_backends! {
    spawn = crate::channels::channel_app;
    async fn a_returning_citizen_without_a_place_is_suggested_their_earlier_unit(app) {
        let mut first: Value = serde_json::from_str(&zalo_fixture("zalo_user_send_text.json")).unwrap();
        first["message"]["text"] = json!("Nhà tôi ở xã Toàn Lưu, xin hỏi thủ tục đăng ký thường trú");
        assert_eq!(app.post_zalo(&first.to_string()).await.status(), 200);
        app.processed().await;
        let earlier = app.tickets().await;
        assert_eq!(earlier[0].unit_code.as_deref(), Some("18634"));
        use sea_orm::{ActiveModelTrait, Set};
        let mut closed: entity::tickets::ActiveModel = earlier[0].clone().into();
        closed.status = Set(TicketStatus::Closed);
        closed.update(&app.db).await.unwrap();

        let mut second = first.clone();
        second["message"]["msg_id"] = json!("returning-1");
        second["message"]["text"] = json!("Cho tôi hỏi thủ tục làm căn cước cho con như thế nào ạ");
        assert_eq!(app.post_zalo(&second.to_string()).await.status(), 200);
        app.processed().await;
        let tickets = app.tickets().await;
        assert_eq!(tickets.len(), 2, "the closed ticket is not joined");
        let new = tickets.iter().find(|t| t.id != earlier[0].id).unwrap();
        assert!(new.routing_reasons.as_deref().unwrap().contains("previous_tickets"), "{:?}", new.routing_reasons);
    }
}
