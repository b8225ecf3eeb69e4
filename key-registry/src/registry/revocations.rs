//! Revocation lists from the revocation history: snapshots, deltas, and
//! W3C Bitstring Status List credentials.
//!
//! The history (`revocation_changes`) is append-only and every change
//! carries the version it entered, so the list at version V is the fold of
//! the changes up to V and a delta from N is the fold of those after N.
//! Both are deterministic for a version (Ed25519 signatures, JCS and the
//! compressed sets are), so every instance serves the same bytes, and
//! their ETags agree. They are built on demand, once per version, off the
//! async threads, and kept until the version changes.
//!
//! How a change names its certificate decides the set it lands in
//! (`credential::revocation`): a status-list entry goes to that list's exact
//! index set; a plain numeric certificate id to the exact numeric set; any
//! other id (the issuer API's `3YD1-W548-JND0-NXXR`) to the hashed set.
//! Suspension keys are `hash_key(issuer, id)` or `hash_key(issuer,
//! "<list>#<index>")`, as verifiers look them up.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use credential::{IssuerRevocations, RevocationList, RiceSet};
use serde_json::{Value, json};

use super::publish::{Published, RevocationHead, lock};
use super::{Registry, millis, ts};
use crate::error::Error;
use crate::store::{IssuerRecord, RevocationChange};

/// Most entries a status list holds: 2^24 (16,777,216) indices, 2 MiB of
/// bits before compression. An issuer numbers its lists beyond that. (The
/// W3C minimum, for herd privacy, is 131,072.)
pub const MAX_STATUS_LIST_LEN: u64 = 1 << 24;
/// Smallest bitstring published (W3C Bitstring Status List, section 3.1).
const MIN_STATUS_LIST_BITS: u64 = 131_072;

/// One issuer's entries while folding changes.
#[derive(Debug, Default)]
struct Fold {
    ids: Vec<u64>,
    hashes: Vec<u64>,
    lists: BTreeMap<String, Vec<u64>>,
    suspended: BTreeMap<u64, i64>,
    unsuspended: BTreeSet<u64>,
}

/// Which key a change is about, in the list's terms.
enum Target<'a> {
    Numeric(u64),
    Hashed(u64),
    Status(&'a str, u64),
}

fn target<'a>(issuer: &str, change: &'a RevocationChange) -> Option<(Target<'a>, u64)> {
    if let (Some(list), Some(index)) = (&change.status_list, change.status_index) {
        let index = u64::try_from(index).ok()?;
        let key = credential::revocation_hash_key(issuer, &format!("{list}#{index}"));
        return Some((Target::Status(list, index), key));
    }
    let id = change.certificate_id.as_deref()?;
    let key = credential::revocation_hash_key(issuer, id);
    Some(match credential::revocation_numeric_id(id) {
        Some(n) => (Target::Numeric(n), key),
        None => (Target::Hashed(key), key),
    })
}

/// Fold changes into per-issuer entries; `delta` keeps lifted suspensions.
fn fold(changes: &[RevocationChange], delta: bool) -> BTreeMap<String, Fold> {
    let mut issuers: BTreeMap<String, Fold> = BTreeMap::new();
    for change in changes {
        let entry = issuers.entry(change.issuer_id.clone()).or_default();
        let Some((target, key)) = target(&change.issuer_id, change) else {
            continue;
        };
        match change.action.as_str() {
            "revoke" => match target {
                Target::Numeric(n) => entry.ids.push(n),
                Target::Hashed(h) => entry.hashes.push(h),
                Target::Status(list, index) => {
                    entry.lists.entry(list.to_owned()).or_default().push(index);
                }
            },
            "suspend" => {
                entry.unsuspended.remove(&key);
                entry
                    .suspended
                    .insert(key, change.suspended_until.unwrap_or(i64::MAX));
            }
            "unsuspend" => {
                entry.suspended.remove(&key);
                if delta {
                    entry.unsuspended.insert(key);
                }
            }
            _ => {}
        }
    }
    issuers
}

