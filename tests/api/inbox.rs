//! The officers' API: login and its limits, what each role sees, and officers' corrections of routing and
//! classification kept beside the automatic decision.
use phananh::inbox::officers::{Role, add_officer};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};

use crate::helpers::{AppOptions, Backend, TestApp, client, spawn_app_with};
use crate::on_both_backends;

pub(crate) const THANH_SEN: &str = "18073";
pub(crate) const TRAN_PHU: &str = "18100";
pub(crate) const PASSWORD: &str = "mat khau du dai 2026";

impl TestApp {
    /// Creates an officer and returns a client logged in as them.
    pub(crate) async fn officer(
        &self,
        username: &str,
        role: Role,
        unit: Option<&str>,
    ) -> reqwest::Client {
        add_officer(
            &self.state.db,
            &self.state.gazetteer,
            username,
            PASSWORD,
            role,
            unit,
        )
        .await
        .expect("officer added");
        let officer = client();
        let response = officer
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "login of {username}");
        officer
    }

    /// A citizen's ticket through the public API; returns its id (looked up by tracking code).
    pub(crate) async fn citizen_ticket(&self, text: &str, unit: Option<&str>) -> i32 {
        let mut body = json!({"text": text});
        if let Some(unit) = unit {
            body["unit_code"] = json!(unit);
        }
        let response = self.post_feedback_json(body).await;
        assert_eq!(response.status(), 201);
        let created: Value = response.json().await.unwrap();
        let code = created["tracking_code"].as_str().unwrap().replace('-', "");
        entity::tickets::Entity::find()
            .all(&self.db)
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.tracking_code == code)
            .expect("ticket stored")
            .id
    }
}

pub(crate) async fn get_json(client: &reqwest::Client, url: String) -> (u16, Value) {
    let response = client.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn post_json(client: &reqwest::Client, url: String, body: Value) -> (u16, Value) {
    let response = client.post(url).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn ids(list: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    ids.sort();
    ids
}

on_both_backends! {
    async fn officer_routes_need_a_session(app) {
        let anonymous = client();
        for path in ["/api/v1/tickets", "/api/v1/tickets/1", "/api/v1/auth/me", "/api/v1/reports/routing"] {
            let (status, body) = get_json(&anonymous, app.url(path)).await;
            assert_eq!(status, 401, "{path}");
            assert_eq!(body["error"]["code"], "unauthorized", "{path}");
        }
        let (status, _) =
            post_json(&anonymous, app.url("/api/v1/tickets/1/route"), json!({"unit_code": null, "reason": "x"})).await;
        assert_eq!(status, 401);
        // A forged cookie is no session either.
        let forged = anonymous
            .get(app.url("/api/v1/tickets"))
            .header("cookie", "phananh_session=eyJvZmZpY2VyX2lkIjoxfQ")
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 401);
    }
}

on_both_backends! {
    async fn login_sets_a_strict_http_only_session_and_logout_ends_it(app) {
        add_officer(&app.state.db, &app.state.gazetteer, "Lan.Nguyen", PASSWORD, Role::Officer, Some(THANH_SEN))
            .await
            .unwrap();
        let officer = client();
        let (status, body) = post_json(
            &officer,
            app.url("/api/v1/auth/login"),
            json!({"username": "lan.nguyen", "password": "not the password"}),
        )
        .await;
        assert_eq!(status, 401);
        assert_eq!(body["error"]["message"], "wrong username or password");
        let (status, _) = post_json(
            &officer,
            app.url("/api/v1/auth/login"),
            json!({"username": "nobody.here", "password": PASSWORD}),
        )
        .await;
        assert_eq!(status, 401);

        let response = officer
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": "Lan.Nguyen", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.starts_with("phananh_session="))
            .expect("session cookie");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Strict"), "{cookie}");
        let me: Value = response.json().await.unwrap();
        assert_eq!(me["officer"]["username"], "lan.nguyen");
        assert_eq!(me["officer"]["role"], "officer");
        assert_eq!(me["officer"]["unit"]["code"], THANH_SEN);

        let (status, _) = get_json(&officer, app.url("/api/v1/auth/me")).await;
        assert_eq!(status, 200);
        let logout = officer.post(app.url("/api/v1/auth/logout")).send().await.unwrap();
        assert_eq!(logout.status(), 204);
        let (status, _) = get_json(&officer, app.url("/api/v1/auth/me")).await;
        assert_eq!(status, 401);
    }
}

on_both_backends! {
    async fn a_deactivated_officer_is_out_at_the_next_request(app) {
        let officer = app.officer("hung.tran", Role::Officer, Some(THANH_SEN)).await;
        let (status, _) = get_json(&officer, app.url("/api/v1/tickets")).await;
        assert_eq!(status, 200);
        let model = entity::officers::Entity::find().one(&app.db).await.unwrap().unwrap();
        let mut model: entity::officers::ActiveModel = model.into();
        model.active = Set(false);
        model.update(&app.db).await.unwrap();
        let (status, _) = get_json(&officer, app.url("/api/v1/tickets")).await;
        assert_eq!(status, 401);
    }
}

async fn spawn_with_login_limit(backend: Backend) -> Option<TestApp> {
    spawn_app_with(
        backend,
        AppOptions {
            env: &[("AUTH__LOGIN_RATE_LIMIT_PER_MINUTE", "3")],
            ..Default::default()
        },
    )
    .await
}

on_both_backends! {
    spawn = spawn_with_login_limit;
    async fn failed_logins_are_limited_per_username_and_per_client(app) {
        add_officer(&app.state.db, &app.state.gazetteer, "minh.le", PASSWORD, Role::Officer, Some(THANH_SEN))
            .await
            .unwrap();
        let guesser = client();
        let wrong = json!({"username": "minh.le", "password": "guess guess guess"});
        for _ in 0..3 {
            let (status, _) = post_json(&guesser, app.url("/api/v1/auth/login"), wrong.clone()).await;
            assert_eq!(status, 401);
        }
        // Over the limit even the right password waits: the guesser cannot tell it was right.
        let response = guesser
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": "minh.le", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 429);
        let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry_after), "{retry_after}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "rate_limited");
        // The same client (all tests come from 127.0.0.1) is limited for other usernames too.
        let (status, _) = post_json(
            &guesser,
            app.url("/api/v1/auth/login"),
            json!({"username": "someone.else", "password": "whatever it is"}),
        )
        .await;
        assert_eq!(status, 429);
    }
}

