//! The rows the store reads and writes.

use serde::Serialize;
use utoipa::ToSchema;

use crate::error::Error;

/// Certificate status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Valid.
    Active,
    /// Temporarily not valid, until `suspended_until`.
    Suspended,
    /// Permanently not valid.
    Revoked,
}

impl Status {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Revoked => "revoked",
        }
    }
}

impl TryFrom<String> for Status {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        match s.as_str() {
            "active" => Ok(Self::Active),
            "suspended" => Ok(Self::Suspended),
            "revoked" => Ok(Self::Revoked),
            other => Err(Error::Corrupt(format!("certificate status {other:?}"))),
        }
    }
}

/// A stored certificate.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CertificateRecord {
    /// Certificate id.
    pub id: String,
    /// Programme id (idempotency namespace).
    pub programme: String,
    /// The recipient's pre-enrollment code.
    pub pre_enrollment_code: String,
    /// Dose number.
    pub dose: i64,
    /// Facility code.
    pub facility_code: String,
    /// The recipient's identity URI (for search).
    pub recipient_identity: String,
    /// Date of birth (`YYYY-MM-DD`), for citizen retrieval.
    pub recipient_dob: Option<String>,
    /// Phone digits, for citizen retrieval and notification webhooks.
    pub recipient_phone: Option<String>,
    /// E-mail address, for notification webhooks.
    pub recipient_email: Option<String>,
    /// When the dose was given, as the request said.
    pub vaccination_date: String,
    /// Issued at, Unix ms.
    pub issued_at: i64,
    /// The signing key's id.
    pub key_id: String,
    /// Status.
    #[sqlx(try_from = "String")]
    pub status: Status,
    /// Why revoked or suspended.
    pub status_reason: Option<String>,
    /// Suspended until (`YYYY-MM-DD` or RFC 3339).
    pub suspended_until: Option<String>,
    /// When the status last changed, Unix ms.
    pub status_changed_at: Option<i64>,
    /// The certificate this one corrects.
    pub replaces: Option<String>,
    /// The certificate that corrected this one.
    pub replaced_by: Option<String>,
    /// Corrections in this certificate's chain so far.
    pub correction_count: i64,
    /// The signed credential, JSON.
    pub document: String,
    /// Its W3C status list's URL (VC 2.0 profile; see `status`).
    pub status_list: Option<String>,
    /// Its index in that list.
    pub status_index: Option<i64>,
}

/// Columns of [`CertificateRecord`], in order.
pub(super) const CERT_COLUMNS: &str = "id, programme, pre_enrollment_code, dose, facility_code, recipient_identity, \
     recipient_dob, recipient_phone, recipient_email, vaccination_date, issued_at, key_id, status, status_reason, \
     suspended_until, status_changed_at, replaces, replaced_by, correction_count, document, \
     status_list, status_index";

/// A stored API token (its hash, never the token).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRecord {
    /// Public id (shown in audit logs).
    pub id: String,
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// Role name.
    pub role: String,
    /// Facility codes, JSON array (empty: all facilities, for non-certifiers).
    pub facilities: String,
    /// Label given at creation.
    pub label: String,
    /// Created, Unix ms.
    pub created_at: i64,
    /// Expires, Unix ms.
    pub expires_at: Option<i64>,
    /// Revoked, Unix ms.
    pub revoked_at: Option<i64>,
}

/// A stored signing key (private part encrypted).
#[derive(Clone, sqlx::FromRow)]
pub struct KeyRecord {
    /// Key id (fragment of the verification method).
    pub kid: String,
    /// Order of creation.
    pub seq: i64,
    /// `Ed25519`.
    pub algorithm: String,
    /// Public key, base58.
    pub public_key: String,
    /// `base64(nonce || ciphertext)` of the PKCS#8 private key.
    pub encrypted_private_key: String,
    /// Signs from this moment, Unix ms.
    pub valid_from: i64,
    /// Created, Unix ms.
    pub created_at: i64,
}

impl std::fmt::Debug for KeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRecord")
            .field("kid", &self.kid)
            .field("seq", &self.seq)
            .field("valid_from", &self.valid_from)
            .finish_non_exhaustive()
    }
}

/// One audit log entry.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct AuditRecord {
    /// Sequence number.
    pub id: i64,
    /// When, Unix ms.
    pub at: i64,
    /// Who: `token:<id>`, `oidc:<sub>`, `citizen`, `cli`, `config-file`.
    pub actor: String,
    /// What: `certify`, `correct`, `revoke`, `suspend`, `unsuspend`, ...
    pub action: String,
    /// The certificate (or token, key) concerned.
    pub subject: Option<String>,
    /// Details, JSON.
    pub details: String,
}

/// One outbox row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRecord {
    /// Sequence number (delivery order within a subject).
    pub id: i64,
    /// `registry` or `webhook:<name>`.
    pub target: String,
    /// Certificate id the event is about.
    pub subject: String,
    /// Event JSON.
    pub event: String,
    /// Failed attempts so far.
    pub attempts: i64,
    /// Not before, Unix ms.
    pub next_attempt_at: i64,
}

/// A stored programme version.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProgrammeRecord {
    /// Version, from 1.
    pub version: i64,
    /// Programme JSON.
    pub document: String,
    /// `file`, `demo` or `admin`.
    pub source: String,
    /// SHA-256 of the programme as last imported from a file.
    pub file_hash: Option<String>,
    /// Created, Unix ms.
    pub created_at: i64,
}

/// A certificate to insert.
#[derive(Debug, Clone)]
pub struct NewCertificate<'a> {
    /// The record; `status` is `Active`.
    pub record: &'a CertificateRecord,
}

/// An audit entry to append.
#[derive(Debug, Clone)]
pub struct NewAudit<'a> {
    /// When, Unix ms.
    pub at: i64,
    /// Who.
    pub actor: &'a str,
    /// What.
    pub action: &'a str,
    /// The certificate (or token, key) concerned.
    pub subject: Option<&'a str>,
    /// Details, JSON text.
    pub details: &'a str,
}

/// An outbox event to queue.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// `registry` or `webhook:<name>`.
    pub target: String,
    /// The certificate the event is about.
    pub subject: String,
    /// Event JSON text.
    pub event: String,
    /// Queued at (and first attempt at), Unix ms.
    pub at: i64,
}
