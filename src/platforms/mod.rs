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