on_both_backends! {
    async fn officers_see_their_unit_and_supervisors_see_every_queue(app) {
        let ours = app.citizen_ticket("Tôi cần hỏi thủ tục đăng ký tạm trú", Some(THANH_SEN)).await;
        let theirs = app.citizen_ticket("Hỏi về cấp căn cước cho con", Some(TRAN_PHU)).await;
        let triage = app.citizen_ticket("Xin hỏi giờ làm việc", None).await;
        let officer = app.officer("thu.pham", Role::Officer, Some(THANH_SEN)).await;
        let supervisor = app.officer("giam.sat", Role::Supervisor, None).await;

        let (status, list) = get_json(&officer, app.url("/api/v1/tickets")).await;
        assert_eq!(status, 200);
        assert_eq!(ids(&list), vec![ours as i64]);
        assert_eq!(list["total"], 1);
        assert_eq!(list["items"][0]["unit"]["code"], THANH_SEN);
        assert!(list["items"][0]["due_at"].is_string());
        // Asking for another unit by filter still gives only their own.
        let (_, list) = get_json(&officer, app.url(&format!("/api/v1/tickets?unit_code={TRAN_PHU}"))).await;
        assert_eq!(list["total"], 0);
        let (status, _) = get_json(&officer, app.url(&format!("/api/v1/tickets/{theirs}"))).await;
        assert_eq!(status, 404, "another unit's ticket does not exist for them");
        let (status, _) = get_json(&officer, app.url(&format!("/api/v1/tickets/{triage}"))).await;
        assert_eq!(status, 404);
        let (status, _) = get_json(&officer, app.url("/api/v1/tickets?queue=triage")).await;
        assert_eq!(status, 403);
        let (status, detail) = get_json(&officer, app.url(&format!("/api/v1/tickets/{ours}"))).await;
        assert_eq!(status, 200);
        assert_eq!(detail["topic"], "residence");
        assert_eq!(detail["conversation"][0]["direction"], "in");
        assert_eq!(detail["conversation"][0]["text"], "Tôi cần hỏi thủ tục đăng ký tạm trú");
        assert_eq!(detail["routing"]["decisions"][0]["decided_by"], "auto");
        assert_eq!(detail["history"][0]["action"], "ticket_created");
        assert_eq!(detail["history"][0]["detail"]["channel"], "form");

        let (_, all) = get_json(&supervisor, app.url("/api/v1/tickets")).await;
        assert_eq!(ids(&all), {
            let mut v = vec![ours as i64, theirs as i64, triage as i64];
            v.sort();
            v
        });
        let (_, queue) = get_json(&supervisor, app.url("/api/v1/tickets?queue=triage")).await;
        assert_eq!(ids(&queue), vec![triage as i64]);
        let (_, by_unit) = get_json(&supervisor, app.url(&format!("/api/v1/tickets?unit_code={TRAN_PHU}"))).await;
        assert_eq!(ids(&by_unit), vec![theirs as i64]);
        let (_, found) = get_json(&supervisor, app.url("/api/v1/tickets?q=căn cước")).await;
        assert_eq!(ids(&found), vec![theirs as i64]);
        let (status, _) = get_json(&supervisor, app.url("/api/v1/tickets?status=bogus")).await;
        assert_eq!(status, 400);
        // Malformed ids and query strings get JSON errors too.
        let (status, body) = get_json(&supervisor, app.url("/api/v1/tickets/not-a-number")).await;
        assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
        let (status, body) = get_json(&supervisor, app.url("/api/v1/tickets?page=abc")).await;
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("bad_request")));
    }
}

