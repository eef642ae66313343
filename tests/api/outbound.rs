//! Delivery through the outbox against local fakes of Zalo and the Graph API that answer as the platforms do
//! (Zalo: HTTP 200 with a non-zero `error`; Graph: the real error bodies of the shared fixtures). Every expected
//! call is counted (`expect(n)`) and anything unexpected hits a catch-all that expects none: nothing is sent
//! twice, nothing is sent that should not be.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, Database, DatabaseConnection, EntityTrait, PaginatorTrait, Set,
    TransactionTrait,
};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, body_partial_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use entity::{channel_accounts, contact_identities, contacts, outbox, ticket_messages, tickets};
use phananh::domain::{Channel, Direction, OutboxState, Purpose, TicketStatus, TrackingCode};
use phananh::outbound::receipts::{self, Echo};
use phananh::outbound::{self, NewOutbound, OutboundKind, Payload};

use crate::helpers::{AppOptions, Backend, Fakes, TestApp, TestDb, start_on};

const ZALO_APP_ID: &str = "4143457341523540060";
const ZALO_APP_SECRET: &str = "zalo-app-secret";
const CS_PATH: &str = "/v3.0/oa/message/cs";
const TOKEN_PATH: &str = "/v4/oa/access_token";
const SEND_API: &str = "/v25.0/me/messages";
const PAGE_ID: &str = "1122334455";
const PAGE_TOKEN: &str = "page-token-1";

/// Runs the body on SQLite and, when PostgreSQL answers, on PostgreSQL (the body returns early when it does not).
/// `own_process;`: each in a process of its own, for tests that read metrics (`helpers::in_own_process`).
macro_rules! on_both {
    (own_process; async fn $name:ident($backend:ident) $body:block) => {
        on_both! { @tests [own] $name($backend) $body }
    };
    (async fn $name:ident($backend:ident) $body:block) => {
        on_both! { @tests [] $name($backend) $body }
    };
    (@tests [$($own:ident)?] $name:ident($backend:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($backend: Backend) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $( on_both!(@$own "sqlite"); )?
                body(Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $( on_both!(@$own "postgres"); )?
                body(Backend::Postgres).await;
            }
        }
    };
    (@own $test:literal) => {
        if !crate::helpers::in_own_process(concat!(module_path!(), "::", $test)).await {
            return;
        }
    };
}

/// The app with its outbox worker pointed at a fake Zalo (API and OAuth) and a fake Graph API.
struct World {
    app: TestApp,
    db_url: String,
    zalo: Arc<MockServer>,
    graph: Arc<MockServer>,
    fakes: Fakes,
    backend: Backend,
    extra: Vec<(String, String)>,
}

impl World {
    async fn start(backend: Backend, extra: &[(&str, &str)]) -> Option<World> {
        // Anything no test announced hits the fakes' tripwires: counted, and a failure at the end.
        let fakes = Fakes::tripwires().await;
        let test_db = Arc::new(TestDb::fresh(backend).await?);
        let extra: Vec<(String, String)> = extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let db_url = test_db.url.clone();
        let app = start_app(test_db, backend, &fakes, &extra).await;
        Some(World {
            app,
            db_url,
            zalo: fakes.zalo.clone(),
            graph: fakes.graph.clone(),
            fakes,
            backend,
            extra,
        })
    }

    /// Stops the server and starts the app again on the same database, as after a crash.
    async fn restart(self) -> World {
        let World {
            app,
            db_url,
            zalo,
            graph,
            fakes,
            backend,
            extra,
        } = self;
        let test_db = app.stop().await;
        let app = start_app(test_db, backend, &fakes, &extra).await;
        World {
            app,
            db_url,
            zalo,
            graph,
            fakes,
            backend,
            extra,
        }
    }

    fn db(&self) -> &DatabaseConnection {
        &self.app.db
    }

    async fn verify(&self) {
        self.zalo.verify().await;
        self.graph.verify().await;
    }

    /// Checks the fakes' counts once nothing more can reach them: no row is left `pending` or `sending`, and the
    /// app has stopped, its outbox worker having recorded the sends in flight. A worker that sent anything twice
    /// has done so by then.
    async fn finish(&self) {
        let open: Vec<(i32, OutboxState)> = outbox::Entity::find()
            .all(self.db())
            .await
            .unwrap()
            .into_iter()
            .filter(|row| row.state == OutboxState::Pending || row.state == OutboxState::Sending)
            .map(|row| (row.id, row.state))
            .collect();
        assert!(open.is_empty(), "rows still to be sent: {open:?}");
        self.app.shut_down().await;
        self.verify().await;
    }
}

async fn start_app(
    test_db: Arc<TestDb>,
    backend: Backend,
    fakes: &Fakes,
    extra: &[(String, String)],
) -> TestApp {
    let env = fakes_env(fakes, extra);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    start_on(
        test_db,
        backend,
        AppOptions {
            env: &env,
            fakes: Some(fakes.clone()),
            ..Default::default()
        },
    )
    .await
}

/// Settings overrides that point the outbound worker at the fakes, with short backoff and polling.
fn fakes_env(fakes: &Fakes, extra: &[(String, String)]) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = fakes.env();
    env.extend([
        ("ZALO__APP_ID".into(), ZALO_APP_ID.into()),
        ("ZALO__APP_SECRET".into(), ZALO_APP_SECRET.into()),
        ("FACEBOOK__GRAPH_VERSION".into(), "v25.0".into()),
        ("OUTBOUND__BACKOFF_BASE_MS".into(), "20".into()),
        ("OUTBOUND__BACKOFF_MAX_SECS".into(), "1".into()),
        ("OUTBOUND__POLL_INTERVAL_MS".into(), "25".into()),
        ("OUTBOUND__HTTP_TIMEOUT_SECS".into(), "5".into()),
    ]);
    env.extend(extra.iter().cloned());
    env
}

/// A citizen who wrote on `channel` at `wrote_at`, with the account the ticket came in on.
struct Citizen {
    account_id: i32,
    ticket_id: i32,
    user_id: String,
}

