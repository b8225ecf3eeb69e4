//! The trust anchor: the Ed25519 key every list is signed with, generated
//! on first start and sealed at rest under the master key, and its
//! rotation.
//!
//! Rotation is two steps, so verifiers that pin the old key can follow:
//! 1. **announce**: a new key is made (`next`) and the trust list, still
//!    signed by the current anchor, names it in `nextAnchor`;
//! 2. **activate** (once verifiers have had time to sync, e.g. a few
//!    `nextUpdate` periods): the new key becomes `active`, the old one
//!    `retired`, and every list is published again, signed by the new key.
//!
//! A verifier that loaded a list from step 1 accepts lists from step 2; one
//! that slept through step 1 must be given the new anchor (`GET /v1/anchor`
//! over a channel it trusts).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use credential::{PrivateKey, PublicKey};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::Registry;
use crate::error::{Error, ErrorCode};
use crate::store::{AnchorRecord, Tx, is_unique_violation};

/// Anchor states as stored.
pub(crate) const ACTIVE: &str = "active";
pub(crate) const NEXT: &str = "next";
pub(crate) const RETIRED: &str = "retired";

/// Unsealed anchor keys, by thumbprint (unsealing is cheap, but lists are
/// signed often).
#[derive(Default)]
pub(crate) struct KeyCache(Mutex<HashMap<String, Arc<PrivateKey>>>);

impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyCache(<redacted>)")
    }
}

/// An anchor key as the admin API shows it (public parts only).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnchorInfo {
    /// RFC 7638 thumbprint (what signed lists name in `anchor`).
    pub thumbprint: String,
    /// `active`, `next` or `retired`.
    pub state: String,
    /// SPKI PEM.
    pub public_key_pem: String,
    /// JWK.
    #[schema(value_type = Object)]
    pub public_key_jwk: serde_json::Value,
    /// base58 of the raw key.
    pub public_key_base58: String,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Started signing (RFC 3339).
    pub activated_at: Option<String>,
}

impl AnchorInfo {
    pub(crate) fn of(record: &AnchorRecord) -> Result<Self, Error> {
        let key = public_of(record)?;
        Ok(Self {
            thumbprint: record.thumbprint.clone(),
            state: record.state.clone(),
            public_key_pem: key.to_pem()?,
            public_key_jwk: key.to_jwk(),
            public_key_base58: key.to_base58()?,
            created_at: super::ts(record.created_at)?.to_string(),
            activated_at: record
                .activated_at
                .map(|t| super::ts(t).map(|t| t.to_string()))
                .transpose()?,
        })
    }
}

/// The public key of a stored anchor.
pub(crate) fn public_of(record: &AnchorRecord) -> Result<PublicKey, Error> {
    PublicKey::from_jwk_str(&record.public_jwk)
        .map_err(|e| Error::Corrupt(format!("anchor {}: {e}", record.thumbprint)))
}

/// The active and announced anchors among stored ones.
pub(crate) fn current(
    records: &[AnchorRecord],
) -> Result<(&AnchorRecord, Option<&AnchorRecord>), Error> {
    let active = records
        .iter()
        .find(|a| a.state == ACTIVE)
        .ok_or_else(|| Error::Corrupt("no active anchor key".into()))?;
    Ok((active, records.iter().find(|a| a.state == NEXT)))
}

impl Registry {
    /// The private key of a stored anchor, unsealed (cached).
    pub(crate) fn anchor_key(&self, record: &AnchorRecord) -> Result<Arc<PrivateKey>, Error> {
        let mut cache = match self.keys.0.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(key) = cache.get(&record.thumbprint) {
            return Ok(key.clone());
        }
        let pem = self
            .master
            .decrypt(&record.sealed_key, record.thumbprint.as_bytes())?;
        let pem = std::str::from_utf8(&pem)
            .map_err(|_| Error::Corrupt(format!("anchor {} is not PEM", record.thumbprint)))?;
        let key = PrivateKey::from_pem(pem)
            .map_err(|e| Error::Corrupt(format!("anchor {}: {e}", record.thumbprint)))?;
        if key.public_key().thumbprint() != record.thumbprint {
            return Err(Error::Corrupt(format!(
                "anchor {}: the sealed key does not match its public key",
                record.thumbprint
            )));
        }
        let key = Arc::new(key);
        cache.insert(record.thumbprint.clone(), key.clone());
        Ok(key)
    }

