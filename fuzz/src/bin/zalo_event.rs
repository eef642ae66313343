//! A Zalo webhook body: the signature check and envelope, then the event parser, must take any bytes.
fn main() {
    afl::fuzz!(|data: &[u8]| {
        let _ = phananh::platforms::zalo::webhook::verify(data, "mac=00", "app", "secret");
        if let Ok(text) = std::str::from_utf8(data) {
            let _ = phananh::platforms::zalo::parse(text);
        }
    });
}
