//! Publishing: list versions, the trust list, refreshing lists before
//! their `nextUpdate`, and the in-memory copies every request is served
//! from.
//!
//! A publish is one transaction: bump the list's head (`list_heads`), build
//! and sign the list from the rows as they are inside that transaction,
//! record the version (with the signed bytes for the trust and rules lists),
//! commit, and only then answer. Requests are served from [`Served`], which
//! [`Registry::sync`] reloads from the heads after every local publish and
//! on a timer (other instances publish too). Serving never touches the
//! database on the hot path: an `If-None-Match` hit is a string compare.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use credential::{KeyStatus, PublicKey, TrustList, TrustedContext, TrustedIssuer, TrustedKey};
use sha2::{Digest, Sha256};

use super::{Registry, anchors, millis, ts};
use crate::error::Error;
use crate::store::{IssuerRecord, KeyRecord, ListVersion, Tx, is_unique_violation};

/// The trust list's name in `list_heads`.
pub const TRUST: &str = "trust";
/// The revocation list's name in `list_heads`.
pub const REVOCATIONS: &str = "revocations";
/// Rules lists are `rules:<profile>` in `list_heads`.
pub const RULES_PREFIX: &str = "rules:";

/// Signed bytes as served: identity and gzip, with a strong ETag.
#[derive(Debug)]
pub struct Published {
    /// The list's version (0 for documents that have none).
    pub version: u64,
    /// The bytes.
    pub bytes: Bytes,
    /// The bytes, gzipped once (not per request).
    pub gzip: Bytes,
    /// Strong ETag of the bytes: `"<first 128 bits of SHA-256, hex>"`.
    pub etag: String,
    /// Strong ETag of the gzip form: `"<same hex>-gzip"`.
    pub etag_gzip: String,
}

impl Published {
    /// Wrap bytes: hash them and gzip them once.
    pub fn new(version: u64, bytes: Vec<u8>) -> Self {
        let digest = Sha256::digest(&bytes);
        let hex = service_core::hex(digest.get(..16).unwrap_or_default());
        let etag = format!("\"{hex}\"");
        let etag_gzip = format!("\"{hex}-gzip\"");
        let mut encoder = flate2::write::GzEncoder::new(
            Vec::with_capacity(bytes.len() / 2),
            flate2::Compression::default(),
        );
        // Writing to a Vec cannot fail; if it somehow did, serve identity only.
        let gzip = encoder
            .write_all(&bytes)
            .and_then(|()| encoder.finish())
            .unwrap_or_default();
        Self {
            version,
            bytes: Bytes::from(bytes),
            gzip: Bytes::from(gzip),
            etag,
            etag_gzip,
        }
    }
}

/// The revocation list's current version (its bytes are built on demand).
#[derive(Debug, Clone)]
pub struct RevocationHead {
    /// Version.
    pub version: u64,
    /// `issuedAt`, Unix ms.
    pub issued_at: i64,
    /// `nextUpdate`, Unix ms.
    pub next_update: i64,
    /// Thumbprint of the anchor that signs it.
    pub anchor: String,
}

/// What is served now.
#[derive(Debug, Default)]
pub struct Served {
    /// The signed trust list.
    pub trust: Option<Arc<Published>>,
    /// The revocation list's head.
    pub revocations: Option<RevocationHead>,
    /// Signed rules lists by profile.
    pub rules: BTreeMap<String, Arc<Published>>,
    /// The profile names, a JSON array.
    pub profiles: Option<Arc<Published>>,
    /// The active anchor's public key, PEM.
    pub anchor_pem: Option<Arc<Published>>,
    heads: Vec<(String, i64)>,
}

/// Revocation snapshots, deltas and status lists built for the current
/// revocation version (dropped when it changes).
#[derive(Debug, Default)]
pub(crate) struct BuiltCache {
    pub(crate) version: Mutex<u64>,
    pub(crate) snapshot: Mutex<Option<Arc<Published>>>,
    pub(crate) deltas: Mutex<HashMap<u64, Arc<Published>>>,
    pub(crate) status_lists: Mutex<HashMap<String, Arc<Published>>>,
    /// One build at a time: concurrent requests for the same new snapshot
    /// wait for it rather than all building it.
    pub(crate) building: tokio::sync::Mutex<()>,
}

