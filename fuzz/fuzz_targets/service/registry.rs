//! The key registry on a fixed clock, opened once per process, with one
//! issuer registered and its Ed25519 key, which the targets sign with.

use std::sync::Arc;

use axum::Router;
use axum::http::{Method, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::Signer as _;
use jiff::Timestamp;
use serde_json::{Value, json};

use super::{call, data_dir, expect, runtime};

/// The registered issuer: its credential issuer id, DID and key id.
pub const MOH: &str = "https://moh.test/";
pub const MOH_DID: &str = "did:web:moh.test";
pub const MOH_KID: &str = "did:web:moh.test#key-1";
/// The seed of the issuer's key (the seeds' JWS are signed with it).
pub const MOH_SEED: [u8; 32] = [0x11; 32];
/// The registry's time: fixed, so that a key's validity and list dates do
/// not depend on the day the target runs.
pub const NOW: &str = "2026-11-27T08:00:00Z";

#[derive(Debug)]
struct FixedClock(Timestamp);

impl key_registry::Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

/// An opened registry.
#[derive(Debug)]
pub struct Registry {
    pub rt: tokio::runtime::Runtime,
    pub router: Router,
    /// A `registry-admin` token.
    pub admin: String,
    /// The registered issuer's slug.
    pub slug: String,
    /// The registered issuer's key.
    pub key: ed25519_dalek::SigningKey,
}

/// The public JWK of an Ed25519 key.
pub fn jwk(key: &ed25519_dalek::SigningKey) -> Value {
    json!({"kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes())})
}

/// A detached JWS over `body`, as the issuer API's outbox writes it.
pub fn detached_jws(key: &ed25519_dalek::SigningKey, kid: &str, body: &[u8]) -> String {
    let header = json!({"alg": "EdDSA", "b64": false, "crit": ["b64"], "kid": kid});
    let header = URL_SAFE_NO_PAD.encode(header.to_string());
    let mut input = header.clone().into_bytes();
    input.push(b'.');
    input.extend_from_slice(body);
    format!(
        "{header}..{}",
        URL_SAFE_NO_PAD.encode(key.sign(&input).to_bytes())
    )
}

/// A registry on SQLite in a fresh directory, the test issuer registered.
pub fn open(target: &str) -> Registry {
    let rt = runtime();
    let mut options = key_registry::Options::new(data_dir(target), "https://registry.test");
    let Ok(now) = NOW.parse::<Timestamp>() else {
        panic!("set-up: {NOW} is a timestamp");
    };
    options.clock = Arc::new(FixedClock(now));
    let service = rt
        .block_on(key_registry::open(options))
        .unwrap_or_else(|e| panic!("set-up: opening the registry: {e}"));
    let router = key_registry::app(service.state.clone());
    let Some(bootstrap) = service.bootstrap_token else {
        panic!("set-up: a fresh registry has a bootstrap token");
    };
    let key = ed25519_dalek::SigningKey::from_bytes(&MOH_SEED);
    let (admin, slug) = rt.block_on(async {
        let post = |uri: &'static str, token: String, body: Value| {
            let router = router.clone();
            async move {
                call(
                    &router,
                    Method::POST,
                    uri,
                    Some(&token),
                    &[],
                    body.to_string().into_bytes(),
                )
                .await
            }
        };
        let answer = post(
            "/v1/admin/tokens",
            bootstrap.to_string(),
            json!({"role": "registry-admin", "label": "fuzz"}),
        )
        .await;
        let body = expect("POST /v1/admin/tokens", &answer, StatusCode::CREATED);
        let Some(admin) = body["token"].as_str().map(str::to_owned) else {
            panic!("set-up: no token in {body}");
        };
        let answer = post(
            "/v1/admin/issuers",
            admin.clone(),
            json!({"id": MOH, "did": MOH_DID, "name": "Ministry of Health", "country": "IN"}),
        )
        .await;
        let body = expect("POST /v1/admin/issuers", &answer, StatusCode::CREATED);
        let Some(slug) = body["slug"].as_str().map(str::to_owned) else {
            panic!("set-up: no slug in {body}");
        };
        let uri = format!("/v1/admin/issuers/{slug}/keys");
        let answer = call(
            &router,
            Method::POST,
            &uri,
            Some(&admin),
            &[],
            json!({"kid": MOH_KID, "public_key_jwk": jwk(&key)})
                .to_string()
                .into_bytes(),
        )
        .await;
        expect(&uri, &answer, StatusCode::CREATED);
        (admin, slug)
    });
    Registry {
        rt,
        router,
        admin,
        slug,
        key,
    }
}
