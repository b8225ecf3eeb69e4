//! Who may do what: bearer tokens (`hcrt_…`, made, hashed and checked by
//! `service_core::tokens`, as the issuer API does) with one of two roles:
//!
//! - `registry-admin`: issuers, keys, rules, the anchor, tokens;
//! - `issuer:<id>`: speaks for one issuer; may send its events (which its
//!   signature authenticates in any case) and read its own record.
//!
//! On first start a `registry-admin` token is written to
//! `<data-dir>/bootstrap-token` (0600) and announced once. It expires after
//! a day, and the first real `registry-admin` token revokes it (audited):
//! an operator exchanges it at once, and a copy left in a file or a
//! terminal's scrollback is dead from then on. Its label, `bootstrap`, is
//! reserved.

use std::path::Path;

use serde::Serialize;
use serde_json::json;
use service_core::tokens;
use utoipa::ToSchema;
use zeroize::Zeroizing;

use super::Registry;
use crate::error::{Error, ErrorCode};
use crate::store::TokenRecord;

/// Prefix of the registry's API tokens (recognisable by secret scanners).
pub const TOKEN_PREFIX: &str = "hcrt_";

/// The actor of what the registry does by itself (the bootstrap token).
const SYSTEM: &str = "system";

/// A caller's role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// Administers the registry.
    RegistryAdmin,
    /// Speaks for one issuer.
    Issuer {
        /// The issuer's id.
        issuer_id: String,
    },
}

impl Role {
    /// The role's name: `registry-admin` or `issuer:<id>`.
    pub fn name(&self) -> String {
        match self {
            Self::RegistryAdmin => "registry-admin".to_owned(),
            Self::Issuer { issuer_id } => format!("issuer:{issuer_id}"),
        }
    }
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    /// Who, for the audit log: `token:<id>`.
    pub actor: String,
    /// The role.
    pub role: Role,
}

impl Principal {
    /// Fail unless the caller is a registry admin.
    pub fn require_admin(&self) -> Result<(), Error> {
        match self.role {
            Role::RegistryAdmin => Ok(()),
            Role::Issuer { .. } => Err(Error::client(
                ErrorCode::Forbidden,
                "this needs the role registry-admin",
            )),
        }
    }

    /// Fail unless the caller is an admin or speaks for this issuer.
    pub fn require_admin_or_issuer(&self, issuer_id: &str) -> Result<(), Error> {
        match &self.role {
            Role::RegistryAdmin => Ok(()),
            Role::Issuer { issuer_id: own } if own == issuer_id => Ok(()),
            Role::Issuer { .. } => Err(Error::client(
                ErrorCode::Forbidden,
                "this needs the role registry-admin or this issuer's",
            )),
        }
    }
}

/// A token as listed (never the secret, never its hash).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenInfo {
    /// Token id (the audit log names `token:<id>`).
    pub id: String,
    /// `registry-admin` or `issuer:<issuer id>`.
    pub role: String,
    /// Label.
    pub label: String,
    /// Created (Unix ms).
    pub created_at: i64,
    /// Expires (Unix ms).
    pub expires_at: Option<i64>,
    /// Revoked (Unix ms).
    pub revoked_at: Option<i64>,
}

/// A new token: the secret is shown once.
#[derive(Serialize, ToSchema)]
pub struct NewToken {
    /// The token's listing.
    #[serde(flatten)]
    pub info: TokenInfo,
    /// The bearer token. Store it now: only its hash is kept.
    pub token: String,
}

impl std::fmt::Debug for NewToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewToken")
            .field("info", &self.info)
            .field("token", &"<redacted>")
            .finish()
    }
}

fn role_of(record: &TokenRecord) -> Result<Role, Error> {
    match (record.role.as_str(), &record.issuer_id) {
        ("registry-admin", None) => Ok(Role::RegistryAdmin),
        ("issuer", Some(issuer_id)) => Ok(Role::Issuer {
            issuer_id: issuer_id.clone(),
        }),
        _ => Err(Error::Corrupt(format!("token {} role", record.id))),
    }
}

fn info(record: &TokenRecord) -> Result<TokenInfo, Error> {
    Ok(TokenInfo {
        id: record.id.clone(),
        role: role_of(record)?.name(),
        label: record.label.clone(),
        created_at: record.created_at,
        expires_at: record.expires_at,
        revoked_at: record.revoked_at,
    })
}

