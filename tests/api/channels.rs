//! Zalo OA and Facebook Page webhooks: the shared fixtures, signed for the test's app, posted as the platforms do.
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::helpers::{AppOptions, Backend, TestApp, repo_path, spawn_app_with};

pub const ZALO_APP_ID: &str = "4242424242424242";
pub const ZALO_SECRET: &str = "test-oa-secret-key";
pub const FB_SECRET: &str = "test-app-secret";
pub const FB_VERIFY: &str = "test-verify-token";
pub const FB_PAGE: &str = "555000111222333";

pub const CHANNEL_ENV: &[(&str, &str)] = &[
    ("ZALO__APP_ID", ZALO_APP_ID),
    ("ZALO__OA_SECRET_KEY", ZALO_SECRET),
    ("ZALO__ACCESS_TOKEN", "zalo-access"),
    ("FACEBOOK__APP_SECRET", FB_SECRET),
    ("FACEBOOK__VERIFY_TOKEN", FB_VERIFY),
    ("FACEBOOK__PAGE_ID", FB_PAGE),
    ("FACEBOOK__PAGE_ACCESS_TOKEN", "page-token"),
];

pub async fn channel_app(backend: Backend) -> Option<TestApp> {
    channel_app_with(backend, &[]).await
}

pub async fn channel_app_with(backend: Backend, extra: &[(&str, &str)]) -> Option<TestApp> {
    let env: Vec<(&str, &str)> = CHANNEL_ENV.iter().chain(extra.iter()).copied().collect();
    spawn_app_with(
        backend,
        AppOptions {
            env: &env,
            ..Default::default()
        },
    )
    .await
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

    pub async fn outbox(&self) -> Vec<entity::outbox::Model> {
        use sea_orm::{EntityTrait, QueryOrder};
        entity::outbox::Entity::find()
            .order_by_asc(entity::outbox::Column::Id)
            .all(&self.db)
            .await
            .unwrap()
    }
}
