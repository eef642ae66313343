//! Storage: durability settings, restarts, migrations up and down, instances starting together.
use std::sync::Arc;

use migration::{Migrator, MigratorTrait};
use phananh::db::Db;
use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
use serde_json::{Value, json};

use crate::helpers::{AppOptions, Backend, TestDb, start_on, test_settings};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_on_the_same_sqlite_file_keeps_every_ticket() {
    let test_db = Arc::new(TestDb::fresh(Backend::Sqlite).await.unwrap());
    let app = start_on(test_db.clone(), Backend::Sqlite, AppOptions::default()).await;
    let mut codes = Vec::new();
    for i in 0..20 {
        let body: Value = app
            .post_feedback_json(json!({"text": format!("Phản ánh số {i} về tạm trú")}))
            .await
            .json()
            .await
            .unwrap();
        codes.push(body["tracking_code"].as_str().unwrap().to_owned());
    }
    let test_db = app.stop().await;
    let app = start_on(test_db, Backend::Sqlite, AppOptions::default()).await;
    assert_eq!(app.ticket_count().await, 20);
    for code in codes {
        let response = app
            .client
            .get(app.url(&format!("/api/v1/track/{code}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{code}");
    }
}

#[tokio::test]
async fn sqlite_runs_in_wal_with_full_synchronous_by_default() {
    let test_db = TestDb::fresh(Backend::Sqlite).await.unwrap();
    let settings = test_settings(&test_db.url, &[]);
    let db = Db::connect(&settings.database).await.unwrap();
    let pragma = |sql: &'static str| {
        let conn = db.write.clone();
        async move {
            let row = conn
                .query_one_raw(Statement::from_string(conn.get_database_backend(), sql))
                .await
                .unwrap()
                .unwrap();
            row.try_get_by_index::<String>(0)
                .or_else(|_| row.try_get_by_index::<i64>(0).map(|n| n.to_string()))
                .unwrap()
        }
    };
    assert_eq!(pragma("PRAGMA journal_mode").await, "wal");
    assert_eq!(pragma("PRAGMA synchronous").await, "2", "2 = FULL");

    let settings = test_settings(&test_db.url, &[("DATABASE__SQLITE_SYNCHRONOUS", "normal")]);
    let db = Db::connect(&settings.database).await.unwrap();
    let row = db
        .write
        .query_one_raw(Statement::from_string(db.backend(), "PRAGMA synchronous"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), 1, "1 = NORMAL");
}

async fn migrations_go_down_and_up_again(backend: Backend) {
    let Some(test_db) = TestDb::fresh(backend).await else {
        return;
    };
    let settings = test_settings(&test_db.url, &[]);
    let db = Db::connect(&settings.database).await.unwrap();
    db.migrate().await.unwrap();
    assert_eq!(
        Migrator::get_pending_migrations(&db.write)
            .await
            .unwrap()
            .len(),
        0
    );
    Migrator::down(&db.write, None).await.unwrap();
    assert_eq!(
        Migrator::get_applied_migrations(&db.write)
            .await
            .unwrap()
            .len(),
        0
    );
    let left = db
        .write
        .query_all_raw(Statement::from_string(
            db.backend(),
            match backend {
                Backend::Sqlite => {
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'tickets'"
                }
                Backend::Postgres => "SELECT tablename FROM pg_tables WHERE tablename = 'tickets'",
            },
        ))
        .await
        .unwrap();
    assert!(left.is_empty(), "down drops the tables");
    db.migrate().await.unwrap();
    assert_eq!(
        Migrator::get_pending_migrations(&db.write)
            .await
            .unwrap()
            .len(),
        0
    );
}

/// Migration 20 made five indexes partial (`… WHERE col IS NOT NULL`), migration 22 added one (`WHERE kind =
/// 'private_reply'`): each look-up still reads its index on both backends, which it would not if the planner
/// could not prove the condition (the kind comes as a bound parameter, as sea-orm sends it).
async fn partial_indexes_serve_their_look_ups(backend: Backend) {
    let Some(test_db) = TestDb::fresh(backend).await else {
        return;
    };
    let settings = test_settings(&test_db.url, &[]);
    let db = Db::connect(&settings.database).await.unwrap();
    db.migrate().await.unwrap();
    let (explain, placeholders): (&str, [&str; 3]) = match backend {
        Backend::Sqlite => ("EXPLAIN QUERY PLAN", ["?", "?", "?"]),
        Backend::Postgres => ("EXPLAIN", ["$1", "$2", "$3"]),
    };
    let [a, b, c] = placeholders;
    let at = || sea_orm::Value::from(chrono::Utc::now());
    let text = |t: &str| sea_orm::Value::from(t.to_owned());
    let look_ups = [
        (
            "ix_tickets_dedupe",
            format!("SELECT * FROM tickets WHERE dedupe_hash IN ({a}, {b}) AND created_at >= {c}"),
            vec![text("h1"), text("h2"), at()],
        ),
        (
            "ix_tickets_resolved_at",
            format!("SELECT id FROM tickets WHERE resolved_at >= {a} AND resolved_at < {b}"),
            vec![at(), at()],
        ),
        (
            "ix_contact_identities_phone",
            format!("SELECT * FROM contact_identities WHERE phone IN ({a}, {b})"),
            vec![text("0912345678"), text("0987654321")],
        ),
        (
            "ix_contacts_verified_phone",
            format!("SELECT * FROM contacts WHERE verified_phone = {a}"),
            vec![text("0912345678")],
        ),
        (
            "ix_outbox_provider_id",
            format!(
                "SELECT * FROM outbox WHERE channel = {a} AND provider_message_id IN ({b}, {c})"
            ),
            vec![text("zalo"), text("m1"), text("m2")],
        ),
        // Migration 22: a comment's private replies (`outbound::private_reply_of`, the delivery worker's gate),
        // the kind written as a literal (`outbound::is_private_reply`).
        (
            "ix_outbox_private_replies",
            format!(
                "SELECT * FROM outbox WHERE \"outbox\".\"kind\" = 'private_reply' AND channel = {a} \
                 AND recipient = {b} AND state <> 'undeliverable'"
            ),
            vec![text("facebook"), text("c1")],
        ),
    ];
    let (txn, column) = (
        db.write.begin().await.unwrap(),
        match backend {
            Backend::Sqlite => "detail",
            Backend::Postgres => "QUERY PLAN",
        },
    );
    if backend == Backend::Postgres {
        // The tables are empty: without this PostgreSQL would rightly read them whole.
        txn.execute_unprepared("SET LOCAL enable_seqscan = off")
            .await
            .unwrap();
    }
    for (index, sql, values) in look_ups {
        let plan: Vec<String> = txn
            .query_all_raw(Statement::from_sql_and_values(
                db.backend(),
                format!("{explain} {sql}"),
                values,
            ))
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get::<String>("", column).unwrap())
            .collect();
        assert!(
            plan.iter().any(|line| line.contains(index)),
            "{sql} reads {index}: {plan:?}"
        );
    }
    if backend == Backend::Postgres {
        // sqlx's cached statements come to generic plans, which know no parameter's value: the private replies'
        // index must serve those too.
        txn.execute_unprepared(
            "SET LOCAL plan_cache_mode = force_generic_plan; PREPARE private_replies (text, text) AS \
             SELECT * FROM outbox WHERE \"outbox\".\"kind\" = 'private_reply' AND channel = $1 \
             AND recipient = $2 AND state <> 'undeliverable'",
        )
        .await
        .unwrap();
        let plan: Vec<String> = txn
            .query_all_raw(Statement::from_string(
                db.backend(),
                "EXPLAIN EXECUTE private_replies ('facebook', 'c1')",
            ))
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get::<String>("", column).unwrap())
            .collect();
        assert!(
            plan.iter()
                .any(|line| line.contains("ix_outbox_private_replies")),
            "a generic plan reads the private replies' index: {plan:?}"
        );
    }
}

