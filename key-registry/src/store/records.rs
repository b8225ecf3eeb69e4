//! Rows as the store reads and writes them (times are Unix milliseconds).

use serde::Serialize;
use utoipa::ToSchema;

/// A stored API token (its hash, never the token).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRecord {
    /// Public id (audit logs name `token:<id>`).
    pub id: String,
    /// SHA-256 of the secret, hex.
    pub token_hash: String,
    /// `registry-admin` or `issuer`.
    pub role: String,
    /// For `issuer` tokens: the issuer's id.
    pub issuer_id: Option<String>,
    /// Label given at creation.
    pub label: String,
    /// Created.
    pub created_at: i64,
    /// Expires.
    pub expires_at: Option<i64>,
    /// Revoked.
    pub revoked_at: Option<i64>,
}

/// A stored anchor key (private part sealed).
#[derive(Clone, sqlx::FromRow)]
pub struct AnchorRecord {
    /// Creation order.
    pub seq: i64,
    /// RFC 7638 thumbprint of the public key.
    pub thumbprint: String,
    /// The public key, JWK text.
    pub public_jwk: String,
    /// `base64(nonce || ciphertext)` of the PKCS#8 PEM, bound to the thumbprint.
    pub sealed_key: String,
    /// `next`, `active` or `retired`.
    pub state: String,
    /// Created.
    pub created_at: i64,
    /// When it started signing.
    pub activated_at: Option<i64>,
}

impl std::fmt::Debug for AnchorRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnchorRecord")
            .field("seq", &self.seq)
            .field("thumbprint", &self.thumbprint)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// A registered issuer.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IssuerRecord {
    /// The id its credentials carry in `issuer`.
    pub id: String,
    /// URL-safe key (status-list URLs, admin paths).
    pub slug: String,
    /// The DID its keys and events name.
    pub did: Option<String>,
    /// Display name.
    pub name: String,
    /// ISO 3166 country code.
    pub country: String,
    /// Extra JSON-LD contexts, JSON array of `{url, document}`.
    pub contexts: String,
    /// Registered.
    pub created_at: i64,
    /// Last changed.
    pub updated_at: i64,
}

/// One of an issuer's keys.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyRecord {
    /// The issuer's id.
    pub issuer_id: String,
    /// The key id, exactly as credentials carry it in `verificationMethod`.
    pub kid: String,
    /// The public key, JWK text.
    pub public_jwk: String,
    /// First moment it may sign.
    pub valid_from: i64,
    /// Last moment it may sign.
    pub valid_until: Option<i64>,
    /// `active`, `retired` or `compromised`.
    pub status: String,
    /// Compromised from.
    pub compromised_at: Option<i64>,
    /// Added.
    pub created_at: i64,
    /// Last changed.
    pub updated_at: i64,
}

/// One published version of a list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListVersion {
    /// `trust`, `revocations` or `rules:<profile>`.
    pub list: String,
    /// The version.
    pub version: i64,
    /// `issuedAt`.
    pub issued_at: i64,
    /// `nextUpdate`.
    pub next_update: i64,
    /// Thumbprint of the anchor that signs it.
    pub anchor: String,
    /// The signed bytes (trust and rules lists).
    pub body: Option<Vec<u8>>,
}

/// A profile's rules as last published.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RulesRecord {
    /// The profile.
    pub profile: String,
    /// Its name for people.
    pub name: String,
    /// The rules, JSON array.
    pub rules: String,
    /// Last changed.
    pub updated_at: i64,
}

/// One revocation change (append-only history).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RevocationChange {
    /// Order.
    pub seq: i64,
    /// The revocation-list version it entered.
    pub version: i64,
    /// The issuer's id.
    pub issuer_id: String,
    /// `cover`, `revoke`, `suspend` or `unsuspend`.
    pub action: String,
    /// By certificate id.
    pub certificate_id: Option<String>,
    /// By status list URL ...
    pub status_list: Option<String>,
    /// ... and index.
    pub status_index: Option<i64>,
    /// End of a suspension.
    pub suspended_until: Option<i64>,
}

/// One audit log entry.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct AuditRecord {
    /// Sequence number.
    pub id: i64,
    /// When, Unix ms.
    pub at: i64,
    /// Who: `token:<id>`, `cli`, `system`, `issuer:<slug>`.
    pub actor: String,
    /// What: `issuer_registered`, `key_added`, `rules_published`, ...
    pub action: String,
    /// The issuer, key, profile or token concerned.
    pub subject: Option<String>,
    /// Details, JSON.
    pub details: String,
}
