//! Province scope: a deployment serving Nghệ An (40) and Hà Tĩnh (42). Each ticket is filed under its unit's
//! province (in triage, the served province its text names); a supervisor or admin with a province sees, acts on,
//! reports on and manages only that province; one without sees both, as before.
use std::process::Command;
use std::sync::Arc;

use migration::{Migrator, MigratorTrait};
use phananh::db::Db;
use phananh::inbox::officers::{NewOfficer, Role, add_officer_as};
use sea_orm::{ConnectionTrait, EntityTrait, Statement};
use serde_json::{Value, json};

use crate::helpers::{
    AppOptions, Backend, TestApp, TestDb, client, repo_path, spawn_app_with, start_on,
};
use crate::inbox::{PASSWORD, THANH_SEN, TRAN_PHU, get_json, post_json};
use crate::inbox_pages::{csrf, form, page, select};
use crate::on_both_backends;

const TWO_PROVINCES: &[(&str, &str)] = &[("ROUTING__PROVINCE_CODE", "40,42")];
/// Phường Thành Vinh, Nghệ An (40).
const THANH_VINH: &str = "16681";
/// Phường Trường Vinh, Nghệ An (40).
const TRUONG_VINH: &str = "16690";

async fn two_provinces(backend: Backend) -> Option<TestApp> {
    spawn_app_with(
        backend,
        AppOptions {
            env: TWO_PROVINCES,
            ..AppOptions::default()
        },
    )
    .await
}

impl TestApp {
    /// An officer with a province (or none), logged in through the API.
    async fn scoped(
        &self,
        username: &str,
        role: Role,
        unit: Option<&str>,
        province: Option<&str>,
    ) -> reqwest::Client {
        let new = NewOfficer {
            username,
            password: PASSWORD,
            role,
            unit,
            province,
        };
        add_officer_as(&self.state.db, &self.state.gazetteer, &new, None)
            .await
            .expect("officer added");
        let officer = client();
        let (status, _) = post_json(
            &officer,
            self.url("/api/v1/auth/login"),
            json!({"username": username, "password": PASSWORD}),
        )
        .await;
        assert_eq!(status, 200, "login of {username}");
        officer
    }

