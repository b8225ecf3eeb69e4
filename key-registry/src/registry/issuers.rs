//! Issuers and their keys. Every change publishes a new trust list in the
//! same transaction, and registering an issuer also enters it in the
//! revocation list (so verifiers know its revocations are covered, even
//! with nothing revoked).
//!
//! Keys are registered under the id credentials carry in
//! `proof.verificationMethod`: `did:web:moh.example.org#key-1`, or a legacy
//! DIVOC id such as `did:india` (CoWIN's RSA key, registered by hand as PEM).
//! A key may be retired (it signed until a moment; what it signed stays
//! valid) or marked compromised from a moment (what it signed from then on
//! is void). A compromise date only ever moves earlier.

use credential::{ContextStore, PublicKey, TrustedContext};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::{Registry, ts};
use crate::error::{Error, ErrorCode};
use crate::store::{IssuerRecord, KeyRecord, NewChange};

/// Longest issuer id, DID or key id.
pub const MAX_ID_LEN: usize = 512;
/// Most extra JSON-LD contexts per issuer.
pub const MAX_CONTEXTS: usize = 16;
/// Largest document fetched when importing keys.
const MAX_FETCH_BYTES: usize = 256 * 1024;

/// An extra JSON-LD context an issuer's credentials use.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContextInput {
    /// The URL credentials name it by.
    #[schema(min_length = 1, max_length = 512, pattern = "^\\S+$")]
    pub url: String,
    /// The context document.
    #[schema(value_type = Object)]
    pub document: Value,
}

/// Register an issuer.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIssuer {
    /// The id its credentials carry in `issuer` (`https://moh.example.org/`, a DID).
    #[schema(min_length = 1, max_length = 512, pattern = "^(https?://|did:)\\S+$")]
    pub id: String,
    /// The DID its keys and events name (`did:web:moh.example.org`), if it
    /// differs from `id`.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 512, pattern = "^did:\\S+$")]
    pub did: Option<String>,
    /// Display name.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    pub name: String,
    /// ISO 3166-1 alpha-2 country code.
    #[schema(pattern = "^[A-Z]{2}$")]
    pub country: String,
    /// URL-safe key (status-list URLs, admin paths); derived from the DID or
    /// id when absent.
    #[serde(default)]
    #[schema(pattern = "^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")]
    pub slug: Option<String>,
    /// JSON-LD contexts its credentials use beyond the bundled ones.
    #[serde(default)]
    #[schema(max_items = 16)]
    pub contexts: Vec<ContextInput>,
}

/// Add a key: `public_key` (PEM, base58, multibase, did:key or JWK text)
/// or `public_key_jwk`, exactly one.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    /// The key id, exactly as credentials carry it in `proof.verificationMethod`.
    #[schema(
        min_length = 1,
        max_length = 512,
        pattern = "^\\S+$",
        example = "did:web:moh.example.org#key-1"
    )]
    pub kid: String,
    /// The public key as text: PEM, base58, multibase, `did:key` or JWK.
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 16384,
        example = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    )]
    pub public_key: Option<String>,
    /// The public key as a JWK.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub public_key_jwk: Option<Value>,
    /// First moment it may sign (RFC 3339); no lower bound when absent.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub valid_from: Option<Timestamp>,
    /// Last moment it may sign (RFC 3339).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub valid_until: Option<Timestamp>,
}

/// Retire a key: it signs no more after `valid_until` (default now).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetireKey {
    /// The key id.
    #[schema(min_length = 1, max_length = 512, pattern = "^\\S+$")]
    pub kid: String,
    /// Its last valid moment (RFC 3339); now when absent.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub valid_until: Option<Timestamp>,
}

/// Mark a key compromised from a moment.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompromiseKey {
    /// The key id.
    #[schema(min_length = 1, max_length = 512, pattern = "^\\S+$")]
    pub kid: String,
    /// When the compromise began, as best known (RFC 3339).
    #[schema(value_type = String, format = DateTime)]
    pub since: Timestamp,
}

