//! The whole system as one product, tested from outside: the local stack
//! that `cargo xtask run` starts (the `stack` crate: the key registry and
//! the issuer API as processes on SQLite), the `verify` command and the
//! verifier PWA in headless Chromium syncing from the real registry.
//!
//! The servers are this workspace's test builds, built by the cargo that
//! runs the tests ([`binaries`]); each test has its own data directory and
//! ports. The browser tests need `dist/` (`cargo xtask dist`; `cargo xtask
//! test` runs these after it) and Debian's chromium, chromium-driver and
//! ffmpeg: a missing one fails them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use credential::{CertificateRef, PublicKey, RevocationStatus, RevocationStore};
use jiff::Timestamp;
use serde_json::{Value, json};
use stack::Stack;

/// The executables the tests run, by name.
#[derive(Debug, Clone)]
pub struct Binaries(HashMap<String, PathBuf>);

impl Binaries {
    /// The executable `name`.
    pub fn get(&self, name: &str) -> Result<&Path> {
        self.0
            .get(name)
            .map(PathBuf::as_path)
            .with_context(|| format!("cargo built no {name}"))
    }

    /// The directory the servers are in.
    pub fn dir(&self) -> Result<&Path> {
        self.get("issuer-api")?
            .parent()
            .context("issuer-api has no directory")
    }
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    pwa_tests::repo_root()
}

/// `issuer-api`, `key-registry`, `verify` and `xtask`, built once per test
/// process from this workspace with the cargo that runs the tests (into
/// the same target directory: mostly already built by then).
pub fn binaries() -> Result<Binaries> {
    static BUILT: std::sync::OnceLock<Result<Binaries, String>> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| build().map_err(|e| format!("{e:#}")))
        .clone()
        .map_err(|e| anyhow::anyhow!(e))
}

