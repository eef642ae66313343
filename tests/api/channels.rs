//! Zalo OA and Facebook Page webhooks: the shared fixtures, signed for the test's app, posted as the platforms do;
//! and fakes of the platforms that take the app's answers as the real APIs do.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use phananh::domain::OutboxState;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, Request, Respond, ResponseTemplate};

use crate::helpers::{
    AppOptions, Backend, Fakes, TestApp, TestDb, repo_path, spawn_app_with, start_on,
};

pub const ZALO_APP_ID: &str = "4242424242424242";
pub const ZALO_SECRET: &str = "test-oa-secret-key";
pub const FB_SECRET: &str = "test-app-secret";
pub const FB_VERIFY: &str = "test-verify-token";
pub const FB_PAGE: &str = "555000111222333";
pub const ZALO_TOKEN: &str = "zalo-access";
pub const PAGE_TOKEN: &str = "page-token";
/// The fixtures' OA.
pub const OA: &str = "388613280878808645";
pub const GRAPH_VERSION: &str = "v25.0";

pub const CHANNEL_ENV: &[(&str, &str)] = &[
    ("ZALO__APP_ID", ZALO_APP_ID),
    ("ZALO__OA_SECRET_KEY", ZALO_SECRET),
    ("ZALO__ACCESS_TOKEN", ZALO_TOKEN),
    ("FACEBOOK__APP_SECRET", FB_SECRET),
    ("FACEBOOK__VERIFY_TOKEN", FB_VERIFY),
    ("FACEBOOK__PAGE_ID", FB_PAGE),
    ("FACEBOOK__PAGE_ACCESS_TOKEN", PAGE_TOKEN),
];

pub async fn channel_app(backend: Backend) -> Option<TestApp> {
    channel_app_with(backend, &[]).await
}

/// An app that takes both platforms' webhooks, with fakes of both platforms that answer as they do.
pub async fn channel_app_with(backend: Backend, extra: &[(&str, &str)]) -> Option<TestApp> {
    let env: Vec<(&str, &str)> = CHANNEL_ENV.iter().chain(extra.iter()).copied().collect();
    spawn_app_with(
        backend,
        AppOptions {
            env: &env,
            fakes: Some(platform_fakes().await),
            ..Default::default()
        },
    )
    .await
}

/// Starts a channel app on `test_db` (a restart, or another instance) with `fakes` and `extra` settings.
pub async fn start_channel_app(
    test_db: Arc<TestDb>,
    backend: Backend,
    fakes: Fakes,
    extra: &[(&str, &str)],
) -> TestApp {
    let env: Vec<(&str, &str)> = CHANNEL_ENV.iter().chain(extra.iter()).copied().collect();
    start_on(
        test_db,
        backend,
        AppOptions {
            env: &env,
            fakes: Some(fakes),
            ..Default::default()
        },
    )
    .await
}

/// Zalo's OA API and the Graph API as they answer the test's tokens (channels.md): a customer-service message,
/// a Messenger send and a private reply each succeed with a new message id. Anything else (another path,
/// another token) hits the tripwire.
pub async fn platform_fakes() -> Fakes {
    let fakes = Fakes::tripwires().await;
    Mock::given(method("POST"))
        .and(path("/v3.0/oa/message/cs"))
        .and(header("access_token", ZALO_TOKEN))
        .respond_with(Answers::new(|n, _| {
            json!({"error": 0, "message": "Success", "data": {"message_id": format!("zmsg-out-{n}")}})
        }))
        .named("Zalo customer-service message")
        .mount(&fakes.zalo)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/{GRAPH_VERSION}/me/messages")))
        .and(query_param("access_token", PAGE_TOKEN))
        .respond_with(Answers::new(|n, body| {
            json!({"recipient_id": body["recipient"]["id"], "message_id": format!("m_out_{n}")})
        }))
        .named("Messenger Send API")
        .mount(&fakes.graph)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/{GRAPH_VERSION}/{FB_PAGE}/messages")))
        .and(query_param("access_token", PAGE_TOKEN))
        .respond_with(Answers::new(|n, _| {
            json!({"recipient_id": format!("psid-from-comment-{n}"), "message_id": format!("m_private_{n}")})
        }))
        .named("private reply to a comment")
        .mount(&fakes.graph)
        .await;
    fakes
}

