//! `spawn_app` and the small vocabulary tests are written in.
use std::path::{Path, PathBuf};
use std::sync::Arc;

use phananh::config::Settings;
use phananh::domain::TrackingCode;
use phananh::http::{Application, Overrides};
use phananh::intake::CodeSource;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, EntityTrait, PaginatorTrait};

pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the test's database lives; dropped (SQLite: the folder) when the test ends.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A fresh database, or `None` when PostgreSQL is unreachable outside CI (the test then says it skipped).
    pub async fn fresh(backend: Backend) -> Option<TestDb> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/phananh.db?mode=rwc", dir.path().display());
                Some(TestDb {
                    url,
                    _dir: Some(dir),
                })
            }
            Backend::Postgres => {
                let admin_url = std::env::var("PHANANH_TEST_POSTGRES_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
                let mut options = sea_orm::ConnectOptions::new(admin_url.clone());
                options
                    .connect_timeout(std::time::Duration::from_secs(3))
                    .sqlx_logging(false);
                let admin = match Database::connect(options).await {
                    Ok(conn) => conn,
                    Err(err) if std::env::var("CI").as_deref() != Ok("true") => {
                        eprintln!(
                            "SKIPPED (PostgreSQL unreachable at {admin_url}: {err}); set PHANANH_TEST_POSTGRES_URL or CI=true"
                        );
                        return None;
                    }
                    Err(err) => {
                        panic!("CI=true and PostgreSQL is unreachable at {admin_url}: {err}")
                    }
                };
                let name = format!(
                    "phananh_test_{}",
                    TrackingCode::generate().as_str().to_lowercase()
                );
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                let mut url = url::Url::parse(&admin_url).expect("postgres url");
                url.set_path(&name);
                Some(TestDb {
                    url: url.to_string(),
                    _dir: None,
                })
            }
        }
    }
}

/// The settings a test app runs with: the bundled defaults, a free port, the test's database, and `extra`
/// environment overrides (`("FORM__RATE_LIMIT_PER_MINUTE", "3")`).
pub fn test_settings(db_url: &str, extra: &[(&str, &str)]) -> Settings {
    let mut env = vec![
        ("PHANANH__SERVER__BIND".to_owned(), "127.0.0.1:0".to_owned()),
        ("PHANANH__SERVER__WORKERS".to_owned(), "2".to_owned()),
        ("PHANANH__DATABASE__URL".to_owned(), db_url.to_owned()),
        (
            "PHANANH__DATABASE__MAX_CONNECTIONS".to_owned(),
            "4".to_owned(),
        ),
        (
            "PHANANH__ROUTING__GAZETTEER_DIR".to_owned(),
            repo_path("config/gazetteer").display().to_string(),
        ),
        (
            "PHANANH__FORM__RATE_LIMIT_PER_MINUTE".to_owned(),
            "1000".to_owned(),
        ),
    ];
    env.extend(
        extra
            .iter()
            .map(|(k, v)| (format!("PHANANH__{k}"), (*v).to_owned())),
    );
    Settings::load_from(&repo_path("config/default.toml"), env).expect("test settings")
}

pub struct TestApp {
    pub address: String,
    pub db: DatabaseConnection,
    pub client: reqwest::Client,
    pub state: actix_web::web::Data<phananh::web::AppState>,
    server: actix_web::dev::ServerHandle,
    _test_db: Arc<TestDb>,
}

#[derive(Default)]
pub struct AppOptions<'a> {
    pub env: &'a [(&'a str, &'a str)],
    pub tracking_codes: Option<CodeSource>,
}

pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, AppOptions::default()).await
}

pub async fn spawn_app_with(backend: Backend, options: AppOptions<'_>) -> Option<TestApp> {
    let test_db = Arc::new(TestDb::fresh(backend).await?);
    Some(start_on(test_db, backend, options).await)
}

/// Starts an app on an existing test database (a restart, or a second instance).
pub async fn start_on(test_db: Arc<TestDb>, _backend: Backend, options: AppOptions<'_>) -> TestApp {
    let settings = test_settings(&test_db.url, options.env);
    let app = Application::build_with(
        settings,
        Overrides {
            tracking_codes: options.tracking_codes,
        },
    )
    .await
    .expect("app starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let server = app.server_handle();
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());
    let db = Database::connect(test_db.url.clone())
        .await
        .expect("test db connection");
    TestApp {
        address,
        db,
        client: client(),
        state,
        server,
        _test_db: test_db,
    }
}

/// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client")
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn stop(self) -> Arc<TestDb> {
        self.server.stop(true).await;
        self._test_db
    }

    pub async fn ticket_count(&self) -> u64 {
        entity::tickets::Entity::find()
            .count(&self.db)
            .await
            .expect("count tickets")
    }

    pub async fn post_feedback_json(&self, body: serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/feedback"))
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    /// Opens the form page and returns its CSRF token (the cookie stays in the client).
    pub async fn open_form(&self, lang_query: &str) -> (String, String) {
        let page = self
            .client
            .get(self.url(&format!("/{lang_query}")))
            .send()
            .await
            .expect("form page");
        assert_eq!(page.status(), 200);
        let html = page.text().await.expect("form html");
        let token = {
            let doc = scraper::Html::parse_document(&html);
            let selector = scraper::Selector::parse("input[name=csrf_token]").expect("selector");
            doc.select(&selector)
                .next()
                .and_then(|e| e.value().attr("value"))
                .expect("csrf token in the form")
                .to_owned()
        };
        (token, html)
    }

    pub async fn submit_form(&self, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url("/feedback"))
            .form(fields)
            .send()
            .await
            .expect("form post")
    }
}

/// Runs the test body on SQLite and, in its own test, on PostgreSQL. `spawn = path;` picks another app builder.
#[macro_export]
macro_rules! on_both_backends {
    (spawn = $spawn:path; async fn $name:ident($app:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            use $crate::helpers::{Backend, TestApp};

            async fn body($app: TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                body($spawn(Backend::Sqlite).await.expect("sqlite app")).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $spawn(Backend::Postgres).await {
                    body(app).await;
                }
            }
        }
    };
    (async fn $name:ident($app:ident) $body:block) => {
        $crate::on_both_backends! { spawn = $crate::helpers::spawn_app; async fn $name($app) $body }
    };
}

/// The display form (`XXXX-XXXX-XXXX`) of a stored tracking code.
pub fn display_code(stored: &str) -> String {
    TrackingCode::display(stored)
}

pub fn fixed_codes(codes: Vec<&'static str>) -> CodeSource {
    let queue = std::sync::Mutex::new(std::collections::VecDeque::from(codes));
    Arc::new(move || {
        let next = queue.lock().expect("lock").pop_front();
        next.and_then(TrackingCode::parse)
            .unwrap_or_else(TrackingCode::generate)
    })
}

/// Waits until `check` holds (background workers are asynchronous), failing after 10 s.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if check().await {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}
