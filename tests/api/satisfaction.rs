//! Satisfaction: resolving a ticket asks its citizen on their own channel (Zalo a text with the link, Messenger
//! quick replies, the form the tracking page); answers in the forms people send are recorded on the same ticket,
//! a message that is no answer stays a message there; one reminder only inside the window; a low answer reopens
//! the ticket and alerts the supervisors; at most two surveys; the desk's survey and poster.
use chrono::{Duration, TimeZone, Utc};
use phananh::inbox::officers::Role;
use phananh::satisfaction::{Context, reminders};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::channels::{FB_PAGE, as_if_now, fb_fixture, zalo_event, zalo_fixture};
use crate::helpers::{TestApp, client};
use crate::inbox::{THANH_SEN, get_json, post_json};
use crate::on_both_backends;

const CITIZEN: &str = "246845883529197922";
const PSID: &str = "7689966077685933";

impl TestApp {
    async fn surveys(&self) -> Vec<entity::survey_ratings::Model> {
        entity::survey_ratings::Entity::find()
            .order_by_asc(entity::survey_ratings::Column::Id)
            .all(&self.db)
            .await
            .unwrap()
    }

    async fn ticket(&self, id: i32) -> entity::tickets::Model {
        entity::tickets::Entity::find_by_id(id)
            .one(&self.db)
            .await
            .unwrap()
            .unwrap()
    }