async fn account(
    db: &DatabaseConnection,
    channel: Channel,
    external_id: &str,
    token: &str,
    refresh: Option<&str>,
) -> i32 {
    let now = Utc::now();
    channel_accounts::ActiveModel {
        channel: Set(channel),
        external_id: Set(external_id.into()),
        name: Set(None),
        unit_code: Set(None),
        access_token: Set(Some(token.into())),
        refresh_token: Set(refresh.map(str::to_owned)),
        token_expires_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

async fn citizen(
    db: &DatabaseConnection,
    channel: Channel,
    account_id: i32,
    user_id: &str,
    wrote_at: DateTime<Utc>,
    message_id: &str,
) -> Citizen {
    let now = Utc::now();
    let contact = contacts::ActiveModel {
        display_name: Set(None),
        verified_phone: Set(None),
        possibly_same_as: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let identity = contact_identities::ActiveModel {
        contact_id: Set(contact.id),
        channel: Set(channel),
        account_external_id: Set("account".into()),
        external_id: Set(user_id.into()),
        display_name: Set(None),
        phone: Set(None),
        phone_verified: Set(false),
        email: Set(None),
        following: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let ticket = tickets::ActiveModel {
        tracking_code: Set(TrackingCode::generate().as_str().to_owned()),
        channel: Set(channel),
        channel_account_id: Set(Some(account_id)),
        contact_id: Set(contact.id),
        contact_identity_id: Set(identity.id),
        thread_key: Set(None),
        unit_code: Set(None),
        status: Set(TicketStatus::New),
        summary: Set("Mất xe máy".into()),
        language: Set(Some("vi".into())),
        topic: Set(None),
        legal_track: Set(None),
        classification: Set(None),
        urgent: Set(false),
        routing_confidence: Set(None),
        routing_reasons: Set(None),
        suggested_unit_code: Set(None),
        submitted_unit_code: Set(None),
        assigned_officer_id: Set(None),
        lat: Set(None),
        lon: Set(None),
        dedupe_hash: Set(None),
        due_at: Set(None),
        created_at: Set(wrote_at),
        updated_at: Set(wrote_at),
        last_activity_at: Set(wrote_at),
        resolved_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    ticket_messages::ActiveModel {
        ticket_id: Set(ticket.id),
        direction: Set(Direction::In),
        channel: Set(channel),
        provider_message_id: Set(Some(message_id.into())),
        body: Set("Tôi bị mất xe máy ở chợ".into()),
        original_body: Set(None),
        attachments: Set(None),
        lat: Set(None),
        lon: Set(None),
        language: Set(Some("vi".into())),
        language_confidence: Set(None),
        language_method: Set(None),
        officer_id: Set(None),
        public: Set(false),
        removed: Set(false),
        hidden: Set(false),
        edited_at: Set(None),
        created_at: Set(wrote_at),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    Citizen {
        account_id,
        ticket_id: ticket.id,
        user_id: user_id.into(),
    }
}

fn message(
    citizen: &Citizen,
    channel: Channel,
    kind: OutboundKind,
    recipient: &str,
    text: &str,
) -> NewOutbound {
    NewOutbound {
        ticket_id: citizen.ticket_id,
        message_id: None,
        channel,
        channel_account_id: Some(citizen.account_id),
        kind,
        // As an officer's answer: the widest window (acknowledgements are tested through intake).
        purpose: Purpose::OfficerReply,
        recipient: recipient.into(),
        payload: Payload {
            text: text.into(),
            quick_replies: Vec::new(),
        },
    }
}

async fn queue(db: &DatabaseConnection, item: NewOutbound) -> i32 {
    outbound::enqueue(db, item).await.unwrap().id
}

/// Waits for the worker to bring the row to `want`.
async fn settled(db: &DatabaseConnection, id: i32, want: OutboxState) -> outbox::Model {
    let mut last = None;
    for _ in 0..400 {
        let row = outbox::Entity::find_by_id(id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        if row.state == want {
            return row;
        }
        last = Some(row);
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("outbox #{id} never became {want}: {last:?}");
}

fn zalo_ok(message_id: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(
        json!({"error": 0, "message": "Success", "data": {"message_id": message_id}}),
    )
}

fn zalo_error(code: i64, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"error": code, "message": message}))
}

fn graph_fixture(name: &str, status: u16) -> ResponseTemplate {
    let file = format!(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/fixtures/channels/{}"
        ),
        name
    );
    let body = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
    ResponseTemplate::new(status).set_body_raw(body, "application/json")
}

fn cs_body(user_id: &str, text: &str) -> Value {
    json!({"recipient": {"user_id": user_id}, "message": {"text": text}})
}

on_both! {
    async fn a_zalo_reply_goes_out_once_and_keeps_zalo_s_message_id(backend) {
        let Some(world) = World::start(backend, &[]).await else { return };
        let db = world.db();
        let oa = account(db, Channel::Zalo, "oa-1", "zalo-token-1", Some("zalo-refresh-1")).await;
        let hoa = citizen(db, Channel::Zalo, oa, "zalo-user-1", Utc::now(), "zmsg-in-1").await;
        let text = "Công an xã Thạch Lạc đã nhận phản ánh của bạn. Mã theo dõi: ABCD-EFGH-JKLM";
        Mock::given(method("POST"))
            .and(path(CS_PATH))
            .and(header("access_token", "zalo-token-1"))
            .and(body_json(cs_body(&hoa.user_id, text)))
            .respond_with(zalo_ok("zmsg-out-1"))
            .expect(1)
            .mount(&world.zalo)
            .await;

        let id = queue(db, message(&hoa, Channel::Zalo, OutboundKind::ZaloCs, &hoa.user_id, text)).await;

        let row = settled(db, id, OutboxState::Sent).await;
        assert_eq!(row.provider_message_id.as_deref(), Some("zmsg-out-1"));
        assert_eq!(row.attempts, 1);
        assert!(row.sent_at.is_some() && row.last_error.is_none());
        world.finish().await;
    }
}

// Sends overlap: a platform call that takes long holds up its own row only. The others are sent and recorded
// while it is in flight (a pass that waited for all of its sends recorded none of them before the slowest landed).
on_both! {
    async fn a_slow_send_holds_up_only_its_own_row(backend) {
        let Some(world) = World::start(backend, &[("OUTBOUND__HTTP_TIMEOUT_SECS", "15")]).await else { return };
        let db = world.db();
        let oa = account(db, Channel::Zalo, "oa-1", "zalo-token-1", None).await;
        let slow = citizen(db, Channel::Zalo, oa, "zalo-slow", Utc::now(), "zmsg-in-slow").await;
        Mock::given(method("POST")).and(path(CS_PATH))
            .and(body_partial_json(json!({"recipient": {"user_id": "zalo-slow"}})))
            .respond_with(zalo_ok("zmsg-out-slow").set_delay(Duration::from_secs(6)))
            .expect(1).named("the slow send").mount(&world.zalo).await;
        let mut quick = Vec::new();
        for i in 0..12 {
            let user = format!("zalo-user-{i}");
            let citizen = citizen(db, Channel::Zalo, oa, &user, Utc::now(), &format!("zmsg-in-{i}")).await;
            Mock::given(method("POST")).and(path(CS_PATH))
                .and(body_partial_json(json!({"recipient": {"user_id": user}})))
                .respond_with(zalo_ok(&format!("zmsg-out-{i}")))
                .expect(1).mount(&world.zalo).await;
            quick.push(citizen);
        }

        // The slow one first in the queue's order, then the others, in one transaction: one read takes them all.
        let txn = db.begin().await.unwrap();
        let slow_id = outbound::enqueue(&txn, message(&slow, Channel::Zalo, OutboundKind::ZaloCs, "zalo-slow", "Xin chào"))
            .await.unwrap().id;
        let mut ids = Vec::new();
        for citizen in &quick {
            let item = message(citizen, Channel::Zalo, OutboundKind::ZaloCs, &citizen.user_id, "Xin chào");
            ids.push(outbound::enqueue(&txn, item).await.unwrap().id);
        }
        txn.commit().await.unwrap();

        let slow_row = settled(db, slow_id, OutboxState::Sent).await;
        assert_eq!(slow_row.provider_message_id.as_deref(), Some("zmsg-out-slow"));
        let slow_sent = slow_row.sent_at.unwrap();
        for id in ids {
            let row = settled(db, id, OutboxState::Sent).await;
            assert!(
                row.sent_at.unwrap() < slow_sent - chrono::Duration::seconds(3),
                "recorded while the slow send was in flight: #{id} at {:?}, the slow one at {slow_sent}",
                row.sent_at
            );
        }
        world.finish().await;
    }
}

on_both! {
    async fn a_text_over_zalo_s_limit_is_cut_at_a_word_not_split(backend) {
        let Some(world) = World::start(backend, &[]).await else { return };
        let db = world.db();
        let oa = account(db, Channel::Zalo, "oa-1", "zalo-token-1", None).await;
        let hoa = citizen(db, Channel::Zalo, oa, "zalo-user-1", Utc::now(), "zmsg-in-1").await;
        let long = "Đề nghị anh chị mang giấy tờ tùy thân đến trụ sở. ".repeat(60);
        Mock::given(method("POST")).and(path(CS_PATH)).respond_with(zalo_ok("zmsg-long")).expect(1).mount(&world.zalo).await;

        let id = queue(db, message(&hoa, Channel::Zalo, OutboundKind::ZaloCs, &hoa.user_id, &long)).await;

        settled(db, id, OutboxState::Sent).await;
        let requests = world.zalo.received_requests().await.unwrap();
        let sent: Value = requests[0].body_json().unwrap();
        let text = sent["message"]["text"].as_str().unwrap();
        assert!(text.chars().count() <= 2000, "{} characters", text.chars().count());
        assert!(text.ends_with("sở.…") || text.ends_with('…'), "{text}");
        assert!(long.starts_with(text.trim_end_matches('…')));
        world.verify().await;
    }
}

on_both! {
    async fn zalo_failures_that_pass_are_retried_until_one_send_succeeds(backend) {
        let Some(world) = World::start(backend, &[]).await else { return };
        let db = world.db();
        let oa = account(db, Channel::Zalo, "oa-1", "zalo-token-1", None).await;
        let hoa = citizen(db, Channel::Zalo, oa, "zalo-user-1", Utc::now(), "zmsg-in-1").await;
        Mock::given(method("POST")).and(path(CS_PATH))
            .respond_with(ResponseTemplate::new(502))
            .up_to_n_times(1).expect(1).named("a 502").mount(&world.zalo).await;
        Mock::given(method("POST")).and(path(CS_PATH))
            .respond_with(zalo_error(-32, "Request exceeds rate limit"))
            .up_to_n_times(1).expect(1).named("rate limit -32").mount(&world.zalo).await;
        Mock::given(method("POST")).and(path(CS_PATH))
            .respond_with(zalo_ok("zmsg-out-3"))
            .expect(1).named("the one successful send").mount(&world.zalo).await;

        let id = queue(db, message(&hoa, Channel::Zalo, OutboundKind::ZaloCs, &hoa.user_id, "Xin chào")).await;

        let row = settled(db, id, OutboxState::Sent).await;
        assert_eq!(row.attempts, 3);
        assert_eq!(row.provider_message_id.as_deref(), Some("zmsg-out-3"));
        world.finish().await;
    }
}

on_both! {
    async fn a_citizen_outside_zalo_s_window_is_undeliverable_with_the_reason(backend) {
        let Some(world) = World::start(backend, &[]).await else { return };
        let db = world.db();
        let oa = account(db, Channel::Zalo, "oa-1", "zalo-token-1", None).await;
        let hoa = citizen(db, Channel::Zalo, oa, "zalo-user-1", Utc::now(), "zmsg-in-1").await;
        Mock::given(method("POST")).and(path(CS_PATH))
            .respond_with(zalo_error(-230, "User has not interacted with the OA in the past 7 days"))
            .expect(1).mount(&world.zalo).await;

        let id = queue(db, message(&hoa, Channel::Zalo, OutboundKind::ZaloCs, &hoa.user_id, "Xin chào")).await;

        let row = settled(db, id, OutboxState::Undeliverable).await;
        assert_eq!(row.last_error.as_deref(), Some("Zalo -230: the citizen has not interacted with the OA in 7 days"));
        assert_eq!(row.attempts, 1);
        world.finish().await;
    }
}

/// (access token, refresh token) as stored.
type StoredPair = (Option<String>, Option<String>);

/// The account row as the fake Zalo sees it at the moment of a send, read over its own connection.
struct StoredPairAtSend {
    db_url: String,
    account_id: i32,
    seen: Arc<Mutex<Vec<StoredPair>>>,
    message_id: &'static str,
}

impl Respond for StoredPairAtSend {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let (url, id) = (self.db_url.clone(), self.account_id);
        // The fake answers on its own thread; a short-lived runtime reads the database from here.
        let stored = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let db = Database::connect(url).await.unwrap();
                let row = channel_accounts::Entity::find_by_id(id)
                    .one(&db)
                    .await
                    .unwrap()
                    .unwrap();
                db.close().await.unwrap();
                (row.access_token, row.refresh_token)
            })
        })
        .join()
        .unwrap();
        self.seen.lock().unwrap().push(stored);
        zalo_ok(self.message_id)
    }
}

