//! What officers do with a ticket: a reply goes back on the citizen's own channel once (Zalo through the fake
//! platform), a form ticket's reply shows on the tracking page, a closed window is said at once, a stale view is not
//! answered blindly; status changes, internal notes, assignment; another unit's ticket is 404 for every action.
use chrono::{Duration, Utc};
use phananh::domain::OutboxState;
use phananh::inbox::officers::Role;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::channels::{as_if_now, zalo_event, zalo_fixture};
use crate::inbox::{THANH_SEN, TRAN_PHU, get_json, post_json};
use crate::on_both_backends;

const CITIZEN: &str = "246845883529197922";

on_both_backends! {
    spawn = crate::channels::channel_app;
    async fn a_reply_reaches_the_zalo_citizen_once_and_shows_its_delivery(app) {
        assert_eq!(app.post_zalo(&as_if_now(&zalo_fixture("zalo_user_send_text.json"))).await.status(), 200);
        app.processed().await;
        let ticket = app.tickets().await.remove(0);
        app.acknowledged(&ticket, "zalo_cs", CITIZEN).await;
        let supervisor = app.officer("giam.sat", Role::Supervisor, None).await;
        let url = app.url(&format!("/api/v1/tickets/{}", ticket.id));
        let (_, before) = get_json(&supervisor, url.clone()).await;
        let seen = before["conversation"].as_array().unwrap().last().unwrap()["id"].clone();
        // The reply box can say the window is open, until 7 days after the citizen's message.
        assert_eq!(before["reply_window"]["open"], true, "{}", before["reply_window"]);
        let until: chrono::DateTime<Utc> = before["reply_window"]["until"].as_str().unwrap().parse().unwrap();
        assert!(until > Utc::now() + Duration::days(6) && until <= Utc::now() + Duration::days(7));

        let text = "Chào anh, Công an xã đã nhận phản ánh và sẽ cử cán bộ xác minh trong hôm nay.";
        let (status, accepted) =
            post_json(&supervisor, format!("{url}/replies"), json!({"text": text, "after_message_id": seen})).await;
        assert_eq!(status, 202, "{accepted}");
        assert_eq!(accepted["delivery"], "queued");
        assert_eq!(accepted["message"]["direction"], "out");

        let sent = app.delivered().await;
        let replies: Vec<_> = sent.iter().filter(|s| s.text == text).collect();
        assert_eq!(replies.len(), 1, "sent once: {sent:?}");
        assert_eq!((replies[0].kind, replies[0].recipient.as_str()), ("zalo_cs", CITIZEN));

        let (_, after) = get_json(&supervisor, url).await;
        let last = after["conversation"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["text"], text);
        assert_eq!(last["delivery"]["state"], "sent", "{last}");
        let (_, queue) = get_json(&supervisor, app.url("/api/v1/tickets")).await;
        assert!(queue["items"][0]["not_reached"].is_null(), "reached: {}", queue["items"][0]);
        assert_eq!(after["status"], "in_progress", "answering a new ticket takes it in hand");
        assert!(after["first_reply_at"].is_string(), "the reports' first response: {}", after["first_reply_at"]);
        let actions: Vec<&str> =
            after["history"].as_array().unwrap().iter().filter_map(|h| h["action"].as_str()).collect();
        assert!(actions.contains(&"reply_sent"), "{actions:?}");
    }
}

