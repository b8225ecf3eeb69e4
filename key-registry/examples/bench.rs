//! The registry at scale and under load (a benchmark, not a test):
//!
//! ```sh
//! cargo run --release -p key-registry --example bench            # sizes, then wrk runs
//! cargo run --release -p key-registry --example bench -- --no-wrk
//! cargo run --release -p key-registry --example bench -- --revoked 100000 --wrk-seconds 3
//! ```
//!
//! 1. Sizes: 1,000,000 revocations of 2,000,000,000 issued certificates,
//!    named by W3C status-list entries (120 lists of 2^24 indices, the most
//!    a list holds), put straight into the store as one version, then a
//!    day's 10,000 more as the next; the registry builds the signed
//!    snapshot and the delta through its own code (fold, compressed sets,
//!    JCS, Ed25519, gzip), as a request would.
//! 2. Requests per second with `wrk` (Debian's `wrk`; skipped with a note
//!    when it is not installed) against the registry served on
//!    `127.0.0.1:0` from this process: trust-list ETag hits (304),
//!    trust-list misses (200, the list of 20 issuers), and the day's delta.
//!    wrk and the server share the machine's cores.

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a benchmark program prints and stops on failure"
)]

use std::time::{Duration, Instant};

use key_registry::registry::issuers::{NewIssuer, NewKey};
use key_registry::store::Store;
use key_registry::{Options, app, open};

/// Revocations in the snapshot unless `--revoked N` says otherwise.
const REVOKED: usize = 1_000_000;
/// How long each wrk run lasts unless `--wrk-seconds S` says otherwise.
const WRK_SECONDS: u32 = 10;
const ISSUED: u64 = 2_000_000_000;
const DAY: usize = 10_000;
const LIST_BITS: u32 = 24;

/// A small deterministic generator (splitmix64): the same sets every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn mb(n: usize) -> String {
    format!("{:.2} MB", n as f64 / 1e6)
}

fn kb(n: usize) -> String {
    format!("{:.1} KB", n as f64 / 1e3)
}

/// Insert one revocation-list version holding `indices` (as status-list
/// entries of `issuer`), straight into SQLite.
async fn insert_version(store: &Store, issuer: &str, base: &str, indices: &[u64], at: i64) -> i64 {
    let Store::Sqlite { writer, .. } = store else {
        panic!("the benchmark runs on SQLite");
    };
    let mut tx = writer.begin().await.unwrap();
    let (version,): (i64,) = sqlx::query_as(
        "UPDATE list_heads SET version = version + 1 WHERE list = 'revocations' RETURNING version",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO list_versions (list, version, issued_at, next_update, anchor, body) \
         SELECT list, $1, $2, $2 + 86400000, anchor, NULL FROM list_versions \
         WHERE list = 'revocations' AND version = $1 - 1",
    )
    .bind(version)
    .bind(at)
    .execute(&mut *tx)
    .await
    .unwrap();
    for chunk in indices.chunks(5_000) {
        let mut q = sqlx::QueryBuilder::new(
            "INSERT INTO revocation_changes (version, issuer_id, action, status_list, status_index, at) ",
        );
        q.push_values(chunk, |mut row, i| {
            row.push_bind(version)
                .push_bind(issuer)
                .push_bind("revoke")
                .push_bind(format!("{base}{}", i >> LIST_BITS))
                .push_bind(i64::try_from(i & ((1 << LIST_BITS) - 1)).unwrap())
                .push_bind(at);
        });
        q.build().execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    version
}

/// The value after `flag` on the command line.
fn arg<T: std::str::FromStr>(flag: &str, default: T) -> T {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{flag} takes a number, not {v:?}"))
        })
        .unwrap_or(default)
}