on_both_backends! {
    async fn moving_a_ticket_keeps_the_automatic_decision_beside_the_officers(app) {
        let ticket = app.citizen_ticket("Nhà tôi ở phường Trần Phú, xin hỏi về tạm trú", Some(THANH_SEN)).await;
        let officer = app.officer("an.vo", Role::Officer, Some(THANH_SEN)).await;
        let other = app.officer("binh.do", Role::Officer, Some(TRAN_PHU)).await;
        let supervisor = app.officer("giam.sat", Role::Supervisor, None).await;
        let route = app.url(&format!("/api/v1/tickets/{ticket}/route"));

        let (status, body) = post_json(&officer, route.clone(), json!({"unit_code": TRAN_PHU})).await;
        assert_eq!(status, 422, "a reason is required");
        assert_eq!(body["error"]["fields"][0]["field"], "reason");
        let (status, body) = post_json(&officer, route.clone(), json!({"unit_code": "99999", "reason": "sai"})).await;
        assert_eq!(status, 422);
        assert_eq!(body["error"]["fields"][0]["field"], "unit_code");
        let (status, _) = post_json(&officer, route.clone(), json!({"unit_code": THANH_SEN, "reason": "ở đây"})).await;
        assert_eq!(status, 409);

        let (status, moved) = post_json(
            &officer,
            route.clone(),
            json!({"unit_code": TRAN_PHU, "reason": "Địa chỉ thuộc phường Trần Phú"}),
        )
        .await;
        assert_eq!(status, 200, "{moved}");
        assert_eq!(moved["unit"]["code"], TRAN_PHU);
        assert_eq!(moved["visible_to_you"], false);
        let (status, _) = get_json(&officer, app.url(&format!("/api/v1/tickets/{ticket}"))).await;
        assert_eq!(status, 404, "no longer theirs");
        let (status, detail) = get_json(&other, app.url(&format!("/api/v1/tickets/{ticket}"))).await;
        assert_eq!(status, 200);
        let decisions = detail["routing"]["decisions"].as_array().unwrap();
        assert_eq!(decisions.len(), 2);
        assert_eq!(decisions[0]["decided_by"], "auto");
        assert_eq!(decisions[0]["unit"]["code"], THANH_SEN);
        assert_eq!(decisions[1]["decided_by"], "officer");
        assert_eq!(decisions[1]["unit"]["code"], TRAN_PHU);
        assert!(decisions[1]["reasons"][0]["vi"].as_str().unwrap().contains("Địa chỉ thuộc phường Trần Phú"));
        assert_eq!(detail["routing"]["reasons"][0]["code"], "officer_moved");
        let routed = detail["history"].as_array().unwrap().iter().find(|h| h["action"] == "ticket_routed").unwrap();
        assert_eq!(routed["detail"]["from"], THANH_SEN);
        assert_eq!(routed["detail"]["to"], TRAN_PHU);

        // Back to triage; with a second ticket never corrected, the report counts two auto-routed tickets, one
        // moved by an officer.
        let (status, _) = post_json(&other, route.clone(), json!({"unit_code": null, "reason": "Không rõ địa chỉ"})).await;
        assert_eq!(status, 200);
        let (_, queue) = get_json(&supervisor, app.url("/api/v1/tickets?queue=triage")).await;
        assert_eq!(ids(&queue), vec![ticket as i64]);
        let kept = app.citizen_ticket("Hỏi thủ tục đăng ký thường trú cho cháu", Some(THANH_SEN)).await;
        let (_, detail) = get_json(&supervisor, app.url(&format!("/api/v1/tickets/{kept}"))).await;
        assert_eq!(detail["routing"]["decisions"][0]["unit"]["code"], THANH_SEN, "{detail}");
        let (status, report) = get_json(&supervisor, app.url("/api/v1/reports/routing")).await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["auto_routed"], 2);
        assert_eq!(report["moved_by_officer"], 1);
        assert_eq!(report["auto_precision"], 0.5);
        let (status, _) = get_json(&other, app.url("/api/v1/reports/routing")).await;
        assert_eq!(status, 403);
    }
}

