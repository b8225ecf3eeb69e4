//! The status-list position counters (`status_list_counters`; see
//! `crate::status` for how positions become entries).

use super::{Error, Store, Tx};

impl Store {
    /// Reserve `count` consecutive positions on the status lists under
    /// `base`, in lists of `size` entries, in a transaction of its own
    /// (durable once this returns); the first position.
    ///
    /// When `size` differs from the size the counter last used, the
    /// counter first moves to the first list no earlier entry touched.
    pub async fn reserve_status_positions(
        &self,
        base: &str,
        size: i64,
        count: i64,
    ) -> Result<i64, Error> {
        if size <= 0 || count <= 0 {
            return Err(Error::Task(format!(
                "reserving {count} status-list positions in lists of {size}"
            )));
        }
        let mut tx = self.begin().await?;
        let first = tx.reserve_status_positions(base, size, count).await?;
        tx.commit().await?;
        Ok(first)
    }
}

impl Tx {
    /// See [`Store::reserve_status_positions`]; inside this transaction
    /// (on PostgreSQL the counter row stays locked until it ends).
    pub async fn reserve_status_positions(
        &mut self,
        base: &str,
        size: i64,
        count: i64,
    ) -> Result<i64, Error> {
        on_tx!(self, tx => { sqlx::query(
            "INSERT INTO status_list_counters (base, list_size, next_position) VALUES ($1, $2, 0) \
             ON CONFLICT (base) DO NOTHING")
            .bind(base)
            .bind(size)
            .execute(&mut **tx)
            .await?; });
        // Every SET expression reads the row as it was: `list_size` on the
        // right is the size the counter used so far.
        let next: i64 = on_tx!(self, tx => sqlx::query_scalar(
            "UPDATE status_list_counters SET \
               next_position = CASE WHEN list_size = $2 THEN next_position \
                 ELSE ((next_position + list_size - 1) / list_size) * $2 END + $3, \
               list_size = $2 \
             WHERE base = $1 RETURNING next_position")
            .bind(base)
            .bind(size)
            .bind(count)
            .fetch_one(&mut **tx)
            .await?);
        next.checked_sub(count)
            .filter(|first| *first >= 0)
            .ok_or_else(|| Error::Corrupt(format!("status-list counter of {base} at {next}")))
    }
}
