//! The TCP_NODELAY workaround for sqlx 0.9.0 (`phananh::pg_nodelay`): on the pool's connections and no other
//! socket, and the 40 ms a statement waits without it. PostgreSQL only. When sqlx sets TCP_NODELAY itself
//! again, these fail where they expect it off: delete the workaround then (see the module's header).
use std::str::FromStr;
use std::time::{Duration, Instant};

use phananh::db::Db;
use phananh::pg_nodelay::{self, Server};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgSslMode};
use sqlx::{Connection, PgConnection, PgPool, Postgres, QueryBuilder};

use crate::helpers::{Backend, TestDb, test_settings};

#[tokio::test]
async fn the_pools_connections_send_without_delay_and_no_other_socket_changes() {
    let Some(test_db) = TestDb::fresh(Backend::Postgres).await else {
        return;
    };
    let options = PgConnectOptions::from_str(&test_db.url).unwrap();
    let server = Server::of(&options).expect("PostgreSQL over TCP");
    // Opened first, as sqlx opens it: the pool's connections that follow must leave it alone.
    let mut other = PgConnection::connect_with(&options).await.unwrap();

    let db = Db::connect(&test_settings(&test_db.url, &[]).database)
        .await
        .unwrap();
    let pool = db.write.get_postgres_connection_pool();
    let mut held = Vec::new();
    for _ in 0..3 {
        // Each held, so that the next is a new connection.
        held.push(pool.acquire().await.unwrap());
    }
    for conn in &mut held {
        assert_eq!(
            pg_nodelay::is_set(conn, &server).await.unwrap(),
            Some(true),
            "the pool's connection has TCP_NODELAY"
        );
    }
    assert_eq!(
        pg_nodelay::is_set(&mut other, &server).await.unwrap(),
        Some(false),
        "another connection keeps Nagle's algorithm; if sqlx set TCP_NODELAY itself, delete the workaround"
    );
}

/// The statement: 100 rows of 200 bytes, about 21 KB, which TLS sends as two records (16 KB at most each), so
/// in two writes.
const ROWS: usize = 100;
const ROW_BYTES: usize = 200;
const STATEMENTS: usize = 10;
/// The delayed acknowledgement it waits for without TCP_NODELAY: 40 ms on Linux, measured 41-48 ms.
const STALL: Duration = Duration::from_millis(40);

#[tokio::test]
async fn without_it_a_statement_in_two_tls_records_waits_40_ms() {
    let Some(test_db) = TestDb::fresh(Backend::Postgres).await else {
        return;
    };
    let options = PgConnectOptions::from_str(&test_db.url)
        .unwrap()
        .ssl_mode(PgSslMode::Require);
    let one = PgPoolOptions::new().max_connections(1);
    let without = match one.clone().connect_with(options.clone()).await {
        Ok(pool) => pool,
        Err(err) => {
            // Without TLS sqlx writes such a statement at once, and over loopback it does not wait.
            eprintln!(
                "SKIPPED (PostgreSQL offers no TLS here: {err}); run `examples/pg_nodelay.rs`"
            );
            return;
        }
    };
    let with = pg_nodelay::install(one, &options)
        .connect_with(options)
        .await
        .unwrap();

    let (without, with) = statements(&without, &with).await;
    let (without, with) = (median(without), median(with));
    eprintln!(
        "{STATEMENTS} statements of {ROWS} rows x {ROW_BYTES} B over TLS, median: {:.2} ms without TCP_NODELAY, \
         {:.2} ms with",
        without.as_secs_f64() * 1e3,
        with.as_secs_f64() * 1e3,
    );
    assert!(
        without >= STALL * 7 / 8,
        "{without:?}: no stall without the workaround; if sqlx sets TCP_NODELAY itself, delete the workaround"
    );
    // Compared with the stall rather than a fixed time: a busy machine slows both alike.
    assert!(
        with + STALL / 2 <= without,
        "{with:?} with the workaround, {without:?} without: the workaround does not remove the stall"
    );
}

/// How long each of `STATEMENTS` multi-row inserts takes on each pool, taking turns so that both see the same
/// load; after one untimed on each, which prepares the statement.
async fn statements(without: &PgPool, with: &PgPool) -> (Vec<Duration>, Vec<Duration>) {
    let mut conns = [
        without.acquire().await.unwrap(),
        with.acquire().await.unwrap(),
    ];
    for conn in &mut conns {
        sqlx::query("CREATE TEMPORARY TABLE nodelay (n int4, body text)")
            .execute(&mut **conn)
            .await
            .unwrap();
    }
    let body = "x".repeat(ROW_BYTES);
    let mut times = [Vec::new(), Vec::new()];
    for i in 0..=STATEMENTS {
        for (conn, times) in conns.iter_mut().zip(&mut times) {
            let mut insert = QueryBuilder::<Postgres>::new("INSERT INTO nodelay (n, body) ");
            insert.push_values(0..ROWS as i32, |mut row, n| {
                row.push_bind(n).push_bind(body.clone());
            });
            let start = Instant::now();
            insert.build().execute(&mut **conn).await.unwrap();
            if i > 0 {
                times.push(start.elapsed());
            }
        }
    }
    let [without, with] = times;
    (without, with)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}
