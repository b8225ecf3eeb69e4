//! Certificates: read by id, by codes, by search; written by certify
//! (one or many rows per statement) and by status changes.

use super::ROWS_PER_INSERT;
use super::records::*;
use std::collections::HashSet;

use super::{Store, Tx};
use crate::error::Error;

impl Store {
    /// One certificate by id.
    pub async fn certificate(&self, id: &str) -> Result<Option<CertificateRecord>, Error> {
        let sql = format!("SELECT {CERT_COLUMNS} FROM certificates WHERE id = $1");
        let row = on_pool!(self, p => sqlx::query_as::<_, CertificateRecord>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(p)
            .await?);
        Ok(row)
    }

    /// Every certificate of a programme for some pre-enrollment codes (all
    /// doses, corrections included), for idempotency and schedule checks.
    pub async fn certificates_for_codes(
        &self,
        programme: &str,
        codes: &[&str],
    ) -> Result<Vec<CertificateRecord>, Error> {
        let mut out = Vec::new();
        // Bounded IN lists: SQLite's default variable limit is 32,766, but
        // smaller statements cache better.
        for chunk in codes.chunks(500) {
            let placeholders: Vec<String> =
                (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "SELECT {CERT_COLUMNS} FROM certificates WHERE programme = $1 AND pre_enrollment_code IN ({})",
                placeholders.join(", ")
            );
            let rows = on_pool!(self, p => {
                let mut q = sqlx::query_as::<_, CertificateRecord>(sqlx::AssertSqlSafe(sql)).bind(programme);
                for code in chunk {
                    q = q.bind(*code);
                }
                q.fetch_all(p).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }

    /// Certificates by pre-enrollment code and/or recipient identity, newest first.
    pub async fn search(
        &self,
        pre_enrollment_code: Option<&str>,
        identity: Option<&str>,
        limit: i64,
    ) -> Result<Vec<CertificateRecord>, Error> {
        let sql = format!(
            "SELECT {CERT_COLUMNS} FROM certificates \
             WHERE ($1 IS NULL OR pre_enrollment_code = $1) AND ($2 IS NULL OR recipient_identity = $2) \
             ORDER BY issued_at DESC, id LIMIT $3"
        );
        let rows = on_pool!(self, p => sqlx::query_as::<_, CertificateRecord>(sqlx::AssertSqlSafe(sql))
            .bind(pre_enrollment_code)
            .bind(identity)
            .bind(limit)
            .fetch_all(p)
            .await?);
        Ok(rows)
    }
}

impl Tx {
    /// Insert a certificate unless its id or idempotency key exists; true if inserted.
    pub async fn insert_certificate(&mut self, c: &CertificateRecord) -> Result<bool, Error> {
        let result = on_tx!(self, tx => sqlx::query(
            "INSERT INTO certificates (id, programme, pre_enrollment_code, dose, facility_code, \
             recipient_identity, recipient_dob, recipient_phone, recipient_email, vaccination_date, issued_at, key_id, \
             status, status_reason, suspended_until, status_changed_at, replaces, replaced_by, \
             correction_count, document, status_list, status_index) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, \
             $21, $22) ON CONFLICT DO NOTHING")
            .bind(&c.id)
            .bind(&c.programme)
            .bind(&c.pre_enrollment_code)
            .bind(c.dose)
            .bind(&c.facility_code)
            .bind(&c.recipient_identity)
            .bind(&c.recipient_dob)
            .bind(&c.recipient_phone)
            .bind(&c.recipient_email)
            .bind(&c.vaccination_date)
            .bind(c.issued_at)
            .bind(&c.key_id)
            .bind(c.status.as_str())
            .bind(&c.status_reason)
            .bind(&c.suspended_until)
            .bind(c.status_changed_at)
            .bind(&c.replaces)
            .bind(&c.replaced_by)
            .bind(c.correction_count)
            .bind(&c.document)
            .bind(&c.status_list)
            .bind(c.status_index)
            .execute(&mut **tx)
            .await?
            .rows_affected());
        Ok(result == 1)
    }

    /// Insert certificates, skipping any whose id or idempotency key
    /// exists; returns the ids actually inserted.
    pub async fn insert_certificates(
        &mut self,
        certificates: &[&CertificateRecord],
    ) -> Result<HashSet<String>, Error> {
        let mut inserted = HashSet::with_capacity(certificates.len());
        for chunk in certificates.chunks(ROWS_PER_INSERT) {
            let ids: Vec<String> = on_tx!(self, tx => {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO certificates (id, programme, pre_enrollment_code, dose, facility_code, \
                     recipient_identity, recipient_dob, recipient_phone, recipient_email, vaccination_date, \
                     issued_at, key_id, status, status_reason, suspended_until, status_changed_at, replaces, \
                     replaced_by, correction_count, document, status_list, status_index) ",
                );
                q.push_values(chunk, |mut row, c| {
                    row.push_bind(c.id.as_str())
                        .push_bind(c.programme.as_str())
                        .push_bind(c.pre_enrollment_code.as_str())
                        .push_bind(c.dose)
                        .push_bind(c.facility_code.as_str())
                        .push_bind(c.recipient_identity.as_str())
                        .push_bind(c.recipient_dob.as_deref())
                        .push_bind(c.recipient_phone.as_deref())
                        .push_bind(c.recipient_email.as_deref())
                        .push_bind(c.vaccination_date.as_str())
                        .push_bind(c.issued_at)
                        .push_bind(c.key_id.as_str())
                        .push_bind(c.status.as_str())
                        .push_bind(c.status_reason.as_deref())
                        .push_bind(c.suspended_until.as_deref())
                        .push_bind(c.status_changed_at)
                        .push_bind(c.replaces.as_deref())
                        .push_bind(c.replaced_by.as_deref())
                        .push_bind(c.correction_count)
                        .push_bind(c.document.as_str())
                        .push_bind(c.status_list.as_deref())
                        .push_bind(c.status_index);
                });
                // Only the rows inserted come back: the others conflicted.
                q.push(" ON CONFLICT DO NOTHING RETURNING id");
                q.build_query_scalar().fetch_all(&mut **tx).await?
            });
            inserted.extend(ids);
        }
        Ok(inserted)
    }

    /// The original certificate for an idempotency key, inside this transaction.
    pub async fn certificate_by_key(
        &mut self,
        programme: &str,
        code: &str,
        dose: i64,
    ) -> Result<Option<CertificateRecord>, Error> {
        let sql = format!(
            "SELECT {CERT_COLUMNS} FROM certificates \
             WHERE programme = $1 AND pre_enrollment_code = $2 AND dose = $3 AND replaces IS NULL"
        );
        let row = on_tx!(self, tx => sqlx::query_as::<_, CertificateRecord>(sqlx::AssertSqlSafe(sql))
            .bind(programme)
            .bind(code)
            .bind(dose)
            .fetch_optional(&mut **tx)
            .await?);
        Ok(row)
    }

    /// A certificate, locked for update until the transaction ends.
    pub async fn certificate_for_update(
        &mut self,
        id: &str,
    ) -> Result<Option<CertificateRecord>, Error> {
        // SQLite's one writer already serializes write transactions;
        // PostgreSQL needs the row lock.
        let lock = match self {
            Self::Sqlite(_) => "",
            Self::Postgres(_) => " FOR UPDATE",
        };
        let sql = format!("SELECT {CERT_COLUMNS} FROM certificates WHERE id = $1{lock}");
        let row = on_tx!(self, tx => sqlx::query_as::<_, CertificateRecord>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?);
        Ok(row)
    }

    /// Change a certificate's status.
    pub async fn set_status(
        &mut self,
        id: &str,
        status: Status,
        reason: Option<&str>,
        suspended_until: Option<&str>,
        now: i64,
    ) -> Result<(), Error> {
        on_tx!(self, tx => { sqlx::query(
            "UPDATE certificates SET status = $2, status_reason = $3, suspended_until = $4, \
             status_changed_at = $5 WHERE id = $1")
            .bind(id)
            .bind(status.as_str())
            .bind(reason)
            .bind(suspended_until)
            .bind(now)
            .execute(&mut **tx)
            .await?; });
        Ok(())
    }

    /// Link a certificate to the one that corrected it.
    pub async fn set_replaced_by(&mut self, id: &str, replaced_by: &str) -> Result<(), Error> {
        on_tx!(self, tx => { sqlx::query("UPDATE certificates SET replaced_by = $2 WHERE id = $1")
            .bind(id)
            .bind(replaced_by)
            .execute(&mut **tx)
            .await?; });
        Ok(())
    }
}
