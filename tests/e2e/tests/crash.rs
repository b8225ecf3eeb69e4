//! Crashes: the issuer API killed with SIGKILL while batches are being
//! certified loses no certificate it acknowledged and makes no second one
//! when the batches are sent again; an acknowledged revocation survives
//! the kill and reaches the registry. The key registry killed and
//! restarted continues its list versions, never goes back, and catches up
//! with the events queued while it was down.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure"
)]

use std::collections::BTreeMap;

use credential::{RevocationList, RevocationStatus, RevocationStore, TrustList};
use e2e_tests::{Local, certificate, request};
use jiff::Timestamp;
use serde_json::Value;

/// How many batches, of how many requests.
const BATCHES: usize = 12;
const BATCH: usize = 40;

fn code(batch: usize, item: usize) -> String {
    format!("E2E-KILL-{batch:02}-{item:03}")
}

fn batch(n: usize) -> Value {
    Value::Array(
        (0..BATCH)
            .map(|i| request(&code(n, i), &format!("Person {n} {i}")))
            .collect(),
    )
}

/// Each result of an answer by its index: (certificate id, result).
fn ids(answer: &Value) -> BTreeMap<usize, (String, String)> {
    answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                usize::try_from(r["index"].as_u64().unwrap()).unwrap(),
                (
                    r["certificate_id"].as_str().unwrap().to_owned(),
                    r["result"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issuer_killed_mid_batch_loses_no_acknowledged_certificate_and_duplicates_none() {
    let mut local = Local::start(&[]).await.unwrap();

    // Batches go out one after another; after the third answer the issuer
    // is killed outright, with the fourth on its way.
    let (acked_tx, mut acked_rx) = tokio::sync::mpsc::unbounded_channel();
    let sender = {
        let url = format!("{}/v1/certify", local.stack.issuer.url);
        let token = local.stack.issuer_token.clone();
        let http = local.stack.client().clone();
        tokio::spawn(async move {
            for n in 0..BATCHES {
                let answer = http
                    .json(stack::Method::POST, &url, Some(&token), Some(&batch(n)))
                    .await;
                // A failed or refused request was not acknowledged.
                let Ok((200, body)) = answer else { return };
                if acked_tx.send((n, body)).is_err() {
                    return;
                }
            }
        })
    };
    let mut acknowledged = BTreeMap::new();
    while let Some((n, body)) = acked_rx.recv().await {
        acknowledged.insert(n, ids(&body));
        if acknowledged.len() == 3 {
            local.stack.issuer.kill().await.unwrap();
            break;
        }
    }
    // Whatever was in flight failed or was answered before the kill.
    sender.await.unwrap();
    while let Ok((n, body)) = acked_rx.try_recv() {
        acknowledged.insert(n, ids(&body));
    }
    eprintln!(
        "issuer killed after {} of {BATCHES} batches were acknowledged",
        acknowledged.len()
    );
    assert!(acknowledged.len() >= 3);
    assert!(
        acknowledged.len() < BATCHES,
        "every batch was answered before the kill"
    );

    // Restarted on the same data: every batch again. What was
    // acknowledged comes back as it was; nothing is certified twice.
    local.stack.issuer.restart().await.unwrap();
    let mut certificates = BTreeMap::new();
    for n in 0..BATCHES {
        let answer = local.stack.certify(&batch(n)).await.unwrap();
        let retried = ids(&answer);
        assert_eq!(retried.len(), BATCH);
        if let Some(before) = acknowledged.get(&n) {
            for (index, (id, _)) in before {
                let (again, result) = &retried[index];
                assert_eq!(again, id, "batch {n} item {index}: another certificate");
                assert_eq!(result, "existing", "batch {n} item {index}");
            }
        }
        for (index, (id, _)) in retried {
            certificates.insert((n, index), id);
        }
    }
    // Once more: every one existing, the same ids.
    for n in 0..BATCHES {
        let answer = local.stack.certify(&batch(n)).await.unwrap();
        for (index, (id, result)) in ids(&answer) {
            assert_eq!(result, "existing");
            assert_eq!(certificates[&(n, index)], id);
        }
    }
    // One certificate per person, for the batch that was in flight too.
    let in_flight = (0..BATCHES)
        .find(|n| !acknowledged.contains_key(n))
        .unwrap();
    for item in 0..BATCH {
        let (status, found) = local
            .stack
            .issuer_call(
                stack::Method::GET,
                &format!(
                    "/v1/certificates?preEnrollmentCode={}",
                    code(in_flight, item)
                ),
                None,
            )
            .await
            .unwrap();
        assert_eq!(status, 200);
        assert_eq!(
            found["certificates"].as_array().unwrap().len(),
            1,
            "{found}"
        );
    }

    // An acknowledged revocation, then SIGKILL before the outbox may have
    // delivered it: after the restart the registry has it.
    let id = certificates[&(0, 0)].clone();
    local.stack.revoke(&id, "issued in error").await.unwrap();
    local.stack.issuer.kill().await.unwrap();
    local.stack.issuer.restart().await.unwrap();
    local
        .wait_status(&id, &RevocationStatus::Revoked)
        .await
        .unwrap();
    local.stack.down().await.unwrap();
}

/// The versions the registry serves now: (trust list, revocations) and
/// their bytes.
async fn served(local: &Local) -> ((u64, Vec<u8>), (u64, Vec<u8>)) {
    let anchor = local.anchor().unwrap();
    let trust = local.stack.registry_bytes("/v1/trust-list").await.unwrap();
    let revocations = local.stack.registry_bytes("/v1/revocations").await.unwrap();
    let t = TrustList::verify(&trust, std::slice::from_ref(&anchor), None)
        .unwrap()
        .version;
    let r = RevocationList::verify(&revocations, std::slice::from_ref(&anchor))
        .unwrap()
        .version;
    ((t, trust), (r, revocations))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registry_killed_and_restarted_continues_its_versions() {
    let mut local = Local::start(&[]).await.unwrap();
    let anchor = local.anchor().unwrap();
    let (kept, _) = local.certify("E2E-REG-KEPT", "Kept Person").await.unwrap();
    let (gone, _) = local.certify("E2E-REG-GONE", "Gone Person").await.unwrap();
    let (early, _) = local
        .certify("E2E-REG-EARLY", "Early Person")
        .await
        .unwrap();
    local.stack.revoke(&early, "issued in error").await.unwrap();
    local
        .wait_status(&early, &RevocationStatus::Revoked)
        .await
        .unwrap();
    let ((trust_v, trust_bytes), (rev_v, rev_bytes)) = served(&local).await;

    // Killed outright; the issuer revokes while it is down (the event
    // waits in the outbox).
    local.stack.registry.kill().await.unwrap();
    local.stack.revoke(&gone, "issued in error").await.unwrap();
    local.stack.registry.restart().await.unwrap();

    // Right after the restart: nothing older than before the kill.
    let ((t, trust_now), (r, _)) = served(&local).await;
    assert!(t >= trust_v, "trust list went back: {t} < {trust_v}");
    assert!(r >= rev_v, "revocations went back: {r} < {rev_v}");
    // The queued revocation arrives, as a newer version.
    local
        .stack
        .wait_delivered(std::time::Duration::from_secs(60))
        .await
        .unwrap();
    let version = local
        .wait_status(&gone, &RevocationStatus::Revoked)
        .await
        .unwrap();
    assert!(version > rev_v);

    // A phone that synced before the kill moves forward: the new trust
    // list is no rollback, the delta from its version applies, and the
    // revocations are all there.
    TrustList::verify(&trust_now, std::slice::from_ref(&anchor), Some(trust_v)).unwrap();
    let mut phone = RevocationStore::new();
    phone
        .apply_signed(&rev_bytes, std::slice::from_ref(&anchor))
        .unwrap();
    let delta = local
        .stack
        .registry_bytes(&format!("/v1/revocations?since={rev_v}"))
        .await
        .unwrap();
    phone
        .apply_signed(&delta, std::slice::from_ref(&anchor))
        .unwrap();
    assert!(phone.version().unwrap() >= version);
    let now = Timestamp::now();
    assert_eq!(
        phone.check(&certificate(&gone), now),
        RevocationStatus::Revoked
    );
    assert_eq!(
        phone.check(&certificate(&early), now),
        RevocationStatus::Revoked
    );
    assert_eq!(
        phone.check(&certificate(&kept), now),
        RevocationStatus::Good
    );
    // The old lists offered to it now are refused as rollbacks.
    if t > trust_v {
        assert!(TrustList::verify(&trust_bytes, std::slice::from_ref(&anchor), Some(t)).is_err());
    }
    assert!(
        phone
            .apply_signed(&rev_bytes, std::slice::from_ref(&anchor))
            .is_err()
    );

    // Stopped cleanly and started again: still no step back, and a new
    // change gets a new version.
    let ((t2, _), (r2, _)) = served(&local).await;
    local.stack.registry.stop().await.unwrap();
    local.stack.registry.restart().await.unwrap();
    let ((t3, _), (r3, _)) = served(&local).await;
    assert!(t3 >= t2 && r3 >= r2, "{t3} {t2} {r3} {r2}");
    local
        .stack
        .suspend(
            &kept,
            &Timestamp::now()
                .checked_add(jiff::SignedDuration::from_hours(24))
                .unwrap()
                .to_string(),
            "under review",
        )
        .await
        .unwrap();
    local
        .stack
        .wait_delivered(std::time::Duration::from_secs(60))
        .await
        .unwrap();
    // Delivered means committed and published; served from memory within
    // the registry's reload interval.
    let started = std::time::Instant::now();
    loop {
        let ((_, _), (r4, _)) = served(&local).await;
        if r4 > r3 {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "still version {r4} after {r3}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    local.stack.down().await.unwrap();
}
