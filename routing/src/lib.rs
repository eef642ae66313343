//! Routing engine of phananh: every citizen's ticket to the responsible commune-level unit
//! (2025 units), or to the triage queue when unsure, with readable reasons.
//!
//! - [`Gazetteer`]: the bundled national units (2025 and legacy), mapping, older names and
//!   district changes; [`Scope`]: the provinces a deployment serves.
//! - [`fold`], [`fold_char`]: the workspace's one Vietnamese folding, used for all matching
//!   (and by the main crate's language detection).
//! - [`Router`]: place mentions + unit hint + location + previous tickets -> [`Decision`].
//! - [`classify`]: topic, legal track and urgency.

mod classify;
mod decide;
pub mod eval;
mod gazetteer;
mod location;
mod mentions;
mod reasons;
mod text;

pub use classify::{Classification, LegalTrack, Topic, classify};
pub use decide::{Decision, HintSource, ROUTE_MIN, RouteInput, Router, UnitHint};
pub use gazetteer::{
    BBox, District, Gazetteer, GazetteerError, LegacyUnit, OlderName, Province, Scope, Succession,
    Unit,
};
pub use location::LatLon;
pub use reasons::Reason;
pub use text::{fold, fold_char};
