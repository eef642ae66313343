//! The inbox's web pages over HTTP (the browser test drives the same pages in Chromium): login with CSRF, the
//! queue of the officer's unit with search with or without diacritics, the ticket page and its forms, who else has
//! a ticket open, and citizen text shown as text.
use phananh::inbox::officers::{Role, add_officer};
use scraper::{Html, Selector};
use sea_orm::EntityTrait;
use serde_json::json;

use crate::helpers::{TestApp, client};
use crate::inbox::{PASSWORD, THANH_SEN, TRAN_PHU, get_json};
use crate::on_both_backends;

pub(crate) fn select(html: &str, css: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let selector = Selector::parse(css).expect("selector");
    doc.select(&selector)
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

fn attr(html: &str, css: &str, name: &str) -> Option<String> {
    let doc = Html::parse_document(html);
    let selector = Selector::parse(css).expect("selector");
    doc.select(&selector)
        .next()
        .and_then(|e| e.value().attr(name).map(str::to_owned))
}

pub(crate) async fn page(client: &reqwest::Client, url: String) -> (u16, String) {
    let response = client.get(url).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

pub(crate) async fn form(
    client: &reqwest::Client,
    url: String,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let response = client.post(url).form(fields).send().await.unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, response.text().await.unwrap())
}

/// The CSRF token a page's forms carry.
pub(crate) fn csrf(html: &str) -> String {
    attr(html, "input[name=csrf_token]", "value").expect("the page has a form with a CSRF token")
}

impl TestApp {
    /// An officer added and logged in through the login page.
    pub(crate) async fn page_officer(
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
        let browser = client();
        let (status, html) = page(&browser, self.url("/login")).await;
        assert_eq!(status, 200);
        let token = csrf(&html);
        let (status, location, _) = form(
            &browser,
            self.url("/login"),
            &[
                ("username", username),
                ("password", PASSWORD),
                ("csrf_token", &token),
                ("next", "/inbox"),
            ],
        )
        .await;
        assert_eq!(
            (status, location.as_str()),
            (303, "/inbox"),
            "login of {username}"
        );
        browser
    }
}

on_both_backends! {
    async fn the_login_page_checks_csrf_and_password_and_the_queue_shows_only_the_units_tickets(app) {
        let ours = app.citizen_ticket("Xin cấp lại căn cước cho mẹ tôi ở Thạch Sen", Some(THANH_SEN)).await;
        let theirs = app.citizen_ticket("Tiếng ồn karaoke ở phường Trần Phú", Some(TRAN_PHU)).await;
        add_officer(&app.state.db, &app.state.gazetteer, "can.bo", PASSWORD, Role::Officer, Some(THANH_SEN))
            .await
            .unwrap();
        let browser = client();
        let (status, location, _) = {
            let response = browser.get(app.url("/inbox?due=overdue")).send().await.unwrap();
            let location = response.headers()["location"].to_str().unwrap().to_owned();
            (response.status().as_u16(), location, ())
        };
        assert_eq!((status, location.as_str()), (303, "/login?next=%2Finbox%3Fdue%3Doverdue"));

        let (_, html) = page(&browser, app.url("/login")).await;
        let token = csrf(&html);
        // No token, a wrong one: refused before the password is looked at.
        for bad in ["", "00000000000000000000000000000000"] {
            let (status, _, _) = form(&browser, app.url("/login"), &[("username", "can.bo"), ("password", PASSWORD), ("csrf_token", bad)]).await;
            assert_eq!(status, 403);
        }
        let (status, _, html) = form(&browser, app.url("/login"), &[("username", "can.bo"), ("password", "sai"), ("csrf_token", &token)]).await;
        assert_eq!(status, 401);
        assert_eq!(select(&html, "#login-error"), ["Sai tên đăng nhập hoặc mật khẩu."]);
        // `next` only leads into the inbox.
        let (status, location, _) = form(&browser, app.url("/login"), &[("username", "can.bo"), ("password", PASSWORD), ("csrf_token", &token), ("next", "//evil.example/inbox")]).await;
        assert_eq!((status, location.as_str()), (303, "/inbox"));

        let (status, html) = page(&browser, app.url("/inbox")).await;
        assert_eq!(status, 200);
        let rows = select(&html, "#queue .summary");
        assert_eq!(rows, ["Xin cấp lại căn cước cho mẹ tôi ở Thạch Sen"], "only the unit's ticket");
        assert!(html.contains(&format!("/inbox/tickets/{ours}")));
        let (status, _) = page(&browser, app.url(&format!("/inbox/tickets/{theirs}"))).await;
        assert_eq!(status, 404, "another unit's ticket does not exist for this officer");
        let (status, _) = page(&browser, app.url(&format!("/inbox/tickets/{ours}"))).await;
        assert_eq!(status, 200);
        // The same session serves the JSON API.
        let (status, me) = get_json(&browser, app.url("/api/v1/auth/me")).await;
        assert_eq!((status, me["officer"]["username"].as_str()), (200, Some("can.bo")));

        // Logging out from the page ends the session on the server.
        let (_, html) = page(&browser, app.url("/inbox")).await;
        let (status, location, _) = form(&browser, app.url("/logout"), &[("csrf_token", &csrf(&html))]).await;
        assert_eq!((status, location.as_str()), (303, "/login"));
        let response = browser.get(app.url("/inbox")).send().await.unwrap();
        assert_eq!(response.status(), 303);
    }
}

on_both_backends! {
    async fn search_finds_words_with_or_without_diacritics_and_a_tracking_code_opens_its_ticket(app) {
        let tam_tru = app.citizen_ticket("Cho tôi hỏi thủ tục ĐĂNG KÝ tạm trú cho sinh viên thuê trọ", Some(THANH_SEN)).await;
        app.citizen_ticket("Mất căn cước khi đi chợ, xin hướng dẫn làm lại", Some(THANH_SEN)).await;
        app.citizen_ticket("dang ky xe may moi mua o dau", Some(THANH_SEN)).await;
        let supervisor = app.page_officer("giam.sat", Role::Supervisor, None).await;

        let summaries = |html: &str| {
            let mut rows = select(html, "#queue .summary");
            rows.sort();
            rows
        };
        let (_, html) = page(&supervisor, app.url("/inbox?q=dang+ky+tam+tru")).await;
        assert_eq!(summaries(&html), ["Cho tôi hỏi thủ tục ĐĂNG KÝ tạm trú cho sinh viên thuê trọ"]);
        let (_, html) = page(&supervisor, app.url("/inbox?q=%C4%91%C4%83ng+k%C3%BD")).await; // "đăng ký"
        assert_eq!(summaries(&html), ["Cho tôi hỏi thủ tục ĐĂNG KÝ tạm trú cho sinh viên thuê trọ", "dang ky xe may moi mua o dau"]);
        // The last word may be cut short, as people type.
        let (_, html) = page(&supervisor, app.url("/inbox?q=can+cu")).await;
        assert_eq!(summaries(&html), ["Mất căn cước khi đi chợ, xin hướng dẫn làm lại"]);
        let (status, html) = page(&supervisor, app.url("/inbox?q=karaoke")).await;
        assert_eq!(status, 200);
        assert_eq!(select(&html, ".empty"), ["Không tìm thấy phản ánh khớp với nội dung tìm kiếm."]);
        // The API searches the same way.
        let (_, list) = get_json(&supervisor, app.url("/api/v1/tickets?q=tam%20tru")).await;
        assert_eq!(list["total"], 1, "{list}");
        // Query syntax typed in the box is only words.
        let (status, _) = get_json(&supervisor, app.url("/api/v1/tickets?q=%22dang%22%20OR%20*")).await;
        assert_eq!(status, 200);

        let code = entity::tickets::Entity::find_by_id(tam_tru).one(&app.db).await.unwrap().unwrap().tracking_code;
        let response = supervisor.get(app.url(&format!("/inbox?q={}", code.to_lowercase()))).send().await.unwrap();
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], format!("/inbox/tickets/{tam_tru}").as_str());
    }
}

