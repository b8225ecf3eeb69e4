//! The outbox table: the delivery window, acknowledgements, failures and
//! dead letters (see `crate::outbox` for the delivery rules).
//!
//! A row is *pending* while `delivered_at` and `dead_at` are both NULL,
//! *delivered* once `delivered_at` is set, *dead* once `dead_at` is set
//! (kept, never deleted, until an admin retries it). A dead row still
//! counts as undelivered for the ordering rule, so later events about the
//! same certificate for the same target are *held* behind it.

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{OutboxRecord, Store, Tx};
use crate::error::Error;

/// Undelivered outbox rows per target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxBacklog {
    /// Pending rows (held ones included) per target, targets with none left out.
    pub pending: Vec<(String, i64)>,
    /// Dead rows per target, targets with none left out.
    pub dead: Vec<(String, i64)>,
}

/// A dead outbox event, as the admin endpoint lists it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct DeadEvent {
    /// Outbox sequence number: what `POST /v1/admin/outbox/dead/{id}/retry` takes.
    pub id: i64,
    /// `registry` or `webhook:<name>`.
    pub target: String,
    /// The certificate the event is about.
    pub certificate_id: String,
    /// What the event says: its kind for webhooks (`issued`, `revoked`,
    /// ...), the status it announces for the registry (`revoked`,
    /// `suspended`, `active`).
    #[sqlx(skip)]
    pub event: String,
    /// The stored event JSON (read to fill `event`, not listed).
    #[serde(skip)]
    pub body: String,
    /// Failed attempts.
    pub attempts: i64,
    /// The last failure.
    pub last_error: Option<String>,
    /// Queued at, Unix ms.
    pub created_at: i64,
    /// Dead since, Unix ms.
    pub dead_at: i64,
    /// Later events about the same certificate for the same target, held
    /// behind this one (delivered, in order, once it is retried and goes).
    pub held: i64,
}

impl Store {
    /// Targets with pending outbox rows.
    pub async fn outbox_targets(&self) -> Result<Vec<String>, Error> {
        let rows: Vec<(String,)> = on_writer!(self, p => sqlx::query_as(
            "SELECT DISTINCT target FROM outbox WHERE delivered_at IS NULL AND dead_at IS NULL")
            .fetch_all(p)
            .await?);
        Ok(rows.into_iter().map(|(t,)| t).collect())
    }

    /// The oldest pending rows of a target that may go now: due
    /// (`next_attempt_at <= now`) and the oldest undelivered event of their
    /// certificate for this target (an earlier pending, failing or dead
    /// event holds them back). Rows waiting for a retry are not in the
    /// window, so failing events never crowd out later ones.
    pub async fn outbox_window(
        &self,
        target: &str,
        now: i64,
        limit: i64,
    ) -> Result<Vec<OutboxRecord>, Error> {
        let rows = on_writer!(self, p => sqlx::query_as::<_, OutboxRecord>(
            "SELECT id, target, subject, event, attempts, next_attempt_at FROM outbox o \
             WHERE target = $1 AND delivered_at IS NULL AND dead_at IS NULL AND next_attempt_at <= $2 \
             AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.target = o.target AND e.subject = o.subject \
                             AND e.delivered_at IS NULL AND e.id < o.id) \
             ORDER BY id LIMIT $3")
            .bind(target)
            .bind(now)
            .bind(limit)
            .fetch_all(p)
            .await?);
        Ok(rows)
    }

    /// Record a successful delivery.
    pub async fn outbox_delivered(&self, id: i64, now: i64) -> Result<(), Error> {
        on_writer!(self, p => { sqlx::query("UPDATE outbox SET delivered_at = $2, last_error = NULL WHERE id = $1")
            .bind(id)
            .bind(now)
            .execute(p)
            .await?; });
        Ok(())
    }

    /// Record a failed delivery and when to try again.
    pub async fn outbox_failed(
        &self,
        id: i64,
        attempts: i64,
        next_attempt_at: i64,
        error: &str,
    ) -> Result<(), Error> {
        on_writer!(self, p => { sqlx::query(
            "UPDATE outbox SET attempts = $2, next_attempt_at = $3, last_error = $4 WHERE id = $1")
            .bind(id)
            .bind(attempts)
            .bind(next_attempt_at)
            .bind(error)
            .execute(p)
            .await?; });
        Ok(())
    }

