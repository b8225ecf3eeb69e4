//! The issuer core: the plain-Rust service the HTTP handlers, the CLI and
//! the tests call. It owns the store, the current programme, the key ring
//! and the credential signing; it knows nothing of HTTP.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::sync::Notify;

use crate::clock::Clock;
use crate::config::{
    ConfigFile, OutboxSettings, Programme, RegistrySettings, SuiteChoice, WebhookSettings,
};
use crate::error::{Error, ErrorCode};
use crate::ids::hex;
use crate::keys::{IssuerKey, KeyRing, MasterKey};
use crate::store::Store;
use crate::writer::Writer;

/// How far in the past a rotation's `at` may be and still mean "now"
/// (request latency, clocks a little apart).
const ROTATION_PAST_TOLERANCE_MS: i64 = 60_000;

/// The context that defines `DataIntegrityProof` and `cryptosuite`.
const DATA_INTEGRITY_CONTEXT: &str = "https://w3id.org/security/data-integrity/v2";

/// The programme in force, with what is derived from it.
#[derive(Debug, Clone)]
pub struct LoadedProgramme {
    /// Version in the database.
    pub version: i64,
    /// The programme.
    pub programme: Programme,
    /// The credential model's profile, derived.
    pub profile: credential::IssuanceProfile,
    /// The issuer's DID.
    pub did: String,
}

impl LoadedProgramme {
    fn new(version: i64, programme: Programme) -> Self {
        Self {
            version,
            profile: programme.issuance_profile(),
            did: programme.issuer.did(),
            programme,
        }
    }
}

/// Operational settings the core needs (from the configuration file).
#[derive(Debug, Clone, Default)]
pub struct CoreSettings {
    /// Webhook receivers.
    pub webhooks: Vec<WebhookSettings>,
    /// The key registry, if configured.
    pub registry: Option<RegistrySettings>,
    /// Outbox retry policy.
    pub outbox: OutboxSettings,
    /// Largest certify batch.
    pub max_batch_items: usize,
    /// How often instances re-read keys and programme, in seconds.
    pub refresh_secs: u64,
}

/// The issuer service core.
#[derive(Debug)]
pub struct Issuer {
    /// Storage.
    pub(crate) store: Store,
    /// Operational settings.
    pub settings: CoreSettings,
    /// The data directory.
    pub data_dir: PathBuf,
    master: MasterKey,
    programme: RwLock<Arc<LoadedProgramme>>,
    keys: RwLock<Arc<KeyRing>>,
    contexts: credential::ContextStore,
    /// Wakes the outbox worker after a commit that queued events.
    pub outbox_wake: Notify,
    /// The certify write path (group commit on SQLite).
    pub writer: Writer,
    /// Where "now" comes from.
    pub(crate) clock: Arc<dyn Clock>,
}

/// SHA-256 of a programme's canonical JSON, to notice a changed file.
fn programme_hash(programme: &Programme) -> Result<String, Error> {
    let json = serde_json::to_vec(programme).map_err(|e| Error::Corrupt(e.to_string()))?;
    Ok(hex(&Sha256::digest(json)))
}

