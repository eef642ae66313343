//! The running service attacked as a stranger on the internet would: made-up methods, login floods, lockouts,
//! saved cookies, inputs that overflowed, wildcards, caching and who may read the metrics.
use std::time::{Duration, Instant};

use chrono::Utc;
use phananh::inbox::admin::{reset_password, set_active};
use phananh::inbox::officers::{Role, add_officer};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::{AppOptions, Backend, TestApp, client, spawn_app_with};
use crate::on_both_backends;

const PASSWORD: &str = "mat khau du dai 2026";
const THANH_SEN: &str = "18073";

/// Requests carry `X-Forwarded-For` from the test's loopback "proxy", so each test can play several clients.
async fn behind_proxy(backend: Backend, extra: &[(&'static str, &'static str)]) -> Option<TestApp> {
    let mut env = vec![("SERVER__TRUSTED_PROXIES", "127.0.0.1")];
    env.extend_from_slice(extra);
    spawn_app_with(
        backend,
        AppOptions {
            env: &env,
            ..Default::default()
        },
    )
    .await
}

async fn spawn_behind_proxy(backend: Backend) -> Option<TestApp> {
    behind_proxy(backend, &[]).await
}

async fn login_from(
    app: &TestApp,
    client: &reqwest::Client,
    from: &str,
    username: &str,
    password: &str,
) -> u16 {
    client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", from)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn add(app: &TestApp, username: &str, role: Role) {
    let unit = (role == Role::Officer).then_some(THANH_SEN);
    add_officer(
        &app.state.db,
        &app.state.gazetteer,
        username,
        PASSWORD,
        role,
        unit,
    )
    .await
    .unwrap();
}

/// The session cookie a login set, as a header value a saved copy would send.
async fn logged_in(app: &TestApp, username: &str) -> (reqwest::Client, String) {
    let officer = client();
    let response = officer
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("phananh_session="))
        .and_then(|c| c.split(';').next())
        .expect("session cookie")
        .to_owned();
    (officer, cookie)
}