    async fn province_of(&self, id: i32) -> Option<String> {
        entity::tickets::Entity::find_by_id(id)
            .one(&self.db)
            .await
            .unwrap()
            .unwrap()
            .province_code
    }
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

/// The tickets of the tests below: one per unit and province, and triage ones naming a province or none.
struct Tickets {
    nghe_an: i32,
    ha_tinh: i32,
    triage_nghe_an: i32,
    triage_ha_tinh: i32,
    triage_nowhere: i32,
    triage_ha_noi: i32,
}

async fn file_tickets(app: &TestApp) -> Tickets {
    let tickets = Tickets {
        nghe_an: app
            .citizen_ticket(
                "Mất xe máy trước chợ, nhờ công an xem camera",
                Some(THANH_VINH),
            )
            .await,
        ha_tinh: app
            .citizen_ticket("Xin cấp lại căn cước cho mẹ tôi", Some(THANH_SEN))
            .await,
        triage_nghe_an: app
            .citizen_ticket("Tôi ở tỉnh Nghệ An, muốn hỏi thủ tục làm căn cước", None)
            .await,
        triage_ha_tinh: app
            .citizen_ticket("Tôi ở tỉnh Hà Tĩnh, muốn hỏi thủ tục làm căn cước", None)
            .await,
        triage_nowhere: app
            .citizen_ticket("Cho em hỏi thủ tục làm căn cước", None)
            .await,
        triage_ha_noi: app
            .citizen_ticket(
                "Tôi ở thành phố Hà Nội, muốn hỏi thủ tục làm căn cước",
                None,
            )
            .await,
    };
    // Intake files each under its unit's province; a triage ticket under the served province its text names.
    let filed = [
        (tickets.nghe_an, Some("40")),
        (tickets.ha_tinh, Some("42")),
        (tickets.triage_nghe_an, Some("40")),
        (tickets.triage_ha_tinh, Some("42")),
        (tickets.triage_nowhere, None),
        (tickets.triage_ha_noi, None),
    ];
    for (id, province) in filed {
        let ticket = entity::tickets::Entity::find_by_id(id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (ticket.unit_code.is_some(), ticket.province_code.as_deref()),
            (id == tickets.nghe_an || id == tickets.ha_tinh, province),
            "ticket {id}: {}",
            ticket.summary
        );
    }
    tickets
}

on_both_backends! {
    spawn = two_provinces;
    async fn a_province_supervisor_sees_and_acts_on_that_province_only(app) {
        let t = file_tickets(&app).await;
        let ha_tinh = app.scoped("giam.sat.ht", Role::Supervisor, None, Some("42")).await;
        let everywhere = app.scoped("quan.tri", Role::Admin, None, None).await;
        let nghe_an_officer = app.scoped("can.bo.vinh", Role::Officer, Some(THANH_VINH), None).await;

        let (_, me) = get_json(&ha_tinh, app.url("/api/v1/auth/me")).await;
        assert_eq!(me["officer"]["province_code"], "42", "{me}");

        // The lists: the queue, the triage queue, a unit of the other province asked by name.
        let (status, list) = get_json(&ha_tinh, app.url("/api/v1/tickets")).await;
        assert_eq!(status, 200);
        let mut theirs = vec![i64::from(t.ha_tinh), i64::from(t.triage_ha_tinh)];
        theirs.sort();
        assert_eq!(ids(&list), theirs);
        let (_, triage) = get_json(&ha_tinh, app.url("/api/v1/tickets?queue=triage")).await;
        assert_eq!(ids(&triage), [i64::from(t.triage_ha_tinh)], "NULL-province triage is for officers of every province");
        let (_, other_unit) = get_json(&ha_tinh, app.url(&format!("/api/v1/tickets?unit_code={THANH_VINH}"))).await;
        assert_eq!(ids(&other_unit), Vec::<i64>::new());
        let (_, all) = get_json(&everywhere, app.url("/api/v1/tickets")).await;
        assert_eq!(all["total"], 6, "{all}");
        let (_, all_triage) = get_json(&everywhere, app.url("/api/v1/tickets?queue=triage")).await;
        assert_eq!(all_triage["total"], 4);

        // One ticket, and every action on it, as the access checks answer another unit's: 404.
        for id in [t.nghe_an, t.triage_nghe_an, t.triage_nowhere, t.triage_ha_noi] {
            let (status, _) = get_json(&ha_tinh, app.url(&format!("/api/v1/tickets/{id}"))).await;
            assert_eq!(status, 404, "ticket {id}");
            let (status, _) = post_json(&ha_tinh, app.url(&format!("/api/v1/tickets/{id}/replies")), json!({"text": "Chào anh"})).await;
            assert_eq!(status, 404, "reply to {id}");
            let (status, _) = post_json(&ha_tinh, app.url(&format!("/api/v1/tickets/{id}/assign")), json!({"officer_id": null})).await;
            assert_eq!(status, 404, "assign {id}");
            let (status, _) = post_json(&ha_tinh, app.url(&format!("/api/v1/tickets/{id}/route")), json!({"unit_code": TRAN_PHU, "reason": "thuộc Trần Phú"})).await;
            assert_eq!(status, 404, "move {id}");
            let (status, _) = page(&ha_tinh, app.url(&format!("/inbox/tickets/{id}"))).await;
            assert_eq!(status, 404, "page of {id}");
        }
        let (status, _) = post_json(&ha_tinh, app.url(&format!("/api/v1/tickets/{}/merge", t.ha_tinh)), json!({"into": t.nghe_an.to_string(), "reason": "trùng"})).await;
        assert_eq!(status, 404, "merged into a ticket of Nghệ An");
        for id in [t.ha_tinh, t.triage_ha_tinh] {
            let (status, ticket) = get_json(&ha_tinh, app.url(&format!("/api/v1/tickets/{id}"))).await;
            assert_eq!((status, ticket["id"].as_i64()), (200, Some(i64::from(id))));
        }
        for id in [t.nghe_an, t.triage_nghe_an, t.triage_nowhere] {
            let (status, _) = get_json(&everywhere, app.url(&format!("/api/v1/tickets/{id}"))).await;
            assert_eq!(status, 200, "the admin of every province: ticket {id}");
        }
        // The officer of a Nghệ An unit sees their unit's, as before.
        let (_, own) = get_json(&nghe_an_officer, app.url("/api/v1/tickets")).await;
        assert_eq!(ids(&own), [i64::from(t.nghe_an)]);

        // The queue page: only Hà Tĩnh's tickets, its units to pick, its triage count.
        let (status, html) = page(&ha_tinh, app.url("/inbox")).await;
        assert_eq!(status, 200);
        let links = select(&html, "#queue a.open .line1");
        assert_eq!(links.len(), 2, "{links:?}");
        assert!(!html.contains(&format!("value=\"{THANH_VINH}\"")), "no Nghệ An unit to pick");
        assert!(html.contains(&format!("value=\"{TRAN_PHU}\"")));
        let triage_count = select(&html, ".count-triage strong");
        assert_eq!(triage_count, ["1"]);

        // Moving: within the province, or back to its triage queue; never to the other province.
        let (status, body) = post_json(&ha_tinh, app.url(&format!("/api/v1/tickets/{}/route", t.ha_tinh)), json!({"unit_code": THANH_VINH, "reason": "ở Vinh"})).await;
        assert_eq!((status, body["error"]["code"].as_str()), (422, Some("validation_failed")), "{body}");
        assert!(body.to_string().contains("outside_province"), "{body}");
        let (status, moved) = post_json(&ha_tinh, app.url(&format!("/api/v1/tickets/{}/route", t.triage_ha_tinh)), json!({"unit_code": TRAN_PHU, "reason": "ở Trần Phú"})).await;
        assert_eq!((status, moved["visible_to_you"].as_bool()), (200, Some(true)), "{moved}");
        let (status, back) = post_json(&ha_tinh, app.url(&format!("/api/v1/tickets/{}/route", t.ha_tinh)), json!({"unit_code": null, "reason": "chưa rõ nơi"})).await;
        assert_eq!((status, back["visible_to_you"].as_bool()), (200, Some(true)), "{back}");
        assert_eq!(app.province_of(t.ha_tinh).await.as_deref(), Some("42"), "back in Hà Tĩnh's triage queue");
        let (_, triage) = get_json(&ha_tinh, app.url("/api/v1/tickets?queue=triage")).await;
        assert_eq!(ids(&triage), [i64::from(t.ha_tinh)]);
        // The admin of every province moves a ticket across: its province follows the unit.
        let (status, _) = post_json(&everywhere, app.url(&format!("/api/v1/tickets/{}/route", t.ha_tinh)), json!({"unit_code": TRUONG_VINH, "reason": "ở Vinh"})).await;
        assert_eq!(status, 200);
        assert_eq!(app.province_of(t.ha_tinh).await.as_deref(), Some("40"));
        let (status, _) = get_json(&ha_tinh, app.url(&format!("/api/v1/tickets/{}", t.ha_tinh))).await;
        assert_eq!(status, 404, "gone to Nghệ An");
    }
}

on_both_backends! {
    spawn = two_provinces;
    async fn every_report_counts_the_supervisor_s_province_only(app) {
        let t = file_tickets(&app).await;
        let ha_tinh = app.scoped("giam.sat.ht", Role::Supervisor, None, Some("42")).await;
        let everywhere = app.scoped("giam.sat", Role::Supervisor, None, None).await;

        // Satisfaction: received over the last 30 days, as JSON and CSV.
        let (status, report) = get_json(&ha_tinh, app.url("/api/v1/reports/satisfaction")).await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["total"]["received"], 2, "Hà Tĩnh's unit and its triage ticket: {report}");
        let keys: Vec<&str> = report["items"].as_array().unwrap().iter().map(|r| r["key"].as_str().unwrap()).collect();
        assert_eq!(keys.len(), 2, "{keys:?}");
        assert!(keys.contains(&THANH_SEN) && keys.contains(&""), "{keys:?}");
        let (_, all) = get_json(&everywhere, app.url("/api/v1/reports/satisfaction")).await;
        assert_eq!(all["total"]["received"], 6, "{all}");
        let triage_row = all["items"].as_array().unwrap().iter().find(|r| r["key"] == "").expect("one triage row");
        assert_eq!(triage_row["received"], 4, "{all}");
        let csv = ha_tinh.get(app.url("/api/v1/reports/satisfaction?format=csv")).send().await.unwrap().text().await.unwrap();
        assert!(csv.contains(THANH_SEN) && !csv.contains(THANH_VINH), "{csv}");
        let (status, _) = get_json(&ha_tinh, app.url(&format!("/api/v1/reports/satisfaction?unit_code={THANH_VINH}"))).await;
        assert_eq!(status, 422, "a unit of the other province");
        let (_, one_unit) = get_json(&everywhere, app.url(&format!("/api/v1/reports/satisfaction?unit_code={THANH_VINH}"))).await;
        assert_eq!(one_unit["total"]["received"], 1);

        // Deadlines: open per unit, triage apart.
        let (_, deadlines) = get_json(&ha_tinh, app.url("/api/v1/reports/deadlines")).await;
        let units: Vec<(Value, i64)> = deadlines["units"].as_array().unwrap().iter().map(|u| (u["unit_code"].clone(), u["open"].as_i64().unwrap())).collect();
        assert_eq!(units.len(), 2, "{units:?}");
        assert!(units.contains(&(json!(THANH_SEN), 1)) && units.contains(&(Value::Null, 1)), "{units:?}");
        let (_, deadlines) = get_json(&everywhere, app.url("/api/v1/reports/deadlines")).await;
        let open: i64 = deadlines["units"].as_array().unwrap().iter().map(|u| u["open"].as_i64().unwrap()).sum();
        assert_eq!(open, 6);

        // Routing: the province's tickets.
        let (_, routing) = get_json(&ha_tinh, app.url("/api/v1/reports/routing")).await;
        assert_eq!((routing["tickets"].as_u64(), routing["triaged"].as_u64()), (Some(2), Some(1)), "{routing}");
        let (_, routing) = get_json(&everywhere, app.url("/api/v1/reports/routing")).await;
        assert_eq!(routing["tickets"], 6);

        // The reports page says the same.
        let (status, html) = page(&ha_tinh, app.url("/reports")).await;
        assert_eq!(status, 200);
        assert!(!html.contains("Thành Vinh"), "no Nghệ An unit on Hà Tĩnh's page");
        assert!(html.contains("Thành Sen"), "Hà Tĩnh's unit is there");

        // A ticket moved to Nghệ An leaves Hà Tĩnh's figures.
        let (status, _) = post_json(&everywhere, app.url(&format!("/api/v1/tickets/{}/route", t.triage_ha_tinh)), json!({"unit_code": THANH_VINH, "reason": "ở Vinh"})).await;
        assert_eq!(status, 200);
        let (_, report) = get_json(&ha_tinh, app.url("/api/v1/reports/satisfaction")).await;
        assert_eq!(report["total"]["received"], 1, "{report}");
        let _ = (t.nghe_an, t.triage_nghe_an, t.triage_nowhere, t.triage_ha_noi);
    }
}

