//! API tokens, signing keys and programme versions.

use super::records::*;
use super::{Store, Tx};
use crate::error::Error;

impl Store {
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
}

impl Tx {
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