/// The signed list for `head` from folded entries.
fn build(
    head: &RevocationHead,
    since: Option<u64>,
    folded: BTreeMap<String, Fold>,
    key: &credential::PrivateKey,
) -> Result<Vec<u8>, Error> {
    let issuers = folded
        .into_iter()
        .map(|(issuer, f)| -> Result<IssuerRevocations, Error> {
            Ok(IssuerRevocations {
                revoked_ids: RiceSet::from_keys(f.ids),
                revoked_hashes: RiceSet::from_keys(f.hashes),
                status_lists: f
                    .lists
                    .into_iter()
                    .map(|(url, keys)| (url, RiceSet::from_keys(keys)))
                    .collect(),
                suspended: f
                    .suspended
                    .into_iter()
                    // A snapshot leaves out suspensions that have ended.
                    .filter(|(_, until)| since.is_some() || *until > head.issued_at)
                    .map(|(k, until)| Ok((k, ts(until.min(253_402_300_799_000))?)))
                    .collect::<Result<_, Error>>()?,
                unsuspended: f.unsuspended.into_iter().collect(),
                issuer,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let list = RevocationList {
        version: head.version,
        issued_at: ts(head.issued_at)?,
        next_update: ts(head.next_update)?,
        since,
        issuers,
    };
    Ok(list.sign(key)?)
}

impl Registry {
    /// The current revocation list for a caller holding `since` (none: a
    /// snapshot): a delta when `since` is a recent version, a snapshot when
    /// it is too old or unknown. A caller already at the current version
    /// gets the empty delta from it to itself (`since` = `version`): a few
    /// hundred bytes saying "nothing new", not a 304, which a `fetch` that
    /// never saw the URL before would have nothing to answer from.
    pub async fn revocations(&self, since: Option<u64>) -> Result<Arc<Published>, Error> {
        let head = self
            .served()
            .revocations
            .clone()
            .ok_or_else(|| Error::Corrupt("no revocation list published".into()))?;
        self.reset_built(head.version);
        let since = match since {
            Some(n) if n == head.version => Some(n),
            Some(n) if n > 0 && n < head.version && self.delta_base_is_recent(n).await? => Some(n),
            _ => None,
        };
        let cached = || match since {
            Some(n) => lock(&self.built.deltas).get(&n).cloned(),
            None => lock(&self.built.snapshot)
                .clone()
                .filter(|s| s.version == head.version),
        };
        if let Some(found) = cached() {
            return Ok(found);
        }
        let _building = match self.built.building.try_lock() {
            Ok(guard) => guard,
            Err(_) => {
                // Another request is building. A snapshot of a slightly
                // older version is still a valid signed list (the verifier
                // asks for a delta from it next time): served at once
                // rather than after a build of a million entries.
                if since.is_none()
                    && let Some(older) = lock(&self.built.snapshot).clone()
                {
                    return Ok(older);
                }
                self.built.building.lock().await
            }
        };
        // Built by the request we waited for?
        if let Some(found) = cached() {
            return Ok(found);
        }
        let after = since.map_or(0, |n| i64::try_from(n).unwrap_or(i64::MAX));
        let upto = i64::try_from(head.version).unwrap_or(i64::MAX);
        let changes = self.store.revocation_changes(after, upto).await?;
        let key = self.anchor_by_thumbprint(&head.anchor).await?;
        let published = {
            let head = head.clone();
            tokio::task::spawn_blocking(move || -> Result<Published, Error> {
                let bytes = build(&head, since, fold(&changes, since.is_some()), &key)?;
                Ok(Published::new(head.version, bytes))
            })
            .await
            .map_err(|e| Error::Task(e.to_string()))??
        };
        let published = Arc::new(published);
        if let Some(n) = since
            && *lock(&self.built.version) == head.version
        {
            let mut deltas = lock(&self.built.deltas);
            // A handful of recent bases is all verifiers ask for.
            if deltas.len() >= 64 {
                deltas.clear();
            }
            deltas.insert(n, published.clone());
        } else if since.is_none() {
            let mut held = lock(&self.built.snapshot);
            if held.as_ref().is_none_or(|h| h.version < published.version) {
                *held = Some(published.clone());
            }
        }
        Ok(published)
    }

    /// Drop the deltas and status lists built for an older revocation
    /// version (the latest snapshot stays, see [`Self::revocations`]).
    fn reset_built(&self, version: u64) {
        let mut held = lock(&self.built.version);
        if *held != version {
            *held = version;
            lock(&self.built.deltas).clear();
            lock(&self.built.status_lists).clear();
        }
    }

    async fn delta_base_is_recent(&self, since: u64) -> Result<bool, Error> {
        let Ok(version) = i64::try_from(since) else {
            return Ok(false);
        };
        let Some(row) = self
            .store
            .list_version(super::publish::REVOCATIONS, version)
            .await?
        else {
            return Ok(false);
        };
        Ok(row.issued_at
            >= self
                .now_ms()
                .saturating_sub(millis(self.settings.delta_max_age)))
    }

    async fn anchor_by_thumbprint(
        &self,
        thumbprint: &str,
    ) -> Result<Arc<credential::PrivateKey>, Error> {
        let records = self.store.anchors().await?;
        let record = records
            .iter()
            .find(|a| a.thumbprint == thumbprint)
            .ok_or_else(|| Error::Corrupt(format!("anchor {thumbprint} missing")))?;
        self.anchor_key(record)
    }

    /// The status-list URL of an issuer's list `name`.
    pub fn status_list_url(&self, issuer: &IssuerRecord, name: &str) -> String {
        format!(
            "{}/v1/status-lists/{}/{name}",
            self.settings.public_url, issuer.slug
        )
    }

    /// The W3C Bitstring Status List credential (`statusPurpose`
    /// `revocation`) of an issuer's list, as of the current revocation
    /// version, issued by the registry's anchor as a `did:key` and signed
    /// with `eddsa-jcs-2022`.
    pub async fn status_list_credential(
        &self,
        slug: &str,
        name: &str,
    ) -> Result<Arc<Published>, Error> {
        if !super::ingest::is_list_name(name) {
            return Err(Error::not_found("status list", name));
        }
        let issuer = self
            .store
            .issuer_by_slug(slug)
            .await?
            .ok_or_else(|| Error::not_found("issuer", slug))?;
        let head = self
            .served()
            .revocations
            .clone()
            .ok_or_else(|| Error::Corrupt("no revocation list published".into()))?;
        self.reset_built(head.version);
        let url = self.status_list_url(&issuer, name);
        if let Some(found) = lock(&self.built.status_lists).get(&url).cloned() {
            return Ok(found);
        }
        let upto = i64::try_from(head.version).unwrap_or(i64::MAX);
        let indices = self.store.revoked_indices(&issuer.id, &url, upto).await?;
        let key = self.anchor_by_thumbprint(&head.anchor).await?;
        let document = {
            let (url, head) = (url.clone(), head.clone());
            tokio::task::spawn_blocking(move || status_list_document(&url, &head, &indices, &key))
                .await
                .map_err(|e| Error::Task(e.to_string()))??
        };
        let published = Arc::new(Published::new(head.version, document));
        if *lock(&self.built.version) == head.version {
            lock(&self.built.status_lists).insert(url, published.clone());
        }
        Ok(published)
    }
}

/// The signed status-list credential's JSON bytes.
fn status_list_document(
    url: &str,
    head: &RevocationHead,
    indices: &[i64],
    key: &credential::PrivateKey,
) -> Result<Vec<u8>, Error> {
    let highest = indices
        .iter()
        .filter_map(|&i| u64::try_from(i).ok())
        .max()
        .unwrap_or(0);
    // Whole bytes, at least the W3C minimum, capped by what ingest accepts.
    let bits = highest
        .saturating_add(1)
        .clamp(MIN_STATUS_LIST_BITS, MAX_STATUS_LIST_LEN)
        .div_ceil(8)
        * 8;
    let mut bitstring = vec![0u8; usize::try_from(bits / 8).unwrap_or(0)];
    for &index in indices {
        let Ok(index) = usize::try_from(index) else {
            continue;
        };
        // Index 0 is the most significant bit of the first byte.
        if let Some(byte) = bitstring.get_mut(index / 8) {
            *byte |= 0x80 >> (index % 8);
        }
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut encoder, &bitstring)?;
    let gzipped = encoder.finish()?;
    let anchor = key.public_key();
    let did = format!("did:key:{}", anchor.to_multibase()?);
    let unsigned: Value = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did,
        "validFrom": ts(head.issued_at)?.to_string(),
        "validUntil": ts(head.next_update)?.to_string(),
        "credentialSubject": {
            "id": format!("{url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": format!("u{}", URL_SAFE_NO_PAD.encode(gzipped)),
        },
    });
    let options = credential::ProofOptions {
        suite: credential::Suite::EddsaJcs2022,
        verification_method: format!("{did}#{}", anchor.to_multibase()?),
        created: ts(head.issued_at)?.to_string(),
        proof_purpose: "assertionMethod".to_owned(),
    };
    let signed = credential::sign(
        &unsigned,
        &options,
        key,
        &credential::ContextStore::bundled(),
    )?;
    serde_json::to_vec(&signed).map_err(|e| Error::Corrupt(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(
        version: i64,
        action: &str,
        id: Option<&str>,
        status: Option<(&str, i64)>,
    ) -> RevocationChange {
        RevocationChange {
            seq: version,
            version,
            issuer_id: "https://moh.example.org/".into(),
            action: action.into(),
            certificate_id: id.map(str::to_owned),
            status_list: status.map(|(l, _)| l.to_owned()),
            status_index: status.map(|(_, i)| i),
            suspended_until: (action == "suspend").then_some(2_000_000_000_000),
        }
    }

    #[test]
    fn folds_sort_ids_into_their_sets_and_track_suspensions() {
        let changes = vec![
            change(1, "cover", None, None),
            change(2, "revoke", Some("15295081141"), None),
            change(3, "revoke", Some("3YD1-W548-JND0-NXXR"), None),
            change(
                4,
                "revoke",
                None,
                Some(("https://r.example/v1/status-lists/moh/1", 7)),
            ),
            change(5, "suspend", Some("A"), None),
            change(6, "suspend", Some("B"), None),
            change(7, "unsuspend", Some("B"), None),
        ];
        let snapshot = fold(&changes, false);
        let f = snapshot.get("https://moh.example.org/").unwrap();
        assert_eq!(f.ids, vec![15_295_081_141]);
        assert_eq!(f.hashes.len(), 1);
        assert_eq!(f.lists.values().next().unwrap(), &vec![7]);
        assert_eq!(f.suspended.len(), 1);
        assert!(f.unsuspended.is_empty());
        let delta = fold(changes.get(5..).unwrap(), true);
        let f = delta.get("https://moh.example.org/").unwrap();
        assert!(f.suspended.is_empty());
        assert_eq!(f.unsuspended.len(), 1);
    }
}
