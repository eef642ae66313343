//! Prints every decision of the router on a labelled eval file as JSON lines, so that two
//! versions of the code can be compared with `diff` (a refactor must not change one byte).
//!
//! cargo run --release -p phananh-routing --example decisions -- EVAL.jsonl [--variants]
//!
//! With `--variants`, each case is also routed with its hint's source swapped, with an
//! account hint, with previous tickets, and from its text alone, and classified: paths the
//! eval's own inputs do not reach.

use std::path::PathBuf;
use std::sync::Arc;

use phananh_routing::eval::parse_cases;
use phananh_routing::{Gazetteer, HintSource, RouteInput, Router, UnitHint, classify};
use serde_json::json;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `--explain SCOPE TEXT`: the mentions and claims the router sees in one message.
    if args.first().is_some_and(|a| a == "--explain") && args.len() == 3 {
        let router = Router::new(Arc::new(Gazetteer::builtin(&args[1])?));
        print!("{}", router.explain(&args[2]));
        println!(
            "{}",
            serde_json::to_string_pretty(&router.decide(&RouteInput {
                text: &args[2],
                ..Default::default()
            }))?
        );
        return Ok(());
    }
    let eval_path = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .ok_or("usage: decisions EVAL.jsonl [--variants]")?;
    let variants = args.iter().any(|a| a == "--variants");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../config/gazetteer");
    let cases = parse_cases(&std::fs::read_to_string(eval_path)?)?;
    let router = Router::new(Arc::new(Gazetteer::load(&dir, "42")?));
    let first_unit = router.gazetteer().units()[0].code.clone();

    for c in &cases {
        let input = c.input();
        println!(
            "{}",
            json!({"id": c.id, "variant": "as_given", "decision": router.decide(&input)})
        );
        if !variants {
            continue;
        }
        // Codes the case accepts, or any unit when it must go to triage.
        let mut codes: Vec<String> = c
            .expect
            .accept
            .iter()
            .filter(|a| *a != "triage")
            .cloned()
            .collect();
        if codes.is_empty() {
            codes.push(first_unit.clone());
        }
        let swapped = input.unit_hint.map(|h| UnitHint {
            code: h.code,
            source: match h.source {
                HintSource::Form => HintSource::Account,
                HintSource::Account => HintSource::Form,
            },
        });
        let account = Some(UnitHint {
            code: &codes[0],
            source: HintSource::Account,
        });
        let other_previous = [codes[0].clone(), first_unit.clone()];
        let runs: [(&str, RouteInput); 5] = [
            (
                "hint_swapped",
                RouteInput {
                    unit_hint: swapped,
                    ..input
                },
            ),
            (
                "account_hint",
                RouteInput {
                    unit_hint: account,
                    ..input
                },
            ),
            (
                "previous_tickets",
                RouteInput {
                    previous_units: &codes,
                    ..input
                },
            ),
            (
                "previous_tickets_disagree",
                RouteInput {
                    previous_units: &other_previous,
                    unit_hint: None,
                    ..input
                },
            ),
            (
                "text_only",
                RouteInput {
                    text: &c.text,
                    ..RouteInput::default()
                },
            ),
        ];
        for (name, run) in runs {
            println!(
                "{}",
                json!({"id": c.id, "variant": name, "decision": router.decide(&run)})
            );
        }
        println!(
            "{}",
            json!({"id": c.id, "variant": "classify", "classification": classify(&c.text)})
        );
    }
    Ok(())
}
