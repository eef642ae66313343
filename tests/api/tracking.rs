//! The tracking page and JSON: status, unit and public replies; never the citizen's name, phone or e-mail.
use serde_json::{Value, json};

use crate::on_both_backends;

/// Every way a value could appear in a page or JSON: raw, HTML-escaped, JSON-escaped, percent-encoded.
fn forms_of(value: &str) -> Vec<String> {
    let html = value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;");
    let json = serde_json::to_string(value)
        .unwrap()
        .trim_matches('"')
        .to_owned();
    let ascii_json: String = value
        .chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                format!("\\u{:04x}", c as u32)
            }
        })
        .collect();
    let percent = url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>();
    vec![value.to_owned(), html, json, ascii_json, percent]
}

on_both_backends! {
    async fn the_tracking_page_never_shows_personal_data(app) {
        let name = "Nguyễn Thị <b>Hoa</b> & \"Út\"";
        let phone_typed = "0912 345 678";
        let email = "hoa.nguyen@example.vn";
        let response = app
            .post_feedback_json(json!({"text": "Mất ví ở chợ Hà Tĩnh", "name": name, "phone": phone_typed, "email": email}))
            .await;
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.unwrap();
        let code = body["tracking_code"].as_str().unwrap().to_owned();
        let page = app.client.get(app.url(&format!("/track/{code}"))).send().await.unwrap().text().await.unwrap();
        let json = app.client.get(app.url(&format!("/api/v1/track/{code}"))).send().await.unwrap().text().await.unwrap();
        let api_answer = body.to_string();
        for secret in [name, "Nguyễn Thị", "Hoa", phone_typed, "+84912345678", "912345678", email, "hoa.nguyen"] {
            for form in forms_of(secret) {
                assert!(!page.contains(&form), "tracking page shows {form:?}");
                assert!(!json.contains(&form), "tracking JSON shows {form:?}");
                assert!(!api_answer.contains(&form), "creation answer shows {form:?}");
            }
        }
        let keys: Vec<String> = serde_json::from_str::<Value>(&json).unwrap().as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["created_at", "replies", "status", "survey_url", "tracking_code", "unit"]);
    }
}

on_both_backends! {
    async fn unknown_and_malformed_codes_are_404(app) {
        for path in ["/track/ZZZZ-ZZZZ-ZZZZ", "/track/not-a-code", "/api/v1/track/ZZZZ-ZZZZ-ZZZZ", "/api/v1/track/%3Cscript%3E"] {
            let response = app.client.get(app.url(path)).send().await.unwrap();
            assert_eq!(response.status(), 404, "{path}");
        }
        let json: Value = app.client.get(app.url("/api/v1/track/ZZZZ-ZZZZ-ZZZZ")).send().await.unwrap().json().await.unwrap();
        assert_eq!(json["error"]["code"], "not_found");
    }
}

on_both_backends! {
    async fn codes_are_accepted_in_lower_case_and_without_dashes(app) {
        let body: Value = app.post_feedback_json(json!({"text": "Hỏi về VNeID"})).await.json().await.unwrap();
        let code = body["tracking_code"].as_str().unwrap().replace('-', "").to_lowercase();
        let response = app.client.get(app.url(&format!("/api/v1/track/{code}"))).send().await.unwrap();
        assert_eq!(response.status(), 200);
    }
}
