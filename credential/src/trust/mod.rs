//! The trust list: which issuers and keys a verifier trusts, signed by the
//! key registry's trust anchor.
//!
//! ```json
//! {"payload": {
//!    "type": "TrustList", "version": 7,
//!    "issuedAt": "2026-11-27T00:00:00Z", "nextUpdate": "2026-11-28T00:00:00Z",
//!    "issuers": [{"id": "https://moh.example.org/", "name": "Ministry of Health", "country": "IN",
//!      "keys": [{"kid": "did:example:moh#key-1", "alg": "EdDSA", "publicKeyJwk": {...},
//!                "validFrom": "2021-01-01T00:00:00Z", "validUntil": null,
//!                "status": "active" | "retired" | "compromised", "compromisedAt": null}]}],
//!    "contexts": [{"url": "https://example.org/ctx/v1", "document": {...}}],
//!    "nextAnchor": {"kty": "OKP", "crv": "Ed25519", "x": "..."}},
//!  "anchor": "<RFC 7638 thumbprint of the anchor key>",
//!  "signature": "<detached JWS, EdDSA, over the JCS bytes of payload>"}
//! ```
//!
//! Key ids are exactly what credentials put in `proof.verificationMethod`
//! (`did:india` for CoWIN's legacy certificates).
//!
//! **Anchor rotation.** The registry announces its next anchor key in
//! `nextAnchor`, inside lists signed by the current anchor; once verifiers
//! have had time to sync, it signs with the new key. A verifier that pins
//! the old anchor and loads an announcing list starts trusting the
//! successor too (the announcement is covered by the old anchor's
//! signature), so the first list signed by the successor is accepted; from
//! then on the predecessor is no longer needed (`verifier-wasm` drops it).
//! An announcement in a list the verifier refuses (unknown anchor, bad
//! signature, rollback) is never followed.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

use crate::signed::{self, EnvelopeError};
use crate::{ContextStore, KeyAlgorithm, PrivateKey, PublicKey};

/// The largest signed trust list accepted, in bytes. Generous: a thousand
/// issuers with a few keys each and some contexts take well under 1 MiB.
pub const MAX_TRUST_LIST_BYTES: usize = 4 << 20;
/// Most issuers in one list.
pub const MAX_ISSUERS: usize = 10_000;
/// Most keys per issuer.
pub const MAX_KEYS_PER_ISSUER: usize = 256;

const TYPE: &str = "TrustList";

/// Why a trust list was refused.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TrustListError {
    /// Larger than [`MAX_TRUST_LIST_BYTES`].
    #[error("trust list is {len} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// Not a well-formed trust list.
    #[error("malformed trust list: {reason}")]
    Malformed {
        /// What is wrong.
        reason: String,
    },
    /// Signed by a key this verifier does not pin as a trust anchor.
    #[error("trust list is signed by an unknown anchor (key thumbprint {thumbprint})")]
    UnknownAnchor {
        /// The thumbprint the list names.
        thumbprint: String,
    },
    /// The anchor's signature does not match the list.
    #[error("trust list signature is invalid")]
    BadSignature,
    /// Older than the list already held: a rollback.
    #[error("trust list version {offered} is older than version {held} already held")]
    Rollback {
        /// The version offered.
        offered: u64,
        /// The version held.
        held: u64,
    },
    /// A key entry is unusable.
    #[error("key {kid}: {reason}")]
    InvalidKey {
        /// The key id.
        kid: String,
        /// What is wrong.
        reason: String,
    },
    /// Two keys of one issuer share an id, so a credential's key could not
    /// be told apart.
    #[error("key id {kid} appears more than once for one issuer")]
    DuplicateKeyId {
        /// The key id.
        kid: String,
    },
    /// An extra JSON-LD context could not be loaded.
    #[error("context {url}: {reason}")]
    Context {
        /// The context URL.
        url: String,
        /// What is wrong.
        reason: String,
    },
}

impl From<EnvelopeError> for TrustListError {
    fn from(e: EnvelopeError) -> Self {
        match e {
            EnvelopeError::TooLarge { len, limit } => Self::TooLarge { len, limit },
            EnvelopeError::Malformed(reason) => Self::Malformed { reason },
            EnvelopeError::WrongType { expected, found } => Self::Malformed {
                reason: format!("type is {found:?}, expected {expected}"),
            },
            EnvelopeError::UnknownAnchor(thumbprint) => Self::UnknownAnchor { thumbprint },
            EnvelopeError::BadSignature => Self::BadSignature,
        }
    }
}