impl Registry {
    /// Make a token. `issuer` (a slug) makes an `issuer:<id>` token, none a
    /// `registry-admin` one, which revokes the bootstrap token if it is
    /// still live (in the same transaction, audited).
    pub async fn create_token(
        &self,
        issuer: Option<&str>,
        label: &str,
        expires_at: Option<i64>,
        actor: &str,
    ) -> Result<NewToken, Error> {
        if !super::text::is_printable(label, 200, false) {
            return Err(Error::invalid(
                "label: at most 200 characters, no control characters",
            ));
        }
        if label == tokens::BOOTSTRAP_LABEL && actor != SYSTEM {
            return Err(Error::client(
                ErrorCode::ReservedLabel,
                "label: \"bootstrap\" is reserved for the bootstrap token",
            ));
        }
        let issuer_id = match issuer {
            Some(slug) => Some(
                self.store
                    .issuer_by_slug(slug)
                    .await?
                    .ok_or_else(|| Error::not_found("issuer", slug))?
                    .id,
            ),
            None => None,
        };
        let secret = tokens::new_secret(TOKEN_PREFIX)?;
        let now = self.now_ms();
        let record = TokenRecord {
            id: tokens::new_id()?,
            token_hash: tokens::hash(&secret),
            role: if issuer_id.is_some() {
                "issuer"
            } else {
                "registry-admin"
            }
            .to_owned(),
            issuer_id,
            label: label.to_owned(),
            created_at: now,
            expires_at,
            revoked_at: None,
        };
        let listed = info(&record)?;
        let mut tx = self.store.begin().await?;
        tx.insert_token(&record).await?;
        tx.audit(
            now,
            actor,
            "token_created",
            Some(&format!("token:{}", record.id)),
            &json!({ "role": listed.role, "label": label, "expires_at": expires_at }),
        )
        .await?;
        // The first real admin token replaces the bootstrap one.
        if record.issuer_id.is_none() && label != tokens::BOOTSTRAP_LABEL {
            for id in tx.revoke_bootstrap_tokens(now).await? {
                tx.audit(
                    now,
                    actor,
                    "token_revoked",
                    Some(&format!("token:{id}")),
                    &json!({
                        "reason": "bootstrap token replaced by a registry-admin token",
                        "by": format!("token:{}", record.id),
                    }),
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(NewToken {
            info: listed,
            token: secret.to_string(),
        })
    }

    /// Every token, as listed.
    pub async fn tokens(&self) -> Result<Vec<TokenInfo>, Error> {
        self.store.tokens().await?.iter().map(info).collect()
    }

    /// Revoke a token.
    pub async fn revoke_token(&self, id: &str, actor: &str) -> Result<(), Error> {
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        if !tx.revoke_token(id, now).await? {
            return Err(Error::not_found("token", id));
        }
        tx.audit(
            now,
            actor,
            "token_revoked",
            Some(&format!("token:{id}")),
            &json!({}),
        )
        .await?;
        tx.commit().await
    }

    /// On first start (no token at all), make a `registry-admin` token that
    /// expires in a day (and is revoked by the first other registry-admin
    /// token) and write it to `<data-dir>/bootstrap-token` (0600); returns
    /// it to announce once.
    pub async fn ensure_bootstrap_token(
        &self,
        data_dir: &Path,
    ) -> Result<Option<Zeroizing<String>>, Error> {
        let mut tx = self.store.begin().await?;
        let count = tx.token_count().await?;
        drop(tx);
        if count > 0 {
            return Ok(None);
        }
        let expires = self.now_ms().saturating_add(tokens::BOOTSTRAP_TOKEN_TTL_MS);
        let new = self
            .create_token(None, tokens::BOOTSTRAP_LABEL, Some(expires), SYSTEM)
            .await?;
        tokens::write_bootstrap_token(data_dir, &new.token)?;
        Ok(Some(Zeroizing::new(new.token)))
    }

    /// Authenticate an `Authorization` header value.
    pub async fn authenticate(&self, header: Option<&str>) -> Result<Principal, Error> {
        let unauthenticated = |m: &str| Error::client(ErrorCode::Unauthenticated, m);
        let token = tokens::bearer(header).map_err(|e| unauthenticated(e.message()))?;
        if !token.starts_with(TOKEN_PREFIX) {
            return Err(unauthenticated("unknown token"));
        }
        let record = self
            .store
            .token_by_hash(&tokens::hash(token))
            .await?
            .ok_or_else(|| unauthenticated("unknown token"))?;
        if record.revoked_at.is_some() {
            return Err(unauthenticated("token revoked"));
        }
        if record.expires_at.is_some_and(|at| at <= self.now_ms()) {
            return Err(unauthenticated("token expired"));
        }
        Ok(Principal {
            actor: format!("token:{}", record.id),
            role: role_of(&record)?,
        })
    }
}