/// Answers each call with a JSON body made from a running number and the request's body.
struct Answers {
    calls: AtomicUsize,
    answer: fn(usize, &Value) -> Value,
}

impl Answers {
    fn new(answer: fn(usize, &Value) -> Value) -> Answers {
        Answers {
            calls: AtomicUsize::new(0),
            answer,
        }
    }
}

impl Respond for Answers {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let body: Value = request.body_json().unwrap_or(Value::Null);
        ResponseTemplate::new(200).set_body_json((self.answer)(n, &body))
    }
}

/// A message as it reached a fake platform.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    /// `zalo_cs`, `messenger` or `private_reply`, as the outbox names them.
    pub kind: &'static str,
    /// The Zalo user id, the PSID, or the comment id of a private reply.
    pub recipient: String,
    pub text: String,
}

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(repo_path(&format!("../shared/fixtures/channels/{name}")))
        .unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// A Zalo fixture re-addressed to the test's app (the OA ids stay: any OA of the app is served).
pub fn zalo_fixture(name: &str) -> String {
    let raw = fixture(name);
    let value: Value = serde_json::from_str(&raw).unwrap();
    let their_app = value["app_id"].as_str().unwrap().to_owned();
    raw.replace(&their_app, ZALO_APP_ID)
}

/// A Zalo event from `sender` to the fixtures' OA as the platform sends it (the shape of zalo_user_send_text.json).
pub fn zalo_event(kind: &str, sender: &str, msg_id: &str, message: Value) -> String {
    let mut message = message;
    message["msg_id"] = json!(msg_id);
    json!({
        "app_id": ZALO_APP_ID,
        "sender": {"id": sender},
        "recipient": {"id": OA},
        "event_name": kind,
        "message": message,
        "timestamp": "1764000000000",
    })
    .to_string()
}

pub fn zalo_signature(body: &str) -> String {
    let value: Value = serde_json::from_str(body).unwrap();
    let timestamp = value["timestamp"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| value["timestamp"].to_string());
    let digest = Sha256::new()
        .chain_update(ZALO_APP_ID)
        .chain_update(body.as_bytes())
        .chain_update(timestamp)
        .chain_update(ZALO_SECRET)
        .finalize();
    format!("mac={}", hex::encode(digest))
}

/// A whole Facebook body re-addressed to the test's Page (every mention of the sample's page id).
pub fn fb_fixture(name: &str) -> String {
    let raw = fixture(name);
    let value: Value = serde_json::from_str(&raw).unwrap();
    let their_page = value["entry"][0]["id"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| value["entry"][0]["id"].to_string());
    raw.replace(&their_page, FB_PAGE)
        .replace("PAGE_ID", FB_PAGE)
}