    /// Resolves ticket `id` as `officer`; returns the answer's body.
    async fn resolve(&self, officer: &reqwest::Client, id: i32) -> Value {
        let (status, body) = post_json(
            officer,
            self.url(&format!("/api/v1/tickets/{id}/status")),
            json!({"status": "resolved"}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// A Zalo citizen's message, as if sent now, processed.
    async fn zalo_says(&self, msg_id: &str, text: &str) {
        let body = as_if_now(&zalo_event(
            "user_send_text",
            CITIZEN,
            msg_id,
            json!({"text": text}),
        ));
        assert_eq!(self.post_zalo(&body).await.status(), 200);
        self.processed().await;
    }

    /// The bodies the fake Graph API received on the Send API.
    async fn messenger_bodies(&self) -> Vec<Value> {
        self.fakes
            .graph
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|r| r.url.path().ends_with("/me/messages"))
            .filter_map(|r| r.body_json::<Value>().ok())
            .collect()
    }

    fn satisfaction(&self) -> Context<'_> {
        Context::new(&self.state.settings, &self.state.gazetteer)
    }
}

/// A Messenger message from the test's citizen, with a quick reply's payload if any.
fn messenger(mid: &str, text: &str, quick_reply: Option<&str>) -> String {
    let mut message = json!({"mid": mid, "text": text});
    if let Some(payload) = quick_reply {
        message["quick_reply"] = json!({"payload": payload});
    }
    as_if_now(
        &json!({"object": "page", "entry": [{"id": FB_PAGE, "time": 1, "messaging": [{
            "sender": {"id": PSID}, "recipient": {"id": FB_PAGE}, "timestamp": 1, "message": message
        }]}]})
        .to_string(),
    )
}

on_both_backends! {
    spawn = crate::channels::channel_app;
    async fn zalo_resolved_asked_answered_in_words_then_not_solved_reopens_and_alerts(app) {
        assert_eq!(app.post_zalo(&as_if_now(&zalo_fixture("zalo_user_send_text.json"))).await.status(), 200);
        app.processed().await;
        let ticket = app.tickets().await.remove(0);
        let supervisor = app.officer("giam.sat", Role::Supervisor, None).await;
        let resolved = app.resolve(&supervisor, ticket.id).await;
        assert_eq!(resolved["survey"], "zalo_cs", "{resolved}");

        // The question reached the citizen on Zalo, on the five-level scale, with the survey link.
        let sent = app.delivered().await;
        let question = sent.iter().find(|s| s.text.contains("/survey/")).expect("the survey question");
        assert_eq!((question.kind, question.recipient.as_str()), ("zalo_cs", CITIZEN));
        assert!(question.text.contains("1 (rất không hài lòng) đến 5 (rất hài lòng)"), "{}", question.text);
        let survey = app.surveys().await.remove(0);
        assert!(question.text.contains(&format!("/survey/{}", survey.token)));
        assert_eq!((survey.scale.as_str(), survey.round, survey.score), ("five", 1, None));

        // "5 sao" answers it, on the same ticket; the citizen is thanked and asked whether it was solved.
        app.zalo_says("msg-answer", "5 sao").await;
        assert_eq!(app.tickets().await.len(), 1, "an answer opens no ticket");
        let survey = app.surveys().await.remove(0);
        assert_eq!((survey.score, survey.solved), (Some(5), None));
        assert!(app.messages().await.iter().any(|m| m.ticket_id == ticket.id && m.body == "5 sao"));
        let sent = app.delivered().await;
        assert!(sent.iter().any(|s| s.text.contains("Cảm ơn bạn đã đánh giá") && s.text.contains("giải quyết chưa")));
        assert_eq!(app.ticket(ticket.id).await.status, phananh::domain::TicketStatus::Resolved);

        // "Chưa ạ" says it was not solved: the ticket is open again, flagged, and the supervisors alerted.
        app.zalo_says("msg-solved", "Chưa ạ").await;
        let survey = app.surveys().await.remove(0);
        assert_eq!((survey.score, survey.solved), (Some(5), Some(false)));
        let reopened = app.ticket(ticket.id).await;
        assert_eq!(reopened.status, phananh::domain::TicketStatus::InProgress);
        assert!(reopened.reopened_low_score && reopened.resolved_at.is_none());
        let sent = app.delivered().await;
        assert!(sent.iter().any(|s| s.text.contains("đã được mở lại") && s.recipient == CITIZEN), "{sent:?}");
        let (_, queue) = get_json(&supervisor, app.url("/api/v1/tickets")).await;
        assert_eq!(queue["items"][0]["reopened_low_score"], true, "{}", queue["items"][0]);
        let (status, alerts) = get_json(&supervisor, app.url("/api/v1/alerts")).await;
        assert_eq!(status, 200);
        assert_eq!(alerts["unread"], 1);
        let alert = &alerts["items"][0];
        assert_eq!((alert["kind"].as_str(), alert["ticket_id"].as_i64()), (Some("low_score"), Some(i64::from(ticket.id))));
        assert_eq!(alert["solved"], false);
        // Read by one supervisor, still unread for another; an officer of a unit has no alerts.
        let other = app.officer("giam.sat.2", Role::Supervisor, None).await;
        let response = supervisor.post(app.url(&format!("/api/v1/alerts/{}/read", alert["id"]))).send().await.unwrap();
        assert_eq!(response.status(), 204);
        assert_eq!(get_json(&supervisor, app.url("/api/v1/alerts?unread=true")).await.1["items"], json!([]));
        assert_eq!(get_json(&other, app.url("/api/v1/alerts")).await.1["unread"], 1);
        let officer = app.officer("lan", Role::Officer, Some(THANH_SEN)).await;
        assert_eq!(get_json(&officer, app.url("/api/v1/alerts")).await.0, 403);
        // The history says the citizen's answer reopened it.
        let (_, detail) = get_json(&supervisor, app.url(&format!("/api/v1/tickets/{}", ticket.id))).await;
        assert!(detail["history"].as_array().unwrap().iter().any(|h| h["action"] == "reopened_low_score"));
        assert_eq!(detail["surveys"][0]["solved"], false, "{}", detail["surveys"]);
        assert!(detail["surveys"][0].get("token").is_none(), "officers never see the citizen's link");
    }
}

on_both_backends! {
    spawn = crate::channels::channel_app;
    async fn messenger_asks_with_quick_replies_and_a_low_tap_reopens(app) {
        assert_eq!(app.post_facebook(&as_if_now(&fb_fixture("fb_messaging_text.json"))).await.status(), 200);
        app.processed().await;
        let ticket = app.tickets().await.remove(0);
        let supervisor = app.officer("giam.sat", Role::Supervisor, None).await;
        assert_eq!(app.resolve(&supervisor, ticket.id).await["survey"], "messenger");
        app.delivered().await;
        let question = app
            .messenger_bodies()
            .await
            .into_iter()
            .find(|b| b["message"]["text"].as_str().is_some_and(|t| t.contains("/survey/")))
            .expect("the survey question on Messenger");
        assert_eq!(question["recipient"]["id"], PSID);
        let payloads: Vec<&str> = question["message"]["quick_replies"]
            .as_array()
            .expect("quick replies")
            .iter()
            .map(|q| q["payload"].as_str().unwrap())
            .collect();
        assert_eq!(payloads, ["PHANANH_CSAT_5", "PHANANH_CSAT_4", "PHANANH_CSAT_3", "PHANANH_CSAT_2", "PHANANH_CSAT_1"]);

        // The citizen taps "2 - Không hài lòng".
        assert_eq!(app.post_facebook(&messenger("m_tap", "2 - Không hài lòng", Some("PHANANH_CSAT_2"))).await.status(), 200);
        app.processed().await;
        assert_eq!(app.tickets().await.len(), 1);
        assert_eq!(app.surveys().await[0].score, Some(2));
        let reopened = app.ticket(ticket.id).await;
        assert_eq!(reopened.status, phananh::domain::TicketStatus::InProgress);
        assert!(reopened.reopened_low_score);
        app.delivered().await;
        assert!(
            app.messenger_bodies().await.iter().any(|b| b["message"]["text"].as_str().is_some_and(|t| t.contains("mở lại"))),
            "the citizen is told it was reopened"
        );
        let (_, alerts) = get_json(&supervisor, app.url("/api/v1/alerts")).await;
        assert_eq!(alerts["items"][0]["score"], 2);
    }
}

on_both_backends! {
    spawn = crate::channels::channel_app;
    async fn a_message_that_is_no_answer_stays_on_the_resolved_ticket(app) {
        assert_eq!(app.post_zalo(&as_if_now(&zalo_fixture("zalo_user_send_text.json"))).await.status(), 200);
        app.processed().await;
        let ticket = app.tickets().await.remove(0);
        let supervisor = app.officer("giam.sat", Role::Supervisor, None).await;
        app.resolve(&supervisor, ticket.id).await;
        app.delivered().await;
        let sent_before = app.sent().await.len();
        app.zalo_says("msg-more", "Tối qua nhà số 5 vẫn hát karaoke đến 1 giờ sáng").await;
        assert_eq!(app.tickets().await.len(), 1, "no new ticket");
        let messages = app.messages().await;
        let kept = messages.iter().find(|m| m.body.starts_with("Tối qua")).unwrap();
        assert_eq!(kept.ticket_id, ticket.id);
        assert_eq!(app.surveys().await[0].score, None, "not an answer");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert_eq!(app.sent().await.len(), sent_before, "no thanks for what was no answer");
        assert!(app.ticket(ticket.id).await.last_activity_at > ticket.last_activity_at, "the queue shows it unread");
    }
}

on_both_backends! {
    spawn = crate::channels::channel_app;
    async fn one_reminder_inside_the_window_and_none_outside(app) {
        // Zalo: its 7-day window is open a day later.
        assert_eq!(app.post_zalo(&as_if_now(&zalo_fixture("zalo_user_send_text.json"))).await.status(), 200);
        // Messenger: its 24-hour window for an automatic message has closed a day later.
        assert_eq!(app.post_facebook(&as_if_now(&fb_fixture("fb_messaging_text.json"))).await.status(), 200);
        app.processed().await;
        let supervisor = app.officer("giam.sat", Role::Supervisor, None).await;
        for ticket in app.tickets().await {
            app.resolve(&supervisor, ticket.id).await;
        }
        app.delivered().await;
        let questions = |sent: &[crate::channels::Sent]| sent.iter().filter(|s| s.text.contains("/survey/")).count();
        assert_eq!(questions(&app.sent().await), 2);

        // Not yet due: nothing.
        let db = &app.state.db;
        assert_eq!(reminders::pass(db, app.satisfaction(), Utc::now() + Duration::hours(23)).await.unwrap(), 0);
        // A day later: the Zalo citizen is reminded once; the Messenger one is not (the window has closed).
        let later = Utc::now() + Duration::hours(25);
        assert_eq!(reminders::pass(db, app.satisfaction(), later).await.unwrap(), 1);
        assert_eq!(reminders::pass(db, app.satisfaction(), later + Duration::hours(1)).await.unwrap(), 0);
        app.state.intake.outbound.wake();
        let sent = app.delivered().await;
        let reminders: Vec<_> = sent.iter().filter(|s| s.text.starts_with("Nhắc lại")).collect();
        assert_eq!(reminders.len(), 1, "{sent:?}");
        assert_eq!((reminders[0].kind, reminders[0].recipient.as_str()), ("zalo_cs", CITIZEN));
        let marks: Vec<Option<String>> = app.surveys().await.into_iter().map(|s| s.reminder).collect();
        let mut marks: Vec<&str> = marks.iter().map(|m| m.as_deref().unwrap_or("none")).collect();
        marks.sort();
        assert_eq!(marks, ["sent", "skipped"]);
    }
}

on_both_backends! {
    async fn a_form_ticket_is_asked_on_its_tracking_page_and_answered_there(app) {
        let id = app.citizen_ticket("Xin hỏi thủ tục đăng ký tạm trú cho sinh viên", Some(THANH_SEN)).await;
        let officer = app.officer("lan", Role::Officer, Some(THANH_SEN)).await;
        assert_eq!(app.resolve(&officer, id).await["survey"], "link");
        let code = crate::helpers::display_code(&app.ticket(id).await.tracking_code);
        let (_, tracked) = get_json(&app.client, app.url(&format!("/api/v1/track/{code}"))).await;
        let link = tracked["survey_url"].as_str().expect("the survey link on the tracking page").to_owned();
        let page = app.client.get(app.url(&format!("/track/{code}"))).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("id=\"survey-link\""));

        let citizen = client();
        let html = citizen.get(app.url(&link)).send().await.unwrap().text().await.unwrap();
        let doc = scraper::Html::parse_document(&html);
        let radios = scraper::Selector::parse("input[name=score]").unwrap();
        let values: Vec<&str> = doc.select(&radios).filter_map(|e| e.value().attr("value")).collect();
        assert_eq!(values, ["5", "4", "3", "2", "1"]);
        let token = doc
            .select(&scraper::Selector::parse("input[name=csrf_token]").unwrap())
            .next()
            .and_then(|e| e.value().attr("value"))
            .unwrap()
            .to_owned();
        // No level chosen: said, and nothing recorded.
        let response = citizen.post(app.url(&link)).form(&[("csrf_token", token.as_str()), ("score", "9")]).send().await.unwrap();
        assert_eq!(response.status(), 422);
        assert_eq!(app.surveys().await[0].answered_at, None);
        // Without the form's token: refused.
        let response = client().post(app.url(&link)).form(&[("score", "4")]).send().await.unwrap();
        assert_eq!(response.status(), 403);

        let response = citizen
            .post(app.url(&link))
            .form(&[("csrf_token", token.as_str()), ("score", "4"), ("solved", "yes"), ("comment", "Cán bộ nhiệt tình")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.text().await.unwrap().contains("Cảm ơn bạn đã đánh giá"));
        let survey = app.surveys().await.remove(0);
        assert_eq!((survey.score, survey.solved, survey.comment.as_deref()), (Some(4), Some(true), Some("Cán bộ nhiệt tình")));
        assert_eq!(app.ticket(id).await.status, phananh::domain::TicketStatus::Resolved);
        // A later answer replaces the earlier one: now unhappy, and the ticket is reopened.
        let response = citizen
            .post(app.url(&link))
            .form(&[("csrf_token", token.as_str()), ("score", "1"), ("comment", "Vẫn chưa được cấp")])
            .send()
            .await
            .unwrap();
        assert!(response.text().await.unwrap().contains("mở lại"));
        let survey = app.surveys().await.remove(0);
        assert_eq!((survey.score, survey.comment.as_deref()), (Some(1), Some("Vẫn chưa được cấp")));
        assert!(app.ticket(id).await.reopened_low_score);

        // Unknown and expired links are 404.
        assert_eq!(citizen.get(app.url("/survey/00ff")).send().await.unwrap().status(), 404);
        assert_eq!(citizen.get(app.url("/survey/<script>")).send().await.unwrap().status(), 404);
        entity::survey_ratings::Entity::update_many()
            .col_expr(entity::survey_ratings::Column::ExpiresAt, sea_orm::sea_query::Expr::value(Some(Utc::now() - Duration::hours(1))))
            .exec(&app.db)
            .await
            .unwrap();
        assert_eq!(citizen.get(app.url(&link)).send().await.unwrap().status(), 404);
    }
}

on_both_backends! {
    async fn at_most_two_surveys_and_never_for_a_crime_report(app) {
        let id = app.citizen_ticket("Xin hỏi thủ tục đăng ký tạm trú cho sinh viên", Some(THANH_SEN)).await;
        let officer = app.officer("lan", Role::Officer, Some(THANH_SEN)).await;
        app.resolve(&officer, id).await;
        let first = app.surveys().await.remove(0);
        // Set back to work and resolved again without a low answer: no second survey.
        let (status, _) = post_json(&officer, app.url(&format!("/api/v1/tickets/{id}/status")), json!({"status": "in_progress"})).await;
        assert_eq!(status, 200);
        assert_eq!(app.resolve(&officer, id).await["survey"], Value::Null);
        assert_eq!(app.surveys().await.len(), 1);
        // A low answer reopens it; resolved again, a second survey with a new link.
        let cx = Context::new(&app.state.settings, &app.state.gazetteer);
        let txn = app.state.db.begin_write().await.unwrap();
        phananh::satisfaction::record::record(
            &txn, cx, &first,
            phananh::satisfaction::answer::Answer { score: Some(1), solved: None },
            None, phananh::satisfaction::record::Source::Page, Utc::now(),
        ).await.unwrap();
        txn.commit().await.unwrap();
        assert_eq!(app.ticket(id).await.status, phananh::domain::TicketStatus::InProgress);
        assert_eq!(app.resolve(&officer, id).await["survey"], "link");
        let surveys = app.surveys().await;
        assert_eq!(surveys.len(), 2);
        assert_eq!(surveys[1].round, 2);
        assert_ne!(surveys[0].token, surveys[1].token);
        assert!(surveys[0].expires_at.is_some_and(|at| at <= Utc::now()), "the first link closes");
        assert!(!app.ticket(id).await.reopened_low_score, "resolving again clears the flag");
        // By hand: the open second survey is asked again, never a third.
        let (status, sent) = post_json(&officer, app.url(&format!("/api/v1/tickets/{id}/survey")), json!({})).await;
        assert_eq!((status, sent["round"].as_i64()), (202, Some(2)), "{sent}");
        assert_eq!(app.surveys().await.len(), 2);

        // A crime report is never surveyed, not even by hand.
        let crime = app.citizen_ticket("Tôi bị cướp giật điện thoại, đề nghị công an điều tra truy bắt", Some(THANH_SEN)).await;
        let track = app.ticket(crime).await.legal_track;
        assert_eq!(track.as_deref(), Some("crime_report"), "the classifier's track");
        assert_eq!(app.resolve(&officer, crime).await["survey"], Value::Null);
        let (status, _) = post_json(&officer, app.url(&format!("/api/v1/tickets/{crime}/survey")), json!({})).await;
        assert_eq!(status, 422);
        assert!(entity::survey_ratings::Entity::find()
            .filter(entity::survey_ratings::Column::TicketId.eq(crime))
            .all(&app.db).await.unwrap().is_empty());
    }
}

on_both_backends! {
    async fn the_desk_survey_and_its_poster(app) {
        let poster = app.client.get(app.url(&format!("/units/{THANH_SEN}/poster.svg"))).send().await.unwrap();
        assert_eq!(poster.status(), 200);
        assert!(poster.headers()["content-type"].to_str().unwrap().starts_with("image/svg+xml"));
        let svg = poster.text().await.unwrap();
        let name = app.state.gazetteer.unit(THANH_SEN).unwrap().name.to_uppercase();
        assert!(svg.contains(&name), "the unit's name");
        assert!(svg.contains(&format!("/survey/unit/{THANH_SEN}")) && svg.contains(&format!("/?unit={THANH_SEN}")));
        assert_eq!(app.client.get(app.url("/units/99999/poster.svg")).send().await.unwrap().status(), 404);
        // The form's QR code preselects the unit.
        let form = app.client.get(app.url(&format!("/?unit={THANH_SEN}"))).send().await.unwrap().text().await.unwrap();
        assert!(form.contains(&format!("<option value=\"{THANH_SEN}\"")) && form.contains(" selected>"));

        let citizen = client();
        let url = app.url(&format!("/survey/unit/{THANH_SEN}"));
        let html = citizen.get(&url).send().await.unwrap().text().await.unwrap();
        let doc = scraper::Html::parse_document(&html);
        let procedures: Vec<&str> = doc
            .select(&scraper::Selector::parse("input[name=procedure]").unwrap())
            .filter_map(|e| e.value().attr("value"))
            .collect();
        assert_eq!(procedures, ["residence", "id_card", "vehicle", "other"]);
        let token = doc
            .select(&scraper::Selector::parse("input[name=csrf_token]").unwrap())
            .next()
            .and_then(|e| e.value().attr("value"))
            .unwrap()
            .to_owned();
        let response = citizen.post(&url).form(&[("csrf_token", token.as_str()), ("score", "5"), ("procedure", "passport")]).send().await.unwrap();
        assert_eq!(response.status(), 422);
        let response = citizen
            .post(&url)
            .form(&[("csrf_token", token.as_str()), ("score", "5"), ("procedure", "id_card"), ("comment", "Nhanh gọn")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let rows = entity::desk_ratings::Entity::find().all(&app.db).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].unit_code.as_str(), rows[0].procedure.as_str(), rows[0].score), (THANH_SEN, "id_card", 5));
        assert_eq!(citizen.get(app.url("/survey/unit/99999")).send().await.unwrap().status(), 404);
    }
}