fn refresh_answer() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": "zalo-token-2", "refresh_token": "zalo-refresh-2", "expires_in": "90000"
    }))
}

on_both! {
    async fn an_expired_zalo_token_is_refreshed_once_and_stored_before_it_is_used(backend) {
        let Some(world) = World::start(backend, &[]).await else { return };
        let db = world.db();
        let oa = account(db, Channel::Zalo, "oa-1", "zalo-token-1", Some("zalo-refresh-1")).await;
        let hoa = citizen(db, Channel::Zalo, oa, "zalo-user-1", Utc::now(), "zmsg-in-1").await;
        Mock::given(method("POST")).and(path(CS_PATH)).and(header("access_token", "zalo-token-1"))
            .respond_with(zalo_error(-216, "Access token is invalid"))
            .expect(1).mount(&world.zalo).await;
        Mock::given(method("POST")).and(path(TOKEN_PATH)).and(header("secret_key", ZALO_APP_SECRET))
            .respond_with(refresh_answer())
            .expect(1).mount(&world.zalo).await;
        let seen = Arc::new(Mutex::new(Vec::new()));
        Mock::given(method("POST")).and(path(CS_PATH)).and(header("access_token", "zalo-token-2"))
            .respond_with(StoredPairAtSend { db_url: world.db_url.clone(), account_id: oa, seen: seen.clone(), message_id: "zmsg-out-2" })
            .expect(1).mount(&world.zalo).await;

        let id = queue(db, message(&hoa, Channel::Zalo, OutboundKind::ZaloCs, &hoa.user_id, "Xin chào")).await;

        let row = settled(db, id, OutboxState::Sent).await;
        assert_eq!(row.provider_message_id.as_deref(), Some("zmsg-out-2"));
        let refresh = world.zalo.received_requests().await.unwrap().into_iter()
            .find(|r| r.url.path() == TOKEN_PATH).unwrap();
        let form: Vec<(String, String)> = url::form_urlencoded::parse(&refresh.body).into_owned().collect();
        assert_eq!(form, [
            ("refresh_token".to_owned(), "zalo-refresh-1".to_owned()),
            ("app_id".to_owned(), ZALO_APP_ID.to_owned()),
            ("grant_type".to_owned(), "refresh_token".to_owned()),
        ]);
        assert_eq!(refresh.headers.get("content-type").unwrap(), "application/x-www-form-urlencoded");
        // The rotated pair was in the database when the new token was first used.
        assert_eq!(*seen.lock().unwrap(), [(Some("zalo-token-2".to_owned()), Some("zalo-refresh-2".to_owned()))]);
        let stored = channel_accounts::Entity::find_by_id(oa).one(db).await.unwrap().unwrap();
        let expires = stored.token_expires_at.unwrap() - Utc::now();
        assert!(expires > chrono::Duration::hours(24) && expires <= chrono::Duration::hours(25), "{expires}");
        world.finish().await;
    }
}

