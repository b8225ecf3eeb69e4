//! The issuer service: ministries certify vaccinations over HTTP, in DIVOC's
//! request format, and get back signed W3C Verifiable Credentials with
//! their QR codes and printable PDFs; certificates are corrected, revoked
//! and suspended through the same API, every change audited and pushed to
//! the key registry through a durable outbox.
//!
//! ```no_run
//! # async fn run() -> Result<(), issuer_api::Error> {
//! use issuer_api::{Options, app, open};
//! let service = open(Options::demo("/tmp/issuer-data".into())).await?;
//! let router = app(service.state.clone());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! axum::serve(listener, router).await?;
//! # Ok(()) }
//! ```
//!
//! Layout: `http` is the thin HTTP layer (one file per area: state,
//! extractors and errors in `http/mod.rs`). The plain-Rust core is
//! [`Issuer`] (`issuer`), with `certify` (check, then sign and store),
//! `lifecycle` (read, correct, revoke, suspend), `admin` (programme edits,
//! tokens, audit, dead letters) and `citizen_limits`; under it `store` (SQLite
//! or PostgreSQL, private to the core), `keys` the encrypted key store and
//! `did:web`, `auth` tokens and OIDC, `outbox` the delivery worker, `writer`
//! the group commit of certified batches, `render` the QR codes and PDFs.

pub mod admin;
pub mod auth;
pub mod certify;
pub mod citizen_limits;
pub mod clock;
pub mod config;
pub mod error;
pub mod events;
pub(crate) mod http;
pub mod ids;
pub mod issuer;
pub mod keys;
pub mod lifecycle;
pub mod outbox;
pub mod render;
pub mod rendering;
pub mod status;
pub(crate) mod store;
pub mod writer;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use zeroize::Zeroizing;

pub use crate::clock::{Clock, FixedClock, SystemClock};
pub use crate::config::ConfigFile;
pub use crate::error::{Error, ErrorCode};
pub use crate::http::{AppError, AppState, openapi};
pub use crate::issuer::Issuer;
use crate::keys::MasterKey;
use crate::store::Store;

/// How to open the service.
#[derive(Clone)]
pub struct Options {
    /// Data directory: SQLite database, master key file, bootstrap token.
    pub data_dir: PathBuf,
    /// The configuration.
    pub config: ConfigFile,
    /// Where the configuration came from (`demo` or a path), for the audit log.
    pub config_source: String,
    /// `postgres://…` to use PostgreSQL instead of SQLite.
    pub database_url: Option<String>,
    /// A PostgreSQL schema of its own (tests).
    pub postgres_schema: Option<String>,
    /// The master key, base64 (`ISSUER_MASTER_KEY`).
    pub master_key: Option<Zeroizing<String>>,
    /// The master key file (default `<data-dir>/master.key`).
    pub master_key_file: Option<PathBuf>,
    /// Where "now" comes from: the system clock, or a fixed one in tests.
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("data_dir", &self.data_dir)
            .field("config_source", &self.config_source)
            .field("database_url", &self.database_url.as_ref().map(|_| "<set>"))
            .field("postgres_schema", &self.postgres_schema)
            .field(
                "master_key",
                &self.master_key.as_ref().map(|_| "<redacted>"),
            )
            .field("master_key_file", &self.master_key_file)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

impl Options {
    /// The demo programme on SQLite in `data_dir`.
    pub fn demo(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            // The bundled demo configuration is checked by a unit test.
            config: ConfigFile::parse(config::DEMO_CONFIG)
                .unwrap_or_else(|e| unreachable!("the bundled demo configuration is invalid: {e}")),
            config_source: "demo".to_owned(),
            database_url: None,
            postgres_schema: None,
            master_key: None,
            master_key_file: None,
            clock: Arc::new(SystemClock),
        }
    }
}

/// An opened service.
#[derive(Debug)]
pub struct Service {
    /// Handler state (holds the issuer core).
    pub state: AppState,
    /// The bootstrap admin token, on first start only.
    pub bootstrap_token: Option<Zeroizing<String>>,
}

/// Open storage, keys and programme; create the first key and the
/// bootstrap token on first start.
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
        None => Store::open_sqlite(&options.data_dir.join("issuer.db")).await?,
    };
    let key_file = options
        .master_key_file
        .clone()
        .unwrap_or_else(|| options.data_dir.join("master.key"));
    let master = MasterKey::load(options.master_key.as_deref().map(String::as_str), &key_file)?;
    let issuer = Issuer::open(
        store.clone(),
        &options.config,
        &options.config_source,
        master,
        options.data_dir.clone(),
        options.clock.clone(),
    )
    .await?;
    let bootstrap_token = auth::ensure_bootstrap_token(
        &store,
        &options.data_dir,
        bootstrap_ttl_ms(&options.config),
        issuer.now(),
    )
    .await?;
    let authenticator = auth::Authenticator::new(
        store,
        options.config.auth.oidc.as_ref(),
        options.clock.clone(),
    )
    .await?;
    let renderer = rendering::Renderer::new(options.config.render.template_file.as_deref())?;
    let state = AppState::new(
        Arc::new(issuer),
        authenticator,
        options.config.server.clone(),
        renderer,
    );
    Ok(Service {
        state,
        bootstrap_token,
    })
}

/// How long a new bootstrap token lives.
pub fn bootstrap_ttl_ms(config: &ConfigFile) -> i64 {
    config
        .auth
        .bootstrap_token_hours
        .map_or(service_core::tokens::BOOTSTRAP_TOKEN_TTL_MS, |h| {
            i64::from(h.max(1)) * 3_600_000
        })
}

/// The application: every route with its layers.
pub fn app(state: AppState) -> Router {
    let server = state.server.clone();
    let router = http::router(&state)
        .fallback(http::not_found)
        .with_state(state);
    http::with_layers(router, &server)
}

/// Start the background tasks (outbox delivery; key, programme and
/// rate-limiter upkeep) until `shutdown` flips to true.
pub fn spawn_background(
    state: &AppState,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let outbox = tokio::spawn(outbox::run(state.issuer.clone(), shutdown.clone()));
    let flusher = tokio::spawn(citizen_limits::run_flusher(
        state.citizen.clone(),
        state.issuer.clone(),
        shutdown.clone(),
    ));
    let state = state.clone();
    let mut stop = shutdown;
    let upkeep = tokio::spawn(async move {
        let mut tick = tokio::time::interval(state.issuer.refresh_interval());
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.changed() => return,
            }
            // Keys rotated by the CLI or another instance, programme changes.
            if let Err(e) = state.issuer.refresh().await {
                tracing::warn!(error = %e, "refreshing keys and programme failed");
            }
            state.token_limiter.retain_recent();
            state.citizen.retain_recent();
        }
    });
    vec![outbox, upkeep, flusher]
}

/// Hooks for this crate's own tests and benchmarks: not part of the API.
#[doc(hidden)]
pub mod internal {
    pub use crate::store::*;

    /// The core's store.
    pub fn store(issuer: &crate::Issuer) -> &Store {
        &issuer.store
    }
}
