//! The shared labelled eval must meet the targets.

use std::path::PathBuf;
use std::sync::Arc;

use phananh_routing::eval::{parse_cases, score};
use phananh_routing::{Gazetteer, Router};

#[test]
fn shared_eval_meets_targets() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("../../shared/eval/routing-ha-tinh.jsonl");
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!("skipped: {} not found", path.display());
        return;
    };
    let cases = parse_cases(&text).expect("eval parses");
    let g = Gazetteer::load(&root.join("../config/gazetteer"), "42").expect("gazetteer");
    let s = score(&Router::new(Arc::new(g)), &cases);
    for (c, d) in &s.failures {
        eprintln!(
            "FAIL {} [{}] {:?} -> {:?}: {}",
            c.id, c.kind, c.expect.accept, d.unit_code, c.text
        );
    }
    assert!(s.accuracy() >= 0.98, "accuracy {:.3}", s.accuracy());
    assert!(s.precision() >= 0.99, "precision {:.3}", s.precision());
    assert_eq!(s.unroutable_routed, 0);
    assert!(s.min_kind_accuracy() >= 0.95, "{:?}", s.per_kind);
}