/// Lock a std mutex, recovering from poisoning (the data is a cache).
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl Registry {
    /// On first start, publish version 1 of the trust and revocation lists.
    pub(crate) async fn ensure_lists(&self) -> Result<(), Error> {
        let heads = self.store.heads().await?;
        let has = |name: &str| heads.iter().any(|(l, _)| l == name);
        for (name, missing) in [(TRUST, !has(TRUST)), (REVOCATIONS, !has(REVOCATIONS))] {
            if !missing {
                continue;
            }
            let mut tx = self.store.begin().await?;
            if name == TRUST {
                self.publish_trust(&mut tx).await?;
            } else {
                self.publish_revocations(&mut tx).await?;
            }
            match tx.commit().await {
                Ok(()) => {}
                // Another instance published it at the same moment.
                Err(e) if is_unique_violation(&e) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// The version row a new publish of `list` records: the next version,
    /// dated now, signed by the active anchor.
    async fn next_version(&self, tx: &mut Tx, list: &str) -> Result<ListVersion, Error> {
        let version = tx.bump(list).await?;
        let records = tx.anchors().await?;
        let (active, _) = anchors::current(&records)?;
        let issued_at = self.now_ms();
        Ok(ListVersion {
            list: list.to_owned(),
            version,
            issued_at,
            next_update: issued_at.saturating_add(millis(self.settings.list_validity)),
            anchor: active.thumbprint.clone(),
            body: None,
        })
    }

    /// Publish the trust list as the rows are inside `tx`; returns its version.
    pub(crate) async fn publish_trust(&self, tx: &mut Tx) -> Result<u64, Error> {
        let mut row = self.next_version(tx, TRUST).await?;
        let records = tx.anchors().await?;
        let (active, next) = anchors::current(&records)?;
        let key = self.anchor_key(active)?;
        let issuers = tx.issuers().await?;
        let keys = tx.all_keys().await?;
        let mut list = trust_list(&row, &issuers, &keys)?;
        if let Some(next) = next {
            list = list
                .with_next_anchor(anchors::public_of(next)?)
                .map_err(|e| Error::Corrupt(format!("next anchor: {e}")))?;
        }
        row.body = Some(list.sign(&key)?);
        tx.insert_list_version(&row).await?;
        version_u64(row.version)
    }

    /// Start a new revocation-list version (the caller records its changes
    /// with it); returns the version.
    pub(crate) async fn publish_revocations(&self, tx: &mut Tx) -> Result<i64, Error> {
        let row = self.next_version(tx, REVOCATIONS).await?;
        tx.insert_list_version(&row).await?;
        Ok(row.version)
    }

    /// Publish a profile's rules list from its stored rules; returns its version.
    pub(crate) async fn publish_rules(&self, tx: &mut Tx, profile: &str) -> Result<u64, Error> {
        let record = tx
            .rules(profile)
            .await?
            .ok_or_else(|| Error::Corrupt(format!("rules of {profile} missing")))?;
        let rules: Vec<credential::Rule> = serde_json::from_str(&record.rules)
            .map_err(|e| Error::Corrupt(format!("rules of {profile}: {e}")))?;
        let mut row = self
            .next_version(tx, &format!("{RULES_PREFIX}{profile}"))
            .await?;
        let list = credential::RulesList::new(
            version_u64(row.version)?,
            ts(row.issued_at)?,
            ts(row.next_update)?,
            profile.to_owned(),
            record.name,
            rules,
        )
        .map_err(|e| Error::Corrupt(format!("rules of {profile}: {e}")))?;
        let records = tx.anchors().await?;
        let (active, _) = anchors::current(&records)?;
        row.body = Some(list.sign(&*self.anchor_key(active)?)?);
        tx.insert_list_version(&row).await?;
        version_u64(row.version)
    }

    /// Sign again every list whose current version is older than
    /// `refresh_after` (or signed by an anchor no longer active), so
    /// verifiers never see a stale `nextUpdate` while the registry runs.
    /// Returns how many lists were published.
    pub async fn refresh_stale(&self) -> Result<usize, Error> {
        let now = self.now_ms();
        let mut published = 0;
        for (list, _) in self.store.heads().await? {
            let mut tx = self.store.begin().await?;
            let Some(head) = tx.head_for_update(&list).await? else {
                continue;
            };
            let records = tx.anchors().await?;
            let (active, _) = anchors::current(&records)?;
            let due = head
                .issued_at
                .saturating_add(millis(self.settings.refresh_after))
                <= now;
            if !due && head.anchor == active.thumbprint {
                continue;
            }
            if list == TRUST {
                self.publish_trust(&mut tx).await?;
            } else if list == REVOCATIONS {
                self.publish_revocations(&mut tx).await?;
            } else if let Some(profile) = list.strip_prefix(RULES_PREFIX) {
                self.publish_rules(&mut tx, profile).await?;
            }
            tx.commit().await?;
            published += 1;
        }
        if published > 0 {
            self.sync().await?;
        }
        Ok(published)
    }

    /// Reload what is served from the store's heads; true if anything
    /// changed. Cheap when nothing did (one small query).
    pub async fn sync(&self) -> Result<bool, Error> {
        let heads = self.store.heads().await?;
        let old = self.served();
        if heads == old.heads && old.anchor_pem.is_some() {
            return Ok(false);
        }
        let unchanged =
            |list: &str, version: i64| old.heads.iter().any(|h| h.0 == list && h.1 == version);
        let mut served = Served::default();
        for (list, version) in &heads {
            let (list, version) = (list.as_str(), *version);
            if list == REVOCATIONS {
                served.revocations = match (&old.revocations, unchanged(list, version)) {
                    (Some(head), true) => Some(head.clone()),
                    _ => {
                        let row = self.version_row(list, version).await?;
                        Some(RevocationHead {
                            version: version_u64(version)?,
                            issued_at: row.issued_at,
                            next_update: row.next_update,
                            anchor: row.anchor,
                        })
                    }
                };
                continue;
            }
            let cached = if list == TRUST {
                old.trust.clone()
            } else {
                list.strip_prefix(RULES_PREFIX)
                    .and_then(|p| old.rules.get(p).cloned())
            };
            let published = match cached {
                Some(p) if unchanged(list, version) => p,
                _ => {
                    let row = self.version_row(list, version).await?;
                    let body = row
                        .body
                        .ok_or_else(|| Error::Corrupt(format!("{list} v{version} has no body")))?;
                    Arc::new(Published::new(version_u64(version)?, body))
                }
            };
            if list == TRUST {
                served.trust = Some(published);
            } else if let Some(profile) = list.strip_prefix(RULES_PREFIX) {
                served.rules.insert(profile.to_owned(), published);
            }
        }
        let names: Vec<&String> = served.rules.keys().collect();
        served.profiles = Some(Arc::new(Published::new(
            0,
            serde_json::to_vec(&names).map_err(|e| Error::Corrupt(e.to_string()))?,
        )));
        let anchor = self.active_anchor().await?;
        served.anchor_pem = Some(Arc::new(Published::new(0, anchor.to_pem()?.into_bytes())));
        served.heads = heads;
        self.set_served(served);
        Ok(true)
    }

    async fn version_row(&self, list: &str, version: i64) -> Result<ListVersion, Error> {
        self.store
            .list_version(list, version)
            .await?
            .ok_or_else(|| Error::Corrupt(format!("{list} version {version} has no record")))
    }
}

/// A stored version as the `u64` lists carry.
pub(crate) fn version_u64(version: i64) -> Result<u64, Error> {
    u64::try_from(version).map_err(|_| Error::Corrupt(format!("version {version}")))
}

/// The trust list of a version from issuer and key rows.
fn trust_list(
    row: &ListVersion,
    issuers: &[IssuerRecord],
    keys: &[KeyRecord],
) -> Result<TrustList, Error> {
    let mut contexts: Vec<TrustedContext> = Vec::new();
    let mut trusted = Vec::with_capacity(issuers.len());
    for issuer in issuers {
        let own: Vec<TrustedContext> = serde_json::from_str(&issuer.contexts)
            .map_err(|e| Error::Corrupt(format!("issuer {} contexts: {e}", issuer.id)))?;
        for context in own {
            if !contexts.iter().any(|c| c.url == context.url) {
                contexts.push(context);
            }
        }
        let keys = keys
            .iter()
            .filter(|k| k.issuer_id == issuer.id)
            .map(trusted_key)
            .collect::<Result<Vec<_>, _>>()?;
        trusted.push(TrustedIssuer {
            id: issuer.id.clone(),
            name: issuer.name.clone(),
            country: issuer.country.clone(),
            keys,
        });
    }
    TrustList::new(
        version_u64(row.version)?,
        ts(row.issued_at)?,
        ts(row.next_update)?,
        trusted,
        contexts,
    )
    .map_err(|e| Error::Corrupt(format!("trust list: {e}")))
}

fn trusted_key(k: &KeyRecord) -> Result<TrustedKey, Error> {
    let corrupt =
        |what: String| Error::Corrupt(format!("key {} of {}: {what}", k.kid, k.issuer_id));
    let public_key = PublicKey::from_jwk_str(&k.public_jwk).map_err(|e| corrupt(e.to_string()))?;
    let status = match (k.status.as_str(), k.compromised_at) {
        ("active", _) => KeyStatus::Active,
        ("retired", _) => KeyStatus::Retired,
        ("compromised", Some(since)) => KeyStatus::Compromised { since: ts(since)? },
        (other, _) => return Err(corrupt(format!("status {other:?}"))),
    };
    Ok(TrustedKey {
        kid: k.kid.clone(),
        public_key,
        valid_from: ts(k.valid_from)?,
        valid_until: k.valid_until.map(ts).transpose()?,
        status,
    })
}
