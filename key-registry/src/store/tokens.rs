//! API tokens and anchor keys.

use super::{AnchorRecord, Store, TokenRecord, Tx};
use crate::error::Error;

const TOKEN_COLUMNS: &str =
    "id, token_hash, role, issuer_id, label, created_at, expires_at, revoked_at";
const ANCHOR_COLUMNS: &str =
    "seq, thumbprint, public_jwk, sealed_key, state, created_at, activated_at";

impl Store {
    /// A token by the hash of its secret.
    pub async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, Error> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1");
        let row = on_pool!(self, p => sqlx::query_as::<_, TokenRecord>(sqlx::AssertSqlSafe(sql))
            .bind(hash)
            .fetch_optional(p)
            .await?);
        Ok(row)
    }

    /// Every token (hashes included; callers do not expose them).
    pub async fn tokens(&self) -> Result<Vec<TokenRecord>, Error> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at, id");
        let rows = on_pool!(self, p => sqlx::query_as::<_, TokenRecord>(sqlx::AssertSqlSafe(sql))
            .fetch_all(p)
            .await?);
        Ok(rows)
    }

    /// Every anchor key, oldest first (from the writer: a key just made must
    /// be seen).
    pub async fn anchors(&self) -> Result<Vec<AnchorRecord>, Error> {
        let sql = format!("SELECT {ANCHOR_COLUMNS} FROM anchors ORDER BY seq");
        let rows = on_writer!(self, p => sqlx::query_as::<_, AnchorRecord>(sqlx::AssertSqlSafe(sql))
            .fetch_all(p)
            .await?);
        Ok(rows)
    }
}

impl Tx {
    /// Store an API token.
    pub async fn insert_token(&mut self, t: &TokenRecord) -> Result<(), Error> {
        on_tx!(self, tx => { sqlx::query(
            "INSERT INTO api_tokens (id, token_hash, role, issuer_id, label, created_at, expires_at, revoked_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(&t.id)
            .bind(&t.token_hash)
            .bind(&t.role)
            .bind(&t.issuer_id)
            .bind(&t.label)
            .bind(t.created_at)
            .bind(t.expires_at)
            .bind(t.revoked_at)
            .execute(&mut **tx)
            .await?; });
        Ok(())
    }

    /// Revoke a token; false if there is no such (unrevoked) token.
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

    /// How many tokens exist (revoked included).
    pub async fn token_count(&mut self) -> Result<i64, Error> {
        let (n,): (i64,) = on_tx!(self, tx => sqlx::query_as("SELECT COUNT(*) FROM api_tokens")
            .fetch_one(&mut **tx)
            .await?);
        Ok(n)
    }

    /// Every anchor key, inside this transaction.
    pub async fn anchors(&mut self) -> Result<Vec<AnchorRecord>, Error> {
        let sql = format!("SELECT {ANCHOR_COLUMNS} FROM anchors ORDER BY seq");
        let rows = on_tx!(self, tx => sqlx::query_as::<_, AnchorRecord>(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut **tx)
            .await?);
        Ok(rows)
    }

    /// Store an anchor key.
    pub async fn insert_anchor(&mut self, a: &AnchorRecord) -> Result<(), Error> {
        on_tx!(self, tx => { sqlx::query(
            "INSERT INTO anchors (seq, thumbprint, public_jwk, sealed_key, state, created_at, activated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(a.seq)
            .bind(&a.thumbprint)
            .bind(&a.public_jwk)
            .bind(&a.sealed_key)
            .bind(&a.state)
            .bind(a.created_at)
            .bind(a.activated_at)
            .execute(&mut **tx)
            .await?; });
        Ok(())
    }

    /// Change an anchor's state (and, for `active`, when it started).
    pub async fn set_anchor_state(
        &mut self,
        seq: i64,
        state: &str,
        activated_at: Option<i64>,
    ) -> Result<(), Error> {
        on_tx!(self, tx => { sqlx::query(
            "UPDATE anchors SET state = $2, activated_at = COALESCE($3, activated_at) WHERE seq = $1")
            .bind(seq)
            .bind(state)
            .bind(activated_at)
            .execute(&mut **tx)
            .await?; });
        Ok(())
    }
}
