//! The issuer API end to end through `app(state)`, on SQLite and PostgreSQL.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: helpers outside #[test] functions too; a failed unwrap is a failed test"
)]

mod common;

use axum::http::{Method, StatusCode};
use common::{Backend, TestApp, example_batch, request};
use issuer_api::Clock as _;
use issuer_api::auth::Role;
use serde_json::{Value, json};

fn results(body: &Value) -> &Vec<Value> {
    body["results"].as_array().expect("results array")
}

fn ids(body: &Value) -> Vec<String> {
    results(body)
        .iter()
        .map(|r| r["certificate_id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Verify a credential with the public key the DID document publishes for
/// its verification method, as an outside verifier would.
fn verify_with_did(credential: &Value, did_doc: &Value) -> Result<(), String> {
    let method = credential["proof"]["verificationMethod"]
        .as_str()
        .ok_or("no verificationMethod")?;
    let vm = did_doc["verificationMethod"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == method)
        .ok_or("method not in did.json")?;
    let key = credential::PublicKey::from_jwk(&vm["publicKeyJwk"]).map_err(|e| e.to_string())?;
    let from_b58 = credential::PublicKey::from_base58(vm["publicKeyBase58"].as_str().unwrap())
        .map_err(|e| e.to_string())?;
    assert_eq!(
        key.to_jwk(),
        from_b58.to_jwk(),
        "JWK and base58 name the same key"
    );
    credential::verify(credential, &key, &credential::ContextStore::bundled())
        .map(|_| ())
        .map_err(|e| e.to_string())
}

async fn certify_example_and_retry(backend: Backend) {
    let t = TestApp::new(backend).await;
    let (status, body) = t.certify(&t.admin, &example_batch()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(results(&body).len(), 2);
    for r in results(&body) {
        assert_eq!(r["result"], "issued", "{r}");
        assert_eq!(r["credential"]["proof"]["type"], "Ed25519Signature2018");
        assert_eq!(
            r["credential"]["evidence"][0]["certificateId"],
            r["certificate_id"]
        );
        assert_eq!(
            r["links"]["qr_png"],
            format!(
                "/v1/certificates/{}/qr.png",
                r["certificate_id"].as_str().unwrap()
            )
        );
    }
    let first = ids(&body);
    assert_ne!(first[0], first[1]);
    // Ids: 80 random bits, grouped Crockford base32.
    assert!(
        first
            .iter()
            .all(|id| id.len() == 19 && id.matches('-').count() == 3)
    );

    // The credential verifies with the key from did.json.
    let (_, did_doc) = t
        .call(Method::GET, "/.well-known/did.json", None, None)
        .await;
    for r in results(&body) {
        verify_with_did(&r["credential"], &did_doc).unwrap();
        let mut tampered = r["credential"].clone();
        tampered["credentialSubject"]["name"] = json!("Someone Else");
        assert!(verify_with_did(&tampered, &did_doc).is_err());
    }

    // The same batch again: the same certificates, nothing new.
    let (status, again) = t.certify(&t.admin, &example_batch()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&again), first);
    assert!(results(&again).iter().all(|r| r["result"] == "existing"));
    assert_eq!(
        results(&again)[0]["credential"],
        results(&body)[0]["credential"]
    );

    // DIVOC's path is the same operation.
    let (status, divoc) = t
        .post("/divoc/api/v1/certify", &t.admin, &example_batch())
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&divoc), first);

    // Read back.
    let (status, cert) = t
        .get(&format!("/v1/certificates/{}", first[0]), &t.admin)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cert["credential"], results(&body)[0]["credential"]);
    assert_eq!(cert["status"], "active");
    // Typed in lower case without dashes, as from paper: same certificate.
    let typed = first[0].replace('-', "").to_lowercase();
    let (status, cert2) = t.get(&format!("/v1/certificates/{typed}"), &t.admin).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cert2["certificate_id"], first[0].as_str());
}

