//! HTML pages rendered with minijinja; templates are compiled into the binary and HTML-escaped automatically.
use std::sync::Arc;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use minijinja::Environment;
use serde::Serialize;

#[derive(Clone)]
pub struct Templates(Arc<Environment<'static>>);

const PAGES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("form.html", include_str!("../templates/form.html")),
    ("track.html", include_str!("../templates/track.html")),
    ("message.html", include_str!("../templates/message.html")),
    ("survey.html", include_str!("../templates/survey.html")),
    (
        "transparency.html",
        include_str!("../templates/transparency.html"),
    ),
    (
        "inbox_base.html",
        include_str!("../templates/inbox_base.html"),
    ),
    (
        "inbox_login.html",
        include_str!("../templates/inbox_login.html"),
    ),
    (
        "inbox_message.html",
        include_str!("../templates/inbox_message.html"),
    ),
    (
        "inbox_queue.html",
        include_str!("../templates/inbox_queue.html"),
    ),
    (
        "inbox_ticket.html",
        include_str!("../templates/inbox_ticket.html"),
    ),
    (
        "inbox_officers.html",
        include_str!("../templates/inbox_officers.html"),
    ),
    (
        "inbox_audit.html",
        include_str!("../templates/inbox_audit.html"),
    ),
    (
        "inbox_canned.html",
        include_str!("../templates/inbox_canned.html"),
    ),
    (
        "inbox_alerts.html",
        include_str!("../templates/inbox_alerts.html"),
    ),
    (
        "inbox_reports.html",
        include_str!("../templates/inbox_reports.html"),
    ),
];

impl Templates {
    pub fn new() -> Templates {
        let mut env = Environment::new();
        for (name, source) in PAGES {
            // The sources are compiled in and checked by the tests; a syntax error is a programming error.
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("template {name} does not compile: {e}"));
        }
        Templates(Arc::new(env))
    }

    pub fn render(&self, name: &str, context: impl Serialize) -> Result<String, minijinja::Error> {
        self.0.get_template(name)?.render(context)
    }

    /// A page response; a rendering failure is logged and answered with a plain 500.
    pub fn page(&self, status: StatusCode, name: &str, context: impl Serialize) -> HttpResponse {
        match self.render(name, context) {
            Ok(html) => HttpResponse::build(status)
                .content_type("text/html; charset=utf-8")
                .body(html),
            Err(err) => {
                tracing::error!(template = name, error = %err, "cannot render page");
                HttpResponse::InternalServerError().finish()
            }
        }
    }
}

impl Default for Templates {
    fn default() -> Self {
        Templates::new()
    }
}
