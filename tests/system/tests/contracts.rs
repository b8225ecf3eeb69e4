//! The OpenAPI documents are contracts: schemathesis runs against the key
//! registry's and the issuer API's `/openapi.json` with an admin token,
//! every check on (`tests/contracts/`): no 5xx, every status documented,
//! request schemas as strict as the server, every answer conforming.
//!
//! Without schemathesis the test says it skipped; under
//! `HEALTHCERTS_REQUIRE_TOOLS` (CI, `cargo xtask test`) that is a failure.
//! `CONTRACTS_MAX_EXAMPLES` changes the cases per operation (default 50:
//! under a minute for both on two cores).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::io::Write as _;
use std::path::PathBuf;
use std::process::Command;

use serde_json::json;
use system_tests::{Backend, Client, start_issuer_with, start_registry_with};

/// Whether schemathesis runs here; a missing one fails under
/// `HEALTHCERTS_REQUIRE_TOOLS`.
fn schemathesis_present() -> bool {
    let found = Command::new("schemathesis")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("HEALTHCERTS_REQUIRE_TOOLS").is_none(),
            "schemathesis is not installed (pip install schemathesis==4.32.5), \
             and HEALTHCERTS_REQUIRE_TOOLS is set"
        );
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED contract test: schemathesis is not installed \
             (pip install schemathesis==4.32.5)"
        );
    }
    found
}

/// Run `tests/contracts/run.sh` against one service: its failures, with
/// schemathesis' report, or none.
async fn hold_to_contract(name: &str, url: &str, token: &str) -> Option<String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let max_examples = std::env::var("CONTRACTS_MAX_EXAMPLES").unwrap_or_else(|_| "50".into());
    // The document as served, next to the report, for reading a failure.
    let report = root.join("target/contracts").join(name);
    std::fs::create_dir_all(&report).unwrap();
    let doc = Client::new()
        .unwrap()
        .bytes(&format!("{url}/openapi.json"))
        .await
        .unwrap();
    std::fs::write(report.join("openapi.json"), doc).unwrap();
    let mut command = Command::new(root.join("tests/contracts/run.sh"));
    command.args([name, url, token, &max_examples]);
    // The services run on this test's runtime: wait for schemathesis off it.
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("running tests/contracts/run.sh");
    let stdout = String::from_utf8_lossy(&output.stdout);
    if output.status.success() {
        let summary = stdout.rfind("SUMMARY").map_or("", |at| &stdout[at..]);
        let _ = writeln!(std::io::stderr(), "{name}: {summary}");
        return None;
    }
    Some(format!(
        "{name} breaks its OpenAPI contract ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registry_and_issuer_keep_their_openapi_contracts() {
    if !schemathesis_present() {
        return;
    }
    let client = Client::new().unwrap();
    // Rate limits far above what the run sends: it is to reach the
    // handlers, not the limiter (429 is documented and checked anyway).
    let registry = start_registry_with(Backend::Sqlite, |o| {
        o.http.rate_limit_per_second = 1_000_000;
        o.http.rate_limit_burst = 1_000_000;
    })
    .await
    .unwrap();
    let registry_url = registry.service.url.clone();
    // The registry revokes its bootstrap token when the first admin token is made.
    let token = client
        .post(
            &format!("{registry_url}/v1/admin/tokens"),
            &registry.service.admin,
            &json!({"role": "registry-admin", "label": "contract test"}),
            201,
        )
        .await
        .unwrap();
    let mut failures = Vec::new();
    failures.extend(
        hold_to_contract("registry", &registry_url, token["token"].as_str().unwrap()).await,
    );

    let issuer = start_issuer_with(
        Backend::Sqlite,
        &format!("{registry_url}/v1/revocations"),
        |o| {
            o.config.server.rate_limit_per_second = 1_000_000;
            o.config.server.rate_limit_burst = 1_000_000;
        },
    )
    .await
    .unwrap();
    let token = client
        .post(
            &format!("{}/v1/admin/tokens", issuer.service.url),
            &issuer.service.admin,
            &json!({"role": "issuer-admin", "label": "contract test"}),
            201,
        )
        .await
        .unwrap();
    failures.extend(
        hold_to_contract(
            "issuer",
            &issuer.service.url,
            token["token"].as_str().unwrap(),
        )
        .await,
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
