//! Files at rest and the bootstrap token: the data directory is 0700, the
//! database, its WAL, the master key and the bootstrap token 0600; the
//! bootstrap token expires and is revoked by the first real admin token.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::os::unix::fs::PermissionsExt as _;

use std::sync::Arc;

use issuer_api::auth::{Authenticator, Role, list_tokens};
use issuer_api::{Clock, FixedClock, Options, open};

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn data_files_are_owner_only() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("issuer-data");
    let service = open(Options::demo(dir.clone())).await.unwrap();
    // A write, so the WAL exists.
    service
        .state
        .issuer
        .create_token_as(Role::Auditor, &[], "a", None, "test")
        .await
        .unwrap();
    assert_eq!(mode(&dir), 0o700);
    for file in [
        "issuer.db",
        "issuer.db-wal",
        "issuer.db-shm",
        "master.key",
        "bootstrap-token",
    ] {
        let path = dir.join(file);
        assert!(path.exists(), "{file}");
        assert_eq!(mode(&path), 0o600, "{file}");
    }
    service.state.issuer.close().await;

    // A database left readable by others is tightened on the next start.
    std::fs::set_permissions(
        dir.join("issuer.db"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let again = open(Options::demo(dir.clone())).await.unwrap();
    assert!(again.bootstrap_token.is_none(), "not a first start");
    assert_eq!(mode(&dir.join("issuer.db")), 0o600);
    again.state.issuer.close().await;
}

#[tokio::test]
async fn the_bootstrap_token_expires_and_the_first_admin_token_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::at("2021-06-01T10:00:00Z"));
    let mut options = Options::demo(dir.path().to_path_buf());
    options.clock = clock.clone();
    let service = open(options).await.unwrap();
    let issuer = &service.state.issuer;
    let store = issuer_api::internal::store(issuer);
    let bootstrap = service.bootstrap_token.clone().unwrap().to_string();
    let file = std::fs::read_to_string(dir.path().join("bootstrap-token")).unwrap();
    assert_eq!(file.trim(), bootstrap);
    let listed = list_tokens(store).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].label, "bootstrap");
    let day = 24 * 3600 * 1000;
    let expires = listed[0].expires_at.unwrap();
    assert_eq!(expires, clock.now_ms() + day);

    let auth = Authenticator::new(store.clone(), None, clock.clone())
        .await
        .unwrap();
    let header = format!("Bearer {bootstrap}");
    assert!(auth.authenticate(Some(&header)).await.is_ok());
    // The reserved label cannot be taken.
    let err = issuer
        .create_token_as(Role::IssuerAdmin, &[], "bootstrap", None, "token:x")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("reserved"), "{err}");
    // Other roles do not replace it.
    issuer
        .create_token_as(
            Role::Certifier,
            &["MH-MUM-001".to_owned()],
            "c",
            None,
            "token:x",
        )
        .await
        .unwrap();
    issuer
        .create_token_as(Role::Auditor, &[], "a", None, "token:x")
        .await
        .unwrap();
    assert!(auth.authenticate(Some(&header)).await.is_ok());
    // The first issuer-admin token does.
    let admin = issuer
        .create_token_as(Role::IssuerAdmin, &[], "ops", None, "token:x")
        .await
        .unwrap();
    let err = auth.authenticate(Some(&header)).await.unwrap_err();
    assert!(err.to_string().contains("revoked"), "{err}");
    assert!(
        auth.authenticate(Some(&format!("Bearer {}", admin.token)))
            .await
            .is_ok()
    );
    let audit = store.audit(0, None, 100).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "token_revoked" && e.details.contains("bootstrap token replaced")),
        "{audit:?}"
    );
    // A second admin token revokes nothing more.
    issuer
        .create_token_as(Role::IssuerAdmin, &[], "ops 2", None, "token:x")
        .await
        .unwrap();
    let live = list_tokens(store)
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t.revoked_at.is_none())
        .count();
    assert_eq!(live, 4);
}

#[tokio::test]
async fn the_bootstrap_lifetime_is_configurable() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = Options::demo(dir.path().to_path_buf());
    options.config.auth.bootstrap_token_hours = Some(2);
    let clock = Arc::new(FixedClock::at("2021-06-01T10:00:00Z"));
    options.clock = clock.clone();
    let started = clock.now_ms();
    let service = open(options).await.unwrap();
    let store = issuer_api::internal::store(&service.state.issuer);
    let listed = list_tokens(store).await.unwrap();
    let expires = listed[0].expires_at.unwrap();
    let two_hours = 2 * 3600 * 1000;
    assert_eq!(expires, started + two_hours);
    // It works until then, not from then on.
    let auth = Authenticator::new(store.clone(), None, clock.clone())
        .await
        .unwrap();
    let header = format!(
        "Bearer {}",
        service.bootstrap_token.clone().unwrap().as_str()
    );
    clock.set(expires - 1);
    assert!(auth.authenticate(Some(&header)).await.is_ok());
    clock.set(expires);
    let err = auth.authenticate(Some(&header)).await.unwrap_err();
    assert!(err.to_string().contains("expired"), "{err}");
}
