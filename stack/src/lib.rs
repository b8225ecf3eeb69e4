//! The whole system as one product, on one machine: the key registry and
//! the issuer API as processes on embedded SQLite (dev keys and tokens made
//! on first start), the issuer registered with the registry and its keys
//! imported, the issuer's outbox pushing status events to the registry with
//! an ingest token, demo certificates (one revoked, one suspended) with
//! their QR codes and PDFs, and the verifier PWA pointed at the registry.
//!
//! `cargo xtask run` drives it with release builds and fixed ports; the
//! cross-component tests (`tests/e2e`) with test builds, `:0` ports and
//! temporary data directories, and kill and restart its processes.
//!
//! ```no_run
//! # async fn f() -> anyhow::Result<()> {
//! let options = stack::Options::new(".".into(), ".data".into(), "target/release".into());
//! let mut stack = stack::Stack::up(options).await?;
//! let demo = stack.demo().await?;
//! stack.write_json(&stack::Stack::json_path(".data".as_ref()), None, &demo)?;
//! stack.down().await?;
//! # Ok(()) }
//! ```
//!
//! What the steps do is what README.md's walk-through does with curl.

pub mod demo;
pub mod http;
pub mod process;
pub mod pwa;

use std::ffi::OsString;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use serde_json::{Value, json};

pub use demo::Demo;
pub use http::Method;
pub use process::{Launcher, Service, Spec};

/// What the demo programme's credentials carry in `issuer`.
pub const ISSUER_ID: &str = "https://issuer.demo.example.org/";
/// The demo programme's DID (its keys' and events' issuer).
pub const ISSUER_DID: &str = "did:web:issuer.demo.example.org";
/// The demo issuer's name in the trust list.
pub const ISSUER_NAME: &str = "Ministry of Health, Demo Republic";
/// The environment variable the issuer reads its registry token from.
const TOKEN_ENV: &str = "REGISTRY_TOKEN";

/// How to start the stack.
#[derive(Debug, Clone)]
pub struct Options {
    /// The repository root (the demo programme's file; relative paths in
    /// `stack.json`).
    pub root: PathBuf,
    /// Where everything lives (`.data`): `issuer-api/`, `key-registry/`,
    /// `stack/` (config, logs, the ingest token), `demo/`.
    pub data_dir: PathBuf,
    /// The `issuer-api` executable.
    pub issuer_bin: PathBuf,
    /// The `key-registry` executable.
    pub registry_bin: PathBuf,
    /// The issuer's address (`127.0.0.1:0` picks a port).
    pub issuer_listen: String,
    /// The registry's address.
    pub registry_listen: String,
    /// Web origins the registry lets read its lists (the PWA's).
    pub cors_origins: Vec<String>,
    /// Test timings: the issuer's outbox polls every 50 ms and retries
    /// within a second, and a key rotation may take effect two seconds
    /// after it is asked (the issuer's refresh interval: 1 s).
    pub fast: bool,
    /// Start the servers through this launcher (parent-death signal).
    pub launcher: Option<Launcher>,
}

impl Options {
    /// Ports 8080 (issuer) and 8081 (registry), normal timings, executables
    /// in `bin_dir`.
    pub fn new(root: PathBuf, data_dir: PathBuf, bin_dir: PathBuf) -> Self {
        Self {
            root,
            data_dir,
            issuer_bin: bin_dir.join("issuer-api"),
            registry_bin: bin_dir.join("key-registry"),
            issuer_listen: "127.0.0.1:8080".into(),
            registry_listen: "127.0.0.1:8081".into(),
            cors_origins: Vec::new(),
            fast: false,
            launcher: None,
        }
    }
}

/// The running stack.
#[derive(Debug)]
pub struct Stack {
    /// The key registry.
    pub registry: Service,
    /// The issuer API.
    pub issuer: Service,
    /// The stack's registry admin token (made with the bootstrap token).
    pub registry_token: String,
    /// The stack's issuer admin token (made with the bootstrap token, which
    /// it revokes).
    pub issuer_token: String,
    /// The registry anchor's public key (PEM).
    pub anchor_pem: String,
    /// Where it is written.
    pub anchor_path: PathBuf,
    /// The issuer's slug in the registry.
    pub slug: String,
    options: Options,
    http: http::Client,
}

