//! App wiring: shared state, middleware, routes, body limits and the server's life cycle.
pub mod body;
mod client;
pub mod csrf;
mod error;
mod middleware;
mod rate_limit;
mod service;

use std::net::{IpAddr, TcpListener};
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use metrics_exporter_prometheus::PrometheusHandle;

pub use client::client_ip;
pub use error::ApiError;
pub use rate_limit::PerMinute;

use tokio::sync::Notify;

use crate::channels::accounts::{self, ServedAccounts};
use crate::channels::events::EventStore;
use crate::config::Settings;
use crate::db::Db;
use crate::domain::TrackingCode;
use crate::intake::form_writer::FormWriter;
use crate::intake::language::LanguageDetector;
use crate::routing::{Gazetteer, Router};
use crate::templates::Templates;

/// Where new tracking codes come from; tests replace it to force collisions.
pub type CodeSource = Arc<dyn Fn() -> TrackingCode + Send + Sync>;

/// Everything a request handler may need, built once.
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub gazetteer: Arc<Gazetteer>,
    pub router: Arc<Router>,
    pub templates: Templates,
    pub form_limiter: PerMinute<IpAddr>,
    pub metrics: PrometheusHandle,
    pub tracking_codes: CodeSource,
    pub language: Arc<LanguageDetector>,
    /// The OAs and Pages whose events we take, and the units that own them.
    pub served: ServedAccounts,
    /// Durable, group-committed storage of webhook events.
    pub events: EventStore,
    /// Wakes the intake worker when events were stored.
    pub intake_wake: Arc<Notify>,
    /// One intake pass at a time (the worker's, and the last one at shutdown): on SQLite a pass reads its batch
    /// before taking the writer.
    pub intake_pass: tokio::sync::Mutex<()>,
    /// The outbox's delivery worker and its wake-up (outbound::Outbound::wake after queuing).
    pub outbound: crate::outbound::Outbound,
    /// The legal tracks' clocks on the working-day calendar: every new ticket's `due_at`.
    pub deadlines: Arc<crate::deadlines::Deadlines>,
    /// Batches form submissions into group commits.
    pub form_writer: FormWriter,
    /// Failed officer logins per username and per client.
    pub failed_logins: crate::inbox::login::FailedLogins,
}

/// Test seams: parts of the app a test may replace.
#[derive(Default)]
pub struct Overrides {
    pub tracking_codes: Option<CodeSource>,
}

pub struct Application {
    port: u16,
    outbound_worker: tokio::task::JoinHandle<()>,
    server: Server,
    pub state: web::Data<AppState>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        Application::build_with(settings, Overrides::default()).await
    }

    /// Migrates, loads the gazetteer and binds `server.bind` (port 0 picks a free port, as tests do).
    pub async fn build_with(
        settings: Settings,
        overrides: Overrides,
    ) -> anyhow::Result<Application> {
        let metrics = crate::telemetry::metrics_handle();
        // Opened from a runtime thread: the connections' threads inherit its (background) priority.
        let database = settings.database.clone();
        let db = tokio::spawn(async move { Db::connect(&database).await })
            .await?
            .with_context(|| {
                format!(
                    "cannot open the database at {}",
                    redact(&settings.database.url)
                )
            })?;
        db.migrate()
            .await
            .context("cannot apply database migrations")?;
        let gazetteer =
            Arc::new(crate::routing::load_gazetteer(&settings.routing).context(
                "cannot load the gazetteer (routing.gazetteer_dir, routing.province_code)",
            )?);
        crate::routing::sync_units(&db, &gazetteer)
            .await
            .context("cannot store the gazetteer's units")?;
        let router = Arc::new(Router::new(gazetteer.clone()));
        let deadlines = Arc::new(
            crate::deadlines::Deadlines::load(&settings.deadlines)
                .context("cannot load the working-day calendar")?,
        );
        accounts::sync(&db.write, &settings)
            .await
            .context("cannot store the configured Zalo OAs and Facebook Pages")?;
        let intake_wake = Arc::new(Notify::new());
        let events = EventStore::start(
            &db,
            settings.database.sqlite_synchronous,
            intake_wake.clone(),
        )
        .context("cannot start the webhook event writer")?;
        // Built once: lingua's models are compiled in and load lazily; the detector is shared by every worker.
        let language = Arc::new(LanguageDetector::new());

        let (form_writer, form_queue) = FormWriter::new();
        let state = web::Data::new(AppState {
            form_writer,
            served: accounts::served(&settings),
            events,
            intake_wake,
            intake_pass: tokio::sync::Mutex::new(()),
            outbound: crate::outbound::Outbound::new(&settings, db.clone())?,
            form_limiter: PerMinute::new(settings.form.rate_limit_per_minute),
            failed_logins: crate::inbox::login::FailedLogins::new(
                settings.auth.login_rate_limit_per_minute,
            ),
            settings: Arc::new(settings),
            db,
            gazetteer,
            router,
            templates: Templates::new(),
            metrics,
            tracking_codes: overrides
                .tracking_codes
                .unwrap_or_else(|| Arc::new(TrackingCode::generate)),
            language,
            deadlines,
        });

        let listener = TcpListener::bind(&state.settings.server.bind)
            .with_context(|| format!("cannot listen on {}", state.settings.server.bind))?;
        let port = listener.local_addr()?.port();
        let server = run(listener, state.clone())?;
        crate::intake::form_writer::start(state.clone(), form_queue);
        spawn_housekeeping(state.clone());
        crate::intake::worker::spawn(state.clone());
        let outbound_worker = crate::outbound::spawn(state.clone());
        Ok(Application {
            outbound_worker,
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server from elsewhere (tests, embedding).
    pub fn server_handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT/SIGTERM; actix-web then stops accepting and finishes in-flight requests.
    /// Then applies the events acknowledged last and lets the outbox worker finish the sends in flight.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        if let Err(err) = crate::intake::worker::run_once(&self.state).await {
            tracing::warn!(error = %err, "events left for the next start");
        }
        self.state.outbound.shutdown();
        if tokio::time::timeout(std::time::Duration::from_secs(20), self.outbound_worker)
            .await
            .is_err()
        {
            tracing::warn!(
                "the outbox worker did not stop in time; unfinished sends become 'unknown'"
            );
        }
        served
    }
}

fn run(listener: TcpListener, state: web::Data<AppState>) -> anyhow::Result<Server> {
    let max_body = state.settings.server.max_body_bytes;
    let session_key = crate::inbox::session::key(&state.settings);
    let workers = match state.settings.server.workers {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    };
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(middleware::payload_config(max_body))
            .app_data(middleware::json_config(max_body))
            .app_data(middleware::path_config())
            .app_data(middleware::query_config())
            .app_data(middleware::form_config(max_body))
            .wrap(crate::inbox::session::middleware(
                &state.settings,
                session_key.clone(),
            ))
            .wrap(actix_web::middleware::from_fn(middleware::security_headers))
            .wrap(actix_web::middleware::from_fn(middleware::observe))
            .configure(|cfg| service::routes(cfg, &state.settings))
    })
    .workers(workers)
    .shutdown_timeout(20)
    .listen(listener)?
    .run();
    Ok(server)
}

/// Periodic upkeep that no request should pay for.
fn spawn_housekeeping(state: web::Data<AppState>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            state.form_limiter.prune();
            state.failed_logins.prune();
        }
    });
}

/// A database URL without its password, for error messages.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}
