//! The public HTML form: CSRF, honeypot, validation beside the field, redirect to the tracking page.
use crate::helpers::{AppOptions, Backend, spawn_app_with};
use crate::on_both_backends;

on_both_backends! {
    async fn a_citizen_submits_the_form_and_lands_on_the_tracking_page(app) {
        let (token, html) = app.open_form("").await;
        assert!(html.contains("Gửi phản ánh"), "Vietnamese form");
        let response = app
            .submit_form(&[
                ("csrf_token", token.as_str()),
                ("text", "Tôi ở xã Cẩm Trung muốn hỏi thủ tục cấp lại căn cước."),
                ("name", "Nguyễn Văn An"),
                ("phone", "0912 345 678"),
                ("unit_code", ""),
                ("website", ""),
            ])
            .await;
        assert_eq!(response.status(), 303);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with("/track/"), "{location}");
        let page = app.client.get(app.url(&location)).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let page = page.text().await.unwrap();
        let code = location.trim_start_matches("/track/");
        assert!(page.contains(code), "the tracking code is shown");
        assert!(page.contains("Đã tiếp nhận"), "status shown in Vietnamese");
        assert_eq!(app.ticket_count().await, 1);
    }
}

on_both_backends! {
    async fn a_double_submit_from_one_browser_is_one_ticket_and_another_browser_s_is_its_own(app) {
        let (token, _) = app.open_form("").await;
        let fields = [
            ("csrf_token", token.as_str()),
            ("text", "Karaoke ồn ào sau 23 giờ ở thôn Trung Sơn"),
            ("phone", "0912 345 678"),
            ("unit_code", ""),
            ("website", ""),
        ];
        let first = app.submit_form(&fields).await;
        let again = app.submit_form(&fields).await;
        assert_eq!(first.status(), 303);
        assert_eq!(first.headers()["location"], again.headers()["location"], "a reload is the same ticket");
        // A neighbour behind the same address, the same words and even the same phone typed: a ticket of their own.
        let neighbour = crate::helpers::client();
        let page = neighbour.get(app.url("/")).send().await.unwrap().text().await.unwrap();
        let document = scraper::Html::parse_document(&page);
        let selector = scraper::Selector::parse("input[name=csrf_token]").unwrap();
        let their_token = document.select(&selector).next().unwrap().value().attr("value").unwrap().to_owned();
        let mut theirs = fields;
        theirs[0] = ("csrf_token", their_token.as_str());
        let other = neighbour.post(app.url("/feedback")).form(&theirs).send().await.unwrap();
        assert_eq!(other.status(), 303);
        assert_ne!(other.headers()["location"], first.headers()["location"]);
        assert_eq!(app.ticket_count().await, 2);
    }
}

on_both_backends! {
    async fn the_english_form_redirects_to_the_english_tracking_page(app) {
        let (token, html) = app.open_form("?lang=en").await;
        assert!(html.contains("Send feedback"));
        let response = app
            .submit_form(&[("csrf_token", token.as_str()), ("text", "My motorbike registration is late")])
            .await;
        // The lang query is on the form's action; posting to /feedback without it gives Vietnamese, so post as the page does.
        assert_eq!(response.status(), 303);
        let en = app
            .client
            .post(app.url("/feedback?lang=en"))
            .form(&[("csrf_token", token.as_str()), ("text", "Another question about my ID card")])
            .send()
            .await
            .unwrap();
        assert_eq!(en.status(), 303);
        let location = en.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.ends_with("?lang=en"));
        let page = app.client.get(app.url(&location)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Received"));
    }
}

