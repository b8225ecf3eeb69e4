//! Test harness: the app on a fresh SQLite directory or a fresh PostgreSQL
//! schema, driven with `tower::ServiceExt::oneshot` (no socket).
//!
//! PostgreSQL: `ISSUER_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`). When nothing listens there,
//! the PostgreSQL variants skip with a message on stderr (so a plain
//! `cargo test --workspace` passes on a machine without PostgreSQL);
//! `ISSUER_TEST_PG=require` (CI, where PostgreSQL runs) turns that into a
//! failure, and `ISSUER_TEST_PG=skip` skips them without probing.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: helpers outside #[test] functions too; a failed unwrap is a failed test"
)]
#![allow(dead_code, reason = "each test binary uses part of the harness")]

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt as _;
use issuer_api::auth::Role;
use issuer_api::config::ConfigFile;
use issuer_api::{AppState, Options, app, open};
use serde_json::Value;
use tower::ServiceExt as _;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn pg_url() -> String {
    std::env::var("ISSUER_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// Whether PostgreSQL accepts TCP connections at [`pg_url`], probed once
/// per test binary. A server that accepts connections but refuses the
/// database is not "unreachable": that fails the tests, loudly.
fn pg_reachable() -> Result<(), String> {
    static PROBE: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    PROBE
        .get_or_init(|| {
            use std::net::ToSocketAddrs as _;
            use std::str::FromStr as _;
            let url = pg_url();
            let options = sqlx::postgres::PgConnectOptions::from_str(&url)
                .map_err(|e| format!("ISSUER_TEST_DATABASE_URL {url:?}: {e}"))?;
            let (host, port) = (options.get_host().to_owned(), options.get_port());
            if host.starts_with('/') {
                // A Unix socket directory.
                let socket = format!("{host}/.s.PGSQL.{port}");
                return std::os::unix::net::UnixStream::connect(&socket)
                    .map(drop)
                    .map_err(|e| format!("{socket}: {e}"));
            }
            let addrs: Vec<_> = (host.as_str(), port)
                .to_socket_addrs()
                .map_err(|e| format!("{host}:{port}: {e}"))?
                .collect();
            let mut last = format!("{host}:{port}: no address");
            for addr in addrs {
                match std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(2))
                {
                    Ok(_) => return Ok(()),
                    Err(e) => last = format!("{addr}: {e}"),
                }
            }
            Err(last)
        })
        .clone()
}

/// Whether this PostgreSQL variant is skipped: never silently (a line on
/// stderr says why), and never under `ISSUER_TEST_PG=require`.
pub fn pg_skipped() -> bool {
    match std::env::var("ISSUER_TEST_PG").as_deref() {
        Ok("skip") => {
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED PostgreSQL variant: ISSUER_TEST_PG=skip"
            );
            true
        }
        Ok("require") => {
            if let Err(e) = pg_reachable() {
                panic!("ISSUER_TEST_PG=require but PostgreSQL is unreachable ({e})");
            }
            false
        }
        _ => match pg_reachable() {
            Ok(()) => false,
            Err(e) => {
                // Straight to stderr: the test harness captures `eprintln!`
                // of passing tests, and a skip must be seen.
                use std::io::Write as _;
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED PostgreSQL variant: no server at {} ({e}); \
                     start one or set ISSUER_TEST_DATABASE_URL, \
                     or ISSUER_TEST_PG=require to fail instead",
                    pg_url()
                );
                true
            }
        },
    }
}

/// Run the same scenario as one test per backend.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Backend::Sqlite).await;
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if $crate::common::pg_skipped() {
                        return;
                    }
                    super::$name($crate::common::Backend::Postgres).await;
                }
            )*
        }
    };
}

pub const DEMO: &str = include_str!("../../examples/programme.toml");
pub const EXAMPLE_BATCH: &str = include_str!("../../examples/certify-request.json");

/// An app on a fresh database.
pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub admin: String,
    pub dir: tempfile::TempDir,
    pub backend: Backend,
    schema: Option<String>,
}

impl TestApp {
    pub async fn new(backend: Backend) -> Self {
        Self::with_config(backend, ConfigFile::parse(DEMO).unwrap()).await
    }

