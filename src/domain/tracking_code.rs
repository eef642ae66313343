use std::fmt;

use rand::Rng;

/// Letters and digits that cannot be confused when read aloud or copied by hand: no 0/O, 1/I/L, no U/V pair.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTWXYZ";
const LEN: usize = 12;

/// A ticket's public handle: 12 symbols of a 29-symbol alphabet (58 bits) from the OS-seeded CSPRNG, so that one
/// code says nothing about another. Shown as `XXXX-XXXX-XXXX`; parsing ignores case, spaces and dashes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrackingCode(String);

impl TrackingCode {
    pub fn generate() -> TrackingCode {
        TrackingCode::generate_with(&mut rand::rng())
    }

    /// A code drawn from `rng`: the OS-seeded one above, or a seeded one for made-up data (`phananh seed`).
    pub fn generate_with(rng: &mut impl Rng) -> TrackingCode {
        let code = (0..LEN)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
            .collect();
        TrackingCode(code)
    }

    pub fn parse(raw: &str) -> Option<TrackingCode> {
        let code: String = raw
            .chars()
            .filter(|c| !matches!(c, '-' | ' '))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let valid = code.len() == LEN && code.bytes().all(|b| ALPHABET.contains(&b));
        valid.then_some(TrackingCode(code))
    }

    /// The stored form: 12 symbols, no dashes.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The display form (`XXXX-XXXX-XXXX`) of a code as stored.
    pub fn display(stored: &str) -> String {
        TrackingCode::parse(stored).map_or_else(|| stored.to_owned(), |c| c.to_string())
    }

    /// Bits of entropy of a generated code.
    pub fn entropy_bits() -> f64 {
        LEN as f64 * (ALPHABET.len() as f64).log2()
    }
}

impl fmt::Display for TrackingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", &self.0[0..4], &self.0[4..8], &self.0[8..12])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_at_least_50_bits_and_no_confusable_symbols() {
        assert!(TrackingCode::entropy_bits() >= 50.0);
        for _ in 0..1000 {
            let code = TrackingCode::generate();
            assert!(!code.as_str().contains(['0', 'O', '1', 'I', 'L']));
        }
    }

    #[test]
    fn parse_round_trips_the_display_form() {
        let code = TrackingCode::generate();
        assert_eq!(
            TrackingCode::parse(&code.to_string().to_lowercase()),
            Some(code)
        );
        assert_eq!(TrackingCode::parse("0000-0000-0000"), None);
        assert_eq!(TrackingCode::parse("ABCD"), None);
    }

    #[test]
    fn codes_do_not_repeat() {
        let codes: std::collections::HashSet<_> =
            (0..10_000).map(|_| TrackingCode::generate()).collect();
        assert_eq!(codes.len(), 10_000);
    }
}