on_both! {
    async fn two_sends_refused_at_once_share_one_refresh(backend) {
        let Some(world) = World::start(backend, &[]).await else { return };
        let db = world.db();
        let oa = account(db, Channel::Zalo, "oa-1", "zalo-token-1", Some("zalo-refresh-1")).await;
        let hoa = citizen(db, Channel::Zalo, oa, "zalo-user-1", Utc::now(), "zmsg-in-1").await;
        let lan = citizen(db, Channel::Zalo, oa, "zalo-user-2", Utc::now(), "zmsg-in-2").await;
        // Slow answers keep both sends in flight together.
        Mock::given(method("POST")).and(path(CS_PATH)).and(header("access_token", "zalo-token-1"))
            .respond_with(zalo_error(-220, "Access token has expired").set_delay(Duration::from_millis(300)))
            .expect(2).mount(&world.zalo).await;
        Mock::given(method("POST")).and(path(TOKEN_PATH))
            .respond_with(refresh_answer().set_delay(Duration::from_millis(200)))
            .expect(1).mount(&world.zalo).await;
        Mock::given(method("POST")).and(path(CS_PATH)).and(header("access_token", "zalo-token-2"))
            .respond_with(zalo_ok("zmsg-out"))
            .expect(2).mount(&world.zalo).await;

        let txn = db.begin().await.unwrap();
        let first = outbound::enqueue(&txn, message(&hoa, Channel::Zalo, OutboundKind::ZaloCs, &hoa.user_id, "Một")).await.unwrap().id;
        let second = outbound::enqueue(&txn, message(&lan, Channel::Zalo, OutboundKind::ZaloCs, &lan.user_id, "Hai")).await.unwrap().id;
        txn.commit().await.unwrap();

        settled(db, first, OutboxState::Sent).await;
        settled(db, second, OutboxState::Sent).await;
        let stored = channel_accounts::Entity::find_by_id(oa).one(db).await.unwrap().unwrap();
        assert_eq!(stored.refresh_token.as_deref(), Some("zalo-refresh-2"));
        world.finish().await;
    }
}

on_both! {
    async fn a_send_interrupted_by_a_crash_becomes_unknown_and_is_never_resent(backend) {
        let Some(world) = World::start(backend, &[]).await else { return };
        let oa = account(world.db(), Channel::Zalo, "oa-1", "zalo-token-1", None).await;
        let hoa = citizen(world.db(), Channel::Zalo, oa, "zalo-user-1", Utc::now(), "zmsg-in-1").await;
        let long_ago = Utc::now() - chrono::Duration::hours(1);
        let id = outbox::ActiveModel {
            ticket_id: Set(hoa.ticket_id),
            message_id: Set(None),
            channel: Set(Channel::Zalo),
            channel_account_id: Set(Some(oa)),
            kind: Set("zalo_cs".into()),
            recipient: Set(hoa.user_id.clone()),
            payload: Set(json!({"text": "Xin chào"}).to_string()),
            state: Set(OutboxState::Sending),
            attempts: Set(0),
            next_attempt_at: Set(long_ago),
            last_error: Set(None),
            provider_message_id: Set(None),
            created_at: Set(long_ago),
            updated_at: Set(long_ago),
            sent_at: Set(None),
            delivered_at: Set(None),
            read_at: Set(None),
            ..Default::default()
        }
        .insert(world.db())
        .await
        .unwrap()
        .id;

        let world = world.restart().await;

        let row = settled(world.db(), id, OutboxState::Unknown).await;
        assert!(row.last_error.unwrap().contains("not resent"));
        // The app stopped, its worker done: the row stayed unknown and the fakes' tripwires saw no call at all.
        world.finish().await;
        assert_eq!(outbox::Entity::find_by_id(id).one(world.db()).await.unwrap().unwrap().state, OutboxState::Unknown);
    }
}

on_both! {
    async fn an_absurd_token_lifetime_is_capped_and_the_send_goes_on(backend) {
        let Some(world) = World::start(backend, &[]).await else { return };
        let db = world.db();
        let oa = account(db, Channel::Zalo, "oa-1", "zalo-token-1", Some("zalo-refresh-1")).await;
        let hoa = citizen(db, Channel::Zalo, oa, "zalo-user-1", Utc::now(), "zmsg-in-1").await;
        Mock::given(method("POST")).and(path(CS_PATH)).and(header("access_token", "zalo-token-1"))
            .respond_with(zalo_error(-216, "Access token is invalid"))
            .expect(1).mount(&world.zalo).await;
        // Seconds past chrono's range: adding them to now used to panic the worker after the refresh token was spent.
        Mock::given(method("POST")).and(path(TOKEN_PATH))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "access_token": "zalo-token-2", "refresh_token": "zalo-refresh-2", "expires_in": "9223372036854775807"
            })))
            .expect(1).mount(&world.zalo).await;
        Mock::given(method("POST")).and(path(CS_PATH)).and(header("access_token", "zalo-token-2"))
            .respond_with(zalo_ok("zmsg-out-2"))
            .expect(1).mount(&world.zalo).await;

        let id = queue(db, message(&hoa, Channel::Zalo, OutboundKind::ZaloCs, &hoa.user_id, "Xin chào")).await;

        settled(db, id, OutboxState::Sent).await;
        let stored = channel_accounts::Entity::find_by_id(oa).one(db).await.unwrap().unwrap();
        assert_eq!(stored.refresh_token.as_deref(), Some("zalo-refresh-2"));
        let expires = stored.token_expires_at.unwrap() - Utc::now();
        assert!(expires <= chrono::Duration::days(366), "{expires}");
        world.finish().await;
    }
}

