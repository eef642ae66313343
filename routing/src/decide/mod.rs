//! The routing decision, step by step:
//!
//! 1. `addresses`: place mentions grouped into addresses ("xã A, huyện B, tỉnh C"), each
//!    turned into a candidate claim by `commune` or `larger_unit`, through the 2025
//!    successors of legacy names (`successors`; gazetteer facts in `targets`).
//! 2. `combine`: the claims weighed with the unit hint and previous tickets (`hints`) and
//!    the shared location (`location`) into one decision.
//!
//! Route when sure, triage when not, always say why.

mod addresses;
mod claim;
mod combine;
mod commune;
mod hints;
mod larger_unit;
mod location;
mod province;
mod successors;
mod targets;

use std::sync::Arc;

use serde::Serialize;

use crate::gazetteer::Gazetteer;
use crate::location::{LatLon, LocationIndex};
use crate::mentions::Matcher;
use crate::reasons::Reason;
use crate::text::prepare;

/// Confidence at or above which a ticket is routed automatically.
pub const ROUTE_MIN: f64 = 0.6;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HintSource {
    /// The unit the citizen chose in the web form: it wins.
    Form,
    /// The unit whose own Zalo OA or Facebook Page received the message.
    Account,
}

#[derive(Clone, Copy, Debug)]
pub struct UnitHint<'a> {
    pub code: &'a str,
    pub source: HintSource,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct RouteInput<'a> {
    pub text: &'a str,
    pub location: Option<LatLon>,
    pub unit_hint: Option<UnitHint<'a>>,
    /// Units of the contact's previous tickets (weak evidence).
    pub previous_units: &'a [String],
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Decision {
    /// The 2025 unit code, or `None` for the triage queue.
    pub unit_code: Option<String>,
    pub confidence: f64,
    pub reasons: Vec<Reason>,
    /// Best guess when not routed automatically (e.g. the default part of a split commune).
    pub suggested_unit: Option<String>,
    /// The 2025 province: the unit's, or the one the text names (also outside the served
    /// provinces); `None` when the text does not say.
    pub province_code: Option<String>,
}

/// Routes tickets. Built once; `decide` takes `&self` and may run on many threads.
pub struct Router {
    gazetteer: Arc<Gazetteer>,
    matcher: Matcher,
    locations: LocationIndex,
}

impl Router {
    pub fn new(gazetteer: Arc<Gazetteer>) -> Router {
        let matcher = Matcher::new(&gazetteer);
        let locations = LocationIndex::new(&gazetteer);
        Router {
            gazetteer,
            matcher,
            locations,
        }
    }

    pub fn gazetteer(&self) -> &Gazetteer {
        &self.gazetteer
    }

    pub fn decide(&self, input: &RouteInput) -> Decision {
        let message = prepare(input.text);
        let mentions = self.matcher.find(&message);
        let claims: Vec<claim::Claim> = self
            .addresses(&message, &mentions)
            .iter()
            .filter_map(|address| self.address_claim(&message, address))
            .collect();
        let mut decision = self.combine(input, &claims);
        // Said last: they explain what was not taken for a unit, they decide nothing.
        decision
            .reasons
            .extend(self.streets_and_villages_named_like_units(&message, &mentions));
        self.unless_another_province(&message, &mut decision, &mentions);
        decision.province_code =
            self.decision_province(decision.unit_code.as_deref(), &claims, &mentions);
        decision.confidence = (decision.confidence.clamp(0.0, 1.0) * 100.0).round() / 100.0;
        decision
    }

    /// What the router saw in a message: its mentions and the claims of its addresses
    /// (a tuning aid for the `decisions` example, not an interface).
    #[doc(hidden)]
    pub fn explain(&self, text: &str) -> String {
        use std::fmt::Write;
        let message = prepare(text);
        let mentions = self.matcher.find(&message);
        let mut out = String::new();
        for mention in &mentions {
            let targets = self.matcher.targets(mention.pid);
            let _ = writeln!(
                out,
                "mention '{}' word={:?} fuzzy={} cap={} key={} targets={}: {:?}",
                message.span_text(mention.start, mention.end),
                mention.word,
                mention.fuzzy,
                mention.capitalized,
                self.matcher.key(mention.pid),
                targets.len(),
                &targets[..targets.len().min(6)]
            );
        }
        for address in self.addresses(&message, &mentions) {
            let claim = self.address_claim(&message, &address);
            let _ = writeln!(
                out,
                "address of {} mentions -> {:?}",
                address.len(),
                claim.map(|claim| (claim.kind, claim.confidence, claim.span))
            );
        }
        out
    }
}