on_both_backends! {
    spawn = crate::channels::channel_app;
    async fn a_reply_written_on_a_stale_view_waits_for_the_officer_to_read(app) {
        assert_eq!(app.post_zalo(&as_if_now(&zalo_fixture("zalo_user_send_text.json"))).await.status(), 200);
        app.processed().await;
        let ticket = app.tickets().await.remove(0);
        let supervisor = app.officer("giam.sat", Role::Supervisor, None).await;
        let url = app.url(&format!("/api/v1/tickets/{}", ticket.id));
        let (_, before) = get_json(&supervisor, url.clone()).await;
        let seen = before["conversation"].as_array().unwrap().last().unwrap()["id"].clone();
        // The citizen writes again while the officer types.
        let more =
            as_if_now(&zalo_event("user_send_text", CITIZEN, "msg-2", json!({"text": "Tôi gửi thêm số nhà: 12 Trần Phú"})));
        assert_eq!(app.post_zalo(&more).await.status(), 200);
        app.processed().await;
        let outbox_before = app.outbox().await.len();

        let (status, stale) =
            post_json(&supervisor, format!("{url}/replies"), json!({"text": "Đã rõ.", "after_message_id": seen})).await;
        assert_eq!(status, 409, "{stale}");
        assert_eq!(stale["error"]["code"], "conflict");
        let new: Vec<&str> =
            stale["new_messages"].as_array().unwrap().iter().filter_map(|m| m["text"].as_str()).collect();
        assert_eq!(new, ["Tôi gửi thêm số nhà: 12 Trần Phú"]);
        assert_eq!(app.outbox().await.len(), outbox_before, "nothing queued");
        assert!(app.messages().await.iter().all(|m| m.body != "Đã rõ."), "nothing kept");

        // Having read it, the officer sends.
        let newest = stale["new_messages"].as_array().unwrap().last().unwrap()["id"].clone();
        let (status, _) =
            post_json(&supervisor, format!("{url}/replies"), json!({"text": "Đã rõ.", "after_message_id": newest})).await;
        assert_eq!(status, 202);
    }
}

on_both_backends! {
    spawn = crate::channels::channel_app;
    async fn outside_zalo_s_window_the_reply_is_kept_and_said_undeliverable_at_once(app) {
        assert_eq!(app.post_zalo(&as_if_now(&zalo_fixture("zalo_user_send_text.json"))).await.status(), 200);
        app.processed().await;
        let ticket = app.tickets().await.remove(0);
        app.delivered().await;
        // The citizen last wrote 8 days ago.
        entity::ticket_messages::Entity::update_many()
            .col_expr(entity::ticket_messages::Column::CreatedAt, Expr::value(Utc::now() - Duration::days(8)))
            .filter(entity::ticket_messages::Column::TicketId.eq(ticket.id))
            .exec(&app.db)
            .await
            .unwrap();
        let sent_before = app.sent().await.len();
        let supervisor = app.officer("giam.sat", Role::Supervisor, None).await;
        let url = app.url(&format!("/api/v1/tickets/{}", ticket.id));
        let (_, before) = get_json(&supervisor, url.clone()).await;
        assert_eq!(before["reply_window"]["open"], false);
        assert!(before["reply_window"]["reason"].as_str().unwrap().contains("8 days ago"), "{before}");
        let (status, accepted) =
            post_json(&supervisor, format!("{url}/replies"), json!({"text": "Xin lỗi vì trả lời muộn."})).await;
        assert_eq!(status, 202, "{accepted}");
        assert_eq!(accepted["delivery"], "undeliverable");
        assert!(accepted["reason"].as_str().unwrap().contains("7 days"), "{accepted}");
        assert_eq!(accepted["message"]["delivery"]["state"], "undeliverable");
        let row = app.outbox().await.pop().unwrap();
        assert_eq!(row.state, OutboxState::Undeliverable);
        // Nothing is attempted, now or later.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(app.sent().await.len(), sent_before);
        // The queue flags the ticket: the citizen was not reached.
        let (_, queue) = get_json(&supervisor, app.url("/api/v1/tickets")).await;
        let flagged = queue["items"].as_array().unwrap().iter().find(|t| t["id"] == ticket.id).unwrap().clone();
        assert!(flagged["not_reached"]["reason"].as_str().unwrap().contains("7 days"), "{flagged}");
        // The reply is on the ticket, and on its tracking page.
        let code = crate::helpers::display_code(&ticket.tracking_code);
        let (_, tracked) = get_json(&app.client, app.url(&format!("/api/v1/track/{code}"))).await;
        assert!(tracked["replies"].as_array().unwrap().iter().any(|r| r["text"] == "Xin lỗi vì trả lời muộn."));
    }
}