on_both_backends! {
    async fn the_ticket_page_answers_notes_takes_and_resolves_with_csrf_and_never_on_a_stale_view(app) {
        let id = app.citizen_ticket("Hồ sơ đăng ký thường trú nộp 3 tuần chưa có kết quả <script>alert('x')</script>", Some(THANH_SEN)).await;
        let officer = app.page_officer("can.bo", Role::Officer, Some(THANH_SEN)).await;
        let url = app.url(&format!("/inbox/tickets/{id}"));
        let (status, html) = page(&officer, url.clone()).await;
        assert_eq!(status, 200);
        // The citizen's markup is text.
        assert!(!html.contains("<script>alert"), "escaped");
        assert!(select(&html, "#conversation .body")[0].ends_with("<script>alert('x')</script>"));
        assert_eq!(select(&html, "#window"), ["Câu trả lời hiện trên trang theo dõi của công dân."]);
        let token = csrf(&html);
        let seen = attr(&html, "input[name=after_message_id]", "value").unwrap();

        // Without the token nothing happens.
        let (status, _, _) = form(&officer, format!("{url}/reply"), &[("text", "Đã nhận"), ("after_message_id", &seen)]).await;
        assert_eq!(status, 403);
        let (_, detail) = get_json(&officer, app.url(&format!("/api/v1/tickets/{id}"))).await;
        assert_eq!(detail["conversation"].as_array().unwrap().len(), 1, "nothing sent without the token");

        let reply = "Chào anh, hồ sơ đang chờ xác minh, dự kiến có kết quả thứ Sáu.";
        let (status, location, _) = form(&officer, format!("{url}/reply"), &[("text", reply), ("after_message_id", &seen), ("csrf_token", &token)]).await;
        assert_eq!((status, location.as_str()), (303, format!("/inbox/tickets/{id}?done=reply_tracking_page").as_str()));
        let (_, html) = page(&officer, app.url(&location)).await;
        assert_eq!(select(&html, "#done"), ["Đã đăng trả lời lên trang theo dõi của công dân."]);
        assert!(select(&html, "#conversation .ours .body").contains(&reply.to_owned()));
        assert_eq!(select(&html, "#status"), ["Đang xử lý"], "answering takes the ticket in hand");

        // A reply written on the view from before that reply is held back, kept, with the newer message marked.
        let (status, _, html) = form(&officer, format!("{url}/reply"), &[("text", "Trả lời thứ hai"), ("after_message_id", &seen), ("csrf_token", &token)]).await;
        assert_eq!(status, 409);
        assert_eq!(select(&html, "#reply-text"), ["Trả lời thứ hai"]);
        assert_eq!(select(&html, ".msg.fresh .body"), [reply]);
        let newest = attr(&html, "input[name=after_message_id]", "value").unwrap();
        assert_ne!(newest, seen);

        let (status, location, _) = form(&officer, format!("{url}/note"), &[("text", "Gọi điện cho công dân chiều nay"), ("csrf_token", &token)]).await;
        assert_eq!((status, location.ends_with("done=note")), (303, true));
        let (status, location, _) = form(&officer, format!("{url}/assign"), &[("officer_id", "me"), ("csrf_token", &token)]).await;
        assert_eq!((status, location.ends_with("done=assigned")), (303, true));
        // A rejection without its reason is refused with the reason why, in Vietnamese.
        let (status, _, html) = form(&officer, format!("{url}/status"), &[("status", "rejected"), ("reason", ""), ("csrf_token", &token)]).await;
        assert_eq!(status, 422);
        assert_eq!(select(&html, "#error"), ["Vui lòng ghi lý do từ chối (tối đa 1.000 ký tự)"]);
        let (status, location, _) = form(&officer, format!("{url}/status"), &[("status", "resolved"), ("reason", ""), ("csrf_token", &token)]).await;
        assert_eq!((status, location.ends_with("done=status")), (303, true));

        let (_, html) = page(&officer, url.clone()).await;
        assert_eq!(select(&html, "#status"), ["Đã giải quyết"]);
        assert_eq!(select(&html, "#assignee"), ["can.bo (bạn)"]);
        assert_eq!(select(&html, ".note-item .body"), ["Gọi điện cho công dân chiều nay"]);
        let history = select(&html, "#history li").join("\n");
        for action in ["reply_sent", "note_added", "ticket_assigned", "status_changed"] {
            assert!(history.contains(action), "{action} in the history: {history}");
        }
        // The citizen's tracking page has the answer, never the note.
        let code = entity::tickets::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap().tracking_code;
        let (_, tracking) = page(&client(), app.url(&format!("/track/{code}"))).await;
        assert!(tracking.contains(reply) && !tracking.contains("Gọi điện cho công dân"));
    }
}

