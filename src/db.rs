//! Database connections and migrations for the embedded SQLite default and PostgreSQL.
//!
//! SQLite allows one writer at a time; a deferred transaction that reads and then writes can fail with
//! SQLITE_BUSY when another connection committed in between. So SQLite gets a pool of readers (WAL) and a
//! single-connection writer pool that every write transaction goes through (`Db::begin_write`), beside the
//! webhook event writer's own connection (`spool::file`); PostgreSQL uses one pool for both.
use std::str::FromStr;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, EntityTrait, SqliteTransactionMode, SqlxPostgresConnector,
    SqlxSqliteConnector, Statement, TransactionOptions, TransactionTrait,
};
use sqlx::ConnectOptions as _;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::config::{DatabaseSettings, SqliteSynchronous as SyncSetting};

#[derive(Clone)]
pub struct Db {
    /// Reads (and, on PostgreSQL, writes).
    pub read: DatabaseConnection,
    /// Every write transaction goes through this connection.
    pub write: DatabaseConnection,
    /// SQLite file: the webhook spool beside it, attached to the readers as `spool` (`spool::file`).
    pub spool: Option<std::path::PathBuf>,
}

impl Db {
    pub fn backend(&self) -> DbBackend {
        self.write.get_database_backend()
    }

    pub async fn connect(settings: &DatabaseSettings) -> anyhow::Result<Db> {
        let timeout = Duration::from_secs(settings.connect_timeout_secs);
        if settings.url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(&settings.url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(match settings.sqlite_synchronous {
                    SyncSetting::Full => SqliteSynchronous::Full,
                    SyncSetting::Normal => SqliteSynchronous::Normal,
                })
                .foreign_keys(true)
                // Statement journals (multi-row inserts and updates inside a transaction) stay in memory
                // rather than as a temporary file created and deleted per statement.
                .pragma("temp_store", "memory")
                // Reads through the OS's page cache, shared by every connection, instead of copying pages into
                // each connection's 2 MB cache: a province's queue searches touch rows all over a GB-sized file.
                .pragma("mmap_size", "1073741824")
                .busy_timeout(Duration::from_secs(10));
            if let Some(dir) = options.get_filename().parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir)?;
            }
            let write = open_sqlite(
                SqlitePoolOptions::new()
                    .max_connections(1)
                    // One connection for good: its thread keeps the priority it was opened with.
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .acquire_timeout(Duration::from_secs(30)),
                &options,
            )
            .await?;
            let spool = crate::spool::file::main_file_of(&settings.url)?
                .map(|main| crate::spool::file::path_beside(&main));
            let mut readers = SqlitePoolOptions::new()
                .max_connections(settings.max_connections.max(1))
                .acquire_timeout(timeout.max(Duration::from_secs(10)));
            if let Some(path) = &spool {
                crate::spool::file::create(path)?;
                // Readers only: attached to the writer, its BEGIN IMMEDIATE would take the spool's lock too.
                let path = path.to_string_lossy().into_owned();
                readers = readers.after_connect(move |conn, _| {
                    let path = path.clone();
                    Box::pin(async move {
                        sqlx::query("ATTACH DATABASE ?1 AS spool")
                            .bind(path)
                            .execute(&mut *conn)
                            .await?;
                        Ok(())
                    })
                });
            }
            let read = open_sqlite(readers, &options).await?;
            Ok(Db {
                read: SqlxSqliteConnector::from_sqlx_sqlite_pool(read),
                write: SqlxSqliteConnector::from_sqlx_sqlite_pool(write),
                spool,
            })
        } else {
            let options = PgConnectOptions::from_str(&settings.url)?.disable_statement_logging();
            // No ping before each acquire (sqlx's default): it is a round trip more on every statement outside a
            // transaction and on every BEGIN. A connection that died meanwhile fails its statement with an I/O
            // error instead, which answers 503 once and is dropped from the pool.
            let pool = PgPoolOptions::new()
                .max_connections(settings.max_connections.max(2))
                .test_before_acquire(false)
                .acquire_timeout(timeout);
            // TCP_NODELAY, which sqlx 0.9.0 forgets: see `pg_nodelay`.
            let pool = crate::pg_nodelay::install(pool, &options)
                .connect_with(options)
                .await?;
            let pool = SqlxPostgresConnector::from_sqlx_postgres_pool(pool);
            Ok(Db {
                read: pool.clone(),
                write: pool,
                spool: None,
            })
        }
    }

    /// Applies pending migrations. Instances that start together take turns: an advisory lock on PostgreSQL,
    /// the write lock on SQLite.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        const LOCK_KEY: i64 = 0x0070_6861_6e61_6e68; // "phananh" in ASCII
        if self.backend() == DbBackend::Postgres {
            // Session-level lock: take it on a dedicated connection held for the duration.
            let mut conn = self.write.get_postgres_connection_pool().acquire().await?;
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(LOCK_KEY)
                .execute(&mut *conn)
                .await?;
            let result = Migrator::up(&self.write, None).await;
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(LOCK_KEY)
                .execute(&mut *conn)
                .await?;
            result?;
        } else {
            // The writer pool has one connection, so every statement below runs on it inside one IMMEDIATE
            // transaction: other instances wait on the write lock, and a failed migration leaves nothing behind.
            self.write.execute_unprepared("BEGIN IMMEDIATE").await?;
            match Migrator::up(&self.write, None).await {
                Ok(()) => {
                    self.write.execute_unprepared("COMMIT").await?;
                }
                Err(err) => {
                    self.write.execute_unprepared("ROLLBACK").await?;
                    return Err(err.into());
                }
            }
        }
        Ok(())
    }

    /// A write transaction. On SQLite it takes the write lock at BEGIN (IMMEDIATE): the webhook event writer
    /// is a second connection that may commit between a deferred transaction's first read and its first write,
    /// which SQLite refuses at once (SQLITE_BUSY_SNAPSHOT) instead of waiting.
    pub async fn begin_write(&self) -> Result<DatabaseTransaction, DbErr> {
        self.write
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
    }

    /// `SELECT 1` on the reader: what `/readyz` asks.
    pub async fn ping(&self) -> bool {
        self.read.ping().await.is_ok()
    }
}

