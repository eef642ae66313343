//! The shared signature vectors against the webhooks themselves: each vector's exact bytes and header pass the
//! check; one changed byte fails it (401). Every vector in the files is counted, so none is skipped silently.
use crate::channels::{ZALO_TOKEN, fixture, platform_fakes};
use crate::helpers::{AppOptions, Backend, TestApp, spawn_app_with};

/// `(value of key_a, value of key_b)` for each `key_b=` line, with the `key_a=` line last seen before it.
fn pairs(text: &str, key_a: &str, key_b: &str) -> Vec<(String, String)> {
    let mut last_a = None;
    let mut found = Vec::new();
    for line in text.lines() {
        if let Some(value) = line.strip_prefix(key_a).and_then(|r| r.strip_prefix('=')) {
            last_a = Some(value.to_owned());
        } else if let Some(value) = line.strip_prefix(key_b).and_then(|r| r.strip_prefix('=')) {
            let a = last_a
                .take()
                .unwrap_or_else(|| panic!("{key_b}={value} without its {key_a}"));
            found.push((a, value.to_owned()));
        }
    }
    found
}

fn value(text: &str, key: &str) -> String {
    let values: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
        .collect();
    assert!(!values.is_empty(), "{key} in the vector file");
    assert!(
        values.iter().all(|v| *v == values[0]),
        "one {key}: {values:?}"
    );
    values[0].to_owned()
}

async fn post(app: &TestApp, path: &str, header: (&str, &str), body: Vec<u8>) -> u16 {
    app.client
        .post(app.url(path))
        .header("content-type", "application/json")
        .header(header.0, header.1)
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The body with one digit of the user's id changed: still a well-formed event.
fn one_byte_changed(body: &str) -> Vec<u8> {
    let changed = body.replacen("552177279717587730", "552177279717587731", 1);
    assert_ne!(changed, body);
    changed.into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_zalo_vectors_pass_the_webhook_and_a_changed_byte_does_not() {
    let text = fixture("zalo_signature_vector.txt");
    let (app_id, secret) = (value(&text, "app_id"), value(&text, "oa_secret_key"));
    let vectors = pairs(&text, "body", "expected_header");
    assert_eq!(vectors.len(), 2, "the ASCII and the Vietnamese vector");
    assert_eq!(
        text.lines().filter(|l| l.starts_with("body=")).count(),
        2,
        "no body without its header"
    );
    let env = [
        ("ZALO__APP_ID", app_id.as_str()),
        ("ZALO__OA_SECRET_KEY", secret.as_str()),
        ("ZALO__ACCESS_TOKEN", ZALO_TOKEN),
    ];
    let options = AppOptions {
        env: &env,
        fakes: Some(platform_fakes().await),
        ..Default::default()
    };
    let app = spawn_app_with(Backend::Sqlite, options).await.unwrap();
    for (body, header) in &vectors {
        let signed = ("x-zevent-signature", header.as_str());
        assert_eq!(
            post(&app, "/webhooks/zalo", signed, body.clone().into_bytes()).await,
            200,
            "{body}"
        );
        assert_eq!(
            post(&app, "/webhooks/zalo", signed, one_byte_changed(body)).await,
            401,
            "{body}"
        );
        let bare = header.strip_prefix("mac=").unwrap();
        assert_eq!(
            post(
                &app,
                "/webhooks/zalo",
                ("x-zevent-signature", bare),
                body.clone().into_bytes()
            )
            .await,
            401,
            "no mac= prefix"
        );
    }
    // The two vectors are one message (same msg_id): stored once, answered once.
    app.processed().await;
    assert_eq!(app.event_count().await, 1);
    assert_eq!(app.messages().await.len(), 1);
    assert_eq!(app.delivered().await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_facebook_vectors_pass_the_webhook_and_a_changed_byte_does_not() {
    let text = fixture("fb_signature_vector.txt");
    assert_eq!(value(&text, "app_secret"), "FAKE_SECRET");
    let sha256 = pairs(&text, "raw_body", "x-hub-signature-256");
    let sha1 = pairs(&text, "raw_body", "x-hub-signature");
    assert_eq!(
        (sha256.len(), sha1.len()),
        (2, 2),
        "two vectors of each header"
    );
    assert_eq!(
        text.lines().filter(|l| l.starts_with("raw_body=")).count(),
        4,
        "no body without its header"
    );
    let env = [
        ("FACEBOOK__APP_SECRET", "FAKE_SECRET"),
        ("FACEBOOK__VERIFY_TOKEN", "verify"),
        ("FACEBOOK__PAGE_ID", "1"),
    ];
    let app = spawn_app_with(
        Backend::Sqlite,
        AppOptions {
            env: &env,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    for (body, header) in &sha256 {
        // The vectors' bodies are not webhooks: past the signature, the body itself is refused (400, not 401).
        let signed = ("x-hub-signature-256", header.as_str());
        assert_eq!(
            post(
                &app,
                "/webhooks/facebook",
                signed,
                body.clone().into_bytes()
            )
            .await,
            400,
            "{body}"
        );
        let mut changed = body.clone().into_bytes();
        changed[0] ^= 1;
        assert_eq!(
            post(&app, "/webhooks/facebook", signed, changed).await,
            401,
            "{body}"
        );
    }
    // The legacy SHA-1 header alone is not enough.
    for (body, header) in &sha1 {
        assert_eq!(
            post(
                &app,
                "/webhooks/facebook",
                ("x-hub-signature", header.as_str()),
                body.clone().into_bytes()
            )
            .await,
            401,
            "{body}"
        );
    }
    assert_eq!(app.event_count().await, 0);
}
