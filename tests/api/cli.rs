//! The `phananh` binary's commands, run as an operator would.
use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::helpers::{Backend, TestDb, repo_path};

fn phananh(db_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_phananh"));
    command
        .current_dir(repo_path(""))
        .env("PHANANH__DATABASE__URL", db_url)
        .env("PHANANH__LOG__LEVEL", "warn");
    command
}

#[test]
fn route_reads_json_lines_and_writes_one_decision_per_line() {
    let mut child = phananh("sqlite::memory:")
        .args(["route", "--jsonl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input = concat!(
        r#"{"id":"a","text":"Tôi ở xã Lưu Vĩnh Sơn, huyện Thạch Hà muốn hỏi về tạm trú"}"#,
        "\n",
        r#"{"id":"b","text":"Cho em hỏi thủ tục làm căn cước"}"#,
        "\n",
        "not json\n",
        r#"{"id":3,"text":"hỏi về đăng ký xe","unit_hint":"18634"}"#,
        "\n",
    );
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let lines: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["id"], "a");
    assert_eq!(lines[0]["unit_code"], "18634", "{}", lines[0]);
    assert!(
        lines[0]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["vi"].is_string() && r["en"].is_string() && r["code"].is_string())
    );
    assert_eq!(lines[1]["unit_code"], Value::Null, "no place: triage");
    let confidence = lines[1]["confidence"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&confidence));
    assert_eq!(lines[2]["error"]["code"], "bad_line");
    assert_eq!(lines[3]["id"], 3);
    assert_eq!(lines[3]["unit_code"], "18634");
}