/// Import keys from a `did:web` document or an issuer API's `/v1/keys`:
/// `url` (fetched as given) or `did` (a `did:web`, resolved over HTTPS),
/// exactly one.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportKeys {
    /// `https://…/.well-known/did.json` or `https://…/v1/keys`.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 2048, pattern = "^https?://\\S+$")]
    pub url: Option<String>,
    /// A `did:web` identifier (host, then `:`-separated path segments).
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 512,
        pattern = "^did:web:[^\\s:/]+(?::[^\\s:/]+)*$"
    )]
    pub did: Option<String>,
}

/// A key as the admin API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeyView {
    /// The key id.
    pub kid: String,
    /// `Ed25519` or `RSA`.
    pub algorithm: String,
    /// The public key, JWK.
    #[schema(value_type = Object)]
    pub public_key_jwk: Value,
    /// First moment it may sign.
    pub valid_from: String,
    /// Last moment it may sign.
    pub valid_until: Option<String>,
    /// `active`, `retired` or `compromised`.
    pub status: String,
    /// Compromised from.
    pub compromised_at: Option<String>,
}

/// An issuer as the admin API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssuerView {
    /// The id its credentials carry.
    pub id: String,
    /// URL-safe key.
    pub slug: String,
    /// Its DID, if registered.
    pub did: Option<String>,
    /// Display name.
    pub name: String,
    /// Country code.
    pub country: String,
    /// URLs of its extra contexts.
    pub contexts: Vec<String>,
    /// Where its status lists live: `<public url>/v1/status-lists/<slug>/`
    /// (append a list name); the URL its credentials' `credentialStatus`
    /// names and its events' `credential_status.status_list` must match.
    pub status_list_base: String,
    /// Its keys.
    pub keys: Vec<KeyView>,
}

/// What an import did, by key id.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ImportReport {
    /// New keys.
    pub added: Vec<String>,
    /// Keys whose window or status changed.
    pub updated: Vec<String>,
    /// Keys already registered as they are.
    pub unchanged: Vec<String>,
    /// The trust-list version that holds the result.
    pub trust_list_version: u64,
}

fn key_view(k: &KeyRecord) -> Result<KeyView, Error> {
    let jwk: Value = serde_json::from_str(&k.public_jwk)
        .map_err(|e| Error::Corrupt(format!("key {}: {e}", k.kid)))?;
    let algorithm = if jwk.get("kty").and_then(Value::as_str) == Some("RSA") {
        "RSA"
    } else {
        "Ed25519"
    };
    Ok(KeyView {
        kid: k.kid.clone(),
        algorithm: algorithm.to_owned(),
        public_key_jwk: jwk,
        valid_from: ts(k.valid_from)?.to_string(),
        valid_until: k
            .valid_until
            .map(|t| ts(t).map(|t| t.to_string()))
            .transpose()?,
        status: k.status.clone(),
        compromised_at: k
            .compromised_at
            .map(|t| ts(t).map(|t| t.to_string()))
            .transpose()?,
    })
}

/// A URL-safe slug from an issuer's DID or id: `did:web:moh.example.org`
/// gives `moh-example-org`.
pub fn derive_slug(id: &str, did: Option<&str>) -> String {
    let base = did.unwrap_or(id);
    let base = ["did:web:", "did:", "https://", "http://"]
        .iter()
        .find_map(|p| base.strip_prefix(p))
        .unwrap_or(base);
    let mut slug = String::with_capacity(base.len());
    for c in base.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.len() >= 48 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-').to_owned();
    if slug.is_empty() {
        "issuer".to_owned()
    } else {
        slug
    }
}

fn is_slug(slug: &str) -> bool {
    let b = slug.as_bytes();
    (1..=64).contains(&b.len())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b.first() != Some(&b'-')
        && b.last() != Some(&b'-')
}

fn check_id(what: &str, id: &str) -> Result<(), Error> {
    if !super::text::is_token(id, MAX_ID_LEN) {
        return Err(Error::invalid(format!(
            "{what}: 1 to {MAX_ID_LEN} characters, no spaces"
        )));
    }
    Ok(())
}

