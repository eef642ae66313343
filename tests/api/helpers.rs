//! `spawn_app` and the small vocabulary tests are written in.
use std::path::{Path, PathBuf};
use std::sync::Arc;

use phananh::config::Settings;
use phananh::domain::TrackingCode;
use phananh::http::{Application, Overrides};
use phananh::intake::CodeSource;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, EntityTrait, PaginatorTrait};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Whether this run is CI's: `CI` set to anything but empty, `0` or `false` (`CI=true`, `CI=1`). There a missing
/// PostgreSQL fails the PostgreSQL tests instead of skipping them.
pub fn in_ci() -> bool {
    std::env::var("CI")
        .is_ok_and(|v| !matches!(v.trim().to_ascii_lowercase().as_str(), "" | "0" | "false"))
}

/// Appends `line` to the run's test summary (`target/tmp/test-summary.log`), which `.ci/run` clears before
/// `cargo test` and counts after it: `cargo test` hides what passing tests print, so a skip would go unseen.
pub fn record_in_summary(line: &str) {
    use std::io::Write;
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-summary.log");
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| file.write_all(format!("{line}\n").as_bytes()));
    if let Err(err) = written {
        eprintln!("cannot write the test summary {}: {err}", path.display());
    }
}

/// The running test's name as libtest gives it (its thread's name), for the summary.
fn current_test() -> String {
    std::thread::current()
        .name()
        .unwrap_or("unnamed test")
        .to_owned()
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
    /// The app's attachments folder (a restart finds its files again).
    pub attachments: tempfile::TempDir,
}

impl TestDb {
    /// A database the test made itself (a private PostgreSQL cluster, say).
    pub fn at(url: String) -> TestDb {
        TestDb {
            url,
            _dir: None,
            attachments: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A fresh database, or `None` when PostgreSQL is unreachable outside CI (the test then says it skipped).
    pub async fn fresh(backend: Backend) -> Option<TestDb> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/phananh.db?mode=rwc", dir.path().display());
                Some(TestDb {
                    url,
                    _dir: Some(dir),
                    attachments: tempfile::tempdir().expect("temp dir"),
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
                    Err(err) if !in_ci() => {
                        eprintln!(
                            "SKIPPED (PostgreSQL unreachable at {admin_url}: {err}); set PHANANH_TEST_POSTGRES_URL, or CI=1 to fail instead"
                        );
                        record_in_summary(&format!("postgres skipped {}", current_test()));
                        return None;
                    }
                    Err(err) => {
                        panic!("CI is set and PostgreSQL is unreachable at {admin_url}: {err}")
                    }
                };
                sweep_old_databases(&admin).await;
                let name = format!(
                    "{TEST_DB_PREFIX}{}_{}",
                    chrono::Utc::now().timestamp(),
                    TrackingCode::generate().as_str().to_lowercase()
                );
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                record_in_summary(&format!("postgres ran {}", current_test()));
                let mut url = url::Url::parse(&admin_url).expect("postgres url");
                url.set_path(&name);
                Some(TestDb {
                    url: url.to_string(),
                    _dir: None,
                    attachments: tempfile::tempdir().expect("temp dir"),
                })
            }
        }
    }
}

/// Test databases are named `phananh_test_<unix seconds>_<random>`.
const TEST_DB_PREFIX: &str = "phananh_test_";

/// Once per test process: drops the test databases of runs over six hours old (and unnamed by time, from before
/// the names had one), which no test drops itself; each full run leaves about 170 of them, 1.6 GB.
async fn sweep_old_databases(admin: &DatabaseConnection) {
    static SWEPT: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    SWEPT
        .get_or_init(|| async {
            let cutoff = chrono::Utc::now().timestamp() - 6 * 3600;
            let Ok(rows) = admin
                .query_all_raw(sea_orm::Statement::from_string(
                    admin.get_database_backend(),
                    format!(
                        "SELECT datname FROM pg_database WHERE datname LIKE '{TEST_DB_PREFIX}%'"
                    ),
                ))
                .await
            else {
                return;
            };
            for row in rows {
                let Ok(name) = row.try_get::<String>("", "datname") else {
                    continue;
                };
                let made = name
                    .strip_prefix(TEST_DB_PREFIX)
                    .and_then(|rest| rest.split_once('_'))
                    .and_then(|(secs, _)| secs.parse::<i64>().ok());
                if made.is_none_or(|secs| secs < cutoff) {
                    // Best effort: another process may be dropping it too.
                    let _ = admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await;
                }
            }
        })
        .await;
}

/// The settings keys of every outside API the app may call.
pub const OUTSIDE_APIS: [&str; 3] = ["ZALO__API_BASE", "ZALO__OAUTH_BASE", "FACEBOOK__GRAPH_BASE"];