/// Sets a ticket's times (UTC) as the test's story needs them.
async fn set_times(
    app: &TestApp,
    id: i32,
    created: chrono::DateTime<Utc>,
    first_reply: Option<chrono::DateTime<Utc>>,
    resolved: chrono::DateTime<Utc>,
    due: chrono::DateTime<Utc>,
) {
    use entity::tickets::{Column, Entity};
    use sea_orm::sea_query::Expr;
    Entity::update_many()
        .col_expr(Column::CreatedAt, Expr::value(created))
        .col_expr(Column::FirstReplyAt, Expr::value(first_reply))
        .col_expr(Column::ResolvedAt, Expr::value(Some(resolved)))
        .col_expr(Column::DueAt, Expr::value(Some(due)))
        .col_expr(
            Column::Status,
            Expr::value(phananh::domain::TicketStatus::Resolved),
        )
        .filter(Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
}

async fn rated(
    app: &TestApp,
    ticket: i32,
    unit: &str,
    score: i16,
    solved: Option<bool>,
    at: chrono::DateTime<Utc>,
) {
    use sea_orm::{ActiveModelTrait, Set};
    entity::survey_ratings::ActiveModel {
        ticket_id: Set(ticket),
        token: Set(format!("{ticket:048x}")),
        unit_code: Set(Some(unit.to_owned())),
        officer_id: Set(None),
        channel: Set(phananh::domain::Channel::Form),
        score: Set(Some(score)),
        comment: Set(None),
        sent_at: Set(at),
        answered_at: Set(Some(at + Duration::hours(20))),
        scale: Set("five".into()),
        round: Set(1),
        solved: Set(solved),
        language: Set(Some("vi".into())),
        expires_at: Set(Some(at + Duration::days(30))),
        asked_via: Set(Some("link".into())),
        reminder: Set(None),
        reminded_at: Set(None),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
}

on_both_backends! {
    async fn report_figures_are_the_ones_counted_by_hand(app) {
        use crate::inbox::TRAN_PHU;
        // Thanh Sen: 10 tickets received 2 November 2026 at 08:00 local, answered first after 2, 4 and 30 hours
        // (three of them), resolved after 1 to 10 days with a deadline of 9 days: 9 on time. Surveyed: 5 5 5 5 4 4
        // 4 4 2 1 (8 of 10 satisfied), solved yes 6, no 2. Two ratings at its desk: 5 and 2.
        let created = Utc.with_ymd_and_hms(2026, 11, 2, 1, 0, 0).unwrap();
        let scores = [5, 5, 5, 5, 4, 4, 4, 4, 2, 1];
        let solved = [Some(true), Some(true), Some(true), Some(true), Some(true), Some(true), Some(false), Some(false), None, None];
        let first_replies = [Some(2), Some(4), Some(30), None, None, None, None, None, None, None];
        for i in 0..10 {
            let id = app.citizen_ticket(&format!("Hỏi thủ tục cư trú số {i}"), Some(THANH_SEN)).await;
            set_times(
                &app, id, created,
                first_replies[i].map(|h| created + Duration::hours(h)),
                created + Duration::hours(24 * (i as i64 + 1)),
                created + Duration::hours(216),
            ).await;
            rated(&app, id, THANH_SEN, scores[i], solved[i], Utc.with_ymd_and_hms(2026, 11, 13, 2, 0, 0).unwrap()).await;
        }
        // Tran Phu: 2 tickets, both on time, both rated 5: all satisfied, but only two answers.
        for i in 0..2 {
            let id = app.citizen_ticket(&format!("Hỏi thủ tục căn cước số {i}"), Some(TRAN_PHU)).await;
            set_times(&app, id, created, None, created + Duration::hours(5), created + Duration::days(20)).await;
            rated(&app, id, TRAN_PHU, 5, None, Utc.with_ymd_and_hms(2026, 11, 13, 2, 0, 0).unwrap()).await;
        }
        // And one still open at the end of November.
        let open = app.citizen_ticket("Hỏi thủ tục căn cước, chưa xong", Some(TRAN_PHU)).await;
        {
            use sea_orm::sea_query::Expr;
            entity::tickets::Entity::update_many()
                .col_expr(entity::tickets::Column::CreatedAt, Expr::value(Utc.with_ymd_and_hms(2026, 11, 25, 3, 0, 0).unwrap()))
                // Due on 28 November, not answered: late.
                .col_expr(entity::tickets::Column::DueAt, Expr::value(Some(Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 0).unwrap())))
                .filter(entity::tickets::Column::Id.eq(open))
                .exec(&app.db)
                .await
                .unwrap();
        }
        for score in [5, 2] {
            use sea_orm::{ActiveModelTrait, Set};
            entity::desk_ratings::ActiveModel {
                unit_code: Set(THANH_SEN.into()),
                procedure: Set("residence".into()),
                score: Set(score),
                scale: Set("five".into()),
                comment: Set(None),
                created_at: Set(Utc.with_ymd_and_hms(2026, 11, 20, 3, 0, 0).unwrap()),
                ..Default::default()
            }
            .insert(&app.db)
            .await
            .unwrap();
        }
        let supervisor = app.officer("giam.sat", Role::Supervisor, None).await;
        let url = |query: &str| app.url(&format!("/api/v1/reports/satisfaction?from=2026-11-01&to=2026-11-30&{query}"));

        let (status, report) = get_json(&supervisor, url("group=unit&source=ticket")).await;
        assert_eq!(status, 200, "{report}");
        let items = report["items"].as_array().unwrap();
        let a = items.iter().find(|r| r["key"] == THANH_SEN).expect("Thanh Sen's row");
        for (figure, expected) in [
            ("received", json!(10)),
            ("resolved", json!(10)),
            ("resolved_on_time", json!(9)),
            ("on_time_pct", json!(90.0)),
            ("prolonged", json!(0)),
            ("median_first_response_hours", json!(4.0)),
            ("median_resolve_hours", json!(120.0)),
            ("surveys_sent", json!(10)),
            ("surveys_answered", json!(10)),
            ("response_rate_pct", json!(100.0)),
            ("responses", json!(10)),
            ("mean", json!(3.9)),
            ("satisfied", json!(8)),
            ("csat_pct", json!(80.0)),
            ("csat_low", json!(49.0)),
            ("csat_high", json!(94.3)),
            ("solved_answers", json!(8)),
            ("solved_pct", json!(75.0)),
            ("due", json!(10)),
            ("due_answered_on_time", json!(9)),
            ("indicator_points", json!(1)),
            ("small_sample", json!(true)),
            ("rank", json!(1)),
        ] {
            assert_eq!(a[figure], expected, "{figure}: {a}");
        }
        assert_eq!(a["unit_name"], app.state.gazetteer.unit(THANH_SEN).unwrap().name.as_str());
        let b = items.iter().find(|r| r["key"] == TRAN_PHU).expect("Tran Phu's row");
        // All happy, but two answers: ranked below the unit with ten.
        assert_eq!((b["csat_pct"].clone(), b["csat_low"].clone(), b["rank"].clone()), (json!(100.0), json!(34.2), json!(2)));
        // Its two resolved tickets were on time, but one due in November is still unanswered: 2 of 3, 0 points.
        assert_eq!((b["on_time_pct"].clone(), b["due"].clone(), b["due_answered_on_time"].clone()), (json!(100.0), json!(3), json!(2)));
        assert_eq!(b["indicator_points"], 0, "a late ticket still open counts against the unit");
        assert_eq!((b["received"].clone(), b["outstanding"].clone()), (json!(3), json!(1)), "{b}");
        assert_eq!(a["outstanding"], 0);
        assert_eq!(report["total"]["outstanding"], 1);
        assert_eq!(report["total"]["responses"], 12);

        // The desk counts as its own source; with both, Thanh Sen has 12 answers, 9 satisfied.
        let (_, by_source) = get_json(&supervisor, url("group=source")).await;
        let desk = by_source["items"].as_array().unwrap().iter().find(|r| r["key"] == "desk").unwrap().clone();
        assert_eq!((desk["responses"].clone(), desk["satisfied"].clone(), desk["csat_pct"].clone()), (json!(2), json!(1), json!(50.0)));
        let (_, both) = get_json(&supervisor, url(&format!("group=unit&unit_code={THANH_SEN}"))).await;
        let a = &both["items"][0];
        assert_eq!((a["responses"].clone(), a["desk_responses"].clone(), a["csat_low"].clone(), a["csat_high"].clone()), (json!(12), json!(2), json!(46.8), json!(91.1)));

        // Per month; and an officer sees their own unit whatever they ask.
        let (_, monthly) = get_json(&supervisor, url("group=unit&period=month&source=ticket")).await;
        assert!(monthly["items"].as_array().unwrap().iter().all(|r| r["period"] == "2026-11"));
        let officer = app.officer("lan", Role::Officer, Some(TRAN_PHU)).await;
        let (_, own) = get_json(&officer, url(&format!("group=unit&unit_code={THANH_SEN}"))).await;
        let keys: Vec<&str> = own["items"].as_array().unwrap().iter().filter_map(|r| r["key"].as_str()).collect();
        assert_eq!(keys, [TRAN_PHU]);

        // Files: CSV (its header and Thanh Sen's CSAT) and XLSX.
        let response = supervisor.get(url("group=unit&source=ticket&format=csv")).send().await.unwrap();
        assert!(response.headers()["content-disposition"].to_str().unwrap().contains(".csv"));
        let text = response.text().await.unwrap();
        assert!(text.starts_with("key,label,period,unit_code,unit_name,received,"), "{text}");
        let line = text.lines().find(|l| l.starts_with(&format!("\"{THANH_SEN}\""))).unwrap();
        assert!(line.contains(",80.0,49.0,94.3,"), "{line}");
        let response = supervisor.get(url("format=xlsx")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let bytes = response.bytes().await.unwrap();
        assert!(bytes.starts_with(b"PK"), "an XLSX is a zip");
        // Parameters that are not ours are refused, not guessed.
        for bad in ["group=everything", "period=year", "format=pdf", "source=web"] {
            assert_eq!(get_json(&supervisor, url(bad)).await.0, 422, "{bad}");
        }
        for bad in ["from=2026-13-01", "from=2026-12-01&to=2026-11-01", "from=1990-01-01&to=2026-01-01"] {
            let (status, _) = get_json(&supervisor, app.url(&format!("/api/v1/reports/satisfaction?{bad}"))).await;
            assert_eq!(status, 422, "{bad}");
        }
    }
}

on_both_backends! {
    spawn = crate::channels::channel_app;
    async fn the_pages_show_the_survey_the_flag_the_alerts_and_the_report(app) {
        use crate::inbox_pages::{csrf, form, page, select};
        assert_eq!(app.post_zalo(&as_if_now(&zalo_fixture("zalo_user_send_text.json"))).await.status(), 200);
        app.processed().await;
        let ticket = app.tickets().await.remove(0);
        let supervisor = app.page_officer("giam.sat", Role::Supervisor, None).await;
        let url = app.url(&format!("/inbox/tickets/{}", ticket.id));
        // Resolved from the page: the survey shows on the ticket, not yet answered.
        let (_, html) = page(&supervisor, url.clone()).await;
        let (status, _, _) = form(&supervisor, format!("{url}/status"), &[("csrf_token", &csrf(&html)), ("status", "resolved")]).await;
        assert_eq!(status, 303);
        let (_, html) = page(&supervisor, url.clone()).await;
        let panel = select(&html, "#surveys").join(" ");
        assert!(panel.contains("Lần khảo sát 1") && panel.contains("Zalo") && panel.contains("Chưa trả lời"), "{panel}");
        // "Send the survey" by hand asks again.
        let (status, location, _) = form(&supervisor, format!("{url}/survey"), &[("csrf_token", &csrf(&html))]).await;
        assert_eq!((status, location.as_str()), (303, format!("/inbox/tickets/{}?done=survey_sent", ticket.id).as_str()));
        // Without the form's token: refused.
        let (status, _, _) = form(&supervisor, format!("{url}/survey"), &[("csrf_token", "forged")]).await;
        assert_eq!(status, 403);

        // The citizen answers 1: the page flags the ticket, the queue too, and the alert is listed.
        app.zalo_says("msg-low", "1").await;
        let (_, html) = page(&supervisor, url.clone()).await;
        assert_eq!(select(&html, "#reopened-low-score").len(), 1);
        assert!(select(&html, "#surveys").join(" ").contains("1 - Rất không hài lòng"));
        let (_, queue) = page(&supervisor, app.url("/inbox")).await;
        assert!(select(&queue, ".reopened").iter().any(|t| t.contains("Mở lại do đánh giá thấp")));
        let (_, alerts) = page(&supervisor, app.url("/inbox/alerts")).await;
        assert_eq!(select(&alerts, "#alerts li").len(), 1);
        assert!(select(&alerts, "#alerts li")[0].contains(&crate::helpers::display_code(&ticket.tracking_code)));
        let id = entity::alerts::Entity::find().all(&app.db).await.unwrap()[0].id;
        let (status, location, _) =
            form(&supervisor, app.url(&format!("/inbox/alerts/{id}/read")), &[("csrf_token", &csrf(&alerts))]).await;
        assert_eq!((status, location.as_str()), (303, "/inbox/alerts?done=read"));
        let (_, alerts) = page(&supervisor, app.url("/inbox/alerts?unread=1")).await;
        assert_eq!(select(&alerts, "#no-alerts").len(), 1);
        // An officer of a unit: no alerts page.
        let officer = app.page_officer("lan", Role::Officer, Some(THANH_SEN)).await;
        assert_eq!(page(&officer, app.url("/inbox/alerts")).await.0, 403);

        // The reports page: the satisfaction table with the answer, the trend chart, the files' links.
        let (status, html) = page(&supervisor, app.url("/reports?group=channel")).await;
        assert_eq!(status, 200);
        let rows = select(&html, "#satisfaction-report tbody tr");
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert!(rows[0].contains("zalo") && rows[0].contains("0.0%"), "{:?}", rows[0]);
        assert!(html.contains("<svg class=\"chart\""), "the trend chart");
        let (status, _) = page(&supervisor, app.url("/reports?group=nothing")).await;
        assert_eq!(status, 200, "a wrong filter is said in the section, the page stands");
    }
}

on_both_backends! {
    async fn the_transparency_page_is_off_by_default_and_shows_no_personal_data(app) {
        assert_eq!(app.client.get(app.url("/transparency")).send().await.unwrap().status(), 404);
    }
}

mod transparency_on {
    use super::*;
    use crate::helpers::{AppOptions, Backend, spawn_app_with};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = spawn_app_with(
            Backend::Sqlite,
            AppOptions {
                env: &[("SATISFACTION__PUBLIC_PAGE", "true")],
                ..AppOptions::default()
            },
        )
        .await
        .expect("sqlite app");
        let name = "Nguyễn Thị Hoa";
        let response = app
            .post_feedback_json(json!({"text": "Hỏi thủ tục đăng ký tạm trú", "name": name, "phone": "0912345678", "unit_code": THANH_SEN}))
            .await;
        assert_eq!(response.status(), 201);
        let id = entity::tickets::Entity::find().all(&app.db).await.unwrap()[0].id;
        let officer = app
            .officer("canbo.hoang", Role::Officer, Some(THANH_SEN))
            .await;
        app.resolve(&officer, id).await;
        let survey = app.surveys().await.remove(0);
        let txn = app.state.db.begin_write().await.unwrap();
        phananh::satisfaction::record::record(
            &txn,
            app.satisfaction(),
            &survey,
            phananh::satisfaction::answer::Answer {
                score: Some(4),
                solved: None,
            },
            Some("Cán bộ Hoàng rất nhiệt tình".into()),
            phananh::satisfaction::record::Source::Page,
            Utc::now(),
        )
        .await
        .unwrap();
        txn.commit().await.unwrap();
        let html = app
            .client
            .get(app.url("/transparency"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let unit = app.state.gazetteer.unit(THANH_SEN).unwrap().name.clone();
        let rows = crate::inbox_pages::select(&html, "#transparency tbody tr");
        assert!(
            rows.iter()
                .any(|r| r.contains(&unit) && r.contains("100.0%")),
            "{rows:?}"
        );
        for secret in [name, "0912345678", "canbo.hoang", "Hoàng", "nhiệt tình"] {
            assert!(!html.contains(secret), "the public page shows {secret:?}");
        }
    }
}

mod desk_rate_limit {
    use super::*;
    use crate::helpers::{AppOptions, Backend, spawn_app_with};

    /// The desk survey shares the public form's limit per client: a poster's QR code is no way to flood ratings.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = spawn_app_with(
            Backend::Sqlite,
            AppOptions {
                env: &[("FORM__RATE_LIMIT_PER_MINUTE", "2")],
                ..AppOptions::default()
            },
        )
        .await
        .expect("sqlite app");
        let citizen = client();
        let url = app.url(&format!("/survey/unit/{THANH_SEN}"));
        let html = citizen
            .get(&url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let token = crate::inbox_pages::csrf(&html);
        // Ten at once from one client: two pass, the rest wait, and only two are stored.
        let posts = (0..10).map(|_| {
            citizen
                .post(&url)
                .form(&[
                    ("csrf_token", token.as_str()),
                    ("score", "5"),
                    ("procedure", "vehicle"),
                ])
                .send()
        });
        let statuses: Vec<u16> = futures_util::future::join_all(posts)
            .await
            .into_iter()
            .map(|r| r.unwrap().status().as_u16())
            .collect();
        assert_eq!(
            statuses.iter().filter(|s| **s == 200).count(),
            2,
            "{statuses:?}"
        );
        assert_eq!(
            statuses.iter().filter(|s| **s == 429).count(),
            8,
            "{statuses:?}"
        );
        assert_eq!(
            entity::desk_ratings::Entity::find()
                .all(&app.db)
                .await
                .unwrap()
                .len(),
            2
        );
    }
}

on_both_backends! {
    spawn = crate::channels::channel_app;
    async fn words_on_another_ticket_are_that_tickets_not_an_answer(app) {
        assert_eq!(app.post_zalo(&as_if_now(&zalo_fixture("zalo_user_send_text.json"))).await.status(), 200);
        app.processed().await;
        let first = app.tickets().await.remove(0);
        let supervisor = app.officer("giam.sat", Role::Supervisor, None).await;
        app.resolve(&supervisor, first.id).await;
        let (status, _) = post_json(&supervisor, app.url(&format!("/api/v1/tickets/{}/status", first.id)), json!({"status": "closed"})).await;
        assert_eq!(status, 200);
        // A new matter, on a ticket of its own (the first is closed), while the survey still waits.
        app.zalo_says("msg-new", "Tối nay nhà bên cạnh lại hát karaoke rất to, đề nghị công an xử lý").await;
        let tickets = app.tickets().await;
        assert_eq!(tickets.len(), 2, "a new ticket");
        let second = tickets.iter().find(|t| t.id != first.id).unwrap().clone();
        // Talking there, "1" (a house number, say) is that ticket's, not a score for the first.
        app.zalo_says("msg-one", "1").await;
        let one = app.messages().await.into_iter().find(|m| m.body == "1").unwrap();
        assert_eq!(one.ticket_id, second.id);
        assert_eq!(app.surveys().await[0].score, None, "no score");
        assert_eq!(app.ticket(first.id).await.status, phananh::domain::TicketStatus::Closed);
        assert!(entity::alerts::Entity::find().all(&app.db).await.unwrap().is_empty());
        // A courtesy goes to the ticket being talked on; the survey still waits.
        app.zalo_says("msg-again", "ok").await;
        let survey = app.surveys().await.remove(0);
        assert_eq!(survey.answered_at, None);
    }
}

on_both_backends! {
    async fn the_report_follows_every_change_and_its_months_are_the_sum_of_their_days(app) {
        use crate::inbox::TRAN_PHU;
        use sea_orm::{ConnectionTrait, Statement, sea_query::Expr};
        use entity::tickets::{Column, Entity};
        // Received 20 October, 10 November, and 30 November at 23:30 local (16:30 UTC); one more at 00:30 local
        // on 1 December, outside the range. Each resolved a day later.
        let at = |m, d, h, min| Utc.with_ymd_and_hms(2026, m, d, h, min, 0).unwrap();
        let mut ids = Vec::new();
        for created in [at(10, 20, 3, 0), at(11, 10, 3, 0), at(11, 30, 16, 30), at(11, 30, 17, 30)] {
            let id = app.citizen_ticket("Hỏi thủ tục cư trú", Some(THANH_SEN)).await;
            set_times(&app, id, created, None, created + Duration::days(1), created + Duration::days(15)).await;
            ids.push(id);
        }
        let supervisor = app.officer("giam.sat", Role::Supervisor, None).await;
        // 15 October to 30 November: the days of October's end, and November whole.
        let figures = |query: &'static str| {
            let supervisor = supervisor.clone();
            let url = app.url(&format!("/api/v1/reports/satisfaction?from=2026-10-15&to=2026-11-30&group=unit&source=ticket{query}"));
            async move {
                let (status, report) = get_json(&supervisor, url).await;
                assert_eq!(status, 200, "{report}");
                report["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| (r["key"].as_str().unwrap().to_owned(), r["period"].as_str().map(str::to_owned), r["received"].as_u64().unwrap(), r["resolved"].as_u64().unwrap()))
                    .collect::<Vec<_>>()
            }
        };
        let unit = |u: &str| u.to_owned();
        // Resolved: 21 October, 11 November, 1 December (outside), 2 December (outside).
        assert_eq!(figures("").await, [(unit(THANH_SEN), None, 3, 2)]);
        assert_eq!(
            figures("&period=month").await,
            [(unit(THANH_SEN), Some("2026-10".into()), 1, 1), (unit(THANH_SEN), Some("2026-11".into()), 2, 1)]
        );

        // Rerouted by any path (here plain SQL through the entity): the figures move with the ticket.
        Entity::update_many()
            .col_expr(Column::UnitCode, Expr::value(Some(TRAN_PHU.to_owned())))
            .filter(Column::Id.eq(ids[1]))
            .exec(&app.db)
            .await
            .unwrap();
        let mut moved = figures("").await;
        moved.sort();
        let mut expected = vec![(unit(THANH_SEN), None, 2, 1), (unit(TRAN_PHU), None, 1, 1)];
        expected.sort();
        assert_eq!(moved, expected);

        // Reopened: no longer resolved in October.
        Entity::update_many()
            .col_expr(Column::ResolvedAt, Expr::value(Option::<chrono::DateTime<Utc>>::None))
            .col_expr(Column::Status, Expr::value(phananh::domain::TicketStatus::InProgress))
            .filter(Column::Id.eq(ids[0]))
            .exec(&app.db)
            .await
            .unwrap();
        let mut reopened = figures("").await;
        reopened.sort();
        let mut expected = vec![(unit(THANH_SEN), None, 2, 0), (unit(TRAN_PHU), None, 1, 1)];
        expected.sort();
        assert_eq!(reopened, expected);

        // A survey counts under its ticket's procedure, and moves with the ticket's topic.
        Entity::update_many()
            .col_expr(Column::Topic, Expr::value(Some("residence".to_owned())))
            .filter(Column::Id.is_in(ids.clone()))
            .exec(&app.db)
            .await
            .unwrap();
        rated(&app, ids[2], THANH_SEN, 5, Some(true), at(11, 20, 3, 0)).await;
        let responses = |key: &'static str| {
            let supervisor = supervisor.clone();
            let url = app.url("/api/v1/reports/satisfaction?from=2026-10-15&to=2026-11-30&group=procedure&source=ticket");
            async move {
                let (_, report) = get_json(&supervisor, url).await;
                report["items"].as_array().unwrap().iter().filter(|r| r["key"] == key).map(|r| r["responses"].as_u64().unwrap()).sum::<u64>()
            }
        };
        assert_eq!((responses("residence").await, responses("id_card").await), (1, 0));
        Entity::update_many()
            .col_expr(Column::Topic, Expr::value(Some("id_card".to_owned())))
            .filter(Column::Id.eq(ids[2]))
            .exec(&app.db)
            .await
            .unwrap();
        assert_eq!((responses("residence").await, responses("id_card").await), (0, 1));

        // A rating at the desk is its own source; per quarter, October's end and November are one period.
        {
            use sea_orm::{ActiveModelTrait, Set};
            entity::desk_ratings::ActiveModel {
                unit_code: Set(THANH_SEN.into()),
                procedure: Set("vehicle".into()),
                score: Set(2),
                scale: Set("five".into()),
                comment: Set(None),
                created_at: Set(at(10, 31, 18, 0)),
                ..Default::default()
            }
            .insert(&app.db)
            .await
            .unwrap();
        }
        let (_, desk) = get_json(&supervisor, app.url("/api/v1/reports/satisfaction?from=2026-10-15&to=2026-11-30&group=unit&source=desk")).await;
        let desk: Vec<_> = desk["items"].as_array().unwrap().iter().map(|r| (r["key"].clone(), r["responses"].clone(), r["received"].clone(), r["csat_pct"].clone())).collect();
        assert_eq!(desk, [(json!(THANH_SEN), json!(1), json!(0), json!(0.0))]);
        let (_, quarter) = get_json(&supervisor, app.url(&format!("/api/v1/reports/satisfaction?from=2026-10-15&to=2026-11-30&group=unit&period=quarter&unit_code={THANH_SEN}"))).await;
        let quarter: Vec<_> = quarter["items"].as_array().unwrap().iter().map(|r| (r["period"].clone(), r["received"].clone(), r["responses"].clone(), r["desk_responses"].clone())).collect();
        // Received 20 October and 30 November (10 November's went to Tran Phu); the survey and the desk rating.
        assert_eq!(quarter, [(json!("2026-Q4"), json!(2), json!(2), json!(1))]);

        // Every month's cells are the sum of its days' (a figure at a time, over the whole table).
        let backend = app.db.get_database_backend();
        let sums = |grain: &str| {
            let period = if grain == "d" { "substr(period, 1, 7)" } else { "period" };
            Statement::from_string(
                backend,
                format!(
                    "SELECT {period} AS month, grp, unit_code, gkey, CAST(SUM(received) AS BIGINT) AS received, \
                     CAST(SUM(resolved) AS BIGINT) AS resolved, CAST(SUM(due) AS BIGINT) AS due \
                     FROM report_cells WHERE grain = '{grain}' GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
                ),
            )
        };
        let rows = |rows: Vec<sea_orm::QueryResult>| {
            rows.iter()
                .map(|r| {
                    (
                        r.try_get::<String>("", "month").unwrap(),
                        r.try_get::<String>("", "grp").unwrap(),
                        r.try_get::<String>("", "gkey").unwrap(),
                        r.try_get::<i64>("", "received").unwrap(),
                        r.try_get::<i64>("", "resolved").unwrap(),
                        r.try_get::<i64>("", "due").unwrap(),
                    )
                })
                .collect::<Vec<_>>()
        };
        let days = rows(app.db.query_all_raw(sums("d")).await.unwrap());
        let months = rows(app.db.query_all_raw(sums("m")).await.unwrap());
        assert!(days.iter().any(|r| r.0 == "2026-11" && r.1 == "unit" && r.2 == TRAN_PHU && r.3 == 1), "{days:?}");
        assert_eq!(days, months);
    }
}
