//! PostgreSQL, for deployments that run several replicas against one database.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

use super::{Open, SqlStore, StoreError};

const RECENTLY_USED: Duration = Duration::from_secs(1);

pub(super) async fn connect(url: &str, open: Open) -> Result<SqlStore<sqlx::Postgres>, StoreError> {
    let options = PgConnectOptions::from_str(url)?;
    let pool = PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(5))
        // sqlx pings every connection before handing it out: a round trip per statement. One
        // used within the last second is alive; only one idle longer (after a database restart
        // or a proxy's idle cut, say) is pinged, and replaced if the ping fails.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= RECENTLY_USED {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
        .connect_with(options)
        .await?;
    // Replicas starting together take turns: sqlx holds an advisory lock while migrating.
    if open == Open::Migrate {
        // A replica still on the previous release keeps running against a database a newer one
        // has migrated (migrations are additive), so rolling upgrades and rollbacks work.
        let mut migrator = sqlx::migrate!("migrations/postgres");
        migrator.set_ignore_missing(true);
        migrator.run(&pool).await?;
    }
    Ok(SqlStore { pool })
}
