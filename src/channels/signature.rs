//! Webhook signatures, checked over the exact bytes received and compared in constant time.
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Zalo: `X-ZEvent-Signature: mac=<hex sha256(app_id + body + timestamp + oa_secret_key)>` (a plain digest).
pub fn zalo_valid(
    header: &str,
    app_id: &str,
    body: &[u8],
    timestamp: &str,
    oa_secret_key: &str,
) -> bool {
    let Some(given) = header
        .trim()
        .strip_prefix("mac=")
        .and_then(|h| hex::decode(h).ok())
    else {
        return false;
    };
    let expected = Sha256::new()
        .chain_update(app_id.as_bytes())
        .chain_update(body)
        .chain_update(timestamp.as_bytes())
        .chain_update(oa_secret_key.as_bytes())
        .finalize();
    given.len() == expected.len() && bool::from(expected.as_slice().ct_eq(&given))
}

/// Facebook: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app_secret, body)>`.
pub fn facebook_valid(header: &str, app_secret: &str, body: &[u8]) -> bool {
    let Some(given) = header
        .trim()
        .strip_prefix("sha256=")
        .and_then(|h| hex::decode(h).ok())
    else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    // verify_slice compares in constant time.
    mac.verify_slice(&given).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Vectors from shared/fixtures/channels/*_signature_vector.txt.
    fn vector(file: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/../shared/fixtures/channels/{file}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("signature vector fixture")
    }

    fn values<'a>(text: &'a str, key: &str) -> Vec<&'a str> {
        text.lines()
            .filter_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
            .collect()
    }

    #[test]
    fn zalo_vectors_pass_and_a_changed_byte_fails() {
        let text = vector("zalo_signature_vector.txt");
        let app_id = values(&text, "app_id")[0];
        let secret = values(&text, "oa_secret_key")[0];
        let timestamp = values(&text, "timestamp")[0];
        let bodies = values(&text, "body");
        let headers = values(&text, "expected_header");
        assert_eq!(bodies.len(), 2);
        for (body, header) in bodies.iter().zip(&headers) {
            assert!(
                zalo_valid(header, app_id, body.as_bytes(), timestamp, secret),
                "{body}"
            );
            let mut changed = body.as_bytes().to_vec();
            changed[10] ^= 1;
            assert!(!zalo_valid(header, app_id, &changed, timestamp, secret));
            assert!(!zalo_valid(
                header,
                app_id,
                body.as_bytes(),
                timestamp,
                "other secret"
            ));
        }
        assert!(
            !zalo_valid("adc0ba9d", app_id, bodies[0].as_bytes(), timestamp, secret),
            "no mac= prefix"
        );
    }

    #[test]
    fn facebook_vectors_pass_and_a_changed_byte_fails() {
        let text = vector("fb_signature_vector.txt");
        let bodies = values(&text, "raw_body");
        let sha256: Vec<_> = values(&text, "x-hub-signature-256");
        // The last two raw_body lines belong to the sha256 section.
        let sha256_bodies = &bodies[bodies.len() - 2..];
        for (body, header) in sha256_bodies.iter().zip(&sha256) {
            assert!(
                facebook_valid(header, "FAKE_SECRET", body.as_bytes()),
                "{body}"
            );
            let mut changed = body.as_bytes().to_vec();
            changed[0] ^= 1;
            assert!(!facebook_valid(header, "FAKE_SECRET", &changed));
            assert!(!facebook_valid(header, "OTHER_SECRET", body.as_bytes()));
        }
        assert!(!facebook_valid(
            "sha1=0d814d436b45c33ef664a317ff4b8dc2d3d8fe2a",
            "FAKE_SECRET",
            b"rawBody"
        ));
    }
}
