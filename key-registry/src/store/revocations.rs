//! The revocation history and the issuer events seen.

use super::{RevocationChange, Store, Tx};
use crate::error::Error;

const CHANGE_COLUMNS: &str = "seq, version, issuer_id, action, certificate_id, status_list, \
     status_index, suspended_until";

/// A change to record.
#[derive(Debug, Clone)]
pub struct NewChange<'a> {
    /// The revocation-list version it enters.
    pub version: i64,
    /// The issuer.
    pub issuer_id: &'a str,
    /// `cover`, `revoke`, `suspend`, `unsuspend`.
    pub action: &'a str,
    /// By certificate id ...
    pub certificate_id: Option<&'a str>,
    /// ... or by status list and index.
    pub status_list: Option<&'a str>,
    /// The index.
    pub status_index: Option<i64>,
    /// End of a suspension.
    pub suspended_until: Option<i64>,
    /// The issuer event it came from.
    pub event_id: Option<&'a str>,
    /// When it took effect.
    pub at: i64,
}

impl Store {
    /// The changes in versions `(after, upto]`, in order.
    pub async fn revocation_changes(
        &self,
        after: i64,
        upto: i64,
    ) -> Result<Vec<RevocationChange>, Error> {
        let sql = format!(
            "SELECT {CHANGE_COLUMNS} FROM revocation_changes WHERE version > $1 AND version <= $2 \
             ORDER BY seq"
        );
        let rows = on_writer!(self, p => sqlx::query_as::<_, RevocationChange>(sqlx::AssertSqlSafe(sql))
            .bind(after)
            .bind(upto)
            .fetch_all(p)
            .await?);
        Ok(rows)
    }

    /// The revoked indices of one status list, up to a version.
    pub async fn revoked_indices(
        &self,
        issuer_id: &str,
        status_list: &str,
        upto: i64,
    ) -> Result<Vec<i64>, Error> {
        let rows: Vec<(i64,)> = on_writer!(self, p => sqlx::query_as(
            "SELECT status_index FROM revocation_changes WHERE issuer_id = $1 AND status_list = $2 \
             AND action = 'revoke' AND version <= $3 AND status_index IS NOT NULL")
            .bind(issuer_id)
            .bind(status_list)
            .bind(upto)
            .fetch_all(p)
            .await?);
        Ok(rows.into_iter().map(|(i,)| i).collect())
    }
}

impl Tx {
    /// Append a change.
    pub async fn insert_change(&mut self, c: &NewChange<'_>) -> Result<(), Error> {
        on_tx!(self, tx => { sqlx::query(
            "INSERT INTO revocation_changes (version, issuer_id, action, certificate_id, status_list, \
             status_index, suspended_until, event_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(c.version)
            .bind(c.issuer_id)
            .bind(c.action)
            .bind(c.certificate_id)
            .bind(c.status_list)
            .bind(c.status_index)
            .bind(c.suspended_until)
            .bind(c.event_id)
            .bind(c.at)
            .execute(&mut **tx)
            .await?; });
        Ok(())
    }

    /// The latest change about one certificate (by id, or by status entry),
    /// other than `cover`.
    pub async fn last_change(
        &mut self,
        issuer_id: &str,
        certificate_id: Option<&str>,
        status: Option<(&str, i64)>,
    ) -> Result<Option<RevocationChange>, Error> {
        let (list, index) = status.map_or((None, None), |(l, i)| (Some(l), Some(i)));
        let sql = format!(
            "SELECT {CHANGE_COLUMNS} FROM revocation_changes WHERE issuer_id = $1 AND action <> 'cover' \
             AND (($2 IS NOT NULL AND certificate_id = $2) OR ($3 IS NOT NULL AND status_list = $3 AND status_index = $4)) \
             ORDER BY seq DESC LIMIT 1"
        );
        let row = on_tx!(self, tx => sqlx::query_as::<_, RevocationChange>(sqlx::AssertSqlSafe(sql))
            .bind(issuer_id)
            .bind(certificate_id)
            .bind(list)
            .bind(index)
            .fetch_optional(&mut **tx)
            .await?);
        Ok(row)
    }

    /// Record an issuer event as seen; false if it was seen before (then
    /// nothing is recorded: the outbox delivered it again).
    pub async fn record_event(
        &mut self,
        event_id: &str,
        issuer_id: &str,
        now: i64,
        outcome: &str,
        version: i64,
    ) -> Result<bool, Error> {
        let n = on_tx!(self, tx => sqlx::query(
            "INSERT INTO ingested_events (event_id, issuer_id, received_at, outcome, version) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING")
            .bind(event_id)
            .bind(issuer_id)
            .bind(now)
            .bind(outcome)
            .bind(version)
            .execute(&mut **tx)
            .await?
            .rows_affected());
        Ok(n == 1)
    }

    /// A seen event's outcome and version.
    pub async fn seen_event(
        &mut self,
        event_id: &str,
    ) -> Result<Option<(String, String, i64)>, Error> {
        let row = on_tx!(self, tx => sqlx::query_as::<_, (String, String, i64)>(
            "SELECT issuer_id, outcome, version FROM ingested_events WHERE event_id = $1")
            .bind(event_id)
            .fetch_optional(&mut **tx)
            .await?);
        Ok(row)
    }
}
