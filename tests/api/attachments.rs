//! Evidence kept by phananh: platform files fetched by the durable job and served after the platform forgets
//! them, form uploads checked by content with their EXIF removed, officers of other units refused, downloads
//! retried, retention, and the same against an S3-compatible store (moto, started here).
use std::path::Path;
use std::sync::Arc;

use phananh::inbox::officers::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::channels::{CHANNEL_ENV, as_if_now, fb_fixture, platform_fakes, zalo_event};
use crate::helpers::{
    AppOptions, Backend, TestApp, TestDb, eventually, fake_server, in_ci, record_in_summary,
    start_on,
};
use crate::inbox::{THANH_SEN, TRAN_PHU, get_json};
use crate::media_files;
use crate::on_both_backends;

/// A channel app whose store is the test's folder (`extra` may point it elsewhere).
async fn evidence_app(backend: Backend, extra: &[(&str, &str)]) -> Option<TestApp> {
    let test_db = Arc::new(TestDb::fresh(backend).await?);
    let env: Vec<(&str, &str)> = CHANNEL_ENV.iter().chain(extra.iter()).copied().collect();
    Some(
        start_on(
            test_db,
            backend,
            AppOptions {
                env: &env,
                fakes: Some(platform_fakes().await),
                ..Default::default()
            },
        )
        .await,
    )
}

async fn local_app(backend: Backend) -> Option<TestApp> {
    evidence_app(backend, &[]).await
}

impl TestApp {
    async fn attachment_rows(&self) -> Vec<entity::attachments::Model> {
        entity::attachments::Entity::find()
            .all(&self.db)
            .await
            .unwrap()
    }

    async fn supervisor(&self) -> reqwest::Client {
        self.officer("giamsat", Role::Supervisor, None).await
    }

    /// Waits until no attachment is waiting for its download.
    async fn downloads_done(&self) {
        eventually("every attachment download is done", || async {
            let rows = self.attachment_rows().await;
            !rows.is_empty() && rows.iter().all(|r| r.state != "pending")
        })
        .await;
    }

    async fn upload(
        &self,
        text: &str,
        unit: Option<&str>,
        files: Vec<(&str, Vec<u8>)>,
    ) -> reqwest::Response {
        let mut form = reqwest::multipart::Form::new().text("text", text.to_owned());
        if let Some(unit) = unit {
            form = form.text("unit_code", unit.to_owned());
        }
        for (name, bytes) in files {
            form = form.part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
            );
        }
        self.client
            .post(self.url("/api/v1/feedback"))
            .multipart(form)
            .send()
            .await
            .unwrap()
    }
}

/// Files in the local store's folder (0 for another store).
fn stored_files(app: &TestApp) -> usize {
    fn walk(dir: &Path) -> usize {
        std::fs::read_dir(dir).map_or(0, |entries| {
            entries
                .flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        walk(&e.path())
                    } else {
                        1
                    }
                })
                .sum()
        })
    }
    walk(&app.attachments_dir().join("files"))
}

/// A file on a fake CDN of the platform's, served until the test takes it away.
async fn cdn_serving(file: &'static str, bytes: Vec<u8>, content_type: &str) -> MockServer {
    let cdn = fake_server().await;
    Mock::given(method("GET"))
        .and(path(format!("/cdn/{file}")))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", content_type)
                .set_body_bytes(bytes),
        )
        .mount(&cdn)
        .await;
    cdn
}

/// The ticket's JSON as the supervisor sees it, and its first message's attachments.
async fn ticket_attachments(app: &TestApp, officer: &reqwest::Client, ticket: i32) -> Vec<Value> {
    let (status, detail) = get_json(officer, app.url(&format!("/api/v1/tickets/{ticket}"))).await;
    assert_eq!(status, 200);
    detail["conversation"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["attachments"].as_array().cloned().unwrap_or_default())
        .collect()
}

