//! The `phananh` command line: serve, migrate, officer add | list | disable | enable | reset-password | set-unit |
//! set-province, route, seed.
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use serde::Deserialize;

use crate::config::Settings;
use crate::db::Db;
use crate::http::Application;
use crate::inbox::admin::{list, reset_password, set_active, set_province, set_unit};
use crate::inbox::officers::{NewOfficer, Role, add_officer_as};
use crate::routing::{HintSource, LatLon, RouteInput, Router, UnitHint};

#[derive(Parser)]
#[command(
    name = "phananh",
    version,
    about = "Citizens' feedback to commune police: in, routed, answered, rated"
)]
pub struct Cli {
    /// Settings file (it must exist). Without it: config/default.toml in the working directory when present, else
    /// the same defaults built into the binary. `local.toml` beside the file used (with the built-in defaults:
    /// config/local.toml) and PHANANH__SECTION__KEY variables override it.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations, load the gazetteer and serve HTTP until SIGINT/SIGTERM.
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Manage officers.
    Officer {
        #[command(subcommand)]
        command: OfficerCommand,
    },
    /// Fill an empty database with made-up tickets, the same ones for the same seed (benchmarks).
    Seed {
        /// How many tickets.
        #[arg(long)]
        tickets: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Route JSON lines from stdin: {"id","text","location"?:{"lat","lon"},"unit_hint"?} -> one decision per line.
    Route {
        /// Read and write JSON lines (the only format).
        #[arg(long)]
        jsonl: bool,
    },
}

#[derive(Subcommand)]
enum OfficerCommand {
    /// Create an officer; the password comes from PHANANH_PASSWORD, else it is asked for.
    Add {
        username: String,
        #[arg(long, value_enum)]
        role: Role,
        /// The officer's unit (2025 unit code); required for role `officer`.
        #[arg(long)]
        unit: Option<String>,
        /// A served province (2025 code, e.g. 42): a supervisor or admin sees and manages only its tickets and
        /// officers; without it, every province served. An officer's is their unit's.
        #[arg(long)]
        province: Option<String>,
    },
    /// Disable an officer: they cannot log in, and their open sessions end at once.
    Disable { username: String },
    /// Enable a disabled officer again.
    Enable { username: String },
    /// Set a new password (from PHANANH_PASSWORD, else asked for); the officer's open sessions end.
    ResetPassword { username: String },
    /// List officers: username, role, unit, active, province (tab-separated; `-` for none).
    List,
    /// Move an officer to another unit (2025 unit code); without CODE, no unit (supervisors and admins only).
    /// Tickets they held in the unit they leave are released.
    SetUnit {
        username: String,
        code: Option<String>,
    },
    /// Limit a supervisor or admin to a served province (2025 code); without CODE, every province. Tickets they
    /// held elsewhere are released. An officer's province is their unit's (use set-unit).
    SetProvince {
        username: String,
        code: Option<String>,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load(cli.config.as_deref())?;
    crate::telemetry::init_logs(&settings.log);
    match cli.command {
        Command::Serve => {
            let app = Application::build(settings).await?;
            tracing::info!(port = app.port(), "serving");
            app.run_until_stopped().await?;
            tracing::info!("stopped");
        }
        Command::Migrate => {
            let db = Db::connect(&settings.database).await?;
            db.migrate().await?;
            println!("migrations applied");
        }
        Command::Officer {
            command:
                OfficerCommand::Add {
                    username,
                    role,
                    unit,
                    province,
                },
        } => {
            let password = password_for(&username)?;
            let gazetteer = crate::routing::load_gazetteer(&settings.routing)?;
            let db = Db::connect(&settings.database).await?;
            db.migrate().await?;
            let new = NewOfficer {
                username: &username,
                password: &password,
                role,
                unit: unit.as_deref(),
                province: province.as_deref(),
            };
            let officer = add_officer_as(&db, &gazetteer, &new, None).await?;
            match &officer.province_code {
                Some(province) => println!(
                    "officer {} added ({}, province {province})",
                    officer.username, officer.role
                ),
                None => println!("officer {} added ({})", officer.username, officer.role),
            }
        }
        Command::Officer {
            command: OfficerCommand::Disable { username },
        } => switch_officer(&settings, &username, false).await?,
        Command::Officer {
            command: OfficerCommand::Enable { username },
        } => switch_officer(&settings, &username, true).await?,
        Command::Officer {
            command: OfficerCommand::ResetPassword { username },
        } => {
            let password = password_for(&username)?;
            let db = Db::connect(&settings.database).await?;
            db.migrate().await?;
            let officer = reset_password(&db, &username, &password, None).await?;
            println!("password of {} set; their sessions ended", officer.username);
        }
        Command::Officer {
            command: OfficerCommand::List,
        } => {
            let db = Db::connect(&settings.database).await?;
            db.migrate().await?;
            // The province last: scripts reading the first four columns read what they did.
            for officer in list(&db, None).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    officer.username,
                    officer.role,
                    officer.unit_code.as_deref().unwrap_or("-"),
                    if officer.active { "active" } else { "disabled" },
                    officer.province_code.as_deref().unwrap_or("-"),
                );
            }
        }
        Command::Officer {
            command: OfficerCommand::SetUnit { username, code },
        } => {
            let gazetteer = crate::routing::load_gazetteer(&settings.routing)?;
            let db = Db::connect(&settings.database).await?;
            db.migrate().await?;
            let officer = set_unit(&db, &gazetteer, &username, code.as_deref(), None).await?;
            println!(
                "officer {} now in unit {}",
                officer.username,
                officer.unit_code.as_deref().unwrap_or("(none)")
            );
        }
        Command::Officer {
            command: OfficerCommand::SetProvince { username, code },
        } => {
            let gazetteer = crate::routing::load_gazetteer(&settings.routing)?;
            let db = Db::connect(&settings.database).await?;
            db.migrate().await?;
            let officer = set_province(&db, &gazetteer, &username, code.as_deref(), None).await?;
            println!(
                "officer {} now sees {}",
                officer.username,
                officer
                    .province_code
                    .map_or_else(|| "every province".to_owned(), |p| format!("province {p}"))
            );
        }
        Command::Seed { tickets, seed } => {
            let gazetteer = crate::routing::load_gazetteer(&settings.routing)?;
            let deadlines = crate::deadlines::Deadlines::load(&settings.deadlines)?;
            let db = Db::connect(&settings.database).await?;
            db.migrate().await?;
            let started = std::time::Instant::now();
            let seeded = crate::seed::seed(&db, &gazetteer, &deadlines, tickets, seed).await?;
            println!(
                "seeded {} tickets ({} open, {} with \"dang ky\", {} with \"{}\"), {} messages, {} contacts, {} surveys ({} answered), {} desk ratings in {:.1} s; a tracking code: {}",
                seeded.tickets,
                seeded.open,
                seeded.registering,
                seeded.rare,
                crate::seed::RARE_TERM,
                seeded.messages,
                seeded.contacts,
                seeded.surveys,
                seeded.answered,
                seeded.desk_ratings,
                started.elapsed().as_secs_f64(),
                seeded.sample_code.as_deref().unwrap_or("-"),
            );
        }
        Command::Route { jsonl } => {
            if !jsonl {
                anyhow::bail!("use `phananh route --jsonl` (JSON lines on stdin)");
            }
            let gazetteer = Arc::new(crate::routing::load_gazetteer(&settings.routing)?);
            route_lines(
                &Router::new(gazetteer),
                std::io::stdin().lock(),
                std::io::stdout().lock(),
            )?;
        }
    }
    Ok(())
}