on_both_backends! {
    async fn moving_a_ticket_from_the_page_needs_a_reason_and_colleagues_see_who_has_it_open(app) {
        let id = app.citizen_ticket("Xin xác nhận cư trú để làm hồ sơ đi học", Some(THANH_SEN)).await;
        let an = app.page_officer("an.nguyen", Role::Officer, Some(THANH_SEN)).await;
        let binh = app.page_officer("binh.tran", Role::Officer, Some(THANH_SEN)).await;
        let other_unit = app.page_officer("chi.le", Role::Officer, Some(TRAN_PHU)).await;
        let url = app.url(&format!("/inbox/tickets/{id}"));
        let (_, html) = page(&an, url.clone()).await;
        assert!(select(&html, "#presence").is_empty(), "nobody else yet");
        let (_, html) = page(&binh, url.clone()).await;
        assert_eq!(select(&html, "#presence"), ["Cũng đang mở phản ánh này: an.nguyen"]);
        // Another unit's officer cannot act on it, with or without a token.
        let (_, their_page) = page(&other_unit, app.url("/inbox")).await;
        let (status, _, _) = form(&other_unit, format!("{url}/note"), &[("text", "x"), ("csrf_token", &csrf(&their_page))]).await;
        assert_eq!(status, 404);

        let token = csrf(&html);
        let (status, _, html) = form(&binh, format!("{url}/route"), &[("unit_code", TRAN_PHU), ("reason", ""), ("csrf_token", &token)]).await;
        assert_eq!(status, 422, "a reason is required");
        assert!(!select(&html, "#error").is_empty());
        let (status, _, html) = form(&binh, format!("{url}/route"), &[("unit_code", TRAN_PHU), ("reason", "Địa chỉ thuộc phường Trần Phú"), ("csrf_token", &token)]).await;
        assert_eq!(status, 200);
        assert!(html.contains("Phản ánh đã được chuyển khỏi đơn vị của bạn."));
        let (status, _) = page(&binh, url.clone()).await;
        assert_eq!(status, 404, "moved out of the unit");
        let (status, html) = page(&other_unit, url).await;
        assert_eq!(status, 200);
        assert!(select(&html, "#routing-reasons li")[0].contains("Địa chỉ thuộc phường Trần Phú"));
        let (_, list) = get_json(&other_unit, app.url("/api/v1/tickets")).await;
        assert_eq!(list["items"][0]["id"], json!(id));
    }
}

