//! A claim: what one address in the message says about the responsible unit.

use crate::reasons::Reason;

/// What an address points to. Units are indexes into the gazetteer's 2025 units.
#[derive(Clone, Debug)]
pub(super) enum ClaimKind {
    Unit(usize),
    /// A legacy commune split between several 2025 units.
    Split {
        options: Vec<usize>,
        default: Option<usize>,
    },
    /// A name several units answer to.
    Ambiguous(Vec<usize>),
    /// A former district (or town) of the served province: too large to route on.
    District,
    /// A place in another province.
    Outside,
    /// A typed name the served province does not know.
    Unknown,
}

#[derive(Clone, Debug)]
pub(super) struct Claim {
    pub kind: ClaimKind,
    pub confidence: f64,
    /// Announced by a type word (xã, phường, huyện...), not a bare name.
    pub typed: bool,
    /// The address as written, for the reasons.
    pub span: String,
    pub reasons: Vec<Reason>,
}

impl Claim {
    pub fn new(kind: ClaimKind, confidence: f64, typed: bool, span: &str, reason: Reason) -> Claim {
        Claim {
            kind,
            confidence,
            typed,
            span: span.to_owned(),
            reasons: vec![reason],
        }
    }
}
