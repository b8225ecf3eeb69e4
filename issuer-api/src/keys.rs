//! The issuer's signing keys: generated on first start, stored encrypted
//! at rest, published as a `did:web` document, rotated on a schedule.
//!
//! Private keys are PKCS#8 PEM sealed with `service_core::seal` (shared
//! with the key registry): XChaCha20-Poly1305 under a 256-bit master key
//! that never enters the database: it comes from `ISSUER_MASTER_KEY`
//! (base64) or a file (`<data-dir>/master.key` by default, created 0600 on
//! first start). The key id is bound to the ciphertext as associated data,
//! so a stored key cannot be swapped for another row's.
//!
//! Rotation: a key signs from its `valid_from` until the next key's
//! `valid_from`; every key stays published, so certificates signed by a
//! retired key keep verifying.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use zeroize::Zeroizing;

use crate::error::{Error, ErrorCode};
use crate::ids::{random_bytes, rfc3339_ms};
use crate::store::{KeyRecord, Store};

pub use service_core::seal::{MasterKey, write_private_file};

/// One of the issuer's keys, decrypted.
#[derive(Clone)]
pub struct IssuerKey {
    /// Key id, e.g. `key-1`.
    pub kid: String,
    /// Creation order.
    pub seq: i64,
    /// Signs from this moment, Unix ms.
    pub valid_from: i64,
    /// The verification method id credentials carry: `<did>#<kid>`.
    pub verification_method: String,
    /// The public key.
    pub public: VerifyingKey,
    secret: Arc<SigningKey>,
    credential: Arc<credential::PrivateKey>,
}

impl std::fmt::Debug for IssuerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuerKey")
            .field("kid", &self.kid)
            .field("verification_method", &self.verification_method)
            .field("valid_from", &self.valid_from)
            .finish_non_exhaustive()
    }
}

impl IssuerKey {
    /// The private key as the credential library signs with it.
    pub fn credential_key(&self) -> Result<&credential::PrivateKey, Error> {
        Ok(&self.credential)
    }

    /// Sign bytes with Ed25519.
    pub fn sign_raw(&self, message: &[u8]) -> [u8; 64] {
        self.secret.sign(message).to_bytes()
    }

    /// The public key as a JWK (`OKP`, `Ed25519`).
    pub fn public_jwk(&self) -> Value {
        public_jwk(&self.public)
    }

    /// The public key, base58 (as `publicKeyBase58`).
    pub fn public_base58(&self) -> String {
        bs58::encode(self.public.as_bytes()).into_string()
    }

    /// The public key as SPKI PEM.
    pub fn public_pem(&self) -> Result<String, Error> {
        self.public
            .to_public_key_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
            .map_err(|e| Error::Keys(format!("public key PEM: {e}")))
    }

    /// A detached JWS (RFC 7515 appendix F, RFC 7797 unencoded payload)
    /// over `payload`: `<header>..<signature>`, header
    /// `{"alg":"EdDSA","b64":false,"crit":["b64"],"kid":<verification method>}`.
    pub fn detached_jws(&self, payload: &[u8]) -> String {
        let header = json!({
            "alg": "EdDSA",
            "b64": false,
            "crit": ["b64"],
            "kid": self.verification_method,
        });
        let header_b64 = URL_SAFE_NO_PAD.encode(header.to_string());
        let mut input = Vec::with_capacity(header_b64.len() + 1 + payload.len());
        input.extend_from_slice(header_b64.as_bytes());
        input.push(b'.');
        input.extend_from_slice(payload);
        let signature = self.sign_raw(&input);
        format!("{header_b64}..{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

/// An Ed25519 public key as a JWK.
pub fn public_jwk(key: &VerifyingKey) -> Value {
    json!({
        "kty": "OKP",
        "crv": "Ed25519",
        "x": URL_SAFE_NO_PAD.encode(key.as_bytes()),
    })
}

/// Where a key is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    /// Will sign from `valid_from`.
    Scheduled,
    /// Signs now.
    Active,
    /// Signed until `valid_until`; still published so its certificates verify.
    Retired,
}

/// A key as the public listing shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicKeyInfo {
    /// Verification method id (`<did>#key-N`), as credentials name it.
    pub id: String,
    /// `Ed25519`.
    pub algorithm: String,
    /// Lifecycle status now.
    pub status: KeyStatus,
    /// Signs from (RFC 3339).
    pub valid_from: String,
    /// Signed until (RFC 3339), for retired and superseded keys.
    pub valid_until: Option<String>,
    /// The public key as a JWK.
    #[schema(value_type = Object)]
    pub public_key_jwk: Value,
    /// The public key, base58.
    pub public_key_base58: String,
}

/// All of the issuer's keys, oldest first.
#[derive(Debug, Clone, Default)]
pub struct KeyRing {
    keys: Vec<IssuerKey>,
}

impl KeyRing {
    /// The key that signs at `now`: the latest whose `valid_from` has come.
    pub fn current(&self, now: i64) -> Option<&IssuerKey> {
        self.keys.iter().rev().find(|k| k.valid_from <= now)
    }