/// Create `dir` (and parents), owner-only.
fn private_dir(dir: &Path) -> Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("create {}", dir.display()))
}

/// Write a secret, owner-only.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("write {}", path.display()))?;
    file.write_all(bytes)?;
    Ok(())
}

fn read_token(path: &Path) -> Result<String> {
    let token = std::fs::read_to_string(path).with_context(|| {
        format!(
            "{} is missing: the data directory was started before without keeping its \
             bootstrap token; delete the data directory to start afresh",
            path.display()
        )
    })?;
    Ok(token.trim().to_owned())
}

/// The stack's admin token for a service: made once with the service's
/// bootstrap token (which expires, and which the issuer revokes once a real
/// admin token exists) and kept owner-only in `saved` for later runs.
async fn admin_token(
    http: &http::Client,
    url: &str,
    service_dir: &Path,
    saved: &Path,
    body: &Value,
) -> Result<String> {
    if let Ok(token) = std::fs::read_to_string(saved) {
        return Ok(token.trim().to_owned());
    }
    let bootstrap = read_token(&service_dir.join("bootstrap-token"))?;
    let (status, answer) = call(
        http,
        Method::POST,
        &format!("{url}/v1/admin/tokens"),
        Some(&bootstrap),
        Some(body),
    )
    .await?;
    let token = match (status, answer.get("token").and_then(Value::as_str)) {
        (201, Some(token)) => token.to_owned(),
        _ => bail!("making the stack's admin token at {url}: {status} {answer}"),
    };
    write_private(saved, token.as_bytes())?;
    Ok(token)
}

/// Set `key = value` in TOML table `[table]` of `text` (replacing the
/// line that sets it, or adding one after the table's header).
fn set_toml(text: &str, table: &str, key: &str, value: &str) -> Result<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let header = format!("[{table}]");
    let Some(start) = lines.iter().position(|l| l.trim() == header) else {
        bail!("the programme file has no [{table}] table");
    };
    let end = lines
        .iter()
        .skip(start + 1)
        .position(|l| l.trim_start().starts_with('['))
        .map_or(lines.len(), |n| start + 1 + n);
    let setting = format!("{key} = {value}");
    let existing = (start + 1..end).find(|&i| {
        lines
            .get(i)
            .and_then(|l| l.trim_start().strip_prefix(key))
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    });
    match existing.and_then(|i| lines.get_mut(i)) {
        Some(line) => *line = setting,
        None => lines.insert(start + 1, setting),
    }
    Ok(lines.join("\n") + "\n")
}

impl Stack {
    /// Where `cargo xtask run` writes what scripts need.
    pub fn json_path(data_dir: &Path) -> PathBuf {
        data_dir.join("stack.json")
    }

    fn dir(&self, name: &str) -> PathBuf {
        self.options.data_dir.join(name)
    }