on_both_backends! {
    async fn tickets_stored_before_search_existed_are_folded_at_start_and_found(app) {
        use sea_orm::{QueryFilter, ColumnTrait, sea_query::Expr};
        let id = app.citizen_ticket("Xin hướng dẫn đăng ký tạm trú cho người thuê nhà", Some(THANH_SEN)).await;
        app.citizen_ticket("Mất ví ở chợ", Some(THANH_SEN)).await;
        // As a database from before the column: no folded text (the index forgets the ticket with it).
        entity::tickets::Entity::update_many()
            .col_expr(entity::tickets::Column::SearchText, Expr::value(None::<String>))
            .filter(entity::tickets::Column::Id.is_not_null())
            .exec(&app.db)
            .await
            .unwrap();
        let test_db = app.stop().await;
        let app = crate::helpers::start_on(test_db, crate::helpers::Backend::Sqlite, Default::default()).await;
        let officer = app.officer("tim.lai", Role::Supervisor, None).await;
        let (_, list) = get_json(&officer, app.url("/api/v1/tickets?q=dang%20ky%20tam%20tru")).await;
        assert_eq!(list["total"], 1, "{list}");
        assert_eq!(list["items"][0]["id"], json!(id));
        let folded = entity::tickets::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap().search_text;
        assert_eq!(folded.as_deref(), Some("xin huong dan dang ky tam tru cho nguoi thue nha"));
    }
}