    /// Every key.
    pub fn keys(&self) -> &[IssuerKey] {
        &self.keys
    }

    /// A key by id.
    pub fn get(&self, kid: &str) -> Option<&IssuerKey> {
        self.keys.iter().find(|k| k.kid == kid)
    }

    fn valid_until(&self, index: usize) -> Option<i64> {
        self.keys.get(index + 1).map(|next| next.valid_from)
    }

    /// The keys with their status at `now`.
    pub fn listing(&self, now: i64) -> Vec<PublicKeyInfo> {
        let current = self.current(now).map(|k| k.seq);
        self.keys
            .iter()
            .enumerate()
            .map(|(i, k)| {
                let status = if k.valid_from > now {
                    KeyStatus::Scheduled
                } else if Some(k.seq) == current {
                    KeyStatus::Active
                } else {
                    KeyStatus::Retired
                };
                PublicKeyInfo {
                    id: k.verification_method.clone(),
                    algorithm: "Ed25519".to_owned(),
                    status,
                    valid_from: rfc3339_ms(k.valid_from),
                    valid_until: self.valid_until(i).map(rfc3339_ms),
                    public_key_jwk: k.public_jwk(),
                    public_key_base58: k.public_base58(),
                }
            })
            .collect()
    }

    /// The `did:web` document: every key (active, scheduled and retired) as
    /// an `Ed25519VerificationKey2018` with both `publicKeyJwk` and
    /// `publicKeyBase58`, all of them assertion methods so certificates
    /// signed before a rotation keep verifying.
    pub fn did_document(&self, did: &str) -> Value {
        let methods: Vec<Value> = self
            .keys
            .iter()
            .map(|k| {
                json!({
                    "id": k.verification_method,
                    "type": "Ed25519VerificationKey2018",
                    "controller": did,
                    "publicKeyBase58": k.public_base58(),
                    "publicKeyJwk": k.public_jwk(),
                })
            })
            .collect();
        let ids: Vec<&str> = self
            .keys
            .iter()
            .map(|k| k.verification_method.as_str())
            .collect();
        json!({
            "@context": [
                "https://www.w3.org/ns/did/v1",
                "https://w3id.org/security/suites/ed25519-2018/v1",
                "https://w3id.org/security/suites/jws-2020/v1"
            ],
            "id": did,
            "verificationMethod": methods,
            "assertionMethod": ids,
            "authentication": ids,
        })
    }
}

/// Decrypt every stored key into a ring.
pub async fn load_keyring(store: &Store, master: &MasterKey, did: &str) -> Result<KeyRing, Error> {
    let records = store.keys().await?;
    let mut keys = Vec::with_capacity(records.len());
    for record in records {
        keys.push(decrypt_key(&record, master, did)?);
    }
    Ok(KeyRing { keys })
}

fn decrypt_key(record: &KeyRecord, master: &MasterKey, did: &str) -> Result<IssuerKey, Error> {
    if record.algorithm != "Ed25519" {
        return Err(Error::Corrupt(format!(
            "key {} has algorithm {}",
            record.kid, record.algorithm
        )));
    }
    let pem_bytes = master.decrypt(&record.encrypted_private_key, record.kid.as_bytes())?;
    let pem = Zeroizing::new(
        String::from_utf8(pem_bytes.to_vec())
            .map_err(|_| Error::Corrupt(format!("key {} is not PEM", record.kid)))?,
    );
    let secret = SigningKey::from_pkcs8_pem(&pem)
        .map_err(|e| Error::Corrupt(format!("key {}: {e}", record.kid)))?;
    let credential_key = credential::PrivateKey::from_pem(&pem)
        .map_err(|e| Error::Corrupt(format!("key {}: {e}", record.kid)))?;
    let public = secret.verifying_key();
    if bs58::encode(public.as_bytes()).into_string() != record.public_key {
        return Err(Error::Corrupt(format!(
            "key {}: private key does not match the stored public key",
            record.kid
        )));
    }
    Ok(IssuerKey {
        kid: record.kid.clone(),
        seq: record.seq,
        valid_from: record.valid_from,
        verification_method: format!("{did}#{}", record.kid),
        public,
        secret: Arc::new(secret),
        credential: Arc::new(credential_key),
    })
}

/// Generate a key that signs from `valid_from` and store it encrypted.
/// Returns its key id. `valid_from` must not precede the latest key's.
pub async fn create_key(
    store: &Store,
    master: &MasterKey,
    valid_from: i64,
    actor: &str,
    now: i64,
) -> Result<String, Error> {
    let secret = SigningKey::from_bytes(&random_bytes::<32>()?);
    let pem = secret
        .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .map_err(|e| Error::Keys(format!("PKCS#8 encoding: {e}")))?;
    let public_key = bs58::encode(secret.verifying_key().as_bytes()).into_string();

    let mut tx = store.begin().await?;
    let seq = match tx.last_key().await? {
        Some((seq, last_from)) => {
            if valid_from < last_from {
                return Err(Error::client(
                    ErrorCode::RotationOutOfOrder,
                    format!(
                        "the new key would sign from {}, before the latest key's start {}",
                        rfc3339_ms(valid_from),
                        rfc3339_ms(last_from)
                    ),
                ));
            }
            seq + 1
        }
        None => 1,
    };
    let kid = format!("key-{seq}");
    let record = KeyRecord {
        kid: kid.clone(),
        seq,
        algorithm: "Ed25519".to_owned(),
        public_key: public_key.clone(),
        encrypted_private_key: master.encrypt(pem.as_bytes(), kid.as_bytes())?,
        valid_from,
        created_at: now,
    };
    tx.insert_key(&record).await?;
    tx.audit(
        now,
        actor,
        "key_created",
        Some(&kid),
        &json!({ "valid_from": rfc3339_ms(valid_from), "public_key_base58": public_key }),
    )
    .await?;
    tx.commit().await?;
    Ok(kid)
}

/// On first start, create the first key (signing from now).
pub async fn ensure_key(store: &Store, master: &MasterKey, now: i64) -> Result<(), Error> {
    if store.keys().await?.is_empty() {
        match create_key(store, master, now, "system", now).await {
            Ok(kid) => tracing::info!(kid, "generated the issuer's first signing key"),
            // Another instance (PostgreSQL) created it at the same moment.
            Err(Error::Database(e)) if is_unique_violation(&e) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Whether a database error is a unique-constraint violation.
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detached_jws_verifies_over_header_and_payload() {
        use ed25519_dalek::Verifier as _;
        let secret = SigningKey::from_bytes(&[7u8; 32]);
        let pem = secret
            .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
            .unwrap();
        let key = IssuerKey {
            kid: "key-1".into(),
            seq: 1,
            valid_from: 0,
            verification_method: "did:web:x#key-1".into(),
            public: secret.verifying_key(),
            credential: Arc::new(credential::PrivateKey::from_pem(&pem).unwrap()),
            secret: Arc::new(secret),
        };
        let jws = key.detached_jws(b"{\"a\":1}");
        let (header, signature) = jws.split_once("..").unwrap();
        let header_json: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
        assert_eq!(header_json["alg"], "EdDSA");
        assert_eq!(header_json["b64"], false);
        let sig = ed25519_dalek::Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap())
            .unwrap();
        let input = format!("{header}.{{\"a\":1}}");
        assert!(key.public.verify(input.as_bytes(), &sig).is_ok());
        assert!(key.public.verify(b"other", &sig).is_err());
    }
}