// A send whose fate nobody can tell (the platform may have it) is never sent again: the officer decides.
on_both! {
    async fn a_zalo_send_answered_after_the_timeout_is_unknown_and_never_resent(backend) {
        let Some(world) = World::start(backend, &[("OUTBOUND__HTTP_TIMEOUT_SECS", "1")]).await else { return };
        let db = world.db();
        let oa = account(db, Channel::Zalo, "oa-1", "zalo-token-1", None).await;
        let hoa = citizen(db, Channel::Zalo, oa, "zalo-user-1", Utc::now(), "zmsg-in-1").await;
        // Zalo took the message and answered too late.
        Mock::given(method("POST")).and(path(CS_PATH))
            .respond_with(zalo_ok("zmsg-late").set_delay(Duration::from_secs(3)))
            .expect(1).mount(&world.zalo).await;

        let id = queue(db, message(&hoa, Channel::Zalo, OutboundKind::ZaloCs, &hoa.user_id, "Xin chào")).await;

        let row = settled(db, id, OutboxState::Unknown).await;
        assert_eq!(row.attempts, 1);
        let reason = row.last_error.unwrap();
        assert!(reason.contains("did not answer in time") && reason.contains("not sent again"), "{reason}");
        // Well past the backoff that retries transient failures: still one call.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        world.finish().await;
        assert_eq!(outbox::Entity::find_by_id(id).one(world.db()).await.unwrap().unwrap().state, OutboxState::Unknown);
    }
}

on_both! {
    async fn an_unreadable_success_from_zalo_is_unknown_and_never_resent(backend) {
        let Some(world) = World::start(backend, &[]).await else { return };
        let db = world.db();
        let oa = account(db, Channel::Zalo, "oa-1", "zalo-token-1", None).await;
        let hoa = citizen(db, Channel::Zalo, oa, "zalo-user-1", Utc::now(), "zmsg-in-1").await;
        Mock::given(method("POST")).and(path(CS_PATH))
            .respond_with(ResponseTemplate::new(200).set_body_raw("<html>upstream hiccup</html>", "text/html"))
            .up_to_n_times(1).expect(1).named("an unparsable 200").mount(&world.zalo).await;
        Mock::given(method("POST")).and(path(CS_PATH))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"message": "no code"})))
            .expect(1).named("a 200 without an error code").mount(&world.zalo).await;

        let first = queue(db, message(&hoa, Channel::Zalo, OutboundKind::ZaloCs, &hoa.user_id, "Một")).await;
        let row = settled(db, first, OutboxState::Unknown).await;
        assert!(row.last_error.unwrap().contains("unreadable answer"));
        assert_eq!(row.attempts, 1);
        let second = queue(db, message(&hoa, Channel::Zalo, OutboundKind::ZaloCs, &hoa.user_id, "Hai")).await;
        let row = settled(db, second, OutboxState::Unknown).await;
        assert!(row.last_error.unwrap().contains("without an error code"));
        tokio::time::sleep(Duration::from_millis(1500)).await;
        world.finish().await;
    }
}

on_both! {
    async fn a_zalo_server_that_cannot_be_reached_is_retried_as_nothing_went_out(backend) {
        // A closed port: the connection never opens, so nothing can have been delivered.
        let Some(world) = World::start(backend, &[("ZALO__API_BASE", "http://127.0.0.1:9"), ("OUTBOUND__MAX_ATTEMPTS", "2")]).await else { return };
        let db = world.db();
        let oa = account(db, Channel::Zalo, "oa-1", "zalo-token-1", None).await;
        let hoa = citizen(db, Channel::Zalo, oa, "zalo-user-1", Utc::now(), "zmsg-in-1").await;

        let id = queue(db, message(&hoa, Channel::Zalo, OutboundKind::ZaloCs, &hoa.user_id, "Xin chào")).await;

        let row = settled(db, id, OutboxState::Undeliverable).await;
        assert_eq!(row.attempts, 2);
        assert!(row.last_error.unwrap().contains("could not be reached"));
        world.finish().await;
    }
}

