//! Native measurements: issuance (loadgen), verification per suite
//! (verify_cpu), `verify DIR` over generated certificates, the key registry
//! (sizes and requests per second).

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use super::{Built, Counts, capture, last_json, release_bin};

/// One loadgen run (`issuer-api/src/bin/loadgen.rs --json`).
#[derive(Debug, Deserialize)]
pub struct Issuance {
    pub batches: usize,
    pub batch_size: usize,
    pub concurrency: usize,
    pub certificates: usize,
    pub seconds: f64,
    pub certificates_per_second: f64,
    pub latency_ms: Percentiles,
    pub load_before: Option<String>,
    pub load_after: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Percentiles {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

/// Certify in batches of 100 against an in-process issuer on SQLite, or on
/// a fresh schema of `database_url`.
pub fn issuance(built: &Built, counts: &Counts, database_url: Option<&str>) -> Result<Issuance> {
    let mut cmd = Command::new(release_bin(built, "loadgen")?);
    cmd.args(["--json", "--batch-size", "100", "--concurrency", "8"])
        .args(["--batches", &counts.issuance_batches.to_string()])
        .args(["--warmup", if counts.quick { "2" } else { "10" }]);
    if let Some(url) = database_url {
        cmd.args(["--database-url", url]);
    }
    let what = format!(
        "loadgen ({})",
        if database_url.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    let out = capture(&what, cmd, Duration::from_secs(900))?;
    let result: Issuance = serde_json::from_value(last_json(&out)?)?;
    if result.certificates != result.batches * result.batch_size {
        bail!(
            "{} certificates issued of {} requested",
            result.certificates,
            result.batches * result.batch_size
        );
    }
    Ok(result)
}

/// One suite from `credential/examples/verify_cpu.rs --json`.
#[derive(Debug, Deserialize)]
pub struct NativeVerify {
    pub suite: String,
    pub iterations: u32,
    pub verify_cpu_us: f64,
    pub verify_wall_us: f64,
    pub zip_verify_cpu_us: f64,
    pub zip_verify_wall_us: f64,
}

pub fn native_verify(built: &Built, counts: &Counts) -> Result<Vec<NativeVerify>> {
    let mut cmd = Command::new(release_bin(built, "examples/verify_cpu")?);
    cmd.arg(counts.native_verifications.to_string())
        .arg("--json");
    let out = capture("verify_cpu", cmd, Duration::from_secs(600))?;
    let rows = out
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(serde_json::from_str)
        .collect::<Result<Vec<NativeVerify>, _>>()?;
    if rows.len() != 3 {
        bail!("verify_cpu reported {} suites, expected 3", rows.len());
    }
    Ok(rows)
}

/// `verify DIR` over generated certificate files.
#[derive(Debug)]
pub struct VerifyDir {
    pub files: usize,
    pub generate_seconds: f64,
    /// (jobs, seconds, certificates per second).
    pub runs: Vec<(usize, f64, f64)>,
}

/// Every generated certificate is valid at this moment.
const VERIFY_NOW: &str = "2026-12-01T00:00:00Z";

pub fn verify_dir(built: &Built, counts: &Counts) -> Result<VerifyDir> {
    let verify = release_bin(built, "verify")?;
    let generator = release_bin(built, "examples/make_certificates")?;
    let out = built.scratch.join("certificates");
    let mut cmd = Command::new(generator);
    cmd.arg(&out).arg(counts.verify_dir_files.to_string());
    let started = Instant::now();
    capture("make_certificates", cmd, Duration::from_secs(900))?;
    let generate_seconds = started.elapsed().as_secs_f64();

    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let mut runs = Vec::new();
    let mut jobs = vec![1];
    if cores > 1 {
        jobs.push(cores);
    }
    for jobs in jobs {
        let mut cmd = Command::new(&verify);
        cmd.arg("--key")
            .arg(out.join("key.pem"))
            .args([
                "--kid",
                "did:web:moh.example.org#key-1",
                "--now",
                VERIFY_NOW,
            ])
            .args(["--json", "--jobs", &jobs.to_string()])
            .arg(out.join("certificates"));
        let started = Instant::now();
        let stdout = capture(
            &format!("verify --jobs {jobs} DIR"),
            cmd,
            Duration::from_secs(900),
        )?;
        let seconds = started.elapsed().as_secs_f64();
        let valid = stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["status"] == "valid")
            .count();
        if valid != counts.verify_dir_files {
            bail!(
                "verify --jobs {jobs}: {valid} of {} certificates valid",
                counts.verify_dir_files
            );
        }
        #[allow(clippy::cast_precision_loss, reason = "a rate for people")]
        runs.push((jobs, seconds, valid as f64 / seconds));
    }
    let _ = std::fs::remove_dir_all(&out);
    Ok(VerifyDir {
        files: counts.verify_dir_files,
        generate_seconds,
        runs,
    })
}

/// key-registry's `examples/bench.rs`: list sizes and requests per second.
#[derive(Debug)]
pub struct Registry {
    /// The heading of its sizes table (what was revoked of what).
    pub sizes_title: String,
    /// Rows of its sizes table: list, bytes, gzipped, built in.
    pub sizes: Vec<[String; 4]>,
    /// "A verifier checks and applies the snapshot in N ms".
    pub apply: String,
    /// The trust list served (bytes, gzipped).
    pub trust_list: String,
    pub requests: Result<Vec<Requests>>,
}

/// One wrk run.
#[derive(Debug)]
pub struct Requests {
    pub label: String,
    pub per_second: String,
    pub p50: String,
    pub p99: String,
    pub errors: Option<String>,
}

pub fn registry(built: &Built, counts: &Counts) -> Result<Registry> {
    let bin = release_bin(built, "examples/bench")?;
    let wrk = ensure_wrk();
    let mut cmd = Command::new(bin);
    cmd.args(["--revoked", &counts.revocations.to_string()])
        .args(["--wrk-seconds", &counts.wrk_seconds.to_string()]);
    if wrk.is_err() {
        cmd.arg("--no-wrk");
    }
    let out = capture("key-registry bench", cmd, Duration::from_secs(1200))?;
    let mut registry = parse_registry(&out)?;
    if let Err(e) = wrk {
        registry.requests = Err(e);
    }
    Ok(registry)
}

fn parse_registry(out: &str) -> Result<Registry> {
    let lines: Vec<&str> = out.lines().map(str::trim).collect();
    let sizes_title = lines
        .iter()
        .find_map(|l| l.strip_prefix("## Revocation lists: "))
        .context("no sizes heading in the registry bench's output")?
        .to_owned();
    let sizes: Vec<[String; 4]> = lines
        .iter()
        .filter(|l| l.starts_with("| snapshot") || l.starts_with("| delta"))
        .filter_map(|l| {
            let cells: Vec<String> = l
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_owned())
                .collect();
            cells.try_into().ok()
        })
        .collect();
    if sizes.len() != 2 {
        bail!("the registry bench's sizes table has {} rows", sizes.len());
    }
    let apply = lines
        .iter()
        .find(|l| l.starts_with("A verifier checks"))
        .map(|l| (*l).to_owned())
        .unwrap_or_default();
    let trust_list = lines
        .iter()
        .find_map(|l| l.strip_prefix("## Requests per second (trust list: "))
        .map(|l| l.trim_end_matches(')').to_owned())
        .unwrap_or_default();
    let mut requests = Vec::new();
    let mut current: Option<Requests> = None;
    for line in &lines {
        if let Some(label) = line.strip_prefix("### ") {
            requests.extend(current.take());
            current = Some(Requests {
                label: label.to_owned(),
                per_second: String::new(),
                p50: String::new(),
                p99: String::new(),
                errors: None,
            });
        } else if let Some(r) = current.as_mut() {
            let value = |l: &str| l.split_whitespace().nth(1).unwrap_or_default().to_owned();
            if line.starts_with("Requests/sec") {
                r.per_second = value(line);
            } else if line.starts_with("50%") {
                r.p50 = value(line);
            } else if line.starts_with("99%") {
                r.p99 = value(line);
            } else if line.starts_with("Non-2xx") || line.starts_with("wrk not run") {
                r.errors = Some((*line).to_owned());
            }
        }
    }
    requests.extend(current);
    if let Some(missing) = requests.iter().find(|r| r.per_second.is_empty()) {
        bail!(
            "wrk gave no rate for {}: {}",
            missing.label,
            missing.errors.as_deref().unwrap_or("no output")
        );
    }
    Ok(Registry {
        sizes_title,
        sizes,
        apply,
        trust_list,
        requests: Ok(requests),
    })
}

/// Debian's `wrk`, installed with apt-get (as `cargo xtask run` installs
/// what it misses, saying so) when it is not there.
fn ensure_wrk() -> Result<()> {
    let present = || {
        Command::new("wrk")
            .arg("--version")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("wrk"))
    };
    if present() {
        return Ok(());
    }
    eprintln!("wrk (Debian's package) is not installed: apt-get install -y wrk");
    let status = Command::new("apt-get")
        // Wait for another apt-get (an installer) rather than fail at once.
        .args([
            "-o",
            "DPkg::Lock::Timeout=300",
            "install",
            "-y",
            "--no-install-recommends",
            "wrk",
        ])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status();
    if !present() {
        bail!("wrk is not installed and apt-get install -y wrk did not install it ({status:?})");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "inserted 30000 revocations in 0.4 s (not part of any figure)

## Revocation lists: 20000 revoked of 2000000000 issued (status-list indices, 120 lists of 2^24), a day's delta of 10000

| list | bytes | gzipped | built in (registry) |
|---|---|---|---|
| snapshot, version 43 | 0.25 MB | 0.20 MB | 61 ms |
| delta since 42 (one day) | 121.3 KB | 98.0 KB | 20 ms |

A verifier checks and applies the snapshot in 12 ms (this machine, release build).

## Requests per second (trust list: 9312 bytes, 2412 gzipped)

### trust list, ETag hit (304)
$ wrk -t 2 -c 64 -d 2s --latency -H 'If-None-Match: \"x\"' http://127.0.0.1:1/v1/trust-list
Latency     1.20ms    2.00ms  30.00ms   90.00%
50%    0.90ms
99%    9.10ms
Requests/sec:  40123.45
Transfer/sec:      5.00MB
";

    #[test]
    fn the_registry_bench_output_becomes_sizes_and_rates() {
        let r = parse_registry(OUTPUT).unwrap();
        assert!(r.sizes_title.starts_with("20000 revoked"));
        assert_eq!(r.sizes[0][0], "snapshot, version 43");
        assert_eq!(r.sizes[1][3], "20 ms");
        assert!(r.apply.contains("12 ms"));
        assert_eq!(r.trust_list, "9312 bytes, 2412 gzipped");
        let rows = r.requests.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].per_second, "40123.45");
        assert_eq!(
            (rows[0].p50.as_str(), rows[0].p99.as_str()),
            ("0.90ms", "9.10ms")
        );
    }

    #[test]
    fn a_wrk_run_without_a_rate_or_a_missing_table_is_an_error() {
        let no_rate = OUTPUT.replace("Requests/sec:  40123.45\n", "");
        let e = parse_registry(&no_rate).unwrap_err();
        assert!(e.to_string().contains("no rate for trust list, ETag hit"));
        let no_wrk = OUTPUT.replace(
            "Requests/sec:  40123.45\n",
            "wrk not run (No such file): apt-get install wrk\n",
        );
        let e = parse_registry(&no_wrk).unwrap_err();
        assert!(e.to_string().contains("wrk not run"), "{e}");
        let no_table = OUTPUT.replace("| delta since", "| gone");
        assert!(parse_registry(&no_table).is_err());
        assert!(parse_registry("").is_err());
    }
}