async fn download(
    officer: &reqwest::Client,
    url: String,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let response = officer.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

/// A Zalo photo is fetched and kept; once the platform no longer serves it, officers still get the same bytes.
/// A sticker in the same conversation is kept as a reference only (never fetched).
async fn zalo_photo_outlives_the_platform(app: TestApp) {
    let photo = media_files::plain_jpeg();
    let cdn = cdn_serving("photo.jpg", photo.clone(), "image/jpeg").await;
    Mock::given(method("GET"))
        .and(path("/cdn/sticker.png"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .named("a sticker is never fetched")
        .mount(&cdn)
        .await;
    let image = json!({"text": "", "attachments": [{"type": "image", "payload": {
        "url": format!("{}/cdn/photo.jpg", cdn.uri()), "thumbnail": format!("{}/cdn/thumb.jpg", cdn.uri())}}]});
    let sticker = json!({"attachments": [{"type": "sticker", "payload": {
        "id": "s-1", "url": format!("{}/cdn/sticker.png", cdn.uri())}}]});
    for (kind, id, message) in [
        ("user_send_image", "img-1", image),
        ("user_send_sticker", "st-1", sticker),
    ] {
        let body = zalo_event(kind, "citizen-photo", id, message);
        assert_eq!(app.post_zalo(&body).await.status(), 200);
    }
    app.processed().await;
    app.downloads_done().await;
    let rows = app.attachment_rows().await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    let kept = rows.iter().find(|r| r.kind == "image").unwrap();
    assert_eq!(kept.state, "kept", "{kept:?}");
    assert_eq!(kept.content_type.as_deref(), Some("image/jpeg"));
    assert_eq!(kept.bytes, Some(photo.len() as i64));
    let sticker = rows.iter().find(|r| r.kind == "sticker").unwrap();
    assert_eq!(sticker.state, "reference");
    assert!(sticker.sha256.is_none());

    // The platform forgets the file.
    cdn.reset().await;
    let gone = reqwest::get(format!("{}/cdn/photo.jpg", cdn.uri()))
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);

    let supervisor = app.supervisor().await;
    let listed = ticket_attachments(&app, &supervisor, kept.ticket_id).await;
    let photo_view = listed.iter().find(|a| a["kind"] == "image").unwrap();
    for key in [
        "id",
        "kind",
        "content_type",
        "bytes",
        "sha256",
        "kept",
        "thumbnail_url",
    ] {
        assert!(photo_view.get(key).is_some(), "{key} in {photo_view}");
    }
    assert_eq!(photo_view["kept"], true);
    let (status, headers, bytes) = download(
        &supervisor,
        app.url(&format!("/api/v1/attachments/{}", kept.id)),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(bytes, photo, "the officer gets the citizen's bytes");
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let thumb_url = app.url(photo_view["thumbnail_url"].as_str().unwrap());
    let (status, headers, thumb) = download(&supervisor, thumb_url).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/jpeg");
    assert!(
        image::load_from_memory(&thumb).is_ok(),
        "a thumbnail that decodes"
    );
    let sticker_view = listed.iter().find(|a| a["kind"] == "sticker").unwrap();
    assert_eq!(sticker_view["kept"], false);
    assert!(sticker_view.get("url").is_none());

    // The ticket is in triage: an officer of a unit is told it does not exist, file included.
    let officer = app
        .officer("thanhsen", Role::Officer, Some(THANH_SEN))
        .await;
    let (status, _, _) = download(
        &officer,
        app.url(&format!("/api/v1/attachments/{}", kept.id)),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _, _) = download(
        &officer,
        app.url(&format!("/api/v1/attachments/{}/thumbnail", kept.id)),
    )
    .await;
    assert_eq!(status, 404);
    let anonymous = crate::helpers::client();
    let (status, _, _) = download(
        &anonymous,
        app.url(&format!("/api/v1/attachments/{}", kept.id)),
    )
    .await;
    assert_eq!(status, 401);
}

on_both_backends! {
    spawn = local_app;
    async fn a_zalo_photo_is_kept_and_served_after_the_platform_forgets_it(app) {
        zalo_photo_outlives_the_platform(app).await;
    }
}

on_both_backends! {
    spawn = local_app;
    async fn a_messenger_image_is_kept_the_same_way(app) {
        let photo = media_files::png_image();
        let cdn = cdn_serving("m.png", photo.clone(), "image/png").await;
        let body = as_if_now(&fb_fixture("fb_messaging_image.json"))
            .replace("IMAGE_URL", &format!("{}/cdn/m.png", cdn.uri()));
        assert_eq!(app.post_facebook(&body).await.status(), 200);
        app.processed().await;
        app.downloads_done().await;
        let rows = app.attachment_rows().await;
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].state, "kept", "{:?}", rows[0]);
        assert_eq!(rows[0].content_type.as_deref(), Some("image/png"));
        cdn.reset().await;
        let supervisor = app.supervisor().await;
        let (status, _, bytes) =
            download(&supervisor, app.url(&format!("/api/v1/attachments/{}", rows[0].id))).await;
        assert_eq!(status, 200);
        assert_eq!(bytes, photo);
    }
}

/// A form photo with GPS: kept without EXIF (position and device gone from the bytes), the position shown as a
/// hint and used for the ticket's place; the officer of another unit gets 404. A photo sent twice is stored once.
async fn form_photo_loses_its_exif(app: TestApp, local: bool) {
    let (lat, lon) = (18.3402, 105.9051);
    let photo = media_files::jpeg_with_gps(lat, lon);
    assert!(
        photo
            .windows(9)
            .any(|w| w == media_files::DEVICE.as_bytes()),
        "the test photo names its device"
    );
    let response = app
        .upload(
            "Xe máy bị mất trộm trước nhà",
            Some(TRAN_PHU),
            vec![("ảnh hiện trường.jpg", photo.clone())],
        )
        .await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    let rows = app.attachment_rows().await;
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.state, "kept");
    let ticket = entity::tickets::Entity::find_by_id(row.ticket_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        (ticket.lat.unwrap() - lat).abs() < 1e-4 && (ticket.lon.unwrap() - lon).abs() < 1e-4,
        "the photo's position is the ticket's place: {:?} {:?}",
        ticket.lat,
        ticket.lon
    );

    let own = app.officer("tranphu", Role::Officer, Some(TRAN_PHU)).await;
    let listed = ticket_attachments(&app, &own, row.ticket_id).await;
    assert_eq!(listed[0]["name"], "ảnh hiện trường.jpg");
    let hint = &listed[0]["taken_at_position"];
    assert!((hint["lat"].as_f64().unwrap() - lat).abs() < 1e-4, "{hint}");
    let (status, headers, kept) =
        download(&own, app.url(&format!("/api/v1/attachments/{}", row.id))).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/jpeg");
    assert!(
        exif::Reader::new()
            .read_from_container(&mut std::io::Cursor::new(&kept))
            .is_err(),
        "no EXIF left in the kept copy"
    );
    assert!(
        !kept.windows(9).any(|w| w == media_files::DEVICE.as_bytes()),
        "the device is gone"
    );
    assert_eq!(
        image::load_from_memory(&kept).unwrap().to_rgb8().as_raw(),
        image::load_from_memory(&photo).unwrap().to_rgb8().as_raw(),
        "the same picture"
    );
    assert_eq!(
        listed[0]["sha256"].as_str().unwrap(),
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&kept))
    );
    let other = app
        .officer("thanhsen", Role::Officer, Some(THANH_SEN))
        .await;
    let (status, _, _) =
        download(&other, app.url(&format!("/api/v1/attachments/{}", row.id))).await;
    assert_eq!(status, 404);

    // The same photo again, on another ticket: a second row, one stored file.
    let again = app
        .upload("Lại mất xe", Some(TRAN_PHU), vec![("b.jpg", photo.clone())])
        .await;
    assert_eq!(again.status(), 201);
    let rows = app.attachment_rows().await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].sha256, rows[1].sha256);
    if local {
        assert_eq!(stored_files(&app), 1, "content-addressed: stored once");
    }
}