/// Where settings built outside `start_on` send outside calls: a closed local port, never the real platforms.
const NOWHERE: &str = "http://127.0.0.1:9";

/// The settings a test app runs with: the bundled defaults, a free port, the test's database, every outside API
/// on this machine (`extra` names the test's own fakes; else a closed port), and `extra` environment overrides
/// (`("FORM__RATE_LIMIT_PER_MINUTE", "3")`).
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
        // Never the checkout's data/ (content-addressed: apps built here may share it).
        (
            "PHANANH__ATTACHMENTS__STORE".to_owned(),
            Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join("attachments")
                .display()
                .to_string(),
        ),
    ];
    for key in OUTSIDE_APIS {
        if !extra.iter().any(|(k, _)| *k == key) {
            env.push((format!("PHANANH__{key}"), NOWHERE.to_owned()));
        }
    }
    env.extend(
        extra
            .iter()
            .map(|(k, v)| (format!("PHANANH__{k}"), (*v).to_owned())),
    );
    let settings =
        Settings::load_from(&repo_path("config/default.toml"), env).expect("test settings");
    for base in [
        &settings.zalo.api_base,
        &settings.zalo.oauth_base,
        &settings.facebook.graph_base,
    ] {
        assert!(
            base.starts_with("http://127.0.0.1:"),
            "a test app would call {base}: point it at a local fake"
        );
    }
    settings
}

/// Local fakes of Zalo (API and OAuth) and of the Graph API that a test app calls instead of the platforms.
/// Each has a tripwire: any call no test mounted a mock for is answered 500, and when the last handle of the
/// fake goes (the app stops or the test ends) the test fails, listing every call received with its path.
#[derive(Clone)]
pub struct Fakes {
    pub zalo: Arc<MockServer>,
    pub graph: Arc<MockServer>,
}

impl Fakes {
    /// Fakes with nothing but the tripwire: the app may call neither platform.
    pub async fn tripwires() -> Fakes {
        let fakes = Fakes {
            zalo: Arc::new(fake_server().await),
            graph: Arc::new(fake_server().await),
        };
        for (server, platform) in [(&fakes.zalo, "Zalo"), (&fakes.graph, "the Graph API")] {
            Mock::given(any())
                .respond_with(ResponseTemplate::new(500).set_body_string("tripwire"))
                .with_priority(u8::MAX)
                .expect(0)
                .named(format!(
                    "TRIPWIRE: the app called {platform} and this test fakes no such call (requests below)"
                ))
                .mount(server)
                .await;
        }
        fakes
    }

    /// The settings that send the app's outside calls here.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("ZALO__API_BASE".into(), self.zalo.uri()),
            ("ZALO__OAUTH_BASE".into(), self.zalo.uri()),
            ("FACEBOOK__GRAPH_BASE".into(), self.graph.uri()),
        ]
    }
}

/// A fake server of this test's own (not from wiremock's pool, which hands a server to the next test while an
/// app that ended may still be calling it).
pub async fn fake_server() -> MockServer {
    MockServer::builder().start().await
}

pub struct TestApp {
    pub address: String,
    pub db: DatabaseConnection,
    pub client: reqwest::Client,
    pub state: actix_web::web::Data<phananh::web::AppState>,
    /// What the app calls instead of Zalo and the Graph API.
    pub fakes: Fakes,
    server: actix_web::dev::ServerHandle,
    /// The app's run until stopped: its end means the outbox worker finished what it had in flight.
    running: tokio::sync::Mutex<Option<tokio::task::JoinHandle<std::io::Result<()>>>>,
    _test_db: Arc<TestDb>,
}

