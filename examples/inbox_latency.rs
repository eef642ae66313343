//! Latency of the officers' inbox on a running server (scripts/bench-inbox.sh seeds it and starts it): the queue
//! page `/inbox` and the list API `/api/v1/tickets`, as an officer (their unit) and as a supervisor (the whole
//! province), first page and page 50, without a search, with a common term, a rare one and a tracking code; and
//! `GET /healthz` in the same run as the baseline.
//!
//! `cargo run --release --example inbox_latency -- --base URL --officer NAME --supervisor NAME --code CODE
//! [--rare TERM] [--runs N]`, both officers' password in PHANANH_PASSWORD. Requests are sequential, one at a time
//! (a person waiting for a page); each scenario is asked once untimed, then N times timed. Prints p50, p95 and
//! max per scenario, and what the first answer said (how many tickets, a redirect).
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use reqwest::StatusCode;
use reqwest::redirect::Policy;

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:18090")]
    base: String,
    #[arg(long)]
    officer: String,
    #[arg(long)]
    supervisor: String,
    /// A tracking code of a ticket in the officer's unit.
    #[arg(long)]
    code: String,
    #[arg(long, default_value = "khinh khi cau")]
    rare: String,
    #[arg(long, default_value = "dang ky")]
    common: String,
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
    let searches: [(&str, Vec<(&str, &str)>); 6] = [
        ("page 1", vec![]),
        ("page 50", vec![("page", "50")]),
        ("common, page 1", vec![("q", &args.common)]),
        ("common, page 50", vec![("q", &args.common), ("page", "50")]),
        ("rare", vec![("q", &args.rare)]),
        ("tracking code", vec![("q", &args.code)]),
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
        for (path, surface) in [("/inbox", "page"), ("/api/v1/tickets", "API")] {
            for (label, params) in &searches {
                let query = query_string(params);
                let url = format!("{base}{path}{query}");
                results.push(
                    measure(
                        &session,
                        &format!("{role} {surface} {label}"),
                        &url,
                        args.runs,
                    )
                    .await?,
                );
            }
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
        .filter(|r| r.p95 > Duration::from_millis(100))
        .map(|r| r.label.as_str())
        .collect();
    if over.is_empty() {
        println!("every scenario: p95 <= 100 ms");
    } else {
        println!("p95 > 100 ms: {}", over.join("; "));
    }
    Ok(())
}

struct Measured {
    label: String,
    p50: Duration,
    p95: Duration,
    max: Duration,
    note: String,
}

fn client() -> anyhow::Result<reqwest::Client> {
    // A tracking code in the page's search box answers 303 to its ticket: the queue's work is that answer.
    Ok(reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .timeout(Duration::from_secs(60))
        .build()?)
}

async fn measure(
    client: &reqwest::Client,
    label: &str,
    url: &str,
    runs: usize,
) -> anyhow::Result<Measured> {
    let note = describe(client.get(url).send().await?, url).await?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let response = client.get(url).send().await?;
        let status = response.status();
        response.bytes().await?;
        times.push(start.elapsed());
        anyhow::ensure!(
            status.is_success() || status == StatusCode::SEE_OTHER,
            "{url}: {status}"
        );
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
    Ok(Measured {
        label: label.to_owned(),
        p50: at(0.5),
        p95: at(0.95),
        max: times[times.len() - 1],
        note,
    })
}

/// What the first answer said: the API's total and page size, or the page's status.
async fn describe(response: reqwest::Response, url: &str) -> anyhow::Result<String> {
    let status = response.status();
    if status == StatusCode::SEE_OTHER {
        let to = response
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        return Ok(format!("303 to {to}"));
    }
    anyhow::ensure!(status.is_success(), "{url}: {status}");
    let body = response.text().await?;
    Ok(match serde_json::from_str::<serde_json::Value>(&body) {
        Ok(page) if page.get("items").is_some() => format!(
            "{} items, total {}{}",
            page["items"].as_array().map_or(0, Vec::len),
            page["total"],
            if page["total_capped"] == true {
                "+"
            } else {
                ""
            }
        ),
        _ => format!("{status}, {} KB", body.len() / 1024),
    })
}

fn query_string(params: &[(&str, &str)]) -> String {
    if params.is_empty() {
        return String::new();
    }
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    format!("?{query}")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
