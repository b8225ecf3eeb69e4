//! What the app keeps on the device, written only after the engine has
//! accepted it (so what is stored has passed the anchor's signature check):
//! the trust list, the rules and the sync times in localStorage
//! (gloo-storage); the revocation snapshot and the deltas applied since in
//! IndexedDB, which holds megabytes where localStorage holds a few.

use gloo_storage::{LocalStorage, Storage};
use idb::{Database, DatabaseEvent, Factory, ObjectStoreParams, TransactionMode};
use js_sys::{Array, Object, Reflect, Uint8Array};
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

const TRUST_LIST_KEY: &str = "hc.trustList";
const RULES_KEY: &str = "hc.rules";
const SYNC_KEY: &str = "hc.sync";
const DB_NAME: &str = "healthcerts";
const DB_VERSION: u32 = 1;
const REVOCATIONS_STORE: &str = "revocations";
const CHAIN_KEY: &str = "chain";
/// Deltas kept on top of a snapshot before the next sync asks for a fresh
/// snapshot instead (bounds start-up replay).
pub const MAX_DELTAS: usize = 64;

/// When each kind of data was last confirmed current with the registry
/// (milliseconds on the verification clock), and the last sync's failure.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SyncTimes {
    /// Trust list.
    pub trust_list: Option<f64>,
    /// Revocations.
    pub revocations: Option<f64>,
    /// Rules.
    pub rules: Option<f64>,
}

/// Why something could not be stored or read.
#[derive(Debug, Clone, PartialEq)]
pub struct StorageError(pub String);

impl From<idb::Error> for StorageError {
    fn from(e: idb::Error) -> Self {
        Self(e.to_string())
    }
}

impl From<gloo_storage::errors::StorageError> for StorageError {
    fn from(e: gloo_storage::errors::StorageError) -> Self {
        Self(e.to_string())
    }
}

/// The signed trust list held (its JSON text).
pub fn trust_list() -> Option<Vec<u8>> {
    LocalStorage::get::<String>(TRUST_LIST_KEY)
        .ok()
        .map(String::into_bytes)
}

/// Keep a trust list the engine accepted. Trust lists are JSON text.
pub fn save_trust_list(bytes: &[u8]) -> Result<(), StorageError> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| StorageError("trust list is not UTF-8".into()))?;
    Ok(LocalStorage::set(TRUST_LIST_KEY, text)?)
}

/// Forget the trust list (the anchors refused it).
pub fn forget_trust_list() {
    LocalStorage::delete(TRUST_LIST_KEY);
}

/// The signed rules list held.
pub fn rules() -> Option<Vec<u8>> {
    LocalStorage::get::<String>(RULES_KEY)
        .ok()
        .map(String::into_bytes)
}

/// Keep a rules list the engine accepted.
pub fn save_rules(bytes: &[u8]) -> Result<(), StorageError> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| StorageError("rules are not UTF-8".into()))?;
    Ok(LocalStorage::set(RULES_KEY, text)?)
}

/// The sync times.
pub fn sync_times() -> SyncTimes {
    LocalStorage::get(SYNC_KEY).unwrap_or_default()
}

/// Record the sync times.
pub fn save_sync_times(times: &SyncTimes) -> Result<(), StorageError> {
    Ok(LocalStorage::set(SYNC_KEY, times)?)
}

async fn open() -> Result<Database, StorageError> {
    let factory = Factory::new()?;
    let mut request = factory.open(DB_NAME, Some(DB_VERSION))?;
    request.on_upgrade_needed(|event| {
        if let Ok(db) = event.database()
            && !db.store_names().iter().any(|n| n == REVOCATIONS_STORE)
        {
            let _ = db.create_object_store(REVOCATIONS_STORE, ObjectStoreParams::new());
        }
    });
    Ok(request.await?)
}

/// The revocation snapshot held and the deltas applied on top of it, in
/// order (empty when nothing is held).
pub async fn revocations() -> Result<Vec<Vec<u8>>, StorageError> {
    let db = open().await?;
    let tx = db.transaction(&[REVOCATIONS_STORE], TransactionMode::ReadOnly)?;
    let store = tx.object_store(REVOCATIONS_STORE)?;
    let record: Option<JsValue> = store.get(JsValue::from_str(CHAIN_KEY))?.await?;
    tx.await?;
    let Some(record) = record else {
        return Ok(Vec::new());
    };
    let get = |key: &str| Reflect::get(&record, &key.into()).unwrap_or(JsValue::UNDEFINED);
    let mut chain = Vec::new();
    if let Some(snapshot) = get("snapshot").dyn_ref::<Uint8Array>() {
        chain.push(snapshot.to_vec());
    } else {
        return Ok(Vec::new());
    }
    if let Some(deltas) = get("deltas").dyn_ref::<Array>() {
        chain.extend(
            deltas
                .iter()
                .filter_map(|d| d.dyn_into::<Uint8Array>().ok())
                .map(|d| d.to_vec()),
        );
    }
    Ok(chain)
}

/// Replace what is held with `chain` (a snapshot, then deltas).
pub async fn save_revocations(chain: &[Vec<u8>]) -> Result<(), StorageError> {
    let Some((snapshot, deltas)) = chain.split_first() else {
        return Ok(());
    };
    let record = Object::new();
    let set = |k: &str, v: &JsValue| {
        Reflect::set(&record, &k.into(), v).map_err(|e| StorageError(super::js_message(&e)))
    };
    set("snapshot", &Uint8Array::from(snapshot.as_slice()).into())?;
    let list: Array = deltas
        .iter()
        .map(|d| JsValue::from(Uint8Array::from(d.as_slice())))
        .collect();
    set("deltas", &list.into())?;
    let db = open().await?;
    let tx = db.transaction(&[REVOCATIONS_STORE], TransactionMode::ReadWrite)?;
    let store = tx.object_store(REVOCATIONS_STORE)?;
    store
        .put(&record.into(), Some(&JsValue::from_str(CHAIN_KEY)))?
        .await?;
    tx.commit()?.await?;
    Ok(())
}