on_both_backends! {
    async fn a_form_without_its_csrf_token_is_refused_and_stores_nothing(app) {
        let _ = app.open_form("").await;
        let response = app
            .submit_form(&[("csrf_token", "0123456789abcdef0123456789abcdef"), ("text", "Phản ánh thử")])
            .await;
        assert_eq!(response.status(), 403);
        let html = response.text().await.unwrap();
        assert!(html.contains("Phản ánh thử"), "the citizen's text is kept");
        assert!(html.contains("hết hạn"), "the page says what to do");
        // A client that never loaded the form has no cookie at all.
        let fresh = crate::helpers::client();
        let response = fresh
            .post(app.url("/feedback"))
            .form(&[("csrf_token", ""), ("text", "Phản ánh thử")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403);
        assert_eq!(app.ticket_count().await, 0);
    }
}

on_both_backends! {
    async fn a_filled_honeypot_looks_accepted_but_stores_nothing(app) {
        let (token, _) = app.open_form("").await;
        let response = app
            .submit_form(&[("csrf_token", token.as_str()), ("text", "cheap pills"), ("website", "http://spam.example")])
            .await;
        assert_eq!(response.status(), 200);
        assert_eq!(app.ticket_count().await, 0);
    }
}

on_both_backends! {
    async fn errors_are_shown_beside_the_field_with_the_input_kept(app) {
        let (token, _) = app.open_form("").await;
        let response = app
            .submit_form(&[
                ("csrf_token", token.as_str()),
                ("text", "   "),
                ("name", "Trần Thị Bình"),
                ("phone", "12345"),
                ("email", "not-an-email"),
            ])
            .await;
        assert_eq!(response.status(), 422);
        let html = response.text().await.unwrap();
        let doc = scraper::Html::parse_document(&html);
        let text_error = scraper::Selector::parse("#text-error").unwrap();
        let phone_error = scraper::Selector::parse("#phone-error").unwrap();
        let email_error = scraper::Selector::parse("#email-error").unwrap();
        let name_input = scraper::Selector::parse("input[name=name]").unwrap();
        let phone_input = scraper::Selector::parse("input[name=phone]").unwrap();
        assert!(doc.select(&text_error).next().is_some());
        assert!(doc.select(&phone_error).next().unwrap().text().collect::<String>().contains("Số điện thoại"));
        assert!(doc.select(&email_error).next().is_some());
        assert_eq!(doc.select(&name_input).next().unwrap().value().attr("value"), Some("Trần Thị Bình"));
        assert_eq!(doc.select(&phone_input).next().unwrap().value().attr("value"), Some("12345"));
        assert_eq!(app.ticket_count().await, 0);
    }
}

on_both_backends! {
    async fn the_unit_picker_lists_the_provinces_69_units_with_folded_names(app) {
        let (_, html) = app.open_form("").await;
        let doc = scraper::Html::parse_document(&html);
        let options = scraper::Selector::parse("select[name=unit_code] option[value]").unwrap();
        let units: Vec<_> = doc.select(&options).filter(|o| !o.value().attr("value").unwrap().is_empty()).collect();
        assert_eq!(units.len(), 69);
        let toan_luu = units
            .iter()
            .find(|o| o.value().attr("value") == Some("18634"))
            .expect("Xã Toàn Lưu is listed");
        assert_eq!(toan_luu.text().collect::<String>(), "Xã Toàn Lưu");
        assert_eq!(toan_luu.value().attr("data-folded"), Some("xa toan luu"));
    }
}

/// Two provinces served: the picker lists both, each unit with its province, since both have a "Xã Yên Hòa".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_two_provinces_the_unit_picker_names_each_unit_s_province() {
    let options = AppOptions {
        env: &[("ROUTING__PROVINCE_CODE", "40,42")],
        ..AppOptions::default()
    };
    let app = spawn_app_with(Backend::Sqlite, options).await.unwrap();
    let (_, html) = app.open_form("").await;
    let doc = scraper::Html::parse_document(&html);
    let options = scraper::Selector::parse("select[name=unit_code] option[value]").unwrap();
    let units: Vec<(String, String, String)> = doc
        .select(&options)
        .filter_map(|o| {
            let code = o.value().attr("value")?;
            (!code.is_empty()).then(|| {
                (
                    code.to_owned(),
                    o.text().collect(),
                    o.value().attr("data-folded").unwrap_or_default().to_owned(),
                )
            })
        })
        .collect();
    assert!(units.len() > 69, "{} units", units.len());
    let mut yen_hoa: Vec<_> = units
        .iter()
        .filter(|(_, name, _)| name.starts_with("Xã Yên Hòa,"))
        .collect();
    yen_hoa.sort();
    assert_eq!(
        yen_hoa,
        [
            &(
                "16909".to_owned(),
                "Xã Yên Hòa, Tỉnh Nghệ An".to_owned(),
                "xa yen hoa tinh nghe an".to_owned()
            ),
            &(
                "18682".to_owned(),
                "Xã Yên Hòa, Tỉnh Hà Tĩnh".to_owned(),
                "xa yen hoa tinh ha tinh".to_owned()
            ),
        ]
    );
    app.shut_down().await;
}

on_both_backends! {
    async fn a_chosen_unit_is_kept_on_the_ticket(app) {
        let (token, _) = app.open_form("").await;
        let response = app
            .submit_form(&[("csrf_token", token.as_str()), ("text", "Hỏi về đăng ký tạm trú"), ("unit_code", "18634")])
            .await;
        assert_eq!(response.status(), 303);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let page = app.client.get(app.url(&location)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Xã Toàn Lưu"));
    }
}

on_both_backends! {
    async fn an_unknown_unit_is_a_field_error(app) {
        let (token, _) = app.open_form("").await;
        let response = app
            .submit_form(&[("csrf_token", token.as_str()), ("text", "Hỏi về tạm trú"), ("unit_code", "00004")])
            .await;
        assert_eq!(response.status(), 422);
        assert!(response.text().await.unwrap().contains("unit_code-error"));
        assert_eq!(app.ticket_count().await, 0);
    }
}
