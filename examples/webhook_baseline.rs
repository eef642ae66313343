//! Baselines for the Zalo webhook benchmark (scripts/bench-webhooks.sh), and the fixed-rate load client it uses.
//!
//! Server: `webhook_baseline serve MODE SYNC BIND DB_PATH` with MODE
//! - `bare`: read the body, answer 200;
//! - `commit-each`: check the Zalo signature (sha256 of app_id + body + timestamp + secret, constant-time),
//!   parse the JSON, insert the raw event with rusqlite (WAL), one commit per event;
//! - `group`: the same checks; one writer thread commits whatever arrived meanwhile in one transaction (up to
//!   1024 events) and each request is answered after its batch commits;
//! - `pg-group`: `group` on PostgreSQL (tokio-postgres, plain TCP): one writer task inserts whatever arrived
//!   meanwhile (up to 1024 events) with one statement in one transaction, and answers each request after COMMIT;
//!   DB_PATH is a PostgreSQL URL;
//!
//! and SYNC `full` or `normal` (SQLite `synchronous`; for `pg-group`, `synchronous_commit` `on` or `off`, the
//! nearest PostgreSQL setting). The app id and secret come from ZALO_APP_ID and ZALO_OA_SECRET_KEY. Table:
//! `events (id, dedupe_key TEXT UNIQUE, raw TEXT)`, created if missing; duplicates are ignored.
//!
//! Load client: `webhook_baseline load HOST:PORT BODIES_FILE RATE SECONDS CONNECTIONS` sends the pre-signed
//! bodies of BODIES_FILE (lines `mac=<hex>\t<json>`, scripts/gen-zalo-bodies.py) to `POST /webhooks/zalo` at a
//! fixed RATE per second, open loop: request i is due at start + i/RATE and its latency is measured from when it
//! was due, so a stalled server is not hidden by the client waiting for it (no coordinated omission).
//! HTTP/1.1 keep-alive over CONNECTIONS connections; prints percentiles. A server that falls behind is not waited
//! for beyond 5 s after the planned end: what was not sent by then is reported as `unsent`.
use std::borrow::Cow;
use std::io::BufRead;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use rusqlite::{Connection, params};
use serde_json::Value;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Statement};

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Bare,
    CommitEach,
    Group,
    PgGroup,
}

struct Job {
    key: String,
    raw: String,
    done: oneshot::Sender<bool>,
}

struct Ctx {
    mode: Mode,
    app_id: String,
    secret: String,
    each: Option<Arc<Mutex<Connection>>>,
    group: Option<mpsc::Sender<Job>>,
}

fn open(path: &str, sync: &str) -> Connection {
    let conn = Connection::open(path).expect("open the database");
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", sync).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, dedupe_key TEXT UNIQUE, raw TEXT)",
    )
    .unwrap();
    conn
}

fn as_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The same checks as a real handler: signature over the exact bytes, JSON, the event's key.
// The refusal is the HTTP answer itself; boxing it would only add noise to a baseline meant to be minimal.
#[allow(clippy::result_large_err)]
fn check(ctx: &Ctx, req: &HttpRequest, body: &[u8]) -> Result<(String, String), HttpResponse> {
    let given = req
        .headers()
        .get("x-zevent-signature")
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.trim().strip_prefix("mac="))
        .and_then(|h| hex::decode(h).ok())
        .ok_or_else(|| HttpResponse::Unauthorized().finish())?;
    let event: Value =
        serde_json::from_slice(body).map_err(|_| HttpResponse::BadRequest().finish())?;
    let (Some(app_id), Some(ts)) = (
        as_text(event.get("app_id")),
        as_text(event.get("timestamp")),
    ) else {
        return Err(HttpResponse::BadRequest().finish());
    };
    let expected = Sha256::new()
        .chain_update(app_id.as_bytes())
        .chain_update(body)
        .chain_update(ts.as_bytes())
        .chain_update(ctx.secret.as_bytes())
        .finalize();
    if app_id != ctx.app_id
        || given.len() != expected.len()
        || !bool::from(expected.as_slice().ct_eq(&given))
    {
        return Err(HttpResponse::Unauthorized().finish());
    }
    let kind = event
        .get("event_name")
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    let msg_id = as_text(event.pointer("/message/msg_id")).unwrap_or_default();
    let raw = String::from_utf8(body.to_vec()).map_err(|_| HttpResponse::BadRequest().finish())?;
    Ok((format!("{kind}:{msg_id}"), raw))
}

