//! The bootstrap token's end: revoked when the first real admin token is made.

use super::Tx;
use crate::error::Error;

impl Tx {
    /// Revoke every unrevoked token labelled `bootstrap`; their ids.
    pub async fn revoke_bootstrap_tokens(&mut self, now: i64) -> Result<Vec<String>, Error> {
        let ids: Vec<(String,)> = on_tx!(self, tx => sqlx::query_as(
            "UPDATE api_tokens SET revoked_at = $2 WHERE label = $1 AND revoked_at IS NULL RETURNING id")
            .bind(service_core::tokens::BOOTSTRAP_LABEL)
            .bind(now)
            .fetch_all(&mut **tx)
            .await?);
        Ok(ids.into_iter().map(|(id,)| id).collect())
    }
}