on_both_backends! {
    spawn = local_app;
    async fn a_form_photo_is_kept_without_its_exif_and_its_position_is_a_hint(app) {
        form_photo_loses_its_exif(app, true).await;
    }
}

on_both_backends! {
    spawn = local_app;
    async fn a_disguised_or_surplus_file_is_refused_and_nothing_is_stored(app) {
        let response = app.upload("Có người gây rối", None, vec![("photo.jpg", media_files::HTML_AS_JPEG.to_vec())]).await;
        assert_eq!(response.status(), 422);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["fields"][0]["field"], "file", "{body}");
        assert_eq!(body["error"]["fields"][0]["code"], "file_type", "{body}");
        // One good photo and one bad file: the whole submission is refused.
        let response = app.upload("Có người gây rối", None, vec![
            ("a.jpg", media_files::plain_jpeg()),
            ("b.jpg", media_files::HTML_AS_JPEG.to_vec()),
        ]).await;
        assert_eq!(response.status(), 422);
        let six: Vec<(&str, Vec<u8>)> = (0..6).map(|_| ("a.jpg", media_files::plain_jpeg())).collect();
        let response = app.upload("Có người gây rối", None, six).await;
        assert_eq!(response.status(), 422);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["fields"][0]["code"], "too_many_files", "{body}");
        assert_eq!(app.ticket_count().await, 0);
        assert!(app.attachment_rows().await.is_empty());
        assert_eq!(stored_files(&app), 0, "nothing of a refused submission is stored");
        // Plain JSON and multipart without files still open tickets.
        let response = app.upload("Chỉ có chữ", None, vec![]).await;
        assert_eq!(response.status(), 201);
        assert!(app.attachment_rows().await.is_empty());
    }
}