on_both_backends! {
    async fn correcting_the_classification_moves_the_clock_and_the_conduct_queue(app) {
        let ticket = app.citizen_ticket("Hỏi thủ tục đăng ký thường trú cho cháu", Some(THANH_SEN)).await;
        let officer = app.officer("chi.ha", Role::Officer, Some(THANH_SEN)).await;
        let supervisor = app.officer("giam.sat", Role::Supervisor, None).await;
        let url = app.url(&format!("/api/v1/tickets/{ticket}/classification"));
        let (_, before) = get_json(&officer, app.url(&format!("/api/v1/tickets/{ticket}"))).await;
        assert_eq!(before["officer_conduct"], false);

        let (status, body) = post_json(&officer, url.clone(), json!({"legal_track": "gossip", "reason": "x"})).await;
        assert_eq!(status, 422);
        assert_eq!(body["error"]["fields"][0]["field"], "legal_track");
        let (status, _) = post_json(&officer, url.clone(), json!({"reason": "nothing to change"})).await;
        assert_eq!(status, 400);

        let (status, corrected) = post_json(
            &officer,
            url.clone(),
            json!({"topic": "officer_conduct", "legal_track": "complaint", "reason": "Công dân khiếu nại thái độ cán bộ"}),
        )
        .await;
        assert_eq!(status, 200, "{corrected}");
        assert_eq!(corrected["officer_conduct"], true);
        assert_ne!(corrected["due_at"], before["due_at"], "a complaint has another clock");

        let (_, after) = get_json(&officer, app.url(&format!("/api/v1/tickets/{ticket}"))).await;
        assert_eq!(after["topic"], "officer_conduct");
        assert_eq!(after["legal_track"], "complaint");
        assert_eq!(after["due_at"], corrected["due_at"]);
        // The automatic classification and its words stay for measuring.
        assert_eq!(after["classification"]["topic"], "residence");
        let entry = after["history"].as_array().unwrap().iter().find(|h| h["action"] == "ticket_classified").unwrap();
        assert_eq!(entry["detail"]["from"]["topic"], "residence");
        assert_eq!(entry["detail"]["to"]["legal_track"], "complaint");

        let (_, conduct) = get_json(&supervisor, app.url("/api/v1/tickets?queue=conduct")).await;
        assert_eq!(ids(&conduct), vec![ticket as i64]);
    }
}