#[tokio::test]
async fn officer_add_stores_an_argon2id_hash() {
    let test_db = TestDb::fresh(Backend::Sqlite).await.unwrap();
    let output = phananh(&test_db.url)
        .args([
            "officer",
            "add",
            "ca.toanluu",
            "--role",
            "officer",
            "--unit",
            "18634",
        ])
        .env("PHANANH_PASSWORD", "mật khẩu đủ dài")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let db = sea_orm::Database::connect(test_db.url.clone())
        .await
        .unwrap();
    use sea_orm::EntityTrait;
    let officers = entity::officers::Entity::find().all(&db).await.unwrap();
    assert_eq!(officers.len(), 1);
    assert_eq!(officers[0].username, "ca.toanluu");
    assert_eq!(officers[0].unit_code.as_deref(), Some("18634"));
    assert!(officers[0].password_hash.starts_with("$argon2id$"));
    assert!(phananh::inbox::officers::verify_password(
        "mật khẩu đủ dài",
        &officers[0].password_hash
    ));

    let without_unit = phananh(&test_db.url)
        .args(["officer", "add", "someone", "--role", "officer"])
        .env("PHANANH_PASSWORD", "mật khẩu đủ dài")
        .output()
        .unwrap();
    assert!(!without_unit.status.success());
    assert!(String::from_utf8_lossy(&without_unit.stderr).contains("--unit"));
    let again = phananh(&test_db.url)
        .args(["officer", "add", "ca.toanluu", "--role", "supervisor"])
        .env("PHANANH_PASSWORD", "mật khẩu đủ dài")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[tokio::test]
async fn officer_list_and_set_unit_move_an_officer_and_release_what_they_held() {
    let app = crate::helpers::spawn_app(Backend::Sqlite).await.unwrap();
    let url = app.db_url();
    let run = |args: &[&str]| {
        let output = phananh(&url)
            .args(args)
            .env("PHANANH_PASSWORD", "mật khẩu đủ dài")
            .output()
            .unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    assert!(
        run(&[
            "officer", "add", "lan", "--role", "officer", "--unit", "18073"
        ])
        .0
    );
    assert!(run(&["officer", "add", "giam.sat", "--role", "supervisor"]).0);
    let (ok, listed, _) = run(&["officer", "list"]);
    assert!(ok);
    assert_eq!(
        listed.lines().collect::<Vec<_>>(),
        [
            "giam.sat\tsupervisor\t-\tactive\t-",
            "lan\tofficer\t18073\tactive\t42"
        ]
    );
    // A ticket of unit 18073, held by lan.
    let db = app.db.clone();
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let lan = entity::officers::Entity::find()
        .filter(entity::officers::Column::Username.eq("lan"))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let response = app
        .post_feedback_json(serde_json::json!({"text": "Mất ví ở chợ", "unit_code": "18073"}))
        .await;
    assert_eq!(response.status(), 201);
    entity::tickets::Entity::update_many()
        .col_expr(
            entity::tickets::Column::AssignedOfficerId,
            Expr::value(lan.id),
        )
        .exec(&db)
        .await
        .unwrap();

    let (ok, said, err) = run(&["officer", "set-unit", "lan", "18100"]);
    assert!(ok, "{err}");
    assert!(said.contains("18100"), "{said}");
    let moved = entity::officers::Entity::find_by_id(lan.id)
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(moved.unit_code.as_deref(), Some("18100"));
    let ticket = entity::tickets::Entity::find()
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        ticket.assigned_officer_id, None,
        "released: lan cannot see 18073's tickets now"
    );
    let audit = entity::audit_log::Entity::find().all(&db).await.unwrap();
    assert!(audit.iter().any(|a| a.action == "officer.set_unit"));
    assert!(
        audit
            .iter()
            .any(|a| a.action == "ticket_assigned" && a.ticket_id == Some(ticket.id)),
        "the release is on the ticket's history"
    );

    let (ok, _, err) = run(&["officer", "set-unit", "lan"]);
    assert!(
        !ok && err.contains("--unit"),
        "an officer keeps a unit: {err}"
    );
    let (ok, _, err) = run(&["officer", "set-unit", "lan", "99999"]);
    assert!(!ok && err.contains("99999"), "{err}");
    let (ok, _, err) = run(&["officer", "set-unit", "nobody", "18100"]);
    assert!(!ok && err.contains("nobody"), "{err}");
    assert!(
        run(&["officer", "set-unit", "giam.sat"]).0,
        "a supervisor may have no unit"
    );
    app.shut_down().await;
}

#[test]
fn an_unknown_setting_stops_the_binary_with_the_key_named() {
    let output = phananh("sqlite::memory:")
        .args(["migrate"])
        .env("PHANANH__SERVER__BINDD", "127.0.0.1:1")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bindd"), "{stderr}");
}

/// `phananh seed` (benchmarks): a tenth of the tickets open, a few in triage, 1 to 6 messages each (median 3),
/// every ticket findable by its first message folded, about a third about "đăng ký", unique tracking codes; for
/// the satisfaction report the others resolved after receipt (mostly on time), most with an officer's first
/// reply, a few prolonged complaints or denunciations, a third of the tickets surveyed once resolved and most of
/// those answered (mostly 4-5), and a rating at a desk for one ticket in 20; the same rows for the same seed; and
/// never into a database that has tickets.
#[tokio::test]
async fn seed_writes_findable_tickets_the_same_for_a_seed_and_only_into_an_empty_database() {
    use entity::{desk_ratings, survey_ratings, ticket_messages, tickets};
    use phananh::domain::{TicketStatus, fold_for_search};
    use sea_orm::{EntityTrait, QueryOrder};
    use std::collections::{HashMap, HashSet};

    let seed = |url: &str| {
        phananh(url)
            .args(["seed", "--tickets", "1000", "--seed", "7"])
            .output()
            .unwrap()
    };
    let mut seen = Vec::new();
    for backend in [Backend::Sqlite, Backend::Postgres, Backend::Sqlite] {
        let Some(test_db) = TestDb::fresh(backend).await else {
            continue;
        };
        let output = seed(&test_db.url);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let db = sea_orm::Database::connect(test_db.url.clone())
            .await
            .unwrap();
        let tickets = tickets::Entity::find()
            .order_by_asc(tickets::Column::Id)
            .all(&db)
            .await
            .unwrap();
        assert_eq!(tickets.len(), 1000);
        let open = tickets
            .iter()
            .filter(|t| matches!(t.status, TicketStatus::New | TicketStatus::InProgress))
            .count();
        assert!((70..=130).contains(&open), "{open} open of 1000");
        let triage = tickets.iter().filter(|t| t.unit_code.is_none()).count();
        assert!((10..=60).contains(&triage), "{triage} in triage of 1000");
        let codes: HashSet<&str> = tickets.iter().map(|t| t.tracking_code.as_str()).collect();
        assert_eq!(codes.len(), 1000);
        let registering = tickets
            .iter()
            .filter(|t| {
                format!(" {}", t.search_text.as_deref().unwrap_or_default()).contains(" dang ky")
            })
            .count();
        assert!(
            (250..=420).contains(&registering),
            "{registering} of 1000 say 'dang ky'"
        );

        let mut conversations: HashMap<i32, Vec<ticket_messages::Model>> = HashMap::new();
        for m in ticket_messages::Entity::find()
            .order_by_asc(ticket_messages::Column::Id)
            .all(&db)
            .await
            .unwrap()
        {
            conversations.entry(m.ticket_id).or_default().push(m);
        }
        let mut lengths: Vec<usize> = conversations.values().map(Vec::len).collect();
        lengths.sort();
        assert_eq!(lengths.len(), 1000, "every ticket has messages");
        assert!(lengths.iter().all(|n| (1..=6).contains(n)));
        assert_eq!(lengths[500], 3, "median");
        for t in &tickets {
            let first = &conversations[&t.id][0];
            assert_eq!(
                t.search_text.as_deref(),
                Some(fold_for_search(&first.body).as_str())
            );
            assert_eq!(first.created_at, t.created_at);
            assert!(t.due_at.is_some_and(|due| due > t.created_at));
        }

        // The report's times: resolved after receipt (open tickets not), mostly on time; first replies.
        for t in &tickets {
            let is_open = matches!(t.status, TicketStatus::New | TicketStatus::InProgress);
            assert_eq!(t.resolved_at.is_none(), is_open, "ticket {}", t.id);
            assert!(t.resolved_at.is_none_or(|r| r > t.created_at));
            assert!(
                t.first_reply_at
                    .is_none_or(|r| r >= t.created_at && r <= t.last_activity_at)
            );
            if t.extensions > 0 {
                assert!(
                    matches!(t.legal_track.as_deref(), Some("complaint" | "denunciation")),
                    "ticket {} prolonged on {:?}",
                    t.id,
                    t.legal_track
                );
                assert_eq!(t.due_stage.as_deref(), Some("resolution"));
            }
        }
        let resolved: Vec<&tickets::Model> =
            tickets.iter().filter(|t| t.resolved_at.is_some()).collect();
        let on_time = resolved
            .iter()
            .filter(|t| t.resolved_at <= t.due_at)
            .count();
        assert!(
            (75..=97).contains(&(on_time * 100 / resolved.len())),
            "{on_time} of {} resolved on time",
            resolved.len()
        );
        let replied = tickets
            .iter()
            .filter(|t| t.first_reply_at.is_some())
            .count();
        assert!((750..=950).contains(&replied), "{replied} of 1000 replied");
        assert!(tickets.iter().any(|t| t.extensions > 0), "none prolonged");

        // Surveys: of tickets resolved or closed, sent as they were resolved, most answered, mostly 4-5.
        let by_id: HashMap<i32, &tickets::Model> = tickets.iter().map(|t| (t.id, t)).collect();
        let surveys = survey_ratings::Entity::find()
            .order_by_asc(survey_ratings::Column::Id)
            .all(&db)
            .await
            .unwrap();
        assert!(
            (250..=420).contains(&surveys.len()),
            "{} surveys of 1000 tickets",
            surveys.len()
        );
        let tokens: HashSet<&str> = surveys.iter().map(|s| s.token.as_str()).collect();
        assert_eq!(tokens.len(), surveys.len());
        for s in &surveys {
            let t = by_id[&s.ticket_id];
            assert!(matches!(
                t.status,
                TicketStatus::Resolved | TicketStatus::Closed
            ));
            assert!(t.resolved_at.is_some_and(|r| s.sent_at >= r));
            assert_eq!(s.unit_code, t.unit_code);
            assert_eq!(s.channel, t.channel);
            assert!(s.token.len() <= 64);
            assert_eq!((s.scale.as_str(), s.round), ("five", 1));
            assert_eq!(s.score.is_some(), s.answered_at.is_some());
            assert!(s.answered_at.is_none_or(|a| a > s.sent_at));
            assert!(s.score.is_none_or(|score| (1..=5).contains(&score)));
        }
        let scores: Vec<i16> = surveys.iter().filter_map(|s| s.score).collect();
        assert!(
            (220..=400).contains(&scores.len()),
            "{} answered",
            scores.len()
        );
        let satisfied = scores.iter().filter(|s| **s >= 4).count();
        assert!(
            (60..=92).contains(&(satisfied * 100 / scores.len())),
            "{satisfied} of {} scored 4-5",
            scores.len()
        );
        assert!(scores.iter().any(|s| *s <= 2), "no low score");
        assert!(surveys.iter().any(|s| s.solved == Some(true)));
        assert!(surveys.iter().any(|s| s.solved == Some(false)));

        // Ratings at the desks: every procedure, over the two years.
        let desk = desk_ratings::Entity::find()
            .order_by_asc(desk_ratings::Column::Id)
            .all(&db)
            .await
            .unwrap();
        assert!(
            (25..=80).contains(&desk.len()),
            "{} desk ratings",
            desk.len()
        );
        let procedures: HashSet<&str> = desk.iter().map(|d| d.procedure.as_str()).collect();
        assert_eq!(
            procedures,
            HashSet::from(["residence", "id_card", "vehicle", "other"])
        );
        assert!(desk.iter().all(|d| (1..=5).contains(&d.score)));
        let first_desk = desk.iter().map(|d| d.created_at).min().unwrap();
        let last_desk = desk.iter().map(|d| d.created_at).max().unwrap();
        assert!(last_desk - first_desk > chrono::Duration::days(365));

        seen.push((
            tickets
                .into_iter()
                .map(|t| {
                    (
                        t.tracking_code,
                        t.status,
                        t.unit_code,
                        t.search_text,
                        t.extensions,
                    )
                })
                .collect::<Vec<_>>(),
            surveys
                .into_iter()
                .map(|s| (s.ticket_id, s.token, s.score, s.solved))
                .collect::<Vec<_>>(),
            desk.into_iter()
                .map(|d| (d.unit_code, d.procedure, d.score))
                .collect::<Vec<_>>(),
        ));

        let again = seed(&test_db.url);
        assert!(!again.status.success());
        assert!(String::from_utf8_lossy(&again.stderr).contains("already has 1000 tickets"));
    }
    assert!(
        seen.windows(2).all(|w| w[0] == w[1]),
        "the same seed, the same tickets"
    );
}