/// The delivery worker's read of the queue (`outbound::worker::take`) reads its rows in the index's order and
/// stops at its limit: no sort step, which with (`state`, `next_attempt_at`) alone read every pending row sharing
/// the first row's `next_attempt_at` (an intake batch's acknowledgements share it) to return 32.
async fn the_outbox_pass_reads_its_order_from_the_index(backend: Backend) {
    let Some(test_db) = TestDb::fresh(backend).await else {
        return;
    };
    let settings = test_settings(&test_db.url, &[]);
    let db = Db::connect(&settings.database).await.unwrap();
    db.migrate().await.unwrap();
    let (explain, column, [a, b]) = match backend {
        Backend::Sqlite => ("EXPLAIN QUERY PLAN", "detail", ["?", "?"]),
        Backend::Postgres => ("EXPLAIN", "QUERY PLAN", ["$1", "$2"]),
    };
    let sql = format!(
        "{explain} SELECT * FROM outbox WHERE state = {a} AND next_attempt_at <= {b} \
         ORDER BY next_attempt_at ASC, id ASC LIMIT 32"
    );
    let txn = db.write.begin().await.unwrap();
    if backend == Backend::Postgres {
        // The table is empty: without this PostgreSQL would rightly read it whole.
        txn.execute_unprepared("SET LOCAL enable_seqscan = off")
            .await
            .unwrap();
    }
    let plan: Vec<String> = txn
        .query_all_raw(Statement::from_sql_and_values(
            db.backend(),
            sql,
            [
                sea_orm::Value::from("pending".to_owned()),
                sea_orm::Value::from(chrono::Utc::now()),
            ],
        ))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get::<String>("", column).unwrap())
        .collect();
    assert!(
        plan.iter()
            .any(|line| line.contains("ix_outbox_state_next_id")),
        "the pass reads the queue index: {plan:?}"
    );
    assert!(
        !plan
            .iter()
            .any(|line| line.contains("Sort") || line.contains("TEMP B-TREE")),
        "the pass sorts nothing: {plan:?}"
    );
}

