//! The state every handler may need, built once by `http::Application`.
use std::net::IpAddr;
use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;

use super::PerMinute;
use crate::config::Settings;
use crate::db::Db;
use crate::evidence::Keeper;
use crate::intake::Intake;
use crate::routing::Gazetteer;
use crate::templates::Templates;

pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub gazetteer: Arc<Gazetteer>,
    pub templates: Templates,
    pub metrics: PrometheusHandle,
    /// Where citizens' messages go: webhook events to store, form submissions to open tickets.
    pub intake: Arc<Intake>,
    pub form_limiter: PerMinute<IpAddr>,
    /// Checks and stores attachments (form uploads); officers read them from its store.
    pub evidence: Keeper,
}
