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

use std::collections::HashSet;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use serde::Serialize;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Postgres, Sqlite, Transaction};
use utoipa::ToSchema;

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

/// Certificate status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Valid.
    Active,
    /// Temporarily not valid, until `suspended_until`.
    Suspended,
    /// Permanently not valid.
    Revoked,
}

impl Status {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Revoked => "revoked",
        }
    }
}

impl TryFrom<String> for Status {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        match s.as_str() {
            "active" => Ok(Self::Active),
            "suspended" => Ok(Self::Suspended),
            "revoked" => Ok(Self::Revoked),
            other => Err(Error::Corrupt(format!("certificate status {other:?}"))),
        }
    }
}

/// A stored certificate.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CertificateRecord {
    /// Certificate id.
    pub id: String,
    /// Programme id (idempotency namespace).
    pub programme: String,
    /// The recipient's pre-enrollment code.
    pub pre_enrollment_code: String,
    /// Dose number.
    pub dose: i64,
    /// Facility code.
    pub facility_code: String,
    /// The recipient's identity URI (for search).
    pub recipient_identity: String,
    /// Date of birth (`YYYY-MM-DD`), for citizen retrieval.
    pub recipient_dob: Option<String>,
    /// Phone digits, for citizen retrieval and notification webhooks.
    pub recipient_phone: Option<String>,
    /// E-mail address, for notification webhooks.
    pub recipient_email: Option<String>,
    /// When the dose was given, as the request said.
    pub vaccination_date: String,
    /// Issued at, Unix ms.
    pub issued_at: i64,
    /// The signing key's id.
    pub key_id: String,
    /// Status.
    #[sqlx(try_from = "String")]
    pub status: Status,
    /// Why revoked or suspended.
    pub status_reason: Option<String>,
    /// Suspended until (`YYYY-MM-DD` or RFC 3339).
    pub suspended_until: Option<String>,
    /// When the status last changed, Unix ms.
    pub status_changed_at: Option<i64>,
    /// The certificate this one corrects.
    pub replaces: Option<String>,
    /// The certificate that corrected this one.
    pub replaced_by: Option<String>,
    /// Corrections in this certificate's chain so far.
    pub correction_count: i64,
    /// The signed credential, JSON.
    pub document: String,
    /// Its W3C status list's URL (VC 2.0 profile; see `status`).
    pub status_list: Option<String>,
    /// Its index in that list.
    pub status_index: Option<i64>,
}

/// Columns of [`CertificateRecord`], in order.
const CERT_COLUMNS: &str = "id, programme, pre_enrollment_code, dose, facility_code, recipient_identity, \
     recipient_dob, recipient_phone, recipient_email, vaccination_date, issued_at, key_id, status, status_reason, \
     suspended_until, status_changed_at, replaces, replaced_by, correction_count, document, \
     status_list, status_index";

/// A stored API token (its hash, never the token).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRecord {
    /// Public id (shown in audit logs).
    pub id: String,
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// Role name.
    pub role: String,
    /// Facility codes, JSON array (empty: all facilities, for non-certifiers).
    pub facilities: String,
    /// Label given at creation.
    pub label: String,
    /// Created, Unix ms.
    pub created_at: i64,
    /// Expires, Unix ms.
    pub expires_at: Option<i64>,
    /// Revoked, Unix ms.
    pub revoked_at: Option<i64>,
}

/// A stored signing key (private part encrypted).
#[derive(Clone, sqlx::FromRow)]
pub struct KeyRecord {
    /// Key id (fragment of the verification method).
    pub kid: String,
    /// Order of creation.
    pub seq: i64,
    /// `Ed25519`.
    pub algorithm: String,
    /// Public key, base58.
    pub public_key: String,
    /// `base64(nonce || ciphertext)` of the PKCS#8 private key.
    pub encrypted_private_key: String,
    /// Signs from this moment, Unix ms.
    pub valid_from: i64,
    /// Created, Unix ms.
    pub created_at: i64,
}

impl std::fmt::Debug for KeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRecord")
            .field("kid", &self.kid)
            .field("seq", &self.seq)
            .field("valid_from", &self.valid_from)
            .finish_non_exhaustive()
    }
}

/// One audit log entry.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct AuditRecord {
    /// Sequence number.
    pub id: i64,
    /// When, Unix ms.
    pub at: i64,
    /// Who: `token:<id>`, `oidc:<sub>`, `citizen`, `cli`, `config-file`.
    pub actor: String,
    /// What: `certify`, `correct`, `revoke`, `suspend`, `unsuspend`, ...
    pub action: String,
    /// The certificate (or token, key) concerned.
    pub subject: Option<String>,
    /// Details, JSON.
    pub details: String,
}