on_both_backends! {
    async fn a_form_ticket_s_reply_is_on_its_tracking_page(app) {
        let id = app.citizen_ticket("Xin hỏi thủ tục đăng ký tạm trú cho sinh viên", Some(THANH_SEN)).await;
        let officer = app.officer("lan", Role::Officer, Some(THANH_SEN)).await;
        let (status, accepted) = post_json(
            &officer,
            app.url(&format!("/api/v1/tickets/{id}/replies")),
            json!({"text": "Bạn mang căn cước và giấy xác nhận của trường đến trụ sở nhé."}),
        )
        .await;
        assert_eq!(status, 202, "{accepted}");
        assert_eq!(accepted["delivery"], "tracking_page");
        let ticket = entity::tickets::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap();
        let code = crate::helpers::display_code(&ticket.tracking_code);
        let (_, tracked) = get_json(&app.client, app.url(&format!("/api/v1/track/{code}"))).await;
        let replies: Vec<&str> =
            tracked["replies"].as_array().unwrap().iter().filter_map(|r| r["text"].as_str()).collect();
        assert_eq!(replies, ["Bạn mang căn cước và giấy xác nhận của trường đến trụ sở nhé."]);
        assert!(tracked.to_string().find("lan").is_none(), "no officer's name on the tracking page");
        // Empty, too long, or with control characters: refused, nothing kept.
        for text in [json!("   "), json!("a".repeat(5001)), json!("xin\u{0}chao")] {
            let (status, _) =
                post_json(&officer, app.url(&format!("/api/v1/tickets/{id}/replies")), json!({"text": text})).await;
            assert_eq!(status, 422);
        }
        let (_, tracked) = get_json(&app.client, app.url(&format!("/api/v1/track/{code}"))).await;
        assert_eq!(tracked["replies"].as_array().unwrap().len(), 1);
    }
}