    pub async fn with_config(backend: Backend, config: ConfigFile) -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self::open_in(backend, config, dir, None).await
    }

    pub fn options(
        backend: Backend,
        config: ConfigFile,
        dir: &std::path::Path,
        schema: Option<&str>,
    ) -> Options {
        let mut options = Options::demo(dir.to_path_buf());
        options.config = config;
        if backend == Backend::Postgres {
            options.database_url = Some(pg_url());
            options.postgres_schema = Some(schema.unwrap().to_owned());
        }
        options
    }

    /// An app whose "now" is `clock` (tests that judge dates).
    pub async fn with_clock(
        backend: Backend,
        config: ConfigFile,
        clock: std::sync::Arc<dyn issuer_api::Clock>,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self::open_with(backend, config, dir, None, clock).await
    }

    /// Open (or reopen, with `schema`) on a directory.
    pub async fn open_in(
        backend: Backend,
        config: ConfigFile,
        dir: tempfile::TempDir,
        schema: Option<String>,
    ) -> Self {
        let clock = std::sync::Arc::new(issuer_api::SystemClock);
        Self::open_with(backend, config, dir, schema, clock).await
    }

    async fn open_with(
        backend: Backend,
        config: ConfigFile,
        dir: tempfile::TempDir,
        schema: Option<String>,
        clock: std::sync::Arc<dyn issuer_api::Clock>,
    ) -> Self {
        let schema = match backend {
            Backend::Postgres => Some(schema.unwrap_or_else(|| {
                let mut bytes = [0u8; 8];
                getrandom::fill(&mut bytes).unwrap();
                format!("issuer_test_{}", issuer_api::ids::hex(&bytes))
            })),
            Backend::Sqlite => None,
        };
        let mut options = Self::options(backend, config, dir.path(), schema.as_deref());
        options.clock = clock;
        let service = open(options).await.expect("open the service");
        // The bootstrap token is exchanged for a real admin token at once
        // (which revokes it), as an operator would; kept for restarts.
        let kept = dir.path().join("test-admin-token");
        let admin = match &service.bootstrap_token {
            Some(_) => {
                let token = service
                    .state
                    .issuer
                    .create_token_as(Role::IssuerAdmin, &[], "test admin", None, "test")
                    .await
                    .unwrap()
                    .token;
                std::fs::write(&kept, &token).unwrap();
                token
            }
            None => std::fs::read_to_string(&kept).unwrap().trim().to_owned(),
        };
        Self {
            router: app(service.state.clone()),
            state: service.state,
            admin,
            dir,
            backend,
            schema,
        }
    }

    /// A second instance on the same database (and data directory), as a
    /// second server process would be; closed when dropped with its state.
    pub async fn another_instance(&self, config: ConfigFile) -> (Router, AppState) {
        let service = open(Self::options(
            self.backend,
            config,
            self.dir.path(),
            self.schema.as_deref(),
        ))
        .await
        .expect("open a second instance");
        (app(service.state.clone()), service.state)
    }

    /// A second instance on this app's database (on PostgreSQL its
    /// schema), with a data directory of its own and the same master key,
    /// as a second server of one deployment. Dropping it leaves the
    /// database to this app.
    pub async fn another_server(&self, config: ConfigFile) -> Instance {
        let dir = tempfile::tempdir().unwrap();
        let mut options = Self::options(self.backend, config, dir.path(), self.schema.as_deref());
        options.master_key_file = Some(self.dir.path().join("master.key"));
        if self.backend == Backend::Sqlite {
            options.database_url = Some(format!(
                "sqlite:{}",
                self.dir.path().join("issuer.db").display()
            ));
        }
        let service = open(options).await.expect("open a second instance");
        Instance {
            router: app(service.state.clone()),
            state: service.state,
            _dir: dir,
        }
    }

    /// Close this app and open a new one on the same database (a restart).
    pub async fn restart(mut self, config: ConfigFile) -> Self {
        self.state.issuer.close().await;
        let schema = self.schema.take();
        let backend = self.backend;
        let dir = tempfile::TempDir::new().unwrap();
        let old = std::mem::replace(&mut self.dir, dir);
        drop(self);
        Self::open_in(backend, config, old, schema).await
    }

    pub async fn call(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let (status, _, bytes) = self
            .call_raw(
                method,
                uri,
                token,
                body.map(|b| b.to_string().into_bytes()),
                &[],
            )
            .await;
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        (status, value)
    }

    pub async fn call_raw(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let mut builder = Request::builder().method(method).uri(uri);
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if body.is_some() {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
        }
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        let request = builder
            .body(body.map_or_else(Body::empty, Body::from))
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        (status, headers, bytes)
    }

    pub async fn get(&self, uri: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, uri, Some(token), None).await
    }

    pub async fn post(&self, uri: &str, token: &str, body: &Value) -> (StatusCode, Value) {
        self.call(Method::POST, uri, Some(token), Some(body)).await
    }

    pub async fn certify(&self, token: &str, batch: &Value) -> (StatusCode, Value) {
        self.post("/v1/certify", token, batch).await
    }

    /// A new token with a role (and facilities, for certifiers).
    pub async fn token(&self, role: Role, facilities: &[&str]) -> String {
        let facilities: Vec<String> = facilities.iter().map(|f| (*f).to_owned()).collect();
        self.state
            .issuer
            .create_token_as(role, &facilities, "test", None, "test")
            .await
            .unwrap()
            .token
    }
}

/// A second instance of a [`TestApp`]'s deployment.
pub struct Instance {
    pub router: Router,
    pub state: AppState,
    _dir: tempfile::TempDir,
}

impl Instance {
    /// Certify a batch through this instance.
    pub async fn certify(&self, token: &str, batch: &Value) -> (StatusCode, Value) {
        let request = Request::builder()
            .method(Method::POST)
            .uri("/v1/certify")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(batch.to_string()))
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap())
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let Some(schema) = self.schema.take() else {
            return;
        };
        // Drop the test's schema from a thread of its own (Drop is not async).
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
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
}

/// The example batch.
pub fn example_batch() -> Value {
    serde_json::from_str(EXAMPLE_BATCH).unwrap()
}

/// One valid request for the demo programme (COVISHIELD at MH-MUM-001).
pub fn request(code: &str, dose: u32, date: &str) -> Value {
    serde_json::json!({
        "preEnrollmentCode": code,
        "recipient": {
            "name": "Test Person", "dob": "1980-01-15", "gender": "Female", "nationality": "Indian",
            "identity": format!("did:in.gov.test:{code}"), "contact": ["tel:+91 98765 43210"],
            "address": {"addressLine1": "1 Road", "district": "Mumbai Suburban", "city": "Mumbai", "state": "Maharashtra", "pincode": "400050"}
        },
        "vaccination": {"name": "COVISHIELD", "batch": "B1", "manufacturer": "Serum Institute of India",
                        "date": date, "dose": dose, "totalDoses": 2},
        "vaccinator": {"id": "VAC-0001", "name": "Dr. Asha Patil"},
        "facility": {"id": "MH-MUM-001", "name": "Civil Hospital Mumbai Suburban"}
    })
}
