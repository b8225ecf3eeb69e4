//! Who is calling: bearer API tokens with roles (stored hashed), or OIDC
//! JWTs checked against a JWKS with roles from a claim.
//!
//! Roles:
//! - `certifier`: certifies, reads and corrects certificates of the
//!   facilities in its scope;
//! - `issuer-admin`: everything, for every facility (revoke, suspend,
//!   programme, keys, tokens);
//! - `auditor`: reads certificates and the audit log, changes nothing.
//!
//! Tokens are `hcit_` and 256 random bits. Only their SHA-256 is stored
//! (`service_core::tokens`, shared with the key registry): a fast hash is
//! enough because the secret has full entropy (slow KDFs exist to protect
//! low-entropy passwords), and it keeps authentication to one indexed
//! lookup.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use service_core::tokens;
use tokio::sync::RwLock;
use utoipa::ToSchema;
use zeroize::Zeroizing;

use crate::clock::Clock;
use crate::config::OidcSettings;
use crate::error::{Error, ErrorCode};
use crate::store::{Store, TokenRecord};

/// Prefix of API tokens, so leaked tokens are recognisable by scanners.
const TOKEN_PREFIX: &str = "hcit_";

/// A role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
pub enum Role {
    /// Certifies for the facilities in its scope.
    #[serde(rename = "certifier")]
    Certifier,
    /// Administers the issuer.
    #[serde(rename = "issuer-admin")]
    IssuerAdmin,
    /// Reads everything, changes nothing.
    #[serde(rename = "auditor")]
    Auditor,
}

impl Role {
    /// The role's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Certifier => "certifier",
            Self::IssuerAdmin => "issuer-admin",
            Self::Auditor => "auditor",
        }
    }

    /// Parse a role name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "certifier" => Some(Self::Certifier),
            "issuer-admin" => Some(Self::IssuerAdmin),
            "auditor" => Some(Self::Auditor),
            _ => None,
        }
    }
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    /// Who, for the audit log: `token:<id>` or `oidc:<sub>`.
    pub actor: String,
    /// Roles held.
    pub roles: BTreeSet<Role>,
    /// Facility codes a certifier may act for.
    pub facilities: BTreeSet<String>,
}

impl Principal {
    /// Whether the caller holds a role.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Fail unless the caller holds one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), Error> {
        tokens::require(self.roles.iter().copied(), roles).map_err(Error::Forbidden)
    }

    /// May certify (or correct) at a facility: admins anywhere, certifiers in scope.
    pub fn may_certify_at(&self, facility: &str) -> bool {
        self.has(Role::IssuerAdmin)
            || (self.has(Role::Certifier) && self.facilities.contains(facility))
    }

    /// May read a certificate issued at a facility.
    pub fn may_read(&self, facility: &str) -> bool {
        self.has(Role::IssuerAdmin) || self.has(Role::Auditor) || self.may_certify_at(facility)
    }

    /// Fail unless the caller may read a certificate of this facility. The
    /// answer is "not found", so a certifier cannot probe other facilities' ids.
    pub fn require_read(&self, facility: &str, id: &str) -> Result<(), Error> {
        if self.may_read(facility) {
            Ok(())
        } else {
            Err(Error::not_found("certificate", id))
        }
    }
}

impl tokens::Role for Role {
    fn name(self) -> String {
        self.as_str().to_owned()
    }
}

/// SHA-256 of a token, hex.
fn token_hash(token: &str) -> String {
    tokens::hash(token)
}

/// A token as listed (never the secret, never the hash).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenInfo {
    /// Token id (appears in the audit log as `token:<id>`).
    pub id: String,
    /// Role.
    pub role: Role,
    /// Facility scope (certifiers).
    pub facilities: Vec<String>,
    /// Label.
    pub label: String,
    /// Created (Unix ms).
    pub created_at: i64,
    /// Expires (Unix ms).
    pub expires_at: Option<i64>,
    /// Revoked (Unix ms).
    pub revoked_at: Option<i64>,
}

impl TokenInfo {
    fn from_record(r: &TokenRecord) -> Result<Self, Error> {
        Ok(Self {
            id: r.id.clone(),
            role: Role::parse(&r.role)
                .ok_or_else(|| Error::Corrupt(format!("token {} role {}", r.id, r.role)))?,
            facilities: serde_json::from_str(&r.facilities)
                .map_err(|_| Error::Corrupt(format!("token {} facilities", r.id)))?,
            label: r.label.clone(),
            created_at: r.created_at,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
        })
    }
}