on_both_backends! {
    async fn another_units_officer_gets_404_from_every_page_and_form_of_a_ticket(app) {
        let id = app.citizen_ticket("Xin hỏi lịch tiếp công dân tuần này", Some(THANH_SEN)).await;
        let stranger = app.page_officer("nguoi.la", Role::Officer, Some(TRAN_PHU)).await;
        let (_, html) = page(&stranger, app.url("/inbox")).await;
        let token = csrf(&html);
        let url = app.url(&format!("/inbox/tickets/{id}"));
        assert_eq!(page(&stranger, url.clone()).await.0, 404);
        for (action, fields) in [
            ("reply", vec![("text", "x")]),
            ("note", vec![("text", "x")]),
            ("assign", vec![("officer_id", "me")]),
            ("status", vec![("status", "resolved")]),
            ("route", vec![("unit_code", TRAN_PHU), ("reason", "x")]),
            ("deadline", vec![("action", "take_on")]),
            ("merge", vec![("into", "1")]),
        ] {
            let mut fields = fields;
            fields.push(("csrf_token", &token));
            let (status, _, _) = form(&stranger, format!("{url}/{action}"), &fields).await;
            assert_eq!(status, 404, "{action}");
        }
        let (_, detail) = get_json(&app.officer("giam.sat", Role::Supervisor, None).await, app.url(&format!("/api/v1/tickets/{id}"))).await;
        assert_eq!(detail["status"], "new", "nothing changed");
        assert_eq!(detail["history"].as_array().unwrap().len(), 1, "{}", detail["history"]);
    }
}

on_both_backends! {
    async fn admins_manage_officers_and_canned_replies_from_pages_and_read_the_audit_log(app) {
        let admin = app.page_officer("quan.tri", Role::Admin, None).await;
        let officer = app.page_officer("can.bo", Role::Officer, Some(THANH_SEN)).await;
        for path in ["/inbox/officers", "/inbox/canned", "/inbox/audit"] {
            assert_eq!(page(&officer, app.url(path)).await.0, 403, "{path} is for admins");
        }
        let (_, html) = page(&officer, app.url("/inbox")).await;
        let (status, _, _) = form(&officer, app.url("/inbox/officers"), &[("action", "disable"), ("username", "quan.tri"), ("csrf_token", &csrf(&html))]).await;
        assert_eq!(status, 403);

        let (status, html) = page(&admin, app.url("/inbox/officers")).await;
        assert_eq!(status, 200);
        assert!(select(&html, "#officers .username").contains(&"can.bo".to_owned()));
        let token = csrf(&html);
        let (status, _, html) = form(&admin, app.url("/inbox/officers"), &[("action", "add"), ("username", "moi.vao"), ("role", "officer"), ("unit_code", THANH_SEN), ("password", "ngan"), ("csrf_token", &token)]).await;
        assert_eq!(status, 422, "a weak password is refused");
        assert!(!select(&html, "#error").is_empty());
        let (status, location, _) = form(&admin, app.url("/inbox/officers"), &[("action", "add"), ("username", "moi.vao"), ("role", "officer"), ("unit_code", THANH_SEN), ("password", "mat khau moi du dai"), ("csrf_token", &token)]).await;
        assert_eq!((status, location.as_str()), (303, "/inbox/officers?done=officers"));
        // Disabling an officer ends the session they have open.
        let (status, _, _) = form(&admin, app.url("/inbox/officers"), &[("action", "disable"), ("username", "can.bo"), ("csrf_token", &token)]).await;
        assert_eq!(status, 303);
        let response = officer.get(app.url("/inbox")).send().await.unwrap();
        assert_eq!(response.status(), 303, "the disabled officer is sent to the login page");
        assert_eq!(get_json(&officer, app.url("/api/v1/auth/me")).await.0, 401);
        // Nor can an admin lock themselves out from the page.
        let (status, _, _) = form(&admin, app.url("/inbox/officers"), &[("action", "disable"), ("username", "quan.tri"), ("csrf_token", &token)]).await;
        assert_eq!(status, 409);

        let (status, location, _) = form(&admin, app.url("/inbox/canned"), &[("action", "save"), ("topic", "residence"), ("title", "Hẹn bổ sung hồ sơ"), ("body", "Hồ sơ {code} cần bổ sung giấy tờ; mời anh/chị đến {unit} trong giờ hành chính."), ("csrf_token", &token)]).await;
        assert_eq!((status, location.as_str()), (303, "/inbox/canned?done=canned"));
        let (status, _, _) = form(&admin, app.url("/inbox/canned"), &[("action", "save"), ("topic", "khong-co"), ("title", "x"), ("body", "y"), ("csrf_token", &token)]).await;
        assert_eq!(status, 422);
        let id = app.citizen_ticket("Tôi muốn đăng ký thường trú cho con mới sinh", Some(THANH_SEN)).await;
        let newcomer = client();
        let (_, html) = page(&newcomer, app.url("/login")).await;
        form(&newcomer, app.url("/login"), &[("username", "moi.vao"), ("password", "mat khau moi du dai"), ("csrf_token", &csrf(&html))]).await;
        let (status, html) = page(&newcomer, app.url(&format!("/inbox/tickets/{id}"))).await;
        assert_eq!(status, 200, "the officer the admin added works");
        let canned_href = attr(&html, "details.canned a", "href").expect("the canned reply is offered for the topic");
        let (_, html) = page(&newcomer, app.url(&canned_href)).await;
        let code = entity::tickets::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap().tracking_code;
        let prefilled = select(&html, "#reply-text").remove(0);
        assert_eq!(
            prefilled,
            format!("Hồ sơ {} cần bổ sung giấy tờ; mời anh/chị đến Phường Thành Sen trong giờ hành chính.", crate::helpers::display_code(&code))
        );

        let (_, html) = page(&admin, app.url("/inbox/audit")).await;
        let log = select(&html, "#audit li").join("\n");
        for action in ["officer.add", "officer.disable", "canned_reply.save"] {
            assert!(log.contains(action), "{action} in the audit log: {log}");
        }
        assert!(log.contains("quan.tri"), "with the admin who did it");
    }
}