    /// Move a row to the dead letters, audited (actor `system`). False if
    /// it was delivered or dead already (another instance got there first).
    pub async fn outbox_dead(
        &self,
        row: &OutboxRecord,
        attempts: i64,
        error: &str,
        now: i64,
    ) -> Result<bool, Error> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE outbox SET dead_at = $2, attempts = $3, last_error = $4 \
             WHERE id = $1 AND delivered_at IS NULL AND dead_at IS NULL")
            .bind(row.id)
            .bind(now)
            .bind(attempts)
            .bind(error)
            .execute(&mut **c)
            .await?
            .rows_affected());
        if n == 0 {
            return Ok(false);
        }
        tx.audit(
            now,
            "system",
            "outbox_dead",
            Some(&row.subject),
            &json!({ "outbox_id": row.id, "target": row.target, "attempts": attempts, "error": error }),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Dead rows after a sequence number, oldest first.
    pub async fn outbox_dead_list(&self, after: i64, limit: i64) -> Result<Vec<DeadEvent>, Error> {
        let mut rows = on_pool!(self, p => sqlx::query_as::<_, DeadEvent>(
            "SELECT o.id, o.target, o.subject AS certificate_id, o.event AS body, o.attempts, o.last_error, \
             o.created_at, o.dead_at, \
             (SELECT COUNT(*) FROM outbox h WHERE h.target = o.target AND h.subject = o.subject \
              AND h.delivered_at IS NULL AND h.dead_at IS NULL AND h.id > o.id) AS held \
             FROM outbox o WHERE o.dead_at IS NOT NULL AND o.id > $1 ORDER BY o.id LIMIT $2")
            .bind(after)
            .bind(limit)
            .fetch_all(p)
            .await?);
        for row in &mut rows {
            row.event = serde_json::from_str::<serde_json::Value>(&row.body)
                .ok()
                .and_then(|v| {
                    let said = v.get("event").or_else(|| v.get("status"))?;
                    said.as_str().map(str::to_owned)
                })
                .unwrap_or_default();
        }
        Ok(rows)
    }

    /// Retry a dead row: it and every other dead row about the same
    /// certificate for the same target become pending again (attempts from
    /// zero, due now), so they go in their original order. Audited. `None`
    /// if `id` is not a dead row; else the target, the certificate and how
    /// many rows were revived.
    pub async fn outbox_retry_dead(
        &self,
        id: i64,
        actor: &str,
        now: i64,
    ) -> Result<Option<(String, String, u64)>, Error> {
        let mut tx = self.begin().await?;
        let lock = match &tx {
            Tx::Sqlite(_) => "",
            Tx::Postgres(_) => " FOR UPDATE",
        };
        let sql = format!(
            "SELECT target, subject FROM outbox WHERE id = $1 AND delivered_at IS NULL AND dead_at IS NOT NULL{lock}"
        );
        let found: Option<(String, String)> = on_tx!(&mut tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut **c)
            .await?);
        let Some((target, subject)) = found else {
            return Ok(None);
        };
        let revived = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE outbox SET dead_at = NULL, attempts = 0, next_attempt_at = $3 \
             WHERE target = $1 AND subject = $2 AND delivered_at IS NULL AND dead_at IS NOT NULL")
            .bind(&target)
            .bind(&subject)
            .bind(now)
            .execute(&mut **c)
            .await?
            .rows_affected());
        tx.audit(
            now,
            actor,
            "outbox_retry",
            Some(&subject),
            &json!({ "outbox_id": id, "target": target, "revived": revived }),
        )
        .await?;
        tx.commit().await?;
        Ok(Some((target, subject, revived)))
    }

    /// Undelivered outbox rows per target: pending and dead.
    pub async fn outbox_backlog(&self) -> Result<OutboxBacklog, Error> {
        let rows: Vec<(String, i64, i64)> = on_pool!(self, p => sqlx::query_as(
            "SELECT target, \
             COALESCE(SUM(CASE WHEN dead_at IS NULL THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN dead_at IS NULL THEN 0 ELSE 1 END), 0) \
             FROM outbox WHERE delivered_at IS NULL GROUP BY target ORDER BY target")
            .fetch_all(p)
            .await?);
        let mut backlog = OutboxBacklog::default();
        for (target, pending, dead) in rows {
            if pending > 0 {
                backlog.pending.push((target.clone(), pending));
            }
            if dead > 0 {
                backlog.dead.push((target, dead));
            }
        }
        Ok(backlog)
    }
}