async fn bad_items_fail_alone_with_precise_errors(backend: Backend) {
    let t = TestApp::new(backend).await;
    let mut unknown_vaccine = request("BAD-1", 1, "2021-05-01T10:00:00.000Z");
    unknown_vaccine["vaccination"]["name"] = json!("SPUTNIK");
    let beyond = request("BAD-2", 4, "2021-05-01T10:00:00.000Z");
    let mut wrong_type = request("BAD-3", 1, "2021-05-01T10:00:00.000Z");
    wrong_type["recipient"]["name"] = json!(42);
    let mut unapproved = request("BAD-4", 1, "2021-05-01T10:00:00.000Z");
    unapproved["facility"] = json!({"id": "XX-000", "name": "Nowhere"});
    let mut unknown_vaccinator = request("BAD-5", 1, "2021-05-01T10:00:00.000Z");
    unknown_vaccinator["vaccinator"] = json!({"id": "VAC-9999", "name": "Nobody"});
    let mut other_facility_vaccinator = request("BAD-6", 1, "2021-05-01T10:00:00.000Z");
    other_facility_vaccinator["vaccinator"] = json!({"id": "VAC-0003", "name": "Dr. Vikram Singh"});
    let mut future = request("BAD-7", 1, "2099-01-01T00:00:00.000Z");
    future["vaccination"]["effectiveStart"] = json!("");
    let mut wrong_total = request("BAD-8", 1, "2021-05-01T10:00:00.000Z");
    wrong_total["vaccination"]["totalDoses"] = json!(3);
    let no_age = {
        let mut r = request("BAD-9", 1, "2021-05-01T10:00:00.000Z");
        r["recipient"].as_object_mut().unwrap().remove("dob");
        r
    };
    let batch = json!([
        request("GOOD-1", 1, "2021-05-01T10:00:00.000Z"),
        unknown_vaccine,
        beyond,
        wrong_type,
        unapproved,
        unknown_vaccinator,
        other_facility_vaccinator,
        future,
        wrong_total,
        no_age,
        "not an object"
    ]);
    let (status, body) = t.certify(&t.admin, &batch).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let r = results(&body);
    assert_eq!(r[0]["result"], "issued");
    let codes: Vec<&str> = r[1..]
        .iter()
        .map(|x| x["error"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "unknown_vaccine",
            "dose_out_of_schedule",
            "invalid_body",
            "unapproved_facility",
            "unknown_vaccinator",
            "vaccinator_not_at_facility",
            "date_in_future",
            "total_doses_mismatch",
            "missing_field",
            "invalid_body"
        ]
    );
    assert!(
        r[1..]
            .iter()
            .all(|x| x["result"] == "rejected" && x.get("certificate_id").is_none())
    );
    let msg = |i: usize| r[i]["error"]["message"].as_str().unwrap().to_owned();
    assert!(
        msg(1).contains("SPUTNIK") && msg(1).contains("COVISHIELD"),
        "{}",
        msg(1)
    );
    assert!(msg(2).contains("dose 4"), "{}", msg(2));
    assert!(msg(3).contains("recipient.name"), "{}", msg(3));
}