impl Issuer {
    /// Open the issuer on a store: import the file's programme if it is new
    /// or changed since its last import, create the first signing key if
    /// there is none, and load keys and programme.
    pub async fn open(
        store: Store,
        file: &ConfigFile,
        file_source: &str,
        master: MasterKey,
        data_dir: PathBuf,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, Error> {
        import_programme(&store, &file.programme, file_source, clock.now_ms()).await?;
        let record = store
            .latest_programme()
            .await?
            .ok_or_else(|| Error::Corrupt("no programme stored".into()))?;
        let programme: Programme = serde_json::from_str(&record.document)
            .map_err(|e| Error::Corrupt(format!("stored programme: {e}")))?;
        let loaded = LoadedProgramme::new(record.version, programme);
        crate::keys::ensure_key(&store, &master, clock.now_ms()).await?;
        let ring = crate::keys::load_keyring(&store, &master, &loaded.did).await?;
        Ok(Self {
            writer: Writer::new(store.clone()),
            store,
            settings: CoreSettings {
                webhooks: file.webhooks.clone(),
                registry: file.registry.clone(),
                outbox: file.outbox.clone(),
                max_batch_items: file.server.max_batch_items,
                refresh_secs: file.server.refresh_secs.max(1),
            },
            data_dir,
            master,
            programme: RwLock::new(Arc::new(loaded)),
            keys: RwLock::new(Arc::new(ring)),
            contexts: credential::ContextStore::bundled(),
            outbox_wake: Notify::new(),
            clock,
        })
    }

    /// The programme in force.
    pub fn programme(&self) -> Arc<LoadedProgramme> {
        match self.programme.read() {
            Ok(guard) => guard.clone(),
            // A panic while holding the lock cannot leave a half-written Arc.
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set_programme(&self, loaded: LoadedProgramme) {
        let mut guard = match self.programme.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        *guard = Arc::new(loaded);
    }

    /// The key ring in force.
    pub fn keyring(&self) -> Arc<KeyRing> {
        match self.keys.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reload keys and programme from the database (another process, such
    /// as `issuer-api keys rotate` or a second instance, may have changed them).
    pub async fn refresh(&self) -> Result<(), Error> {
        if let Some(record) = self.store.latest_programme().await?
            && record.version != self.programme().version
        {
            let programme: Programme = serde_json::from_str(&record.document)
                .map_err(|e| Error::Corrupt(format!("stored programme: {e}")))?;
            self.set_programme(LoadedProgramme::new(record.version, programme));
        }
        let ring =
            crate::keys::load_keyring(&self.store, &self.master, &self.programme().did).await?;
        let mut guard = match self.keys.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        *guard = Arc::new(ring);
        Ok(())
    }

    /// Replace the programme (admin), audited; returns the new version.
    ///
    /// `based_on` is the version the change was made from (the caller's
    /// `If-Match`): if another change landed since, this one is refused
    /// rather than silently undoing it.
    pub async fn replace_programme(
        &self,
        programme: Programme,
        based_on: i64,
        actor: &str,
    ) -> Result<i64, Error> {
        programme.check().map_err(|e| match e {
            Error::Config(m) => Error::client(ErrorCode::InvalidProgramme, m),
            other => other,
        })?;
        let current = self.programme();
        if programme.id != current.programme.id {
            return Err(Error::client(
                ErrorCode::ProgrammeIdImmutable,
                format!(
                    "the programme id is part of every certificate's idempotency key; it stays {}",
                    current.programme.id
                ),
            ));
        }
        let document =
            serde_json::to_string(&programme).map_err(|e| Error::Corrupt(e.to_string()))?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let latest = tx.latest_programme().await?;
        let current_version = latest.as_ref().map_or(0, |r| r.version);
        if current_version != based_on {
            return Err(Error::Client {
                code: ErrorCode::VersionMismatch,
                message: format!(
                    "the programme is at version {current_version}, not {based_on}: \
                     read it again and reapply the change"
                ),
            });
        }
        let version = current_version + 1;
        let file_hash = latest.and_then(|r| r.file_hash);
        tx.insert_programme(
            version,
            &document,
            "admin",
            file_hash.as_deref(),
            actor,
            now,
        )
        .await?;
        tx.audit(
            now,
            actor,
            "programme_changed",
            Some(&format!("programme:{version}")),
            &json!({ "version": version, "programme": programme }),
        )
        .await?;
        tx.commit().await?;
        self.set_programme(LoadedProgramme::new(version, programme));
        self.refresh().await?;
        Ok(version)
    }

    /// The key that signs now.
    pub fn signing_key(&self, now: i64) -> Result<IssuerKey, Error> {
        self.keyring()
            .current(now)
            .cloned()
            .ok_or_else(|| Error::Keys("no signing key is valid now".into()))
    }

    /// Rotate: a new key signs from `at`; returns its key id.
    ///
    /// `at` may not be in the past: the current key may already have signed
    /// there, and those certificates would read as issued after their key
    /// was retired. A rotation due sooner than two refresh intervals from now
    /// is moved to that moment, so every instance (they re-read keys every
    /// `refresh_secs`) holds the new key before it is due.
    pub async fn rotate_key(&self, at: i64, actor: &str) -> Result<String, Error> {
        let now = self.now();
        if at < now.saturating_sub(ROTATION_PAST_TOLERANCE_MS) {
            return Err(Error::client(
                ErrorCode::RotationInThePast,
                format!(
                    "at {} is in the past: the current key may have signed since; \
                     rotate from now or later",
                    crate::ids::rfc3339_ms(at)
                ),
            ));
        }
        let lead =
            i64::try_from(self.settings.refresh_secs.saturating_mul(2_000)).unwrap_or(i64::MAX);
        let at = at.max(now.saturating_add(lead));
        let kid = crate::keys::create_key(&self.store, &self.master, at, actor, now).await?;
        self.refresh().await?;
        Ok(kid)
    }

    /// The storage backend's name (`sqlite`, `postgres`).
    pub fn backend(&self) -> &'static str {
        self.store.backend()
    }

    /// Close the database pools (at shutdown, or a test's restart).
    pub async fn close(&self) {
        self.store.close().await;
    }

    /// Now, Unix milliseconds.
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// How often instances re-read keys and programme.
    pub fn refresh_interval(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.settings.refresh_secs)
    }

    /// Sign an unsigned credential document with the programme's suite.
    ///
    /// `eddsa-rdfc-2022` adds the Data Integrity context to the document.
    pub fn sign(
        &self,
        unsigned: &Value,
        key: &IssuerKey,
        suite: SuiteChoice,
        created: &str,
    ) -> Result<Value, Error> {
        let options = credential::ProofOptions {
            suite: match suite {
                SuiteChoice::Ed25519Signature2018 => credential::Suite::Ed25519Signature2018,
                SuiteChoice::EddsaRdfc2022 => credential::Suite::EddsaRdfc2022,
            },
            verification_method: key.verification_method.clone(),
            created: created.to_owned(),
            proof_purpose: "assertionMethod".to_owned(),
        };
        // A Data Integrity proof's terms (`cryptosuite`, `DataIntegrityProof`)
        // are not in the credentials v1 or DIVOC contexts: the document
        // names the Data Integrity context too. The credentials v2 context
        // defines them itself.
        let with_context;
        let unsigned = match suite {
            SuiteChoice::EddsaRdfc2022 => {
                let mut document = unsigned.clone();
                if let Some(Value::Array(contexts)) = document.get_mut("@context")
                    && !contexts.iter().any(|c| {
                        c == DATA_INTEGRITY_CONTEXT || c == credential::vc2::CREDENTIALS_V2
                    })
                {
                    contexts.push(DATA_INTEGRITY_CONTEXT.into());
                }
                with_context = document;
                &with_context
            }
            SuiteChoice::Ed25519Signature2018 => unsigned,
        };
        Ok(credential::sign(
            unsigned,
            &options,
            key.credential_key()?,
            &self.contexts,
        )?)
    }

    /// What one of this issuer's stored credentials says, read from its
    /// signed graph: verified first with the key that signed it (`kid`), so
    /// that what is shown is what is signed, then read by the credential
    /// crate's view. CPU-bound (a canonicalization): off the async threads.
    pub fn read_own(
        &self,
        document: &Value,
        kid: &str,
    ) -> Result<credential::CredentialView, Error> {
        let ring = self.keyring();
        let key = ring.get(kid).ok_or_else(|| {
            Error::Corrupt(format!(
                "a stored certificate names key {kid:?}, which is not in the key ring"
            ))
        })?;
        let public = key.credential_key()?.public_key();
        let verified = credential::verify(document, &public, &self.contexts)?;
        Ok(verified.credential().map_err(credential::Error::from)?)
    }

    /// Wake the outbox worker.
    pub fn wake_outbox(&self) {
        self.outbox_wake.notify_one();
    }
}

/// Store the file's programme as a new version if the database has none,
/// or if the file's programme changed since it was last imported.
async fn import_programme(
    store: &Store,
    programme: &Programme,
    source: &str,
    now: i64,
) -> Result<(), Error> {
    let hash = programme_hash(programme)?;
    let mut tx = store.begin().await?;
    let latest = tx.latest_programme().await?;
    if latest.as_ref().and_then(|r| r.file_hash.as_deref()) == Some(hash.as_str()) {
        return Ok(());
    }
    if let Some(record) = &latest {
        let stored: Programme = serde_json::from_str(&record.document)
            .map_err(|e| Error::Corrupt(format!("stored programme: {e}")))?;
        if stored.id != programme.id {
            return Err(Error::Config(format!(
                "the configuration's programme id {} differs from the stored programme's {}; \
                 the id is part of every certificate's idempotency key and cannot change",
                programme.id, stored.id
            )));
        }
    }
    let version = latest.as_ref().map_or(1, |r| r.version + 1);
    let document = serde_json::to_string(programme).map_err(|e| Error::Corrupt(e.to_string()))?;
    tx.insert_programme(version, &document, source, Some(&hash), "config-file", now)
        .await?;
    tx.audit(
        now,
        "config-file",
        "programme_imported",
        Some(&format!("programme:{version}")),
        &json!({ "version": version, "source": source, "sha256": hash }),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(
        version,
        source,
        "imported the programme from the configuration"
    );
    Ok(())
}