async fn switch_officer(settings: &Settings, username: &str, active: bool) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database).await?;
    db.migrate().await?;
    let officer = set_active(&db, username, active, None).await?;
    let done = if active {
        "enabled"
    } else {
        "disabled; their sessions ended"
    };
    println!("officer {} {done}", officer.username);
    Ok(())
}

fn password_for(username: &str) -> anyhow::Result<String> {
    match std::env::var("PHANANH_PASSWORD") {
        Ok(p) if !p.is_empty() => Ok(p),
        _ => rpassword::prompt_password(format!("Password for {username}: "))
            .context("cannot read the password"),
    }
}

#[derive(Deserialize)]
struct RouteLine {
    id: serde_json::Value,
    text: String,
    location: Option<LatLon>,
    unit_hint: Option<String>,
}

/// One decision per input line; a malformed line gets an error object with its line number, and the rest go on.
fn route_lines(router: &Router, input: impl BufRead, mut output: impl Write) -> anyhow::Result<()> {
    for (number, line) in input.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let out = match serde_json::from_str::<RouteLine>(&line) {
            Ok(request) => {
                let decision = router.decide(&RouteInput {
                    text: &request.text,
                    location: request.location,
                    unit_hint: request.unit_hint.as_deref().map(|code| UnitHint {
                        code,
                        source: HintSource::Form,
                    }),
                    previous_units: &[],
                });
                serde_json::json!({
                    "id": request.id,
                    "unit_code": decision.unit_code,
                    "province_code": decision.province_code,
                    "confidence": decision.confidence,
                    "reasons": decision.reasons,
                })
            }
            Err(err) => serde_json::json!({
                "line": number + 1,
                "error": {"code": "bad_line", "message": format!("not a routing request: {err}")},
            }),
        };
        serde_json::to_writer(&mut output, &out)?;
        output.write_all(b"\n")?;
    }
    output.flush()?;
    Ok(())
}
