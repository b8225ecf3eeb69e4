//! The authorization matrix: every mutating endpoint and the sensitive
//! reads, against every kind of caller (no token, wrong token, revoked,
//! expired, each role, the other facility, OIDC JWTs good and bad).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: helpers outside #[test] functions too; a failed unwrap is a failed test"
)]

mod common;

use axum::http::{Method, StatusCode};
use common::{Backend, TestApp, request};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use issuer_api::auth::Role;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

/// Callers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Nobody,
    Garbage,
    NotBearer,
    Revoked,
    Expired,
    CertifierHere,
    CertifierElsewhere,
    Auditor,
    Admin,
    JwtCertifierHere,
    JwtExpired,
    JwtWrongAudience,
    JwtWrongIssuer,
    JwtUnknownKey,
    JwtNoRole,
    JwtHmac,
}

const ALL: [Who; 16] = [
    Who::Nobody,
    Who::Garbage,
    Who::NotBearer,
    Who::Revoked,
    Who::Expired,
    Who::CertifierHere,
    Who::CertifierElsewhere,
    Who::Auditor,
    Who::Admin,
    Who::JwtCertifierHere,
    Who::JwtExpired,
    Who::JwtWrongAudience,
    Who::JwtWrongIssuer,
    Who::JwtUnknownKey,
    Who::JwtNoRole,
    Who::JwtHmac,
];

struct Oidc {
    key: EncodingKey,
    other: EncodingKey,
}

fn jwt(oidc: &Oidc, claims: &Value, other_key: bool) -> String {
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some("test-key".into());
    jsonwebtoken::encode(
        &header,
        claims,
        if other_key { &oidc.other } else { &oidc.key },
    )
    .unwrap()
}

fn claims(aud: &str, iss: &str, exp_offset: i64, roles: &[&str]) -> Value {
    let now = jiff::Timestamp::now().as_second();
    json!({"sub": "user-1", "aud": aud, "iss": iss, "exp": now + exp_offset, "iat": now,
           "roles": roles, "facilities": ["MH-MUM-001"]})
}

struct Matrix {
    t: TestApp,
    tokens: Vec<(Who, Option<String>)>,
}