fn check_issuer(new: &NewIssuer) -> Result<(), Error> {
    check_id("id", &new.id)?;
    if !(new.id.starts_with("https://")
        || new.id.starts_with("http://")
        || new.id.starts_with("did:"))
    {
        return Err(Error::invalid("id: a URL (https://…) or a DID (did:…)"));
    }
    if let Some(did) = &new.did {
        check_id("did", did)?;
        if !did.starts_with("did:") {
            return Err(Error::invalid("did: must start with did:"));
        }
    }
    if !super::text::is_printable(&new.name, 200, true) {
        return Err(Error::invalid(
            "name: 1 to 200 characters, not blank, no control characters",
        ));
    }
    if new.country.len() != 2 || !new.country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Error::invalid(
            "country: an ISO 3166-1 alpha-2 code, e.g. IN",
        ));
    }
    if new.slug.as_deref().is_some_and(|s| !is_slug(s)) {
        return Err(Error::invalid(
            "slug: 1 to 64 lower-case letters, digits and '-', not starting or ending with '-'",
        ));
    }
    if new.contexts.len() > MAX_CONTEXTS {
        return Err(Error::invalid(format!("contexts: at most {MAX_CONTEXTS}")));
    }
    let mut store = ContextStore::bundled();
    for c in &new.contexts {
        check_id("contexts[].url", &c.url)?;
        store.add_context(&c.url, &c.document).map_err(|e| {
            Error::client(ErrorCode::InvalidContext, format!("context {}: {e}", c.url))
        })?;
    }
    Ok(())
}

/// Read a public key from text or a JWK.
fn parse_key(text: Option<&str>, jwk: Option<&Value>) -> Result<PublicKey, Error> {
    let key = match (text, jwk) {
        (Some(text), None) => PublicKey::parse_any(text),
        (None, Some(jwk)) => PublicKey::from_jwk(jwk),
        _ => {
            return Err(Error::client(
                ErrorCode::InvalidKey,
                "give the key as public_key (text) or public_key_jwk, exactly one",
            ));
        }
    };
    key.map_err(|e| Error::client(ErrorCode::InvalidKey, format!("public key: {e}")))
}

/// The HTTPS URL of a `did:web` document (did:web method spec, 3.2).
pub fn did_web_url(did: &str) -> Option<String> {
    let rest = did.strip_prefix("did:web:")?;
    let mut parts = rest.split(':');
    let host = parts
        .next()
        .filter(|h| !h.is_empty())?
        .replace("%3A", ":")
        .replace("%3a", ":");
    let path: Vec<&str> = parts.collect();
    if host.contains('/') || path.iter().any(|p| p.is_empty() || p.contains('/')) {
        return None;
    }
    Some(if path.is_empty() {
        format!("https://{host}/.well-known/did.json")
    } else {
        format!("https://{host}/{}/did.json", path.join("/"))
    })
}

/// One key found in a fetched document.
struct Found {
    kid: String,
    key: PublicKey,
    valid_from: Option<i64>,
    valid_until: Option<i64>,
    retired: bool,
}

fn method_id(did: &str, id: &str) -> String {
    if id.starts_with('#') {
        format!("{did}{id}")
    } else {
        id.to_owned()
    }
}