/// Fills `table` as the worker's tables stand after its first batch and its one ANALYZE (2,048 rows), then to ten
/// times as many rows, past what the statistics know. `fill(from, to)` is the SQL inserting rows from..=to.
async fn grow_past_statistics(db: &Db, table: &str, fill: impl Fn(i32, i32) -> String) {
    db.write.execute_unprepared(&fill(1, 2_048)).await.unwrap();
    db.write
        .execute_unprepared(&format!("ANALYZE {table}"))
        .await
        .unwrap();
    db.write
        .execute_unprepared(&fill(2_049, 20_480))
        .await
        .unwrap();
}

/// The lines of PostgreSQL's plan for a built query.
async fn postgres_plan(db: &Db, query: Statement) -> Vec<String> {
    db.write
        .query_all_raw(Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            format!("EXPLAIN {}", query.sql),
            query.values.map(|v| v.0).unwrap_or_default(),
        ))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get::<String>("", "QUERY PLAN").unwrap())
        .collect()
}

/// The intake worker's look-up of a run's 256 message ids (`db::one_of`) probes the unique index on PostgreSQL,
/// as the table grows past the statistics its last `ANALYZE` gave: written as `IN ($2, ..., $257)`, the planner
/// read every message instead (12 against 0.4 ms at 20,000 messages, and growing with the table).
#[tokio::test]
async fn postgres_a_runs_message_look_up_probes_the_index_as_the_table_grows() {
    use sea_orm::{EntityTrait, QueryFilter, QuerySelect, QueryTrait};
    let Some(test_db) = TestDb::fresh(Backend::Postgres).await else {
        return;
    };
    let settings = test_settings(&test_db.url, &[]);
    let db = Db::connect(&settings.database).await.unwrap();
    db.migrate().await.unwrap();
    let fill = |from: i32, to: i32| {
        // The messages' ticket is not the point: foreign keys are not checked for this table's rows.
        format!(
            "SET session_replication_role = replica; \
             INSERT INTO ticket_messages (ticket_id, direction, channel, provider_message_id, body, public, removed, \
             hidden, created_at) SELECT 1, 'in', 'zalo', 'mid-' || g, 'xin chào', false, false, false, now() \
             FROM generate_series({from}, {to}) g; SET session_replication_role = origin"
        )
    };
    grow_past_statistics(&db, "ticket_messages", fill).await;
    let keys: Vec<String> = (0..256).map(|i| format!("new-{i}")).collect();
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let query = entity::ticket_messages::Entity::find()
        .select_only()
        .column(entity::ticket_messages::Column::ProviderMessageId)
        .filter(sea_orm::ColumnTrait::eq(
            &entity::ticket_messages::Column::Channel,
            "zalo",
        ))
        .filter(phananh::db::one_of(
            sea_orm::DbBackend::Postgres,
            entity::ticket_messages::Column::ProviderMessageId,
            &keys,
        ))
        .build(sea_orm::DbBackend::Postgres);
    let plan = postgres_plan(&db, query).await;
    assert!(
        plan.iter()
            .any(|line| line.contains("Index Cond") && line.contains("provider_message_id")),
        "the look-up probes the unique index: {plan:?}"
    );
}