/// Whether a key may still be relied on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    /// In use.
    Active,
    /// No longer signs; what it signed while valid stays valid.
    Retired,
    /// Leaked: what it signed after `since` is void.
    Compromised {
        /// When the compromise began (as best known).
        since: Timestamp,
    },
}

/// A trusted signing key.
#[derive(Debug, Clone)]
pub struct TrustedKey {
    /// The key id, exactly as credentials name it in `verificationMethod`.
    pub kid: String,
    /// The public key.
    pub public_key: PublicKey,
    /// First moment the key may sign.
    pub valid_from: Timestamp,
    /// Last moment the key may sign, if bounded.
    pub valid_until: Option<Timestamp>,
    /// Active, retired or compromised.
    pub status: KeyStatus,
}

/// A trusted issuer and its keys.
#[derive(Debug, Clone)]
pub struct TrustedIssuer {
    /// The issuer's id (DID or URL), as credentials name it in `issuer`.
    pub id: String,
    /// Name to show to a verifier ("Ministry of Health, India").
    pub name: String,
    /// ISO 3166 country code.
    pub country: String,
    /// Its keys.
    pub keys: Vec<TrustedKey>,
}

/// A JSON-LD context an issuer's credentials use that is not bundled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustedContext {
    /// The URL credentials name it by.
    pub url: String,
    /// The context document.
    pub document: Value,
}