fn wrk(label: &str, url: &str, headers: &[&str], seconds: u32) {
    let duration = format!("{seconds}s");
    let mut command = std::process::Command::new("wrk");
    command.args(["-t", "2", "-c", "64", "-d", &duration, "--latency"]);
    for h in headers {
        command.args(["-H", h]);
    }
    command.arg(url);
    println!(
        "\n### {label}\n$ wrk -t 2 -c 64 -d {duration} --latency {} {url}",
        headers
            .iter()
            .map(|h| format!("-H '{h}' "))
            .collect::<String>()
    );
    match command.output() {
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stdout);
            for line in text.lines().filter(|l| {
                l.contains("Requests/sec")
                    || l.contains("Latency")
                    || l.contains("50%")
                    || l.contains("99%")
                    || l.contains("Non-2xx")
                    || l.contains("Transfer/sec")
            }) {
                println!("{}", line.trim());
            }
        }
        Err(e) => println!("wrk not run ({e}): apt-get install wrk"),
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let no_wrk = std::env::args().any(|a| a == "--no-wrk");
    let revoked: usize = arg("--revoked", REVOKED);
    let wrk_seconds: u32 = arg("--wrk-seconds", WRK_SECONDS);
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let mut options = Options::new(dir.path().to_path_buf(), &url);
    options.http.concurrency_limit = 4096;
    let service = open(options).await.unwrap();
    let registry = service.state.registry.clone();

    // Twenty issuers with two keys each: a realistic trust list.
    for n in 0..20u8 {
        let issuer = registry
            .register_issuer(
                serde_json::from_value::<NewIssuer>(serde_json::json!({
                    "id": format!("https://moh{n}.example.org/"), "did": format!("did:web:moh{n}.example.org"),
                    "name": format!("Ministry of Health {n}"), "country": "IN"
                }))
                .unwrap(),
                "bench",
            )
            .await
            .unwrap();
        for k in 1..=2u8 {
            let key =
                credential::PrivateKey::from_ed25519_seed(&[n.wrapping_mul(3).wrapping_add(k); 32])
                    .public_key();
            registry
                .add_key(
                    &issuer.slug,
                    serde_json::from_value::<NewKey>(serde_json::json!({
                        "kid": format!("did:web:moh{n}.example.org#key-{k}"), "public_key_jwk": key.to_jwk()
                    }))
                    .unwrap(),
                    "bench",
                )
                .await
                .unwrap();
        }
    }
    let issuer = registry.issuer("moh0-example-org").await.unwrap().0;
    let base = registry.status_list_url(&issuer, "");

    // 1,000,000 distinct indices of 2,000,000,000, then a day of 10,000 more.
    let mut rng = Rng(0x5eed);
    let mut seen = std::collections::HashSet::with_capacity(revoked + DAY);
    let mut draw = |n: usize| -> Vec<u64> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let i = rng.next() % ISSUED;
            if seen.insert(i) {
                out.push(i);
            }
        }
        out
    };
    let (bulk, day) = (draw(revoked), draw(DAY));
    let started = Instant::now();
    let at = registry.now_ms();
    let v_bulk = insert_version(&registry.store, &issuer.id, &base, &bulk, at).await;
    let v_day = insert_version(&registry.store, &issuer.id, &base, &day, at + 86_400_000).await;
    registry.sync().await.unwrap();
    println!(
        "inserted {} revocations in {:.1} s (not part of any figure)",
        revoked + DAY,
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let snapshot = registry.revocations(None).await.unwrap();
    let snapshot_ms = started.elapsed().as_millis();
    let started = Instant::now();
    let delta = registry
        .revocations(Some(u64::try_from(v_bulk).unwrap()))
        .await
        .unwrap();
    let delta_ms = started.elapsed().as_millis();
    // A phone's view: the snapshot verifies and parses, and finds what it should.
    let anchor = registry.active_anchor().await.unwrap();
    let started = Instant::now();
    let mut store = credential::RevocationStore::new();
    store
        .apply_signed(&snapshot.bytes, std::slice::from_ref(&anchor))
        .unwrap();
    let apply_ms = started.elapsed().as_millis();
    assert_eq!(store.version(), Some(u64::try_from(v_day).unwrap()));
    let probe = |i: u64| credential::CertificateRef {
        issuer: issuer.id.clone(),
        certificate_id: None,
        status_entry: Some(credential::StatusEntry {
            list: format!("{base}{}", i >> LIST_BITS),
            index: i & ((1 << LIST_BITS) - 1),
        }),
    };
    assert_eq!(
        store.check(&probe(bulk[123]), registry.now()),
        credential::RevocationStatus::Revoked
    );
    assert_eq!(
        store.check(&probe(day[45]), registry.now()),
        credential::RevocationStatus::Revoked
    );

    println!(
        "\n## Revocation lists: {revoked} revoked of {ISSUED} issued (status-list indices, {} lists of 2^{LIST_BITS}), a day's delta of {DAY}\n",
        ISSUED.div_ceil(1 << LIST_BITS)
    );
    println!("| list | bytes | gzipped | built in (registry) |");
    println!("|---|---|---|---|");
    println!(
        "| snapshot, version {v_day} | {} | {} | {snapshot_ms} ms |",
        mb(snapshot.bytes.len()),
        mb(snapshot.gzip.len())
    );
    println!(
        "| delta since {v_bulk} (one day) | {} | {} | {delta_ms} ms |",
        kb(delta.bytes.len()),
        kb(delta.gzip.len())
    );
    println!(
        "\nA verifier checks and applies the snapshot in {apply_ms} ms (this machine, release build)."
    );

    if no_wrk {
        return;
    }
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let router = app(service.state.clone());
    let server = tokio::spawn(async move {
        let mut stop = stop_rx;
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stop.changed().await;
            })
            .await;
    });
    let trust = registry.served().trust.clone().unwrap();
    println!(
        "\n## Requests per second (trust list: {} bytes, {} gzipped)",
        trust.bytes.len(),
        trust.gzip.len()
    );
    let list_url = format!("{url}/v1/trust-list");
    let etag = format!("If-None-Match: {}", trust.etag);
    let delta_url = format!("{url}/v1/revocations?since={v_bulk}");
    tokio::task::spawn_blocking(move || {
        wrk(
            "trust list, ETag hit (304)",
            &list_url,
            &[&etag],
            wrk_seconds,
        );
        wrk(
            "trust list, miss (200, identity)",
            &list_url,
            &[],
            wrk_seconds,
        );
        wrk(
            "trust list, miss (200, gzip)",
            &list_url,
            &["Accept-Encoding: gzip"],
            wrk_seconds,
        );
        wrk(
            "revocation delta, one day (200, gzip)",
            &delta_url,
            &["Accept-Encoding: gzip"],
            wrk_seconds,
        );
    })
    .await
    .unwrap();
    let _ = stop.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
}