on_both_backends! {
    spawn = two_provinces;
    async fn an_admin_with_a_province_manages_that_province_s_officers(app) {
        let admin = app.scoped("quan.tri.ht", Role::Admin, None, Some("42")).await;
        let _ = app.scoped("can.bo.ht", Role::Officer, Some(THANH_SEN), None).await;
        let _ = app.scoped("can.bo.vinh", Role::Officer, Some(THANH_VINH), None).await;
        let _ = app.scoped("giam.sat", Role::Supervisor, None, None).await;

        let (status, html) = page(&admin, app.url("/inbox/officers")).await;
        assert_eq!(status, 200);
        let mut listed = select(&html, "#officers .username");
        listed.sort();
        assert_eq!(listed, ["can.bo.ht", "quan.tri.ht"], "the province's officers only");
        assert!(select(&html, "#officers .province").iter().all(|p| p.contains("Hà Tĩnh")), "{html}");
        let token = csrf(&html);
        // Nghệ An's officer and the supervisor of every province are not theirs to touch: no such officer to them.
        for username in ["can.bo.vinh", "giam.sat"] {
            let (status, _, html) = form(&admin, app.url("/inbox/officers"), &[("action", "disable"), ("username", username), ("csrf_token", &token)]).await;
            assert_eq!(status, 422, "{username}");
            assert!(select(&html, "#error")[0].contains("not found"), "{html}");
            assert!(officer_named(&app, username).await.active);
        }
        // Adding: a supervisor is of the admin's province; an officer of a Nghệ An unit is refused.
        let (status, location, _) = form(&admin, app.url("/inbox/officers"), &[("action", "add"), ("username", "giam.sat.ht"), ("role", "supervisor"), ("password", PASSWORD), ("csrf_token", &token)]).await;
        assert_eq!((status, location.as_str()), (303, "/inbox/officers?done=officers"));
        let (status, _, html) = form(&admin, app.url("/inbox/officers"), &[("action", "add"), ("username", "can.bo.moi"), ("role", "officer"), ("unit_code", THANH_VINH), ("password", PASSWORD), ("csrf_token", &token)]).await;
        assert_eq!(status, 422);
        assert!(select(&html, "#error")[0].contains("42"), "{html}");
        let (status, _, _) = form(&admin, app.url("/inbox/officers"), &[("action", "province"), ("username", "giam.sat.ht"), ("province_code", "40"), ("csrf_token", &token)]).await;
        assert_eq!(status, 422, "not to another province");
        let added = officer_named(&app, "giam.sat.ht").await;
        assert_eq!(added.province_code.as_deref(), Some("42"));

        // The admin of every province moves the supervisor to Nghệ An from the page; the next request knows it.
        let everywhere = app.scoped("quan.tri", Role::Admin, None, None).await;
        let (_, html) = page(&everywhere, app.url("/inbox/officers")).await;
        assert_eq!(select(&html, "#officers .username").len(), 6);
        let (status, location, _) = form(&everywhere, app.url("/inbox/officers"), &[("action", "province"), ("username", "giam.sat.ht"), ("province_code", "40"), ("csrf_token", &csrf(&html))]).await;
        assert_eq!((status, location.as_str()), (303, "/inbox/officers?done=officers"));
        assert_eq!(officer_named(&app, "giam.sat.ht").await.province_code.as_deref(), Some("40"));
        let (_, html) = page(&admin, app.url("/inbox/officers")).await;
        assert!(!select(&html, "#officers .username").contains(&"giam.sat.ht".to_owned()));
        let (_, html) = page(&everywhere, app.url("/inbox/officers")).await;
        let (status, _, _) = form(&everywhere, app.url("/inbox/officers"), &[("action", "province"), ("username", "can.bo.ht"), ("province_code", "40"), ("csrf_token", &csrf(&html))]).await;
        assert_eq!(status, 422, "an officer's province is their unit's");
    }
}

