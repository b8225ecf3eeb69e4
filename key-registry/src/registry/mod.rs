//! The registry core: plain Rust, no HTTP. It owns the store, the anchor
//! keys and what is published, and every rule of the registry lives here
//! (handlers in `http` only translate).
//!
//! Areas: [`anchors`] (the trust anchor, its rotation), [`issuers`]
//! (issuers and keys, `did:web` import), [`publish`] (versions, the trust
//! list, refreshing lists before they go stale, the in-memory copies served),
//! [`revocations`] (snapshots, deltas, status-list credentials),
//! [`ingest`] (the issuer API's signed events), [`rules`] (verification
//! rules per profile), [`tokens`] (who may do what).

pub mod anchors;
pub mod ingest;
pub mod issuers;
pub mod publish;
pub mod revocations;
pub mod rules;
pub mod text;
pub mod tokens;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use jiff::Timestamp;
use service_core::seal::MasterKey;

use crate::error::Error;
use crate::store::Store;

pub use publish::Published;

/// Where the registry reads the time: the system clock in service, a
/// settable one in tests (nothing in the registry reads the clock
/// otherwise).
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now.
    fn now(&self) -> Timestamp;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// How the registry publishes.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The base URL verifiers and issuers reach the registry at
    /// (`https://registry.example.org`): status-list credential URLs are
    /// `<public_url>/v1/status-lists/<issuer slug>/<list>`.
    pub public_url: String,
    /// `nextUpdate - issuedAt` of every list: past it a verifier shows
    /// the list as stale.
    pub list_validity: Duration,
    /// A list is signed again (a new version, same content) once its
    /// current version is this old, so verifiers that sync see fresh
    /// `nextUpdate`s even when nothing changes.
    pub refresh_after: Duration,
    /// A revocation delta is served from a version at most this old;
    /// older (or unknown) versions get a snapshot.
    pub delta_max_age: Duration,
    /// Timeout for fetching `did:web` documents and key listings.
    pub fetch_timeout: Duration,
}

impl Settings {
    /// Defaults for a registry reached at `public_url`: lists valid for a
    /// day, refreshed every six hours, deltas from up to 30 days back.
    pub fn new(public_url: &str) -> Self {
        Self {
            public_url: public_url.trim_end_matches('/').to_owned(),
            list_validity: Duration::from_secs(24 * 3600),
            refresh_after: Duration::from_secs(6 * 3600),
            delta_max_age: Duration::from_secs(30 * 24 * 3600),
            fetch_timeout: Duration::from_secs(10),
        }
    }
}

/// The registry.
#[derive(Debug)]
pub struct Registry {
    /// Storage.
    pub store: Store,
    /// Publishing settings.
    pub settings: Settings,
    master: MasterKey,
    clock: Arc<dyn Clock>,
    client: reqwest::Client,
    keys: anchors::KeyCache,
    served: RwLock<Arc<publish::Served>>,
    built: publish::BuiltCache,
}

impl Registry {
    /// Open the registry on a store: make the first anchor key and the first
    /// versions of the trust and revocation lists if there are none, then
    /// load what is published.
    pub async fn open(
        store: Store,
        master: MasterKey,
        settings: Settings,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, Error> {
        let client = service_core::client::http_client(
            u64::try_from(settings.fetch_timeout.as_millis()).unwrap_or(u64::MAX),
            concat!("key-registry/", env!("CARGO_PKG_VERSION")),
        )
        .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        let registry = Self {
            store,
            settings,
            master,
            clock,
            client,
            keys: anchors::KeyCache::default(),
            served: RwLock::new(Arc::new(publish::Served::default())),
            built: publish::BuiltCache::default(),
        };
        registry.ensure_anchor().await?;
        registry.ensure_lists().await?;
        registry.sync().await?;
        Ok(registry)
    }

    /// Now, from the registry's clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Now, Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.clock.now().as_millisecond()
    }

    /// What is served now (the lists as last synced from the store).
    pub fn served(&self) -> Arc<publish::Served> {
        match self.served.read() {
            Ok(guard) => guard.clone(),
            // A panic while holding the lock cannot leave a half-written Arc.
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set_served(&self, served: publish::Served) {
        let mut guard = match self.served.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        *guard = Arc::new(served);
    }
}

/// Milliseconds to a timestamp (stored times are always in range; a
/// corrupt one is reported, not clamped).
pub(crate) fn ts(ms: i64) -> Result<Timestamp, Error> {
    Timestamp::from_millisecond(ms).map_err(|_| Error::Corrupt(format!("time {ms} out of range")))
}

/// A duration in milliseconds, saturating.
pub(crate) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
