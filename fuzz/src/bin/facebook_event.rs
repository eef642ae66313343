//! A Facebook webhook body: split into events (as the webhook does), each parsed (as the worker does).
fn main() {
    afl::fuzz!(|data: &[u8]| {
        if let Ok(split) = phananh::platforms::facebook::webhook::split(data, |_| true) {
            for event in split.events {
                let _ = phananh::platforms::facebook::parse(&event.raw);
            }
        }
        if let Ok(text) = std::str::from_utf8(data) {
            let _ = phananh::platforms::facebook::parse(text);
        }
    });
}