/// The same for the worker's look-ups of tickets by many integer keys (`db::one_of` with `i32`): a run's open
/// tickets by identity, its contacts' earlier units, and open tickets by id (for replies to stored comments).
#[tokio::test]
async fn postgres_a_runs_ticket_look_ups_probe_their_indexes_as_the_table_grows() {
    use entity::tickets::{Column, Entity};
    use sea_orm::{EntityTrait, QueryFilter, QuerySelect, QueryTrait};
    let Some(test_db) = TestDb::fresh(Backend::Postgres).await else {
        return;
    };
    let settings = test_settings(&test_db.url, &[]);
    let db = Db::connect(&settings.database).await.unwrap();
    db.migrate().await.unwrap();
    let fill = |from: i32, to: i32| {
        // Contacts and identities are not the point: foreign keys and triggers do not run for these rows.
        format!(
            "SET session_replication_role = replica; \
             INSERT INTO tickets (tracking_code, channel, contact_id, contact_identity_id, unit_code, status, \
             summary, urgent, created_at, updated_at, last_activity_at, officer_conduct, extensions, \
             reopened_low_score) SELECT 'T' || g, 'zalo', g, g, '42001', 'new', 'xin chào', false, now(), now(), \
             now(), false, 0, false FROM generate_series({from}, {to}) g; SET session_replication_role = origin"
        )
    };
    grow_past_statistics(&db, "tickets", fill).await;
    let keys: Vec<i32> = (30_000..30_256).collect();
    let backend = sea_orm::DbBackend::Postgres;
    let look_ups = [
        (
            "contact_identity_id",
            Entity::find()
                .filter(phananh::db::one_of(
                    backend,
                    Column::ContactIdentityId,
                    &keys,
                ))
                .filter(sea_orm::ColumnTrait::is_in(
                    &Column::Status,
                    entity::enums::TicketStatus::open(),
                ))
                .build(backend),
        ),
        (
            "contact_id",
            Entity::find()
                .select_only()
                .column(Column::ContactId)
                .column(Column::UnitCode)
                .filter(phananh::db::one_of(backend, Column::ContactId, &keys))
                .filter(sea_orm::ColumnTrait::is_not_null(&Column::UnitCode))
                .build(backend),
        ),
        (
            "id",
            Entity::find()
                .filter(phananh::db::one_of(backend, Column::Id, &keys))
                .build(backend),
        ),
    ];
    for (column, query) in look_ups {
        let plan = postgres_plan(&db, query).await;
        assert!(
            plan.iter()
                .any(|line| line.contains("Index Cond")
                    && line.contains(&format!("({column} = ANY"))),
            "the look-up by {column} probes an index: {plan:?}"
        );
    }
}

