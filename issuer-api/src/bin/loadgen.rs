//! `loadgen`: certify over HTTP in batches and report certificates per
//! second and per-batch latency percentiles.
//!
//! ```text
//! cargo run --release -p issuer-api --bin loadgen -- --batches 3000 --batch-size 100 --concurrency 8
//! cargo run --release -p issuer-api --bin loadgen -- --database-url postgres://postgres@127.0.0.1/test
//! cargo run --release -p issuer-api --bin loadgen -- --url http://host:8080 --token hcit_...
//! cargo run --release -p issuer-api --bin loadgen -- --config vc2.toml   # another programme
//! ```
//!
//! Without `--url` it starts the issuer in this process on 127.0.0.1:0 with
//! a temporary data directory (SQLite, or a fresh schema of `--database-url`)
//! and drives it over loopback HTTP, so client and server share the machine
//! exactly as they would on one host.

#![allow(clippy::print_stdout, reason = "a benchmark prints its report")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::Parser;
use serde_json::{Value, json};

#[derive(Debug, Parser)]
#[command(about = "Load generator for issuer-api: certificates/s and batch latency")]
struct Args {
    /// A running issuer (else one is started in this process).
    #[arg(long)]
    url: Option<String>,
    /// Bearer token for `--url`.
    #[arg(long, env = "ISSUER_TOKEN")]
    token: Option<String>,
    /// PostgreSQL for the in-process issuer (a fresh schema is used).
    #[arg(long)]
    database_url: Option<String>,
    /// A configuration file for the in-process issuer (else the demo
    /// programme), e.g. one issuing the VC 2.0 profile.
    #[arg(long)]
    config: Option<std::path::PathBuf>,
    /// Batches to send (after warm-up).
    #[arg(long, default_value_t = 300)]
    batches: usize,
    /// Certification requests per batch.
    #[arg(long, default_value_t = 100)]
    batch_size: usize,
    /// Batches in flight at once (8 keeps two cores busy with SQLite's
    /// group commit; more adds latency, little throughput).
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Warm-up batches (not measured).
    #[arg(long, default_value_t = 10)]
    warmup: usize,
    /// Also print the figures as one JSON object, the last line (for
    /// `cargo xtask bench`).
    #[arg(long)]
    json: bool,
}

fn item(prefix: &str, i: usize) -> Value {
    json!({
        "preEnrollmentCode": format!("{prefix}{i:07}"),
        "recipient": {
            "name": "विकास शर्मा", "dob": "1970-12-18", "gender": "Male", "nationality": "Indian",
            "identity": format!("did:in.gov.uidai.aadhaar:{prefix}{i:07}"), "contact": ["tel:9876543210"],
            "address": {"addressLine1": "175, Sector 21", "addressLine2": "", "district": "Mumbai Suburban",
                        "city": "Mumbai", "state": "Maharashtra", "pincode": "400050"}
        },
        "vaccination": {"name": "COVISHIELD", "batch": "4120Z025", "manufacturer": "Serum Institute of India",
                        "date": "2021-04-30T06:24:47.000Z", "effectiveStart": "2021-04-30",
                        "effectiveUntil": "2022-04-30", "dose": 1, "totalDoses": 2},
        "vaccinator": {"id": "VAC-0001", "name": "Dr. Asha Patil"},
        "facility": {"id": "MH-MUM-001", "name": "Civil Hospital Mumbai Suburban"}
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "an index into a short list"
    )]
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted
        .get(rank.min(sorted.len() - 1))
        .copied()
        .unwrap_or_default()
}

/// The issuer this process started: what to clean up afterwards.
struct InProcess {
    _dir: tempfile::TempDir,
    /// The PostgreSQL URL and the fresh schema, dropped at the end.
    postgres: Option<(String, String)>,
}

impl InProcess {
    async fn cleanup(self) -> anyhow::Result<()> {
        if let Some((url, schema)) = self.postgres {
            let pool = sqlx::PgPool::connect(&url).await?;
            let sql = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await?;
            pool.close().await;
        }
        Ok(())
    }
}

/// The 1-minute load average (Linux), to report beside the numbers.
fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next().map(str::to_owned)
}

