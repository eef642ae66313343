//! Faults with several instances: three processes of the real binary on one PostgreSQL, webhook and form load
//! spread over them, one killed with SIGKILL mid-load. Nothing acknowledged may be lost, nothing sent twice, and
//! what the dead instance held mid-send must end `unknown` (shown to officers, never resent).
use std::collections::{HashMap, HashSet};
use std::process::Stdio;
use std::time::{Duration, Instant};

use phananh::domain::OutboxState;
use sea_orm::{Database, EntityTrait};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::channels::{
    CHANNEL_ENV, ZALO_TOKEN, as_if_now, platform_fakes, zalo_event, zalo_signature,
};
use crate::helpers::{
    AppOptions, Backend, Fakes, TestApp, TestDb, client, in_ci, repo_path, start_on,
};

/// Events and form submissions sent, spread round-robin over the instances.
const EVENTS: usize = 150;
const FORMS: usize = 30;

struct Instance {
    child: tokio::process::Child,
    url: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(db_url: &str, fakes: &Fakes, extra: &[(&str, &str)]) -> Instance {
    let port = free_port();
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_phananh"));
    command
        .arg("serve")
        .current_dir(repo_path(""))
        .env("PHANANH__DATABASE__URL", db_url)
        .env("PHANANH__SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("PHANANH__SERVER__WORKERS", "2")
        .env("PHANANH__LOG__LEVEL", "warn")
        .env("PHANANH__FORM__RATE_LIMIT_PER_MINUTE", "100000")
        .env("PHANANH__OUTBOUND__HTTP_TIMEOUT_SECS", "2")
        .env("PHANANH__OUTBOUND__RECOVER_AFTER_SECS", "8")
        .env("PHANANH__OUTBOUND__POLL_INTERVAL_MS", "50")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    for (key, value) in CHANNEL_ENV {
        command.env(format!("PHANANH__{key}"), value);
    }
    for (key, value) in fakes.env() {
        command.env(format!("PHANANH__{key}"), value);
    }
    for (key, value) in extra {
        command.env(format!("PHANANH__{key}"), value);
    }
    let child = command.spawn().expect("phananh starts");
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while client()
        .get(format!("{url}/readyz"))
        .send()
        .await
        .map(|r| r.status() != 200)
        .unwrap_or(true)
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "instance on {port} not ready"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Instance { child, url }
}

/// What the citizens write, and the deployment's scope.
#[derive(Clone, Copy)]
enum Load {
    /// Hà Tĩnh (the default scope): one question, numbered.
    Province,
    /// The whole country (`routing.province_code = "*"`): addresses from every province, from the national
    /// evaluation set (`routing/eval/national-dev.jsonl`), each ticket checked for its province.
    Country,
}

/// The national evaluation's cases: text and expected 2025 province code.
fn national_cases() -> Vec<(String, String)> {
    std::fs::read_to_string(repo_path("routing/eval/national-dev.jsonl"))
        .expect("the national evaluation set")
        .lines()
        .map(|line| {
            let case: Value = serde_json::from_str(line).unwrap();
            (
                case["text"].as_str().unwrap().to_owned(),
                case["expect"]["province"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_instance_killed_mid_load_loses_nothing_acknowledged_and_sends_nothing_twice() {
    kill_mid_load(Load::Province).await;
}

/// The same under a national deployment's load: three instances serving every province, addresses from across
/// the country; besides nothing lost or sent twice, every routed ticket carries its unit's province.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_instance_killed_mid_national_load_loses_nothing_and_keeps_each_tickets_province() {
    kill_mid_load(Load::Country).await;
}

async fn kill_mid_load(kind: Load) {
    let Some(test_db) = TestDb::fresh(Backend::Postgres).await else {
        return;
    };
    let scope: &[(&str, &str)] = match kind {
        Load::Province => &[],
        Load::Country => &[("ROUTING__PROVINCE_CODE", "*")],
    };
    let cases = match kind {
        Load::Province => Vec::new(),
        Load::Country => national_cases(),
    };
    let events = match kind {
        Load::Province => EVENTS,
        Load::Country => 2 * EVENTS,
    };
    let text_of = {
        let cases = cases.clone();
        move |n: usize| match kind {
            Load::Province => format!("Xin hỏi thủ tục đăng ký tạm trú, lần {n}"),
            Load::Country => format!(
                "Xin hỏi thủ tục đăng ký tạm trú. {}",
                cases[n % cases.len()].0
            ),
        }
    };
    let fakes = Fakes::tripwires().await;
    // Zalo takes each message and answers a second later: at the kill, the dead instance has sends in flight.
    Mock::given(method("POST"))
        .and(path("/v3.0/oa/message/cs"))
        .and(header("access_token", ZALO_TOKEN))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(
                    json!({"error": 0, "message": "Success", "data": {"message_id": "zmsg-out"}}),
                )
                .set_delay(Duration::from_secs(1)),
        )
        .named("Zalo customer-service message")
        .mount(&fakes.zalo)
        .await;
    let mut instances = Vec::new();
    for _ in 0..3 {
        instances.push(start(&test_db.url, &fakes, scope).await);
    }
    let urls: Vec<String> = instances.iter().map(|i| i.url.clone()).collect();

    // Load: every citizen writes once (a new ticket and an acknowledgement each); forms beside them.
    let http = client();
    let load = {
        let http = http.clone();
        let urls = urls.clone();
        tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            let mut forms = Vec::new();
            for n in 0..events {
                // As if written now: Zalo takes answers within 7 days of the citizen's message.
                let body = as_if_now(&zalo_event(
                    "user_send_text",
                    &format!("zalo-citizen-{n}"),
                    &format!("zmsg-fault-{n}"),
                    json!({"text": text_of(n)}),
                ));
                let sent = http
                    .post(format!("{}/webhooks/zalo", urls[n % 3]))
                    .header("content-type", "application/json")
                    .header("x-zevent-signature", zalo_signature(&body))
                    .body(body)
                    .send()
                    .await;
                if sent.is_ok_and(|r| r.status() == 200) {
                    acknowledged.push(format!("user_send_text:zmsg-fault-{n}"));
                }
                if n % (events / FORMS) == 0 {
                    let form = http
                        .post(format!("{}/api/v1/feedback", urls[(n / 5) % 3]))
                        .json(&json!({"text": format!("Phản ánh qua biểu mẫu số {n}")}))
                        .send()
                        .await;
                    if let Ok(response) = form
                        && response.status() == 201
                    {
                        let created: Value = response.json().await.unwrap();
                        forms.push(created["tracking_code"].as_str().unwrap().replace('-', ""));
                    }
                }
                tokio::time::sleep(Duration::from_millis(match kind {
                    Load::Province => 20,
                    Load::Country => 10,
                }))
                .await;
            }
            (acknowledged, forms)
        })
    };
    // Mid-load, once the outboxes are busy: SIGKILL, no shutdown of any kind.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut victim = instances.remove(1);
    victim.child.start_kill().expect("SIGKILL");
    victim.child.wait().await.unwrap();
    let (acknowledged, forms) = load.await.unwrap();

    // The survivors apply every stored event and settle every outbox row (the dead one's by the sweep).
    let db = Database::connect(test_db.url.clone()).await.unwrap();
    let started = Instant::now();
    let (events, outbox) = loop {
        let events = entity::inbound_events::Entity::find()
            .all(&db)
            .await
            .unwrap();
        let outbox = entity::outbox::Entity::find().all(&db).await.unwrap();
        let busy = events.iter().any(|e| e.processed_at.is_none())
            || outbox
                .iter()
                .any(|o| matches!(o.state, OutboxState::Pending | OutboxState::Sending));
        if !busy {
            break (events, outbox);
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "not settled after 90 s"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };

    // Every acknowledged event stored, once, and applied.
    let stored: HashMap<&str, usize> = events.iter().fold(HashMap::new(), |mut count, e| {
        *count.entry(e.dedupe_key.as_str()).or_default() += 1;
        count
    });
    for key in &acknowledged {
        assert_eq!(
            stored.get(key.as_str()),
            Some(&1),
            "acknowledged event {key}"
        );
    }
    assert!(
        events.iter().all(|e| e.last_error.is_none()),
        "an event failed"
    );
    let tickets = entity::tickets::Entity::find().all(&db).await.unwrap();
    let codes: HashSet<&str> = tickets.iter().map(|t| t.tracking_code.as_str()).collect();
    for code in &forms {
        assert!(codes.contains(code.as_str()), "form ticket {code}");
    }
    if let Load::Country = kind {
        provinces_kept(&db, &tickets, &cases).await;
    }
    // Nothing sent twice: one acknowledgement per citizen at most reached Zalo.
    let requests = fakes.zalo.received_requests().await.unwrap();
    let mut per_citizen: HashMap<String, usize> = HashMap::new();
    for request in &requests {
        let body: Value = request.body_json().unwrap();
        *per_citizen
            .entry(body["recipient"]["user_id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let twice: Vec<_> = per_citizen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent twice: {twice:?}");
    let state_count = |state: OutboxState| outbox.iter().filter(|o| o.state == state).count();
    let unknown = state_count(OutboxState::Unknown);
    assert_eq!(
        state_count(OutboxState::Sent) + unknown + state_count(OutboxState::Undeliverable),
        outbox.len()
    );
    // Sent means Zalo has it; unknown ones may or may not have reached it, and were not sent again.
    assert!(state_count(OutboxState::Sent) <= requests.len());
    println!(
        "fault run: {} events acknowledged, {} stored; {} forms; {} outbox rows: {} sent, {} unknown; {} sends reached Zalo, 0 twice",
        acknowledged.len(),
        events.len(),
        forms.len(),
        outbox.len(),
        state_count(OutboxState::Sent),
        unknown,
        requests.len(),
    );
    for mut instance in instances {
        let _ = instance.child.start_kill();
        let _ = instance.child.wait().await;
    }
}

/// Every citizen's ticket carries its unit's province (its address's when in triage), nearly every routed one
/// the province the address names, and the load spread over many provinces.
async fn provinces_kept(
    db: &sea_orm::DatabaseConnection,
    tickets: &[entity::tickets::Model],
    cases: &[(String, String)],
) {
    let messages = entity::ticket_messages::Entity::find()
        .all(db)
        .await
        .unwrap();
    let by_id: HashMap<i32, &entity::tickets::Model> = tickets.iter().map(|t| (t.id, t)).collect();
    let gazetteer = phananh_routing::Gazetteer::builtin("*").unwrap();
    let mut provinces = HashSet::new();
    let mut routed = 0;
    let mut as_named = 0;
    let mut citizens = 0;
    for message in &messages {
        let Some(n) = message
            .provider_message_id
            .as_deref()
            .and_then(|id| id.strip_prefix("zmsg-fault-"))
            .and_then(|n| n.parse::<usize>().ok())
        else {
            continue;
        };
        let ticket = by_id[&message.ticket_id];
        citizens += 1;
        let expected = &cases[n % cases.len()].1;
        if let Some(unit) = &ticket.unit_code {
            routed += 1;
            assert_eq!(
                ticket.province_code.as_deref(),
                gazetteer.unit(unit).map(|u| u.province_code.as_str()),
                "ticket of {:?} routed to {unit}",
                cases[n % cases.len()].0,
            );
            as_named += usize::from(ticket.province_code.as_ref() == Some(expected));
        }
        if let Some(code) = &ticket.province_code {
            provinces.insert(code.clone());
        }
    }
    // About 92% of this set routes to a unit; the rest waits in triage.
    assert!(
        routed * 10 >= citizens * 8,
        "only {routed} of {citizens} national tickets routed"
    );
    // The router's precision on this set is 99.8%: a wrong province now and then, not more.
    assert!(
        as_named + 3 >= routed,
        "{as_named} of {routed} routed in the named province"
    );
    assert!(
        provinces.len() >= 25,
        "tickets in only {} provinces",
        provinces.len()
    );
    println!(
        "national fault run: {routed} tickets routed ({as_named} in the province named), in {} provinces",
        provinces.len()
    );
}

/// A PostgreSQL cluster of the test's own on a spare port (initdb and pg_ctl as the postgres user), so that it
/// can be stopped and started without touching the shared server other tests use.
struct PrivateCluster {
    dir: tempfile::TempDir,
    bin: std::path::PathBuf,
    port: u16,
}

impl PrivateCluster {
    /// `None` (SKIPPED; a failure with CI set) where the machine cannot: no PostgreSQL binaries, or not root.
    fn start() -> Option<PrivateCluster> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .and_then(|versions| {
                versions
                    .flatten()
                    .map(|v| v.path().join("bin"))
                    .find(|b| b.join("pg_ctl").exists())
            });
        let root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0"));
        let (Some(bin), true) = (bin, root) else {
            let why = "no /usr/lib/postgresql/*/bin/pg_ctl, or not root (initdb runs as the postgres user)";
            assert!(
                !in_ci(),
                "CI is set and a private PostgreSQL cluster cannot be made: {why}"
            );
            eprintln!("SKIPPED ({why})");
            return None;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let cluster = PrivateCluster {
            dir,
            bin,
            port: free_port(),
        };
        run(
            "chown",
            &["-R", "postgres", cluster.dir.path().to_str().unwrap()],
        );
        cluster.as_postgres(
            "initdb",
            &[
                "-D",
                &cluster.data(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        );
        cluster.up();
        Some(cluster)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn as_postgres(&self, program: &str, args: &[&str]) {
        let program = self.bin.join(program).display().to_string();
        let mut all = vec!["-u", "postgres", "--", program.as_str()];
        all.extend_from_slice(args);
        run("runuser", &all);
    }

    fn up(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log").display().to_string();
        self.as_postgres(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-o",
                &options,
                "-l",
                &log,
                "-w",
                "start",
            ],
        );
    }

    /// As a crash would: no checkpoint, connections cut.
    fn down(&self) {
        self.as_postgres(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let program = self.bin.join("pg_ctl").display().to_string();
        let _ = std::process::Command::new("runuser")
            .args([
                "-u",
                "postgres",
                "--",
                &program,
                "-D",
                &self.data(),
                "-m",
                "immediate",
                "stop",
            ])
            .output();
    }
}

fn run(program: &str, args: &[&str]) {
    let output = std::process::Command::new(program)
        .args(args)
        .output()
        .expect(program);
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

async fn send_event(app: &TestApp, n: usize) -> (u16, String) {
    let body = as_if_now(&zalo_event(
        "user_send_text",
        &format!("zalo-citizen-{n}"),
        &format!("zmsg-restart-{n}"),
        json!({"text": format!("Hỏi về căn cước, lần {n}")}),
    ));
    let status = app.post_zalo(&body).await.status().as_u16();
    (status, format!("user_send_text:zmsg-restart-{n}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_restarted_under_load_answers_503_meanwhile_and_loses_nothing_acknowledged() {
    let Some(cluster) = PrivateCluster::start() else {
        return;
    };
    let test_db = std::sync::Arc::new(TestDb::at(cluster.url()));
    let env: Vec<(&str, &str)> = CHANNEL_ENV
        .iter()
        .copied()
        .chain([("DATABASE__CONNECT_TIMEOUT_SECS", "1")])
        .collect();
    let app = start_on(
        test_db,
        Backend::Postgres,
        AppOptions {
            env: &env,
            fakes: Some(platform_fakes().await),
            ..Default::default()
        },
    )
    .await;
    let mut acknowledged = Vec::new();
    let mut statuses: HashMap<&str, Vec<u16>> = HashMap::new();
    for n in 0..30 {
        let (status, key) = send_event(&app, n).await;
        assert_eq!(status, 200, "before the restart");
        acknowledged.push(key);
    }
    cluster.down();
    for n in 30..40 {
        let (status, key) = send_event(&app, n).await;
        if status == 200 {
            acknowledged.push(key);
        }
        statuses.entry("down").or_default().push(status);
    }
    let ready = client()
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .status();
    cluster.up();
    // It recovers by itself: no restart of the app.
    let started = Instant::now();
    let mut n = 40;
    while acknowledged.len() < 60 {
        let (status, key) = send_event(&app, n).await;
        if status == 200 {
            acknowledged.push(key);
        } else {
            statuses.entry("after").or_default().push(status);
        }
        n += 1;
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no recovery after 60 s: {statuses:?}"
        );
    }
    app.processed().await;
    // While it was down: 503s, nothing claimed stored that was not, and no 500.
    assert!(statuses["down"].iter().all(|s| *s == 503), "{statuses:?}");
    assert!(
        statuses.values().flatten().all(|s| *s == 503),
        "{statuses:?}"
    );
    assert_eq!(ready, 503, "/readyz while the database is down");
    let events = entity::inbound_events::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    let stored: HashSet<&str> = events.iter().map(|e| e.dedupe_key.as_str()).collect();
    for key in &acknowledged {
        assert!(stored.contains(key.as_str()), "acknowledged {key} was lost");
    }
    assert!(events.iter().all(|e| e.processed_at.is_some()));
    println!(
        "postgres restart: {} events acknowledged and stored, {} answered 503 while it was down or coming back",
        acknowledged.len(),
        statuses.values().flatten().count()
    );
    app.shut_down().await;
}

/// A small tmpfs the test mounts for its SQLite files, and can grow (as an operator freeing space would).
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().expect("temp dir");
        let mounted = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size}"),
                "tmpfs",
                dir.path().to_str().unwrap(),
            ])
            .output()
            .is_ok_and(|o| o.status.success());
        if !mounted {
            let why = "cannot mount a tmpfs (needs root)";
            assert!(!in_ci(), "CI is set and {why}");
            eprintln!("SKIPPED ({why})");
            return None;
        }
        Some(SmallDisk { dir })
    }

    fn grow(&self, size: &str) {
        run(
            "mount",
            &[
                "-o",
                &format!("remount,size={size}"),
                self.dir.path().to_str().unwrap(),
            ],
        );
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .output();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_disk_answers_503_and_loses_nothing_already_acknowledged() {
    let Some(disk) = SmallDisk::mount("3m") else {
        return;
    };
    let url = format!("sqlite://{}/phananh.db?mode=rwc", disk.dir.path().display());
    let test_db = std::sync::Arc::new(TestDb::at(url));
    let app = start_on(
        test_db,
        Backend::Sqlite,
        AppOptions {
            env: CHANNEL_ENV,
            fakes: Some(platform_fakes().await),
            ..Default::default()
        },
    )
    .await;
    // Events of about 40 KB each, until the disk is full.
    let padding = "ồ".repeat(13_000);
    let event = |n: usize| {
        as_if_now(&zalo_event(
            "user_send_text",
            &format!("zalo-citizen-{n}"),
            &format!("zmsg-full-{n}"),
            json!({"text": format!("Phản ánh số {n}: {padding}")}),
        ))
    };
    let mut acknowledged = Vec::new();
    let mut refused = Vec::new();
    let mut n = 0;
    while refused.len() < 3 {
        let status = app.post_zalo(&event(n)).await.status().as_u16();
        match status {
            200 => acknowledged.push(format!("user_send_text:zmsg-full-{n}")),
            other => refused.push(other),
        }
        n += 1;
        assert!(n < 500, "the disk never filled");
    }
    assert!(refused.iter().all(|s| *s == 503), "{refused:?}");
    // Space comes back: the service takes events again without a restart, and applies every one it acknowledged.
    disk.grow("64m");
    let started = Instant::now();
    loop {
        let status = app.post_zalo(&event(n)).await.status().as_u16();
        if status == 200 {
            acknowledged.push(format!("user_send_text:zmsg-full-{n}"));
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no recovery: {status}"
        );
        n += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.processed().await;
    let events = entity::inbound_events::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    let stored: HashSet<&str> = events.iter().map(|e| e.dedupe_key.as_str()).collect();
    for key in &acknowledged {
        assert!(stored.contains(key.as_str()), "acknowledged {key} was lost");
    }
    println!(
        "disk full: {} events acknowledged and kept, {} refused with 503 while the disk was full",
        acknowledged.len(),
        refused.len()
    );
    app.shut_down().await;
}
