//! phananh: citizens' feedback to commune police, from Zalo, Facebook and the web form to the right unit,
//! answered and rated.
//!
//! The flow: `channels` (receive and verify) -> `intake` (tickets) -> `routing` (which unit) -> `inbox`
//! (officers) -> outbound -> satisfaction; `evidence` keeps the files citizens send. `http` wires it together; `config` and `telemetry` serve them all.
#![deny(unsafe_code)]

pub mod accounts;
pub mod audit;
pub mod channels;
pub mod cli;
pub mod config;
pub mod db;
pub mod deadlines;
pub mod domain;
pub mod evidence;
pub mod http;
pub mod i18n;
pub mod inbox;
pub mod intake;
pub mod keys;
pub mod outbound;
/// A workaround for sqlx 0.9.0, to delete once sqlx is fixed; the one module with unsafe code (one line).
pub mod pg_nodelay;
pub mod platforms;
pub mod priority;
pub mod routing;
pub mod satisfaction;
pub mod seed;
pub mod spool;
pub mod survey;
pub mod telemetry;
pub mod templates;
pub mod tracking;
pub mod web;