    /// A fresh anchor key, sealed, as a record in `state`.
    fn new_anchor(&self, seq: i64, state: &str) -> Result<AnchorRecord, Error> {
        let key = PrivateKey::generate_ed25519()?;
        let public = key.public_key();
        let thumbprint = public.thumbprint();
        let pem = key.to_pkcs8_pem()?;
        Ok(AnchorRecord {
            seq,
            sealed_key: self.master.encrypt(pem.as_bytes(), thumbprint.as_bytes())?,
            public_jwk: public.to_jwk().to_string(),
            thumbprint,
            state: state.to_owned(),
            created_at: self.now_ms(),
            activated_at: (state == ACTIVE).then(|| self.now_ms()),
        })
    }

    /// On first start, make the anchor key.
    pub(crate) async fn ensure_anchor(&self) -> Result<(), Error> {
        if !self.store.anchors().await?.is_empty() {
            return Ok(());
        }
        let record = self.new_anchor(1, ACTIVE)?;
        let mut tx = self.store.begin().await?;
        tx.insert_anchor(&record).await?;
        tx.audit(
            self.now_ms(),
            "system",
            "anchor_created",
            Some(&record.thumbprint),
            &json!({}),
        )
        .await?;
        match tx.commit().await {
            Ok(()) => {
                tracing::info!(thumbprint = %record.thumbprint, "generated the registry's anchor key");
                Ok(())
            }
            // Another instance (PostgreSQL) made it at the same moment.
            Err(e) if is_unique_violation(&e) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The anchor keys, newest first.
    pub async fn anchors(&self) -> Result<Vec<AnchorInfo>, Error> {
        let mut records = self.store.anchors().await?;
        records.reverse();
        records.iter().map(AnchorInfo::of).collect()
    }

    /// The active anchor's public key.
    pub async fn active_anchor(&self) -> Result<PublicKey, Error> {
        let records = self.store.anchors().await?;
        let (active, _) = current(&records)?;
        public_of(active)
    }

    /// Step 1 of a rotation: make the next anchor and announce it in a new
    /// trust list signed by the current one.
    pub async fn announce_next_anchor(&self, actor: &str) -> Result<AnchorInfo, Error> {
        let mut tx = self.store.begin().await?;
        // The trust list's head row orders this against other publishers.
        tx.head_for_update(super::publish::TRUST).await?;
        let records = tx.anchors().await?;
        if let Some(next) = records.iter().find(|a| a.state == NEXT) {
            return Err(Error::client(
                ErrorCode::AnchorState,
                format!(
                    "anchor {} is already announced; activate it before announcing another",
                    next.thumbprint
                ),
            ));
        }
        let seq = records.iter().map(|a| a.seq).max().unwrap_or(0) + 1;
        let record = self.new_anchor(seq, NEXT)?;
        tx.insert_anchor(&record).await?;
        self.publish_trust(&mut tx).await?;
        tx.audit(
            self.now_ms(),
            actor,
            "anchor_announced",
            Some(&record.thumbprint),
            &json!({}),
        )
        .await?;
        tx.commit().await?;
        self.sync().await?;
        AnchorInfo::of(&record)
    }

    /// Step 2 of a rotation: the announced anchor signs from now on; every
    /// list is published again under it, in the same transaction.
    pub async fn activate_next_anchor(&self, actor: &str) -> Result<AnchorInfo, Error> {
        let mut tx = self.store.begin().await?;
        tx.head_for_update(super::publish::TRUST).await?;
        let records = tx.anchors().await?;
        let (active, next) = current(&records)?;
        let Some(next) = next.cloned() else {
            return Err(Error::client(
                ErrorCode::AnchorState,
                "no anchor is announced: announce one first (POST /v1/admin/anchor/announce)",
            ));
        };
        let now = self.now_ms();
        tx.set_anchor_state(active.seq, RETIRED, None).await?;
        tx.set_anchor_state(next.seq, ACTIVE, Some(now)).await?;
        self.republish_all(&mut tx).await?;
        tx.audit(
            now,
            actor,
            "anchor_activated",
            Some(&next.thumbprint),
            &json!({ "retired": active.thumbprint }),
        )
        .await?;
        tx.commit().await?;
        self.sync().await?;
        let mut activated = next;
        activated.state = ACTIVE.to_owned();
        activated.activated_at = Some(now);
        AnchorInfo::of(&activated)
    }

    /// Publish every list again (new versions, same content) under the
    /// active anchor.
    pub(crate) async fn republish_all(&self, tx: &mut Tx) -> Result<(), Error> {
        self.publish_trust(tx).await?;
        self.publish_revocations(tx).await?;
        for (list, _) in tx.heads().await? {
            if let Some(profile) = list.strip_prefix(super::publish::RULES_PREFIX) {
                self.publish_rules(tx, profile).await?;
            }
        }
        Ok(())
    }
}
