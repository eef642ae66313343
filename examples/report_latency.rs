//! Latency of the satisfaction report on a running server (scripts/bench-reports.sh seeds it and starts it):
//! `GET /api/v1/reports/satisfaction` as an officer (their unit) and as a supervisor (the whole province), per unit
//! over the last 30 days, the last half-year (182 days) and the last year per month, per officer over 30 days, per
//! channel and quarter over a year, per procedure over a year, and per unit over a year as CSV; and `GET /healthz`
//! in the same run as the baseline.
//!
//! `cargo run --release --example report_latency -- --base URL --officer NAME --supervisor NAME [--runs N]`, both
//! officers' password in PHANANH_PASSWORD. Requests are sequential, one at a time (a person waiting for a report);
//! each scenario is asked once untimed, then N times timed. Prints p50, p95 and max per scenario, and what the
//! first answer said (rows, tickets received, answers with a score); fails when a report does not answer 200.
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{Duration as Days, NaiveDate, Utc};
use clap::Parser;

/// The target: a report within this, at the 95th percentile.
const TARGET: Duration = Duration::from_millis(300);

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:18092")]
    base: String,
    #[arg(long)]
    officer: String,
    #[arg(long)]
    supervisor: String,
    #[arg(long, default_value_t = 30)]
    runs: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let password = std::env::var("PHANANH_PASSWORD").context("PHANANH_PASSWORD")?;
    let base = args.base.trim_end_matches('/');
    let plain = client()?;
    let mut results = vec![
        measure(
            &plain,
            "GET /healthz",
            &format!("{base}/healthz"),
            args.runs,
        )
        .await?,
    ];
    // Ranges end today in Vietnam (UTC+7), as the report's own default does.
    let today = (Utc::now() + Days::hours(7)).date_naive();
    let last = |days: i64| -> (String, String) {
        let from: NaiveDate = today - Days::days(days - 1);
        (from.to_string(), today.to_string())
    };
    let scenarios: [Scenario; 7] = [
        ("unit, 30 days", 30, vec![("group", "unit")]),
        ("unit, 182 days", 182, vec![("group", "unit")]),
        (
            "unit per month, 365 days",
            365,
            vec![("group", "unit"), ("period", "month")],
        ),
        ("officer, 30 days", 30, vec![("group", "officer")]),
        (
            "channel per quarter, 365 days",
            365,
            vec![("group", "channel"), ("period", "quarter")],
        ),
        ("procedure, 365 days", 365, vec![("group", "procedure")]),
        (
            "unit, 365 days, CSV",
            365,
            vec![("group", "unit"), ("format", "csv")],
        ),
    ];
    for (role, name) in [("officer", &args.officer), ("supervisor", &args.supervisor)] {
        let session = client()?;
        let login = session
            .post(format!("{base}/api/v1/auth/login"))
            .json(&serde_json::json!({"username": name, "password": password}))
            .send()
            .await?;
        anyhow::ensure!(
            login.status().is_success(),
            "login as {name}: {}",
            login.status()
        );
        for (label, days, params) in &scenarios {
            let (from, to) = last(*days);
            let mut params: Vec<(&str, &str)> = params.clone();
            params.extend([("from", from.as_str()), ("to", to.as_str())]);
            let url = format!(
                "{base}/api/v1/reports/satisfaction?{}",
                url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(&params)
                    .finish()
            );
            results.push(measure(&session, &format!("{role} {label}"), &url, args.runs).await?);
        }
    }
    results.push(
        measure(
            &plain,
            "GET /healthz (again)",
            &format!("{base}/healthz"),
            args.runs,
        )
        .await?,
    );
    println!("| scenario | p50 ms | p95 ms | max ms | first answer |");
    println!("|---|---|---|---|---|");
    for r in &results {
        println!(
            "| {} | {:.1} | {:.1} | {:.1} | {} |",
            r.label,
            ms(r.p50),
            ms(r.p95),
            ms(r.max),
            r.note
        );
    }
    let over: Vec<&str> = results
        .iter()
        .filter(|r| r.p95 > TARGET)
        .map(|r| r.label.as_str())
        .collect();
    if over.is_empty() {
        println!("every scenario: p95 <= {} ms", TARGET.as_millis());
    } else {
        println!("p95 > {} ms: {}", TARGET.as_millis(), over.join("; "));
    }
    let empty: Vec<&str> = results
        .iter()
        .filter(|r| r.empty)
        .map(|r| r.label.as_str())
        .collect();
    if !empty.is_empty() {
        println!(
            "no answers with a score in the range (too few tickets seeded, or a database without ratings): {}",
            empty.join("; ")
        );
    }
    Ok(())
}