    /// Start the registry, register the issuer (once), start the issuer
    /// pushing its events to the registry, import the issuer's keys.
    /// Idempotent on an existing data directory.
    pub async fn up(options: Options) -> Result<Self> {
        let data = &options.data_dir;
        for dir in ["", "issuer-api", "key-registry", "stack"] {
            private_dir(&data.join(dir))?;
        }
        let http = http::Client::new(Duration::from_secs(60));

        // The registry.
        let registry_dir = data.join("key-registry");
        let mut args: Vec<OsString> = vec!["--data-dir".into(), registry_dir.clone().into()];
        for origin in &options.cors_origins {
            args.push("--cors-origin".into());
            args.push(origin.into());
        }
        args.push("serve".into());
        let registry = Service::start(
            Spec {
                name: "key-registry".into(),
                program: options.registry_bin.clone(),
                args,
                env: vec![("REGISTRY_LOG".into(), "info".into())],
                log: data.join("stack/key-registry.log"),
            },
            &options.registry_listen,
            options.launcher.clone(),
        )
        .await?;
        let registry_token = admin_token(
            &http,
            &registry.url,
            &registry_dir,
            &data.join("stack/registry-admin-token"),
            &json!({"role": "registry-admin", "label": "local stack"}),
        )
        .await?;
        let anchor_pem = String::from_utf8(
            http.get(&format!("{}/v1/anchor", registry.url), None)
                .await?,
        )
        .context("the anchor is not text")?;
        let anchor_path = data.join("stack/anchor.pem");
        std::fs::write(&anchor_path, &anchor_pem)?;

        // Register the issuer (the id its credentials carry, the DID its
        // keys and events carry); a second run finds it registered.
        let (status, body) = call(
            &http,
            Method::POST,
            &format!("{}/v1/admin/issuers", registry.url),
            Some(&registry_token),
            Some(
                &json!({"id": ISSUER_ID, "did": ISSUER_DID, "name": ISSUER_NAME, "country": "IN"}),
            ),
        )
        .await?;
        let slug = match status {
            201 => body.get("slug").and_then(Value::as_str).map(str::to_owned),
            409 => {
                let (_, issuers) = call(
                    &http,
                    Method::GET,
                    &format!("{}/v1/admin/issuers", registry.url),
                    Some(&registry_token),
                    None,
                )
                .await?;
                issuers.as_array().and_then(|list| {
                    list.iter()
                        .find(|i| i.get("id").and_then(Value::as_str) == Some(ISSUER_ID))
                        .and_then(|i| i.get("slug").and_then(Value::as_str).map(str::to_owned))
                })
            }
            _ => bail!("registering the issuer: {status} {body}"),
        }
        .context("the registry did not say the issuer's slug")?;

        // The token the issuer's outbox sends its events with (an `issuer`
        // token of this issuer), made once.
        let ingest_path = data.join("stack/registry-ingest-token");
        let ingest = match std::fs::read_to_string(&ingest_path) {
            Ok(token) => token.trim().to_owned(),
            Err(_) => {
                let (status, body) = call(
                    &http,
                    Method::POST,
                    &format!("{}/v1/admin/tokens", registry.url),
                    Some(&registry_token),
                    Some(&json!({"role": "issuer", "issuer": slug, "label": "issuer-api outbox (local stack)"})),
                )
                .await?;
                let token = match (status, body.get("token").and_then(Value::as_str)) {
                    (201, Some(token)) => token.to_owned(),
                    _ => bail!("making the ingest token: {status} {body}"),
                };
                write_private(&ingest_path, token.as_bytes())?;
                token
            }
        };

        // The issuer, with the demo programme and its [registry] on.
        let config = issuer_config(&options, &registry.url)?;
        let config_path = data.join("stack/issuer.toml");
        std::fs::write(&config_path, config)?;
        let issuer_dir = data.join("issuer-api");
        let issuer = Service::start(
            Spec {
                name: "issuer-api".into(),
                program: options.issuer_bin.clone(),
                args: vec![
                    "--config".into(),
                    config_path.into(),
                    "--data-dir".into(),
                    issuer_dir.clone().into(),
                    "serve".into(),
                ],
                env: vec![
                    (TOKEN_ENV.into(), ingest),
                    ("ISSUER_LOG".into(), "info,sqlx=warn".into()),
                ],
                log: data.join("stack/issuer-api.log"),
            },
            &options.issuer_listen,
            options.launcher.clone(),
        )
        .await?;
        let issuer_token = admin_token(
            &http,
            &issuer.url,
            &issuer_dir,
            &data.join("stack/issuer-admin-token"),
            &json!({"role": "issuer-admin", "label": "local stack"}),
        )
        .await?;

        let stack = Self {
            registry,
            issuer,
            registry_token,
            issuer_token,
            anchor_pem,
            anchor_path,
            slug,
            options,
            http,
        };
        stack.import_keys().await?;
        Ok(stack)
    }

    /// Import the issuer's keys with their validity windows from its
    /// `/v1/keys` (after a rotation too); the import report.
    pub async fn import_keys(&self) -> Result<Value> {
        self.registry_admin(
            Method::POST,
            &format!("/v1/admin/issuers/{}/keys/import", self.slug),
            Some(&json!({"url": format!("{}/v1/keys", self.issuer.url)})),
            200,
        )
        .await
    }

    /// A call to the registry's admin API; fails unless `expected`.
    pub async fn registry_admin(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        expected: u16,
    ) -> Result<Value> {
        let url = format!("{}{path}", self.registry.url);
        let (status, value) =
            call(&self.http, method, &url, Some(&self.registry_token), body).await?;
        if status != expected {
            bail!("{url}: {status} (expected {expected}): {value}");
        }
        Ok(value)
    }