/// Inserts `rows` with one multi-row statement per hundred (bound parameters stay far below SQLite's limit).
pub async fn insert_all<A>(conn: &impl ConnectionTrait, rows: &[A]) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Clone,
{
    for chunk in rows.chunks(100) {
        A::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Opens a pool, waiting out another process that holds the file's lock at that moment: switching a new file to
/// WAL answers SQLITE_BUSY at once rather than through the busy timeout, which instances starting together on
/// one fresh file (and their tests) would otherwise hit.
async fn open_sqlite(
    pool: SqlitePoolOptions,
    options: &SqliteConnectOptions,
) -> Result<sqlx::SqlitePool, sqlx::Error> {
    let mut delay = Duration::from_millis(20);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        match pool.clone().connect_with(options.clone()).await {
            Err(sqlx::Error::Database(err))
                if busy(err.code().as_deref()) && std::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_millis(500));
            }
            result => return result,
        }
    }
}

/// SQLITE_BUSY (5) or SQLITE_LOCKED (6), with their extended codes.
fn busy(code: Option<&str>) -> bool {
    code.and_then(|c| c.parse::<i32>().ok())
        .is_some_and(|c| matches!(c & 0xff, 5 | 6))
}

/// `n` fresh primary keys of `table`, so that rows pointing at each other can be written with one multi-row
/// insert per table instead of one insert (and one round trip) per row.
pub async fn reserve_ids(
    txn: &DatabaseTransaction,
    table: &'static str,
    n: usize,
) -> Result<Vec<i32>, DbErr> {
    if n == 0 {
        return Ok(Vec::new());
    }
    match txn.get_database_backend() {
        DbBackend::Postgres => {
            let rows = txn
                .query_all_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    // The sequence looked up once: called per row, `pg_get_serial_sequence` made each id cost
                    // 3 µs instead of 0.3 (a catalog look-up by name).
                    "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence($1, 'id')::regclass AS seq) \
                     SELECT nextval(s.seq)::int4 AS id FROM s, generate_series(1, $2)",
                    [table.into(), (n as i32).into()],
                ))
                .await?;
            rows.iter().map(|r| r.try_get::<i32>("", "id")).collect()
        }
        _ => {
            // SQLite: every write goes through the one writer connection, and this transaction holds it, so
            // nothing else can take these ids before the commit. AUTOINCREMENT keys never reuse an id, hence
            // sqlite_sequence as well as MAX(id).
            let row = txn
                .query_one_raw(Statement::from_string(
                    DbBackend::Sqlite,
                    format!(
                        "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{table}'), 0), \
                         COALESCE((SELECT MAX(id) FROM \"{table}\"), 0)) AS last"
                    ),
                ))
                .await?
                .ok_or_else(|| DbErr::Custom(format!("no id for {table}")))?;
            let last: i64 = row.try_get("", "last")?;
            Ok((1..=n as i64).map(|i| (last + i) as i32).collect())
        }
    }
}

