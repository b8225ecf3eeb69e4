//! Test harness: the registry on a fresh SQLite directory or a fresh
//! PostgreSQL schema, driven with `tower::ServiceExt::oneshot` (no socket),
//! on a clock the test sets.
//!
//! PostgreSQL: `REGISTRY_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`). When nothing listens there,
//! the PostgreSQL variants skip with a message on stderr;
//! `REGISTRY_TEST_PG=require` (CI) turns that into a failure, and
//! `REGISTRY_TEST_PG=skip` skips them without probing.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: helpers outside #[test] functions too; a failed unwrap is a failed test"
)]
#![allow(dead_code, reason = "each test binary uses part of the harness")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::Signer as _;
use http_body_util::BodyExt as _;
use jiff::Timestamp;
use key_registry::{AppState, Clock, Options, app, open};
use serde_json::{Value, json};
use tower::ServiceExt as _;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn pg_url() -> String {
    std::env::var("REGISTRY_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

fn pg_reachable() -> Result<(), String> {
    static PROBE: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    PROBE
        .get_or_init(|| {
            use std::net::ToSocketAddrs as _;
            use std::str::FromStr as _;
            let url = pg_url();
            let options = sqlx::postgres::PgConnectOptions::from_str(&url)
                .map_err(|e| format!("REGISTRY_TEST_DATABASE_URL {url:?}: {e}"))?;
            let (host, port) = (options.get_host().to_owned(), options.get_port());
            let addrs: Vec<_> = (host.as_str(), port)
                .to_socket_addrs()
                .map_err(|e| format!("{host}:{port}: {e}"))?
                .collect();
            let mut last = format!("{host}:{port}: no address");
            for addr in addrs {
                match std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
                    Ok(_) => return Ok(()),
                    Err(e) => last = format!("{addr}: {e}"),
                }
            }
            Err(last)
        })
        .clone()
}

/// Whether this PostgreSQL variant is skipped: never silently, never under
/// `REGISTRY_TEST_PG=require`.
pub fn pg_skipped() -> bool {
    use std::io::Write as _;
    match std::env::var("REGISTRY_TEST_PG").as_deref() {
        Ok("skip") => {
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED PostgreSQL variant: REGISTRY_TEST_PG=skip"
            );
            true
        }
        Ok("require") => {
            if let Err(e) = pg_reachable() {
                panic!("REGISTRY_TEST_PG=require but PostgreSQL is unreachable ({e})");
            }
            false
        }
        _ => match pg_reachable() {
            Ok(()) => false,
            Err(e) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED PostgreSQL variant: no server at {} ({e}); \
                     set REGISTRY_TEST_PG=require to fail instead",
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

/// A clock the test moves.
#[derive(Debug)]
pub struct TestClock(Mutex<Timestamp>);

impl TestClock {
    pub fn at(t: &str) -> Arc<Self> {
        Arc::new(Self(Mutex::new(t.parse().unwrap())))
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap();
        *now = now
            .checked_add(jiff::SignedDuration::try_from(by).unwrap())
            .unwrap();
    }

    pub fn set(&self, t: &str) {
        *self.0.lock().unwrap() = t.parse().unwrap();
    }
}

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

pub const PUBLIC_URL: &str = "https://registry.test";

/// A registry on a fresh database.
pub struct TestRegistry {
    pub router: Router,
    pub state: AppState,
    pub admin: String,
    pub dir: tempfile::TempDir,
    pub backend: Backend,
    pub clock: Arc<TestClock>,
    pub schema: Option<String>,
}

pub fn options(
    backend: Backend,
    dir: &std::path::Path,
    schema: Option<&str>,
    clock: Arc<TestClock>,
) -> Options {
    let mut options = Options::new(dir.to_path_buf(), PUBLIC_URL);
    options.clock = clock;
    options.http.cors_origins = vec!["https://verify.test".to_owned()];
    if backend == Backend::Postgres {
        options.database_url = Some(pg_url());
        options.postgres_schema = schema.map(str::to_owned);
    }
    options
}

pub fn new_schema() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).unwrap();
    format!("registry_test_{}", service_core::hex(&bytes))
}

impl TestRegistry {
    pub async fn new(backend: Backend) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let schema = (backend == Backend::Postgres).then(new_schema);
        Self::open_in(backend, dir, schema, TestClock::at("2026-11-27T08:00:00Z")).await
    }

    pub async fn open_in(
        backend: Backend,
        dir: tempfile::TempDir,
        schema: Option<String>,
        clock: Arc<TestClock>,
    ) -> Self {
        let service = open(options(
            backend,
            dir.path(),
            schema.as_deref(),
            clock.clone(),
        ))
        .await
        .expect("open the registry");
        // The bootstrap token is exchanged for a real admin token at once
        // (which revokes it), as an operator would; kept for restarts.
        let kept = dir.path().join("test-admin-token");
        let admin = match &service.bootstrap_token {
            Some(_) => {
                let token = service
                    .state
                    .registry
                    .create_token(None, "test admin", None, "test")
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
            clock,
            schema,
        }
    }

    /// Close and open again on the same database (a restart).
    pub async fn restart(mut self) -> Self {
        self.state.registry.store.close().await;
        let schema = self.schema.take();
        let (backend, clock) = (self.backend, self.clock.clone());
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap());
        drop(self);
        Self::open_in(backend, dir, schema, clock).await
    }

    pub async fn call(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, Vec<u8>) {
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

    pub async fn json(
        &self,
        method: Method,
        uri: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let (status, _, bytes) = self
            .call(
                method,
                uri,
                Some(&self.admin),
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

    pub async fn get_bytes(&self, uri: &str) -> Vec<u8> {
        let (status, _, bytes) = self.call(Method::GET, uri, None, None, &[]).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{uri}: {}",
            String::from_utf8_lossy(&bytes)
        );
        bytes
    }

    pub async fn anchor(&self) -> credential::PublicKey {
        let pem = self.get_bytes("/v1/anchor").await;
        credential::PublicKey::parse_any(std::str::from_utf8(&pem).unwrap()).unwrap()
    }

    /// Register the test issuer (`did:web:moh.test`, credentials' issuer
    /// `https://moh.test/`) with one Ed25519 key; returns the slug.
    pub async fn register_moh(&self, key: &ed25519_dalek::SigningKey) -> String {
        let (status, body) = self
            .json(
                Method::POST,
                "/v1/admin/issuers",
                Some(&json!({"id": MOH, "did": MOH_DID, "name": "Ministry of Health", "country": "IN"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let slug = body["slug"].as_str().unwrap().to_owned();
        let (status, body) = self
            .json(
                Method::POST,
                &format!("/v1/admin/issuers/{slug}/keys"),
                Some(&json!({"kid": MOH_KID, "public_key_jwk": jwk(key)})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        slug
    }

    /// POST an event signed by `key` as `kid`.
    pub async fn post_event(
        &self,
        event: &Value,
        key: &ed25519_dalek::SigningKey,
        kid: &str,
        token: Option<&str>,
    ) -> (StatusCode, Value) {
        let body = credential::jcs_canonicalize(event).unwrap().into_bytes();
        let jws = detached_jws(key, kid, &body);
        let (status, _, bytes) = self
            .call(
                Method::POST,
                "/v1/revocations",
                token,
                Some(body),
                &[("x-jws-signature", &jws)],
            )
            .await;
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        if let Some(schema) = self.schema.take() {
            drop_schema(schema);
        }
    }
}

pub fn drop_schema(schema: String) {
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

pub const MOH: &str = "https://moh.test/";
pub const MOH_DID: &str = "did:web:moh.test";
pub const MOH_KID: &str = "did:web:moh.test#key-1";

pub fn signing_key(seed: u8) -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[seed; 32])
}

pub fn jwk(key: &ed25519_dalek::SigningKey) -> Value {
    json!({"kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes())})
}

/// A detached JWS as the issuer API's outbox writes it.
pub fn detached_jws(key: &ed25519_dalek::SigningKey, kid: &str, body: &[u8]) -> String {
    let header = json!({"alg": "EdDSA", "b64": false, "crit": ["b64"], "kid": kid});
    let header = URL_SAFE_NO_PAD.encode(header.to_string());
    let mut input = header.clone().into_bytes();
    input.push(b'.');
    input.extend_from_slice(body);
    format!(
        "{header}..{}",
        URL_SAFE_NO_PAD.encode(key.sign(&input).to_bytes())
    )
}

/// A status event as the issuer API's outbox sends it.
pub fn event(certificate_id: &str, status: &str) -> Value {
    let mut id = [0u8; 16];
    getrandom::fill(&mut id).unwrap();
    json!({
        "type": "certificate.status", "version": 1,
        "event_id": service_core::hex(&id),
        "issuer": MOH_DID, "certificate_id": certificate_id, "status": status,
        "reason": "test", "effective_at": "2026-11-27T08:00:00.000Z",
        "suspended_until": if status == "suspended" { Value::from("2026-12-31") } else { Value::Null },
        "replaced_by": null, "sequence": 1,
    })
}
