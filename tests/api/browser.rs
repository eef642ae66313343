//! The inbox in a real browser: Debian's Chromium driven through chromedriver (WebDriver, `fantoccini`). An
//! officer logs in, opens the queue, opens a ticket that came in through the fake Zalo platform and answers it;
//! the fake Zalo API receives the reply once, for the right citizen. The citizen's markup shows as text and never
//! runs; at a phone's width nothing scrolls sideways. Screenshots of the queue and the ticket, at phone and desktop
//! widths, go to `target/screenshots/`.
//!
//! Without `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian's `chromium`, `chromium-driver`) the test prints
//! SKIPPED; with `CI` set it fails instead (`.ci/run` installs them).
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use phananh::inbox::officers::{Role, add_officer};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::channels::{as_if_now, channel_app, zalo_event};
use crate::helpers::{Backend, in_ci, record_in_summary, repo_path};
use crate::inbox::PASSWORD;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CITIZEN: &str = "246845883529197922";
const PHONE: (u32, u32) = (360, 740);
const DESKTOP: (u32, u32) = (1280, 900);

/// chromedriver on a free port, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    fn start() -> Option<Driver> {
        if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        Some(Driver { child, port })
    }

    async fn session(&self) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         "--lang=vi-VN", format!("--window-size={},{}", DESKTOP.0, DESKTOP.1)],
            }),
        );
        let url = format!("http://127.0.0.1:{}", self.port);
        // chromedriver takes a moment to listen.
        for _ in 0..100 {
            let mut builder = ClientBuilder::new(HttpConnector::new());
            match builder.capabilities(caps.clone()).connect(&url).await {
                Ok(client) => return client,
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        panic!("chromedriver did not start a Chromium session at {url}");
    }
}

fn skipped(why: &str) {
    let line = format!("browser skipped: {why}");
    record_in_summary(&line);
    println!("SKIPPED ({why})");
    assert!(!in_ci(), "CI must run the browser test: {why}");
}

fn screenshots_dir() -> PathBuf {
    let dir = repo_path("target/screenshots");
    std::fs::create_dir_all(&dir).expect("target/screenshots");
    dir
}

async fn screenshot(browser: &Client, name: &str) {
    let png = browser.screenshot().await.expect("screenshot");
    std::fs::write(screenshots_dir().join(format!("{name}.png")), png).expect("screenshot written");
}

async fn at_width(browser: &Client, (width, height): (u32, u32)) {
    browser
        .set_window_size(width, height)
        .await
        .expect("window size");
}

/// Nothing wider than the window: no sideways scrolling.
async fn scrolls_sideways(browser: &Client) -> (i64, i64) {
    let sizes = browser
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .expect("page sizes");
    (sizes[0].as_i64().unwrap(), sizes[1].as_i64().unwrap())
}

/// axe-core (`npm install axe-core` into `target/axe`, as `.ci/run` does), or None with the reason.
fn axe_source() -> Option<String> {
    std::fs::read_to_string(repo_path("target/axe/node_modules/axe-core/axe.min.js")).ok()
}

/// The page's serious and critical accessibility violations, as axe-core finds them: "rule: n nodes (first target)".
async fn accessibility_violations(browser: &Client, axe: &str) -> Vec<String> {
    browser
        .execute(&format!("{axe}; return true;"), vec![])
        .await
        .expect("axe-core injected");
    let found = browser
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations
                 .filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => v.id + ': ' + v.nodes.length + ' (' + v.nodes[0].target.join(' ') + ')')));"#,
            vec![],
        )
        .await
        .expect("axe-core ran");
    serde_json::from_value(found).unwrap_or_default()
}