async fn webhook(req: HttpRequest, body: web::Bytes, ctx: web::Data<Ctx>) -> HttpResponse {
    if ctx.mode == Mode::Bare {
        return HttpResponse::Ok().body(r#"{"ok":true}"#);
    }
    let (key, raw) = match check(&ctx, &req, &body) {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let stored = match ctx.mode {
        Mode::CommitEach => {
            let conn = ctx.each.clone().unwrap();
            web::block(move || {
                conn.lock()
                    .unwrap()
                    .prepare_cached(
                        "INSERT OR IGNORE INTO events (dedupe_key, raw) VALUES (?1, ?2)",
                    )
                    .and_then(|mut st| st.execute(params![key, raw]))
                    .is_ok()
            })
            .await
            .unwrap_or(false)
        }
        _ => {
            let (done, answer) = oneshot::channel();
            let sent = ctx
                .group
                .as_ref()
                .unwrap()
                .send(Job { key, raw, done })
                .await;
            sent.is_ok() && answer.await.unwrap_or(false)
        }
    };
    if stored {
        HttpResponse::Ok().body(r#"{"ok":true}"#)
    } else {
        HttpResponse::InternalServerError().finish()
    }
}

/// One transaction for a batch of events.
fn commit(conn: &mut Connection, batch: &[Job]) -> rusqlite::Result<()> {
    let txn = conn.transaction()?;
    {
        let mut st =
            txn.prepare_cached("INSERT OR IGNORE INTO events (dedupe_key, raw) VALUES (?1, ?2)")?;
        for job in batch {
            st.execute(params![job.key, job.raw])?;
        }
    }
    txn.commit()
}

/// The group-commit writer: one transaction for everything that arrived while the previous one committed.
fn writer(mut conn: Connection, mut jobs: mpsc::Receiver<Job>) {
    while let Some(first) = jobs.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < 1024 {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let result = commit(&mut conn, &batch);
        if let Err(err) = &result {
            eprintln!("cannot commit a batch of {}: {err}", batch.len());
        }
        for job in batch {
            let _ = job.done.send(result.is_ok());
        }
    }
}

/// The batch goes as two text arrays into one prepared statement rather than as a `VALUES ($1, $2), ($3, $4), ...`
/// list: a VALUES list's text depends on the batch's size, so it is parsed and planned again per batch (or a
/// statement per size kept prepared) and carries up to 2048 parameters; UNNEST is prepared once at start-up and
/// each batch is one Bind/Execute. The same rows are inserted and `ON CONFLICT DO NOTHING` also skips a key that
/// comes twice within one batch.
const PG_INSERT: &str = "INSERT INTO events (dedupe_key, raw) \
     SELECT * FROM UNNEST($1::text[], $2::text[]) ON CONFLICT (dedupe_key) DO NOTHING";

/// Connects, sets the durability the run asks for, creates the table if missing and prepares the insert. The
/// connection's task is spawned on the current runtime, which the writer's thread then drives.
async fn pg_open(
    url: &str,
    synchronous_commit: &str,
) -> Result<(Client, Statement), tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(async move {
        if let Err(err) = connection.await {
            eprintln!("the PostgreSQL connection ended: {err}");
        }
    });
    // Said explicitly: `on` is PostgreSQL's default, but a server configured otherwise must not make the baseline
    // look faster than a durable acknowledgement.
    client
        .batch_execute(&format!(
            "SET synchronous_commit = {synchronous_commit}; \
             CREATE TABLE IF NOT EXISTS events (id bigserial PRIMARY KEY, dedupe_key text UNIQUE, raw text)"
        ))
        .await?;
    let insert = client.prepare(PG_INSERT).await?;
    Ok((client, insert))
}

/// One transaction for a batch of events: BEGIN, the insert and COMMIT are sent together (tokio-postgres
/// pipelines requests polled together, in the order they are first polled), so a batch costs one round trip
/// and one WAL flush, as a lone autocommitted INSERT would, yet is the explicit transaction a real handler has.
/// If the insert fails, PostgreSQL turns the COMMIT into a rollback; the insert's error fails the batch.
async fn pg_commit(
    client: &Client,
    insert: &Statement,
    batch: &[Job],
) -> Result<(), tokio_postgres::Error> {
    // PostgreSQL's text cannot hold NUL, which a signed event's msg_id may carry (JSON `\u0000`): written as that
    // escape rather than failing every event committed with it. The raw body is JSON, which has no bare NUL.
    let keys: Vec<Cow<str>> = batch
        .iter()
        .map(|job| {
            if job.key.contains('\0') {
                Cow::Owned(job.key.replace('\0', "\\u0000"))
            } else {
                Cow::Borrowed(job.key.as_str())
            }
        })
        .collect();
    let raws: Vec<&str> = batch.iter().map(|job| job.raw.as_str()).collect();
    let params: [&(dyn ToSql + Sync); 2] = [&keys, &raws];
    let (begin, inserted, commit) = tokio::join!(
        client.batch_execute("BEGIN"),
        client.execute(insert, &params),
        client.batch_execute("COMMIT"),
    );
    begin.and(inserted).and(commit)
}

/// The PostgreSQL group-commit writer: `recv_many` waits for one event and takes whatever else arrived while the
/// previous batch committed, up to 1024; one batch in flight at a time on one connection, as `writer` has.
async fn pg_writer(client: Client, insert: Statement, mut jobs: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(1024);
    while jobs.recv_many(&mut batch, 1024).await > 0 {
        let result = pg_commit(&client, &insert, &batch).await;
        if let Err(err) = &result {
            eprintln!("cannot commit a batch of {}: {err}", batch.len());
        }
        for job in batch.drain(..) {
            let _ = job.done.send(result.is_ok());
        }
    }
}

fn serve(args: &[String]) -> std::io::Result<()> {
    let usage =
        "webhook_baseline serve bare|commit-each|group|pg-group full|normal HOST:PORT DB_PATH";
    let mode = match args.first().map(String::as_str) {
        Some("bare") => Mode::Bare,
        Some("commit-each") => Mode::CommitEach,
        Some("group") => Mode::Group,
        Some("pg-group") => Mode::PgGroup,
        _ => panic!("{usage}"),
    };
    let sync = match args.get(1).map(String::as_str) {
        Some("full") => "FULL",
        Some("normal") => "NORMAL",
        _ => panic!("{usage}"),
    };
    let bind = args.get(2).expect(usage).clone();
    let db = args.get(3).expect(usage).clone();
    let app_id = std::env::var("ZALO_APP_ID").expect("ZALO_APP_ID");
    let secret = std::env::var("ZALO_OA_SECRET_KEY").expect("ZALO_OA_SECRET_KEY");
    let (each, group) = match mode {
        Mode::Bare => (None, None),
        Mode::CommitEach => (Some(Arc::new(Mutex::new(open(&db, sync)))), None),
        Mode::Group => {
            let conn = open(&db, sync);
            let (tx, rx) = mpsc::channel::<Job>(4096);
            std::thread::spawn(move || writer(conn, rx));
            (None, Some(tx))
        }
        Mode::PgGroup => {
            // The writer and its connection get a thread and a runtime of their own, like `group`'s writer
            // thread, so they never wait behind a request on actix's workers.
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let synchronous_commit = if sync == "FULL" { "on" } else { "off" };
            let (client, insert) = rt
                .block_on(pg_open(&db, synchronous_commit))
                .map_err(std::io::Error::other)?;
            let (tx, rx) = mpsc::channel::<Job>(4096);
            std::thread::spawn(move || rt.block_on(pg_writer(client, insert, rx)));
            (None, Some(tx))
        }
    };
    let ctx = web::Data::new(Ctx {
        mode,
        app_id,
        secret,
        each,
        group,
    });
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || {
            App::new()
                .app_data(ctx.clone())
                .route("/webhooks/zalo", web::post().to(webhook))
                .route(
                    "/readyz",
                    web::get().to(|| async { HttpResponse::Ok().finish() }),
                )
        })
        .bind(bind)?
        .run()
        .await
    })
}