on_both_backends! {
    async fn status_moves_along_with_reasons_and_history(app) {
        let id = app.citizen_ticket("Mất ví ở chợ Thành Sen", Some(THANH_SEN)).await;
        let officer = app.officer("lan", Role::Officer, Some(THANH_SEN)).await;
        let status_url = app.url(&format!("/api/v1/tickets/{id}/status"));
        let set = |body: Value| post_json(&officer, status_url.clone(), body);

        let (status, resolved) = set(json!({"status": "resolved"})).await;
        assert_eq!(status, 200, "{resolved}");
        assert_eq!(resolved["status"], "resolved");
        assert!(resolved["resolved_at"].is_string());
        assert_eq!(set(json!({"status": "resolved"})).await.0, 409, "already resolved");
        assert_eq!(set(json!({"status": "new"})).await.0, 422, "new is intake's");
        assert_eq!(set(json!({"status": "archived"})).await.0, 422);
        let (status, error) = set(json!({"status": "rejected"})).await;
        assert_eq!(status, 422, "a rejection needs its reason");
        assert_eq!(error["error"]["fields"][0]["field"], "reason");
        let (status, reopened) = set(json!({"status": "in_progress"})).await;
        assert_eq!(status, 200);
        assert!(reopened["resolved_at"].is_null(), "reopened");
        let (status, _) = set(json!({"status": "rejected", "reason": "Không thuộc thẩm quyền Công an xã"})).await;
        assert_eq!(status, 200);

        let (_, ticket) = get_json(&officer, app.url(&format!("/api/v1/tickets/{id}"))).await;
        assert_eq!(ticket["status"], "rejected");
        let changes: Vec<(String, String)> = ticket["history"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["action"] == "status_changed")
            .map(|h| (h["detail"]["from"].as_str().unwrap().into(), h["detail"]["to"].as_str().unwrap().into()))
            .collect();
        let expected = [("new", "resolved"), ("resolved", "in_progress"), ("in_progress", "rejected")];
        assert_eq!(changes, expected.map(|(a, b)| (a.to_owned(), b.to_owned())));
        let rejection = ticket["history"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(rejection["detail"]["reason"], "Không thuộc thẩm quyền Công an xã");
    }
}

on_both_backends! {
    async fn another_unit_s_ticket_is_404_for_every_action(app) {
        let id = app.citizen_ticket("Karaoke ồn ào quá khuya", Some(THANH_SEN)).await;
        let stranger = app.officer("binh", Role::Officer, Some(TRAN_PHU)).await;
        for (path, body) in [
            ("replies", json!({"text": "Xin chào"})),
            ("status", json!({"status": "resolved"})),
            ("notes", json!({"text": "ghi chú"})),
            ("assign", json!({"officer_id": null})),
        ] {
            let (status, error) =
                post_json(&stranger, app.url(&format!("/api/v1/tickets/{id}/{path}")), body).await;
            assert_eq!(status, 404, "{path}: {error}");
        }
        let anonymous = crate::helpers::client();
        let (status, _) =
            post_json(&anonymous, app.url(&format!("/api/v1/tickets/{id}/replies")), json!({"text": "x"})).await;
        assert_eq!(status, 401);
        let ticket = entity::tickets::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap();
        assert_eq!(ticket.status, phananh::domain::TicketStatus::New, "nothing changed");
        let out = entity::ticket_messages::Entity::find()
            .filter(entity::ticket_messages::Column::TicketId.eq(id))
            .all(&app.db)
            .await
            .unwrap();
        assert_eq!(out.len(), 1, "only the citizen's message");
        assert!(app.outbox().await.is_empty(), "no reply queued");
    }
}

on_both_backends! {
    async fn internal_notes_stay_with_officers(app) {
        let id = app.citizen_ticket("Xin hỏi lệ phí cấp căn cước", Some(THANH_SEN)).await;
        let officer = app.officer("lan", Role::Officer, Some(THANH_SEN)).await;
        let note = "Người này đã hỏi qua điện thoại hôm qua; SĐT riêng 0912 000 111";
        let (status, created) =
            post_json(&officer, app.url(&format!("/api/v1/tickets/{id}/notes")), json!({"text": note})).await;
        assert_eq!(status, 201, "{created}");
        let (_, ticket) = get_json(&officer, app.url(&format!("/api/v1/tickets/{id}"))).await;
        assert_eq!(ticket["notes"][0]["text"], note);
        assert_eq!(ticket["conversation"].as_array().unwrap().len(), 1, "not a message");
        let stored = entity::tickets::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap();
        let code = crate::helpers::display_code(&stored.tracking_code);
        let (_, tracked) = get_json(&app.client, app.url(&format!("/api/v1/track/{code}"))).await;
        assert!(!tracked.to_string().contains("0912 000 111"), "{tracked}");
        assert!(app.outbox().await.is_empty(), "never sent");
        let (status, _) =
            post_json(&officer, app.url(&format!("/api/v1/tickets/{id}/notes")), json!({"text": " "})).await;
        assert_eq!(status, 422);
    }
}

on_both_backends! {
    async fn a_ticket_is_assigned_within_its_unit_taken_and_released(app) {
        let id = app.citizen_ticket("Mất xe đạp trước nhà văn hoá", Some(THANH_SEN)).await;
        let lan = app.officer("lan", Role::Officer, Some(THANH_SEN)).await;
        let _hoa = app.officer("hoa", Role::Officer, Some(THANH_SEN)).await;
        let _binh = app.officer("binh", Role::Officer, Some(TRAN_PHU)).await;
        let id_of = |name: &'static str| {
            let db = app.db.clone();
            async move {
                entity::officers::Entity::find()
                    .filter(entity::officers::Column::Username.eq(name))
                    .one(&db)
                    .await
                    .unwrap()
                    .unwrap()
                    .id
            }
        };
        let url = app.url(&format!("/api/v1/tickets/{id}/assign"));
        let (status, assigned) = post_json(&lan, url.clone(), json!({"officer_id": id_of("hoa").await})).await;
        assert_eq!(status, 200, "{assigned}");
        assert_eq!(assigned["assigned_officer_id"], id_of("hoa").await);
        // Not to another unit's officer, nor to no one that exists.
        for target in [json!(id_of("binh").await), json!(999_999)] {
            let (status, error) = post_json(&lan, url.clone(), json!({"officer_id": target})).await;
            assert_eq!(status, 422, "{error}");
        }
        // Taken by lan, then released.
        assert_eq!(post_json(&lan, url.clone(), json!({"officer_id": id_of("lan").await})).await.0, 200);
        assert_eq!(post_json(&lan, url.clone(), json!({"officer_id": id_of("lan").await})).await.0, 409);
        assert_eq!(post_json(&lan, url.clone(), json!({"officer_id": null})).await.0, 200);
        let (_, ticket) = get_json(&lan, app.url(&format!("/api/v1/tickets/{id}"))).await;
        assert!(ticket["assigned_officer_id"].is_null());
        let moves: Vec<(Value, Value)> = ticket["history"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["action"] == "ticket_assigned")
            .map(|h| (h["detail"]["from"].clone(), h["detail"]["to"].clone()))
            .collect();
        assert_eq!(moves.len(), 3, "{moves:?}");
        assert_eq!(moves[2].1, Value::Null);
    }
}