/// One outbox row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRecord {
    /// Sequence number (delivery order within a subject).
    pub id: i64,
    /// `registry` or `webhook:<name>`.
    pub target: String,
    /// Certificate id the event is about.
    pub subject: String,
    /// Event JSON.
    pub event: String,
    /// Failed attempts so far.
    pub attempts: i64,
    /// Not before, Unix ms.
    pub next_attempt_at: i64,
}

/// A stored programme version.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProgrammeRecord {
    /// Version, from 1.
    pub version: i64,
    /// Programme JSON.
    pub document: String,
    /// `file`, `demo` or `admin`.
    pub source: String,
    /// SHA-256 of the programme as last imported from a file.
    pub file_hash: Option<String>,
    /// Created, Unix ms.
    pub created_at: i64,
}

/// A certificate to insert.
#[derive(Debug, Clone)]
pub struct NewCertificate<'a> {
    /// The record; `status` is `Active`.
    pub record: &'a CertificateRecord,
}

/// An audit entry to append.
#[derive(Debug, Clone)]
pub struct NewAudit<'a> {
    /// When, Unix ms.
    pub at: i64,
    /// Who.
    pub actor: &'a str,
    /// What.
    pub action: &'a str,
    /// The certificate (or token, key) concerned.
    pub subject: Option<&'a str>,
    /// Details, JSON text.
    pub details: &'a str,
}