/// A row written straight into the outbox in `row_state`; `sent`: the platform's id and when it was sent.
async fn outbox_row(
    db: &DatabaseConnection,
    citizen: &Citizen,
    kind: OutboundKind,
    text: &str,
    row_state: OutboxState,
    sent: Option<(&str, DateTime<Utc>)>,
) -> i32 {
    let now = Utc::now();
    let channel = match kind {
        OutboundKind::ZaloCs => Channel::Zalo,
        _ => Channel::Facebook,
    };
    outbox::ActiveModel {
        ticket_id: Set(citizen.ticket_id),
        message_id: Set(None),
        channel: Set(channel),
        channel_account_id: Set(Some(citizen.account_id)),
        kind: Set(kind.as_str().into()),
        recipient: Set(citizen.user_id.clone()),
        payload: Set(json!({"text": text}).to_string()),
        state: Set(row_state),
        attempts: Set(1),
        next_attempt_at: Set(now),
        last_error: Set(None),
        provider_message_id: Set(sent.map(|(id, _)| id.to_owned())),
        created_at: Set(now),
        updated_at: Set(now),
        sent_at: Set(sent.map(|(_, at)| at)),
        delivered_at: Set(None),
        read_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

on_both! {
    async fn an_echo_settles_a_send_whose_outcome_was_unknown(backend) {
        let Some(world) = World::start(backend, &[]).await else { return };
        let db = world.db();
        let oa = account(db, Channel::Zalo, "oa-1", "zalo-token-1", None).await;
        let page = account(db, Channel::Facebook, PAGE_ID, PAGE_TOKEN, None).await;
        let hoa = citizen(db, Channel::Zalo, oa, "zalo-user-1", Utc::now(), "zmsg-in-1").await;
        let lan = citizen(db, Channel::Facebook, page, "psid-2", Utc::now(), "m_in_2").await;
        let zalo_row = outbox_row(db, &hoa, OutboundKind::ZaloCs, "Đã nhận phản ánh", OutboxState::Unknown, None).await;
        let messenger_row = outbox_row(db, &lan, OutboundKind::Messenger, "Đã nhận", OutboxState::Unknown, None).await;
        let messages_before = ticket_messages::Entity::find().count(db).await.unwrap();

        // Zalo `oa_send_text`: recipient and identical text.
        let echo = Echo { recipient: hoa.user_id.clone(), provider_message_id: "zmsg-echo".into(), text: Some("Đã nhận phản ánh".into()), metadata: None };
        assert_eq!(receipts::reconcile_echo(db, Channel::Zalo, echo.clone()).await.unwrap(), Some(zalo_row));
        // Its `user_received_message` twin, or a redelivery: the same row, unchanged.
        assert_eq!(receipts::reconcile_echo(db, Channel::Zalo, echo).await.unwrap(), Some(zalo_row));
        // Messenger `is_echo` carries our outbox id as metadata.
        let echo = Echo { recipient: lan.user_id.clone(), provider_message_id: "m_echo".into(), text: Some("Đã nhận".into()), metadata: Some(messenger_row.to_string()) };
        assert_eq!(receipts::reconcile_echo(db, Channel::Facebook, echo).await.unwrap(), Some(messenger_row));
        // An officer writing from the OA's own app: nothing of ours.
        let echo = Echo { recipient: hoa.user_id.clone(), provider_message_id: "zmsg-other".into(), text: Some("Chào bạn".into()), metadata: None };
        assert_eq!(receipts::reconcile_echo(db, Channel::Zalo, echo).await.unwrap(), None);

        for (id, provider) in [(zalo_row, "zmsg-echo"), (messenger_row, "m_echo")] {
            let row = outbox::Entity::find_by_id(id).one(db).await.unwrap().unwrap();
            assert_eq!(row.state, OutboxState::Sent);
            assert_eq!(row.provider_message_id.as_deref(), Some(provider));
            assert!(row.sent_at.is_some() && row.last_error.is_none());
        }
        assert_eq!(ticket_messages::Entity::find().count(db).await.unwrap(), messages_before);
        world.verify().await;
    }
}

on_both! {
    async fn receipts_move_sent_messages_to_delivered_and_read(backend) {
        let Some(world) = World::start(backend, &[]).await else { return };
        let db = world.db();
        let oa = account(db, Channel::Zalo, "oa-1", "zalo-token-1", None).await;
        let page = account(db, Channel::Facebook, PAGE_ID, PAGE_TOKEN, None).await;
        let hoa = citizen(db, Channel::Zalo, oa, "zalo-user-1", Utc::now(), "zmsg-in-1").await;
        let lan = citizen(db, Channel::Facebook, page, "psid-2", Utc::now(), "m_in_2").await;
        let t0 = Utc::now() - chrono::Duration::minutes(10);
        let a = outbox_row(db, &hoa, OutboundKind::ZaloCs, "a", OutboxState::Sent, Some(("z-a", t0))).await;
        let b = outbox_row(db, &hoa, OutboundKind::ZaloCs, "b", OutboxState::Sent, Some(("z-b", t0))).await;
        let early = outbox_row(db, &lan, OutboundKind::Messenger, "c", OutboxState::Sent, Some(("m-c", t0))).await;
        let late = outbox_row(db, &lan, OutboundKind::Messenger, "d", OutboxState::Sent, Some(("m-d", t0 + chrono::Duration::minutes(5)))).await;
        let at = Utc::now();

        let ids = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(receipts::mark_read(db, Channel::Zalo, &ids(&["z-b"]), at).await.unwrap(), 1);
        assert_eq!(receipts::mark_delivered(db, Channel::Zalo, &ids(&["z-a", "z-b", "m-c"]), at).await.unwrap(), 1, "read stays read; ids are per channel");
        assert_eq!(receipts::mark_read_until(db, Channel::Facebook, "psid-2", t0 + chrono::Duration::minutes(1)).await.unwrap(), 1);

        let get = |id| async move { outbox::Entity::find_by_id(id).one(db).await.unwrap().unwrap() };
        let (a, b, early, late) = (get(a).await, get(b).await, get(early).await, get(late).await);
        assert_eq!((a.state, a.delivered_at.is_some(), a.read_at.is_none()), (OutboxState::Delivered, true, true));
        assert_eq!((b.state, b.delivered_at.is_some(), b.read_at.is_some()), (OutboxState::Read, true, true));
        assert_eq!(early.state, OutboxState::Read);
        assert_eq!(late.state, OutboxState::Sent);
        world.verify().await;
    }
}

on_both! {
    async fn a_messenger_reply_carries_quick_replies_and_our_outbox_id(backend) {
        let Some(world) = World::start(backend, &[]).await else { return };
        let db = world.db();
        let page = account(db, Channel::Facebook, PAGE_ID, PAGE_TOKEN, None).await;
        let lan = citizen(db, Channel::Facebook, page, "psid-1", Utc::now() - chrono::Duration::hours(2), "m_in_1").await;
        let mut item = message(&lan, Channel::Facebook, OutboundKind::Messenger, &lan.user_id, "Bạn đánh giá thế nào?");
        item.payload.quick_replies = (1..=5).map(|n| (n.to_string(), format!("RATING_{n}"))).collect();
        // The id is known only once queued: the fake checks the body after.
        Mock::given(method("POST")).and(path(SEND_API)).and(query_param("access_token", PAGE_TOKEN))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"recipient_id": "psid-1", "message_id": "m_out_1"})))
            .expect(1).mount(&world.graph).await;

        let id = queue(db, item).await;

        let row = settled(db, id, OutboxState::Sent).await;
        assert_eq!(row.provider_message_id.as_deref(), Some("m_out_1"));
        let sent: Value = world.graph.received_requests().await.unwrap()[0].body_json().unwrap();
        let quick: Vec<Value> = (1..=5).map(|n| json!({"content_type": "text", "title": n.to_string(), "payload": format!("RATING_{n}")})).collect();
        assert_eq!(sent, json!({
            "recipient": {"id": "psid-1"},
            "messaging_type": "RESPONSE",
            "message": {"text": "Bạn đánh giá thế nào?", "quick_replies": quick},
            "metadata": id.to_string(),
        }));
        world.finish().await;
    }
}

on_both! {
    async fn after_24_hours_without_the_human_agent_tag_nothing_is_attempted(backend) {
        let Some(world) = World::start(backend, &[]).await else { return };
        let db = world.db();
        let page = account(db, Channel::Facebook, PAGE_ID, PAGE_TOKEN, None).await;
        let lan = citizen(db, Channel::Facebook, page, "psid-1", Utc::now() - chrono::Duration::hours(30), "m_in_1").await;

        let id = queue(db, message(&lan, Channel::Facebook, OutboundKind::Messenger, &lan.user_id, "Trả lời muộn")).await;

        let row = settled(db, id, OutboxState::Undeliverable).await;
        let reason = row.last_error.unwrap();
        assert!(reason.contains("30 hours ago") && reason.contains("24-hour") && reason.contains("HUMAN_AGENT"), "{reason}");
        // The tripwires saw nothing.
        world.finish().await;
    }
}

on_both! {
    async fn within_7_days_the_human_agent_tag_is_used_where_enabled(backend) {
        let Some(world) = World::start(backend, &[("FACEBOOK__HUMAN_AGENT_TAG", "true")]).await else { return };
        let db = world.db();
        let page = account(db, Channel::Facebook, PAGE_ID, PAGE_TOKEN, None).await;
        let lan = citizen(db, Channel::Facebook, page, "psid-1", Utc::now() - chrono::Duration::days(3), "m_in_1").await;
        Mock::given(method("POST")).and(path(SEND_API))
            .and(body_partial_json(json!({"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT", "recipient": {"id": "psid-1"}})))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"recipient_id": "psid-1", "message_id": "m_tag"})))
            .expect(1).mount(&world.graph).await;

        let id = queue(db, message(&lan, Channel::Facebook, OutboundKind::Messenger, &lan.user_id, "Trả lời sau 3 ngày")).await;

        settled(db, id, OutboxState::Sent).await;
        world.finish().await;
    }
}