on_both_backends! {
    async fn the_reports_page_shows_deadlines_per_unit_and_routing_to_supervisors_only(app) {
        use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
        let late = app.citizen_ticket("Xin xác nhận tạm trú gấp", Some(THANH_SEN)).await;
        app.citizen_ticket("Hỏi thủ tục cấp đổi căn cước", Some(TRAN_PHU)).await;
        let mut row = entity::tickets::Entity::find_by_id(late).one(&app.db).await.unwrap().unwrap().into_active_model();
        row.due_at = Set(Some(chrono::Utc::now() - chrono::Duration::days(1)));
        row.update(&app.db).await.unwrap();
        let officer = app.page_officer("can.bo", Role::Officer, Some(THANH_SEN)).await;
        let (status, html) = page(&officer, app.url("/reports")).await;
        assert_eq!(status, 200);
        let rows = select(&html, "#deadline-report tbody tr");
        assert_eq!(rows.len(), 1, "only the officer's unit: {rows:?}");
        assert!(rows[0].contains("Phường Thành Sen") && rows[0].ends_with('1'), "{rows:?}");
        assert!(select(&html, "#routing-report").is_empty(), "routing quality is for supervisors");
        let supervisor = app.page_officer("giam.sat", Role::Supervisor, None).await;
        let (_, html) = page(&supervisor, app.url("/reports")).await;
        assert_eq!(select(&html, "#deadline-report tbody tr").len(), 2);
        assert!(!select(&html, "#routing-report").is_empty());
        let links: Vec<String> = Html::parse_document(&html)
            .select(&Selector::parse("#deadline-report a").unwrap())
            .filter_map(|a| a.value().attr("href").map(str::to_owned))
            .collect();
        assert!(links.contains(&"/inbox?unit_code=18073&due=overdue".to_owned()), "each unit links to its overdue queue: {links:?}");
        let (status, _) = page(&supervisor, app.url("/reports?from=2026-13-01")).await;
        assert_eq!(status, 400);
    }
}