fn build() -> Result<Binaries> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = std::process::Command::new(cargo)
        .current_dir(repo_root())
        .args([
            "build",
            "--quiet",
            "--message-format=json",
            "-p",
            "issuer-api",
            "-p",
            "key-registry",
            "-p",
            "verifier-wasm",
            "-p",
            "xtask",
            "--bin",
            "issuer-api",
            "--bin",
            "key-registry",
            "--bin",
            "verify",
            "--bin",
            "xtask",
        ])
        .output()
        .context("running cargo build for the servers")?;
    if !output.status.success() {
        bail!(
            "cargo build of the servers failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let found = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m.get("reason").and_then(Value::as_str) == Some("compiler-artifact"))
        .filter_map(|m| {
            let name = m.pointer("/target/name")?.as_str()?.to_owned();
            let exe = m.get("executable")?.as_str()?;
            Some((name, PathBuf::from(exe)))
        })
        .collect();
    Ok(Binaries(found))
}

/// A stack in a temporary directory on free ports.
#[derive(Debug)]
pub struct Local {
    /// The stack.
    pub stack: Stack,
    /// Its data directory (and room for the test's files).
    pub dir: tempfile::TempDir,
}

/// Stack options for a test: test builds, `:0` ports, `dir` as data
/// directory, test timings when `fast`.
pub fn options(dir: &Path, fast: bool) -> Result<stack::Options> {
    let bins = binaries()?;
    let mut options = stack::Options::new(repo_root(), dir.to_path_buf(), bins.dir()?.into());
    options.issuer_listen = "127.0.0.1:0".into();
    options.registry_listen = "127.0.0.1:0".into();
    options.fast = fast;
    Ok(options)
}

impl Local {
    /// Start a stack with test timings, its registry readable from
    /// `cors_origins`.
    pub async fn start(cors_origins: &[String]) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let mut options = options(&dir.path().join("data"), true)?;
        options.cors_origins = cors_origins.to_vec();
        let stack = Stack::up(options).await?;
        Ok(Self { stack, dir })
    }

    /// A file in the test's directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Certify one person (dose 1 of COVISHIELD 30 days ago): the
    /// certificate id and the credential.
    pub async fn certify(&self, code: &str, name: &str) -> Result<(String, Value)> {
        let answer = self.stack.certify(&json!([request(code, name)])).await?;
        let result = answer
            .pointer("/results/0")
            .context("certify answered no result")?;
        if result.get("result").and_then(Value::as_str) != Some("issued") {
            bail!("not issued: {answer}");
        }
        let id = result
            .get("certificate_id")
            .and_then(Value::as_str)
            .context("no certificate id")?
            .to_owned();
        let credential = result.get("credential").cloned().unwrap_or_default();
        Ok((id, credential))
    }

    /// Its QR code, as `<dir>/qr/<id>/qr.png` (one directory per code: the
    /// fake-camera videos are cached by directory names).
    pub async fn qr_png(&self, id: &str) -> Result<PathBuf> {
        let png = self
            .stack
            .issuer_bytes(&format!("/v1/certificates/{id}/qr.png?size=600"))
            .await?;
        let dir = self.path("qr").join(id);
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("qr.png");
        std::fs::write(&path, png)?;
        Ok(path)
    }

    /// The registry's anchor key.
    pub fn anchor(&self) -> Result<PublicKey> {
        Ok(PublicKey::parse_any(self.stack.anchor_pem.trim())?)
    }

    /// The served revocation snapshot, checked and applied.
    pub async fn revocations(&self) -> Result<RevocationStore> {
        let bytes = self.stack.registry_bytes("/v1/revocations").await?;
        let mut store = RevocationStore::new();
        store.apply_signed(&bytes, &[self.anchor()?])?;
        Ok(store)
    }

    /// Wait (at most a minute) until the registry's snapshot says
    /// `expected` for certificate `id`.
    pub async fn wait_status(&self, id: &str, expected: &RevocationStatus) -> Result<u64> {
        let started = Instant::now();
        loop {
            let store = self.revocations().await?;
            let status = store.check(&certificate(id), Timestamp::now());
            if &status == expected {
                return store.version().context("no version");
            }
            if started.elapsed() > Duration::from_secs(60) {
                bail!("{id}: still {status:?} after a minute");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Run `verify --json` on `inputs` with the lists the registry serves
    /// now; one verdict per input.
    pub async fn verify(&self, inputs: &[&Path]) -> Result<Vec<Value>> {
        let lists = self.path("lists");
        std::fs::create_dir_all(&lists)?;
        let trust = lists.join("trust-list.json");
        let revocations = lists.join("revocations.json");
        std::fs::write(&trust, self.stack.registry_bytes("/v1/trust-list").await?)?;
        std::fs::write(
            &revocations,
            self.stack.registry_bytes("/v1/revocations").await?,
        )?;
        verify(&trust, &self.stack.anchor_path, &revocations, inputs)
    }
}

/// `verify --json` with these lists; one verdict per input.
pub fn verify(
    trust: &Path,
    anchor: &Path,
    revocations: &Path,
    inputs: &[&Path],
) -> Result<Vec<Value>> {
    let output = std::process::Command::new(binaries()?.get("verify")?)
        .arg("--trust-list")
        .arg(trust)
        .arg("--anchor")
        .arg(anchor)
        .arg("--revocations")
        .arg(revocations)
        .arg("--json")
        .args(inputs)
        .output()?;
    let verdicts: Vec<Value> = String::from_utf8(output.stdout)?
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    if verdicts.len() != inputs.len() {
        bail!(
            "verify gave {} verdicts for {} inputs: {}",
            verdicts.len(),
            inputs.len(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(verdicts)
}

/// The demo issuer's certificate `id`, as a revocation list names it.
pub fn certificate(id: &str) -> CertificateRef {
    CertificateRef {
        issuer: stack::ISSUER_ID.into(),
        certificate_id: Some(id.into()),
        status_entry: None,
    }
}

/// A certification request of the demo programme: dose 1 of 2 of
/// COVISHIELD, 30 days before now.
pub fn request(code: &str, name: &str) -> Value {
    let date = Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(24 * 30))
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_default();
    json!({
        "preEnrollmentCode": code,
        "recipient": {
            "name": name, "dob": "1980-01-15", "gender": "Female", "nationality": "Indian",
            "identity": format!("did:in.gov.test:{code}"), "contact": ["tel:+91 98765 43210"],
            "address": {"addressLine1": "1 Road", "district": "Mumbai Suburban", "city": "Mumbai",
                        "state": "Maharashtra", "pincode": "400050"}
        },
        "vaccination": {"name": "COVISHIELD", "batch": "B1", "manufacturer": "Serum Institute of India",
                        "date": date, "dose": 1, "totalDoses": 2},
        "vaccinator": {"id": "VAC-0001", "name": "Dr. Asha Patil"},
        "facility": {"id": "MH-MUM-001", "name": "Civil Hospital Mumbai Suburban"}
    })
}

/// Whether process `pid` is gone (no such process, or a zombie nobody has
/// collected yet: it runs no more code and holds no sockets).
pub fn process_gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        // "pid (comm) S ...": the state follows the last ')'.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state == "Z" || state == "X"),
    }
}
