//! Trust data sync: the device's copy into the engine at start-up, then the
//! registry's newer lists when online. Every list goes through the engine
//! (which checks it against the pinned anchors and refuses rollbacks)
//! before it is stored, so the device only ever keeps lists the anchors
//! signed. Revocations move by deltas since the held version; a registry
//! that answers a delta request with a snapshot is followed.

use super::config::Config;
use super::engine::{Engine, EngineError};
use super::http::{self, HttpError};
use super::{clock, storage};

/// Largest trust list fetched (the engine's own limit).
const MAX_TRUST_LIST_BYTES: usize = 4 << 20;
/// Largest revocation list fetched (the engine's own limit).
const MAX_REVOCATION_BYTES: usize = 32 << 20;
/// Largest rules list fetched.
const MAX_RULES_BYTES: usize = 1 << 20;

/// Why a sync did not complete; the screens translate these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncError {
    /// The registry could not be reached or answered an error.
    Network,
    /// A list failed the anchor's signature check or was a rollback.
    Rejected,
    /// The device would not store the data.
    Storage,
}

impl From<HttpError> for SyncError {
    fn from(_: HttpError) -> Self {
        Self::Network
    }
}

impl From<storage::StorageError> for SyncError {
    fn from(_: storage::StorageError) -> Self {
        Self::Storage
    }
}

impl From<EngineError> for SyncError {
    fn from(_: EngineError) -> Self {
        Self::Rejected
    }
}

/// Load what the device holds into a freshly started engine. A list the
/// engine now refuses (the deployment changed its anchors) is forgotten,
/// so the next sync fetches a fresh one.
pub async fn restore(engine: &Engine) {
    if let Some(list) = storage::trust_list()
        && engine.load_trust_list(&list).await.is_err()
    {
        storage::forget_trust_list();
    }
    if let Ok(chain) = storage::revocations().await {
        for (i, list) in chain.iter().enumerate() {
            if engine.load_revocations(list).await.is_err() {
                // Keep the part that applied; the next sync continues from it.
                let kept = chain.get(..i).unwrap_or_default();
                let _ = storage::save_revocations(kept).await;
                break;
            }
        }
    }
    if let Some(rules) = storage::rules() {
        let _ = engine.load_rules(&rules).await;
    }
}

/// Fetch what is new from the registry into the engine and the device.
pub async fn sync(config: &Config, engine: &Engine) -> Result<(), SyncError> {
    let mut times = storage::sync_times();
    sync_trust_list(config, engine).await?;
    times.trust_list = Some(clock::now_ms());
    storage::save_sync_times(&times)?;

    sync_revocations(config, engine).await?;
    times.revocations = Some(clock::now_ms());
    storage::save_sync_times(&times)?;

    if let Some(profile) = config.rules_profile.as_deref()
        && sync_rules(config, engine, profile).await?
    {
        times.rules = Some(clock::now_ms());
        storage::save_sync_times(&times)?;
    }
    Ok(())
}

fn url(config: &Config, path: &str) -> Result<String, SyncError> {
    config.registry_url(path).map_err(|_| SyncError::Network)
}

async fn sync_trust_list(config: &Config, engine: &Engine) -> Result<(), SyncError> {
    let bytes = http::get(&url(config, "v1/trust-list")?, MAX_TRUST_LIST_BYTES)
        .await?
        .ok_or(SyncError::Network)?;
    if storage::trust_list().as_deref() == Some(bytes.as_slice()) {
        return Ok(());
    }
    engine.load_trust_list(&bytes).await?;
    storage::save_trust_list(&bytes)?;
    Ok(())
}

/// `(version, since)` from a signed list's payload, read before the
/// engine checks it only to decide how to store it.
fn peek(bytes: &[u8]) -> Option<(u64, Option<u64>)> {
    let text = std::str::from_utf8(bytes).ok()?;
    let envelope = js_sys::JSON::parse(text).ok()?;
    let payload = js_sys::Reflect::get(&envelope, &"payload".into()).ok()?;
    let number = |key: &str| {
        js_sys::Reflect::get(&payload, &key.into())
            .ok()
            .and_then(|v| v.as_f64())
            .filter(|v| v.is_finite() && *v >= 0.0)
            .map(|v| v as u64)
    };
    Some((number("version")?, number("since")))
}

async fn sync_revocations(config: &Config, engine: &Engine) -> Result<(), SyncError> {
    let mut chain = storage::revocations().await.unwrap_or_default();
    let held = engine
        .state(clock::now_ms())
        .await
        .ok()
        .and_then(|s| s.revocation_version)
        .filter(|_| !chain.is_empty());
    let path = match held {
        Some(v) if chain.len() <= storage::MAX_DELTAS => format!("v1/revocations?since={v}"),
        _ => "v1/revocations".to_owned(),
    };
    let bytes = http::get(&url(config, &path)?, MAX_REVOCATION_BYTES)
        .await?
        .ok_or(SyncError::Network)?;
    let (version, since) = peek(&bytes).unwrap_or((0, None));
    if held == Some(version) {
        return Ok(());
    }
    match since {
        Some(_) => match engine.load_revocations(&bytes).await {
            Ok(()) => chain.push(bytes),
            // A delta that does not start at the held version: take the
            // full snapshot instead.
            Err(_) => {
                let snapshot = http::get(&url(config, "v1/revocations")?, MAX_REVOCATION_BYTES)
                    .await?
                    .ok_or(SyncError::Network)?;
                engine.load_revocations(&snapshot).await?;
                chain = vec![snapshot];
            }
        },
        None => {
            engine.load_revocations(&bytes).await?;
            chain = vec![bytes];
        }
    }
    storage::save_revocations(&chain).await?;
    Ok(())
}

/// `Ok(false)` when the registry has no such rules or the engine has no
/// rules support yet.
async fn sync_rules(config: &Config, engine: &Engine, profile: &str) -> Result<bool, SyncError> {
    let path = format!("v1/rules/{}", js_sys::encode_uri_component(profile));
    let Some(bytes) = http::get(&url(config, &path)?, MAX_RULES_BYTES).await? else {
        return Ok(false);
    };
    if !engine.load_rules(&bytes).await? {
        return Ok(false);
    }
    storage::save_rules(&bytes)?;
    Ok(true)
}