on_both_backends! {
    async fn two_officers_answering_the_same_view_at_once_send_one_reply(app) {
        let id = app.citizen_ticket("Xin hỏi giờ làm việc của bộ phận một cửa", Some(THANH_SEN)).await;
        let lan = app.officer("lan", Role::Officer, Some(THANH_SEN)).await;
        let hoa = app.officer("hoa", Role::Officer, Some(THANH_SEN)).await;
        let url = app.url(&format!("/api/v1/tickets/{id}"));
        let (_, ticket) = get_json(&lan, url.clone()).await;
        let seen = ticket["conversation"][0]["id"].clone();
        let send = |client: reqwest::Client, text: &'static str| {
            let url = format!("{url}/replies");
            let seen = seen.clone();
            async move { post_json(&client, url, json!({"text": text, "after_message_id": seen})).await.0 }
        };
        let (a, b) = tokio::join!(send(lan, "Từ 7h30 đến 17h."), send(hoa, "Sáng 7h30, chiều đến 17h."));
        let mut statuses = [a, b];
        statuses.sort();
        assert_eq!(statuses, [202, 409], "one reply goes; the other officer sees it first");
        let replies = entity::ticket_messages::Entity::find()
            .filter(entity::ticket_messages::Column::TicketId.eq(id))
            .filter(entity::ticket_messages::Column::Direction.eq(phananh::domain::Direction::Out))
            .all(&app.db)
            .await
            .unwrap();
        assert_eq!(replies.len(), 1);
    }
}

on_both_backends! {
    async fn a_ticket_moved_to_another_unit_leaves_its_holder_behind(app) {
        let id = app.citizen_ticket("Tranh chấp đất giữa hai hộ", Some(THANH_SEN)).await;
        let lan = app.officer("lan", Role::Officer, Some(THANH_SEN)).await;
        let me: Value = lan.get(app.url("/api/v1/auth/me")).send().await.unwrap().json().await.unwrap();
        let lan_id = me["officer"]["id"].clone();
        let (status, _) =
            post_json(&lan, app.url(&format!("/api/v1/tickets/{id}/assign")), json!({"officer_id": lan_id})).await;
        assert_eq!(status, 200);
        let (status, moved) = post_json(
            &lan,
            app.url(&format!("/api/v1/tickets/{id}/route")),
            json!({"unit_code": TRAN_PHU, "reason": "Địa chỉ thuộc phường Trần Phú"}),
        )
        .await;
        assert_eq!(status, 200, "{moved}");
        let ticket = entity::tickets::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap();
        assert_eq!(ticket.assigned_officer_id, None, "no longer held by an officer who cannot see it");
        // And lan can no longer act on it.
        let (status, _) =
            post_json(&lan, app.url(&format!("/api/v1/tickets/{id}/notes")), json!({"text": "ghi chú"})).await;
        assert_eq!(status, 404);
    }
}