    /// A call to the issuer API with its admin token: (status, JSON).
    pub async fn issuer_call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value)> {
        let url = format!("{}{path}", self.issuer.url);
        call(&self.http, method, &url, Some(&self.issuer_token), body).await
    }

    /// Certify a batch of DIVOC requests; the answer (200 or 422).
    pub async fn certify(&self, batch: &Value) -> Result<Value> {
        let (status, answer) = self
            .issuer_call(Method::POST, "/v1/certify", Some(batch))
            .await?;
        if status != 200 {
            bail!("certify: {status}: {answer}");
        }
        Ok(answer)
    }

    /// Revoke a certificate through the issuer API.
    pub async fn revoke(&self, id: &str, reason: &str) -> Result<()> {
        let (status, body) = self
            .issuer_call(
                Method::POST,
                &format!("/v1/certificates/{id}/revoke"),
                Some(&json!({"reason": reason})),
            )
            .await?;
        if status != 200 {
            bail!("revoke {id}: {status}: {body}");
        }
        Ok(())
    }

    /// Suspend a certificate until `until` (RFC 3339).
    pub async fn suspend(&self, id: &str, until: &str, reason: &str) -> Result<()> {
        let (status, body) = self
            .issuer_call(
                Method::POST,
                &format!("/v1/certificates/{id}/suspend"),
                Some(&json!({"until": until, "reason": reason})),
            )
            .await?;
        if status != 200 {
            bail!("suspend {id}: {status}: {body}");
        }
        Ok(())
    }

    /// GET bytes from the issuer API with its admin token.
    pub async fn issuer_bytes(&self, path: &str) -> Result<Vec<u8>> {
        let url = format!("{}{path}", self.issuer.url);
        self.http.get(&url, Some(&self.issuer_token)).await
    }

    /// GET bytes from the registry (no token).
    pub async fn registry_bytes(&self, path: &str) -> Result<Vec<u8>> {
        self.http
            .get(&format!("{}{path}", self.registry.url), None)
            .await
    }

    /// The HTTP client the stack uses.
    pub fn client(&self) -> &http::Client {
        &self.http
    }

    /// Wait until the issuer's outbox has delivered every event to the
    /// registry (at most `timeout`).
    pub async fn wait_delivered(&self, timeout: Duration) -> Result<()> {
        let started = Instant::now();
        loop {
            let (status, body) = self
                .issuer_call(Method::GET, "/v1/admin/outbox", None)
                .await?;
            if status != 200 {
                bail!("outbox: {status}: {body}");
            }
            let pending = body
                .get("pending")
                .and_then(Value::as_array)
                .map(|targets| {
                    targets
                        .iter()
                        .filter(|t| t.get(0).and_then(Value::as_str) == Some("registry"))
                        .filter_map(|t| t.get(1).and_then(Value::as_i64))
                        .sum::<i64>()
                })
                .unwrap_or(0);
            if pending == 0 {
                return Ok(());
            }
            if started.elapsed() > timeout {
                bail!(
                    "{pending} event(s) still undelivered to the registry after {timeout:?}; \
                     see {}",
                    self.issuer.log().display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `path` relative to the repository root when under it.
    fn shown(&self, path: &Path) -> String {
        let root = self.options.root.canonicalize().ok();
        let full = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        root.and_then(|r| full.strip_prefix(r).ok().map(Path::to_path_buf))
            .unwrap_or(full)
            .display()
            .to_string()
    }

    /// What scripts and tests read: `{"issuer": {"url", "admin_token",
    /// "pid"}, "registry": {"url", "admin_token", "anchor", "pid"}, "pwa":
    /// {"url"}, "demo": [{"certificate_id", "name", "qr_png", "pdf",
    /// "expected_status"}]}`, paths relative to the repository root.
    pub fn json(&self, pwa_url: Option<&str>, demo: &[Demo]) -> Value {
        json!({
            "issuer": {
                "url": self.issuer.url,
                "admin_token": self.issuer_token,
                "pid": self.issuer.pid(),
                "log": self.shown(self.issuer.log()),
            },
            "registry": {
                "url": self.registry.url,
                "admin_token": self.registry_token,
                "anchor": self.shown(&self.anchor_path),
                "pid": self.registry.pid(),
                "log": self.shown(self.registry.log()),
            },
            "pwa": {"url": pwa_url},
            "demo": demo.iter().map(|d| json!({
                "certificate_id": d.certificate_id,
                "name": d.name,
                "qr_png": self.shown(&d.qr_png),
                "pdf": self.shown(&d.pdf),
                "expected_status": d.expected_status,
            })).collect::<Vec<_>>(),
        })
    }

    /// Write [`Self::json`] to `path` (owner-only: it holds tokens).
    pub fn write_json(&self, path: &Path, pwa_url: Option<&str>, demo: &[Demo]) -> Result<()> {
        let text = serde_json::to_string_pretty(&self.json(pwa_url, demo))?;
        write_private(path, format!("{text}\n").as_bytes())
    }

    /// Stop the issuer, then the registry (SIGTERM, waiting for each).
    pub async fn down(mut self) -> Result<()> {
        let issuer = self.issuer.stop().await;
        let registry = self.registry.stop().await;
        issuer?;
        registry?;
        Ok(())
    }
}

/// The issuer's configuration: the demo programme file with its
/// `[registry]` section switched on (README's walk-through does the same
/// with sed), retries for a local registry that may restart.
fn issuer_config(options: &Options, registry_url: &str) -> Result<String> {
    let example = options.root.join("issuer-api/examples/programme.toml");
    let text =
        std::fs::read_to_string(&example).with_context(|| format!("read {}", example.display()))?;
    if !text.contains("# [registry]") {
        bail!(
            "{} has no commented-out [registry] section",
            example.display()
        );
    }
    let registry = format!(
        "[registry]\nurl = \"{registry_url}/v1/revocations\"\ntoken_env = \"{TOKEN_ENV}\"\n"
    );
    let mut text = text
        .lines()
        .filter(|l| {
            !l.starts_with("# url = \"http://127.0.0.1:8081") && !l.starts_with("# token_env")
        })
        .map(|l| {
            if l == "# [registry]" {
                registry.trim_end()
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    // A local registry restarts: retry within seconds, not an hour.
    text = set_toml(&text, "outbox", "retry_base_ms", "200")?;
    text = set_toml(&text, "outbox", "retry_max_ms", "5000")?;
    if options.fast {
        text = set_toml(&text, "outbox", "poll_interval_ms", "50")?;
        text = set_toml(&text, "outbox", "retry_max_ms", "1000")?;
        text = set_toml(&text, "server", "refresh_secs", "1")?;
    }
    Ok(text)
}

/// One HTTP call: (status, body as JSON, or as a JSON string if not JSON).
async fn call(
    http: &http::Client,
    method: Method,
    url: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Result<(u16, Value)> {
    http.json(method, url, token, body).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code")]
    use super::*;

    #[test]
    fn set_toml_replaces_or_adds_within_its_table() {
        let text = "[server]\nbody = 1\n\n[outbox]\nretry_base_ms = 1000 # c\n";
        let out = set_toml(text, "outbox", "retry_base_ms", "200").unwrap();
        assert_eq!(out, "[server]\nbody = 1\n\n[outbox]\nretry_base_ms = 200\n");
        let out = set_toml(text, "server", "refresh_secs", "1").unwrap();
        assert_eq!(
            out,
            "[server]\nrefresh_secs = 1\nbody = 1\n\n[outbox]\nretry_base_ms = 1000 # c\n"
        );
        assert!(set_toml(text, "render", "x", "1").is_err());
    }

    #[test]
    fn the_demo_programme_gets_its_registry_on() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut options = Options::new(root, "d".into(), "b".into());
        options.fast = true;
        let text = issuer_config(&options, "http://127.0.0.1:9").unwrap();
        let parsed: toml::Table = text.parse().unwrap();
        assert_eq!(
            parsed["registry"]["url"].as_str(),
            Some("http://127.0.0.1:9/v1/revocations")
        );
        assert_eq!(
            parsed["registry"]["token_env"].as_str(),
            Some("REGISTRY_TOKEN")
        );
        assert_eq!(parsed["outbox"]["retry_max_ms"].as_integer(), Some(1000));
        assert_eq!(parsed["outbox"]["poll_interval_ms"].as_integer(), Some(50));
        assert_eq!(parsed["server"]["refresh_secs"].as_integer(), Some(1));
        assert_eq!(parsed["programme"]["id"].as_str(), Some("demo-covid-19"));
    }
}
