//! Scores the router on a labelled eval file and measures build time, speed and memory.
//!
//! cargo run --release -p phananh-routing --example score -- \
//!     /work/shared/eval/routing-ha-tinh.jsonl [config/gazetteer] [SCOPE]
//!
//! SCOPE is `routing.province_code`: "42" (the default), "40,42" or "*". National sets
//! (`routing/eval/national-*.jsonl`) also report the province figures; under a scope that
//! does not hold a case's province, that case must go to triage.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use phananh_routing::eval::{parse_cases, score};
use phananh_routing::{Gazetteer, RouteInput, Router};

/// Resident set size of this process in kB (Linux), from /proc/self/status.
fn rss_kb() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let eval_path = args
        .next()
        .ok_or("usage: score EVAL.jsonl [GAZETTEER_DIR] [SCOPE]")?;
    let dir = args.next().map(PathBuf::from).unwrap_or_else(|| {
        let local = PathBuf::from("config/gazetteer");
        if local.exists() {
            local
        } else {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../config/gazetteer")
        }
    });
    let scope = args.next().unwrap_or_else(|| "42".to_owned());
    let cases = parse_cases(&std::fs::read_to_string(&eval_path)?)?;

    let rss0 = rss_kb();
    let t0 = Instant::now();
    let g = Arc::new(Gazetteer::load(&dir, &scope)?);
    let load = t0.elapsed();
    let t1 = Instant::now();
    let router = Router::new(g.clone());
    let index = t1.elapsed();
    let rss1 = rss_kb();

    let s = score(&router, &cases);
    println!("failures:");
    for (c, d) in &s.failures {
        println!(
            "  {} [{}] expect {:?} got {:?} (conf {:.2}, suggested {:?})\n    text: {}\n    reasons: {}",
            c.id,
            c.kind,
            c.expect.accept,
            d.unit_code,
            d.confidence,
            d.suggested_unit,
            c.text,
            d.reasons
                .iter()
                .map(|r| format!("{}: {}", r.code, r.en))
                .collect::<Vec<_>>()
                .join(" | ")
        );
    }
    println!();
    println!("cases: {}", s.total);
    println!(
        "accuracy overall: {:.2}% ({}/{})",
        100.0 * s.accuracy(),
        s.correct,
        s.total
    );
    for (k, (c, t)) in &s.per_kind {
        println!(
            "  {k:<20} {:>6.2}% ({c}/{t})",
            100.0 * *c as f64 / *t as f64
        );
    }
    println!(
        "precision of auto-routed: {:.2}% ({}/{} routed)",
        100.0 * s.precision(),
        s.routed_correct,
        s.routed
    );
    println!("unroutable cases auto-routed: {}", s.unroutable_routed);
    if s.with_province > 0 {
        println!(
            "province right: {:.2}% ({}/{})",
            100.0 * s.province_accuracy(),
            s.province_correct,
            s.with_province
        );
        for (n, (c, t)) in &s.per_noise {
            println!(
                "  {n} noise kinds        {:>6.2}% ({c}/{t})",
                100.0 * *c as f64 / *t as f64
            );
        }
        println!(
            "commune right, noisier half: {:.2}%",
            100.0 * s.noisy_accuracy()
        );
        println!(
            "cases from outside scope {scope}: {} routed in of {}",
            s.outside_routed, s.outside
        );
    }

    // Speed: one thread, the eval texts over and over, bounded in time and rounds.
    let inputs: Vec<RouteInput> = cases.iter().map(|c| c.input()).collect();
    let mut n = 0usize;
    let t = Instant::now();
    let mut sink = 0usize;
    while t.elapsed() < Duration::from_secs(3) && n < 2_000_000 {
        for i in &inputs {
            let d = router.decide(i);
            sink += d.reasons.len();
        }
        n += inputs.len();
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "decisions/s (1 thread): {:.0} ({n} decisions in {secs:.2} s; {sink} reasons)",
        n as f64 / secs
    );
    println!(
        "gazetteer build: load {:.1} ms + index {:.1} ms = {:.1} ms",
        load.as_secs_f64() * 1e3,
        index.as_secs_f64() * 1e3,
        (load + index).as_secs_f64() * 1e3
    );
    match (rss0, rss1) {
        (Some(a), Some(b)) => println!(
            "gazetteer memory (RSS after - before load): {:.1} MB",
            (b.saturating_sub(a)) as f64 / 1024.0
        ),
        _ => println!("gazetteer memory: unavailable (no /proc/self/status)"),
    }
    Ok(())
}