on_both_backends! {
    async fn the_queue_filters_by_deadline_holder_track_and_urgency(app) {
        let overdue = app.citizen_ticket("Đăng ký tạm trú bị chậm", Some(THANH_SEN)).await;
        let soon = app.citizen_ticket("Xe máy bị mất trộm tối qua", Some(THANH_SEN)).await;
        let later = app.citizen_ticket("Khiếu nại việc xử phạt", Some(THANH_SEN)).await;
        let lan = app.officer("lan", Role::Officer, Some(THANH_SEN)).await;
        let me: Value = lan.get(app.url("/api/v1/auth/me")).send().await.unwrap().json().await.unwrap();
        let lan_id = me["officer"]["id"].as_i64().unwrap() as i32;
        let set = |id: i32, due_hours: i64, urgent: bool, holder: Option<i32>, track: &'static str| {
            let db = app.db.clone();
            async move {
                use entity::tickets::Column;
                entity::tickets::Entity::update_many()
                    .col_expr(Column::DueAt, Expr::value(Utc::now() + Duration::hours(due_hours)))
                    .col_expr(Column::Urgent, Expr::value(urgent))
                    .col_expr(Column::AssignedOfficerId, Expr::value(holder))
                    .col_expr(Column::LegalTrack, Expr::value(track))
                    .filter(Column::Id.eq(id))
                    .exec(&db)
                    .await
                    .unwrap();
            }
        };
        set(overdue, -1, false, None, "citizen_request").await;
        set(soon, 1, true, None, "crime_report").await;
        set(later, 30 * 24, false, Some(lan_id), "complaint").await;
        let ids = |query: &'static str| {
            let lan = lan.clone();
            let url = app.url(&format!("/api/v1/tickets?{query}"));
            async move {
                let (status, list) = get_json(&lan, url).await;
                assert_eq!(status, 200, "{query}: {list}");
                list["items"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap() as i32).collect::<Vec<_>>()
            }
        };
        assert_eq!(ids("due=overdue").await, [overdue]);
        let mut due_soon = ids("due=soon").await;
        due_soon.sort();
        assert_eq!(due_soon, [overdue, soon]);
        assert_eq!(ids("assigned=me").await, [later]);
        let mut free = ids("assigned=none").await;
        free.sort();
        assert_eq!(free, [overdue, soon]);
        assert_eq!(ids("urgent=true").await, [soon]);
        assert_eq!(ids("legal_track=complaint").await, [later]);
        assert_eq!(ids("sort=urgency").await, [soon, overdue, later], "urgent first, then the nearest deadline");
        // A finished ticket, however late or urgent it was, comes after the open work.
        let finished = app.citizen_ticket("Đã xong từ tháng trước", Some(THANH_SEN)).await;
        set(finished, -24 * 30, true, None, "feedback").await;
        let (status, _) =
            post_json(&lan, app.url(&format!("/api/v1/tickets/{finished}/status")), json!({"status": "closed"})).await;
        assert_eq!(status, 200);
        assert_eq!(ids("sort=urgency").await, [soon, overdue, later, finished]);
        for bad in ["due=yesterday", "assigned=lan", "sort=oldest", "legal_track=lawsuit", "urgent=maybe"] {
            let (status, _) = get_json(&lan, app.url(&format!("/api/v1/tickets?{bad}"))).await;
            assert_eq!(status, 400, "{bad}");
        }
        // A resolved ticket has no deadline left to miss.
        let (status, _) =
            post_json(&lan, app.url(&format!("/api/v1/tickets/{overdue}/status")), json!({"status": "resolved"})).await;
        assert_eq!(status, 200);
        assert!(ids("due=overdue").await.is_empty());
    }
}

