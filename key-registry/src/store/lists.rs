//! Published list versions and the rules behind the rules lists.

use super::{ListVersion, RulesRecord, Store, Tx};
use crate::error::Error;

const VERSION_COLUMNS: &str = "list, version, issued_at, next_update, anchor, body";

impl Store {
    /// Every list's head version.
    pub async fn heads(&self) -> Result<Vec<(String, i64)>, Error> {
        let rows = on_writer!(self, p => sqlx::query_as::<_, (String, i64)>(
            "SELECT list, version FROM list_heads ORDER BY list")
            .fetch_all(p)
            .await?);
        Ok(rows)
    }

    /// One version of a list.
    pub async fn list_version(
        &self,
        list: &str,
        version: i64,
    ) -> Result<Option<ListVersion>, Error> {
        let sql =
            format!("SELECT {VERSION_COLUMNS} FROM list_versions WHERE list = $1 AND version = $2");
        let row = on_writer!(self, p => sqlx::query_as::<_, ListVersion>(sqlx::AssertSqlSafe(sql))
            .bind(list)
            .bind(version)
            .fetch_optional(p)
            .await?);
        Ok(row)
    }

    /// Every profile's rules.
    pub async fn all_rules(&self) -> Result<Vec<RulesRecord>, Error> {
        let rows = on_writer!(self, p => sqlx::query_as::<_, RulesRecord>(
            "SELECT profile, name, rules, updated_at FROM rules ORDER BY profile")
            .fetch_all(p)
            .await?);
        Ok(rows)
    }
}

impl Tx {
    /// Bump a list's version: the next version, durable with the rest of
    /// this transaction. The row lock (PostgreSQL) or the single writer
    /// (SQLite) orders concurrent publishers.
    pub async fn bump(&mut self, list: &str) -> Result<i64, Error> {
        let bumped: Option<(i64,)> = on_tx!(self, tx => sqlx::query_as(
            "UPDATE list_heads SET version = version + 1 WHERE list = $1 RETURNING version")
            .bind(list)
            .fetch_optional(&mut **tx)
            .await?);
        if let Some((version,)) = bumped {
            return Ok(version);
        }
        // First version of this list. Two first publishers on PostgreSQL:
        // one insert wins, the other fails on the primary key and retries.
        on_tx!(self, tx => { sqlx::query("INSERT INTO list_heads (list, version) VALUES ($1, 1)")
            .bind(list)
            .execute(&mut **tx)
            .await?; });
        Ok(1)
    }

    /// A list's head version and that version's row, locked against
    /// concurrent publishers until this transaction ends.
    pub async fn head_for_update(&mut self, list: &str) -> Result<Option<ListVersion>, Error> {
        let lock = match self {
            Self::Sqlite(_) => "",
            Self::Postgres(_) => " FOR UPDATE",
        };
        let head: Option<(i64,)> = on_tx!(self, tx => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT version FROM list_heads WHERE list = $1{lock}")))
            .bind(list)
            .fetch_optional(&mut **tx)
            .await?);
        let Some((version,)) = head else {
            return Ok(None);
        };
        let sql =
            format!("SELECT {VERSION_COLUMNS} FROM list_versions WHERE list = $1 AND version = $2");
        let row = on_tx!(self, tx => sqlx::query_as::<_, ListVersion>(sqlx::AssertSqlSafe(sql))
            .bind(list)
            .bind(version)
            .fetch_optional(&mut **tx)
            .await?);
        Ok(row)
    }

    /// Record a published version.
    pub async fn insert_list_version(&mut self, v: &ListVersion) -> Result<(), Error> {
        on_tx!(self, tx => { sqlx::query(
            "INSERT INTO list_versions (list, version, issued_at, next_update, anchor, body) \
             VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&v.list)
            .bind(v.version)
            .bind(v.issued_at)
            .bind(v.next_update)
            .bind(&v.anchor)
            .bind(&v.body)
            .execute(&mut **tx)
            .await?; });
        Ok(())
    }

    /// Every list's head version, inside this transaction.
    pub async fn heads(&mut self) -> Result<Vec<(String, i64)>, Error> {
        let rows = on_tx!(self, tx => sqlx::query_as::<_, (String, i64)>(
            "SELECT list, version FROM list_heads ORDER BY list")
            .fetch_all(&mut **tx)
            .await?);
        Ok(rows)
    }

    /// One profile's rules, inside this transaction.
    pub async fn rules(&mut self, profile: &str) -> Result<Option<RulesRecord>, Error> {
        let row = on_tx!(self, tx => sqlx::query_as::<_, RulesRecord>(
            "SELECT profile, name, rules, updated_at FROM rules WHERE profile = $1")
            .bind(profile)
            .fetch_optional(&mut **tx)
            .await?);
        Ok(row)
    }

    /// Store a profile's rules (replacing what it had).
    pub async fn upsert_rules(&mut self, r: &RulesRecord) -> Result<(), Error> {
        on_tx!(self, tx => { sqlx::query(
            "INSERT INTO rules (profile, name, rules, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (profile) DO UPDATE SET name = excluded.name, rules = excluded.rules, \
             updated_at = excluded.updated_at")
            .bind(&r.profile)
            .bind(&r.name)
            .bind(&r.rules)
            .bind(r.updated_at)
            .execute(&mut **tx)
            .await?; });
        Ok(())
    }
}