/// One keep-alive connection of the fixed-rate client: takes the next due request, waits for its time, sends it,
/// reads the answer (status line, headers, Content-Length body).
async fn connection(
    addr: String,
    requests: Arc<Vec<Vec<u8>>>,
    next: Arc<AtomicUsize>,
    start: Instant,
    interval: Duration,
    total: usize,
    deadline: Instant,
) -> (Vec<u32>, usize, usize) {
    let mut lat = Vec::new();
    let (mut ok, mut bad) = (0usize, 0usize);
    let mut stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    stream.set_nodelay(true).unwrap();
    let mut buf = vec![0u8; 16384];
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        // A server that cannot keep up: stop a few seconds after the planned end; the rest counts as unsent.
        if i >= total || Instant::now() > deadline {
            break;
        }
        let due = start + interval * i as u32;
        tokio::time::sleep_until(due.into()).await;
        stream
            .write_all(&requests[i % requests.len()])
            .await
            .expect("write");
        // Read until the header end, then Content-Length more bytes.
        let mut have = 0usize;
        let (head_end, body_len) = loop {
            let n = stream.read(&mut buf[have..]).await.expect("read");
            assert!(n > 0, "the server closed the connection");
            have += n;
            if let Some(pos) = buf[..have].windows(4).position(|w| w == b"\r\n\r\n") {
                let head = std::str::from_utf8(&buf[..pos]).unwrap_or("");
                let len = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                break (pos + 4, len);
            }
        };
        while have < head_end + body_len {
            let n = stream.read(&mut buf[have..]).await.expect("read");
            assert!(n > 0, "the server closed the connection");
            have += n;
        }
        let status_ok = buf.starts_with(b"HTTP/1.1 2");
        lat.push(due.elapsed().as_micros().min(u32::MAX as u128) as u32);
        if status_ok {
            ok += 1;
        } else {
            bad += 1;
        }
    }
    (lat, ok, bad)
}

