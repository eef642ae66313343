//! Replies to web form tickets by e-mail (`email.smtp_url`) against a local SMTP sink the test starts: the reply
//! reaches the address the citizen gave, once, with the tracking code; a refused address shows on the ticket as
//! undeliverable with the server's reason; without e-mail settings the reply stays on the tracking page only.
use std::sync::{Arc, Mutex};

use phananh::inbox::officers::Role;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::helpers::{AppOptions, Backend, TestApp, eventually, spawn_app_with};
use crate::inbox::{THANH_SEN, get_json, post_json};
use crate::on_both_backends;

/// One message as the sink received it.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    pub data: String,
}

/// A minimal SMTP server on loopback: takes every message, except for recipients with "khongton" in the address,
/// which it refuses as a mail server refuses an unknown mailbox (550).
pub struct SmtpSink {
    pub port: u16,
    pub mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mails: Arc<Mutex<Vec<Mail>>> = Arc::default();
        let kept = mails.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let kept = kept.clone();
                tokio::spawn(async move {
                    let (read, mut write) = socket.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                    let mut to = Vec::new();
                    while let Ok(Some(line)) = lines.next_line().await {
                        let upper = line.to_ascii_uppercase();
                        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO")
                        {
                            b"250-sink\r\n250 8BITMIME\r\n"
                        } else if upper.starts_with("MAIL FROM") {
                            b"250 OK\r\n"
                        } else if upper.starts_with("RCPT TO") {
                            if line.contains("khongton") {
                                b"550 5.1.1 No such mailbox\r\n"
                            } else {
                                to.push(
                                    line[8..]
                                        .trim()
                                        .trim_matches(|c| c == '<' || c == '>')
                                        .to_owned(),
                                );
                                b"250 OK\r\n"
                            }
                        } else if upper.starts_with("DATA") {
                            let _ = write.write_all(b"354 go ahead\r\n").await;
                            let mut data = String::new();
                            while let Ok(Some(line)) = lines.next_line().await {
                                if line == "." {
                                    break;
                                }
                                data.push_str(&line);
                                data.push('\n');
                            }
                            kept.lock().unwrap().push(Mail {
                                to: std::mem::take(&mut to),
                                data,
                            });
                            b"250 2.0.0 queued as 1\r\n"
                        } else if upper.starts_with("QUIT") {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        } else {
                            b"250 OK\r\n"
                        };
                        if write.write_all(reply).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        SmtpSink { port, mails }
    }

    pub fn received(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }
}

async fn email_app(backend: Backend) -> Option<(TestApp, SmtpSink)> {
    let sink = SmtpSink::start().await;
    let url = format!("smtp://127.0.0.1:{}", sink.port);
    let env = [
        ("EMAIL__SMTP_URL", url.as_str()),
        ("EMAIL__FROM", "Cong an xa Thanh Sen <phananh@example.vn>"),
    ];
    let app = spawn_app_with(
        backend,
        AppOptions {
            env: &env,
            ..Default::default()
        },
    )
    .await?;
    Some((app, sink))
}

async fn form_ticket(app: &TestApp, email: &str) -> i32 {
    let response = app
        .post_feedback_json(json!({"text": "Xin hỏi hồ sơ cấp căn cước của tôi đã xong chưa", "unit_code": THANH_SEN, "email": email}))
        .await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    let code = created["tracking_code"].as_str().unwrap().replace('-', "");
    use sea_orm::EntityTrait;
    entity::tickets::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.tracking_code == code)
        .unwrap()
        .id
}

async fn delivery_of(app: &TestApp, officer: &reqwest::Client, id: i32, text: &str) -> Value {
    let (_, detail) = get_json(officer, app.url(&format!("/api/v1/tickets/{id}"))).await;
    detail["conversation"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["text"] == text)
        .unwrap()["delivery"]
        .clone()
}

mod with_a_local_smtp_server {
    use super::*;

    async fn body(app: TestApp, sink: SmtpSink) {
        let officer = app.officer("can.bo", Role::Officer, Some(THANH_SEN)).await;
        let id = form_ticket(&app, "cong.dan@example.vn").await;
        let text = "Hồ sơ của anh đã xong, mời anh đến nhận căn cước vào sáng thứ Hai.";
        let (status, accepted) = post_json(
            &officer,
            app.url(&format!("/api/v1/tickets/{id}/replies")),
            json!({"text": text}),
        )
        .await;
        assert_eq!(
            (status, accepted["delivery"].as_str()),
            (202, Some("email")),
            "{accepted}"
        );
        eventually("the e-mail is sent", || async {
            delivery_of(&app, &officer, id, text).await["state"] == "sent"
        })
        .await;
        let mails = sink.received();
        assert_eq!(mails.len(), 1, "sent once: {mails:?}");
        assert_eq!(mails[0].to, ["cong.dan@example.vn"]);
        use sea_orm::EntityTrait;
        let code = entity::tickets::Entity::find_by_id(id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .tracking_code;
        assert!(
            mails[0].data.contains(&crate::helpers::display_code(&code)),
            "{}",
            mails[0].data
        );

        // A mailbox the server refuses: kept on the ticket as undeliverable, with the server's words.
        let refused = form_ticket(&app, "khongton@example.vn").await;
        let text = "Mời chị đến làm việc chiều nay.";
        post_json(
            &officer,
            app.url(&format!("/api/v1/tickets/{refused}/replies")),
            json!({"text": text}),
        )
        .await;
        eventually("the refusal is recorded", || async {
            delivery_of(&app, &officer, refused, text).await["state"] == "undeliverable"
        })
        .await;
        let delivery = delivery_of(&app, &officer, refused, text).await;
        assert!(
            delivery["last_error"]
                .as_str()
                .unwrap()
                .contains("No such mailbox"),
            "{delivery}"
        );
        assert_eq!(
            sink.received().len(),
            1,
            "nothing sent for the refused address"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let (app, sink) = email_app(Backend::Sqlite).await.expect("sqlite app");
        body(app, sink).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some((app, sink)) = email_app(Backend::Postgres).await {
            body(app, sink).await;
        }
    }
}

on_both_backends! {
    async fn without_email_settings_a_form_reply_stays_on_the_tracking_page(app) {
        let officer = app.officer("can.bo", Role::Officer, Some(THANH_SEN)).await;
        let id = form_ticket(&app, "cong.dan@example.vn").await;
        let (status, accepted) = post_json(&officer, app.url(&format!("/api/v1/tickets/{id}/replies")), json!({"text": "Đã nhận."})).await;
        assert_eq!((status, accepted["delivery"].as_str()), (202, Some("tracking_page")));
    }
}
