//! Two clocks for complaints and denunciations (taken on, then prolonged as far as the law allows, each with its
//! reason and in the history), and merging a duplicate (closed, pointing at the survivor, its citizen told the
//! survivor's code, the earlier deadline kept). From the API and the page, within the officer's unit.
use chrono::{DateTime, Duration, Utc};
use phananh::inbox::officers::Role;
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::helpers::{TestApp, client};
use crate::inbox::{THANH_SEN, TRAN_PHU, get_json, post_json};
use crate::inbox_pages::{csrf, form, page, select};
use crate::on_both_backends;

async fn on_track(app: &TestApp, officer: &reqwest::Client, text: &str, track: &str) -> i32 {
    let id = app.citizen_ticket(text, Some(THANH_SEN)).await;
    let (status, body) = post_json(
        officer,
        app.url(&format!("/api/v1/tickets/{id}/classification")),
        json!({"legal_track": track, "reason": "Theo nội dung đơn"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    id
}

fn due(detail: &Value) -> DateTime<Utc> {
    detail["due_at"].as_str().unwrap().parse().unwrap()
}

on_both_backends! {
    async fn a_complaint_is_taken_on_then_prolonged_once_with_its_reason(app) {
        let officer = app.officer("can.bo", Role::Officer, Some(THANH_SEN)).await;
        let id = on_track(&app, &officer, "Tôi khiếu nại quyết định xử phạt vi phạm hành chính ngày 3/11", "complaint").await;
        let url = app.url(&format!("/api/v1/tickets/{id}/deadline"));
        let detail_url = app.url(&format!("/api/v1/tickets/{id}"));

        let (status, _) = post_json(&officer, url.clone(), json!({"action": "extend", "reason": "Phức tạp"})).await;
        assert_eq!(status, 409, "nothing to prolong before the case is taken on");
        let (status, body) = post_json(&officer, url.clone(), json!({"action": "take_on"})).await;
        assert_eq!(status, 200, "{body}");
        let (_, detail) = get_json(&officer, detail_url.clone()).await;
        let taken_on = due(&detail);
        let thirty = Utc::now() + Duration::days(30);
        assert!((taken_on - thirty).num_hours().abs() <= 31, "30 days from today: {taken_on}");
        assert_eq!((detail["due_stage"].as_str(), detail["extensions"].as_i64()), (Some("resolution"), Some(0)));
        assert_eq!(detail["status"], "in_progress");
        let (status, _) = post_json(&officer, url.clone(), json!({"action": "take_on"})).await;
        assert_eq!(status, 409, "taken on once");

        let (status, body) = post_json(&officer, url.clone(), json!({"action": "extend"})).await;
        assert_eq!(status, 422, "a reason is required: {body}");
        // The contract's `/extension` is `/deadline` with `extend`.
        let extension = app.url(&format!("/api/v1/tickets/{id}/extension"));
        let (status, body) = post_json(&officer, extension.clone(), json!({"reason": "Cần xác minh tại hai địa phương"})).await;
        assert_eq!(status, 200, "{body}");
        let (_, detail) = get_json(&officer, detail_url.clone()).await;
        assert_eq!(due(&detail) - taken_on, Duration::days(15), "30 -> 45 days");
        assert_eq!(detail["extensions"], 1);
        let (status, _) = post_json(&officer, extension, json!({"reason": "Lần nữa"})).await;
        assert_eq!(status, 409, "a complaint is prolonged once");

        let actions: Vec<&str> = detail["history"].as_array().unwrap().iter().filter_map(|h| h["action"].as_str()).collect();
        assert!(actions.contains(&"case_taken_on") && actions.contains(&"deadline_extended"), "{actions:?}");
        let extended = detail["history"].as_array().unwrap().iter().find(|h| h["action"] == "deadline_extended").unwrap();
        assert_eq!(extended["detail"]["reason"], "Cần xác minh tại hai địa phương");

        // Feedback has one clock; another unit's officer does not see the ticket at all.
        let feedback = app.citizen_ticket("Góp ý giờ làm việc của bộ phận một cửa", Some(THANH_SEN)).await;
        let (status, _) = post_json(&officer, app.url(&format!("/api/v1/tickets/{feedback}/deadline")), json!({"action": "take_on"})).await;
        assert_eq!(status, 422);
        let stranger = app.officer("nguoi.la", Role::Officer, Some(TRAN_PHU)).await;
        let (status, _) = post_json(&stranger, url, json!({"action": "extend", "reason": "x"})).await;
        assert_eq!(status, 404);
    }
}

on_both_backends! {
    async fn a_denunciation_is_prolonged_twice_at_most_from_the_page(app) {
        let api = app.officer("giam.sat", Role::Supervisor, None).await;
        let id = on_track(&app, &api, "Tố cáo cán bộ nhận tiền khi làm căn cước", "denunciation").await;
        let officer = app.page_officer("can.bo", Role::Officer, Some(THANH_SEN)).await;
        let url = app.url(&format!("/inbox/tickets/{id}"));
        let (_, html) = page(&officer, url.clone()).await;
        let token = csrf(&html);
        assert!(html.contains("id=\"take-on\"") && !html.contains("id=\"extend\""));
        let (status, location, _) = form(&officer, format!("{url}/deadline"), &[("action", "take_on"), ("csrf_token", &token)]).await;
        assert_eq!((status, location.ends_with("done=taken_on")), (303, true));
        for n in 1..=2 {
            let (status, location, _) = form(&officer, format!("{url}/deadline"), &[("action", "extend"), ("reason", "Vụ việc rất phức tạp"), ("csrf_token", &token)]).await;
            assert_eq!((status, location.ends_with("done=extended")), (303, true), "extension {n}");
        }
        let (_, html) = page(&officer, url.clone()).await;
        assert_eq!(select(&html, "#prolonged"), ["Đã gia hạn 2 lần"]);
        assert!(!html.contains("id=\"extend\""), "no third extension offered");
        let (status, _, html) = form(&officer, format!("{url}/deadline"), &[("action", "extend"), ("reason", "Lần ba"), ("csrf_token", &token)]).await;
        assert_eq!(status, 409);
        assert!(!select(&html, "#error").is_empty());
    }
}

on_both_backends! {
    async fn a_duplicate_is_merged_its_citizen_told_the_code_kept_and_the_earlier_deadline_holds(app) {
        let officer = app.officer("can.bo", Role::Officer, Some(THANH_SEN)).await;
        let kept = app.citizen_ticket("Đèn đường thôn Bắc Sơn hỏng cả tháng, tối rất nguy hiểm", Some(THANH_SEN)).await;
        let duplicate = app.citizen_ticket("Đèn đường ở thôn Bắc Sơn bị hỏng", Some(THANH_SEN)).await;
        let elsewhere = app.citizen_ticket("Ồn ào ở phường Trần Phú", Some(TRAN_PHU)).await;
        // The duplicate came first in law: give it the earlier deadline.
        let early = Utc::now() + Duration::days(3);
        {
            use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
            let mut row = entity::tickets::Entity::find_by_id(duplicate).one(&app.db).await.unwrap().unwrap().into_active_model();
            row.due_at = Set(Some(early));
            row.update(&app.db).await.unwrap();
        }
        let kept_code = entity::tickets::Entity::find_by_id(kept).one(&app.db).await.unwrap().unwrap().tracking_code;
        let merge = |from: i32, into: String| {
            let officer = officer.clone();
            let url = app.url(&format!("/api/v1/tickets/{from}/merge"));
            async move { post_json(&officer, url, json!({"into": into, "reason": "Cùng một vụ việc"})).await }
        };
        assert_eq!(merge(duplicate, duplicate.to_string()).await.0, 409, "not into itself");
        assert_eq!(merge(duplicate, elsewhere.to_string()).await.0, 404, "not into another unit's ticket");
        assert_eq!(merge(duplicate, "khong-phai-ma".into()).await.0, 422);
        let (status, body) = merge(duplicate, kept_code.to_lowercase()).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!((body["merged_into_id"].as_i64(), body["notice"].as_str()), (Some(i64::from(kept)), Some("tracking_page")));
        assert_eq!(merge(duplicate, kept.to_string()).await.0, 409, "merged once");
        assert_eq!(merge(kept, duplicate.to_string()).await.0, 409, "not into a merged ticket");

        let (_, dup) = get_json(&officer, app.url(&format!("/api/v1/tickets/{duplicate}"))).await;
        assert_eq!((dup["status"].as_str(), dup["merged_into_id"].as_i64()), (Some("closed"), Some(i64::from(kept))));
        let (_, survivor) = get_json(&officer, app.url(&format!("/api/v1/tickets/{kept}"))).await;
        assert_eq!(survivor["merged_from"], json!([duplicate]));
        assert!((due(&survivor) - early).num_seconds().abs() <= 1, "the earlier deadline holds: {}", survivor["due_at"]);
        // The duplicate's citizen reads the code to follow on their tracking page.
        let dup_code = entity::tickets::Entity::find_by_id(duplicate).one(&app.db).await.unwrap().unwrap().tracking_code;
        let (_, tracking) = page(&client(), app.url(&format!("/track/{dup_code}"))).await;
        let shown = crate::helpers::display_code(&kept_code);
        assert!(tracking.contains(&shown), "the survivor's code {shown} on the duplicate's tracking page");
    }
}
