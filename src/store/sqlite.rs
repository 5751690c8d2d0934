//! The embedded default: one SQLite file in WAL mode, created on first run.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

use super::{Open, SqlStore, StoreError};

pub(super) async fn connect(url: &str, open: Open) -> Result<SqlStore<sqlx::Sqlite>, StoreError> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(open == Open::Migrate)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        // Writers queue behind each other instead of failing with SQLITE_BUSY.
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        // A connection to a local file does not drop: the ping sqlx sends before handing one
        // out would only cost a trip to its worker thread per statement.
        .test_before_acquire(false)
        .connect_with(options)
        .await?;
    if open == Open::Migrate {
        // A replica still on the previous release keeps running against a database a newer one
        // has migrated (migrations are additive), so rolling upgrades and rollbacks work.
        let mut migrator = sqlx::migrate!("migrations/sqlite");
        migrator.set_ignore_missing(true);
        migrator.run(&pool).await?;
    }
    Ok(SqlStore { pool })
}