async fn bad_bodies_get_4xx_never_500(backend: Backend) {
    let t = TestApp::new(backend).await;
    // Not an array.
    let (status, body) = t
        .certify(&t.admin, &json!({"preEnrollmentCode": "x"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "invalid_body");
    // Empty.
    let (status, _) = t.certify(&t.admin, &json!([])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Every item bad: 422 with the per-item results.
    let mut bad = request("ALLBAD", 1, "2021-05-01T10:00:00.000Z");
    bad["vaccination"]["name"] = json!("NOPE");
    let (status, body) = t.certify(&t.admin, &json!([bad])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "all_items_rejected");
    assert_eq!(results(&body)[0]["error"]["code"], "unknown_vaccine");
    // Malformed JSON.
    let (status, _, bytes) = t
        .call_raw(
            Method::POST,
            "/v1/certify",
            Some(&t.admin),
            Some(b"[{".to_vec()),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let err: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(err["error"]["code"], "invalid_body");
    // Huge body.
    let huge = vec![b' '; 5 * 1024 * 1024];
    let (status, _, bytes) = t
        .call_raw(Method::POST, "/v1/certify", Some(&t.admin), Some(huge), &[])
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let err: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(err["error"]["code"], "body_too_large");
    // Too many items.
    let many: Vec<Value> = (0..1001).map(|i| json!(i)).collect();
    let (status, body) = t.certify(&t.admin, &Value::Array(many)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "batch_too_large");
    // Unknown route: JSON 404.
    let (status, body) = t.get("/v1/nothing", &t.admin).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
    // Unknown certificate.
    let (status, _) = t
        .get("/v1/certificates/0000-0000-0000-0000", &t.admin)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn duplicates_yield_one_certificate(backend: Backend) {
    let t = TestApp::new(backend).await;
    // Within one batch.
    let item = request("DUP-1", 1, "2021-05-01T10:00:00.000Z");
    let (status, body) = t.certify(&t.admin, &json!([item, item, item])).await;
    assert_eq!(status, StatusCode::OK);
    let got = ids(&body);
    assert!(got.iter().all(|id| id == &got[0]), "{got:?}");
    assert_eq!(results(&body)[0]["result"], "issued");
    assert_eq!(results(&body)[1]["result"], "existing");

    // Across concurrent batches.
    let item = request("DUP-2", 1, "2021-05-01T10:00:00.000Z");
    let mut handles = Vec::new();
    for _ in 0..6 {
        let (router, admin, item) = (t.router.clone(), t.admin.clone(), item.clone());
        handles.push(tokio::spawn(async move {
            use tower::ServiceExt as _;
            let request = axum::http::Request::post("/v1/certify")
                .header("authorization", format!("Bearer {admin}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(json!([item]).to_string()))
                .unwrap();
            let response = router.oneshot(request).await.unwrap();
            let bytes = http_body_util::BodyExt::collect(response.into_body())
                .await
                .unwrap()
                .to_bytes();
            let body: Value = serde_json::from_slice(&bytes).unwrap();
            body["results"][0]["certificate_id"]
                .as_str()
                .unwrap()
                .to_owned()
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.push(h.await.unwrap());
    }
    assert!(all.iter().all(|id| id == &all[0]), "{all:?}");
    let (_, found) = t
        .get("/v1/certificates?preEnrollmentCode=DUP-2", &t.admin)
        .await;
    assert_eq!(found["certificates"].as_array().unwrap().len(), 1);
}

async fn dose_intervals_are_enforced(backend: Backend) {
    let t = TestApp::new(backend).await;
    let (status, _) = t
        .certify(
            &t.admin,
            &json!([request("INT-1", 1, "2021-05-01T10:00:00.000Z")]),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // COVISHIELD needs 84 days.
    let (status, body) = t
        .certify(
            &t.admin,
            &json!([request("INT-1", 2, "2021-06-01T10:00:00.000Z")]),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let err = &results(&body)[0]["error"];
    assert_eq!(err["code"], "dose_too_soon");
    assert!(
        err["message"].as_str().unwrap().contains("31 days"),
        "{err}"
    );
    let (status, body) = t
        .certify(
            &t.admin,
            &json!([request("INT-1", 2, "2021-07-25T10:00:00.000Z")]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Both doses in one batch, too close.
    let (_, body) = t
        .certify(
            &t.admin,
            &json!([
                request("INT-2", 1, "2021-05-01T10:00:00.000Z"),
                request("INT-2", 2, "2021-05-10T10:00:00.000Z")
            ]),
        )
        .await;
    assert_eq!(results(&body)[0]["result"], "issued");
    assert_eq!(results(&body)[1]["error"]["code"], "dose_too_soon");
    // Booster (dose 3) allowed, dose 4 not.
    let (_, body) = t
        .certify(
            &t.admin,
            &json!([request("INT-1", 3, "2022-01-25T10:00:00.000Z")]),
        )
        .await;
    assert_eq!(results(&body)[0]["result"], "issued", "{body}");
}

async fn corrections_link_and_are_limited(backend: Backend) {
    let t = TestApp::new(backend).await;
    let (_, body) = t
        .certify(
            &t.admin,
            &json!([request("COR-1", 1, "2021-05-01T10:00:00.000Z")]),
        )
        .await;
    let original = ids(&body)[0].clone();
    let mut fixed = request("COR-1", 1, "2021-05-01T10:00:00.000Z");
    fixed["recipient"]["name"] = json!("Test Persson");
    let (status, body) = t
        .call(
            Method::PUT,
            &format!("/v1/certificates/{original}"),
            Some(&t.admin),
            Some(&fixed),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let second = body["certificate"]["certificate_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(second, original);
    assert_eq!(body["certificate"]["replaces"], original.as_str());
    assert_eq!(
        body["certificate"]["credential"]["credentialSubject"]["name"],
        "Test Persson"
    );
    assert_eq!(body["replaced"]["status"], "revoked");
    assert_eq!(body["replaced"]["replaced_by"], second.as_str());
    // Correcting the old one again: conflict, naming the replacement.
    let (status, body) = t
        .call(
            Method::PUT,
            &format!("/v1/certificates/{original}"),
            Some(&t.admin),
            Some(&fixed),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "already_corrected");
    // A different person is not a correction.
    let other = request("OTHER", 1, "2021-05-01T10:00:00.000Z");
    let (status, body) = t
        .call(
            Method::PUT,
            &format!("/v1/certificates/{second}"),
            Some(&t.admin),
            Some(&other),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "pre_enrollment_code_mismatch");
    // The limit (2 in the demo programme).
    let (status, body) = t
        .call(
            Method::PUT,
            &format!("/v1/certificates/{second}"),
            Some(&t.admin),
            Some(&fixed),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let third = body["certificate"]["certificate_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = t
        .call(
            Method::PUT,
            &format!("/v1/certificates/{third}"),
            Some(&t.admin),
            Some(&fixed),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "correction_limit_reached");
    // A retry of the original certify returns the original (revoked) certificate, not a new one.
    let (_, body) = t
        .certify(
            &t.admin,
            &json!([request("COR-1", 1, "2021-05-01T10:00:00.000Z")]),
        )
        .await;
    assert_eq!(ids(&body)[0], original);
    assert_eq!(results(&body)[0]["result"], "existing");
    assert_eq!(results(&body)[0]["replaced_by"], second.as_str());
}

async fn revoke_suspend_and_audit(backend: Backend) {
    let t = TestApp::new(backend).await;
    let (_, body) = t
        .certify(
            &t.admin,
            &json!([request("REV-1", 1, "2021-05-01T10:00:00.000Z")]),
        )
        .await;
    let id = ids(&body)[0].clone();
    // Suspend: needs a future date and a reason.
    let (status, body) = t
        .post(
            &format!("/v1/certificates/{id}/suspend"),
            &t.admin,
            &json!({"until": "2000-01-01", "reason": "check"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = t
        .post(
            &format!("/v1/certificates/{id}/suspend"),
            &t.admin,
            &json!({"until": "2999-01-01", "reason": ""}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "missing_reason");
    let (status, body) = t
        .post(
            &format!("/v1/certificates/{id}/suspend"),
            &t.admin,
            &json!({"until": "2999-01-01", "reason": "under investigation"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "suspended");
    assert_eq!(body["suspended_until"], "2999-01-01");
    // A correction would issue an active replacement: it may not lift an
    // admin's suspension.
    let certifier = t.token(Role::Certifier, &["MH-MUM-001"]).await;
    let (status, body) = t
        .call(
            Method::PUT,
            &format!("/v1/certificates/{id}"),
            Some(&certifier),
            Some(&request("REV-1", 1, "2021-05-01T10:00:00.000Z")),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "suspended");
    // Lift it.
    let (status, body) = t
        .call(
            Method::DELETE,
            &format!("/v1/certificates/{id}/suspension"),
            Some(&t.admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "active");
    let (status, body) = t
        .call(
            Method::DELETE,
            &format!("/v1/certificates/{id}/suspension"),
            Some(&t.admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "not_suspended");
    // Revoke, twice.
    let (status, body) = t
        .post(
            &format!("/v1/certificates/{id}/revoke"),
            &t.admin,
            &json!({"reason": "issued in error"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "revoked");
    let (status, body) = t
        .post(
            &format!("/v1/certificates/{id}/revoke"),
            &t.admin,
            &json!({"reason": "again"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "already_revoked");
    let (status, _) = t
        .post(
            &format!("/v1/certificates/{id}/suspend"),
            &t.admin,
            &json!({"until": "2999-01-01", "reason": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The audit log has every change, with who.
    let auditor = t.token(Role::Auditor, &[]).await;
    let (status, audit) = t.get(&format!("/v1/audit?subject={id}"), &auditor).await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["certify", "suspended", "unsuspended", "revoked"]);
    assert!(
        audit["entries"][0]["actor"]
            .as_str()
            .unwrap()
            .starts_with("token:")
    );
    // No personal data in the audit log.
    assert!(!audit.to_string().contains("Test Person"));

    // Append-only, enforced by the database.
    let result = match issuer_api::internal::store(&t.state.issuer) {
        issuer_api::internal::Store::Sqlite { writer, .. } => {
            sqlx::query("UPDATE audit_log SET actor = 'x'")
                .execute(writer)
                .await
                .map(|_| ())
        }
        issuer_api::internal::Store::Postgres(pool) => sqlx::query("DELETE FROM audit_log")
            .execute(pool)
            .await
            .map(|_| ()),
    };
    let err = result.expect_err("audit rows cannot be changed");
    assert!(err.to_string().contains("append-only"), "{err}");

    // Status changes wait in the outbox for the registry (none configured).
    let admin = &t.admin;
    let (_, backlog) = t.get("/v1/admin/outbox", admin).await;
    assert_eq!(backlog["pending"], json!([["registry", 3]]));
}

async fn citizen_retrieval(backend: Backend) {
    let t = TestApp::new(backend).await;
    let (_, body) = t.certify(&t.admin, &example_batch()).await;
    let id = ids(&body)[0].clone();
    let t = &t;
    let ask = |b: Value| async move {
        t.call(Method::POST, "/v1/citizen/retrieve", None, Some(&b))
            .await
    };
    let (status, body) =
        ask(json!({"preEnrollmentCode": "12807831715278", "dob": "1970-12-18"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["certificates"][0]["certificate_id"], id.as_str());
    assert!(body["certificates"][0]["credential"]["proof"].is_object());
    let (status, _) =
        ask(json!({"preEnrollmentCode": "12807831715278", "phone": "+91-98765-43210"})).await;
    assert_eq!(status, StatusCode::OK);
    // Wrong details and unknown code: the same 404.
    let (status, wrong) =
        ask(json!({"preEnrollmentCode": "12807831715278", "dob": "1970-12-19"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, unknown) = ask(json!({"preEnrollmentCode": "00000", "dob": "1970-12-18"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(wrong, unknown);
    let (status, _) = ask(json!({"preEnrollmentCode": "12807831715278"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Five per minute per code: the next is refused.
    let (status, _) =
        ask(json!({"preEnrollmentCode": "12807831715278", "dob": "1970-12-18"})).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Audited, without the date of birth: successes at once, failures
    // (counted per code) when the limiter writes its batch.
    let (_, audit) = t.get("/v1/audit?limit=1000", &t.admin).await;
    assert!(!audit.to_string().contains("citizen_retrieve_denied"));
    let written = t
        .state
        .citizen
        .flush(
            issuer_api::internal::store(&t.state.issuer),
            issuer_api::ids::now_ms(),
        )
        .await
        .unwrap();
    assert_eq!(written, 2);
    let (_, audit) = t.get("/v1/audit?limit=1000", &t.admin).await;
    let text = audit.to_string();
    assert!(text.contains("citizen_retrieve_denied") && text.contains("citizen_retrieve"));
    assert!(!text.contains("1970-12-18") && !text.contains("1970-12-19"));
}

async fn search_respects_facility_scope(backend: Backend) {
    let t = TestApp::new(backend).await;
    t.certify(&t.admin, &example_batch()).await;
    let mumbai = t.token(Role::Certifier, &["MH-MUM-001"]).await;
    let delhi = t.token(Role::Certifier, &["DL-NDL-002"]).await;
    let (status, found) = t
        .get("/v1/certificates?preEnrollmentCode=12807831715278", &mumbai)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["certificates"].as_array().unwrap().len(), 1);
    let (_, found) = t
        .get("/v1/certificates?preEnrollmentCode=12807831715278", &delhi)
        .await;
    assert!(found["certificates"].as_array().unwrap().is_empty());
    let (_, found) = t
        .get(
            "/v1/certificates?identity=did:in.gov.passport:Z1234567",
            &t.admin,
        )
        .await;
    assert_eq!(
        found["certificates"][0]["pre_enrollment_code"],
        "90214455012"
    );
    let (status, _) = t.get("/v1/certificates", &t.admin).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn key_rotation_publishes_both_keys(backend: Backend) {
    // Instances re-read keys every second: a rotation takes effect two
    // seconds after it is asked for.
    let mut config = issuer_api::ConfigFile::parse(common::DEMO).unwrap();
    config.server.refresh_secs = 1;
    let clock = std::sync::Arc::new(issuer_api::FixedClock::at("2021-06-01T10:00:00Z"));
    let t = TestApp::with_clock(backend, config, clock.clone()).await;
    let (_, before) = t
        .certify(
            &t.admin,
            &json!([request("ROT-1", 1, "2021-05-01T10:00:00.000Z")]),
        )
        .await;
    // A rotation cannot start in the past: the current key signed there.
    for at in ["2001-01-01T00:00:00Z", "2021-06-01T09:58:00Z"] {
        let (status, body) = t
            .post("/v1/admin/keys/rotate", &t.admin, &json!({"at": at}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["code"], "rotation_in_the_past");
    }
    let asked = jiff::Timestamp::from_millisecond(clock.now_ms()).unwrap();
    let (status, body) = t
        .post(
            "/v1/admin/keys/rotate",
            &t.admin,
            &json!({"at": asked.to_string()}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["kid"], "key-2");
    // Not before every instance can hold it: two refresh intervals on.
    let from: jiff::Timestamp = body["keys"][1]["valid_from"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // (The service keeps milliseconds.)
    assert!(
        from + jiff::SignedDuration::from_millis(1) >= asked + jiff::SignedDuration::from_secs(2),
        "{body}"
    );
    assert_eq!(body["keys"][1]["status"], "scheduled");
    clock.advance(2200);
    let (_, after) = t
        .certify(
            &t.admin,
            &json!([request("ROT-2", 1, "2021-05-01T10:00:00.000Z")]),
        )
        .await;
    let old_vm = results(&before)[0]["credential"]["proof"]["verificationMethod"]
        .as_str()
        .unwrap()
        .to_owned();
    let new_vm = results(&after)[0]["credential"]["proof"]["verificationMethod"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        old_vm.ends_with("#key-1") && new_vm.ends_with("#key-2"),
        "{old_vm} {new_vm}"
    );
    let (_, did_doc) = t
        .call(Method::GET, "/.well-known/did.json", None, None)
        .await;
    assert_eq!(did_doc["id"], "did:web:issuer.demo.example.org");
    assert_eq!(did_doc["verificationMethod"].as_array().unwrap().len(), 2);
    verify_with_did(&results(&before)[0]["credential"], &did_doc).unwrap();
    verify_with_did(&results(&after)[0]["credential"], &did_doc).unwrap();
    let (_, keys) = t.call(Method::GET, "/v1/keys", None, None).await;
    assert_eq!(keys[0]["status"], "retired");
    assert!(keys[0]["valid_until"].is_string());
    assert_eq!(keys[1]["status"], "active");
    // Scheduled for later: published, not yet signing.
    let (status, _) = t
        .post(
            "/v1/admin/keys/rotate",
            &t.admin,
            &json!({"at": "2999-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, keys) = t.call(Method::GET, "/v1/keys", None, None).await;
    assert_eq!(keys[2]["status"], "scheduled");
    assert_eq!(keys[1]["status"], "active");
}

async fn programme_changes_are_live_and_audited(backend: Backend) {
    let t = TestApp::new(backend).await;
    let mut sputnik = request("PRG-1", 1, "2021-05-01T10:00:00.000Z");
    sputnik["vaccination"]["name"] = json!("SPUTNIK V");
    sputnik["vaccination"]["manufacturer"] = json!("");
    sputnik["vaccination"]["totalDoses"] = json!("");
    let (_, body) = t.certify(&t.admin, &json!([sputnik])).await;
    assert_eq!(results(&body)[0]["error"]["code"], "unknown_vaccine");
    let vaccine = json!({"name": "SPUTNIK V", "manufacturer": "Gamaleya", "total_doses": 2, "min_interval_days": 21, "validity_days": 180});
    let edit =
        |method: Method, uri: &'static str, body: Option<Value>, if_match: Option<&'static str>| {
            let t = &t;
            async move {
                let headers: Vec<(&str, &str)> =
                    if_match.map(|v| ("if-match", v)).into_iter().collect();
                let (status, headers, bytes) = t
                    .call_raw(
                        method,
                        uri,
                        Some(&t.admin),
                        body.map(|b| serde_json::to_vec(&b).unwrap()),
                        &headers,
                    )
                    .await;
                let etag = headers.get("etag").map(|v| v.to_str().unwrap().to_owned());
                (
                    status,
                    serde_json::from_slice::<Value>(&bytes).unwrap(),
                    etag,
                )
            }
        };
    // Changes carry the version they were based on.
    let (status, body, _) = edit(
        Method::PUT,
        "/v1/admin/programme/vaccines/SPUTNIK%20V",
        Some(vaccine.clone()),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED, "{body}");
    assert_eq!(body["error"]["code"], "if_match_required");
    let (status, _, etag) = edit(Method::GET, "/v1/admin/programme", None, None).await;
    assert_eq!((status, etag.as_deref()), (StatusCode::OK, Some("\"1\"")));
    let (status, body, etag) = edit(
        Method::PUT,
        "/v1/admin/programme/vaccines/SPUTNIK%20V",
        Some(vaccine.clone()),
        Some("\"1\""),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["version"], 2);
    assert_eq!(etag.as_deref(), Some("\"2\""));
    // A second change made from version 1 would undo the first: refused.
    let (status, body, _) = edit(
        Method::DELETE,
        "/v1/admin/programme/vaccines/COVAXIN",
        None,
        Some("\"1\""),
    )
    .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{body}");
    assert_eq!(body["error"]["code"], "version_mismatch");
    let (_, body) = t.certify(&t.admin, &json!([sputnik])).await;
    let r = &results(&body)[0];
    assert_eq!(r["result"], "issued", "{r}");
    // Filled from the programme.
    assert_eq!(r["credential"]["evidence"][0]["manufacturer"], "Gamaleya");
    assert_eq!(r["credential"]["evidence"][0]["totalDoses"], 2);
    assert_eq!(
        r["credential"]["evidence"][0]["effectiveUntil"],
        "2021-10-28"
    );
    // A facility with vaccinators cannot go; the programme stays coherent.
    let (status, body, _) = edit(
        Method::DELETE,
        "/v1/admin/programme/facilities/MH-MUM-001",
        None,
        Some("\"2\""),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_programme");
    // The id is immutable.
    let (_, current) = t.get("/v1/admin/programme", &t.admin).await;
    let mut changed = current["programme"].clone();
    changed["id"] = json!("another");
    let (status, body, _) = edit(
        Method::PUT,
        "/v1/admin/programme",
        Some(changed),
        Some("\"2\""),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "programme_id_immutable");
    let (_, audit) = t.get("/v1/audit?limit=1000", &t.admin).await;
    assert!(audit.to_string().contains("programme_changed"));
}

async fn renderings_and_operations(backend: Backend) {
    let t = TestApp::new(backend).await;
    let (_, body) = t.certify(&t.admin, &example_batch()).await;
    let id = ids(&body)[0].clone();
    let (status, headers, png) = t
        .call_raw(
            Method::GET,
            &format!("/v1/certificates/{id}/qr.png?size=300"),
            Some(&t.admin),
            None,
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/png");
    assert!(png.starts_with(b"\x89PNG"));
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let (status, _, _) = t
        .call_raw(
            Method::GET,
            &format!("/v1/certificates/{id}/qr.png?size=300"),
            Some(&t.admin),
            None,
            &[("if-none-match", &etag)],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    let (status, _, svg) = t
        .call_raw(
            Method::GET,
            &format!("/v1/certificates/{id}/qr.svg"),
            Some(&t.admin),
            None,
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(svg.starts_with(b"<svg"));
    let (status, _) = t
        .get(&format!("/v1/certificates/{id}/qr.png?size=5"), &t.admin)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, headers, pdf) = t
        .call_raw(
            Method::GET,
            &format!("/v1/certificates/{id}/pdf?lang=hi"),
            Some(&t.admin),
            None,
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(pdf.starts_with(b"%PDF"));

    let (status, _) = t.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = t.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, metrics) = t.call_raw(Method::GET, "/metrics", None, None, &[]).await;
    assert_eq!(status, StatusCode::OK);
    let metrics = String::from_utf8(metrics).unwrap();
    assert!(
        metrics.contains("issuer_certificates_issued_total"),
        "{metrics}"
    );
    assert!(
        metrics.contains("issuer_http_request_duration_seconds_bucket"),
        "{metrics}"
    );
    let (status, doc) = t.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["paths"]["/v1/certify"]["post"].is_object());
    assert!(doc["components"]["schemas"]["CertificationRequest"].is_object());
    // Every response carries a request id.
    let (_, headers, _) = t.call_raw(Method::GET, "/healthz", None, None, &[]).await;
    assert!(headers.contains_key("x-request-id"));
}

async fn restart_keeps_everything(backend: Backend) {
    let t = TestApp::new(backend).await;
    let (_, body) = t.certify(&t.admin, &example_batch()).await;
    let first = ids(&body);
    let admin = t.admin.clone();
    let (_, did_before) = t
        .call(Method::GET, "/.well-known/did.json", None, None)
        .await;
    let t = t
        .restart(issuer_api::ConfigFile::parse(common::DEMO).unwrap())
        .await;
    // Same bootstrap token (not regenerated), same keys, same certificates.
    assert_eq!(t.admin, admin);
    let (status, _) = t
        .get(&format!("/v1/certificates/{}", first[0]), &admin)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, did_after) = t
        .call(Method::GET, "/.well-known/did.json", None, None)
        .await;
    assert_eq!(did_before, did_after);
    let (_, again) = t.certify(&admin, &example_batch()).await;
    assert_eq!(ids(&again), first);
}

/// Many batches at once, overlapping: batch k certifies codes k..k+10. On
/// SQLite they are written in shared group transactions, on PostgreSQL in
/// concurrent ones; either way each (code, dose) gets one certificate,
/// every answer names it, and it is audited once.
async fn overlapping_concurrent_batches_store_each_certificate_once(backend: Backend) {
    let t = TestApp::new(backend).await;
    let mut handles = Vec::new();
    for k in 0..24 {
        let batch: Vec<Value> = (k..k + 10)
            .map(|c| request(&format!("GRP-{c}"), 1, "2021-05-01T10:00:00.000Z"))
            .collect();
        let (router, admin) = (t.router.clone(), t.admin.clone());
        handles.push(tokio::spawn(async move {
            use tower::ServiceExt as _;
            let request = axum::http::Request::post("/v1/certify")
                .header("authorization", format!("Bearer {admin}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(Value::Array(batch).to_string()))
                .unwrap();
            let response = router.oneshot(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let bytes = http_body_util::BodyExt::collect(response.into_body())
                .await
                .unwrap()
                .to_bytes();
            let body: Value = serde_json::from_slice(&bytes).unwrap();
            results(&body)
                .iter()
                .map(|r| {
                    (
                        r["pre_enrollment_code"].as_str().unwrap().to_owned(),
                        r["certificate_id"].as_str().unwrap().to_owned(),
                        r["result"].as_str().unwrap().to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        }));
    }
    let mut seen: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        std::collections::BTreeMap::new();
    let mut issued = 0;
    for h in handles {
        for (code, id, result) in h.await.unwrap() {
            issued += usize::from(result == "issued");
            seen.entry(code).or_default().insert(id);
        }
    }
    assert_eq!(seen.len(), 33);
    assert!(seen.values().all(|ids| ids.len() == 1), "{seen:?}");
    assert_eq!(issued, 33, "each certificate reported issued exactly once");
    for (code, ids) in &seen {
        let (_, found) = t
            .get(
                &format!("/v1/certificates?preEnrollmentCode={code}"),
                &t.admin,
            )
            .await;
        let stored: Vec<&str> = found["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["certificate_id"].as_str().unwrap())
            .collect();
        assert_eq!(stored, [ids.first().unwrap().as_str()]);
    }
    let (_, audit) = t.get("/v1/audit?limit=1000", &t.admin).await;
    let certified = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "certify")
        .count();
    assert_eq!(certified, 33);
}

both_backends!(
    overlapping_concurrent_batches_store_each_certificate_once,
    certify_example_and_retry,
    bad_items_fail_alone_with_precise_errors,
    bad_bodies_get_4xx_never_500,
    duplicates_yield_one_certificate,
    dose_intervals_are_enforced,
    corrections_link_and_are_limited,
    revoke_suspend_and_audit,
    citizen_retrieval,
    search_respects_facility_scope,
    key_rotation_publishes_both_keys,
    programme_changes_are_live_and_audited,
    renderings_and_operations,
    restart_keeps_everything,
);

#[tokio::test]
async fn wrong_master_key_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let service = issuer_api::open(issuer_api::Options::demo(dir.path().to_path_buf()))
        .await
        .unwrap();
    service.state.issuer.close().await;
    drop(service);
    std::fs::remove_file(dir.path().join("master.key")).unwrap();
    let mut options = issuer_api::Options::demo(dir.path().to_path_buf());
    options.master_key = Some(zeroize::Zeroizing::new(base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        [9u8; 32],
    )));
    let err = issuer_api::open(options).await.unwrap_err().to_string();
    assert!(err.contains("cannot decrypt"), "{err}");
    // The key file is owner-only.
    let (bootstrap, _) = (dir.path().join("bootstrap-token"), ());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&bootstrap).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

/// The OpenAPI schema of the certify body names every field that
/// `credential::CertificationRequest` reads (the schema is a mirror type).
#[tokio::test]
async fn openapi_request_schema_matches_the_real_type() {
    let full = json!({
        "preEnrollmentCode": "1", "programId": "p",
        "recipient": {"name": "n", "dob": "2000-01-01", "age": "21", "gender": "g", "nationality": "x",
                      "identity": "i", "contact": ["tel:1"],
                      "address": {"addressLine1": "a", "addressLine2": "b", "district": "d", "city": "c",
                                  "state": "s", "pincode": "1", "country": "IN"}},
        "vaccination": {"name": "v", "batch": "b", "manufacturer": "m", "date": "2021-01-01",
                        "effectiveStart": "2021-01-01", "effectiveUntil": "2022-01-01", "dose": 1, "totalDoses": 2},
        "vaccinator": {"id": "v", "name": "n"},
        "facility": {"id": "f", "name": "n", "address": {"addressLine1": "a"}},
        "meta": {}
    });
    let parsed: credential::CertificationRequest = serde_json::from_value(full).unwrap();
    let real = serde_json::to_value(&parsed).unwrap();
    let doc = serde_json::to_value(issuer_api::openapi::document()).unwrap();
    let schema = |name: &str| doc["components"]["schemas"][name]["properties"].clone();
    let check = |value: &Value, schema_name: &str| {
        let properties = schema(schema_name);
        for key in value.as_object().unwrap().keys() {
            assert!(
                properties.get(key).is_some(),
                "{schema_name}.{key} is missing from the OpenAPI schema"
            );
        }
    };
    check(&real, "CertificationRequest");
    check(&real["recipient"], "Recipient");
    check(&real["recipient"]["address"], "Address");
    check(&real["vaccination"], "Vaccination");
    check(&real["vaccinator"], "Vaccinator");
    check(&real["facility"], "RequestFacility");
}

/// Dates are judged by the service's clock, not today's: with the clock
/// stopped on 2021-05-01, a vaccination on 2021-05-03 is in the future
/// (a day ahead is allowed for time zones), a birth date after the clock is
/// refused, and a suspension ends when the clock passes its day.
#[tokio::test]
async fn dates_are_judged_by_the_clock() {
    let clock = std::sync::Arc::new(issuer_api::FixedClock::at("2021-05-01T12:00:00Z"));
    let config = issuer_api::ConfigFile::parse(common::DEMO).unwrap();
    let t = TestApp::with_clock(Backend::Sqlite, config, clock.clone()).await;
    let mut born_later = request("CLK-3", 1, "2021-05-01T10:00:00.000Z");
    born_later["recipient"]["dob"] = json!("2021-05-02");
    let (status, body) = t
        .certify(
            &t.admin,
            &json!([
                request("CLK-1", 1, "2021-05-02T10:00:00.000Z"),
                request("CLK-2", 1, "2021-05-03T10:00:00.000Z"),
                born_later,
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let items = results(&body);
    assert_eq!(items[0]["result"], "issued", "{body}");
    assert_eq!(items[1]["error"]["code"], "date_in_future", "{body}");
    assert_eq!(items[2]["error"]["code"], "invalid_dob", "{body}");
    // Issued at the clock's time.
    assert_eq!(items[0]["issued_at"], "2021-05-01T12:00:00.000Z", "{body}");

    let id = items[0]["certificate_id"].as_str().unwrap().to_owned();
    let (status, body) = t
        .post(
            &format!("/v1/certificates/{id}/suspend"),
            &t.admin,
            &json!({"until": "2021-05-02", "reason": "under investigation"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "suspended");
    assert_eq!(body["status_changed_at"], "2021-05-01T12:00:00.000Z");
    // Through 2021-05-02 (UTC), then over.
    clock.set(issuer_api::FixedClock::at("2021-05-02T23:59:59Z").now_ms());
    let (_, body) = t.get(&format!("/v1/certificates/{id}"), &t.admin).await;
    assert_eq!(body["status"], "suspended", "{body}");
    clock.set(issuer_api::FixedClock::at("2021-05-03T00:00:00Z").now_ms());
    let (_, body) = t.get(&format!("/v1/certificates/{id}"), &t.admin).await;
    assert_eq!(body["status"], "active", "{body}");
}
