//! Failed citizen retrievals per pre-enrollment code and window (see
//! `crate::citizen_limits`): read before each attempt, written in batches.

use super::{Store, Tx};
use crate::error::Error;

/// Rows per multi-row upsert.
const ROWS_PER_UPSERT: usize = 200;

impl Store {
    /// Stored failures of a code in the windows starting at or after `since`.
    pub async fn citizen_failures(&self, code: &str, since: i64) -> Result<i64, Error> {
        let (n,): (i64,) = on_pool!(self, p => sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(failures), 0) AS BIGINT) FROM citizen_attempts WHERE code = $1 AND window_start >= $2")
            .bind(code)
            .bind(since)
            .fetch_one(p)
            .await?);
        Ok(n)
    }
}

impl Tx {
    /// Add failures: `(code, window_start, failures)`.
    pub async fn citizen_add_failures(&mut self, rows: &[(&str, i64, i64)]) -> Result<(), Error> {
        for chunk in rows.chunks(ROWS_PER_UPSERT) {
            on_tx!(self, tx => {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO citizen_attempts (code, window_start, failures) ",
                );
                q.push_values(chunk, |mut row, (code, window, n)| {
                    row.push_bind(*code).push_bind(*window).push_bind(*n);
                });
                q.push(
                    " ON CONFLICT (code, window_start) DO UPDATE \
                     SET failures = citizen_attempts.failures + excluded.failures",
                );
                q.build().execute(&mut **tx).await?;
            });
        }
        Ok(())
    }

    /// Forget windows that start before `before` (they no longer count).
    pub async fn citizen_prune(&mut self, before: i64) -> Result<(), Error> {
        on_tx!(self, tx => { sqlx::query("DELETE FROM citizen_attempts WHERE window_start < $1")
            .bind(before)
            .execute(&mut **tx)
            .await?; });
        Ok(())
    }
}