async fn officer_named(app: &TestApp, username: &str) -> entity::officers::Model {
    use sea_orm::{ColumnTrait, QueryFilter};
    entity::officers::Entity::find()
        .filter(entity::officers::Column::Username.eq(username))
        .one(&app.db)
        .await
        .unwrap()
        .expect("officer")
}

fn phananh(db_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_phananh"));
    command
        .current_dir(repo_path(""))
        .env("PHANANH__DATABASE__URL", db_url)
        .env("PHANANH__ROUTING__PROVINCE_CODE", "40,42")
        .env("PHANANH__LOG__LEVEL", "warn")
        .env("PHANANH_PASSWORD", PASSWORD);
    command
}

/// `phananh officer ...` in a deployment of 40 and 42: (success, stdout, stderr).
fn officer(db_url: &str, args: &[&str]) -> (bool, String, String) {
    let output = phananh(db_url).arg("officer").args(args).output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

async fn the_command_line_scopes_officers_to_served_provinces(backend: Backend) {
    let Some(test_db) = TestDb::fresh(backend).await else {
        return;
    };
    let url = test_db.url.clone();
    let (ok, _, err) = officer(
        &url,
        &[
            "add",
            "giam.sat.hn",
            "--role",
            "supervisor",
            "--province",
            "01",
        ],
    );
    assert!(
        !ok && err.contains("province 01 is not served here") && err.contains("42 Tỉnh Hà Tĩnh"),
        "{err}"
    );
    let (ok, _, err) = officer(
        &url,
        &[
            "add",
            "can.bo",
            "--role",
            "officer",
            "--unit",
            THANH_SEN,
            "--province",
            "40",
        ],
    );
    assert!(!ok && err.contains("is in province 42, not 40"), "{err}");
    let (ok, said, err) = officer(
        &url,
        &[
            "add",
            "giam.sat.ht",
            "--role",
            "supervisor",
            "--province",
            "42",
        ],
    );
    assert!(ok && said.contains("province 42"), "{err}");
    assert!(
        officer(
            &url,
            &["add", "can.bo", "--role", "officer", "--unit", THANH_VINH]
        )
        .0
    );
    let (ok, listed, _) = officer(&url, &["list"]);
    assert!(ok);
    assert_eq!(
        listed.lines().collect::<Vec<_>>(),
        [
            "can.bo\tofficer\t16681\tactive\t40",
            "giam.sat.ht\tsupervisor\t-\tactive\t42"
        ]
    );
    let (ok, said, err) = officer(&url, &["set-province", "giam.sat.ht", "40"]);
    assert!(ok && said.contains("province 40"), "{err}");
    let (ok, _, err) = officer(&url, &["set-province", "giam.sat.ht", "01"]);
    assert!(!ok && err.contains("not served"), "{err}");
    let (ok, _, err) = officer(&url, &["set-province", "can.bo", "42"]);
    assert!(!ok && err.contains("is in province 40, not 42"), "{err}");
    let (ok, said, _) = officer(&url, &["set-province", "giam.sat.ht"]);
    assert!(ok && said.contains("every province"), "{said}");
    // An officer moved to a Hà Tĩnh unit is of Hà Tĩnh.
    assert!(officer(&url, &["set-unit", "can.bo", THANH_SEN]).0);
    let (_, listed, _) = officer(&url, &["list"]);
    assert_eq!(
        listed.lines().collect::<Vec<_>>(),
        [
            "can.bo\tofficer\t18073\tactive\t42",
            "giam.sat.ht\tsupervisor\t-\tactive\t-"
        ]
    );
}

#[tokio::test]
async fn the_command_line_scopes_officers_to_served_provinces_sqlite() {
    the_command_line_scopes_officers_to_served_provinces(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_command_line_scopes_officers_to_served_provinces_postgres() {
    the_command_line_scopes_officers_to_served_provinces(Backend::Postgres).await;
}

/// Migration 19 on a database that had tickets and officers before it: each ticket takes its unit's province (a
/// triage ticket its suggested unit's), each officer their unit's; supervisors keep every province.
async fn the_migration_files_existing_tickets_and_officers(backend: Backend) {
    let Some(test_db) = TestDb::fresh(backend).await else {
        return;
    };
    let test_db = Arc::new(test_db);
    let app = start_on(
        test_db.clone(),
        backend,
        AppOptions {
            env: TWO_PROVINCES,
            ..AppOptions::default()
        },
    )
    .await;
    let nghe_an = app
        .citizen_ticket("Mất xe máy trước chợ", Some(THANH_VINH))
        .await;
    let ha_tinh = app
        .citizen_ticket("Xin cấp lại căn cước", Some(THANH_SEN))
        .await;
    let suggested = app
        .citizen_ticket("Cho em hỏi thủ tục làm căn cước", None)
        .await;
    let nowhere = app
        .citizen_ticket("Cho em hỏi thủ tục đăng ký tạm trú", None)
        .await;
    let _ = app
        .scoped("can.bo.vinh", Role::Officer, Some(THANH_VINH), None)
        .await;
    let _ = app
        .scoped("giam.sat", Role::Supervisor, Some(THANH_SEN), None)
        .await;
    let test_db = app.stop().await;

    // Back to before migration 19 (and those after it), where the rows were written without a province; one
    // triage ticket has a suggested unit.
    let settings = crate::helpers::test_settings(&test_db.url, TWO_PROVINCES);
    let db = Db::connect(&settings.database).await.unwrap();
    let from_19 = Migrator::migrations().len() as u32 - 18;
    Migrator::down(&db.write, Some(from_19)).await.unwrap();
    let columns = db
        .write
        .query_all_raw(Statement::from_string(
            db.backend(),
            match backend {
                Backend::Sqlite => "SELECT name FROM pragma_table_info('tickets') WHERE name = 'province_code'",
                Backend::Postgres => {
                    "SELECT column_name FROM information_schema.columns WHERE table_name = 'tickets' AND column_name = 'province_code'"
                }
            },
        ))
        .await
        .unwrap();
    assert!(columns.is_empty(), "down drops the column");
    db.write
        .execute_unprepared(&format!(
            "UPDATE tickets SET suggested_unit_code = '{TRUONG_VINH}' WHERE id = {suggested}"
        ))
        .await
        .unwrap();
    db.write
        .execute_unprepared("DELETE FROM report_stale")
        .await
        .unwrap();
    Migrator::up(&db.write, None).await.unwrap();

    let app = start_on(
        test_db,
        backend,
        AppOptions {
            env: TWO_PROVINCES,
            ..AppOptions::default()
        },
    )
    .await;
    for (id, province) in [
        (nghe_an, Some("40")),
        (ha_tinh, Some("42")),
        (suggested, Some("40")),
        (nowhere, None),
    ] {
        assert_eq!(
            app.province_of(id).await.as_deref(),
            province,
            "ticket {id}"
        );
    }
    assert_eq!(
        officer_named(&app, "can.bo.vinh")
            .await
            .province_code
            .as_deref(),
        Some("40")
    );
    assert_eq!(
        officer_named(&app, "giam.sat").await.province_code,
        None,
        "a supervisor keeps every province"
    );
    // The triage ticket now filed under Nghệ An counts in its report.
    let nghe_an_supervisor = app
        .scoped("giam.sat.na", Role::Supervisor, None, Some("40"))
        .await;
    let (_, report) = get_json(&nghe_an_supervisor, app.url("/api/v1/reports/satisfaction")).await;
    assert_eq!(report["total"]["received"], 2, "{report}");
    app.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_migration_files_existing_tickets_and_officers_sqlite() {
    the_migration_files_existing_tickets_and_officers(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_migration_files_existing_tickets_and_officers_postgres() {
    the_migration_files_existing_tickets_and_officers(Backend::Postgres).await;
}