/// Keys of a DID document or an issuer API key listing, each named under
/// `did` (a key named under another DID is refused).
fn keys_in(document: &Value, did: &str) -> Result<Vec<Found>, Error> {
    let invalid = |m: String| Error::client(ErrorCode::InvalidDocument, m);
    let key_of = |item: &Value| -> Result<PublicKey, Error> {
        let found = if let Some(jwk) = item
            .get("publicKeyJwk")
            .or_else(|| item.get("public_key_jwk"))
        {
            PublicKey::from_jwk(jwk)
        } else if let Some(text) = item
            .get("publicKeyMultibase")
            .or_else(|| item.get("publicKeyBase58"))
            .or_else(|| item.get("public_key_base58"))
            .and_then(Value::as_str)
        {
            PublicKey::parse_any(text)
        } else {
            return Err(invalid(
                "a key without publicKeyJwk, publicKeyMultibase or publicKeyBase58".into(),
            ));
        };
        found.map_err(|e| invalid(format!("key: {e}")))
    };
    let time = |item: &Value, name: &str| -> Result<Option<i64>, Error> {
        match item.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_str()
                .and_then(|s| s.parse::<Timestamp>().ok())
                .map(|t| Some(t.as_millisecond()))
                .ok_or_else(|| invalid(format!("{name} is not an RFC 3339 time"))),
        }
    };
    let mut found = Vec::new();
    let (items, listing) = match document {
        Value::Array(items) => (items.as_slice(), true),
        Value::Object(doc) => {
            if doc.get("id").and_then(Value::as_str) != Some(did) {
                return Err(invalid(format!("the document's id is not {did}")));
            }
            let methods = doc.get("verificationMethod").and_then(Value::as_array);
            (methods.map_or(&[][..], Vec::as_slice), false)
        }
        _ => return Err(invalid("neither a DID document nor a key listing".into())),
    };
    if items.len() > 256 {
        return Err(invalid("more than 256 keys".into()));
    }
    for item in items {
        let id = item
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("a key without id".into()))?;
        let kid = method_id(did, id);
        if !kid.starts_with(&format!("{did}#")) || kid.len() > MAX_ID_LEN {
            return Err(invalid(format!("key {kid:?} is not under {did}")));
        }
        found.push(Found {
            key: key_of(item)?,
            valid_from: if listing {
                time(item, "valid_from")?
            } else {
                None
            },
            valid_until: if listing {
                time(item, "valid_until")?
            } else {
                None
            },
            retired: listing && item.get("status").and_then(Value::as_str) == Some("retired"),
            kid,
        });
    }
    Ok(found)
}

impl Registry {
    /// Every issuer with its keys.
    pub async fn issuers(&self) -> Result<Vec<IssuerView>, Error> {
        let mut views = Vec::new();
        for issuer in self.store.issuers().await? {
            views.push(self.view(&issuer).await?);
        }
        Ok(views)
    }

    /// One issuer by slug, with its keys.
    pub async fn issuer(&self, slug: &str) -> Result<(IssuerRecord, IssuerView), Error> {
        let record = self
            .store
            .issuer_by_slug(slug)
            .await?
            .ok_or_else(|| Error::not_found("issuer", slug))?;
        let view = self.view(&record).await?;
        Ok((record, view))
    }

    async fn view(&self, issuer: &IssuerRecord) -> Result<IssuerView, Error> {
        let contexts: Vec<TrustedContext> = serde_json::from_str(&issuer.contexts)
            .map_err(|e| Error::Corrupt(format!("issuer {} contexts: {e}", issuer.id)))?;
        Ok(IssuerView {
            id: issuer.id.clone(),
            slug: issuer.slug.clone(),
            did: issuer.did.clone(),
            name: issuer.name.clone(),
            country: issuer.country.clone(),
            contexts: contexts.into_iter().map(|c| c.url).collect(),
            status_list_base: self.status_list_url(issuer, ""),
            keys: self
                .store
                .keys_of(&issuer.id)
                .await?
                .iter()
                .map(key_view)
                .collect::<Result<_, _>>()?,
        })
    }

