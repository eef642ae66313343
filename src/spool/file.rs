//! The spool file of a SQLite deployment: a second database file beside the main one (`phananh.db-spool`)
//! where a thread of its own commits each batch of raw events before they are acknowledged. The intake worker
//! moves spooled events into `inbound_events` (`spool::inbound`) and tells the spool which it may forget.
//!
//! Why a file of its own: SQLite has one write lock per file. When events went straight into the main file,
//! each acknowledgement waited behind the intake worker's transactions (and the worker behind the
//! acknowledgements' commits): at 5,000 events/s the lock was busy all the time while the CPU was not. Two
//! files commit side by side. Why a thread: through the shared async pool every statement (begin, insert,
//! commit) was a hand-off between threads, about a third of the process's time on two cores.
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags, params};
use sqlx::sqlite::SqliteConnectOptions;
use tokio::sync::{Notify, mpsc};

use super::{NewEvent, Request, StoreError, answer, gather};
use crate::config::SqliteSynchronous;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    account_external_id TEXT,
    dedupe_key TEXT NOT NULL,
    event_kind TEXT NOT NULL,
    raw_body TEXT NOT NULL,
    received_at TEXT NOT NULL
)";
const INSERT: &str = "INSERT INTO events \
     (channel, account_external_id, dedupe_key, event_kind, raw_body, received_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/// How long a batch waits for the file's lock (only a checkpoint or another process holds it).
const LOCK_WAIT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_micros(200);

/// The main database file of a SQLite URL; None for PostgreSQL and in-memory databases (no spool: another
/// connection would not see an in-memory database).
pub fn main_file_of(url: &str) -> anyhow::Result<Option<PathBuf>> {
    if !url.starts_with("sqlite:") || url.contains(":memory:") || url.contains("mode=memory") {
        return Ok(None);
    }
    let options = SqliteConnectOptions::from_str(url)?;
    Ok(Some(options.get_filename().to_path_buf()))
}

/// The spool beside `main`: `phananh.db` -> `phananh.db-spool` (next to SQLite's own `-wal` and `-shm`).
pub fn path_beside(main: &Path) -> PathBuf {
    let mut name = main.as_os_str().to_owned();
    name.push("-spool");
    PathBuf::from(name)
}

/// Creates the spool file and its table if missing (`Db::connect`, before any connection attaches it).
pub fn create(path: &Path) -> rusqlite::Result<()> {
    let conn = open(path, SqliteSynchronous::Full)?;
    conn.execute_batch(SCHEMA)
}

pub(super) fn start(
    path: &Path,
    synchronous: SqliteSynchronous,
    mut queue: mpsc::Receiver<Request>,
    stored: Arc<Notify>,
) -> anyhow::Result<()> {
    let conn = open(path, synchronous)?;
    std::thread::Builder::new()
        .name("webhook-spool".into())
        .spawn(move || {
            while let Some(first) = queue.blocking_recv() {
                let gathered = gather(first, &mut queue);
                let result = write(&conn, gathered.events(), gathered.release)
                    .map_err(|e| StoreError::sqlite(&e));
                answer(gathered.jobs, result, &stored);
            }
        })?;
    Ok(())
}

fn open(path: &Path, synchronous: SqliteSynchronous) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.pragma_update(None, "journal_mode", "wal")?;
    conn.pragma_update(
        None,
        "synchronous",
        match synchronous {
            SqliteSynchronous::Full => "full",
            SqliteSynchronous::Normal => "normal",
        },
    )?;
    conn.busy_handler(Some(wait_for_lock))?;
    Ok(conn)
}

/// Called by SQLite while another connection holds the lock; `attempt` counts from 0.
fn wait_for_lock(attempt: i32) -> bool {
    std::thread::sleep(POLL);
    (attempt as u128) < LOCK_WAIT.as_micros() / POLL.as_micros()
}

/// One transaction: the batch's events, and the deletion of events already moved (which needs no commit of
/// its own: until it is committed they are moved again, and the move ignores what it already has).
fn write<'a>(
    conn: &Connection,
    events: impl Iterator<Item = &'a NewEvent>,
    release: Option<i64>,
) -> rusqlite::Result<()> {
    // The text form sqlx gives a DateTime<Utc>, so the pool reads it back as any other.
    let now = Utc::now().to_rfc3339_opts(SecondsFormat::AutoSi, false);
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let written = (|| {
        let mut insert = conn.prepare_cached(INSERT)?;
        for e in events {
            insert.execute(params![
                e.channel.as_str(),
                e.account,
                e.dedupe_key,
                e.kind,
                e.raw,
                now
            ])?;
        }
        if let Some(upto) = release {
            conn.prepare_cached("DELETE FROM events WHERE id <= ?1")?
                .execute([upto])?;
        }
        Ok(())
    })();
    match written.and_then(|()| conn.execute_batch("COMMIT")) {
        Ok(()) => Ok(()),
        Err(err) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(err)
        }
    }
}
