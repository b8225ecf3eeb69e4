//! Issuers and their keys.

use super::{IssuerRecord, KeyRecord, Store, Tx};
use crate::error::Error;

const ISSUER_COLUMNS: &str = "id, slug, did, name, country, contexts, created_at, updated_at";
const KEY_COLUMNS: &str = "issuer_id, kid, public_jwk, valid_from, valid_until, status, \
     compromised_at, created_at, updated_at";

impl Store {
    /// Every issuer, by id.
    pub async fn issuers(&self) -> Result<Vec<IssuerRecord>, Error> {
        let sql = format!("SELECT {ISSUER_COLUMNS} FROM issuers ORDER BY id");
        let rows = on_writer!(self, p => sqlx::query_as::<_, IssuerRecord>(sqlx::AssertSqlSafe(sql))
            .fetch_all(p)
            .await?);
        Ok(rows)
    }

    /// An issuer by slug.
    pub async fn issuer_by_slug(&self, slug: &str) -> Result<Option<IssuerRecord>, Error> {
        let sql = format!("SELECT {ISSUER_COLUMNS} FROM issuers WHERE slug = $1");
        let row = on_writer!(self, p => sqlx::query_as::<_, IssuerRecord>(sqlx::AssertSqlSafe(sql))
            .bind(slug)
            .fetch_optional(p)
            .await?);
        Ok(row)
    }

    /// An issuer by the id its credentials carry or the DID its events name.
    pub async fn issuer_by_id_or_did(&self, id: &str) -> Result<Option<IssuerRecord>, Error> {
        let sql = format!("SELECT {ISSUER_COLUMNS} FROM issuers WHERE id = $1 OR did = $1");
        let row = on_writer!(self, p => sqlx::query_as::<_, IssuerRecord>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(p)
            .await?);
        Ok(row)
    }

    /// One issuer's keys, oldest first.
    pub async fn keys_of(&self, issuer_id: &str) -> Result<Vec<KeyRecord>, Error> {
        let sql = format!(
            "SELECT {KEY_COLUMNS} FROM issuer_keys WHERE issuer_id = $1 ORDER BY created_at, kid"
        );
        let rows = on_writer!(self, p => sqlx::query_as::<_, KeyRecord>(sqlx::AssertSqlSafe(sql))
            .bind(issuer_id)
            .fetch_all(p)
            .await?);
        Ok(rows)
    }

    /// Every issuer holding a key with this id.
    pub async fn key_holders(&self, kid: &str) -> Result<Vec<KeyRecord>, Error> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM issuer_keys WHERE kid = $1");
        let rows = on_writer!(self, p => sqlx::query_as::<_, KeyRecord>(sqlx::AssertSqlSafe(sql))
            .bind(kid)
            .fetch_all(p)
            .await?);
        Ok(rows)
    }
}

impl Tx {
    /// Every issuer, inside this transaction.
    pub async fn issuers(&mut self) -> Result<Vec<IssuerRecord>, Error> {
        let sql = format!("SELECT {ISSUER_COLUMNS} FROM issuers ORDER BY id");
        let rows = on_tx!(self, tx => sqlx::query_as::<_, IssuerRecord>(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut **tx)
            .await?);
        Ok(rows)
    }

    /// Every key of every issuer, inside this transaction.
    pub async fn all_keys(&mut self) -> Result<Vec<KeyRecord>, Error> {
        let sql =
            format!("SELECT {KEY_COLUMNS} FROM issuer_keys ORDER BY issuer_id, created_at, kid");
        let rows = on_tx!(self, tx => sqlx::query_as::<_, KeyRecord>(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut **tx)
            .await?);
        Ok(rows)
    }

    /// One key of an issuer, locked for update on PostgreSQL.
    pub async fn key_for_update(
        &mut self,
        issuer_id: &str,
        kid: &str,
    ) -> Result<Option<KeyRecord>, Error> {
        let lock = match self {
            Self::Sqlite(_) => "",
            Self::Postgres(_) => " FOR UPDATE",
        };
        let sql = format!(
            "SELECT {KEY_COLUMNS} FROM issuer_keys WHERE issuer_id = $1 AND kid = $2{lock}"
        );
        let row = on_tx!(self, tx => sqlx::query_as::<_, KeyRecord>(sqlx::AssertSqlSafe(sql))
            .bind(issuer_id)
            .bind(kid)
            .fetch_optional(&mut **tx)
            .await?);
        Ok(row)
    }

    /// Register an issuer.
    pub async fn insert_issuer(&mut self, i: &IssuerRecord) -> Result<(), Error> {
        on_tx!(self, tx => { sqlx::query(
            "INSERT INTO issuers (id, slug, did, name, country, contexts, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(&i.id)
            .bind(&i.slug)
            .bind(&i.did)
            .bind(&i.name)
            .bind(&i.country)
            .bind(&i.contexts)
            .bind(i.created_at)
            .bind(i.updated_at)
            .execute(&mut **tx)
            .await?; });
        Ok(())
    }

    /// An issuer already registered under this id or DID (either way round).
    pub async fn issuer_clash(
        &mut self,
        id: &str,
        did: Option<&str>,
    ) -> Result<Option<IssuerRecord>, Error> {
        let sql = format!(
            "SELECT {ISSUER_COLUMNS} FROM issuers WHERE id = $1 OR did = $1 OR did = $2 OR id = $2 \
             LIMIT 1"
        );
        let row = on_tx!(self, tx => sqlx::query_as::<_, IssuerRecord>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(did)
            .fetch_optional(&mut **tx)
            .await?);
        Ok(row)
    }

    /// Whether a slug is taken.
    pub async fn slug_taken(&mut self, slug: &str) -> Result<bool, Error> {
        let row: Option<(String,)> = on_tx!(self, tx => sqlx::query_as(
            "SELECT id FROM issuers WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&mut **tx)
            .await?);
        Ok(row.is_some())
    }

    /// Add a key.
    pub async fn insert_key(&mut self, k: &KeyRecord) -> Result<(), Error> {
        on_tx!(self, tx => { sqlx::query(
            "INSERT INTO issuer_keys (issuer_id, kid, public_jwk, valid_from, valid_until, status, \
             compromised_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(&k.issuer_id)
            .bind(&k.kid)
            .bind(&k.public_jwk)
            .bind(k.valid_from)
            .bind(k.valid_until)
            .bind(&k.status)
            .bind(k.compromised_at)
            .bind(k.created_at)
            .bind(k.updated_at)
            .execute(&mut **tx)
            .await?; });
        Ok(())
    }

    /// Change a key's window and status.
    pub async fn update_key(&mut self, k: &KeyRecord) -> Result<(), Error> {
        on_tx!(self, tx => { sqlx::query(
            "UPDATE issuer_keys SET valid_until = $3, status = $4, compromised_at = $5, updated_at = $6 \
             WHERE issuer_id = $1 AND kid = $2")
            .bind(&k.issuer_id)
            .bind(&k.kid)
            .bind(k.valid_until)
            .bind(&k.status)
            .bind(k.compromised_at)
            .bind(k.updated_at)
            .execute(&mut **tx)
            .await?; });
        Ok(())
    }
}
