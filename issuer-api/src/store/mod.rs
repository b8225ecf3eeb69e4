//! Durable storage: SQLite in the data directory by default, PostgreSQL
//! when `DATABASE_URL=postgres://…` is set.
//!
//! Both backends run the same SQL text (SQLite accepts PostgreSQL's `$1`
//! placeholders), so every query below is written once; the [`on_tx!`] and
//! [`on_pool!`] macros compile each body once per backend. Each backend has
//! its own versioned migrations (`migrations/sqlite`, `migrations/postgres`)
//! because DDL differs (identity columns, triggers).
//!
//! SQLite runs in WAL mode with `synchronous=FULL`: in WAL mode `NORMAL`
//! may lose the last committed transactions on power loss (not on a process
//! crash), and the API promises that an answered certificate is durable, so
//! every commit waits for the WAL fsync. A whole certify batch is one
//! transaction, so the fsync is paid once per batch, not per certificate.
//! Writes go through a one-connection pool (SQLite has one writer anyway;
//! queueing in the pool is cheaper than `SQLITE_BUSY` retries), reads through
//! a separate pool that WAL lets run alongside the writer.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Postgres, Sqlite, Transaction};

use crate::error::Error;

/// Run a body against whichever backend a [`Tx`] holds; `$c` is the
/// `&mut Transaction` of that backend.
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            Tx::Sqlite($c) => $body,
            Tx::Postgres($c) => $body,
        }
    };
}

/// Run a body against whichever backend a [`Store`] holds, reading; `$p` is the pool.
macro_rules! on_pool {
    ($store:expr, $p:ident => $body:expr) => {
        match $store {
            Store::Sqlite { reader: $p, .. } => $body,
            Store::Postgres($p) => $body,
        }
    };
}

/// Run a body against whichever backend a [`Store`] holds, writing; `$p` is the pool.
macro_rules! on_writer {
    ($store:expr, $p:ident => $body:expr) => {
        match $store {
            Store::Sqlite { writer: $p, .. } => $body,
            Store::Postgres($p) => $body,
        }
    };
}

// After the macros, which it uses.
mod status_lists;

/// Connection pools for one of the two backends.
#[derive(Debug, Clone)]
pub enum Store {
    /// An SQLite file: one writer connection, a few readers.
    Sqlite {
        /// The single writer.
        writer: SqlitePool,
        /// Readers (WAL lets them run alongside the writer).
        reader: SqlitePool,
    },
    /// A PostgreSQL database.
    Postgres(PgPool),
}

/// An open write transaction.
#[derive(Debug)]
pub enum Tx {
    /// On SQLite.
    Sqlite(Transaction<'static, Sqlite>),
    /// On PostgreSQL.
    Postgres(Transaction<'static, Postgres>),
}

/// Rows per multi-row `INSERT`. A certify batch writes its certificates,
/// audit rows and events in a few statements rather than one per row: each
/// statement is a round trip to the database (for SQLite, to the
/// connection's worker thread and back), and at hundreds per batch those
/// round trips cost more than the inserts. Fixed-size chunks keep the
/// parameter count far below both backends' limits (SQLite 32,766,
/// PostgreSQL 65,535) and the number of distinct statements small enough
/// for each connection's statement cache.
const ROWS_PER_INSERT: usize = 50;

impl Store {
    /// Open (creating if needed) the SQLite database at `path`, and migrate it.
    pub async fn open_sqlite(path: &Path) -> Result<Self, Error> {
        // Owner-only (0600) before SQLite creates it; WAL files follow.
        service_core::seal::prepare_private_file(path)?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            // A multi-row INSERT keeps a statement journal (to undo its
            // own rows if it fails half-way); in memory rather than in a
            // temporary file. It plays no part in crash recovery (the WAL
            // does), so durability is unchanged.
            .pragma("temp_store", "memory")
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.read_only(true))
            .await?;
        Ok(Self::Sqlite { writer, reader })
    }

    /// Connect to PostgreSQL, optionally in a schema of its own (created if
    /// missing; tests use one per run), and migrate.
    pub async fn open_postgres(url: &str, schema: Option<&str>) -> Result<Self, Error> {
        let mut options = PgConnectOptions::from_str(url)?;
        if let Some(schema) = schema {
            if !schema
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            {
                return Err(Error::Config(format!("bad schema name {schema:?}")));
            }
            let admin = PgPoolOptions::new()
                .max_connections(1)
                .connect_with(options.clone())
                .await?;
            let create = format!("CREATE SCHEMA IF NOT EXISTS {schema}");
            sqlx::query(sqlx::AssertSqlSafe(create))
                .execute(&admin)
                .await?;
            admin.close().await;
            options = options.options([("search_path", schema)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(Self::Postgres(pool))
    }

    /// Which backend, for logs and metrics.
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }

    /// Begin a write transaction.
    pub async fn begin(&self) -> Result<Tx, Error> {
        Ok(match self {
            Self::Sqlite { writer, .. } => Tx::Sqlite(writer.begin().await?),
            Self::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Check the database answers (readiness).
    pub async fn ping(&self) -> Result<(), Error> {
        on_pool!(self, p => { sqlx::query("SELECT 1").execute(p).await?; });
        Ok(())
    }

    /// Close the pools (waits for checked-out connections).
    pub async fn close(&self) {
        match self {
            Self::Sqlite { writer, reader } => {
                reader.close().await;
                writer.close().await;
            }
            Self::Postgres(pool) => pool.close().await,
        }
    }
}

impl Tx {
    /// Commit: once this returns, the writes are durable.
    pub async fn commit(self) -> Result<(), Error> {
        on_tx!(self, c => { c.commit().await?; });
        Ok(())
    }
}

// Submodules after the macros above, which they use.
mod admin;
mod bootstrap;
mod certificates;
mod citizen;
mod journal;
mod outbox;
mod records;
pub use outbox::{DeadEvent, OutboxBacklog};
pub use records::*;
