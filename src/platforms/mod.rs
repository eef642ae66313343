//! The platforms' wire formats, one module each: what a webhook body means (signature, envelope, events),
//! and the requests we send them and how to read their answers. Webhook handlers, intake and outbound all
//! import these; none of them parses a platform's JSON itself.
pub mod error;
pub mod event;
pub mod facebook;
pub mod zalo;

pub use error::PlatformError;

/// Platforms send ids and timestamps sometimes as JSON strings, sometimes as numbers: both read as text.
pub fn json_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A metric label for a platform's event kind: known kinds by name, anything else as "other", so labels stay
/// bounded whatever a sender puts in the body.
pub(crate) fn known_label(kind: &str, known: &[&'static str]) -> &'static str {
    known
        .iter()
        .find(|k| **k == kind)
        .copied()
        .unwrap_or("other")
}

/// The signature vectors in `../shared/fixtures/channels/`, for both platforms' tests.
#[cfg(test)]
mod vectors {
    pub fn vector(file: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/../shared/fixtures/channels/{file}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("signature vector fixture")
    }

    /// Every value of `key=` lines, in order.
    pub fn values<'a>(text: &'a str, key: &str) -> Vec<&'a str> {
        text.lines()
            .filter_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
            .collect()
    }
}