    /// Register an issuer: a new trust list (it has no keys yet) and a new
    /// revocation list that covers it.
    pub async fn register_issuer(&self, new: NewIssuer, actor: &str) -> Result<IssuerView, Error> {
        check_issuer(&new)?;
        let mut slug = new
            .slug
            .clone()
            .unwrap_or_else(|| derive_slug(&new.id, new.did.as_deref()));
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.head_for_update(super::publish::TRUST).await?;
        if let Some(clash) = tx.issuer_clash(&new.id, new.did.as_deref()).await? {
            return Err(Error::client(
                ErrorCode::IssuerExists,
                format!(
                    "issuer {} (slug {}) is already registered",
                    clash.id, clash.slug
                ),
            ));
        }
        if tx.slug_taken(&slug).await? {
            if new.slug.is_some() {
                return Err(Error::client(
                    ErrorCode::IssuerExists,
                    format!("the slug {slug} is taken"),
                ));
            }
            // A derived slug that clashes: made unique with the id's hash.
            let digest = Sha256::digest(new.id.as_bytes());
            slug = format!(
                "{slug}-{}",
                service_core::hex(digest.get(..4).unwrap_or_default())
            );
            if tx.slug_taken(&slug).await? {
                return Err(Error::client(
                    ErrorCode::IssuerExists,
                    "the issuer's slug is taken; give one",
                ));
            }
        }
        let contexts: Vec<TrustedContext> = new
            .contexts
            .iter()
            .map(|c| TrustedContext {
                url: c.url.clone(),
                document: c.document.clone(),
            })
            .collect();
        for other in tx.issuers().await? {
            let theirs: Vec<TrustedContext> =
                serde_json::from_str(&other.contexts).unwrap_or_default();
            if let Some(c) = contexts.iter().find(|c| {
                theirs
                    .iter()
                    .any(|t| t.url == c.url && t.document != c.document)
            }) {
                return Err(Error::client(
                    ErrorCode::ContextConflict,
                    format!(
                        "context {} is registered by {} with another document",
                        c.url, other.id
                    ),
                ));
            }
        }
        let record = IssuerRecord {
            id: new.id.clone(),
            slug,
            did: new.did.clone(),
            name: new.name.trim().to_owned(),
            country: new.country.clone(),
            contexts: serde_json::to_string(&contexts)
                .map_err(|e| Error::Corrupt(e.to_string()))?,
            created_at: now,
            updated_at: now,
        };
        tx.insert_issuer(&record).await?;
        let version = self.publish_revocations(&mut tx).await?;
        tx.insert_change(&NewChange {
            version,
            issuer_id: &record.id,
            action: "cover",
            certificate_id: None,
            status_list: None,
            status_index: None,
            suspended_until: None,
            event_id: None,
            at: now,
        })
        .await?;
        self.publish_trust(&mut tx).await?;
        tx.audit(now, actor, "issuer_registered", Some(&record.id), &json!({
            "slug": record.slug, "did": record.did, "name": record.name, "country": record.country,
            "contexts": contexts.iter().map(|c| &c.url).collect::<Vec<_>>(),
        }))
        .await?;
        tx.commit().await?;
        self.sync().await?;
        self.view(&record).await
    }