/// An outbox event to queue.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// `registry` or `webhook:<name>`.
    pub target: String,
    /// The certificate the event is about.
    pub subject: String,
    /// Event JSON text.
    pub event: String,
    /// Queued at (and first attempt at), Unix ms.
    pub at: i64,
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

    /// One certificate by id.
    pub async fn certificate(&self, id: &str) -> Result<Option<CertificateRecord>, Error> {
        let sql = format!("SELECT {CERT_COLUMNS} FROM certificates WHERE id = $1");
        let row = on_pool!(self, p => sqlx::query_as::<_, CertificateRecord>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(p)
            .await?);
        Ok(row)
    }

    /// Every certificate of a programme for some pre-enrollment codes (all
    /// doses, corrections included), for idempotency and schedule checks.
    pub async fn certificates_for_codes(
        &self,
        programme: &str,
        codes: &[&str],
    ) -> Result<Vec<CertificateRecord>, Error> {
        let mut out = Vec::new();
        // Bounded IN lists: SQLite's default variable limit is 32,766, but
        // smaller statements cache better.
        for chunk in codes.chunks(500) {
            let placeholders: Vec<String> =
                (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "SELECT {CERT_COLUMNS} FROM certificates WHERE programme = $1 AND pre_enrollment_code IN ({})",
                placeholders.join(", ")
            );
            let rows = on_pool!(self, p => {
                let mut q = sqlx::query_as::<_, CertificateRecord>(sqlx::AssertSqlSafe(sql)).bind(programme);
                for code in chunk {
                    q = q.bind(*code);
                }
                q.fetch_all(p).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }

    /// Certificates by pre-enrollment code and/or recipient identity, newest first.
    pub async fn search(
        &self,
        pre_enrollment_code: Option<&str>,
        identity: Option<&str>,
        limit: i64,
    ) -> Result<Vec<CertificateRecord>, Error> {
        let sql = format!(
            "SELECT {CERT_COLUMNS} FROM certificates \
             WHERE ($1 IS NULL OR pre_enrollment_code = $1) AND ($2 IS NULL OR recipient_identity = $2) \
             ORDER BY issued_at DESC, id LIMIT $3"
        );
        let rows = on_pool!(self, p => sqlx::query_as::<_, CertificateRecord>(sqlx::AssertSqlSafe(sql))
            .bind(pre_enrollment_code)
            .bind(identity)
            .bind(limit)
            .fetch_all(p)
            .await?);
        Ok(rows)
    }

    /// A token by the hash of its secret.
    pub async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, Error> {
        let row = on_pool!(self, p => sqlx::query_as::<_, TokenRecord>(
            "SELECT id, token_hash, role, facilities, label, created_at, expires_at, revoked_at \
             FROM api_tokens WHERE token_hash = $1")
            .bind(hash)
            .fetch_optional(p)
            .await?);
        Ok(row)
    }

    /// Every token (hashes included; callers do not expose them).
    pub async fn tokens(&self) -> Result<Vec<TokenRecord>, Error> {
        let rows = on_pool!(self, p => sqlx::query_as::<_, TokenRecord>(
            "SELECT id, token_hash, role, facilities, label, created_at, expires_at, revoked_at \
             FROM api_tokens ORDER BY created_at, id")
            .fetch_all(p)
            .await?);
        Ok(rows)
    }

    /// Every signing key, oldest first.
    pub async fn keys(&self) -> Result<Vec<KeyRecord>, Error> {
        // From the writer on SQLite: a key just written by this process must
        // be visible at once (read-only connections may lag a checkpoint).
        let rows = on_writer!(self, p => sqlx::query_as::<_, KeyRecord>(
            "SELECT kid, seq, algorithm, public_key, encrypted_private_key, valid_from, created_at \
             FROM signing_keys ORDER BY seq")
            .fetch_all(p)
            .await?);
        Ok(rows)
    }

    /// The current programme version.
    pub async fn latest_programme(&self) -> Result<Option<ProgrammeRecord>, Error> {
        let row = on_writer!(self, p => sqlx::query_as::<_, ProgrammeRecord>(
            "SELECT version, document, source, file_hash, created_at FROM programme_versions \
             ORDER BY version DESC LIMIT 1")
            .fetch_optional(p)
            .await?);
        Ok(row)
    }

    /// Audit entries after a sequence number, optionally for one subject.
    pub async fn audit(
        &self,
        after: i64,
        subject: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditRecord>, Error> {
        let rows = on_pool!(self, p => sqlx::query_as::<_, AuditRecord>(
            "SELECT id, at, actor, action, subject, details FROM audit_log \
             WHERE id > $1 AND ($2 IS NULL OR subject = $2) ORDER BY id LIMIT $3")
            .bind(after)
            .bind(subject)
            .bind(limit)
            .fetch_all(p)
            .await?);
        Ok(rows)
    }
}

impl Tx {
    /// Commit: once this returns, the writes are durable.
    pub async fn commit(self) -> Result<(), Error> {
        on_tx!(self, c => { c.commit().await?; });
        Ok(())
    }

    /// Insert a certificate unless its id or idempotency key exists; true if inserted.
    pub async fn insert_certificate(&mut self, c: &CertificateRecord) -> Result<bool, Error> {
        let result = on_tx!(self, tx => sqlx::query(
            "INSERT INTO certificates (id, programme, pre_enrollment_code, dose, facility_code, \
             recipient_identity, recipient_dob, recipient_phone, recipient_email, vaccination_date, issued_at, key_id, \
             status, status_reason, suspended_until, status_changed_at, replaces, replaced_by, \
             correction_count, document, status_list, status_index) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, \
             $21, $22) ON CONFLICT DO NOTHING")
            .bind(&c.id)
            .bind(&c.programme)
            .bind(&c.pre_enrollment_code)
            .bind(c.dose)
            .bind(&c.facility_code)
            .bind(&c.recipient_identity)
            .bind(&c.recipient_dob)
            .bind(&c.recipient_phone)
            .bind(&c.recipient_email)
            .bind(&c.vaccination_date)
            .bind(c.issued_at)
            .bind(&c.key_id)
            .bind(c.status.as_str())
            .bind(&c.status_reason)
            .bind(&c.suspended_until)
            .bind(c.status_changed_at)
            .bind(&c.replaces)
            .bind(&c.replaced_by)
            .bind(c.correction_count)
            .bind(&c.document)
            .bind(&c.status_list)
            .bind(c.status_index)
            .execute(&mut **tx)
            .await?
            .rows_affected());
        Ok(result == 1)
    }

    /// Insert certificates, skipping any whose id or idempotency key
    /// exists; returns the ids actually inserted.
    pub async fn insert_certificates(
        &mut self,
        certificates: &[&CertificateRecord],
    ) -> Result<HashSet<String>, Error> {
        let mut inserted = HashSet::with_capacity(certificates.len());
        for chunk in certificates.chunks(ROWS_PER_INSERT) {
            let ids: Vec<String> = on_tx!(self, tx => {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO certificates (id, programme, pre_enrollment_code, dose, facility_code, \
                     recipient_identity, recipient_dob, recipient_phone, recipient_email, vaccination_date, \
                     issued_at, key_id, status, status_reason, suspended_until, status_changed_at, replaces, \
                     replaced_by, correction_count, document, status_list, status_index) ",
                );
                q.push_values(chunk, |mut row, c| {
                    row.push_bind(c.id.as_str())
                        .push_bind(c.programme.as_str())
                        .push_bind(c.pre_enrollment_code.as_str())
                        .push_bind(c.dose)
                        .push_bind(c.facility_code.as_str())
                        .push_bind(c.recipient_identity.as_str())
                        .push_bind(c.recipient_dob.as_deref())
                        .push_bind(c.recipient_phone.as_deref())
                        .push_bind(c.recipient_email.as_deref())
                        .push_bind(c.vaccination_date.as_str())
                        .push_bind(c.issued_at)
                        .push_bind(c.key_id.as_str())
                        .push_bind(c.status.as_str())
                        .push_bind(c.status_reason.as_deref())
                        .push_bind(c.suspended_until.as_deref())
                        .push_bind(c.status_changed_at)
                        .push_bind(c.replaces.as_deref())
                        .push_bind(c.replaced_by.as_deref())
                        .push_bind(c.correction_count)
                        .push_bind(c.document.as_str())
                        .push_bind(c.status_list.as_deref())
                        .push_bind(c.status_index);
                });
                // Only the rows inserted come back: the others conflicted.
                q.push(" ON CONFLICT DO NOTHING RETURNING id");
                q.build_query_scalar().fetch_all(&mut **tx).await?
            });
            inserted.extend(ids);
        }
        Ok(inserted)
    }

    /// Append several audit entries, in order.
    pub async fn audit_many(&mut self, entries: &[NewAudit<'_>]) -> Result<(), Error> {
        for chunk in entries.chunks(ROWS_PER_INSERT) {
            on_tx!(self, tx => {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO audit_log (at, actor, action, subject, details) ",
                );
                q.push_values(chunk, |mut row, e| {
                    row.push_bind(e.at)
                        .push_bind(e.actor)
                        .push_bind(e.action)
                        .push_bind(e.subject)
                        .push_bind(e.details);
                });
                q.build().execute(&mut **tx).await?;
            });
        }
        Ok(())
    }

    /// Queue several events, in order.
    pub async fn enqueue_many(&mut self, events: &[NewEvent]) -> Result<(), Error> {
        for chunk in events.chunks(ROWS_PER_INSERT) {
            on_tx!(self, tx => {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO outbox (target, subject, event, created_at, next_attempt_at) ",
                );
                q.push_values(chunk, |mut row, e| {
                    row.push_bind(e.target.as_str())
                        .push_bind(e.subject.as_str())
                        .push_bind(e.event.as_str())
                        .push_bind(e.at)
                        .push_bind(e.at);
                });
                q.build().execute(&mut **tx).await?;
            });
        }
        Ok(())
    }

    /// The original certificate for an idempotency key, inside this transaction.
    pub async fn certificate_by_key(
        &mut self,
        programme: &str,
        code: &str,
        dose: i64,
    ) -> Result<Option<CertificateRecord>, Error> {
        let sql = format!(
            "SELECT {CERT_COLUMNS} FROM certificates \
             WHERE programme = $1 AND pre_enrollment_code = $2 AND dose = $3 AND replaces IS NULL"
        );
        let row = on_tx!(self, tx => sqlx::query_as::<_, CertificateRecord>(sqlx::AssertSqlSafe(sql))
            .bind(programme)
            .bind(code)
            .bind(dose)
            .fetch_optional(&mut **tx)
            .await?);
        Ok(row)
    }

    /// A certificate, locked for update until the transaction ends.
    pub async fn certificate_for_update(
        &mut self,
        id: &str,
    ) -> Result<Option<CertificateRecord>, Error> {
        // SQLite's one writer already serializes write transactions;
        // PostgreSQL needs the row lock.
        let lock = match self {
            Self::Sqlite(_) => "",
            Self::Postgres(_) => " FOR UPDATE",
        };
        let sql = format!("SELECT {CERT_COLUMNS} FROM certificates WHERE id = $1{lock}");
        let row = on_tx!(self, tx => sqlx::query_as::<_, CertificateRecord>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?);
        Ok(row)
    }

    /// Change a certificate's status.
    pub async fn set_status(
        &mut self,
        id: &str,
        status: Status,
        reason: Option<&str>,
        suspended_until: Option<&str>,
        now: i64,
    ) -> Result<(), Error> {
        on_tx!(self, tx => { sqlx::query(
            "UPDATE certificates SET status = $2, status_reason = $3, suspended_until = $4, \
             status_changed_at = $5 WHERE id = $1")
            .bind(id)
            .bind(status.as_str())
            .bind(reason)
            .bind(suspended_until)
            .bind(now)
            .execute(&mut **tx)
            .await?; });
        Ok(())
    }

    /// Link a certificate to the one that corrected it.
    pub async fn set_replaced_by(&mut self, id: &str, replaced_by: &str) -> Result<(), Error> {
        on_tx!(self, tx => { sqlx::query("UPDATE certificates SET replaced_by = $2 WHERE id = $1")
            .bind(id)
            .bind(replaced_by)
            .execute(&mut **tx)
            .await?; });
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

    /// Queue an event for delivery to a target.
    pub async fn enqueue(
        &mut self,
        target: &str,
        subject: &str,
        event: &serde_json::Value,
        now: i64,
    ) -> Result<(), Error> {
        let event = event.to_string();
        on_tx!(self, tx => { sqlx::query(
            "INSERT INTO outbox (target, subject, event, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $4)")
            .bind(target)
            .bind(subject)
            .bind(&event)
            .bind(now)
            .execute(&mut **tx)
            .await?; });
        Ok(())
    }

    /// Store an API token.
    pub async fn insert_token(&mut self, t: &TokenRecord) -> Result<(), Error> {
        on_tx!(self, tx => { sqlx::query(
            "INSERT INTO api_tokens (id, token_hash, role, facilities, label, created_at, expires_at, revoked_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(&t.id)
            .bind(&t.token_hash)
            .bind(&t.role)
            .bind(&t.facilities)
            .bind(&t.label)
            .bind(t.created_at)
            .bind(t.expires_at)
            .bind(t.revoked_at)
            .execute(&mut **tx)
            .await?; });
        Ok(())
    }

    /// Revoke an API token; false if there is no such (unrevoked) token.
    pub async fn revoke_token(&mut self, id: &str, now: i64) -> Result<bool, Error> {
        let n = on_tx!(self, tx => sqlx::query(
            "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(now)
            .execute(&mut **tx)
            .await?
            .rows_affected());
        Ok(n == 1)
    }

    /// How many tokens exist (revoked included).
    pub async fn token_count(&mut self) -> Result<i64, Error> {
        let (n,): (i64,) = on_tx!(self, tx => sqlx::query_as("SELECT COUNT(*) FROM api_tokens")
            .fetch_one(&mut **tx)
            .await?);
        Ok(n)
    }

    /// Store a signing key.
    pub async fn insert_key(&mut self, k: &KeyRecord) -> Result<(), Error> {
        on_tx!(self, tx => { sqlx::query(
            "INSERT INTO signing_keys (kid, seq, algorithm, public_key, encrypted_private_key, valid_from, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(&k.kid)
            .bind(k.seq)
            .bind(&k.algorithm)
            .bind(&k.public_key)
            .bind(&k.encrypted_private_key)
            .bind(k.valid_from)
            .bind(k.created_at)
            .execute(&mut **tx)
            .await?; });
        Ok(())
    }

    /// The highest key sequence number and its `valid_from`, if any key exists.
    pub async fn last_key(&mut self) -> Result<Option<(i64, i64)>, Error> {
        let row: Option<(i64, i64)> = on_tx!(self, tx => sqlx::query_as(
            "SELECT seq, valid_from FROM signing_keys ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut **tx)
            .await?);
        Ok(row)
    }

    /// The current programme version, inside this transaction.
    pub async fn latest_programme(&mut self) -> Result<Option<ProgrammeRecord>, Error> {
        let row = on_tx!(self, tx => sqlx::query_as::<_, ProgrammeRecord>(
            "SELECT version, document, source, file_hash, created_at FROM programme_versions \
             ORDER BY version DESC LIMIT 1")
            .fetch_optional(&mut **tx)
            .await?);
        Ok(row)
    }

    /// Store a new programme version.
    pub async fn insert_programme(
        &mut self,
        version: i64,
        document: &str,
        source: &str,
        file_hash: Option<&str>,
        actor: &str,
        now: i64,
    ) -> Result<(), Error> {
        on_tx!(self, tx => { sqlx::query(
            "INSERT INTO programme_versions (version, document, source, file_hash, actor, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(version)
            .bind(document)
            .bind(source)
            .bind(file_hash)
            .bind(actor)
            .bind(now)
            .execute(&mut **tx)
            .await?; });
        Ok(())
    }
}

// Submodules after the macros above, which they use.
mod bootstrap;
mod citizen;
mod outbox;
pub use outbox::{DeadEvent, OutboxBacklog};
