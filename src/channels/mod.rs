//! Where citizens' messages come in: the public web form, Zalo OA and Facebook Page webhooks. Each handler
//! verifies and stores; the intake worker turns stored events into tickets.
pub mod accounts;
pub mod events;
pub mod facebook;
pub mod form;
mod signature;
pub mod spool;
pub mod zalo;

/// Platforms send ids and timestamps sometimes as JSON strings, sometimes as numbers: both read as text.
pub fn json_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