impl Matrix {
    async fn new(backend: Backend) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let signing = SigningKey::from_bytes(&[11u8; 32]);
        let jwk = json!({"keys": [{
            "kty": "OKP", "crv": "Ed25519", "kid": "test-key", "alg": "EdDSA", "use": "sig",
            "x": base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, signing.verifying_key().as_bytes()),
        }]});
        let jwks_path = dir.path().join("jwks.json");
        std::fs::write(&jwks_path, jwk.to_string()).unwrap();
        let text = common::DEMO.replace(
            "# [auth.oidc]",
            &format!(
                "[auth.oidc]\nissuer = \"https://login.test\"\naudience = \"issuer-api\"\njwks_file = \"{}\"\n# ",
                jwks_path.display()
            ),
        );
        let config = issuer_api::ConfigFile::parse(&text).unwrap();
        let t = TestApp::open_in(backend, config, dir, None).await;
        let der = |k: &SigningKey| k.to_pkcs8_der().unwrap().as_bytes().to_vec();
        let oidc = Oidc {
            key: EncodingKey::from_ed_der(&der(&signing)),
            other: EncodingKey::from_ed_der(&der(&SigningKey::from_bytes(&[12u8; 32]))),
        };

        let revoked = t.token(Role::IssuerAdmin, &[]).await;
        let revoked_id =
            issuer_api::auth::list_tokens(issuer_api::internal::store(&t.state.issuer))
                .await
                .unwrap()
                .last()
                .unwrap()
                .id
                .clone();
        issuer_api::auth::revoke_token(
            issuer_api::internal::store(&t.state.issuer),
            &revoked_id,
            "test",
            t.state.issuer.now(),
        )
        .await
        .unwrap();
        let expired = t
            .state
            .issuer
            .create_token_as(Role::IssuerAdmin, &[], "old", Some(1), "test")
            .await
            .unwrap()
            .token;
        let mut tokens = Vec::new();
        for who in ALL {
            let token = match who {
                Who::Nobody => None,
                Who::Garbage => Some("hcit_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_owned()),
                Who::NotBearer => Some("NOTBEARER".to_owned()),
                Who::Revoked => Some(revoked.clone()),
                Who::Expired => Some(expired.clone()),
                Who::CertifierHere => Some(t.token(Role::Certifier, &["MH-MUM-001"]).await),
                Who::CertifierElsewhere => Some(t.token(Role::Certifier, &["DL-NDL-002"]).await),
                Who::Auditor => Some(t.token(Role::Auditor, &[]).await),
                Who::Admin => Some(t.admin.clone()),
                Who::JwtCertifierHere => Some(jwt(
                    &oidc,
                    &claims("issuer-api", "https://login.test", 600, &["certifier"]),
                    false,
                )),
                Who::JwtExpired => Some(jwt(
                    &oidc,
                    &claims("issuer-api", "https://login.test", -600, &["certifier"]),
                    false,
                )),
                Who::JwtWrongAudience => Some(jwt(
                    &oidc,
                    &claims("other-api", "https://login.test", 600, &["certifier"]),
                    false,
                )),
                Who::JwtWrongIssuer => Some(jwt(
                    &oidc,
                    &claims("issuer-api", "https://evil.test", 600, &["certifier"]),
                    false,
                )),
                Who::JwtUnknownKey => Some(jwt(
                    &oidc,
                    &claims("issuer-api", "https://login.test", 600, &["certifier"]),
                    true,
                )),
                Who::JwtNoRole => Some(jwt(
                    &oidc,
                    &claims("issuer-api", "https://login.test", 600, &["viewer"]),
                    false,
                )),
                Who::JwtHmac => {
                    let key = EncodingKey::from_secret(b"the public key, as a secret");
                    let c = claims("issuer-api", "https://login.test", 600, &["issuer-admin"]);
                    Some(jsonwebtoken::encode(&Header::new(Algorithm::HS256), &c, &key).unwrap())
                }
            };
            tokens.push((who, token));
        }
        Self { t, tokens }
    }

    /// Call as `who`; the `Authorization` header is sent raw for `NotBearer`.
    async fn call(
        &self,
        who: Who,
        method: Method,
        uri: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let token = self
            .tokens
            .iter()
            .find(|(w, _)| *w == who)
            .and_then(|(_, t)| t.clone());
        if who == Who::NotBearer {
            let (status, _, bytes) = self
                .t
                .call_raw(
                    method,
                    uri,
                    None,
                    body.map(|b| b.to_string().into_bytes()),
                    &[
                        ("authorization", "Basic dXNlcjpwYXNz"),
                        ("content-type", "application/json"),
                    ],
                )
                .await;
            return (
                status,
                serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            );
        }
        self.t.call(method, uri, token.as_deref(), body).await
    }

    /// A programme change, sent with the current version as `If-Match` (the
    /// matrix is about who may, not about stale versions).
    async fn call_edit(
        &self,
        who: Who,
        method: Method,
        uri: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let (_, current) = self.t.get("/v1/admin/programme", &self.t.admin).await;
        let if_match = format!("\"{}\"", current["version"]);
        let token = self
            .tokens
            .iter()
            .find(|(w, _)| *w == who)
            .and_then(|(_, t)| t.clone());
        let bearer = token.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("if-match", if_match.as_str())];
        match (who, &bearer) {
            (Who::NotBearer, _) => headers.push(("authorization", "Basic dXNlcjpwYXNz")),
            (_, Some(bearer)) => headers.push(("authorization", bearer.as_str())),
            (_, None) => {}
        }
        let (status, _, bytes) = self
            .t
            .call_raw(
                method,
                uri,
                None,
                body.map(|b| b.to_string().into_bytes()),
                &headers,
            )
            .await;
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// A fresh certificate at MH-MUM-001.
    async fn certificate(&self, code: &str) -> String {
        let (status, body) = self
            .t
            .certify(
                &self.t.admin,
                &json!([request(code, 1, "2021-05-01T10:00:00.000Z")]),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["results"][0]["certificate_id"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

fn unauthenticated(who: Who) -> bool {
    matches!(
        who,
        Who::Nobody
            | Who::Garbage
            | Who::NotBearer
            | Who::Revoked
            | Who::Expired
            | Who::JwtExpired
            | Who::JwtWrongAudience
            | Who::JwtWrongIssuer
            | Who::JwtUnknownKey
            | Who::JwtHmac
    )
}

/// The expected status for `who`, given who is allowed.
fn expect(who: Who, allowed: &[Who], ok: StatusCode, denied: StatusCode) -> StatusCode {
    if unauthenticated(who) {
        StatusCode::UNAUTHORIZED
    } else if allowed.contains(&who) {
        ok
    } else if who == Who::JwtNoRole {
        StatusCode::FORBIDDEN
    } else {
        denied
    }
}

async fn the_whole_matrix(backend: Backend) {
    let m = Matrix::new(backend).await;
    let certifiers_here = [Who::CertifierHere, Who::JwtCertifierHere];
    let mut failures = Vec::new();
    let mut check = |what: &str, who: Who, got: StatusCode, want: StatusCode, body: &Value| {
        if got != want {
            failures.push(format!("{what} as {who:?}: got {got}, want {want}: {body}"));
        }
        if got == StatusCode::UNAUTHORIZED {
            assert_eq!(body["error"]["code"], "unauthenticated", "{what} {who:?}");
        }
    };

    for (i, who) in ALL.into_iter().enumerate() {
        // Certify: admins and certifiers of the facility; a certifier of another
        // facility gets the item rejected (422, facility_not_in_scope).
        let item = json!([request(&format!("MX-{i}"), 1, "2021-05-01T10:00:00.000Z")]);
        let (got, body) = m.call(who, Method::POST, "/v1/certify", Some(&item)).await;
        let want = if who == Who::CertifierElsewhere {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            expect(
                who,
                &[Who::Admin, Who::CertifierHere, Who::JwtCertifierHere],
                StatusCode::OK,
                StatusCode::FORBIDDEN,
            )
        };
        check("certify", who, got, want, &body);
        if who == Who::CertifierElsewhere {
            assert_eq!(body["results"][0]["error"]["code"], "facility_not_in_scope");
        }

        let id = m.certificate(&format!("MXC-{i}")).await;
        // Read: anyone authenticated who may see the facility; others get 404 (no probing).
        let (got, body) = m
            .call(who, Method::GET, &format!("/v1/certificates/{id}"), None)
            .await;
        let readers = [
            Who::Admin,
            Who::Auditor,
            Who::CertifierHere,
            Who::JwtCertifierHere,
        ];
        let want = if who == Who::CertifierElsewhere {
            StatusCode::NOT_FOUND
        } else {
            expect(who, &readers, StatusCode::OK, StatusCode::FORBIDDEN)
        };
        check("read", who, got, want, &body);
        let (got, body) = m
            .call(
                who,
                Method::GET,
                &format!("/v1/certificates/{id}/qr.svg"),
                None,
            )
            .await;
        check("qr", who, got, want, &body);

        // Correct: admins, and certifiers of the facility.
        let fixed = request(&format!("MXC-{i}"), 1, "2021-05-01T10:00:00.000Z");
        let (got, body) = m
            .call(
                who,
                Method::PUT,
                &format!("/v1/certificates/{id}"),
                Some(&fixed),
            )
            .await;
        let want = match who {
            Who::CertifierElsewhere => StatusCode::NOT_FOUND,
            _ => expect(
                who,
                &[Who::Admin, Who::CertifierHere, Who::JwtCertifierHere],
                StatusCode::CREATED,
                StatusCode::FORBIDDEN,
            ),
        };
        check("correct", who, got, want, &body);

        // Revoke, suspend, unsuspend: issuer-admin only.
        let id = m.certificate(&format!("MXR-{i}")).await;
        let (got, body) = m
            .call(
                who,
                Method::POST,
                &format!("/v1/certificates/{id}/suspend"),
                Some(&json!({"until": "2999-01-01", "reason": "r"})),
            )
            .await;
        check(
            "suspend",
            who,
            got,
            expect(who, &[Who::Admin], StatusCode::OK, StatusCode::FORBIDDEN),
            &body,
        );
        let (got, body) = m
            .call(
                who,
                Method::DELETE,
                &format!("/v1/certificates/{id}/suspension"),
                None,
            )
            .await;
        check(
            "unsuspend",
            who,
            got,
            expect(who, &[Who::Admin], StatusCode::OK, StatusCode::FORBIDDEN),
            &body,
        );
        let (got, body) = m
            .call(
                who,
                Method::POST,
                &format!("/v1/certificates/{id}/revoke"),
                Some(&json!({"reason": "r"})),
            )
            .await;
        check(
            "revoke",
            who,
            got,
            expect(who, &[Who::Admin], StatusCode::OK, StatusCode::FORBIDDEN),
            &body,
        );

        // Administration.
        let facility = json!({"code": format!("NEW-{i}"), "name": format!("New Facility {i}")});
        let (got, body) = m
            .call_edit(
                who,
                Method::PUT,
                &format!("/v1/admin/programme/facilities/NEW-{i}"),
                Some(&facility),
            )
            .await;
        check(
            "programme",
            who,
            got,
            expect(who, &[Who::Admin], StatusCode::OK, StatusCode::FORBIDDEN),
            &body,
        );
        let (got, body) = m
            .call(
                who,
                Method::POST,
                "/v1/admin/tokens",
                Some(&json!({"role": "auditor", "label": "x"})),
            )
            .await;
        check(
            "create token",
            who,
            got,
            expect(
                who,
                &[Who::Admin],
                StatusCode::CREATED,
                StatusCode::FORBIDDEN,
            ),
            &body,
        );
        let (got, body) = m
            .call(
                who,
                Method::POST,
                "/v1/admin/keys/rotate",
                Some(&json!({"at": format!("2999-01-{:02}T00:00:00Z", i + 1)})),
            )
            .await;
        check(
            "rotate",
            who,
            got,
            expect(
                who,
                &[Who::Admin],
                StatusCode::CREATED,
                StatusCode::FORBIDDEN,
            ),
            &body,
        );

        // Audit and token listing: admins and auditors.
        let (got, body) = m.call(who, Method::GET, "/v1/audit", None).await;
        check(
            "audit",
            who,
            got,
            expect(
                who,
                &[Who::Admin, Who::Auditor],
                StatusCode::OK,
                StatusCode::FORBIDDEN,
            ),
            &body,
        );
        let (got, body) = m.call(who, Method::GET, "/v1/admin/tokens", None).await;
        check(
            "list tokens",
            who,
            got,
            expect(
                who,
                &[Who::Admin, Who::Auditor],
                StatusCode::OK,
                StatusCode::FORBIDDEN,
            ),
            &body,
        );
    }
    let _ = certifiers_here;
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Unauthenticated answers say why, precisely, and ask for a bearer token.
    let (_, headers, bytes) =
        m.t.call_raw(Method::GET, "/v1/audit", None, None, &[])
            .await;
    assert_eq!(headers["www-authenticate"], "Bearer");
    assert!(String::from_utf8_lossy(&bytes).contains("missing bearer token"));
    let (_, body) = m
        .call(Who::JwtExpired, Method::GET, "/v1/audit", None)
        .await;
    assert_eq!(body["error"]["message"], "JWT expired");
    let (_, body) = m
        .call(Who::JwtWrongAudience, Method::GET, "/v1/audit", None)
        .await;
    assert_eq!(body["error"]["message"], "JWT audience is not this service");
    // Token listings never show secrets or hashes.
    let (_, list) = m
        .call(Who::Admin, Method::GET, "/v1/admin/tokens", None)
        .await;
    let text = list.to_string();
    assert!(!text.contains("hcit_") && !text.contains("token_hash"));
    // The audit log names the OIDC subject.
    let (_, audit) = m
        .call(Who::Admin, Method::GET, "/v1/audit?limit=1000", None)
        .await;
    assert!(audit.to_string().contains("oidc:user-1"));
}

async fn token_rate_limit(backend: Backend) {
    let text = common::DEMO
        .replace("rate_limit_per_second = 200", "rate_limit_per_second = 1")
        .replace("rate_limit_burst = 400", "rate_limit_burst = 3");
    let t = TestApp::with_config(backend, issuer_api::ConfigFile::parse(&text).unwrap()).await;
    let auditor = t.token(Role::Auditor, &[]).await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(t.get("/v1/audit", &auditor).await.0);
    }
    assert_eq!(&statuses[..3], &[StatusCode::OK; 3]);
    assert_eq!(statuses[4], StatusCode::TOO_MANY_REQUESTS);
    // Per token: another token is not affected.
    assert_eq!(t.get("/v1/audit", &t.admin).await.0, StatusCode::OK);
}

both_backends!(the_whole_matrix, token_rate_limit);
