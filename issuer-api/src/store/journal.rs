//! The audit log and the outbox queue, written in the same transaction
//! as the change they record.

use super::ROWS_PER_INSERT;
use super::records::*;
use super::{Store, Tx};
use crate::error::Error;

impl Store {
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
}
