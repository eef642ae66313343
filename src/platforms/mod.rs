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

/// Every NUL in a parsed event's strings (`"\u0000"` in the body) as U+FFFD: PostgreSQL's text cannot hold NUL,
/// and one such event must not fail the rows written with it. The spool stores its keys the same way.
pub(crate) fn without_nul(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) if s.contains('\0') => *s = s.replace('\0', "\u{FFFD}"),
        serde_json::Value::Array(items) => items.iter_mut().for_each(without_nul),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(without_nul),
        _ => {}
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
