//! The stall `phananh::pg_nodelay` works around, timed on any PostgreSQL server: multi-row inserts on a
//! connection as sqlx 0.9.0 opens it (Nagle's algorithm on) and on one with the workaround, taking turns.
//!
//! `cargo run --example pg_nodelay -- [URL [ROWS [BYTES [STATEMENTS]]]]`. URL defaults to
//! PHANANH_TEST_POSTGRES_URL, else postgres://postgres@127.0.0.1:5432/postgres; each statement inserts ROWS
//! (default 100) rows of BYTES (default 200) bytes of text into a temporary table, STATEMENTS (default 20)
//! times. A statement waits when it leaves in several writes: over TLS (`?sslmode=require`) one of more than
//! 16 KB does, as the defaults make it. Run it against the production server before deleting the workaround:
//! without it, no statement should wait any more.
use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Postgres, QueryBuilder};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args.next().unwrap_or_else(|| {
        std::env::var("PHANANH_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
    });
    let rows: usize = args.next().map_or(Ok(100), |a| a.parse())?;
    let bytes: usize = args.next().map_or(Ok(200), |a| a.parse())?;
    let statements: usize = args.next().map_or(Ok(20), |a| a.parse())?;
    let options = PgConnectOptions::from_str(&url)?;
    let server = phananh::pg_nodelay::Server::of(&options)
        .ok_or_else(|| anyhow::anyhow!("a Unix socket has no Nagle's algorithm"))?;

    let one = PgPoolOptions::new().max_connections(1);
    let without = one.clone().connect_with(options.clone()).await?;
    let with = phananh::pg_nodelay::install(one, &options)
        .connect_with(options)
        .await?;
    let mut conns = [
        ("without", without.acquire().await?),
        ("with", with.acquire().await?),
    ];
    let body = "x".repeat(bytes);
    let mut times = [Vec::new(), Vec::new()];
    for (_, conn) in &mut conns {
        sqlx::query("CREATE TEMPORARY TABLE nodelay (n int4, body text)")
            .execute(&mut **conn)
            .await?;
    }
    // One untimed statement on each first: it prepares the statement.
    for i in 0..=statements {
        for ((_, conn), times) in conns.iter_mut().zip(&mut times) {
            let elapsed = insert(conn, rows, &body).await?;
            if i > 0 {
                times.push(elapsed);
            }
        }
    }
    println!("{statements} statements of {rows} rows x {bytes} B each:");
    for ((label, conn), mut times) in conns.into_iter().zip(times) {
        let mut conn = conn;
        let nodelay = phananh::pg_nodelay::is_set(&mut conn, &server).await?;
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "{label:>8} the workaround (TCP_NODELAY {}): total {:.1} ms, min {:.2}, median {:.2}, max {:.2} ms",
            nodelay.map_or("unknown", |on| if on { "on" } else { "off" }),
            ms(times.iter().sum()),
            ms(times[0]),
            ms(times[times.len() / 2]),
            ms(times[times.len() - 1]),
        );
    }
    Ok(())
}

/// One multi-row insert of `rows` rows; how long it took.
async fn insert(
    conn: &mut PoolConnection<Postgres>,
    rows: usize,
    body: &str,
) -> anyhow::Result<Duration> {
    let mut insert = QueryBuilder::<Postgres>::new("INSERT INTO nodelay (n, body) ");
    insert.push_values(0..rows as i32, |mut row, n| {
        row.push_bind(n).push_bind(body.to_owned());
    });
    let start = Instant::now();
    insert.build().execute(&mut **conn).await?;
    Ok(start.elapsed())
}