    /// Add a key to an issuer.
    pub async fn add_key(&self, slug: &str, new: NewKey, actor: &str) -> Result<KeyView, Error> {
        check_id("kid", &new.kid)?;
        let key = parse_key(new.public_key.as_deref(), new.public_key_jwk.as_ref())?;
        let valid_from = new.valid_from.map_or(0, |t| t.as_millisecond());
        let valid_until = new.valid_until.map(|t| t.as_millisecond());
        if valid_until.is_some_and(|u| u < valid_from) {
            return Err(Error::client(
                ErrorCode::InvalidWindow,
                "valid_until is before valid_from",
            ));
        }
        let (issuer, _) = self.issuer(slug).await?;
        let now = self.now_ms();
        let record = KeyRecord {
            issuer_id: issuer.id.clone(),
            kid: new.kid.clone(),
            public_jwk: key.to_jwk().to_string(),
            valid_from,
            valid_until,
            status: "active".to_owned(),
            compromised_at: None,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.store.begin().await?;
        tx.head_for_update(super::publish::TRUST).await?;
        if tx.key_for_update(&issuer.id, &new.kid).await?.is_some() {
            return Err(Error::client(
                ErrorCode::KeyExists,
                format!("{} already has a key {:?}", issuer.id, new.kid),
            ));
        }
        tx.insert_key(&record).await?;
        self.publish_trust(&mut tx).await?;
        tx.audit(
            now,
            actor,
            "key_added",
            Some(&format!("{}#{}", issuer.slug, new.kid)),
            &json!({
                "issuer": issuer.id, "kid": new.kid, "thumbprint": key.thumbprint(),
                "valid_from": valid_from, "valid_until": valid_until,
            }),
        )
        .await?;
        tx.commit().await?;
        self.sync().await?;
        key_view(&record)
    }

    /// Change one key of an issuer under the trust list's lock, publish,
    /// and audit.
    async fn change_key(
        &self,
        slug: &str,
        kid: &str,
        actor: &str,
        action: &str,
        change: impl FnOnce(&mut KeyRecord) -> Result<(), Error>,
    ) -> Result<KeyView, Error> {
        let (issuer, _) = self.issuer(slug).await?;
        let mut tx = self.store.begin().await?;
        tx.head_for_update(super::publish::TRUST).await?;
        let mut record = tx.key_for_update(&issuer.id, kid).await?.ok_or_else(|| {
            let kid: String = kid.chars().take(200).collect();
            Error::client(
                ErrorCode::UnknownKey,
                format!("the issuer has no key {kid:?}"),
            )
        })?;
        change(&mut record)?;
        record.updated_at = self.now_ms();
        tx.update_key(&record).await?;
        self.publish_trust(&mut tx).await?;
        tx.audit(record.updated_at, actor, action, Some(&format!("{}#{kid}", issuer.slug)), &json!({
            "status": record.status, "valid_until": record.valid_until, "compromised_at": record.compromised_at,
        }))
        .await?;
        tx.commit().await?;
        self.sync().await?;
        key_view(&record)
    }

    /// Retire a key: it signed until `valid_until` (default now).
    pub async fn retire_key(
        &self,
        slug: &str,
        body: RetireKey,
        actor: &str,
    ) -> Result<KeyView, Error> {
        let until = body
            .valid_until
            .map_or_else(|| self.now_ms(), |t| t.as_millisecond());
        self.change_key(slug, &body.kid, actor, "key_retired", |k| {
            if k.status == "compromised" {
                return Err(Error::client(
                    ErrorCode::KeyState,
                    "a compromised key stays compromised",
                ));
            }
            if until < k.valid_from {
                return Err(Error::client(
                    ErrorCode::InvalidWindow,
                    "valid_until is before the key's valid_from",
                ));
            }
            k.status = "retired".to_owned();
            k.valid_until = Some(until);
            Ok(())
        })
        .await
    }

    /// Mark a key compromised from `since` (only ever moved earlier).
    pub async fn compromise_key(
        &self,
        slug: &str,
        body: CompromiseKey,
        actor: &str,
    ) -> Result<KeyView, Error> {
        let since = body.since.as_millisecond();
        self.change_key(slug, &body.kid, actor, "key_compromised", |k| {
            k.compromised_at = Some(k.compromised_at.map_or(since, |held| held.min(since)));
            k.status = "compromised".to_owned();
            Ok(())
        })
        .await
    }

    /// Import an issuer's keys from its `did:web` document or key listing.
    pub async fn import_keys(
        &self,
        slug: &str,
        body: ImportKeys,
        actor: &str,
    ) -> Result<ImportReport, Error> {
        let (issuer, _) = self.issuer(slug).await?;
        let did = issuer
            .did
            .clone()
            .or_else(|| issuer.id.starts_with("did:").then(|| issuer.id.clone()))
            .ok_or_else(|| {
                Error::client(
                    ErrorCode::IssuerHasNoDid,
                    "the issuer has no DID registered: keys are imported under its DID",
                )
            })?;
        let url = match (&body.url, &body.did) {
            (Some(url), None) => url.clone(),
            (None, Some(d)) if *d == did => {
                did_web_url(d).ok_or_else(|| Error::invalid("did: not a did:web identifier"))?
            }
            (None, Some(_)) => {
                return Err(Error::client(
                    ErrorCode::DidMismatch,
                    format!("did: the issuer's DID is {did}"),
                ));
            }
            _ => return Err(Error::invalid("give url or did, exactly one")),
        };
        if !(url.starts_with("https://") || url.starts_with("http://"))
            || !super::text::is_token(&url, 2048)
        {
            return Err(Error::invalid(
                "url: an http(s) URL of at most 2048 characters",
            ));
        }
        let document = self.fetch_json(&url).await?;
        let found = keys_in(&document, &did)?;
        let now = self.now_ms();
        let mut report = ImportReport::default();
        let mut tx = self.store.begin().await?;
        tx.head_for_update(super::publish::TRUST).await?;
        for f in found {
            let jwk = f.key.to_jwk().to_string();
            match tx.key_for_update(&issuer.id, &f.kid).await? {
                None => {
                    tx.insert_key(&KeyRecord {
                        issuer_id: issuer.id.clone(),
                        kid: f.kid.clone(),
                        public_jwk: jwk,
                        valid_from: f.valid_from.unwrap_or(0),
                        valid_until: f.valid_until,
                        status: if f.retired { "retired" } else { "active" }.to_owned(),
                        compromised_at: None,
                        created_at: now,
                        updated_at: now,
                    })
                    .await?;
                    report.added.push(f.kid);
                }
                Some(held)
                    if PublicKey::from_jwk_str(&held.public_jwk).ok().as_ref() != Some(&f.key) =>
                {
                    return Err(Error::client(
                        ErrorCode::InvalidDocument,
                        format!("{} is registered with another public key", f.kid),
                    ));
                }
                Some(mut held) => {
                    let until = f.valid_until.or(held.valid_until);
                    let status = if held.status == "compromised" {
                        held.status.clone()
                    } else if f.retired || held.status == "retired" {
                        "retired".to_owned()
                    } else {
                        "active".to_owned()
                    };
                    if until != held.valid_until || status != held.status {
                        held.valid_until = until;
                        held.status = status;
                        held.updated_at = now;
                        tx.update_key(&held).await?;
                        report.updated.push(f.kid);
                    } else {
                        report.unchanged.push(f.kid);
                    }
                }
            }
        }
        report.trust_list_version = self.publish_trust(&mut tx).await?;
        tx.audit(
            now,
            actor,
            "keys_imported",
            Some(&issuer.id),
            &json!({
                "url": url, "added": report.added, "updated": report.updated,
            }),
        )
        .await?;
        tx.commit().await?;
        self.sync().await?;
        Ok(report)
    }

    async fn fetch_json(&self, url: &str) -> Result<Value, Error> {
        let failed = |m: String| Error::client(ErrorCode::FetchFailed, m);
        let mut response = self
            .client
            .get(url)
            .header("accept", "application/did+json, application/json")
            .send()
            .await
            .map_err(|e| failed(format!("{url}: {e}")))?;
        if !response.status().is_success() {
            return Err(failed(format!("{url} answered {}", response.status())));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| failed(format!("{url}: {e}")))?
        {
            if body.len() + chunk.len() > MAX_FETCH_BYTES {
                return Err(Error::client(
                    ErrorCode::InvalidDocument,
                    format!("{url}: larger than {MAX_FETCH_BYTES} bytes"),
                ));
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&body)
            .map_err(|e| Error::client(ErrorCode::InvalidDocument, format!("{url}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_url_safe_and_readable() {
        assert_eq!(
            derive_slug(
                "https://issuer.demo.example.org/",
                Some("did:web:issuer.demo.example.org")
            ),
            "issuer-demo-example-org"
        );
        assert_eq!(derive_slug("https://cowin.gov.in/", None), "cowin-gov-in");
        assert_eq!(
            derive_slug("did:web:localhost%3A8080", None),
            "localhost-3a8080"
        );
        assert_eq!(derive_slug("https://---/", None), "issuer");
        assert!(is_slug(&derive_slug(
            &format!("https://{}/", "a".repeat(300)),
            None
        )));
    }

    #[test]
    fn did_web_resolves_to_https() {
        assert_eq!(
            did_web_url("did:web:w3c-ccg.github.io").unwrap(),
            "https://w3c-ccg.github.io/.well-known/did.json"
        );
        assert_eq!(
            did_web_url("did:web:example.com%3A3000:user:alice").unwrap(),
            "https://example.com:3000/user/alice/did.json"
        );
        assert!(did_web_url("did:key:z6Mk").is_none());
        assert!(did_web_url("did:web:").is_none());
        assert!(did_web_url("did:web:a/b").is_none());
    }
}
