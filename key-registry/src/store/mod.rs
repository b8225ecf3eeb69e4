//! Durable storage: SQLite in the data directory by default, PostgreSQL
//! when `DATABASE_URL=postgres://…` is set.
//!
//! As in the issuer API, both backends run the same SQL text (SQLite
//! accepts PostgreSQL's `$1` placeholders): each query is written once, and
//! the [`on_tx!`] / [`on_pool!`] macros compile its body once per backend.
//! Each backend has its own versioned migrations (`migrations/sqlite`,
//! `migrations/postgres`), since DDL differs.
//!
//! SQLite runs in WAL mode with `synchronous=FULL`: a publish is durable
//! (fsynced) before it is acknowledged. Writes go through a one-connection
//! pool, reads through a separate read-only pool.
//!
//! Versions: every list's version lives in `list_heads` and is bumped with
//! `UPDATE … RETURNING` inside the transaction that publishes it, so a
//! version is never reused or lowered, across a crash (the bump and what it
//! publishes commit together or not at all) and across instances on
//! PostgreSQL (the row lock orders concurrent publishers).

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
            $crate::store::Tx::Sqlite($c) => $body,
            $crate::store::Tx::Postgres($c) => $body,
        }
    };
}

/// Run a body against whichever backend a [`Store`] holds, reading; `$p`
/// is the pool.
macro_rules! on_pool {
    ($store:expr, $p:ident => $body:expr) => {
        match $store {
            $crate::store::Store::Sqlite { reader: $p, .. } => $body,
            $crate::store::Store::Postgres($p) => $body,
        }
    };
}

/// As [`on_pool!`], on SQLite's writer connection: for reads that must see
/// what this process has just committed.
macro_rules! on_writer {
    ($store:expr, $p:ident => $body:expr) => {
        match $store {
            $crate::store::Store::Sqlite { writer: $p, .. } => $body,
            $crate::store::Store::Postgres($p) => $body,
        }
    };
}

mod issuers;
mod lists;
mod records;
mod revocations;
mod tokens;

pub use records::{
    AnchorRecord, AuditRecord, IssuerRecord, KeyRecord, ListVersion, RevocationChange, RulesRecord,
    TokenRecord,
};
pub use revocations::NewChange;

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

    /// Append to the audit log.
    pub async fn audit(
        &mut self,
        at: i64,
        actor: &str,
        action: &str,
        subject: Option<&str>,
        details: &serde_json::Value,
    ) -> Result<(), Error> {
        let details = details.to_string();
        on_tx!(self, tx => { sqlx::query(
            "INSERT INTO audit_log (at, actor, action, subject, details) VALUES ($1, $2, $3, $4, $5)")
            .bind(at)
            .bind(actor)
            .bind(action)
            .bind(subject)
            .bind(&details)
            .execute(&mut **tx)
            .await?; });
        Ok(())
    }
}

impl Store {
    /// Audit entries after a sequence number, oldest first.
    pub async fn audit(&self, after: i64, limit: i64) -> Result<Vec<AuditRecord>, Error> {
        let rows = on_pool!(self, p => sqlx::query_as::<_, AuditRecord>(
            "SELECT id, at, actor, action, subject, details FROM audit_log \
             WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after)
            .bind(limit)
            .fetch_all(p)
            .await?);
        Ok(rows)
    }
}

/// Whether a database error is a unique-constraint violation.
pub fn is_unique_violation(e: &Error) -> bool {
    matches!(e, Error::Database(sqlx::Error::Database(db)) if db.is_unique_violation())
}