on_both! {
    async fn an_automatic_message_never_takes_the_human_agent_tag(backend) {
        let Some(world) = World::start(backend, &[("FACEBOOK__HUMAN_AGENT_TAG", "true")]).await else { return };
        let db = world.db();
        let page = account(db, Channel::Facebook, PAGE_ID, PAGE_TOKEN, None).await;
        let lan = citizen(db, Channel::Facebook, page, "psid-1", Utc::now() - chrono::Duration::hours(30), "m_in_1").await;
        // An acknowledgement and a survey held up past the 24 hours (a Graph outage, say): the tag is not theirs.
        let mut ids = Vec::new();
        for purpose in [Purpose::Acknowledgement, Purpose::Survey] {
            let mut item = message(&lan, Channel::Facebook, OutboundKind::Messenger, &lan.user_id, "Tin tự động");
            item.purpose = purpose;
            ids.push(queue(db, item).await);
        }
        for id in ids {
            let row = settled(db, id, OutboxState::Undeliverable).await;
            let reason = row.last_error.unwrap();
            assert!(reason.contains("automatic message") && reason.contains("30 hours ago"), "{reason}");
        }
        // The tripwires saw nothing: no call was made.
        world.finish().await;
    }
}

on_both! {
    async fn graph_s_permanent_errors_are_undeliverable_and_not_retried(backend) {
        let Some(world) = World::start(backend, &[]).await else { return };
        let db = world.db();
        let page = account(db, Channel::Facebook, PAGE_ID, PAGE_TOKEN, None).await;
        let lan = citizen(db, Channel::Facebook, page, "psid-1", Utc::now(), "m_in_1").await;
        let minh = citizen(db, Channel::Facebook, page, "psid-2", Utc::now(), "m_in_2").await;
        Mock::given(method("POST")).and(path(SEND_API)).and(body_partial_json(json!({"recipient": {"id": "psid-1"}})))
            .respond_with(graph_fixture("fb_error_outside_window.json", 400))
            .expect(1).mount(&world.graph).await;
        Mock::given(method("POST")).and(path(SEND_API)).and(body_partial_json(json!({"recipient": {"id": "psid-2"}})))
            .respond_with(graph_fixture("fb_error_user_unavailable.json", 400))
            .expect(1).mount(&world.graph).await;

        let outside = queue(db, message(&lan, Channel::Facebook, OutboundKind::Messenger, "psid-1", "Xin chào")).await;
        let unavailable = queue(db, message(&minh, Channel::Facebook, OutboundKind::Messenger, "psid-2", "Xin chào")).await;

        let row = settled(db, outside, OutboxState::Undeliverable).await;
        assert_eq!(row.last_error.as_deref(), Some("Facebook 10/2018278: outside the 24-hour messaging window; the citizen must write first"));
        assert_eq!(row.attempts, 1);
        let row = settled(db, unavailable, OutboxState::Undeliverable).await;
        assert!(row.last_error.as_deref().unwrap().starts_with("Facebook 551/1545041: the citizen is not available"), "{:?}", row.last_error);
        world.finish().await;
    }
}

on_both! {
    async fn graph_s_app_rate_limit_is_retried(backend) {
        let Some(world) = World::start(backend, &[]).await else { return };
        let db = world.db();
        let page = account(db, Channel::Facebook, PAGE_ID, PAGE_TOKEN, None).await;
        let lan = citizen(db, Channel::Facebook, page, "psid-1", Utc::now(), "m_in_1").await;
        Mock::given(method("POST")).and(path(SEND_API))
            .respond_with(graph_fixture("fb_error_app_rate_limit_code4.json", 400))
            .up_to_n_times(1).expect(1).mount(&world.graph).await;
        Mock::given(method("POST")).and(path(SEND_API))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"recipient_id": "psid-1", "message_id": "m_after_limit"})))
            .expect(1).mount(&world.graph).await;

        let id = queue(db, message(&lan, Channel::Facebook, OutboundKind::Messenger, "psid-1", "Xin chào")).await;

        let row = settled(db, id, OutboxState::Sent).await;
        assert_eq!((row.attempts, row.provider_message_id.as_deref()), (2, Some("m_after_limit")));
        world.finish().await;
    }
}

on_both! {
    own_process;
    async fn an_expired_page_token_stops_the_message_and_alerts(backend) {
        let Some(world) = World::start(backend, &[]).await else { return };
        let db = world.db();
        let page = account(db, Channel::Facebook, PAGE_ID, PAGE_TOKEN, None).await;
        let lan = citizen(db, Channel::Facebook, page, "psid-1", Utc::now(), "m_in_1").await;
        Mock::given(method("POST")).and(path(SEND_API))
            .respond_with(graph_fixture("fb_error_token_expired.json", 400))
            .expect(1).mount(&world.graph).await;

        let id = queue(db, message(&lan, Channel::Facebook, OutboundKind::Messenger, "psid-1", "Xin chào")).await;

        let row = settled(db, id, OutboxState::Undeliverable).await;
        assert!(row.last_error.as_deref().unwrap().starts_with("Facebook 190/463: the Page's access token has expired"), "{:?}", row.last_error);
        // This test's process counts only this app's work: one alert, one undeliverable message.
        let metrics = world.app.metrics().await;
        assert_eq!(crate::helpers::metric(&metrics, "outbound_token_invalid_total", &[("channel", "facebook")]), 1.0, "{metrics}");
        assert_eq!(crate::helpers::metric(&metrics, "outbound_messages_total", &[("channel", "facebook")]), 1.0, "{metrics}");
        world.finish().await;
    }
}

on_both! {
    async fn a_comment_gets_one_private_reply_and_public_replies_go_under_it(backend) {
        let Some(world) = World::start(backend, &[]).await else { return };
        let db = world.db();
        let page = account(db, Channel::Facebook, PAGE_ID, PAGE_TOKEN, None).await;
        let comment = "1122334455_987654321";
        let lan = citizen(db, Channel::Facebook, page, "fb-user-1", Utc::now() - chrono::Duration::days(1), comment).await;
        Mock::given(method("POST")).and(path(format!("/v25.0/{PAGE_ID}/messages"))).and(query_param("access_token", PAGE_TOKEN))
            .and(body_json(json!({"recipient": {"comment_id": comment}, "message": {"text": "Đã nhận, mời bạn nhắn tin"}})))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"recipient_id": "psid-9", "message_id": "m_private"})))
            .expect(1).mount(&world.graph).await;
        Mock::given(method("POST")).and(path(format!("/v25.0/{comment}/comments")))
            .and(body_json(json!({"message": "Công an xã đã tiếp nhận"})))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "987654321_111"})))
            .expect(1).mount(&world.graph).await;

        let private = queue(db, message(&lan, Channel::Facebook, OutboundKind::PrivateReply, comment, "Đã nhận, mời bạn nhắn tin")).await;
        let again = queue(db, message(&lan, Channel::Facebook, OutboundKind::PrivateReply, comment, "Lần hai")).await;
        assert_eq!(again, private, "a second private reply is never queued");
        let public = queue(db, message(&lan, Channel::Facebook, OutboundKind::PublicReply, comment, "Công an xã đã tiếp nhận")).await;

        assert_eq!(settled(db, private, OutboxState::Sent).await.provider_message_id.as_deref(), Some("m_private"));
        assert_eq!(settled(db, public, OutboxState::Sent).await.provider_message_id.as_deref(), Some("987654321_111"));
        // A duplicate that got into the outbox anyway (written directly) is stopped, not sent.
        let duplicate = outbox_row(db, &Citizen { user_id: comment.into(), ..lan }, OutboundKind::PrivateReply, "Lần ba", OutboxState::Pending, None).await;
        let row = settled(db, duplicate, OutboxState::Undeliverable).await;
        assert!(row.last_error.unwrap().contains("already sent"));
        world.finish().await;
    }
}

