//! The intake worker, pinned through what citizens and officers see. Citizen messages (Zalo, Messenger, Page
//! comments) are applied a run at a time; when a run fails, each of its messages is applied alone (a run of one).
//! These pins were written against the two paths intake had before (a batch path and a one-at-a-time path) and
//! hold for the one path it has now. A test makes a run fail with a real database fault: a trigger
//! that refuses any message whose text says POISON. Each pin below runs on both paths (`on_both_paths!`) and
//! both databases with the same expectations.
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{Duration, Utc};
use phananh::domain::{Channel, OutboxState};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};
use serde_json::{Value, json};

use crate::channels::{
    FB_PAGE, OA, channel_app, channel_app_with, platform_fakes, start_channel_app, zalo_event,
};
use crate::helpers::{Backend, TestApp, display_code, eventually, metric};
use crate::on_both_backends;

/// Which way a run's messages are applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    /// As they come: the messages are applied in runs.
    Fast,
    /// A poisoned message leads each batch, so its run fails and every message is applied alone.
    Fallback,
}

/// Runs the body on SQLite and PostgreSQL, in runs and alone after a failed run.
macro_rules! on_both_paths {
    (spawn = $spawn:path; async fn $name:ident($app:ident, $path:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($app: TestApp, $path: Path) $body

            async fn run(backend: Backend, path: Path) {
                let Some(app) = $spawn(backend).await else {
                    assert_eq!(backend, Backend::Postgres, "a SQLite app starts");
                    return;
                };
                if path == Path::Fallback {
                    poison(&app).await;
                }
                body(app, path).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite_fast() {
                run(Backend::Sqlite, Path::Fast).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite_fallback() {
                run(Backend::Sqlite, Path::Fallback).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres_fast() {
                run(Backend::Postgres, Path::Fast).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres_fallback() {
                run(Backend::Postgres, Path::Fallback).await;
            }
        }
    };
}

/// What the trigger refuses.
const POISON: &str = "POISON";

/// A trigger on `ticket_messages` that refuses, as a database fault, any message whose text says POISON.
async fn poison(app: &TestApp) {
    let statements: &[&str] = match app.db.get_database_backend() {
        DbBackend::Sqlite => &["CREATE TRIGGER poison BEFORE INSERT ON ticket_messages \
             WHEN NEW.body LIKE '%POISON%' \
             BEGIN SELECT RAISE(ABORT, 'poisoned message refused by the test trigger'); END"],
        _ => &[
            "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             IF NEW.body LIKE '%POISON%' THEN \
             RAISE EXCEPTION 'poisoned message refused by the test trigger'; END IF; \
             RETURN NEW; END $$",
            "CREATE TRIGGER poison BEFORE INSERT ON ticket_messages \
             FOR EACH ROW EXECUTE FUNCTION poison()",
        ],
    };
    for sql in statements {
        app.db
            .execute_unprepared(sql)
            .await
            .expect("poison trigger");
    }
}

/// A new message id for each poisoned message.
fn poison_id() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("poison-{}", NEXT.fetch_add(1, Ordering::SeqCst))
}

fn text(words: &str) -> Value {
    json!({ "text": words })
}

fn location(lat: f64, lon: f64) -> Value {
    json!({"attachments": [{"type": "location", "payload": {"coordinates": {
        "latitude": lat.to_string(), "longitude": lon.to_string()}}}]})
}

/// A Messenger message from `psid` to the test's Page, written now.
fn messenger(psid: &str, mid: &str, words: &str) -> Value {
    json!({"sender": {"id": psid}, "recipient": {"id": FB_PAGE}, "timestamp": Utc::now().timestamp_millis(),
        "message": {"mid": mid, "text": words}})
}

/// One webhook body carrying `events` for the test's Page.
fn page_body(events: Vec<Value>) -> String {
    json!({"object": "page", "entry": [{"id": FB_PAGE, "time": Utc::now().timestamp_millis(), "messaging": events}]})
        .to_string()
}

impl TestApp {
    /// Posts Zalo `events` while the intake worker is held, so it applies them in one batch (on the fallback
    /// path after a poisoned message of a citizen of its own), and waits until all is applied.
    async fn zalo_burst(&self, path: Path, events: &[String]) {
        let held = self.hold_intake().await;
        if path == Path::Fallback {
            let poisoned = zalo_event(
                "user_send_text",
                "citizen-poison",
                &poison_id(),
                text(&format!("{POISON}: this run must fail")),
            );
            assert_eq!(self.post_zalo(&poisoned).await.status(), 200);
        }
        for event in events {
            assert_eq!(self.post_zalo(event).await.status(), 200, "{event}");
        }
        drop(held);
        self.applied(path).await;
    }

    /// Posts one Facebook body with Messenger `events` (on the fallback path led by a poisoned message) and
    /// waits until all is applied.
    async fn messenger_burst(&self, path: Path, events: Vec<Value>) {
        let mut all = Vec::new();
        if path == Path::Fallback {
            all.push(messenger(
                "psid-poison",
                &poison_id(),
                &format!("{POISON}: this run must fail"),
            ));
        }
        all.extend(events);
        assert_eq!(self.post_facebook(&page_body(all)).await.status(), 200);
        self.applied(path).await;
    }

    /// Waits until every event is applied or set aside; on the fallback path checks that every poisoned
    /// message failed and was set aside, so each run it led was indeed applied a message at a time.
    async fn applied(&self, path: Path) {
        self.processed().await;
        let poisoned: Vec<_> = entity::inbound_events::Entity::find()
            .all(&self.db)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.raw_body.contains(POISON))
            .collect();
        match path {
            Path::Fast => assert!(poisoned.is_empty()),
            Path::Fallback => {
                assert!(!poisoned.is_empty());
                for event in poisoned {
                    assert_eq!(event.attempts, 5, "{event:?}");
                    assert!(
                        event
                            .last_error
                            .as_deref()
                            .unwrap_or_default()
                            .contains("poisoned"),
                        "{event:?}"
                    );
                }
            }
        }
    }

    /// A ticket's messages' provider ids, in order.
    async fn message_ids(&self, ticket: i32) -> Vec<String> {
        self.messages()
            .await
            .into_iter()
            .filter(|m| m.ticket_id == ticket)
            .filter_map(|m| m.provider_message_id)
            .collect()
    }

    /// Moves a ticket's last activity `ago` into the past, as time passing would.
    async fn last_active(&self, ticket: i32, ago: Duration) {
        entity::tickets::Entity::update_many()
            .col_expr(
                entity::tickets::Column::LastActivityAt,
                Expr::value(Utc::now() - ago),
            )
            .filter(entity::tickets::Column::Id.eq(ticket))
            .exec(&self.db)
            .await
            .unwrap();
    }

    /// The ticket of the citizen who sent message `provider_id`.
    async fn ticket_of(&self, provider_id: &str) -> entity::tickets::Model {
        let message = self
            .messages()
            .await
            .into_iter()
            .find(|m| m.provider_message_id.as_deref() == Some(provider_id))
            .unwrap_or_else(|| panic!("no message {provider_id}"));
        self.tickets()
            .await
            .into_iter()
            .find(|t| t.id == message.ticket_id)
            .unwrap()
    }
}

on_both_paths! {
    spawn = channel_app;
    async fn a_burst_of_direct_messages_is_threaded_routed_and_acknowledged(app, path) {
        app.zalo_burst(path, &[
            zalo_event("user_send_text", "citizen-a", "a-1", text("Có trộm đang cạy cửa nhà tôi ở xã Toàn Lưu, cứu với")),
            zalo_event("user_send_text", "citizen-b", "b-1", text("I lost my passport near Ky Anh market, what should I do?")),
            zalo_event("user_send_text", "citizen-a", "a-2", text("Nhà số 12 gần chợ")),
            zalo_event("user_send_text", "citizen-c", "c-1", text("Xin hỏi thủ tục đăng ký tạm trú ở phường Thành Sen")),
            zalo_event("user_send_text", "citizen-b", "b-2", text("It was a blue passport")),
        ]).await;

        let tickets = app.tickets().await;
        assert_eq!(tickets.len(), 3, "one ticket per citizen");
        let (a, b, c) = (app.ticket_of("a-1").await, app.ticket_of("b-1").await, app.ticket_of("c-1").await);
        assert_eq!(app.message_ids(a.id).await, ["a-1", "a-2"]);
        assert_eq!(app.message_ids(b.id).await, ["b-1", "b-2"]);
        assert_eq!(app.message_ids(c.id).await, ["c-1"]);
        assert!(a.urgent && !b.urgent && !c.urgent);
        assert_eq!(a.unit_code.as_deref(), Some("18634"), "xã Toàn Lưu");
        assert_eq!(c.unit_code.as_deref(), Some("18073"), "phường Thành Sen");
        assert_eq!(b.language.as_deref(), Some("en"));
        assert_eq!(a.summary, "Có trộm đang cạy cửa nhà tôi ở xã Toàn Lưu, cứu với");

        // Each citizen got one acknowledgement, in their language, with their code; the urgent one names 113.
        let to_a = app.acknowledged(&a, "zalo_cs", "citizen-a").await;
        assert!(to_a.text.contains("113") && to_a.text.contains("Toàn Lưu"), "{}", to_a.text);
        let to_b = app.acknowledged(&b, "zalo_cs", "citizen-b").await;
        assert!(to_b.text.starts_with("The ") && to_b.text.contains("Tracking code"), "{}", to_b.text);
        let to_c = app.acknowledged(&c, "zalo_cs", "citizen-c").await;
        assert!(to_c.text.contains("Mã theo dõi") && !to_c.text.contains("113"), "{}", to_c.text);
        assert_eq!(app.delivered().await.len(), 3, "nothing else was sent");
    }
}

on_both_paths! {
    spawn = channel_app;
    async fn a_new_ticket_takes_its_place_from_its_second_message_in_the_same_run(app, path) {
        app.zalo_burst(path, &[
            zalo_event("user_send_text", "citizen-d", "d-1", text("Đường làng bị ngập sâu, xe không đi được")),
            zalo_event("user_send_location", "citizen-d", "d-2", location(18.3428, 105.9057)),
            zalo_event("user_send_location", "citizen-e", "e-1", location(18.3, 105.8)),
            zalo_event("user_send_location", "citizen-e", "e-2", location(18.5, 105.6)),
        ]).await;

        let (d, e) = (app.ticket_of("d-1").await, app.ticket_of("e-1").await);
        assert_eq!(app.tickets().await.len(), 2);
        assert_eq!((d.lat, d.lon), (Some(18.3428), Some(105.9057)), "the place shared second");
        assert_eq!(app.message_ids(d.id).await, ["d-1", "d-2"]);
        assert_eq!((e.lat, e.lon), (Some(18.3), Some(105.8)), "a later place does not move the first");
        assert_eq!(e.summary, "[vị trí / location]");
        app.acknowledged(&d, "zalo_cs", "citizen-d").await;
        app.acknowledged(&e, "zalo_cs", "citizen-e").await;
    }
}

on_both_paths! {
    spawn = channel_app;
    async fn attachment_only_messages_open_tickets_summarised_by_their_kind(app, path) {
        let image = json!({"text": "", "attachments": [{"type": "image", "payload": {"url": "https://example.invalid/a.jpg"}}]});
        let sticker = json!({"attachments": [{"type": "sticker", "payload": {"id": "s-1", "url": "https://example.invalid/s.png"}}]});
        let file = json!({"attachments": [{"type": "file", "payload": {"url": "https://example.invalid/f.pdf", "name": "don.pdf", "size": "1024", "type": "pdf"}}]});
        app.zalo_burst(path, &[
            zalo_event("user_send_image", "citizen-f", "f-1", image),
            zalo_event("user_send_sticker", "citizen-g", "g-1", sticker),
            zalo_event("user_send_file", "citizen-h", "h-1", file),
        ]).await;

        for (id, citizen, summary) in [
            ("f-1", "citizen-f", "[image]"),
            ("g-1", "citizen-g", "[sticker]"),
            ("h-1", "citizen-h", "[file]"),
        ] {
            let ticket = app.ticket_of(id).await;
            assert_eq!(ticket.summary, summary, "{id}");
            assert_eq!(ticket.language, None, "{id}: no text, no language");
            let sent = app.acknowledged(&ticket, "zalo_cs", citizen).await;
            assert!(sent.text.contains("Mã theo dõi"), "in Vietnamese: {}", sent.text);
        }
        let file = app.messages().await.into_iter().find(|m| m.provider_message_id.as_deref() == Some("h-1")).unwrap();
        assert!(file.attachments.as_deref().unwrap().contains("don.pdf"));
        assert_eq!(app.tickets().await.len(), 3);
    }
}

on_both_paths! {
    spawn = channel_app;
    async fn the_thread_window_is_seven_days_and_the_latest_open_ticket_takes_the_message(app, path) {
        app.zalo_burst(path, &[zalo_event("user_send_text", "citizen-t", "t-1", text("Xin hỏi thủ tục cấp lại căn cước"))]).await;
        let first = app.ticket_of("t-1").await;

        // Eight days without a word: the next message opens a ticket of its own, acknowledged as new.
        app.last_active(first.id, Duration::days(8)).await;
        app.zalo_burst(path, &[zalo_event("user_send_text", "citizen-t", "t-2", text("Tôi muốn hỏi thêm về hộ chiếu"))]).await;
        let second = app.ticket_of("t-2").await;
        assert_ne!(second.id, first.id, "a ticket idle for 8 days is not joined");
        app.acknowledged(&second, "zalo_cs", "citizen-t").await;

        // Both open within the window: the one active last takes the message, though the other is newer.
        app.last_active(first.id, Duration::days(2)).await;
        app.last_active(second.id, Duration::days(6) + Duration::hours(20)).await;
        app.zalo_burst(path, &[zalo_event("user_send_text", "citizen-t", "t-3", text("Bổ sung giấy tờ"))]).await;
        assert_eq!(app.message_ids(first.id).await, ["t-1", "t-3"]);
        // Six days and twenty hours is still inside the window.
        app.zalo_burst(path, &[
            zalo_event("user_send_text", "citizen-u", "u-1", text("Xin hỏi về đăng ký xe")),
        ]).await;
        let other = app.ticket_of("u-1").await;
        app.last_active(other.id, Duration::days(6) + Duration::hours(20)).await;
        app.zalo_burst(path, &[zalo_event("user_send_text", "citizen-u", "u-2", text("Xe máy ạ"))]).await;
        assert_eq!(app.message_ids(other.id).await, ["u-1", "u-2"]);

        assert_eq!(app.tickets().await.len(), 3);
        assert_eq!(app.message_ids(second.id).await, ["t-2"]);
        assert_eq!(app.delivered().await.len(), 3, "joining a ticket sends no acknowledgement");
    }
}

/// The fixtures' OA configured as owned by xã Toàn Lưu.
async fn owned_oa_app(backend: Backend) -> Option<TestApp> {
    channel_app_with(
        backend,
        &[("ZALO__OA_ID", OA), ("ZALO__UNIT_CODE", "18634")],
    )
    .await
}

on_both_paths! {
    spawn = owned_oa_app;
    async fn an_account_s_stored_unit_routes_after_the_settings_stop_naming_it(app, path) {
        // Started once with the OA owned by xã Toàn Lưu; started again with no OA named (any OA of the app is
        // served): the account keeps its unit in the database, not in the settings.
        let backend = match app.db.get_database_backend() {
            DbBackend::Sqlite => Backend::Sqlite,
            _ => Backend::Postgres,
        };
        let test_db = app.stop().await;
        let app = start_channel_app(test_db, backend, platform_fakes().await, &[]).await;
        assert!(app.state.intake.served.units.is_empty(), "the settings name no unit");

        let question = "Cho tôi hỏi thủ tục làm căn cước cho con như thế nào ạ";
        let mut elsewhere: Value = serde_json::from_str(&zalo_event("user_send_text", "citizen-w", "w-1", text(question))).unwrap();
        elsewhere["recipient"]["id"] = json!("777000111");
        app.zalo_burst(path, &[
            zalo_event("user_send_text", "citizen-v", "v-1", text(question)),
            elsewhere.to_string(),
        ]).await;
        let owned = app.ticket_of("v-1").await;
        assert_eq!(owned.unit_code.as_deref(), Some("18634"));
        assert!(owned.routing_reasons.as_deref().unwrap().contains("account_owner"), "{:?}", owned.routing_reasons);
        // The same words on an OA that no unit owns: no such hint.
        let other = app.ticket_of("w-1").await;
        assert!(!other.routing_reasons.as_deref().unwrap_or_default().contains("account_owner"), "{:?}", other.routing_reasons);
        assert_ne!(other.unit_code.as_deref(), Some("18634"));
        let sent = app.acknowledged(&owned, "zalo_cs", "citizen-v").await;
        assert!(sent.text.contains("Toàn Lưu"), "{}", sent.text);
    }
}

/// Stores `events` (dedupe key, kind, raw body) of the test's Page together, as an event store would.
async fn store_page_events(app: &TestApp, events: Vec<(String, &str, String)>) {
    let txn = app.db.begin().await.unwrap();
    for (key, kind, raw) in events {
        entity::inbound_events::ActiveModel {
            channel: Set(Channel::Facebook),
            account_external_id: Set(Some(FB_PAGE.into())),
            dedupe_key: Set(key),
            event_kind: Set(kind.into()),
            raw_body: Set(raw),
            received_at: Set(Utc::now()),
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
}

/// A Messenger event as the Facebook webhook stores it.
fn stored_messaging(event: &Value) -> String {
    json!({"page_id": FB_PAGE, "time": Utc::now().timestamp_millis(), "messaging": event})
        .to_string()
}

on_both_paths! {
    spawn = channel_app;
    async fn a_messenger_retry_under_a_new_event_key_makes_no_second_message(app, path) {
        let first = messenger("psid-r", "m-r-1", "Xe máy của tôi bị mất ở chợ Hà Tĩnh");
        app.messenger_burst(path, vec![first.clone()]).await;
        let ticket = app.ticket_of("m-r-1").await;

        // The same messages stored again under other event keys (the dedupe key changed between versions, a
        // replay): an earlier one, and a new one twice in the same batch.
        let second = messenger("psid-r", "m-r-2", "Xe màu đỏ, biển số 38A-123.45");
        let mut batch = Vec::new();
        if path == Path::Fallback {
            let poisoned = messenger("psid-poison", &poison_id(), &format!("{POISON}: this run must fail"));
            batch.push((format!("message:{}", poison_id()), "message", stored_messaging(&poisoned)));
        }
        batch.extend([
            ("message:m-r-1:replayed".to_owned(), "message", stored_messaging(&first)),
            ("message:m-r-2".to_owned(), "message", stored_messaging(&second)),
            ("message:m-r-2:replayed".to_owned(), "message", stored_messaging(&second)),
        ]);
        store_page_events(&app, batch).await;
        app.applied(path).await;

        assert_eq!(app.tickets().await.len(), 1);
        assert_eq!(app.message_ids(ticket.id).await, ["m-r-1", "m-r-2"], "each message once");
        app.acknowledged(&ticket, "messenger", "psid-r").await;
        assert_eq!(app.delivered().await.len(), 1, "one acknowledgement");
    }
}

/// A Page comment written now, with its `created_time` as given.
fn comment(
    comment_id: &str,
    parent_id: &str,
    from: &str,
    words: &str,
    created_time: Value,
) -> Value {
    json!({"field": "feed", "value": {
        "from": {"id": from, "name": "Người dân"}, "item": "comment", "verb": "add",
        "post_id": format!("{FB_PAGE}_2002"), "parent_id": parent_id, "comment_id": comment_id,
        "created_time": created_time, "message": words
    }})
}

fn feed_body(change: Value) -> String {
    json!({"object": "page", "entry": [{"id": FB_PAGE, "time": Utc::now().timestamp(), "changes": [change]}]})
        .to_string()
}

/// PostgreSQL, several instances: a citizen's next message taken by one instance while another is still applying
/// their last one (its transaction open, its ticket not yet visible) joins that ticket once the other commits,
/// rather than opening a second ticket for the same conversation. The other instance is played by a transaction
/// that holds the citizen's identity as the worker does (`intake::messages::lock_senders`) and reopens their
/// ticket, as a new message of theirs would open one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_citizens_next_message_waits_for_the_instance_applying_their_last() {
    let Some(app) = channel_app(Backend::Postgres).await else {
        return;
    };
    let first = zalo_event(
        "user_send_text",
        "citizen-race",
        "race-1",
        text("Xin hỏi thủ tục đăng ký tạm trú"),
    );
    assert_eq!(app.post_zalo(&first).await.status(), 200);
    app.processed().await;
    let ticket = app.tickets().await.remove(0);
    entity::tickets::Entity::update_many()
        .col_expr(entity::tickets::Column::Status, Expr::value("closed"))
        .filter(entity::tickets::Column::Id.eq(ticket.id))
        .exec(&app.db)
        .await
        .unwrap();

    let other = app.db.begin().await.unwrap();
    other
        .execute_unprepared(&format!(
            "SELECT id FROM contact_identities WHERE id = {} FOR UPDATE",
            ticket.contact_identity_id
        ))
        .await
        .unwrap();
    other
        .execute_unprepared(&format!(
            "UPDATE tickets SET status = 'in_progress', last_activity_at = now() WHERE id = {}",
            ticket.id
        ))
        .await
        .unwrap();
    let next = zalo_event(
        "user_send_text",
        "citizen-race",
        "race-2",
        text("Tôi cần mang theo giấy tờ gì?"),
    );
    assert_eq!(app.post_zalo(&next).await.status(), 200);
    // The worker waits for the other instance's citizen.
    waiting_on_a_lock(&app).await;
    assert_eq!(app.pending_events().await, 1, "applied without waiting");
    other.commit().await.unwrap();
    app.processed().await;

    let tickets = app.tickets().await;
    assert_eq!(tickets.len(), 1, "one conversation, one ticket");
    let on_it: Vec<_> = app
        .messages()
        .await
        .into_iter()
        .filter(|m| m.ticket_id == ticket.id)
        .filter_map(|m| m.provider_message_id)
        .collect();
    assert_eq!(on_it, ["race-1", "race-2"]);
}

/// Until a session of the app's database waits for a lock (fails after 10 s).
async fn waiting_on_a_lock(app: &TestApp) {
    eventually("a session waits for a lock", || async {
        let row = app
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                DbBackend::Postgres,
                "SELECT COUNT(*) AS n FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap() > 0
    })
    .await;
}

/// PostgreSQL: two instances meeting a new OA at once (its first messages in two batches) both add its account;
/// the later one waits for the first to commit and reads its row, rather than fail (which failed its whole run
/// of messages, then applied them one by one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_instances_adding_the_same_new_oa_get_one_row() {
    let Some(app) = channel_app(Backend::Postgres).await else {
        return;
    };
    let settings = app.state.settings.clone();
    let first = app.db.begin().await.unwrap();
    let created =
        phananh::accounts::find_or_create(&first, &settings, Channel::Zalo, "oa-new-to-both")
            .await
            .unwrap();
    let second = {
        let db = app.db.clone();
        let settings = settings.clone();
        tokio::spawn(async move {
            let txn = db.begin().await.unwrap();
            let found =
                phananh::accounts::find_or_create(&txn, &settings, Channel::Zalo, "oa-new-to-both")
                    .await;
            txn.commit().await.unwrap();
            found
        })
    };
    waiting_on_a_lock(&app).await;
    assert!(
        !second.is_finished(),
        "the second did not wait for the first"
    );
    first.commit().await.unwrap();
    let found = second
        .await
        .unwrap()
        .expect("the second reads the first's row");
    assert_eq!(found.id, created.id);
}

on_both_backends! {
    spawn = channel_app;
    async fn a_comment_retry_under_a_new_event_key_makes_no_second_message(app) {
        // The same comments delivered again with `created_time` written another way: a new event key each.
        let now = Utc::now();
        let post = format!("{FB_PAGE}_2002");
        let top = |created: Value| comment("2002_1", &post, "commenter-1", "Đèn đường thôn 3 xã Toàn Lưu hỏng cả tuần", created);
        let reply = |created: Value| comment("2002_2", "2002_1", "commenter-1", "Vẫn chưa ai sửa", created);
        for change in [
            top(json!(now.timestamp())),
            top(json!(now.to_rfc3339())),
            reply(json!(now.timestamp())),
            reply(json!(now.to_rfc3339())),
        ] {
            assert_eq!(app.post_facebook(&feed_body(change)).await.status(), 200);
        }
        app.processed().await;
        assert_eq!(app.event_count().await, 4, "four event keys");
        let tickets = app.tickets().await;
        assert_eq!(tickets.len(), 1);
        assert_eq!(app.message_ids(tickets[0].id).await, ["2002_1", "2002_2"], "each comment once");
        app.acknowledged(&tickets[0], "private_reply", "2002_1").await;
        assert_eq!(app.delivered().await.len(), 1, "one private reply");
    }
}

on_both_backends! {
    own_process;
    spawn = channel_app;
    async fn an_event_failing_five_times_is_set_aside_and_the_ones_behind_it_go_on(app) {
        poison(&app).await;
        let poisoned = zalo_event("user_send_text", "citizen-x", "x-1", text(&format!("{POISON}: Tôi phản ánh tiếng ồn")));
        {
            let _held = app.hold_intake().await;
            for event in [
                zalo_event("user_send_text", "citizen-y", "y-1", text("Xin hỏi thủ tục tạm trú")),
                poisoned.clone(),
                zalo_event("user_send_text", "citizen-z", "z-1", text("Xin hỏi thủ tục thường trú")),
            ] {
                assert_eq!(app.post_zalo(&event).await.status(), 200);
            }
        }
        app.processed().await;

        // Set aside: kept as received, with its error, tried five times and no more.
        let events = entity::inbound_events::Entity::find().all(&app.db).await.unwrap();
        let failed = events.iter().find(|e| e.raw_body == poisoned).expect("the failing event is kept");
        assert_eq!(failed.attempts, 5);
        assert!(failed.processed_at.is_some(), "set aside: no longer pending");
        assert!(failed.last_error.as_deref().unwrap().contains("poisoned message refused"), "{:?}", failed.last_error);
        // The others of its run were applied, and acknowledged.
        let (y, z) = (app.ticket_of("y-1").await, app.ticket_of("z-1").await);
        app.acknowledged(&y, "zalo_cs", "citizen-y").await;
        app.acknowledged(&z, "zalo_cs", "citizen-z").await;

        // Behind it, the same citizen's next message goes on.
        assert_eq!(app.post_zalo(&zalo_event("user_send_text", "citizen-x", "x-2", text("Tôi phản ánh tiếng ồn ban đêm"))).await.status(), 200);
        app.processed().await;
        let x = app.ticket_of("x-2").await;
        assert_eq!(app.message_ids(x.id).await, ["x-2"]);
        app.acknowledged(&x, "zalo_cs", "citizen-x").await;
        let again = entity::inbound_events::Entity::find_by_id(failed.id).one(&app.db).await.unwrap().unwrap();
        assert_eq!((again.attempts, again.processed_at), (5, failed.processed_at), "not tried again");
        assert_eq!(app.tickets().await.len(), 3);

        // This test's process counts only this app's work: one event set aside, three tickets.
        let metrics = app.metrics().await;
        assert_eq!(metric(&metrics, "intake_events_failed_total", &[("channel", "zalo")]), 1.0, "{metrics}");
        assert_eq!(metric(&metrics, "intake_events_total", &[("channel", "zalo"), ("outcome", "new_ticket")]), 3.0, "{metrics}");
    }
}

/// PostgreSQL: two instances on one database split the events (SKIP LOCKED), each applying a batch longer than
/// a run (256) in several runs. Every message lands once; every acknowledgement reaches the fake once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_batches_over_a_run_on_two_instances_land_each_message_once() {
    let Some(test_db) = crate::helpers::TestDb::fresh(Backend::Postgres).await else {
        return;
    };
    let test_db = std::sync::Arc::new(test_db);
    let fakes = platform_fakes().await;
    let (a, b) = tokio::join!(
        start_channel_app(test_db.clone(), Backend::Postgres, fakes.clone(), &[]),
        start_channel_app(test_db.clone(), Backend::Postgres, fakes.clone(), &[]),
    );
    const BODIES: usize = 2;
    const PER_BODY: usize = 300;
    let bodies: Vec<String> = (0..BODIES)
        .map(|body| {
            page_body(
                (0..PER_BODY)
                    .map(|i| {
                        let n = body * PER_BODY + i;
                        messenger(
                            &format!("psid-{n}"),
                            &format!("m-{n}"),
                            &format!("Xin hỏi thủ tục tạm trú số {n}"),
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    // Each body is stored by one statement. Instance A takes the first as one batch; while A holds it
    // (locked for its transaction) the second arrives and B, released then, skips A's rows and takes it.
    let held_b = b.hold_intake().await;
    {
        let _held_a = a.hold_intake().await;
        assert_eq!(a.post_facebook(&bodies[0]).await.status(), 200);
    }
    eventually("instance A holds its batch", || async {
        let locks =
            a.db.query_one_raw(sea_orm::Statement::from_string(
                DbBackend::Postgres,
                "SELECT COUNT(*) AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
                 WHERE c.relname = 'inbound_events' AND l.mode = 'RowShareLock'",
            ))
            .await
            .unwrap()
            .unwrap();
        locks.try_get::<i64>("", "n").unwrap() > 0 || a.pending_events().await == 0
    })
    .await;
    assert_eq!(b.post_facebook(&bodies[1]).await.status(), 200);
    drop(held_b);
    a.processed().await;

    let total = BODIES * PER_BODY;
    let messages = a.messages().await;
    let ids: std::collections::HashSet<_> = messages
        .iter()
        .filter_map(|m| m.provider_message_id.clone())
        .collect();
    assert_eq!(
        (messages.len(), ids.len()),
        (total, total),
        "every message once"
    );
    assert_eq!(a.tickets().await.len(), total);
    assert_eq!(a.event_count().await, total as u64);
    eventually("every acknowledgement sent", || async {
        a.outbox()
            .await
            .iter()
            .all(|o| o.state == OutboxState::Sent)
    })
    .await;
    let sent = a.sent().await;
    let recipients: std::collections::HashSet<_> =
        sent.iter().map(|s| s.recipient.clone()).collect();
    assert_eq!(
        (sent.len(), recipients.len()),
        (total, total),
        "one acknowledgement each, sent once"
    );
    let codes: std::collections::HashSet<String> = a
        .tickets()
        .await
        .iter()
        .map(|t| display_code(&t.tracking_code))
        .collect();
    assert!(
        sent.iter()
            .all(|s| codes.iter().any(|c| s.text.contains(c.as_str())))
    );
}

on_both_backends! {
    spawn = channel_app;
    async fn a_citizen_s_second_new_ticket_in_a_run_is_suggested_the_unit_of_the_first(app) {
        // Two top-level comments by one new commenter on two posts, applied in one run: two tickets, and the
        // placeless second one has the first one's unit as its earlier-ticket hint, as it would a run later.
        let now = json!(Utc::now().timestamp());
        let first = comment("2002_7", &format!("{FB_PAGE}_2002"), "commenter-7", "Đèn đường thôn 3 xã Toàn Lưu hỏng cả tuần", now.clone());
        let mut second = comment("2003_1", &format!("{FB_PAGE}_2003"), "commenter-7", "Cho tôi hỏi thủ tục làm căn cước cho con như thế nào ạ", now);
        second["value"]["post_id"] = json!(format!("{FB_PAGE}_2003"));
        {
            let _held = app.hold_intake().await;
            for change in [first, second] {
                assert_eq!(app.post_facebook(&feed_body(change)).await.status(), 200);
            }
        }
        app.processed().await;
        let tickets = app.tickets().await;
        assert_eq!(tickets.len(), 2, "a top-level comment opens a ticket of its own");
        let placed = tickets.iter().find(|t| t.thread_key.as_deref() == Some("2002_7")).unwrap();
        assert_eq!(placed.unit_code.as_deref(), Some("18634"));
        let placeless = tickets.iter().find(|t| t.thread_key.as_deref() == Some("2003_1")).unwrap();
        assert!(
            placeless.routing_reasons.as_deref().unwrap().contains("previous_tickets"),
            "{:?}",
            placeless.routing_reasons
        );
    }
}