#[tokio::test]
async fn the_outbox_pass_reads_its_order_from_the_index_sqlite() {
    the_outbox_pass_reads_its_order_from_the_index(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_outbox_pass_reads_its_order_from_the_index_postgres() {
    the_outbox_pass_reads_its_order_from_the_index(Backend::Postgres).await;
}

#[tokio::test]
async fn partial_indexes_serve_their_look_ups_sqlite() {
    partial_indexes_serve_their_look_ups(Backend::Sqlite).await;
}

#[tokio::test]
async fn partial_indexes_serve_their_look_ups_postgres() {
    partial_indexes_serve_their_look_ups(Backend::Postgres).await;
}

#[tokio::test]
async fn migrations_go_down_and_up_again_sqlite() {
    migrations_go_down_and_up_again(Backend::Sqlite).await;
}

#[tokio::test]
async fn migrations_go_down_and_up_again_postgres() {
    migrations_go_down_and_up_again(Backend::Postgres).await;
}

async fn instances_starting_together(backend: Backend) {
    let Some(test_db) = TestDb::fresh(backend).await else {
        return;
    };
    let test_db = Arc::new(test_db);
    // Configured accounts are stored at start-up too: by one of them, once.
    let accounts = [
        ("ZALO__OA_ID", "1122334455"),
        ("FACEBOOK__PAGE_ID", "998877"),
    ];
    let options = || AppOptions {
        env: &accounts,
        ..Default::default()
    };
    let (a, b, c) = tokio::join!(
        start_on(test_db.clone(), backend, options()),
        start_on(test_db.clone(), backend, options()),
        start_on(test_db.clone(), backend, options()),
    );
    let mut codes = Vec::new();
    for app in [&a, &b, &c] {
        let response = app
            .post_feedback_json(json!({"text": format!("Hỏi về căn cước ở cổng {}", app.address)}))
            .await;
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.unwrap();
        codes.push(body["tracking_code"].as_str().unwrap().to_owned());
    }
    // One schema: each instance finds every ticket, whichever instance took it.
    for app in [&a, &b, &c] {
        for code in &codes {
            let tracked = app
                .client
                .get(app.url(&format!("/api/v1/track/{code}")))
                .send()
                .await
                .unwrap();
            assert_eq!(tracked.status(), 200, "{code} at {}", app.address);
        }
    }
    assert_eq!(a.ticket_count().await, 3);
    // Every migration applied, in order, by one of them; none left for a later start.
    let applied: Vec<String> = Migrator::get_applied_migrations(&a.db)
        .await
        .unwrap()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let known: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    assert_eq!(applied, known, "each migration applied once");
    assert!(
        Migrator::get_pending_migrations(&a.db)
            .await
            .unwrap()
            .is_empty()
    );
    // What each start writes besides the schema was written once, not once per instance.
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    for (generation, count) in [("2025", 69), ("legacy", 209)] {
        let stored = entity::units::Entity::find()
            .filter(entity::units::Column::Generation.eq(generation))
            .count(&a.db)
            .await
            .unwrap();
        assert_eq!(stored, count, "{generation} units");
    }
    let stored_accounts = entity::channel_accounts::Entity::find()
        .count(&a.db)
        .await
        .unwrap();
    assert_eq!(stored_accounts, 2, "the configured OA and Page, once each");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_starting_together_apply_migrations_once_sqlite() {
    instances_starting_together(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_starting_together_apply_migrations_once_postgres() {
    instances_starting_together(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gazetteer_is_stored_idempotently() {
    let test_db = Arc::new(TestDb::fresh(Backend::Sqlite).await.unwrap());
    let app = start_on(test_db.clone(), Backend::Sqlite, AppOptions::default()).await;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let count = |generation: &'static str, db: sea_orm::DatabaseConnection| async move {
        entity::units::Entity::find()
            .filter(entity::units::Column::Generation.eq(generation))
            .count(&db)
            .await
            .unwrap()
    };
    assert_eq!(count("2025", app.db.clone()).await, 69);
    assert_eq!(count("legacy", app.db.clone()).await, 209);
    let successions = entity::unit_successions::Entity::find()
        .count(&app.db)
        .await
        .unwrap();
    assert!(successions >= 209);
    let test_db = app.stop().await;
    let app = start_on(test_db, Backend::Sqlite, AppOptions::default()).await;
    assert_eq!(count("2025", app.db.clone()).await, 69);
    assert_eq!(
        entity::unit_successions::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        successions
    );
}