/// A newly created token: the secret is shown once.
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

/// Create an API token. A certifier needs at least one facility; other
/// roles are not scoped.
pub async fn create_token(
    store: &Store,
    role: Role,
    facilities: &[String],
    label: &str,
    expires_at: Option<i64>,
    actor: &str,
    now: i64,
) -> Result<NewToken, Error> {
    if role == Role::Certifier && facilities.is_empty() {
        return Err(Error::client(
            ErrorCode::FacilityScopeRequired,
            "a certifier token needs at least one facility code",
        ));
    }
    if label == tokens::BOOTSTRAP_LABEL && actor != "system" {
        return Err(Error::client(
            ErrorCode::ReservedLabel,
            "the label \"bootstrap\" is reserved for the bootstrap token",
        ));
    }
    if role != Role::Certifier && !facilities.is_empty() {
        return Err(Error::client(
            ErrorCode::FacilityScopeNotApplicable,
            format!("{} tokens are not scoped to facilities", role.as_str()),
        ));
    }
    let secret = tokens::new_secret(TOKEN_PREFIX)?;
    let record = TokenRecord {
        id: tokens::new_id()?,
        token_hash: token_hash(&secret),
        role: role.as_str().to_owned(),
        facilities: serde_json::to_string(facilities).map_err(|e| Error::Corrupt(e.to_string()))?,
        label: label.to_owned(),
        created_at: now,
        expires_at,
        revoked_at: None,
    };
    let mut tx = store.begin().await?;
    tx.insert_token(&record).await?;
    tx.audit(
        now,
        actor,
        "token_created",
        Some(&record.id),
        &json!({ "role": role.as_str(), "facilities": facilities, "label": label, "expires_at": expires_at }),
    )
    .await?;
    // The first real admin token replaces the bootstrap one.
    if role == Role::IssuerAdmin && label != tokens::BOOTSTRAP_LABEL {
        for id in tx.revoke_bootstrap_tokens(now).await? {
            tx.audit(
                now,
                actor,
                "token_revoked",
                Some(&id),
                &json!({ "reason": "bootstrap token replaced by an issuer-admin token", "by": record.id }),
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(NewToken {
        info: TokenInfo::from_record(&record)?,
        token: secret.to_string(),
    })
}

/// Every token, as listed.
pub async fn list_tokens(store: &Store) -> Result<Vec<TokenInfo>, Error> {
    store
        .tokens()
        .await?
        .iter()
        .map(TokenInfo::from_record)
        .collect()
}

/// Revoke a token.
pub async fn revoke_token(store: &Store, id: &str, actor: &str, now: i64) -> Result<(), Error> {
    let mut tx = store.begin().await?;
    if !tx.revoke_token(id, now).await? {
        return Err(Error::not_found("token", id));
    }
    tx.audit(now, actor, "token_revoked", Some(id), &json!({}))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// On first start (no token exists), create an `issuer-admin` token that
/// expires after `ttl_ms` (and is revoked when the first other
/// issuer-admin token is made) and write it to `<data-dir>/bootstrap-token`
/// (0600). Returns it, to announce once.
pub async fn ensure_bootstrap_token(
    store: &Store,
    data_dir: &Path,
    ttl_ms: i64,
    now: i64,
) -> Result<Option<Zeroizing<String>>, Error> {
    let mut tx = store.begin().await?;
    let count = tx.token_count().await?;
    drop(tx);
    if count > 0 {
        return Ok(None);
    }
    let new = create_token(
        store,
        Role::IssuerAdmin,
        &[],
        tokens::BOOTSTRAP_LABEL,
        Some(now.saturating_add(ttl_ms)),
        "system",
        now,
    )
    .await?;
    // A stale file from an earlier database would hold a dead token: replaced.
    tokens::write_bootstrap_token(data_dir, &new.token)?;
    Ok(Some(Zeroizing::new(new.token)))
}

/// Verifies bearer credentials.
#[derive(Debug)]
pub struct Authenticator {
    store: Store,
    oidc: Option<Oidc>,
    clock: Arc<dyn Clock>,
}

impl Authenticator {
    /// An authenticator over the token store and, optionally, OIDC; API
    /// tokens expire by `clock` (OIDC tokens by the system clock, as their
    /// issuer dates them).
    pub async fn new(
        store: Store,
        oidc: Option<&OidcSettings>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, Error> {
        let oidc = match oidc {
            Some(settings) => Some(Oidc::new(settings.clone()).await?),
            None => None,
        };
        Ok(Self { store, oidc, clock })
    }

    /// Authenticate an `Authorization` header value.
    pub async fn authenticate(&self, header: Option<&str>) -> Result<Principal, Error> {
        let token = tokens::bearer(header).map_err(|e| Error::Unauthenticated(e.message()))?;
        if token.starts_with(TOKEN_PREFIX) {
            return self.api_token(token).await;
        }
        match &self.oidc {
            Some(oidc) if token.split('.').count() == 3 => oidc.authenticate(token).await,
            _ => Err(Error::Unauthenticated("unknown token")),
        }
    }

    async fn api_token(&self, token: &str) -> Result<Principal, Error> {
        let record = self
            .store
            .token_by_hash(&token_hash(token))
            .await?
            .ok_or(Error::Unauthenticated("unknown token"))?;
        if record.revoked_at.is_some() {
            return Err(Error::Unauthenticated("token revoked"));
        }
        if record
            .expires_at
            .is_some_and(|at| at <= self.clock.now_ms())
        {
            return Err(Error::Unauthenticated("token expired"));
        }
        let info = TokenInfo::from_record(&record)?;
        Ok(Principal {
            actor: format!("token:{}", info.id),
            roles: BTreeSet::from([info.role]),
            facilities: info.facilities.into_iter().collect(),
        })
    }
}

/// OIDC JWT validation against a JWKS.
#[derive(Debug)]
struct Oidc {
    settings: OidcSettings,
    jwks: RwLock<(Arc<JwkSet>, Option<Instant>)>,
    client: Option<reqwest::Client>,
}

/// How often the JWKS is refreshed from its URL.
const JWKS_MAX_AGE: Duration = Duration::from_secs(600);
/// Soonest refetch after an unknown `kid` (key rotation at the provider).
const JWKS_MIN_REFRESH: Duration = Duration::from_secs(30);

impl Oidc {
    async fn new(settings: OidcSettings) -> Result<Self, Error> {
        let (jwks, client) = match (&settings.jwks_file, &settings.jwks_url) {
            (Some(file), _) => {
                let text = std::fs::read_to_string(file)?;
                let set: JwkSet = serde_json::from_str(&text)
                    .map_err(|e| Error::Config(format!("JWKS file {}: {e}", file.display())))?;
                (set, None)
            }
            (None, Some(_)) => (
                JwkSet { keys: Vec::new() },
                Some(crate::outbox::http_client(10_000)?),
            ),
            (None, None) => {
                return Err(Error::Config(
                    "auth.oidc needs jwks_url or jwks_file".into(),
                ));
            }
        };
        let oidc = Self {
            settings,
            jwks: RwLock::new((Arc::new(jwks), None)),
            client,
        };
        if oidc.client.is_some()
            && let Err(e) = oidc.refresh().await
        {
            // Start anyway: API tokens still work, and the next JWT retries.
            tracing::warn!(error = %e, "could not fetch the OIDC JWKS; will retry");
        }
        Ok(oidc)
    }

    async fn refresh(&self) -> Result<(), Error> {
        let (Some(client), Some(url)) = (&self.client, &self.settings.jwks_url) else {
            return Ok(());
        };
        let set: JwkSet = client
            .get(url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| Error::Config(format!("JWKS fetch: {e}")))?
            .json()
            .await
            .map_err(|e| Error::Config(format!("JWKS parse: {e}")))?;
        *self.jwks.write().await = (Arc::new(set), Some(Instant::now()));
        Ok(())
    }

    async fn keys(&self, kid: Option<&str>) -> Arc<JwkSet> {
        let (set, fetched) = self.jwks.read().await.clone();
        let known = match kid {
            Some(kid) => set.find(kid).is_some(),
            None => !set.keys.is_empty(),
        };
        let age = fetched.map(|t| t.elapsed());
        let stale = age.is_none_or(|a| a > JWKS_MAX_AGE);
        let may_refetch = age.is_none_or(|a| a > JWKS_MIN_REFRESH);
        if self.client.is_some() && (stale || (!known && may_refetch)) {
            if let Err(e) = self.refresh().await {
                tracing::warn!(error = %e, "JWKS refresh failed");
            }
            return self.jwks.read().await.0.clone();
        }
        set
    }

    async fn authenticate(&self, token: &str) -> Result<Principal, Error> {
        let bad = |_| Error::Unauthenticated("invalid JWT");
        let header = jsonwebtoken::decode_header(token).map_err(bad)?;
        // Asymmetric algorithms only: an HMAC JWT "signed" with a public key
        // is the classic key-confusion attack.
        if !matches!(
            header.alg,
            Algorithm::RS256
                | Algorithm::RS384
                | Algorithm::RS512
                | Algorithm::PS256
                | Algorithm::PS384
                | Algorithm::PS512
                | Algorithm::ES256
                | Algorithm::ES384
                | Algorithm::EdDSA
        ) {
            return Err(Error::Unauthenticated("JWT algorithm not accepted"));
        }
        let set = self.keys(header.kid.as_deref()).await;
        let jwk = match &header.kid {
            Some(kid) => set.find(kid),
            None if set.keys.len() == 1 => set.keys.first(),
            None => None,
        }
        .ok_or(Error::Unauthenticated("JWT signed by an unknown key"))?;
        let key = DecodingKey::from_jwk(jwk).map_err(bad)?;
        let mut validation = Validation::new(header.alg);
        validation.set_audience(&[&self.settings.audience]);
        validation.set_issuer(&[&self.settings.issuer]);
        validation.leeway = 30;
        validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
        let data = jsonwebtoken::decode::<Value>(token, &key, &validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            match e.kind() {
                ErrorKind::ExpiredSignature => Error::Unauthenticated("JWT expired"),
                ErrorKind::InvalidAudience => {
                    Error::Unauthenticated("JWT audience is not this service")
                }
                ErrorKind::InvalidIssuer => Error::Unauthenticated("JWT issuer is not trusted"),
                ErrorKind::ImmatureSignature => Error::Unauthenticated("JWT not yet valid"),
                _ => Error::Unauthenticated("invalid JWT"),
            }
        })?;
        let claims = data.claims;
        let sub = claims
            .get("sub")
            .and_then(Value::as_str)
            .ok_or(Error::Unauthenticated("JWT has no subject"))?;
        let roles: BTreeSet<Role> = strings_at(&claims, &self.settings.roles_claim)
            .iter()
            .filter_map(|r| Role::parse(r))
            .collect();
        if roles.is_empty() {
            return Err(Error::Forbidden(format!(
                "the JWT's {} claim names no issuer-api role",
                self.settings.roles_claim
            )));
        }
        Ok(Principal {
            actor: format!("oidc:{sub}"),
            roles,
            facilities: strings_at(&claims, &self.settings.facilities_claim)
                .into_iter()
                .collect(),
        })
    }
}

/// The strings at a dotted claim path (`realm_access.roles`): one string or an array.
fn strings_at(claims: &Value, path: &str) -> Vec<String> {
    let mut value = claims;
    for part in path.split('.') {
        match value.get(part) {
            Some(v) => value = v,
            None => return Vec::new(),
        }
    }
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_paths_read_strings_and_arrays() {
        let claims = json!({"roles": "auditor", "realm_access": {"roles": ["certifier", 3]}});
        assert_eq!(strings_at(&claims, "roles"), vec!["auditor"]);
        assert_eq!(strings_at(&claims, "realm_access.roles"), vec!["certifier"]);
        assert!(strings_at(&claims, "missing.path").is_empty());
    }

    #[test]
    fn certifier_scope_is_per_facility() {
        let p = Principal {
            actor: "t".into(),
            roles: BTreeSet::from([Role::Certifier]),
            facilities: BTreeSet::from(["A".to_owned()]),
        };
        assert!(p.may_certify_at("A"));
        assert!(!p.may_certify_at("B"));
        assert!(p.require(&[Role::IssuerAdmin]).is_err());
        let admin = Principal {
            roles: BTreeSet::from([Role::IssuerAdmin]),
            facilities: BTreeSet::new(),
            ..p
        };
        assert!(admin.may_certify_at("B"));
    }
}