async fn text_of(browser: &Client, css: &str) -> String {
    browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} on the page: {e}"))
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_answers_a_zalo_citizen_from_the_inbox_in_chromium() {
    let Some(driver) = Driver::start() else {
        return skipped(
            "Chromium or chromedriver is not installed (apt-get install chromium chromium-driver)",
        );
    };
    let app = channel_app(Backend::Sqlite).await.expect("sqlite app");
    let text = "Xe máy nhà tôi ở thôn Trung Sơn, xã Thạch Sen bị lấy trộm đêm qua <script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">";
    let body = as_if_now(&zalo_event(
        "user_send_text",
        CITIZEN,
        "browser-1",
        json!({"text": text}),
    ));
    assert_eq!(app.post_zalo(&body).await.status(), 200);
    app.processed().await;
    let ticket = app.tickets().await.remove(0);
    app.acknowledged(&ticket, "zalo_cs", CITIZEN).await;
    add_officer(
        &app.state.db,
        &app.state.gazetteer,
        "giam.sat",
        PASSWORD,
        Role::Supervisor,
        None,
    )
    .await
    .unwrap();

    let browser = driver.session().await;
    // The queue asks for a login first, and comes back to itself afterwards.
    browser.goto(&app.url("/inbox")).await.unwrap();
    browser
        .wait()
        .for_element(Locator::Id("login"))
        .await
        .expect("the login page");
    browser
        .find(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys("giam.sat")
        .await
        .unwrap();
    browser
        .find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    browser
        .find(Locator::Css("#login button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .for_element(Locator::Id("queue"))
        .await
        .expect("the queue after login");
    assert!(
        browser
            .current_url()
            .await
            .unwrap()
            .path()
            .ends_with("/inbox")
    );

    let row = text_of(&browser, "#queue .summary").await;
    assert!(
        row.contains("<script>"),
        "the citizen's markup shows as text: {row}"
    );
    at_width(&browser, PHONE).await;
    let (scroll, width) = scrolls_sideways(&browser).await;
    assert!(
        scroll <= width,
        "the queue scrolls sideways on a phone: {scroll} > {width}"
    );
    screenshot(&browser, "inbox-queue-phone").await;
    let axe = axe_source();
    if axe.is_none() {
        skipped(
            "axe-core is not installed in target/axe (npm install --prefix target/axe axe-core@4)",
        );
    }
    let mut violations = Vec::new();
    if let Some(axe) = &axe {
        violations.extend(
            accessibility_violations(&browser, axe)
                .await
                .into_iter()
                .map(|v| format!("queue, phone: {v}")),
        );
    }
    at_width(&browser, DESKTOP).await;
    screenshot(&browser, "inbox-queue-desktop").await;

    browser
        .find(Locator::Css("#queue .open"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let shown = text_of(&browser, "#conversation .theirs .body").await;
    assert_eq!(shown, text, "shown as the citizen wrote it");
    let title: Value = browser
        .execute("return document.title;", vec![])
        .await
        .unwrap();
    assert_ne!(title, json!("pwned"), "the citizen's script never runs");
    let injected: Value = browser
        .execute(
            "return document.querySelectorAll('#conversation script, #conversation img').length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(injected, json!(0));
    let window = text_of(&browser, "#window").await;
    assert!(
        window.starts_with("Zalo:"),
        "the reply box says the channel's window: {window}"
    );
    screenshot(&browser, "inbox-ticket-desktop").await;
    if let Some(axe) = &axe {
        violations.extend(
            accessibility_violations(&browser, axe)
                .await
                .into_iter()
                .map(|v| format!("ticket, desktop: {v}")),
        );
    }
    at_width(&browser, PHONE).await;
    let (scroll, width) = scrolls_sideways(&browser).await;
    assert!(
        scroll <= width,
        "the ticket scrolls sideways on a phone: {scroll} > {width}"
    );
    screenshot(&browser, "inbox-ticket-phone").await;
    if let Some(axe) = &axe {
        violations.extend(
            accessibility_violations(&browser, axe)
                .await
                .into_iter()
                .map(|v| format!("ticket, phone: {v}")),
        );
    }
    at_width(&browser, DESKTOP).await;

    assert!(
        violations.is_empty(),
        "serious or critical accessibility violations: {violations:#?}"
    );

    let reply = "Chào anh, Công an xã Thạch Sen đã nhận tin và cử cán bộ xác minh ngay sáng nay.";
    browser
        .find(Locator::Id("reply-text"))
        .await
        .unwrap()
        .send_keys(reply)
        .await
        .unwrap();
    browser
        .find(Locator::Id("send-reply"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let done = text_of(&browser, "#done").await;
    assert_eq!(done, "Đã gửi trả lời qua kênh của công dân.");

    let sent = app.delivered().await;
    let replies: Vec<_> = sent.iter().filter(|s| s.text == reply).collect();
    assert_eq!(
        replies.len(),
        1,
        "the fake Zalo received the reply once: {sent:?}"
    );
    assert_eq!(
        (replies[0].kind, replies[0].recipient.as_str()),
        ("zalo_cs", CITIZEN)
    );
    // The delivery state shows on the ticket once the page is loaded again.
    browser.refresh().await.unwrap();
    let states = browser
        .find_all(Locator::Css("#conversation .ours .delivery"))
        .await
        .unwrap();
    let last = states
        .last()
        .expect("our reply on the page")
        .text()
        .await
        .unwrap();
    assert!(
        ["đã gửi", "đã nhận", "đã xem"].contains(&last.as_str()),
        "delivery shown: {last}"
    );
    browser.close().await.unwrap();
}

/// A citizen answers the satisfaction survey on a phone: the page from the tracking page's link, no sideways
/// scrolling at 360 px, no serious or critical accessibility violations, a level tapped, sent, thanked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_answers_the_survey_on_a_phone_in_chromium() {
    let Some(driver) = Driver::start() else {
        return skipped(
            "Chromium or chromedriver is not installed (apt-get install chromium chromium-driver)",
        );
    };
    let app = crate::helpers::spawn_app(Backend::Sqlite)
        .await
        .expect("sqlite app");
    let id = app
        .citizen_ticket(
            "Xin hỏi thủ tục đăng ký tạm trú cho sinh viên",
            Some(crate::inbox::THANH_SEN),
        )
        .await;
    let officer = app
        .officer("lan", Role::Officer, Some(crate::inbox::THANH_SEN))
        .await;
    let response = officer
        .post(app.url(&format!("/api/v1/tickets/{id}/status")))
        .json(&json!({"status": "resolved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let ticket = entity::tickets::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let code = crate::helpers::display_code(&ticket.tracking_code);

    let browser = driver.session().await;
    at_width(&browser, PHONE).await;
    browser
        .goto(&app.url(&format!("/track/{code}")))
        .await
        .unwrap();
    browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Id("survey-link"))
        .await
        .expect("the tracking page links the survey")
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("form.survey"))
        .await
        .expect("the survey page");
    let (scroll, width) = scrolls_sideways(&browser).await;
    assert!(
        scroll <= width,
        "the survey scrolls sideways on a phone: {scroll} > {width}"
    );
    screenshot(&browser, "survey-phone").await;
    match axe_source() {
        Some(axe) => {
            let violations = accessibility_violations(&browser, &axe).await;
            assert!(
                violations.is_empty(),
                "serious or critical accessibility violations: {violations:#?}"
            );
        }
        None => skipped(
            "axe-core is not installed in target/axe (npm install --prefix target/axe axe-core@4)",
        ),
    }
    // Tapping the label chooses the level (big targets for thumbs).
    browser
        .find(Locator::Css("label.level-4"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .find(Locator::Css("form.survey button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The submit navigates: the old page's `main` may still be there, or go stale while read, for a moment.
    let mut thanks = String::new();
    for _ in 0..100 {
        if let Ok(main) = browser.find(Locator::Css("main")).await
            && let Ok(text) = main.text().await
        {
            thanks = text;
            if thanks.contains("Cảm ơn bạn đã đánh giá") {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(thanks.contains("Cảm ơn bạn đã đánh giá"), "{thanks}");
    screenshot(&browser, "survey-thanks-phone").await;
    let survey = entity::survey_ratings::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(survey.score, Some(4));
    browser.close().await.unwrap();
}
