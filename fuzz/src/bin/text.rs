//! What a citizen writes: Vietnamese folding (idempotent), classification and routing must take any text.
use std::sync::{Arc, OnceLock};

use phananh_routing::{Gazetteer, RouteInput, Router, classify, fold};

fn router() -> &'static Router {
    static ROUTER: OnceLock<Router> = OnceLock::new();
    ROUTER.get_or_init(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../config/gazetteer");
        Router::new(Arc::new(Gazetteer::load(std::path::Path::new(dir), "42").expect("gazetteer")))
    })
}

fn main() {
    let router = router();
    afl::fuzz!(|data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let once = fold(text);
        assert_eq!(fold(&once), once);
        let _ = classify(text);
        let decision = router.decide(&RouteInput {
            text,
            ..Default::default()
        });
        assert!((0.0..=1.0).contains(&decision.confidence));
    });
}