async fn small_files_app(backend: Backend) -> Option<TestApp> {
    evidence_app(backend, &[("ATTACHMENTS__MAX_BYTES", "1000")]).await
}

on_both_backends! {
    spawn = small_files_app;
    async fn a_file_over_the_size_limit_is_refused_as_it_streams(app) {
        let photo = media_files::jpeg_with_gps(18.0, 105.0);
        assert!(photo.len() > 1000, "the test photo is larger than the limit: {}", photo.len());
        let response = app.upload("Ảnh lớn", None, vec![("big.jpg", photo)]).await;
        assert_eq!(response.status(), 422);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["fields"][0]["code"], "file_too_large", "{body}");
        assert_eq!(app.ticket_count().await, 0);
        assert_eq!(stored_files(&app), 0);
    }
}

async fn flaky_app(backend: Backend) -> Option<TestApp> {
    evidence_app(backend, &[("ATTACHMENTS__MAX_ATTEMPTS", "3")]).await
}

on_both_backends! {
    spawn = flaky_app;
    async fn a_download_failing_twice_then_succeeding_is_kept_once(app) {
        let photo = media_files::plain_jpeg();
        let cdn = fake_server().await;
        Mock::given(method("GET")).and(path("/cdn/flaky.jpg"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(2).with_priority(1)
            .mount(&cdn).await;
        Mock::given(method("GET")).and(path("/cdn/flaky.jpg"))
            .respond_with(ResponseTemplate::new(200).set_body_bytes(photo.clone()))
            .with_priority(2)
            .mount(&cdn).await;
        // And one the platform never serves: given up after the third try, shown with the reason.
        Mock::given(method("GET")).and(path("/cdn/gone.jpg"))
            .respond_with(ResponseTemplate::new(404))
            .mount(&cdn).await;
        for (id, file) in [("f-1", "flaky.jpg"), ("f-2", "gone.jpg")] {
            let message = json!({"text": "", "attachments": [{"type": "image", "payload": {"url": format!("{}/cdn/{file}", cdn.uri())}}]});
            assert_eq!(app.post_zalo(&zalo_event("user_send_image", "citizen-flaky", id, message)).await.status(), 200);
        }
        app.processed().await;
        app.downloads_done().await;
        let rows = app.attachment_rows().await;
        assert_eq!(rows.len(), 2);
        let flaky = rows.iter().find(|r| r.source_url.as_deref().unwrap().ends_with("flaky.jpg")).unwrap();
        assert_eq!(flaky.state, "kept");
        assert_eq!(flaky.attempts, 3);
        assert_eq!(stored_files(&app), 1);
        let gone = rows.iter().find(|r| r.source_url.as_deref().unwrap().ends_with("gone.jpg")).unwrap();
        assert_eq!(gone.state, "failed");
        assert_eq!(gone.attempts, 3);
        let requests = cdn.received_requests().await.unwrap();
        assert_eq!(requests.iter().filter(|r| r.url.path() == "/cdn/flaky.jpg").count(), 3);
        let supervisor = app.supervisor().await;
        let listed = ticket_attachments(&app, &supervisor, gone.ticket_id).await;
        let shown = listed.iter().find(|a| a["id"] == gone.id).unwrap();
        assert_eq!(shown["kept"], false);
        assert!(shown["reason"].as_str().unwrap().contains("404"), "{shown}");
        let page = supervisor.get(app.url(&format!("/inbox/tickets/{}", gone.ticket_id))).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Không lưu được"), "the inbox page says it is not kept");
    }
}

on_both_backends! {
    spawn = local_app;
    async fn retention_deletes_files_of_long_closed_tickets_and_keeps_shared_ones(app) {
        let photo = media_files::plain_jpeg();
        let other = media_files::png_image();
        for (text, files) in [
            ("Ảnh cũ", vec![("a.jpg", photo.clone()), ("b.png", other.clone())]),
            ("Ảnh dùng chung", vec![("a.jpg", photo.clone())]),
        ] {
            assert_eq!(app.upload(text, Some(TRAN_PHU), files).await.status(), 201);
        }
        assert_eq!(stored_files(&app), 2);
        let rows = app.attachment_rows().await;
        let old_ticket = rows.iter().find(|r| r.name.as_deref() == Some("b.png")).unwrap().ticket_id;
        let long_ago = chrono::Utc::now() - chrono::Duration::days(40);
        entity::tickets::Entity::update_many()
            .col_expr(entity::tickets::Column::Status, sea_orm::sea_query::Expr::value("closed"))
            .col_expr(entity::tickets::Column::UpdatedAt, sea_orm::sea_query::Expr::value(long_ago))
            .filter(entity::tickets::Column::Id.eq(old_ticket))
            .exec(&app.db).await.unwrap();
        let purged = phananh::evidence::retention::purge(&app.state.db, &app.state.evidence.store, 30).await.unwrap();
        assert_eq!(purged, 2);
        assert_eq!(stored_files(&app), 1, "the PNG is deleted; the JPEG another ticket keeps stays");
        let rows = app.attachment_rows().await;
        assert!(rows.iter().filter(|r| r.ticket_id == old_ticket).all(|r| r.state == "purged" && r.purged_at.is_some()));
        let supervisor = app.supervisor().await;
        let (status, detail) = get_json(&supervisor, app.url(&format!("/api/v1/tickets/{old_ticket}"))).await;
        assert_eq!(status, 200);
        assert!(detail["history"].to_string().contains("attachments_purged"), "recorded on the ticket");
        let jpeg = rows.iter().find(|r| r.ticket_id == old_ticket && r.name.as_deref() == Some("a.jpg")).unwrap();
        let (status, _, _) = download(&supervisor, app.url(&format!("/api/v1/attachments/{}", jpeg.id))).await;
        assert_eq!(status, 404);
        assert_eq!(phananh::evidence::retention::purge(&app.state.db, &app.state.evidence.store, 30).await.unwrap(), 0);
    }
}

/// A local S3-compatible server (moto), with one bucket; the process ends when this is dropped.
struct Moto {
    child: std::process::Child,
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `moto_server` from PyPI (`pip install 'moto[server]'`), or None (SKIPPED) when it is missing outside CI.
async fn moto(bucket: &str) -> Option<Moto> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    let child = match child {
        Ok(child) => child,
        Err(err) if !in_ci() => {
            eprintln!(
                "SKIPPED (moto_server cannot start: {err}); pip install 'moto[server]', or CI=1 to fail instead"
            );
            record_in_summary("moto skipped");
            return None;
        }
        Err(err) => panic!("CI is set and moto_server cannot start: {err}"),
    };
    let moto = Moto {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if let Ok(response) = client
            .put(format!("{}/{bucket}", moto.endpoint))
            .send()
            .await
            && response.status().is_success()
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "moto_server did not answer within 30 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Some(moto)
}

async fn s3_app(moto: &Moto, backend: Backend) -> Option<TestApp> {
    let endpoint = moto.endpoint.clone();
    let env = [
        ("ATTACHMENTS__STORE", "s3://evidence"),
        ("ATTACHMENTS__S3_ENDPOINT", endpoint.as_str()),
        ("ATTACHMENTS__S3_REGION", "us-east-1"),
        ("ATTACHMENTS__S3_ACCESS_KEY_ID", "test"),
        ("ATTACHMENTS__S3_SECRET_ACCESS_KEY", "test"),
    ];
    evidence_app(backend, &env).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_s3_store_passes_the_same_tests_against_a_local_s3_server() {
    let Some(moto) = moto("evidence").await else {
        return;
    };
    record_in_summary("moto ran the_s3_store_passes_the_same_tests_against_a_local_s3_server");
    let app = s3_app(&moto, Backend::Sqlite).await.unwrap();
    assert_eq!(stored_files(&app), 0);
    zalo_photo_outlives_the_platform(app).await;
    let app = s3_app(&moto, Backend::Sqlite).await.unwrap();
    form_photo_loses_its_exif(app, false).await;
    // The files are in the bucket, not on disk.
    let listing = reqwest::get(format!("{}/evidence?list-type=2", moto.endpoint))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(listing.contains("files/"), "{listing}");
    if let Some(app) = s3_app(&moto, Backend::Postgres).await {
        zalo_photo_outlives_the_platform(app).await;
    }
}

on_both_backends! {
    spawn = local_app;
    async fn the_web_form_keeps_a_photo_and_shows_a_refused_file_beside_the_citizen_s_text(app) {
        let (token, html) = app.open_form("").await;
        assert!(html.contains(r#"enctype="multipart/form-data""#) && html.contains(r#"name="file""#));
        let post = |text: &str, name: &str, bytes: Vec<u8>| {
            let form = reqwest::multipart::Form::new()
                .text("csrf_token", token.clone())
                .text("text", text.to_owned())
                .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()));
            app.client.post(app.url("/feedback")).multipart(form).send()
        };
        let refused = post("Quán karaoke hát đến 2 giờ sáng", "photo.jpg", media_files::HTML_AS_JPEG.to_vec()).await.unwrap();
        assert_eq!(refused.status(), 422);
        let page = refused.text().await.unwrap();
        assert!(page.contains("Quán karaoke hát đến 2 giờ sáng"), "the citizen's text is kept");
        assert!(page.contains(r#"id="file-error""#), "the reason stands beside the file field");
        assert_eq!(app.ticket_count().await, 0);
        let kept = post("Quán karaoke hát đến 2 giờ sáng", "a.jpg", media_files::plain_jpeg()).await.unwrap();
        assert_eq!(kept.status(), 303);
        assert_eq!(app.ticket_count().await, 1);
        let rows = app.attachment_rows().await;
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].state, "kept");
    }
}

async fn limited_app(backend: Backend) -> Option<TestApp> {
    evidence_app(backend, &[("FORM__RATE_LIMIT_PER_MINUTE", "1")]).await
}

on_both_backends! {
    spawn = limited_app;
    async fn a_client_over_the_form_s_limit_is_refused_before_its_files_are_read(app) {
        assert_eq!(app.upload("Lần đầu", None, vec![("a.jpg", media_files::plain_jpeg())]).await.status(), 201);
        // A file that would be refused for its type: 429 first means the body was never read.
        let again = app.upload("Lần hai", None, vec![("photo.jpg", media_files::HTML_AS_JPEG.to_vec())]).await;
        assert_eq!(again.status(), 429);
        let (token, _) = app.open_form("").await;
        let form = reqwest::multipart::Form::new()
            .text("csrf_token", token)
            .text("text", "Lần ba")
            .part("file", reqwest::multipart::Part::bytes(media_files::HTML_AS_JPEG.to_vec()).file_name("photo.jpg"));
        let page = app.client.post(app.url("/feedback")).multipart(form).send().await.unwrap();
        assert_eq!(page.status(), 429);
        assert!(page.headers().contains_key("retry-after"));
        assert_eq!(app.ticket_count().await, 1);
    }
}
