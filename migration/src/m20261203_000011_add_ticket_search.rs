//! Search over tickets' text with or without diacritics: `search_text` holds the citizen's words folded
//! (lowercase, no diacritics, đ -> d; written by intake), indexed for words anywhere in it: SQLite's FTS5
//! (an external-content table kept by triggers), PostgreSQL's GIN over a `simple` tsvector. `LIKE '%...%'` would
//! read every row. Rows older than the column are folded by the service at start (`search_text` null).
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .add_column(ColumnDef::new(Tickets::SearchText).text().null())
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => {
                for statement in [
                    "CREATE VIRTUAL TABLE tickets_fts USING fts5(search_text, content='tickets', content_rowid='id', tokenize='unicode61')",
                    "CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets WHEN new.search_text IS NOT NULL BEGIN \
                     INSERT INTO tickets_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
                    "CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets WHEN old.search_text IS NOT NULL BEGIN \
                     INSERT INTO tickets_fts(tickets_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
                    "CREATE TRIGGER tickets_fts_update AFTER UPDATE OF search_text ON tickets BEGIN \
                     INSERT INTO tickets_fts(tickets_fts, rowid, search_text) SELECT 'delete', old.id, old.search_text WHERE old.search_text IS NOT NULL; \
                     INSERT INTO tickets_fts(rowid, search_text) SELECT new.id, new.search_text WHERE new.search_text IS NOT NULL; END",
                ] {
                    db.execute_unprepared(statement).await?;
                }
            }
            DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE INDEX ix_tickets_search ON tickets USING gin (to_tsvector('simple', coalesce(search_text, '')))",
                )
                .await?;
            }
            _ => {}
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => {
                for statement in [
                    "DROP TRIGGER IF EXISTS tickets_fts_insert",
                    "DROP TRIGGER IF EXISTS tickets_fts_delete",
                    "DROP TRIGGER IF EXISTS tickets_fts_update",
                    "DROP TABLE IF EXISTS tickets_fts",
                ] {
                    db.execute_unprepared(statement).await?;
                }
            }
            DatabaseBackend::Postgres => {
                db.execute_unprepared("DROP INDEX IF EXISTS ix_tickets_search")
                    .await?;
            }
            _ => {}
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .drop_column(Tickets::SearchText)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    SearchText,
}
