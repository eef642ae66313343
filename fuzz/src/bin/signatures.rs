//! The signature checks on any header and body: no panic, and a correct Zalo signature always holds.
use sha2::{Digest, Sha256};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let split = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
        let (header, body) = data.split_at(split);
        let header = String::from_utf8_lossy(header);
        let _ = phananh::platforms::facebook::webhook::signature_valid(&header, "app-secret", body);
        let _ = phananh::platforms::zalo::webhook::signature_valid(&header, "app", body, "1", "secret");
        let right = Sha256::new()
            .chain_update(b"app")
            .chain_update(body)
            .chain_update(b"1")
            .chain_update(b"secret")
            .finalize();
        let right = format!("mac={}", hex::encode(right));
        assert!(phananh::platforms::zalo::webhook::signature_valid(&right, "app", body, "1", "secret"));
    });
}