#[derive(Default)]
pub struct AppOptions<'a> {
    pub env: &'a [(&'a str, &'a str)],
    pub tracking_codes: Option<CodeSource>,
    /// The test's own fakes of the platforms; by default, tripwires only.
    pub fakes: Option<Fakes>,
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
    let fakes = match options.fakes {
        Some(fakes) => fakes,
        None => Fakes::tripwires().await,
    };
    let mut env = fakes.env();
    env.push((
        "ATTACHMENTS__STORE".into(),
        test_db.attachments.path().display().to_string(),
    ));
    // Retried downloads within a test's time.
    env.push(("ATTACHMENTS__RETRY_BASE_MS".into(), "100".into()));
    env.retain(|(key, _)| !options.env.iter().any(|(k, _)| k == key));
    let env: Vec<(&str, &str)> = env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .chain(options.env.iter().copied())
        .collect();
    let settings = test_settings(&test_db.url, &env);
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
    let running = tokio::spawn(app.run_until_stopped());
    let db = Database::connect(test_db.url.clone())
        .await
        .expect("test db connection");
    TestApp {
        address,
        db,
        client: client(),
        state,
        fakes,
        server,
        running: tokio::sync::Mutex::new(Some(running)),
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

    /// Stops the app as a signal would, and waits until its outbox worker has finished the sends in flight.
    /// The test's database connection stays usable.
    /// The folder of the app's local attachments store.
    pub fn attachments_dir(&self) -> &Path {
        self._test_db.attachments.path()
    }

    /// The database's URL, for the binary's commands run beside the app.
    pub fn db_url(&self) -> String {
        self._test_db.url.clone()
    }

    pub async fn shut_down(&self) {
        self.server.stop(true).await;
        if let Some(running) = self.running.lock().await.take() {
            running
                .await
                .expect("the app's run")
                .expect("the app stopped cleanly");
        }
    }

    /// Stops the app (see `shut_down`) and hands back its database for a restart. Its fakes' tripwires are
    /// checked now unless the test holds the fakes for the next start.
    pub async fn stop(self) -> Arc<TestDb> {
        self.shut_down().await;
        self._test_db
    }

    /// Holds the intake worker off until the guard is dropped: events acknowledged meanwhile are applied
    /// together, in one batch, as after a burst.
    pub async fn hold_intake(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.state.intake.hold().await
    }

    /// The app's `/metrics` text.
    pub async fn metrics(&self) -> String {
        self.client
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("metrics text")
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

/// Runs the test body on SQLite and, in its own test, on PostgreSQL. `spawn = path;` picks another app builder;
/// `own_process;` first runs each test again alone in a process of its own (see `in_own_process`), for tests
/// that read the app's metrics.
#[macro_export]
macro_rules! on_both_backends {
    (own_process; spawn = $spawn:path; async fn $name:ident($app:ident) $body:block) => {
        $crate::on_both_backends! { @tests [own] $spawn; $name($app) $body }
    };
    (own_process; async fn $name:ident($app:ident) $body:block) => {
        $crate::on_both_backends! { @tests [own] $crate::helpers::spawn_app; $name($app) $body }
    };
    (spawn = $spawn:path; async fn $name:ident($app:ident) $body:block) => {
        $crate::on_both_backends! { @tests [] $spawn; $name($app) $body }
    };
    (async fn $name:ident($app:ident) $body:block) => {
        $crate::on_both_backends! { @tests [] $crate::helpers::spawn_app; $name($app) $body }
    };
    (@tests [$($own:ident)?] $spawn:path; $name:ident($app:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            use $crate::helpers::{Backend, TestApp};

            async fn body($app: TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $( $crate::on_both_backends!(@$own "sqlite"); )?
                body($spawn(Backend::Sqlite).await.expect("sqlite app")).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $( $crate::on_both_backends!(@$own "postgres"); )?
                if let Some(app) = $spawn(Backend::Postgres).await {
                    body(app).await;
                }
            }
        }
    };
    (@own $test:literal) => {
        if !$crate::helpers::in_own_process(concat!(module_path!(), "::", $test)).await {
            return;
        }
    };
}

/// The metrics recorder is one per process, shared by every test running in it: counts read there may be
/// another test's. So a test that reads metrics runs again alone in a child process of this test binary, where
/// every count is its own. `path` is the test's path (`module_path!()` and its name). Returns `true` in the
/// child, which runs the test; `false` in the parent, which has asserted that the child ran it and passed.
pub async fn in_own_process(path: &str) -> bool {
    const CHILD: &str = "PHANANH_TEST_OWN_PROCESS";
    // libtest names tests without the crate: `api::storage::x` is `storage::x`.
    let name = path
        .split_once("::")
        .map_or(path, |(_, rest)| rest)
        .to_owned();
    if std::env::var(CHILD).is_ok_and(|running| running == name) {
        return true;
    }
    let output = tokio::process::Command::new(std::env::current_exe().expect("test binary"))
        .args([name.as_str(), "--exact", "--test-threads=1"])
        .env(CHILD, &name)
        .output()
        .await
        .expect("the test in its own process");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("test result: ok. 1 passed"),
        "{name} in a process of its own did not pass alone:\n{stdout}\n{stderr}"
    );
    false
}

/// The value of the metric `name` whose labels include `labels`, summed over the matching series, from the
/// Prometheus text; 0 when there is none.
pub fn metric(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (metric_name, label_text) = match series.split_once('{') {
                Some((n, rest)) => (n, rest.strip_suffix('}')?),
                None => (series, ""),
            };
            if metric_name != name {
                return None;
            }
            let all = labels.iter().all(|(k, v)| {
                label_text
                    .split(',')
                    .any(|pair| pair == format!("{k}=\"{v}\""))
            });
            all.then(|| value.parse::<f64>().ok()).flatten()
        })
        .sum()
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
