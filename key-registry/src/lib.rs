//! The key registry: which issuers exist, which keys they sign with, which
//! certificates are revoked or suspended, and which verification rules a
//! verifier profile applies, all published as lists signed by the
//! registry's anchor key, in the formats `credential` defines, for
//! verifiers that sync when online and verify offline.
//!
//! ```no_run
//! # async fn run() -> Result<(), key_registry::Error> {
//! use key_registry::{Options, app, open};
//! let service = open(Options::new("/tmp/registry-data".into(), "http://127.0.0.1:8081")).await?;
//! let router = app(service.state.clone());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8081").await?;
//! axum::serve(listener, router).await?;
//! # Ok(()) }
//! ```
//!
//! Layout: `registry` is the plain-Rust core (every rule lives there),
//! `store` the storage (SQLite or PostgreSQL, one query text), `http` the
//! thin HTTP layer (routes per area, caching, the OpenAPI document),
//! `config` the configuration file.

pub mod config;
pub mod error;
pub mod http;
pub mod registry;
pub mod store;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use service_core::seal::MasterKey;
use zeroize::Zeroizing;

pub use crate::error::{Error, ErrorCode};
pub use crate::http::{AppState, HttpSettings};
pub use crate::registry::{Clock, Registry, Settings, SystemClock};
use crate::store::Store;

/// How to open the registry.
#[derive(Clone)]
pub struct Options {
    /// Data directory: SQLite database, master key file, bootstrap token.
    pub data_dir: PathBuf,
    /// `postgres://…` (PostgreSQL) or `sqlite:…`; SQLite in the data
    /// directory when absent.
    pub database_url: Option<String>,
    /// A PostgreSQL schema of its own (tests).
    pub postgres_schema: Option<String>,
    /// The master key, base64 (`REGISTRY_MASTER_KEY`).
    pub master_key: Option<Zeroizing<String>>,
    /// The master key file (default `<data-dir>/master.key`).
    pub master_key_file: Option<PathBuf>,
    /// Publishing settings (public URL, list validity, refresh).
    pub settings: Settings,
    /// HTTP limits and CORS origins.
    pub http: HttpSettings,
    /// The clock (tests pass their own).
    pub clock: Arc<dyn Clock>,
    /// How often what is served is reloaded from the store (other
    /// instances publish too).
    pub sync_interval: Duration,
    /// How often lists are checked for refresh (see `Settings::refresh_after`).
    pub upkeep_interval: Duration,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("data_dir", &self.data_dir)
            .field("database_url", &self.database_url.as_ref().map(|_| "<set>"))
            .field("postgres_schema", &self.postgres_schema)
            .field(
                "master_key",
                &self.master_key.as_ref().map(|_| "<redacted>"),
            )
            .field("master_key_file", &self.master_key_file)
            .field("settings", &self.settings)
            .field("http", &self.http)
            .finish_non_exhaustive()
    }
}

impl Options {
    /// SQLite in `data_dir`, reached at `public_url`, default settings.
    pub fn new(data_dir: PathBuf, public_url: &str) -> Self {
        Self {
            data_dir,
            database_url: None,
            postgres_schema: None,
            master_key: None,
            master_key_file: None,
            settings: Settings::new(public_url),
            http: HttpSettings::default(),
            clock: Arc::new(SystemClock),
            sync_interval: Duration::from_secs(1),
            upkeep_interval: Duration::from_secs(30),
        }
    }
}

/// An opened registry.
#[derive(Debug)]
pub struct Service {
    /// Handler state (holds the registry core).
    pub state: AppState,
    /// The bootstrap admin token, on first start only.
    pub bootstrap_token: Option<Zeroizing<String>>,
    sync_interval: Duration,
    upkeep_interval: Duration,
}

/// Open storage and keys; on first start make the anchor key, the first
/// lists and the bootstrap token.
pub async fn open(options: Options) -> Result<Service, Error> {
    service_core::seal::create_private_dir(&options.data_dir)?;
    let store = match &options.database_url {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Store::open_postgres(url, options.postgres_schema.as_deref()).await?
        }
        Some(url) if url.starts_with("sqlite:") => {
            let path = url
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:");
            Store::open_sqlite(std::path::Path::new(path)).await?
        }
        Some(_) => {
            return Err(Error::Config(
                "DATABASE_URL must start with postgres:// or sqlite:".into(),
            ));
        }
        None => Store::open_sqlite(&options.data_dir.join("registry.db")).await?,
    };
    let key_file = options
        .master_key_file
        .clone()
        .unwrap_or_else(|| options.data_dir.join("master.key"));
    let master = MasterKey::load(options.master_key.as_deref().map(String::as_str), &key_file)?;
    let registry = Registry::open(store, master, options.settings, options.clock).await?;
    let bootstrap_token = registry.ensure_bootstrap_token(&options.data_dir).await?;
    Ok(Service {
        state: AppState::new(Arc::new(registry), options.http),
        bootstrap_token,
        sync_interval: options.sync_interval,
        upkeep_interval: options.upkeep_interval,
    })
}

/// The application: every route with its layers.
pub fn app(state: AppState) -> Router {
    http::router(state)
}

/// Start the background tasks until `shutdown` flips to true: reloading
/// what is served from the store (other instances publish), and signing
/// lists again before they go stale.
pub fn spawn_background(
    service: &Service,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let sync = {
        let registry = service.state.registry.clone();
        let every = service.sync_interval.max(Duration::from_millis(10));
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stop.changed() => return,
                }
                if let Err(e) = registry.sync().await {
                    tracing::warn!(error = %e, "reloading the published lists failed");
                }
            }
        })
    };
    let upkeep = {
        let registry = service.state.registry.clone();
        let every = service.upkeep_interval.max(Duration::from_millis(10));
        let mut stop = shutdown;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stop.changed() => return,
                }
                match registry.refresh_stale().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(lists = n, "signed lists again before they go stale"),
                    Err(e) => tracing::warn!(error = %e, "refreshing lists failed"),
                }
            }
        })
    };
    vec![sync, upkeep]
}