/// A key `one_of` looks up: its PostgreSQL type, which the JSON text of each key is cast to.
pub trait Key: Copy + Into<sea_orm::Value> + Into<serde_json::Value> {
    const PG_TYPE: &'static str;
}

impl Key for &str {
    const PG_TYPE: &'static str = "text";
}

impl Key for i32 {
    const PG_TYPE: &'static str = "int4";
}

/// `column IN (values)` for a look-up of many keys at once through the column's index. On PostgreSQL the list
/// is one JSON parameter unpacked by a sub-select, so the planner does not count the keys: given 256 of them, its
/// default costs (`random_page_cost` 4, for a disk) made a scan of the whole table look cheaper than 256 probes of
/// the index, and so the intake worker scanned every message for each run of 256: 12 against 0.4 ms at 20,000
/// messages, growing with the table (docs/performance.md, "look-ups that read whole tables"). Not for a column
/// whose index is partial (`WHERE column IS NOT NULL`): the planner cannot tell that a sub-select's keys are
/// not null, so it would not use such an index.
pub fn one_of<C: ColumnTrait, K: Key>(backend: DbBackend, column: C, values: &[K]) -> Expr {
    match backend {
        DbBackend::Postgres => {
            let (table, column) = column.as_column_ref();
            let keys: Vec<serde_json::Value> = values.iter().map(|&key| key.into()).collect();
            Expr::cust_with_values(
                format!(
                    "\"{table}\".\"{column}\" = ANY(ARRAY(SELECT jsonb_array_elements_text($1::jsonb)::{}))",
                    K::PG_TYPE
                ),
                [serde_json::Value::Array(keys)],
            )
        }
        _ => column.is_in(values.iter().copied()),
    }
}

/// A statement run with sqlx directly (an `UNNEST` of arrays), as sea-orm would have wrapped its error, so
/// `unavailable` reads it the same.
pub fn from_sqlx(err: sqlx::Error) -> DbErr {
    DbErr::Exec(sea_orm::RuntimeErr::SqlxError(std::sync::Arc::new(err)))
}

/// Whether `err` says the database cannot be reached or cannot take writes now (down, restarting, disk full),
/// rather than that the request was wrong: callers answer 503 and the client (or platform) tries again later.
pub fn unavailable(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    let sqlx = match err {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        DbErr::Conn(_) => return true,
        _ => return false,
    };
    match sqlx.as_ref() {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => matches!(
            db.code().as_deref(),
            // PostgreSQL: disk full, out of memory, shutting down, starting up, connection failures.
            Some("53100" | "53200" | "57P01" | "57P02" | "57P03" | "08000" | "08003" | "08006")
                // SQLite: disk full, I/O error, busy past the timeout.
                | Some("13" | "10" | "5")
        ),
        _ => false,
    }
}