on_both_backends! {
    async fn the_deadline_report_counts_what_is_late_per_unit(app) {
        let due = |id: i32, hours: i64| {
            let db = app.db.clone();
            async move {
                entity::tickets::Entity::update_many()
                    .col_expr(entity::tickets::Column::DueAt, Expr::value(Utc::now() + Duration::hours(hours)))
                    .filter(entity::tickets::Column::Id.eq(id))
                    .exec(&db)
                    .await
                    .unwrap();
            }
        };
        let late = app.citizen_ticket("Hồ sơ tạm trú nộp đã lâu", Some(THANH_SEN)).await;
        let soon = app.citizen_ticket("Hỏi về cấp đổi căn cước", Some(THANH_SEN)).await;
        let far = app.citizen_ticket("Góp ý giờ làm việc", Some(THANH_SEN)).await;
        let done = app.citizen_ticket("Đã được giải quyết", Some(THANH_SEN)).await;
        let other = app.citizen_ticket("Trộm chó ở tổ dân phố 5", Some(TRAN_PHU)).await;
        due(late, -5).await;
        due(soon, 1).await;
        due(far, 24 * 30).await;
        due(done, -5).await;
        due(other, -1).await;
        let lan = app.officer("lan", Role::Officer, Some(THANH_SEN)).await;
        let (status, _) =
            post_json(&lan, app.url(&format!("/api/v1/tickets/{done}/status")), json!({"status": "resolved"})).await;
        assert_eq!(status, 200);

        let (status, mine) = get_json(&lan, app.url("/api/v1/reports/deadlines")).await;
        assert_eq!(status, 200, "{mine}");
        let units = mine["units"].as_array().unwrap();
        assert_eq!(units.len(), 1, "an officer sees their own unit: {mine}");
        assert_eq!(units[0]["unit_code"], THANH_SEN);
        assert_eq!((units[0]["open"].as_i64(), units[0]["due_soon"].as_i64(), units[0]["overdue"].as_i64()),
            (Some(3), Some(1), Some(1)));

        let supervisor = app.officer("giam.sat", Role::Supervisor, None).await;
        let (_, all) = get_json(&supervisor, app.url("/api/v1/reports/deadlines")).await;
        let codes: Vec<&str> = all["units"].as_array().unwrap().iter().filter_map(|u| u["unit_code"].as_str()).collect();
        assert_eq!(codes, [THANH_SEN, TRAN_PHU], "ties on overdue: the one with more due soon first");
        assert_eq!(all["units"][1]["overdue"], 1);
        assert!(all["units"][1]["unit_name"].is_string());
        let (status, _) = get_json(&crate::helpers::client(), app.url("/api/v1/reports/deadlines")).await;
        assert_eq!(status, 401);
    }
}

on_both_backends! {
    spawn = crate::channels::channel_app;
    async fn a_public_reply_under_a_page_comment_is_confirmed_and_carries_no_personal_data(app) {
        use wiremock::matchers::{method, path};
        use wiremock::{Mock, ResponseTemplate};
        assert_eq!(app.post_facebook(&as_if_now(&crate::channels::fb_fixture("fb_feed_comment_add.json"))).await.status(), 200);
        app.processed().await;
        let ticket = app.tickets().await.remove(0);
        let comment = ticket.thread_key.clone().expect("a comment's ticket");
        app.delivered().await;
        Mock::given(method("POST"))
            .and(path(format!("/{}/{comment}/comments", crate::channels::GRAPH_VERSION)))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "reply_1"})))
            .named("public reply under the comment")
            .mount(&app.fakes.graph)
            .await;
        let supervisor = app.officer("giam.sat", Role::Supervisor, None).await;
        let url = app.url(&format!("/api/v1/tickets/{}/public-reply", ticket.id));
        let text = "Công an xã đã tiếp nhận và sẽ kiểm tra trong tuần này. Việc riêng xin nhắn tin cho Trang.";
        let (status, _) = post_json(&supervisor, url.clone(), json!({"text": text})).await;
        assert_eq!(status, 422, "not confirmed as public");
        let (status, body) = post_json(&supervisor, url.clone(), json!({"text": "Gọi 0912 345 678 để được hỗ trợ", "confirm_public": true})).await;
        assert_eq!(status, 422, "a phone number in public: {body}");
        let (status, body) = post_json(&supervisor, url.clone(), json!({"text": text, "confirm_public": true})).await;
        assert_eq!(status, 202, "{body}");
        let answered = entity::tickets::Entity::find_by_id(ticket.id).one(&app.db).await.unwrap().unwrap();
        assert!(answered.first_reply_at.is_some(), "a public answer is a first response too");
        app.delivered().await;
        let calls = app.fakes.graph.received_requests().await.unwrap();
        let public: Vec<Value> = calls
            .iter()
            .filter(|r| r.url.path().ends_with(&format!("/{comment}/comments")))
            .map(|r| r.body_json::<Value>().unwrap())
            .collect();
        assert_eq!(public, [json!({"message": text})], "posted once under the comment");
        // A Zalo or form ticket has no comment to answer under.
        let form = app.citizen_ticket("Hỏi giờ làm việc", None).await;
        let (status, _) = post_json(&supervisor, app.url(&format!("/api/v1/tickets/{form}/public-reply")), json!({"text": "x", "confirm_public": true})).await;
        assert_eq!(status, 422);
    }
}
