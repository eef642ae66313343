//! Health, readiness, metrics, security headers and the JSON error shape.
use serde_json::{Value, json};

use crate::helpers::metric;
use crate::on_both_backends;

on_both_backends! {
    own_process;
    async fn health_readiness_and_metrics_answer(app) {
        assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
        assert_eq!(app.client.get(app.url("/readyz")).send().await.unwrap().status(), 200);
        let created = app.post_feedback_json(json!({"text": "Hỏi thủ tục tạm trú"})).await;
        assert_eq!(created.status(), 201);
        // This test's process counts only this app's work.
        let metrics = app.metrics().await;
        assert_eq!(metric(&metrics, "tickets_created_total", &[("channel", "form")]), 1.0, "{metrics}");
        let feedback = [("route", "/api/v1/feedback"), ("method", "POST"), ("status", "201")];
        assert_eq!(metric(&metrics, "http_requests_total", &feedback), 1.0, "requests by route: {metrics}");
        // Routes are labelled by pattern, so tracking codes never reach the metrics.
        let code = "ZZZZ-ZZZZ-ZZZZ";
        let _ = app.client.get(app.url(&format!("/track/{code}"))).send().await.unwrap();
        let metrics = app.metrics().await;
        assert!(!metrics.contains(code));
        assert_eq!(metric(&metrics, "http_requests_total", &[("route", "/track/{code}"), ("method", "GET")]), 1.0, "{metrics}");
    }
}

on_both_backends! {
    async fn pages_carry_security_headers_and_unknown_paths_are_json_404(app) {
        let page = app.client.get(app.url("/")).send().await.unwrap();
        assert_eq!(page.headers()["x-frame-options"], "DENY");
        assert_eq!(page.headers()["referrer-policy"], "no-referrer");
        assert!(page.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'self'"));
        let cookie = page.headers()["set-cookie"].to_str().unwrap();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
        let missing = app.client.get(app.url("/no/such/page")).send().await.unwrap();
        assert_eq!(missing.status(), 404);
        let body: Value = missing.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found");
        let css = app.client.get(app.url("/assets/site.css")).send().await.unwrap();
        assert_eq!(css.status(), 200);
    }
}