fn load(args: &[String]) {
    let usage = "webhook_baseline load HOST:PORT BODIES_FILE RATE SECONDS CONNECTIONS";
    let addr = args.first().expect(usage).clone();
    let file = args.get(1).expect(usage);
    let rate: f64 = args.get(2).expect(usage).parse().expect(usage);
    let seconds: f64 = args.get(3).expect(usage).parse().expect(usage);
    let conns: usize = args.get(4).expect(usage).parse().expect(usage);
    let total = (rate * seconds) as usize;
    let reader = std::io::BufReader::new(std::fs::File::open(file).expect("bodies file"));
    let mut requests = Vec::new();
    for line in reader.lines() {
        let line = line.unwrap();
        let (sig, body) = line.split_once('\t').expect("mac=<hex>\\t<json>");
        requests.push(
            format!(
                "POST /webhooks/zalo HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
                 X-ZEvent-Signature: {sig}\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes(),
        );
        if requests.len() >= total {
            break;
        }
    }
    let wrapped = total > requests.len();
    let requests = Arc::new(requests);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (mut lat, ok, bad, elapsed) = rt.block_on(async {
        let next = Arc::new(AtomicUsize::new(0));
        let interval = Duration::from_secs_f64(1.0 / rate);
        let start = Instant::now() + Duration::from_millis(50);
        let deadline = start + Duration::from_secs_f64(seconds) + Duration::from_secs(5);
        let tasks: Vec<_> = (0..conns)
            .map(|_| {
                tokio::spawn(connection(
                    addr.clone(),
                    requests.clone(),
                    next.clone(),
                    start,
                    interval,
                    total,
                    deadline,
                ))
            })
            .collect();
        let (mut lat, mut ok, mut bad) = (Vec::new(), 0, 0);
        for t in tasks {
            let (l, o, b) = t.await.unwrap();
            lat.extend(l);
            ok += o;
            bad += b;
        }
        (lat, ok, bad, start.elapsed())
    });
    lat.sort_unstable();
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            return 0.0;
        }
        let idx = ((p / 100.0) * (lat.len() - 1) as f64).round() as usize;
        lat[idx] as f64 / 1000.0
    };
    println!(
        "FIXED rate={rate} achieved={:.0} sent={} unsent={} ok2xx={ok} non2xx={bad} wrapped={wrapped} \
         p50_ms={:.2} p90_ms={:.2} p99_ms={:.2} p999_ms={:.2} max_ms={:.2}",
        (ok + bad) as f64 / elapsed.as_secs_f64(),
        ok + bad,
        total - (ok + bad),
        pct(50.0),
        pct(90.0),
        pct(99.0),
        pct(99.9),
        pct(100.0)
    );
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("serve") => serve(&args[1..]),
        Some("load") => {
            load(&args[1..]);
            Ok(())
        }
        _ => {
            eprintln!(
                "usage: webhook_baseline serve MODE SYNC HOST:PORT DB_PATH | load HOST:PORT BODIES RATE SECONDS CONNS"
            );
            std::process::exit(2)
        }
    }
}