/// A label, the range's length in days ending today, and the query's other parameters.
type Scenario = (&'static str, i64, Vec<(&'static str, &'static str)>);

struct Measured {
    label: String,
    p50: Duration,
    p95: Duration,
    max: Duration,
    note: String,
    /// A report with no answers with a score: nothing measured of the surveys.
    empty: bool,
}

fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(120))
        .build()?)
}

async fn measure(
    client: &reqwest::Client,
    label: &str,
    url: &str,
    runs: usize,
) -> anyhow::Result<Measured> {
    let (note, empty) = describe(client.get(url).send().await?, url).await?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let response = client.get(url).send().await?;
        let status = response.status();
        response.bytes().await?;
        times.push(start.elapsed());
        anyhow::ensure!(status.is_success(), "{url}: {status}");
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
    Ok(Measured {
        label: label.to_owned(),
        p50: at(0.5),
        p95: at(0.95),
        max: times[times.len() - 1],
        note,
        empty,
    })
}

/// What the first answer said: the report's rows and its total's counts, or the CSV's lines; and whether it had
/// no answers with a score.
async fn describe(response: reqwest::Response, url: &str) -> anyhow::Result<(String, bool)> {
    let status = response.status();
    let csv = response
        .headers()
        .get("content-type")
        .and_then(|c| c.to_str().ok())
        .is_some_and(|c| c.starts_with("text/csv"));
    let body = response.text().await?;
    anyhow::ensure!(
        status.is_success(),
        "{url}: {status}: {}",
        body.chars().take(300).collect::<String>()
    );
    if csv {
        // The total is the last line; `responses` is its column after the header's.
        let lines: Vec<&str> = body.lines().collect();
        let column = lines
            .first()
            .and_then(|h| fields(h).iter().position(|c| c == "responses"));
        let responses = match (column, lines.last()) {
            (Some(i), Some(total)) => fields(total)
                .get(i)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0),
            _ => 0,
        };
        return Ok((
            format!(
                "CSV, {} rows, {responses} answers, {} KB",
                lines.len().saturating_sub(2),
                body.len() / 1024
            ),
            responses == 0,
        ));
    }
    let report = match serde_json::from_str::<serde_json::Value>(&body) {
        Ok(report) if report.get("total").is_some() => report,
        _ => return Ok((format!("{status}, {} bytes", body.len()), false)),
    };
    let total = &report["total"];
    let responses = total["responses"].as_u64().unwrap_or(0);
    Ok((
        format!(
            "{} rows, {} received, {} resolved, {} surveys sent, {responses} answers ({} desk), CSAT {}",
            report["items"].as_array().map_or(0, Vec::len),
            total["received"],
            total["resolved"],
            total["surveys_sent"],
            total["desk_responses"],
            total["csat_pct"]
                .as_f64()
                .map_or_else(|| "-".to_owned(), |c| format!("{c}%")),
        ),
        responses == 0,
    ))
}

/// A CSV line's fields, quotes removed.
fn fields(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                if let Some(f) = out.last_mut() {
                    f.push('"');
                }
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(String::new()),
            c => {
                if let Some(f) = out.last_mut() {
                    f.push(c);
                }
            }
        }
    }
    out
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
