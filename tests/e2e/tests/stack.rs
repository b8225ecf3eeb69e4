//! `cargo xtask run`'s orchestration: the stack it starts, what it writes
//! to `stack.json`, the demo certificates' statuses as the `verify`
//! command sees them with the registry's lists, a second run on the same
//! data, and no server outliving xtask, whether it is stopped with SIGTERM
//! or killed with SIGKILL.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure"
)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use e2e_tests::{binaries, options, process_gone, repo_root, verify};
use serde_json::Value;
use stack::Stack;

/// A path from `stack.json` (relative to the repository root, or absolute).
fn resolve(path: &Value) -> PathBuf {
    repo_root().join(path.as_str().expect("a path"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stack_json_and_every_demo_status_as_verify_says_and_a_second_run_reuses_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let stack = Stack::up(options(&data, false).unwrap()).await.unwrap();
    let demo = stack.demo().await.unwrap();
    let json_path = Stack::json_path(&data);
    stack
        .write_json(&json_path, Some("http://127.0.0.1:1/"), &demo)
        .unwrap();
    let json: Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();

    // What scripts find in stack.json, and that it is right.
    assert_eq!(json["issuer"]["url"], stack.issuer.url);
    assert_eq!(json["registry"]["url"], stack.registry.url);
    assert_eq!(json["pwa"]["url"], "http://127.0.0.1:1/");
    assert!(
        json["issuer"]["admin_token"]
            .as_str()
            .unwrap()
            .starts_with("hcit_")
    );
    assert!(
        json["registry"]["admin_token"]
            .as_str()
            .unwrap()
            .starts_with("hcrt_")
    );
    let anchor = std::fs::read_to_string(resolve(&json["registry"]["anchor"])).unwrap();
    assert_eq!(
        anchor,
        String::from_utf8(stack.registry_bytes("/v1/anchor").await.unwrap()).unwrap()
    );
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(&json_path).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "stack.json holds tokens: {mode:o}");
    // The tokens work (and a wrong one does not).
    let (status, _) = stack
        .issuer_call(stack::Method::GET, "/v1/admin/outbox", None)
        .await
        .unwrap();
    assert_eq!(status, 200);
    let (refused, _) = stack
        .client()
        .send(
            stack::Method::GET,
            &format!("{}/v1/admin/issuers", stack.registry.url),
            Some("hcrt_wrong"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(refused, 401);
    stack
        .registry_admin(stack::Method::GET, "/v1/admin/issuers", None, 200)
        .await
        .unwrap();

    // The demo: a handful, one revoked, one suspended, each as `verify`
    // says with the registry's lists (the anchor from stack.json).
    let entries = json["demo"].as_array().unwrap();
    assert!(entries.len() >= 3, "{json}");
    let expected: Vec<&str> = entries
        .iter()
        .map(|e| e["expected_status"].as_str().unwrap())
        .collect();
    assert_eq!(expected.iter().filter(|s| **s == "revoked").count(), 1);
    assert_eq!(expected.iter().filter(|s| **s == "suspended").count(), 1);
    assert!(expected.contains(&"valid"));
    let lists = dir.path().join("lists");
    std::fs::create_dir_all(&lists).unwrap();
    std::fs::write(
        lists.join("trust-list.json"),
        stack.registry_bytes("/v1/trust-list").await.unwrap(),
    )
    .unwrap();
    std::fs::write(
        lists.join("revocations.json"),
        stack.registry_bytes("/v1/revocations").await.unwrap(),
    )
    .unwrap();
    let pngs: Vec<PathBuf> = entries.iter().map(|e| resolve(&e["qr_png"])).collect();
    let inputs: Vec<&Path> = pngs.iter().map(PathBuf::as_path).collect();
    let verdicts = verify(
        &lists.join("trust-list.json"),
        &resolve(&json["registry"]["anchor"]),
        &lists.join("revocations.json"),
        &inputs,
    )
    .unwrap();
    for (entry, verdict) in entries.iter().zip(&verdicts) {
        assert_eq!(
            verdict["status"], entry["expected_status"],
            "{entry} {verdict}"
        );
        let pdf = std::fs::read(resolve(&entry["pdf"])).unwrap();
        assert!(pdf.starts_with(b"%PDF-"), "{entry}");
    }
    let valid = entries
        .iter()
        .zip(&verdicts)
        .find(|(e, _)| e["expected_status"] == "valid")
        .unwrap();
    assert!(
        valid
            .1
            .to_string()
            .contains(valid.0["name"].as_str().unwrap()),
        "{valid:?}"
    );
    let first_ids: Vec<Value> = entries
        .iter()
        .map(|e| e["certificate_id"].clone())
        .collect();
    let tokens = (stack.issuer_token.clone(), stack.registry_token.clone());
    stack.down().await.unwrap();

    // A second run on the same data: the same tokens, the same issuer
    // registration, the same demo certificates, none issued again.
    let stack = Stack::up(options(&data, false).unwrap()).await.unwrap();
    let demo = stack.demo().await.unwrap();
    let ids: Vec<Value> = demo
        .iter()
        .map(|d| Value::from(d.certificate_id.clone()))
        .collect();
    assert_eq!(ids, first_ids);
    assert_eq!(
        (stack.issuer_token.clone(), stack.registry_token.clone()),
        tokens
    );
    let issuers = stack
        .registry_admin(stack::Method::GET, "/v1/admin/issuers", None, 200)
        .await
        .unwrap();
    assert_eq!(issuers.as_array().unwrap().len(), 1, "{issuers}");
    let (_, found) = stack
        .issuer_call(
            stack::Method::GET,
            "/v1/certificates?preEnrollmentCode=90214455012",
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        found["certificates"].as_array().unwrap().len(),
        1,
        "{found}"
    );
    stack.down().await.unwrap();
}

/// `xtask run --no-build` on a temporary data directory and free ports;
/// its stack.json once written.
fn start_xtask(data: &Path) -> (Child, Value) {
    let bins = binaries().unwrap();
    let mut child = Command::new(bins.get("xtask").unwrap())
        .current_dir(repo_root())
        .args(["run", "--no-build", "--data-dir"])
        .arg(data)
        .arg("--bin-dir")
        .arg(bins.dir().unwrap())
        .env("ISSUER_LISTEN", "127.0.0.1:0")
        .env("REGISTRY_LISTEN", "127.0.0.1:0")
        .env("PWA_LISTEN", "127.0.0.1:0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let json_path = Stack::json_path(data);
    let started = Instant::now();
    loop {
        if let Ok(bytes) = std::fs::read(&json_path)
            && let Ok(json) = serde_json::from_slice::<Value>(&bytes)
        {
            return (child, json);
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "xtask run exited ({status}) before writing stack.json; logs in {}",
                data.join("stack").display()
            );
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "no stack.json after 5 minutes"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn pids(json: &Value) -> Vec<u32> {
    ["issuer", "registry"]
        .iter()
        .map(|s| u32::try_from(json[s]["pid"].as_u64().expect("a pid")).unwrap())
        .collect()
}

fn answers(url: &str) -> bool {
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    std::net::TcpStream::connect(addr).is_ok()
}

/// Wait (at most 30 s) until every server is gone and its port refuses.
fn wait_gone(json: &Value) {
    let started = Instant::now();
    let urls = [
        json["issuer"]["url"].as_str().unwrap(),
        json["registry"]["url"].as_str().unwrap(),
    ];
    while !pids(json).into_iter().all(process_gone) || urls.iter().any(|u| answers(u)) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "servers left running: {json}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn signal(child: &Child, signal: rustix::process::Signal) {
    let pid = rustix::process::Pid::from_raw(i32::try_from(child.id()).unwrap()).unwrap();
    rustix::process::kill_process(pid, signal).unwrap();
}

#[test]
fn sigterm_to_xtask_alone_stops_every_server() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (mut xtask, json) = start_xtask(&data);
    for pid in pids(&json) {
        assert!(!process_gone(pid), "{pid} is not running");
    }
    assert!(answers(json["issuer"]["url"].as_str().unwrap()));
    assert!(answers(json["registry"]["url"].as_str().unwrap()));
    if let Some(pwa) = json["pwa"]["url"].as_str() {
        assert!(answers(pwa));
    }

    // The signal to xtask's process only (not its group, as a terminal's
    // Ctrl-C would): it stops the servers and waits for them.
    signal(&xtask, rustix::process::Signal::TERM);
    let status = xtask.wait().unwrap();
    assert!(status.success(), "xtask run: {status}");
    // Its children were collected before it exited: gone now, not soon.
    for pid in pids(&json) {
        assert!(process_gone(pid), "{pid} outlived xtask");
    }
    assert!(!answers(json["issuer"]["url"].as_str().unwrap()));
    assert!(!answers(json["registry"]["url"].as_str().unwrap()));
    assert!(
        !Stack::json_path(&data).exists(),
        "stack.json left behind by a stopped stack"
    );
}

#[test]
fn xtask_killed_outright_takes_its_servers_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (mut xtask, json) = start_xtask(&data);
    signal(&xtask, rustix::process::Signal::KILL);
    let _ = xtask.wait();
    // The kernel sends each server SIGTERM as its parent dies.
    wait_gone(&json);
}