/// A verified, parsed trust list.
#[derive(Debug, Clone)]
pub struct TrustList {
    /// Monotonic version.
    pub version: u64,
    /// When the registry issued it.
    pub issued_at: Timestamp,
    /// When a fresher list is due; past it the list is stale.
    pub next_update: Timestamp,
    /// The trusted issuers.
    pub issuers: Vec<TrustedIssuer>,
    /// Extra JSON-LD contexts.
    pub contexts: Vec<TrustedContext>,
    /// The anchor key that will sign lists after this one, if the registry
    /// is rotating its anchor (Ed25519).
    pub next_anchor: Option<PublicKey>,
    /// The anchor that signed this list ([`Self::verify`] fills it in;
    /// `None` for a list built with [`Self::new`]).
    pub signed_by: Option<PublicKey>,
    /// Key id -> (issuer, key) positions. One id may name keys of several
    /// issuers: DIVOC's default `did:india` is used by more than one country.
    index: HashMap<String, Vec<(usize, usize)>>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WireList {
    #[serde(rename = "type")]
    kind: String,
    version: u64,
    issued_at: Timestamp,
    next_update: Timestamp,
    issuers: Vec<WireIssuer>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    contexts: Vec<TrustedContext>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    next_anchor: Option<Value>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WireIssuer {
    id: String,
    name: String,
    #[serde(default)]
    country: String,
    keys: Vec<WireKey>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WireKey {
    kid: String,
    alg: String,
    public_key_jwk: Value,
    valid_from: Timestamp,
    #[serde(default)]
    valid_until: Option<Timestamp>,
    status: WireStatus,
    #[serde(default)]
    compromised_at: Option<Timestamp>,
}

#[derive(Serialize, Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum WireStatus {
    Active,
    Retired,
    Compromised,
}

impl TrustList {
    /// A new list (for the registry and tests); checks like [`Self::verify`].
    pub fn new(
        version: u64,
        issued_at: Timestamp,
        next_update: Timestamp,
        issuers: Vec<TrustedIssuer>,
        contexts: Vec<TrustedContext>,
    ) -> Result<Self, TrustListError> {
        let index = build_index(&issuers)?;
        Ok(Self {
            version,
            issued_at,
            next_update,
            issuers,
            contexts,
            next_anchor: None,
            signed_by: None,
            index,
        })
    }

    /// Announce the anchor key that will sign the lists after this one.
    /// Only Ed25519 anchors are accepted, as [`Self::verify`] requires.
    pub fn with_next_anchor(mut self, next: PublicKey) -> Result<Self, TrustListError> {
        check_next_anchor(&next)?;
        self.next_anchor = Some(next);
        Ok(self)
    }

    /// Open a signed trust list: check size, the anchor, the signature, the
    /// structure and every key; refuse a version older than `held_version`.
    pub fn verify(
        bytes: &[u8],
        anchors: &[PublicKey],
        held_version: Option<u64>,
    ) -> Result<Self, TrustListError> {
        let (payload, signer) =
            signed::open_with_anchor(bytes, anchors, TYPE, MAX_TRUST_LIST_BYTES)?;
        let wire: WireList =
            serde_json::from_value(payload).map_err(|e| TrustListError::Malformed {
                reason: e.to_string(),
            })?;
        if let Some(held) = held_version
            && wire.version < held
        {
            return Err(TrustListError::Rollback {
                offered: wire.version,
                held,
            });
        }
        if wire.issuers.len() > MAX_ISSUERS {
            return Err(TrustListError::Malformed {
                reason: format!("more than {MAX_ISSUERS} issuers"),
            });
        }
        let issuers = wire
            .issuers
            .into_iter()
            .map(from_wire_issuer)
            .collect::<Result<Vec<_>, _>>()?;
        let next_anchor = wire
            .next_anchor
            .as_ref()
            .map(|jwk| {
                let key = PublicKey::from_jwk(jwk).map_err(|e| TrustListError::Malformed {
                    reason: format!("nextAnchor: {e}"),
                })?;
                check_next_anchor(&key)?;
                if key == signer {
                    return Err(TrustListError::Malformed {
                        reason: "nextAnchor is the anchor that signed the list".to_owned(),
                    });
                }
                Ok(key)
            })
            .transpose()?;
        let mut list = Self::new(
            wire.version,
            wire.issued_at,
            wire.next_update,
            issuers,
            wire.contexts,
        )?;
        list.next_anchor = next_anchor;
        list.signed_by = Some(signer);
        // Prove the extra contexts load now, not at the first scan.
        list.context_store()?;
        Ok(list)
    }

    /// Sign this list with the trust anchor's key: the bytes to publish.
    pub fn sign(&self, anchor: &PrivateKey) -> Result<Vec<u8>, crate::Error> {
        let wire = WireList {
            kind: TYPE.to_owned(),
            version: self.version,
            issued_at: self.issued_at,
            next_update: self.next_update,
            issuers: self.issuers.iter().map(to_wire_issuer).collect(),
            contexts: self.contexts.clone(),
            next_anchor: self.next_anchor.as_ref().map(PublicKey::to_jwk),
        };
        let payload = serde_json::to_value(wire).map_err(|e| TrustListError::Malformed {
            reason: e.to_string(),
        })?;
        signed::seal(payload, anchor)
    }

    /// The issuer and key a credential's `verificationMethod` names, when
    /// exactly one issuer holds a key with that id.
    pub fn find_key(&self, kid: &str) -> Option<(&TrustedIssuer, &TrustedKey)> {
        match self.index.get(kid)?.as_slice() {
            [only] => self.at(*only),
            _ => None,
        }
    }

    /// The key `kid` of the issuer a credential names; if no issuer of that
    /// name holds `kid`, the single other issuer that does (so the caller can
    /// report the mismatch), else nothing.
    pub fn find_key_for(&self, kid: &str, issuer: &str) -> Option<(&TrustedIssuer, &TrustedKey)> {
        let positions = self.index.get(kid)?;
        positions
            .iter()
            .filter_map(|&p| self.at(p))
            .find(|(i, _)| i.id == issuer)
            .or_else(|| self.find_key(kid))
    }

    fn at(&self, (i, k): (usize, usize)) -> Option<(&TrustedIssuer, &TrustedKey)> {
        let issuer = self.issuers.get(i)?;
        Some((issuer, issuer.keys.get(k)?))
    }

    /// The issuer with this id.
    pub fn find_issuer(&self, id: &str) -> Option<&TrustedIssuer> {
        self.issuers.iter().find(|i| i.id == id)
    }

    /// Past `next_update`: a fresher list should exist.
    pub fn is_stale(&self, now: Timestamp) -> bool {
        now > self.next_update
    }

    /// The bundled contexts plus the ones this list carries.
    pub fn context_store(&self) -> Result<ContextStore, TrustListError> {
        let mut store = ContextStore::bundled();
        for c in &self.contexts {
            store
                .add_context(&c.url, &c.document)
                .map_err(|e| TrustListError::Context {
                    url: c.url.clone(),
                    reason: e.to_string(),
                })?;
        }
        Ok(store)
    }
}

fn check_next_anchor(key: &PublicKey) -> Result<(), TrustListError> {
    if key.algorithm() == KeyAlgorithm::Ed25519 {
        Ok(())
    } else {
        Err(TrustListError::Malformed {
            reason: format!(
                "nextAnchor is a {} key; anchors are Ed25519",
                key.algorithm()
            ),
        })
    }
}

fn build_index(
    issuers: &[TrustedIssuer],
) -> Result<HashMap<String, Vec<(usize, usize)>>, TrustListError> {
    let mut index: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
    for (i, issuer) in issuers.iter().enumerate() {
        if issuers
            .iter()
            .take(i)
            .any(|earlier| earlier.id == issuer.id)
        {
            return Err(TrustListError::Malformed {
                reason: format!("issuer {} appears more than once", issuer.id),
            });
        }
        for (k, key) in issuer.keys.iter().enumerate() {
            let positions = index.entry(key.kid.clone()).or_default();
            // Within one issuer a key id must be unique; across issuers it
            // may repeat, and the credential's issuer tells them apart.
            if positions.iter().any(|&(other, _)| other == i) {
                return Err(TrustListError::DuplicateKeyId {
                    kid: key.kid.clone(),
                });
            }
            positions.push((i, k));
        }
    }
    Ok(index)
}

fn from_wire_issuer(w: WireIssuer) -> Result<TrustedIssuer, TrustListError> {
    if w.keys.len() > MAX_KEYS_PER_ISSUER {
        return Err(TrustListError::Malformed {
            reason: format!("issuer {} has more than {MAX_KEYS_PER_ISSUER} keys", w.id),
        });
    }
    let keys = w
        .keys
        .into_iter()
        .map(from_wire_key)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(TrustedIssuer {
        id: w.id,
        name: w.name,
        country: w.country,
        keys,
    })
}

fn from_wire_key(w: WireKey) -> Result<TrustedKey, TrustListError> {
    let invalid = |reason: String| TrustListError::InvalidKey {
        kid: w.kid.clone(),
        reason,
    };
    let public_key = PublicKey::from_jwk(&w.public_key_jwk).map_err(|e| invalid(e.to_string()))?;
    if public_key.algorithm().jws_alg() != w.alg {
        return Err(invalid(format!(
            "alg {} does not match the {:?} key",
            w.alg,
            public_key.algorithm()
        )));
    }
    if w.valid_until.is_some_and(|until| until < w.valid_from) {
        return Err(invalid("validUntil is before validFrom".to_owned()));
    }
    let status = match (w.status, w.compromised_at) {
        (WireStatus::Active, None) => KeyStatus::Active,
        (WireStatus::Retired, None) => KeyStatus::Retired,
        (WireStatus::Compromised, Some(since)) => KeyStatus::Compromised { since },
        (WireStatus::Compromised, None) => {
            return Err(invalid("compromised without compromisedAt".to_owned()));
        }
        (_, Some(_)) => {
            return Err(invalid(
                "compromisedAt on a key that is not compromised".to_owned(),
            ));
        }
    };
    Ok(TrustedKey {
        kid: w.kid,
        public_key,
        valid_from: w.valid_from,
        valid_until: w.valid_until,
        status,
    })
}

fn to_wire_issuer(i: &TrustedIssuer) -> WireIssuer {
    WireIssuer {
        id: i.id.clone(),
        name: i.name.clone(),
        country: i.country.clone(),
        keys: i
            .keys
            .iter()
            .map(|k| {
                let (status, compromised_at) = match k.status {
                    KeyStatus::Active => (WireStatus::Active, None),
                    KeyStatus::Retired => (WireStatus::Retired, None),
                    KeyStatus::Compromised { since } => (WireStatus::Compromised, Some(since)),
                };
                WireKey {
                    kid: k.kid.clone(),
                    alg: k.public_key.algorithm().jws_alg().to_owned(),
                    public_key_jwk: k.public_key.to_jwk(),
                    valid_from: k.valid_from,
                    valid_until: k.valid_until,
                    status,
                    compromised_at,
                }
            })
            .collect(),
    }
}

impl TrustedKey {
    /// Whether this key could sign a credential issued at `issued`: inside
    /// its validity window and, if compromised, before the compromise.
    /// Retired keys still vouch for what they signed while valid.
    pub fn check_signing_time(&self, issued: Timestamp) -> Result<(), KeyUseViolation> {
        if issued < self.valid_from {
            return Err(KeyUseViolation::BeforeValidity {
                valid_from: self.valid_from,
            });
        }
        if let Some(until) = self.valid_until
            && issued > until
        {
            return Err(KeyUseViolation::AfterValidity { valid_until: until });
        }
        if let KeyStatus::Compromised { since } = self.status
            && issued >= since
        {
            return Err(KeyUseViolation::AfterCompromise { since });
        }
        Ok(())
    }

    /// The signature algorithm family.
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.public_key.algorithm()
    }
}

/// Why a key could not have signed a credential at its issuance time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUseViolation {
    /// Issued before the key became valid.
    BeforeValidity {
        /// The key's first valid moment.
        valid_from: Timestamp,
    },
    /// Issued after the key stopped being valid.
    AfterValidity {
        /// The key's last valid moment.
        valid_until: Timestamp,
    },
    /// Issued at or after the key's compromise.
    AfterCompromise {
        /// When the compromise began.
        since: Timestamp,
    },
}