async fn me_with(app: &TestApp, cookie: &str) -> u16 {
    reqwest::Client::new()
        .get(app.url("/api/v1/auth/me"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

on_both_backends! {
    own_process;
    async fn made_up_methods_do_not_grow_the_metrics(app) {
        let made_up = |n: usize| reqwest::Method::from_bytes(format!("X{n:04}{}", "Q".repeat(1000)).as_bytes()).unwrap();
        let _ = app.client.request(made_up(0), app.url("/healthz")).send().await.unwrap();
        // The first read of /metrics adds its own series; the second is the baseline.
        let _ = app.metrics().await;
        let before = app.metrics().await;
        for n in 1..=200 {
            let _ = app.client.request(made_up(n), app.url("/healthz")).send().await.unwrap();
        }
        let after = app.metrics().await;
        assert!(!after.contains("QQQQ"), "a method reached the metrics");
        assert_eq!(before.lines().count(), after.lines().count(), "new series:\n{after}");
        assert!(after.len() < before.len() + 100, "{} -> {} bytes", before.len(), after.len());
        let other = crate::helpers::metric(&after, "http_requests_total", &[("method", "other"), ("route", "/healthz")]);
        assert_eq!(other, 201.0);
    }
}

on_both_backends! {
    async fn parallel_wrong_logins_are_counted_before_any_is_hashed(app) {
        add(&app, "lan.nguyen", Role::Officer).await;
        let attempts = (0..40).map(|_| {
            let client = app.client.clone();
            let url = app.url("/api/v1/auth/login");
            async move {
                client.post(url).json(&json!({"username": "lan.nguyen", "password": "wrong guess 123"}))
                    .send().await.unwrap().status().as_u16()
            }
        });
        let statuses = futures_util::future::join_all(attempts).await;
        let refused = statuses.iter().filter(|s| **s == 429).count();
        let checked = statuses.iter().filter(|s| **s == 401).count();
        assert_eq!(checked, 5, "the limit is 5 a minute: {statuses:?}");
        assert_eq!(refused, 35, "{statuses:?}");
    }
}

on_both_backends! {
    spawn = spawn_behind_proxy;
    async fn a_stranger_s_guesses_do_not_lock_the_officer_out(app) {
        add(&app, "minh.le", Role::Officer).await;
        let stranger = client();
        for _ in 0..5 {
            assert_eq!(login_from(&app, &stranger, "198.51.100.7", "minh.le", "guess guess guess").await, 401);
        }
        assert_eq!(login_from(&app, &stranger, "198.51.100.7", "minh.le", PASSWORD).await, 429);
        // The officer on their own phone gets in.
        assert_eq!(login_from(&app, &client(), "203.0.113.9", "minh.le", PASSWORD).await, 200);
        // The stranger's /64 neighbours are the same client; another IPv6 network is not.
        for _ in 0..5 {
            assert_eq!(login_from(&app, &stranger, "2001:db8:7:1::a", "someone", "guess guess guess").await, 401);
        }
        assert_eq!(login_from(&app, &stranger, "2001:db8:7:1::b", "other.one", "guess guess guess").await, 429);
        assert_eq!(login_from(&app, &stranger, "2001:db8:7:2::a", "other.one", "guess guess guess").await, 401);
    }
}

async fn spawn_with_hourly_limit(backend: Backend) -> Option<TestApp> {
    behind_proxy(
        backend,
        &[
            ("AUTH__LOGIN_FAILURES_PER_USERNAME_PER_HOUR", "3"),
            ("AUTH__LOGIN_RATE_LIMIT_PER_MINUTE", "100"),
        ],
    )
    .await
}

on_both_backends! {
    spawn = spawn_with_hourly_limit;
    async fn many_clients_guessing_one_name_slow_it_down_but_never_lock_it(app) {
        add(&app, "hoa.pham", Role::Officer).await;
        let quick = Instant::now();
        assert_eq!(login_from(&app, &client(), "198.51.100.20", "hoa.pham", PASSWORD).await, 200);
        let unhindered = quick.elapsed();
        for n in 1..=4 {
            let from = format!("198.51.100.{n}");
            assert_eq!(login_from(&app, &client(), &from, "hoa.pham", "guess guess guess").await, 401);
        }
        // Two failures beyond the hourly limit of 3: the next attempt waits at least 2 x 250 ms, and gets in.
        let started = Instant::now();
        assert_eq!(login_from(&app, &client(), "203.0.113.50", "hoa.pham", PASSWORD).await, 200);
        let slowed = started.elapsed();
        assert!(slowed >= Duration::from_millis(500), "{slowed:?} (an unhindered login took {unhindered:?})");
    }
}

on_both_backends! {
    async fn absurd_credentials_are_refused_before_any_work(app) {
        for body in [
            json!({"username": "a".repeat(10_000), "password": PASSWORD}),
            json!({"username": "lan", "password": "p".repeat(10_000)}),
        ] {
            let response = app.client.post(app.url("/api/v1/auth/login")).json(&body).send().await.unwrap();
            assert_eq!(response.status(), 400);
            let error: Value = response.json().await.unwrap();
            assert!(error["error"]["message"].as_str().unwrap().contains("at most"), "{error}");
        }
    }
}

on_both_backends! {
    async fn a_cookie_saved_before_logout_opens_nothing_after_it(app) {
        add(&app, "thu.vo", Role::Officer).await;
        let (officer, saved) = logged_in(&app, "thu.vo").await;
        assert_eq!(me_with(&app, &saved).await, 200);
        let logout = officer.post(app.url("/api/v1/auth/logout")).send().await.unwrap();
        assert_eq!(logout.status(), 204);
        assert_eq!(me_with(&app, &saved).await, 401);
        let session = entity::officer_sessions::Entity::find().one(&app.db).await.unwrap().unwrap();
        assert_eq!(session.end_reason.as_deref(), Some("logout"));
        // The table holds the token's hash, never the token the cookie carries.
        assert_eq!(session.token_hash.len(), 64);
    }
}

on_both_backends! {
    async fn disabling_an_officer_or_resetting_the_password_ends_every_session(app) {
        add(&app, "an.do", Role::Officer).await;
        let (_, phone) = logged_in(&app, "an.do").await;
        let (_, desk) = logged_in(&app, "an.do").await;
        set_active(&app.state.db, "an.do", false, None).await.unwrap();
        assert_eq!(me_with(&app, &phone).await, 401);
        assert_eq!(me_with(&app, &desk).await, 401);
        // Enabled again, the old sessions stay ended: a new login is needed.
        set_active(&app.state.db, "an.do", true, None).await.unwrap();
        assert_eq!(me_with(&app, &phone).await, 401);
        let (_, fresh) = logged_in(&app, "an.do").await;
        assert_eq!(me_with(&app, &fresh).await, 200);
        reset_password(&app.state.db, "an.do", "mot mat khau moi 2026", None).await.unwrap();
        assert_eq!(me_with(&app, &fresh).await, 401);
        let audit: Vec<String> = entity::audit_log::Entity::find().all(&app.db).await.unwrap()
            .into_iter().map(|a| a.action).collect();
        assert_eq!(audit, ["officer.disable", "officer.enable", "officer.reset_password"]);
    }
}

on_both_backends! {
    async fn sessions_end_after_the_idle_time_and_after_the_longest_shift(app) {
        add(&app, "binh.ho", Role::Officer).await;
        let (_, idle) = logged_in(&app, "binh.ho").await;
        let (_, long) = logged_in(&app, "binh.ho").await;
        let (_, fresh) = logged_in(&app, "binh.ho").await;
        let sessions = entity::officer_sessions::Entity::find().all(&app.db).await.unwrap();
        let (first, second) = (sessions[0].id, sessions[1].id);
        // Defaults: 120 idle minutes, 12 hours in all.
        entity::officer_sessions::Entity::update_many()
            .col_expr(entity::officer_sessions::Column::LastSeenAt, Expr::value(Utc::now() - chrono::Duration::minutes(121)))
            .filter(entity::officer_sessions::Column::Id.eq(first))
            .exec(&app.db).await.unwrap();
        entity::officer_sessions::Entity::update_many()
            .col_expr(entity::officer_sessions::Column::CreatedAt, Expr::value(Utc::now() - chrono::Duration::hours(12)))
            .filter(entity::officer_sessions::Column::Id.eq(second))
            .exec(&app.db).await.unwrap();
        assert_eq!(me_with(&app, &idle).await, 401);
        assert_eq!(me_with(&app, &long).await, 401);
        assert_eq!(me_with(&app, &fresh).await, 200);
        // A request keeps a session alive: its last request time moves on (written at most once a minute).
        entity::officer_sessions::Entity::update_many()
            .col_expr(entity::officer_sessions::Column::LastSeenAt, Expr::value(Utc::now() - chrono::Duration::minutes(119)))
            .filter(entity::officer_sessions::Column::Id.eq(sessions[2].id))
            .exec(&app.db).await.unwrap();
        assert_eq!(me_with(&app, &fresh).await, 200);
        let touched = entity::officer_sessions::Entity::find_by_id(sessions[2].id).one(&app.db).await.unwrap().unwrap();
        assert!(Utc::now() - touched.last_seen_at < chrono::Duration::minutes(1));
    }
}

on_both_backends! {
    async fn dates_and_pages_out_of_range_are_clear_errors_not_crashes(app) {
        add(&app, "giam.sat", Role::Supervisor).await;
        let (supervisor, _) = logged_in(&app, "giam.sat").await;
        for query in ["to=%2B262142-12-31", "from=-262143-01-01", "from=2026-01-01&to=9999-12-31"] {
            let response = supervisor.get(app.url(&format!("/api/v1/reports/routing?{query}"))).send().await.unwrap();
            assert_eq!(response.status(), 400, "{query}");
            let body: Value = response.json().await.unwrap();
            assert!(body["error"]["message"].as_str().unwrap().contains("years 2000 to 2999"), "{body}");
        }
        let response = supervisor.get(app.url("/api/v1/tickets?page=18446744073709551615")).send().await.unwrap();
        assert_eq!(response.status(), 400);
        let response = supervisor.get(app.url("/api/v1/tickets?page=18446744073709551616")).send().await.unwrap();
        assert_eq!(response.status(), 400);
        // The service is still there.
        let response = supervisor.get(app.url("/api/v1/reports/routing?from=2026-01-01&to=2026-12-31")).send().await.unwrap();
        assert_eq!(response.status(), 200);
    }
}

on_both_backends! {
    async fn wildcards_and_full_text_syntax_in_a_search_are_not_operators(app) {
        add(&app, "tim.kiem", Role::Supervisor).await;
        let (supervisor, _) = logged_in(&app, "tim.kiem").await;
        for text in ["Phí làm căn cước tăng 100% so với năm ngoái", "Hỏi thủ tục đăng ký tạm trú cho con"] {
            assert_eq!(app.post_feedback_json(json!({"text": text})).await.status(), 201);
        }
        let found = |q: &'static str| {
            let supervisor = supervisor.clone();
            let url = app.url(&format!("/api/v1/tickets?q={}", urlencoding(q)));
            async move {
                let response = supervisor.get(url).send().await.unwrap();
                let status = response.status().as_u16();
                let list: Value = response.json().await.unwrap();
                (status, list["total"].as_u64())
            }
        };
        // A search is words: LIKE's wildcards and the full-text engines' operators are not operators.
        assert_eq!(found("100%").await, (200, Some(1)));
        assert_eq!(found("t_m").await, (200, Some(0)));
        // The last word is always a prefix (people type "can cu" for "căn cước"); a star adds nothing, nor does it
        // open a prefix in the middle.
        assert_eq!(found("ca*").await, (200, Some(1)));
        assert_eq!(found("ca* cuoc").await, (200, Some(0)));
        assert_eq!(found("phi OR tam").await, (200, Some(0)), "OR is a word");
        assert_eq!(found("\"dang ky\" NEAR tam").await, (200, Some(0)));
        assert_eq!(found("dang:* | tam").await, (200, Some(0)), "tsquery syntax is not read");
        assert_eq!(found("dang ky tam").await, (200, Some(1)));
        // Nothing but punctuation: said plainly.
        for q in ["%", "_", "*", "\"\"", "':*"] {
            assert_eq!(found(q).await, (400, None), "{q}");
        }
    }
}

// Found by the API fuzzer on PostgreSQL, which refuses a NUL in text: each was a 500.
on_both_backends! {
    async fn control_characters_in_filters_and_names_are_clear_errors_not_crashes(app) {
        add(&app, "nul.test", Role::Supervisor).await;
        let (supervisor, _) = logged_in(&app, "nul.test").await;
        for query in ["unit_code=%1E%C2%A87%04%08%C2%9E%00", "unit_code=ha-tinh", "q=ab%00cd", "q=%07"] {
            let response = supervisor.get(app.url(&format!("/api/v1/tickets?{query}"))).send().await.unwrap();
            assert_eq!(response.status(), 400, "{query}");
        }
        let response = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": "nul\u{0}.test", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        let response = supervisor.get(app.url("/api/v1/tickets?unit_code=18073")).send().await.unwrap();
        assert_eq!(response.status(), 200);
    }
}

fn urlencoding(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

on_both_backends! {
    spawn = spawn_behind_proxy;
    async fn only_static_assets_are_cached_and_metrics_are_for_the_machine_itself(app) {
        let tracking = app.client.get(app.url("/track/ABCD-EFGH-JKLM")).send().await.unwrap();
        assert_eq!(tracking.headers()["cache-control"], "no-store");
        let api = app.client.get(app.url("/api/v1/tickets")).send().await.unwrap();
        assert_eq!(api.headers()["cache-control"], "no-store");
        let css = app.client.get(app.url("/assets/site.css")).send().await.unwrap();
        assert_ne!(css.headers()["cache-control"], "no-store");
        // Plain http: no HSTS.
        assert!(tracking.headers().get("strict-transport-security").is_none());

        assert_eq!(app.client.get(app.url("/metrics")).send().await.unwrap().status(), 200);
        let outsider = app.client.get(app.url("/metrics")).header("x-forwarded-for", "198.51.100.80").send().await.unwrap();
        assert_eq!(outsider.status(), 403);
        let body: Value = outsider.json().await.unwrap();
        assert_eq!(body["error"]["code"], "forbidden");
    }
}

async fn spawn_with_metrics_token_and_https(backend: Backend) -> Option<TestApp> {
    spawn_app_with(
        backend,
        AppOptions {
            env: &[
                ("METRICS__TOKEN", "s3cret-metrics-token"),
                ("SERVER__PUBLIC_URL", "https://phananh.example.vn"),
            ],
            ..Default::default()
        },
    )
    .await
}

on_both_backends! {
    spawn = spawn_with_metrics_token_and_https;
    async fn a_metrics_token_is_required_once_set_and_https_asks_for_hsts(app) {
        assert_eq!(app.client.get(app.url("/metrics")).send().await.unwrap().status(), 403);
        let wrong = app.client.get(app.url("/metrics")).bearer_auth("s3cret-metrics-tokeN").send().await.unwrap();
        assert_eq!(wrong.status(), 403);
        let right = app.client.get(app.url("/metrics")).bearer_auth("s3cret-metrics-token").send().await.unwrap();
        assert_eq!(right.status(), 200);
        assert_eq!(right.headers()["strict-transport-security"], "max-age=31536000");
    }
}

async fn spawn_taking_big_bodies(backend: Backend) -> Option<TestApp> {
    crate::channels::channel_app_with(backend, &[("SERVER__MAX_BODY_BYTES", "4194304")]).await
}

on_both_backends! {
    spawn = spawn_taking_big_bodies;
    async fn one_odd_or_huge_webhook_does_not_fail_the_others_committed_with_it(app) {
        use crate::channels::{FB_PAGE, zalo_event};
        let now = Utc::now().timestamp_millis();
        // 8,000 Messenger events in one signed POST: at 9 values a row, more than one statement can bind.
        let events: Vec<Value> = (0..8000)
            .map(|n| json!({
                "sender": {"id": format!("psid-{}", n % 40)}, "recipient": {"id": FB_PAGE}, "timestamp": now,
                "message": {"mid": format!("m_bulk_{n}"), "text": format!("Tin nhắn số {n}")}
            }))
            .collect();
        let huge = json!({"object": "page", "entry": [{"id": FB_PAGE, "time": now, "messaging": events}]}).to_string();
        // A signed Zalo event whose message id holds a NUL, which PostgreSQL's text cannot store.
        let nul = zalo_event("user_send_text", "zalo-user-nul", "zmsg\u{0}nul", json!({"text": "Xin hỏi thủ tục"}));
        assert!(nul.contains("\\u0000"));
        let plain = zalo_event("user_send_text", "zalo-user-2", "zmsg-plain", json!({"text": "Hỏi về căn cước"}));
        let (huge, nul, plain) = tokio::join!(app.post_facebook(&huge), app.post_zalo(&nul), app.post_zalo(&plain));
        assert_eq!(huge.status(), 200, "{}", huge.text().await.unwrap());
        assert_eq!(nul.status(), 200);
        assert_eq!(plain.status(), 200);
        app.processed().await;
        assert_eq!(app.event_count().await, 8002);
        let messages = app.messages().await;
        assert_eq!(messages.len(), 8002);
        assert!(messages.iter().any(|m| m.provider_message_id.as_deref() == Some("zmsg\u{FFFD}nul")));
        let failed = entity::inbound_events::Entity::find()
            .filter(entity::inbound_events::Column::LastError.is_not_null())
            .all(&app.db).await.unwrap();
        assert!(failed.is_empty(), "{failed:?}");
    }
}
