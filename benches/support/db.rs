//! A fresh database per bench run (a SQLite file in a temp dir, or a new PostgreSQL schema that is
//! dropped afterwards), and a raw connection for bulk seeding and for moving reminders' due times.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{PgPool, QueryBuilder, SqlitePool};

/// The variables that turn the PostgreSQL runs on (the first one set wins).
pub const PG_VARS: [&str; 2] = ["BENCH_DATABASE_URL", "TEST_DATABASE_URL"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

pub fn pg_base_url() -> Option<String> {
    PG_VARS
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.trim().is_empty()))
}

pub struct BenchDb {
    pub url: String,
    pub backend: Backend,
    dir: Option<tempfile::TempDir>,
    /// (admin URL, schema) to drop at the end.
    pg: Option<(String, String)>,
}

impl BenchDb {
    pub fn sqlite() -> BenchDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("officehours.db").display());
        BenchDb {
            url,
            backend: Backend::Sqlite,
            dir: Some(dir),
            pg: None,
        }
    }

    /// A new schema in the database named by `BENCH_DATABASE_URL` or `TEST_DATABASE_URL`.
    pub async fn postgres() -> Option<BenchDb> {
        let base = pg_base_url()?;
        let schema = format!(
            "bench_{}_{}",
            std::process::id(),
            Utc::now().timestamp_subsec_micros()
        );
        let admin = PgPool::connect(&base)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL is configured but unreachable: {e}"));
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&admin)
            .await
            .expect("create schema");
        admin.close().await;
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
        Some(BenchDb {
            url,
            backend: Backend::Postgres,
            dir: None,
            pg: Some((base, schema)),
        })
    }

    /// The SQLite file's folder (the binary runs there, so a stray `.env` cannot reach it).
    pub fn dir(&self) -> Option<&std::path::Path> {
        self.dir.as_ref().map(|d| d.path())
    }

    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        self.dir().map(|d| d.join("officehours.db"))
    }

    pub async fn raw(&self) -> Raw {
        match self.backend {
            Backend::Sqlite => Raw::Sqlite(SqlitePool::connect(&self.url).await.expect("sqlite")),
            Backend::Postgres => Raw::Pg(PgPool::connect(&self.url).await.expect("postgres")),
        }
    }

    /// Drops the PostgreSQL schema (a SQLite temp dir goes with the value).
    pub async fn cleanup(mut self) {
        if let Some((base, schema)) = self.pg.take() {
            if let Ok(admin) = PgPool::connect(&base).await {
                let _ = sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
                    .execute(&admin)
                    .await;
                admin.close().await;
            }
        }
    }
}

/// One column value for a bulk insert, bound exactly as the app binds it.
#[derive(Debug, Clone)]
pub enum Val {
    Text(String),
    OptText(Option<String>),
    Int(i32),
    Big(i64),
    Time(DateTime<Utc>),
}

pub enum Raw {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

macro_rules! push_row {
    ($b:ident, $row:ident) => {
        for value in $row {
            match value {
                Val::Text(s) => $b.push_bind(s),
                Val::OptText(s) => $b.push_bind(s),
                Val::Int(n) => $b.push_bind(n),
                Val::Big(n) => $b.push_bind(n),
                Val::Time(t) => $b.push_bind(t),
            };
        }
    };
}

impl Raw {
    /// Inserts all rows in one transaction, many rows per statement.
    pub async fn insert(&self, table: &str, columns: &[&str], rows: Vec<Vec<Val>>) {
        let head = format!("INSERT INTO {table} ({}) ", columns.join(", "));
        let per_statement = (30_000 / columns.len().max(1)).max(1);
        match self {
            Raw::Sqlite(pool) => {
                let mut tx = pool.begin().await.expect("begin");
                for chunk in rows.chunks(per_statement) {
                    let mut b = QueryBuilder::<sqlx::Sqlite>::new(&head);
                    b.push_values(chunk.iter().cloned(), |mut b, row| push_row!(b, row));
                    b.build().execute(&mut *tx).await.expect(table);
                }
                tx.commit().await.expect("commit");
            }
            Raw::Pg(pool) => {
                let mut tx = pool.begin().await.expect("begin");
                for chunk in rows.chunks(per_statement) {
                    let mut b = QueryBuilder::<sqlx::Postgres>::new(&head);
                    b.push_values(chunk.iter().cloned(), |mut b, row| push_row!(b, row));
                    b.build().execute(&mut *tx).await.expect(table);
                }
                tx.commit().await.expect("commit");
            }
        }
    }

    /// Runs a statement whose only parameter ($1) is an instant; returns the rows it changed.
    pub async fn execute_at(&self, sql: &str, at: DateTime<Utc>) -> u64 {
        match self {
            Raw::Sqlite(pool) => sqlx::query(sql)
                .bind(at)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()),
            Raw::Pg(pool) => sqlx::query(sql)
                .bind(at)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    pub async fn execute(&self, sql: &str) -> u64 {
        match self {
            Raw::Sqlite(pool) => sqlx::raw_sql(sql)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()),
            Raw::Pg(pool) => sqlx::raw_sql(sql)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    pub async fn rows<T>(&self, sql: &str) -> Vec<T>
    where
        T: for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin,
    {
        match self {
            Raw::Sqlite(pool) => sqlx::query_as(sql).fetch_all(pool).await,
            Raw::Pg(pool) => sqlx::query_as(sql).fetch_all(pool).await,
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Moves reminders' due time to `at` (both `due_at` and `next_attempt_at`, as a row that
    /// was scheduled for `at` has them).
    pub async fn make_due(&self, ids: &[i64], at: DateTime<Utc>) -> u64 {
        let mut changed = 0;
        for chunk in ids.chunks(1000) {
            let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
            let sql = format!(
                "UPDATE reminders SET due_at = $1, next_attempt_at = $1 WHERE status = 'pending' AND id IN ({})",
                list.join(",")
            );
            changed += self.execute_at(&sql, at).await;
        }
        changed
    }

    pub async fn close(&self) {
        match self {
            Raw::Sqlite(pool) => pool.close().await,
            Raw::Pg(pool) => pool.close().await,
        }
    }
}
