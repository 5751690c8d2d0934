//! The embedded default: one SQLite file in WAL mode, created on first run.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

use super::{Open, SqlStore, StoreError};

/// The database holds calendar addresses, review notes and feedback: readable by its owner only.
/// It is created that way (SQLite gives its `-wal` and `-shm` files the database file's mode), and
/// an older, wider one is narrowed.
fn keep_private(path: &std::path::Path) -> std::io::Result<()> {
    if path.as_os_str().is_empty() || path.to_string_lossy().contains(":memory:") {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        if !path.exists() {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)?;
        }
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            let file = std::path::PathBuf::from(name);
            if file.exists() {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    Ok(())
}

pub(super) async fn connect(url: &str, open: Open) -> Result<SqlStore<sqlx::Sqlite>, StoreError> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(open == Open::Migrate)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        // Writers queue behind each other instead of failing with SQLITE_BUSY.
        .busy_timeout(Duration::from_secs(5));
    if open == Open::Migrate {
        keep_private(options.get_filename())?;
    }
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
