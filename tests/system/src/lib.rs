//! Cross-component tests: the issuer API, the key registry and the verifier
//! working as one system, the way a ministry deploys them and a border
//! official relies on them.
//!
//! This library is the harness: it starts the services in-process through
//! their libraries, each on `127.0.0.1:0` with its own data directory (and,
//! on PostgreSQL, its own schema), talks to them over real HTTP, and finds
//! the `verify` command. The tests are in `tests/`.
//!
//! PostgreSQL: `REGISTRY_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`); without a server the
//! PostgreSQL variants skip with a message, unless `REGISTRY_TEST_PG=require`
//! (CI), which makes that a failure.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use serde_json::Value;

/// Which database the services run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite files in each service's data directory.
    Sqlite,
    /// A schema per service in one PostgreSQL database.
    Postgres,
}

/// The PostgreSQL URL the tests use.
pub fn pg_url() -> String {
    std::env::var("REGISTRY_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// Whether the PostgreSQL variant is skipped (never silently, never under
/// `REGISTRY_TEST_PG=require`).
pub fn pg_skipped() -> Result<bool> {
    use std::io::Write as _;
    let reachable = || -> Result<()> {
        let url = reqwest::Url::parse(&pg_url())?;
        let host = url.host_str().unwrap_or("127.0.0.1").to_owned();
        let port = url.port().unwrap_or(5432);
        let addr = std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))?
            .next()
            .context("no address")?;
        std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
        Ok(())
    };
    match std::env::var("REGISTRY_TEST_PG").as_deref() {
        Ok("skip") => Ok(true),
        Ok("require") => {
            reachable().context("REGISTRY_TEST_PG=require but PostgreSQL is unreachable")?;
            Ok(false)
        }
        _ => match reachable() {
            Ok(()) => Ok(false),
            Err(e) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED PostgreSQL variant: no server at {} ({e}); \
                     REGISTRY_TEST_PG=require makes this a failure",
                    pg_url()
                );
                Ok(true)
            }
        },
    }
}

fn schema_name(service: &str) -> Result<String> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("random: {e}"))?;
    Ok(format!("system_{service}_{}", service_core::hex(&bytes)))
}

fn drop_schema(schema: String) {
    let _ = std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async {
            if let Ok(pool) = sqlx::PgPool::connect(&pg_url()).await {
                let sql = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
                let _ = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await;
                pool.close().await;
            }
        });
    })
    .join();
}

/// A service running in this process on a port of its own.
#[derive(Debug)]
pub struct Running {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// Its bootstrap admin token.
    pub admin: String,
    stop: tokio::sync::watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    schema: Option<String>,
    _data: tempfile::TempDir,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        for task in &self.tasks {
            task.abort();
        }
        if let Some(schema) = self.schema.take() {
            drop_schema(schema);
        }
    }
}

async fn serve(
    router: axum::Router,
    stop: tokio::sync::watch::Receiver<bool>,
) -> Result<(String, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let task = tokio::spawn(async move {
        let mut stop = stop;
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stop.changed().await;
        })
        .await;
    });
    Ok((url, task))
}

/// The key registry, with its core for direct looks.
#[derive(Debug)]
pub struct Registry {
    /// The running service.
    pub service: Running,
    /// Its core.
    pub state: key_registry::AppState,
}

/// Start the key registry on `backend`, reached at the URL it listens on.
pub async fn start_registry(backend: Backend) -> Result<Registry> {
    start_registry_with(backend, |_| {}).await
}

/// [`start_registry`], with `configure` changing the options first.
pub async fn start_registry_with(
    backend: Backend,
    configure: impl FnOnce(&mut key_registry::Options),
) -> Result<Registry> {
    let data = tempfile::tempdir()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let mut options = key_registry::Options::new(data.path().to_path_buf(), &url);
    options.sync_interval = Duration::from_millis(200);
    configure(&mut options);
    let schema = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => {
            let schema = schema_name("registry")?;
            options.database_url = Some(pg_url());
            options.postgres_schema = Some(schema.clone());
            Some(schema)
        }
    };
    let service = key_registry::open(options).await?;
    let admin = service
        .bootstrap_token
        .as_ref()
        .context("no bootstrap token on a fresh registry")?
        .to_string();
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let mut tasks = key_registry::spawn_background(&service, stop_rx.clone());
    let state = service.state.clone();
    let router = key_registry::app(state.clone());
    tasks.push(tokio::spawn(async move {
        let mut stop = stop_rx;
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stop.changed().await;
        })
        .await;
    }));
    Ok(Registry {
        service: Running {
            url,
            admin,
            stop,
            tasks,
            schema,
            _data: data,
        },
        state,
    })
}

