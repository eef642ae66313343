//! The top floor: builds the app (state, workers, middleware, routes) and runs the server's life cycle.
//! Nothing imports it but the command line.
mod middleware;
mod openapi;
mod routes;

pub use openapi::ApiDoc;
pub use routes::paths as route_paths;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use tokio::sync::Notify;

use crate::accounts;
use crate::config::Settings;
use crate::db::Db;
use crate::domain::TrackingCode;
use crate::inbox::login::FailedLogins;
use crate::intake::{CodeSource, Intake, IntakeParts};
use crate::routing::Router;
use crate::spool::EventStore;
use crate::templates::Templates;
use crate::web::{AppState, PerMinute};

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
        crate::intake::search_backfill::backfill(&db)
            .await
            .context("cannot fold older tickets' text for search")?;
        let gazetteer =
            Arc::new(crate::routing::load_gazetteer(&settings.routing).context(
                "cannot load the gazetteer (routing.gazetteer_dir, routing.province_code)",
            )?);
        crate::routing::sync_units(&db, &gazetteer)
            .await
            .context("cannot store the gazetteer's units")?;
        let router = Arc::new(Router::new(gazetteer.clone()));
        let evidence = crate::evidence::Keeper::new(
            crate::evidence::Store::open(&settings.attachments).with_context(|| {
                format!(
                    "cannot open the attachments store {} (attachments.store)",
                    settings.attachments.store
                )
            })?,
            &settings.attachments,
        );
        let downloads = Arc::new(crate::evidence::download::Downloads::new(
            db.clone(),
            evidence.clone(),
            settings.attachments.clone(),
            router.clone(),
        )?);
        let deadlines = Arc::new(
            crate::deadlines::Deadlines::load(&settings.deadlines)
                .context("cannot load the working-day calendar")?,
        );
        accounts::sync(&db, &settings)
            .await
            .context("cannot store the configured Zalo OAs and Facebook Pages")?;
        let dedupe_key = crate::keys::dedupe_key(&db, &settings.intake.dedupe_key)
            .await
            .context("cannot read or store the form's duplicate-detection key")?;
        let wake = Arc::new(Notify::new());
        let events = EventStore::start(
            db.spool.as_deref(),
            &db.write,
            settings.database.sqlite_synchronous,
            wake.clone(),
        )
        .context("cannot start the webhook event writer")?;
        let settings = Arc::new(settings);
        let outbound = crate::outbound::Outbound::new(&settings, db.clone())?;
        let intake = Intake::start(IntakeParts {
            settings: settings.clone(),
            db: db.clone(),
            gazetteer: gazetteer.clone(),
            router,
            deadlines,
            tracking_codes: overrides
                .tracking_codes
                .unwrap_or_else(|| Arc::new(TrackingCode::generate)),
            dedupe_key,
            events,
            wake,
            outbound: outbound.clone(),
        });
        let failed_logins = web::Data::new(FailedLogins::new(&settings.auth));
        let state = web::Data::new(AppState {
            form_limiter: PerMinute::new(settings.form.rate_limit_per_minute),
            settings,
            db,
            gazetteer,
            templates: Templates::new(),
            metrics,
            intake: intake.clone(),
            evidence,
        });

        let listener = TcpListener::bind(&state.settings.server.bind)
            .with_context(|| format!("cannot listen on {}", state.settings.server.bind))?;
        let port = listener.local_addr()?.port();
        let server = run(listener, state.clone(), failed_logins.clone())?;
        spawn_housekeeping(state.clone(), failed_logins);
        crate::intake::worker::spawn(intake);
        let outbound_worker = outbound.spawn();
        let reminders_wake = outbound.clone();
        crate::satisfaction::reminders::spawn(
            state.db.clone(),
            state.settings.clone(),
            state.gazetteer.clone(),
            move || reminders_wake.wake(),
        );
        crate::satisfaction::rollup::spawn(state.db.clone());
        crate::evidence::download::spawn(downloads);
        crate::evidence::retention::spawn(
            state.db.clone(),
            state.evidence.store.clone(),
            state.settings.attachments.retention_days,
        );
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
        if let Err(err) = crate::intake::worker::run_once(&self.state.intake).await {
            tracing::warn!(error = %err, "events left for the next start");
        }
        self.state.intake.outbound.shutdown();
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

fn run(
    listener: TcpListener,
    state: web::Data<AppState>,
    failed_logins: web::Data<FailedLogins>,
) -> anyhow::Result<Server> {
    let max_body = state.settings.server.max_body_bytes;
    let session_key = crate::inbox::session::key(&state.settings);
    let workers = match state.settings.server.workers {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    };
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(failed_logins.clone())
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
            .configure(|cfg| routes::routes(cfg, &state.settings))
    })
    .workers(workers)
    .shutdown_timeout(20)
    .listen(listener)?
    .run();
    Ok(server)
}

/// Periodic upkeep that no request should pay for.
fn spawn_housekeeping(state: web::Data<AppState>, failed_logins: web::Data<FailedLogins>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            state.form_limiter.prune();
            failed_logins.prune();
            if let Err(err) = crate::inbox::session::prune(&state.db, &state.settings.auth).await {
                tracing::warn!(error = %err, "cannot delete expired sessions");
            }
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
