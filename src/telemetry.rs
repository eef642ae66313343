//! Logs (text or JSON) and the Prometheus recorder.
use std::io::IsTerminal;
use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::{LogFormat, LogSettings};

/// Installs the global subscriber once; later calls (tests build many apps) are no-ops. Logs go to stderr, for
/// every command: stdout is the commands' output (`route --jsonl` writes nothing else). Colours only on a terminal.
pub fn init_logs(settings: &LogSettings) {
    let filter = EnvFilter::try_from_env("RUST_LOG")
        .unwrap_or_else(|_| EnvFilter::new(format!("{},sqlx=warn,sea_orm=warn", settings.level)));
    let registry = tracing_subscriber::registry().with(filter);
    let layer = fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let result = match settings.format {
        LogFormat::Json => registry
            .with(layer.json().flatten_event(true).with_current_span(true))
            .try_init(),
        LogFormat::Text => registry.with(layer).try_init(),
    };
    // Already installed: keep the first (tests share one process).
    drop(result);
}

/// The process-wide metrics recorder: the `metrics` facade is global by design, so it is installed once and its
/// handle shared by every app in the process.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder was installed first, in which case ours just stays unused.
            let _ = metrics::set_global_recorder(recorder);
            describe();
            handle
        })
        .clone()
}

fn describe() {
    metrics::describe_counter!(
        "http_requests_total",
        "HTTP requests by route pattern, method and status"
    );
    metrics::describe_histogram!(
        "http_request_duration_seconds",
        "HTTP request latency by route pattern"
    );
    metrics::describe_counter!("tickets_created_total", "Tickets opened, by channel");
    metrics::describe_counter!("form_rejected_total", "Form submissions refused, by reason");
}