/// `body` as if sent now: every `timestamp` (milliseconds) and `created_time` (seconds) set to the present. The
/// samples' times are years old, and the platforms take answers only within a window after the citizen wrote.
pub fn as_if_now(body: &str) -> String {
    fn walk(value: &mut Value, now: chrono::DateTime<chrono::Utc>) {
        match value {
            Value::Object(map) => {
                for (key, item) in map.iter_mut() {
                    match (key.as_str(), &item) {
                        ("timestamp", Value::Number(_)) => *item = json!(now.timestamp_millis()),
                        ("timestamp", Value::String(_)) => {
                            *item = json!(now.timestamp_millis().to_string())
                        }
                        ("created_time", Value::Number(_)) => *item = json!(now.timestamp()),
                        _ => walk(item, now),
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| walk(item, now)),
            _ => {}
        }
    }
    let mut value: Value = serde_json::from_str(body).expect("a JSON body");
    walk(&mut value, chrono::Utc::now());
    value.to_string()
}

pub fn fb_signature(body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<Sha256>::new_from_slice(FB_SECRET.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

impl TestApp {
    pub async fn post_zalo(&self, body: &str) -> reqwest::Response {
        self.client
            .post(self.url("/webhooks/zalo"))
            .header("content-type", "application/json")
            .header("x-zevent-signature", zalo_signature(body))
            .body(body.to_owned())
            .send()
            .await
            .unwrap()
    }

    pub async fn post_facebook(&self, body: &str) -> reqwest::Response {
        self.client
            .post(self.url("/webhooks/facebook"))
            .header("content-type", "application/json")
            .header("x-hub-signature-256", fb_signature(body.as_bytes()))
            .body(body.to_owned())
            .send()
            .await
            .unwrap()
    }

    pub async fn event_count(&self) -> u64 {
        use sea_orm::{EntityTrait, PaginatorTrait};
        entity::inbound_events::Entity::find()
            .count(&self.db)
            .await
            .unwrap()
    }

    /// Events not yet applied: spooled (SQLite) or stored and unprocessed.
    pub async fn pending_events(&self) -> u64 {
        self.state.intake.pending().await.unwrap()
    }

    /// Waits until the intake worker has applied every stored event.
    pub async fn processed(&self) {
        crate::helpers::eventually("every stored event is processed", || async {
            self.pending_events().await == 0
        })
        .await;
    }

    pub async fn messages(&self) -> Vec<entity::ticket_messages::Model> {
        use sea_orm::{EntityTrait, QueryOrder};
        entity::ticket_messages::Entity::find()
            .order_by_asc(entity::ticket_messages::Column::Id)
            .all(&self.db)
            .await
            .unwrap()
    }

    pub async fn tickets(&self) -> Vec<entity::tickets::Model> {
        use sea_orm::{EntityTrait, QueryOrder};
        entity::tickets::Entity::find()
            .order_by_asc(entity::tickets::Column::Id)
            .all(&self.db)
            .await
            .unwrap()
    }

    /// Every message the app sent to the fake platforms, in the order they arrived.
    pub async fn sent(&self) -> Vec<Sent> {
        let mut sent = Vec::new();
        let zalo = self
            .fakes
            .zalo
            .received_requests()
            .await
            .unwrap_or_default();
        let graph = self
            .fakes
            .graph
            .received_requests()
            .await
            .unwrap_or_default();
        for request in zalo.iter().chain(&graph) {
            let Ok(body) = request.body_json::<Value>() else {
                continue;
            };
            let text = body["message"]["text"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let path = request.url.path();
            let (kind, recipient) = if path == "/v3.0/oa/message/cs" {
                ("zalo_cs", &body["recipient"]["user_id"])
            } else if path.ends_with("/me/messages") {
                ("messenger", &body["recipient"]["id"])
            } else if path.ends_with(&format!("/{FB_PAGE}/messages")) {
                ("private_reply", &body["recipient"]["comment_id"])
            } else {
                continue;
            };
            sent.push(Sent {
                kind,
                recipient: recipient.as_str().unwrap_or_default().to_owned(),
                text,
            });
        }
        sent
    }

    /// Waits until every queued message has been sent to the fakes (none left pending or sending), then returns
    /// what they received.
    pub async fn delivered(&self) -> Vec<Sent> {
        crate::helpers::eventually(
            "every queued message is sent to the fake platforms",
            || async {
                self.outbox()
                    .await
                    .iter()
                    .all(|row| !matches!(row.state, OutboxState::Pending | OutboxState::Sending))
            },
        )
        .await;
        self.sent().await
    }

    /// The acknowledgement of `ticket` as it reached the fake platform: exactly one, to `recipient`, carrying the
    /// ticket's tracking code.
    pub async fn acknowledged(
        &self,
        ticket: &entity::tickets::Model,
        kind: &str,
        recipient: &str,
    ) -> Sent {
        let code = crate::helpers::display_code(&ticket.tracking_code);
        let sent = self.delivered().await;
        let acks: Vec<&Sent> = sent.iter().filter(|s| s.text.contains(&code)).collect();
        if acks.len() != 1 {
            let outbox: Vec<_> = self
                .outbox()
                .await
                .into_iter()
                .map(|o| (o.ticket_id, o.state, o.last_error))
                .collect();
            panic!("one acknowledgement should carry {code}; sent: {sent:?}; outbox: {outbox:?}");
        }
        assert_eq!(
            (acks[0].kind, acks[0].recipient.as_str()),
            (kind, recipient),
            "{sent:?}"
        );
        acks[0].clone()
    }

    pub async fn outbox(&self) -> Vec<entity::outbox::Model> {
        use sea_orm::{EntityTrait, QueryOrder};
        entity::outbox::Entity::find()
            .order_by_asc(entity::outbox::Column::Id)
            .all(&self.db)
            .await
            .unwrap()
    }
}