/// The issuer API, with its core for direct looks.
#[derive(Debug)]
pub struct Issuer {
    /// The running service.
    pub service: Running,
    /// Its state.
    pub state: issuer_api::AppState,
}

/// Start the issuer API (the demo programme) on `backend`, pushing status
/// events to `registry_events` (the registry's `/v1/revocations`), retrying
/// fast.
pub async fn start_issuer(backend: Backend, registry_events: &str) -> Result<Issuer> {
    start_issuer_with(backend, registry_events, |_| {}).await
}

/// [`start_issuer`], with `configure` changing the options first (the
/// programme is checked again, as a configuration file's would be).
pub async fn start_issuer_with(
    backend: Backend,
    registry_events: &str,
    configure: impl FnOnce(&mut issuer_api::Options),
) -> Result<Issuer> {
    let data = tempfile::tempdir()?;
    let mut options = issuer_api::Options::demo(data.path().to_path_buf());
    options.config.registry = Some(issuer_api::config::RegistrySettings {
        url: registry_events.to_owned(),
        token_env: None,
    });
    options.config.outbox.poll_interval_ms = 50;
    options.config.outbox.retry_base_ms = 100;
    options.config.outbox.retry_max_ms = 1_000;
    // A key rotation takes effect two refresh intervals after it is asked.
    options.config.server.refresh_secs = 1;
    configure(&mut options);
    options.config.programme.check()?;
    let schema = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => {
            let schema = schema_name("issuer")?;
            options.database_url = Some(pg_url());
            options.postgres_schema = Some(schema.clone());
            Some(schema)
        }
    };
    let service = issuer_api::open(options).await?;
    let admin = service
        .bootstrap_token
        .as_ref()
        .context("no bootstrap token on a fresh issuer")?
        .to_string();
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let mut tasks = issuer_api::spawn_background(&service.state, stop_rx.clone());
    let (url, task) = serve(issuer_api::app(service.state.clone()), stop_rx).await?;
    tasks.push(task);
    Ok(Issuer {
        service: Running {
            url,
            admin,
            stop,
            tasks,
            schema,
            _data: data,
        },
        state: service.state,
    })
}

/// A small HTTP client for the tests: JSON in, (status, JSON or bytes) out.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
}

impl Client {
    /// A client with a 30 s timeout.
    pub fn new() -> Result<Self> {
        Ok(Self {
            http: service_core::client::http_client(30_000, "system-tests")?,
        })
    }

    /// Send `method` to `url` with a bearer token and a JSON body.
    pub async fn call(
        &self,
        method: reqwest::Method,
        url: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<(u16, Value)> {
        let mut request = self.http.request(method, url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.with_context(|| url.to_owned())?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await?;
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Ok((status, value))
    }

    /// POST JSON; fail unless the answer is `expected`.
    pub async fn post(&self, url: &str, token: &str, body: &Value, expected: u16) -> Result<Value> {
        let (status, value) = self
            .call(reqwest::Method::POST, url, Some(token), Some(body))
            .await?;
        if status != expected {
            bail!("POST {url}: {status} (expected {expected}): {value}");
        }
        Ok(value)
    }

    /// GET bytes (no token); fail unless 200.
    pub async fn bytes(&self, url: &str) -> Result<Vec<u8>> {
        let response = self
            .http
            .get(url)
            .send()
            .await
            .with_context(|| url.to_owned())?;
        if !response.status().is_success() {
            bail!("GET {url}: {}", response.status());
        }
        Ok(response.bytes().await?.to_vec())
    }
}

/// The `verify` command, built from this workspace's sources with the
/// cargo that runs the tests, into the same target directory.
pub fn verify_binary() -> Result<PathBuf> {
    static BUILT: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| build_verify().map_err(|e| format!("{e:#}")))
        .clone()
        .map_err(|e| anyhow::anyhow!(e))
}

fn build_verify() -> Result<PathBuf> {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = std::process::Command::new(cargo)
        .current_dir(&workspace)
        .args([
            "build",
            "--quiet",
            "--package",
            "verifier-wasm",
            "--bin",
            "verify",
            "--message-format=json",
        ])
        .output()
        .context("running cargo build for the verify command")?;
    if !output.status.success() {
        bail!(
            "cargo build --bin verify failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // The executable cargo reports for the `verify` target.
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| {
            m.get("reason").and_then(Value::as_str) == Some("compiler-artifact")
                && m.pointer("/target/name").and_then(Value::as_str) == Some("verify")
        })
        .find_map(|m| m.get("executable")?.as_str().map(PathBuf::from))
        .context("cargo reported no verify executable")
}