async fn in_process(
    database_url: Option<String>,
    config: Option<&std::path::Path>,
) -> anyhow::Result<(String, String, InProcess)> {
    let dir = tempfile::tempdir()?;
    let mut options = issuer_api::Options::demo(dir.path().to_path_buf());
    if let Some(path) = config {
        let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
        options.config = issuer_api::ConfigFile::parse(&text)?;
        options.config_source = path.display().to_string();
    }
    // The benchmark measures issuance, not the per-token limiter.
    options.config.server.rate_limit_per_second = 1_000_000;
    options.config.server.rate_limit_burst = 1_000_000;
    let mut postgres = None;
    if let Some(url) = database_url {
        let suffix = issuer_api::ids::hex(&issuer_api::ids::random_bytes::<6>()?);
        let schema = format!("loadgen_{suffix}");
        options.database_url = Some(url.clone());
        options.postgres_schema = Some(schema.clone());
        postgres = Some((url, schema));
    }
    let service = issuer_api::open(options).await?;
    let token = service
        .bootstrap_token
        .clone()
        .context("fresh data dir has a bootstrap token")?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let backend = service.state.issuer.backend();
    println!("in-process issuer on {base} ({backend})");
    let router = issuer_api::app(service.state.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok((
        base,
        token.to_string(),
        InProcess {
            _dir: dir,
            postgres,
        },
    ))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let backend_name = match (&args.url, &args.database_url) {
        (Some(_), _) => "remote",
        (None, Some(_)) => "postgres",
        (None, None) => "sqlite",
    };
    let (base, token, started_here) = match &args.url {
        Some(url) => (
            url.clone(),
            args.token
                .clone()
                .context("--token is required with --url")?,
            None,
        ),
        None => {
            let (base, token, started) =
                in_process(args.database_url.clone(), args.config.as_deref()).await?;
            (base, token, Some(started))
        }
    };
    // Plain HTTP, but reqwest still wants a TLS provider chosen.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    let prefix = format!(
        "LG{}-",
        issuer_api::ids::hex(&issuer_api::ids::random_bytes::<4>()?)
    );
    let total = args.warmup + args.batches;
    let bodies: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..total)
            .map(|b| {
                let items: Vec<Value> = (0..args.batch_size)
                    .map(|i| item(&prefix, b * args.batch_size + i))
                    .collect();
                serde_json::to_vec(&Value::Array(items))
            })
            .collect::<Result<_, _>>()?,
    );

    let send = move |index: usize| {
        let (client, base, token, bodies) =
            (client.clone(), base.clone(), token.clone(), bodies.clone());
        async move {
            let body = bodies.get(index).cloned().unwrap_or_default();
            let started = Instant::now();
            let response = client
                .post(format!("{base}/v1/certify"))
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await?;
            let status = response.status();
            let bytes = response.bytes().await?;
            let elapsed = started.elapsed();
            if !status.is_success() {
                bail!("HTTP {status}: {}", String::from_utf8_lossy(&bytes));
            }
            // Count without parsing: the client shares the machine with the
            // server, and parsing 250 KB of JSON per batch would bill the
            // server for the client's work.
            let needle = br#""result":"issued""#;
            let issued = bytes
                .windows(needle.len())
                .filter(|w| w.first() == Some(&b'"') && w == needle)
                .count();
            Ok::<_, anyhow::Error>((elapsed, issued))
        }
    };

    // Warm-up: connections, caches, the first WAL growth.
    for i in 0..args.warmup {
        send(i).await?;
    }

    let load_before = load_average();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(args.warmup));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.concurrency.max(1) {
        let next = next.clone();
        let send = send.clone();
        workers.push(tokio::spawn(async move {
            let mut results = Vec::new();
            loop {
                let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if index >= total {
                    return results;
                }
                results.push(send(index).await);
            }
        }));
    }
    let mut latencies = Vec::new();
    let mut issued = 0usize;
    let mut errors = 0usize;
    for worker in workers {
        for result in worker.await? {
            match result {
                Ok((latency, n)) => {
                    latencies.push(latency);
                    issued += n;
                }
                Err(e) => {
                    errors += 1;
                    if errors <= 3 {
                        eprintln!("batch failed: {e}");
                    }
                }
            }
        }
    }
    let wall = started.elapsed();
    latencies.sort();
    #[allow(clippy::cast_precision_loss, reason = "a rate for people")]
    let rate = issued as f64 / wall.as_secs_f64();
    println!(
        "{} batches x {} items, concurrency {}: {issued} certificates in {:.2} s = {rate:.0} certificates/s ({errors} failed batches)",
        latencies.len(),
        args.batch_size,
        args.concurrency,
        wall.as_secs_f64()
    );
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "batch latency ms: p50 {:.1}  p90 {:.1}  p99 {:.1}  max {:.1}",
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 90.0)),
        ms(percentile(&latencies, 99.0)),
        ms(latencies.last().copied().unwrap_or_default())
    );
    // Other work on the machine takes CPU from the run: say how much.
    let load_after = load_average();
    if let (Some(before), Some(after)) = (&load_before, &load_after) {
        println!("load average (1 min) before {before}, after {after}");
    }
    if args.json {
        println!(
            "{}",
            json!({
                "backend": backend_name,
                "batches": latencies.len(),
                "batch_size": args.batch_size,
                "concurrency": args.concurrency,
                "certificates": issued,
                "failed_batches": errors,
                "seconds": wall.as_secs_f64(),
                "certificates_per_second": rate,
                "latency_ms": {
                    "p50": ms(percentile(&latencies, 50.0)),
                    "p90": ms(percentile(&latencies, 90.0)),
                    "p99": ms(percentile(&latencies, 99.0)),
                    "max": ms(latencies.last().copied().unwrap_or_default()),
                },
                "load_before": load_before,
                "load_after": load_after,
            })
        );
    }
    if let Some(started) = started_here {
        started.cleanup().await?;
    }
    if errors > 0 {
        bail!("{errors} batches failed");
    }
    Ok(())
}