on_both! {
    async fn form_rows_have_nothing_to_call_and_count_as_sent(backend) {
        let Some(world) = World::start(backend, &[]).await else { return };
        let db = world.db();
        let page = account(db, Channel::Facebook, PAGE_ID, PAGE_TOKEN, None).await;
        let anon = citizen(db, Channel::Form, page, "form-1", Utc::now(), "form-msg-1").await;

        let id = queue(db, message(&anon, Channel::Form, OutboundKind::Messenger, "form-1", "Cảm ơn")).await;

        let row = settled(db, id, OutboxState::Sent).await;
        assert!(row.provider_message_id.is_none());
        world.finish().await;
    }
}

/// Counts the sends of each text.
#[derive(Clone, Default)]
struct CountsTexts(Arc<Mutex<std::collections::HashMap<String, usize>>>);

impl Respond for CountsTexts {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = request.body_json().unwrap();
        let text = body["message"]["text"].as_str().unwrap().to_owned();
        let mut counts = self.0.lock().unwrap();
        *counts.entry(text.clone()).or_default() += 1;
        zalo_ok(&format!("zmsg-{text}")).set_delay(Duration::from_millis(20))
    }
}

on_both! {
    async fn three_workers_on_one_database_send_each_message_once(backend) {
        let Some(world) = World::start(backend, &[]).await else { return };
        let db = world.db();
        // Two more instances' workers on the same database, beside the app's own.
        let env = fakes_env(&world.fakes, &[]);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let settings = crate::helpers::test_settings(&world.db_url, &env);
        let mut others = Vec::new();
        for _ in 0..2 {
            let instance = phananh::db::Db::connect(&settings.database).await.unwrap();
            let worker = outbound::Outbound::new(&settings, instance).unwrap();
            let running = worker.spawn();
            others.push((worker, running));
        }
        let oa = account(db, Channel::Zalo, "oa-1", "zalo-token-1", None).await;
        let hoa = citizen(db, Channel::Zalo, oa, "zalo-user-1", Utc::now(), "zmsg-in-1").await;
        let counts = CountsTexts::default();
        Mock::given(method("POST")).and(path(CS_PATH)).respond_with(counts.clone()).expect(40).mount(&world.zalo).await;

        let txn = db.begin().await.unwrap();
        let mut ids = Vec::new();
        for n in 0..40 {
            let item = message(&hoa, Channel::Zalo, OutboundKind::ZaloCs, &hoa.user_id, &format!("reply {n}"));
            ids.push(outbound::enqueue(&txn, item).await.unwrap().id);
        }
        txn.commit().await.unwrap();
        for (worker, _) in &others {
            worker.wake();
        }

        for (n, id) in ids.iter().enumerate() {
            let row = settled(db, *id, OutboxState::Sent).await;
            assert_eq!(row.provider_message_id, Some(format!("zmsg-reply {n}")));
        }
        // Every worker stopped, its sends in flight recorded: only then are the sends counted.
        for (worker, running) in others {
            worker.shutdown();
            running.await.unwrap();
        }
        world.finish().await;
        let counts = counts.0.lock().unwrap().clone();
        assert_eq!(counts.len(), 40);
        assert!(counts.values().all(|&c| c == 1), "{counts:?}");
    }
}

on_both! {
    async fn one_pass_records_each_send_s_own_outcome(backend) {
        // Claimed together and recorded together: every row still gets its own result.
        let Some(world) = World::start(backend, &[]).await else { return };
        let db = world.db();
        let oa = account(db, Channel::Zalo, "oa-1", "zalo-token-1", None).await;
        let hoa = citizen(db, Channel::Zalo, oa, "zalo-user-1", Utc::now(), "zmsg-in-1").await;
        let lan = citizen(db, Channel::Zalo, oa, "zalo-user-2", Utc::now(), "zmsg-in-2").await;
        let minh = citizen(db, Channel::Zalo, oa, "zalo-user-3", Utc::now(), "zmsg-in-3").await;
        let to = |user: &str| body_partial_json(json!({"recipient": {"user_id": user}}));
        Mock::given(method("POST")).and(path(CS_PATH)).and(to("zalo-user-1"))
            .respond_with(zalo_ok("zmsg-out-hoa")).expect(1).mount(&world.zalo).await;
        Mock::given(method("POST")).and(path(CS_PATH)).and(to("zalo-user-2"))
            .respond_with(zalo_error(-230, "User has not interacted with the OA in the past 7 days"))
            .expect(1).mount(&world.zalo).await;
        Mock::given(method("POST")).and(path(CS_PATH)).and(to("zalo-user-3"))
            .respond_with(ResponseTemplate::new(502)).up_to_n_times(1).expect(1).mount(&world.zalo).await;
        Mock::given(method("POST")).and(path(CS_PATH)).and(to("zalo-user-3"))
            .respond_with(zalo_ok("zmsg-out-minh")).expect(1).mount(&world.zalo).await;

        let txn = db.begin().await.unwrap();
        let mut ids = Vec::new();
        for who in [&hoa, &lan, &minh] {
            let item = message(who, Channel::Zalo, OutboundKind::ZaloCs, &who.user_id, "Xin chào");
            ids.push(outbound::enqueue(&txn, item).await.unwrap().id);
        }
        txn.commit().await.unwrap();

        let sent = settled(db, ids[0], OutboxState::Sent).await;
        assert_eq!((sent.attempts, sent.provider_message_id.as_deref()), (1, Some("zmsg-out-hoa")));
        let refused = settled(db, ids[1], OutboxState::Undeliverable).await;
        assert_eq!(refused.attempts, 1);
        assert!(refused.last_error.unwrap().contains("-230"));
        let retried = settled(db, ids[2], OutboxState::Sent).await;
        assert_eq!((retried.attempts, retried.provider_message_id.as_deref()), (2, Some("zmsg-out-minh")));
        world.finish().await;
    }
}
