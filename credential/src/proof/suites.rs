//! The proof suites, behind one trait: where a new suite plugs in.
//!
//! Every suite here signs `sha256(c14n(proof configuration)) ||
//! sha256(c14n(document without proof))`; they differ in what the proof
//! configuration holds, which canonicalization they use (URDNA2015 / RDFC-1.0
//! or JCS) and how the signature is written (detached JWS or multibase).

use serde_json::{Map, Value, json};

use super::jws;
use super::parse::required_str;
use super::{ProofError, ProofOptions, Suite};
use crate::rdf::Graph;
use crate::{ContextStore, Error, PrivateKey};

type Object = Map<String, Value>;

/// The context jsonld-signatures 6 gives the proof options of the 2018
/// suites when the proof has none of its own.
const SECURITY_CONTEXT_V2: &str = "https://w3id.org/security/v2";

/// Multibase prefix of base58btc, the encoding of Data Integrity proofValues.
const MULTIBASE_BASE58BTC: char = 'z';
/// An Ed25519 signature in base58btc is at most 88 digits; anything much
/// longer is not worth decoding.
const MAX_PROOF_VALUE_LEN: usize = 128;

/// A proof suite: how its proof configuration is built, canonicalized and
/// signed. `verify` and `sign` in the parent module drive it.
pub(crate) trait ProofSuite: Sync {
    /// The proof configuration to hash when verifying `proof`. `document` is
    /// the document without its proof; a suite may adjust it (Data
    /// Integrity gives it the proof's `@context`).
    fn verify_config(&self, proof: &Object, document: &mut Object) -> Result<Value, ProofError>;

    /// The proof to add when signing (without its signature member) and the
    /// proof configuration to hash.
    fn sign_config(&self, options: &ProofOptions, document: &Object) -> (Object, Value);

    /// Canonical text of a proof configuration or document.
    fn canonicalize(&self, value: &Value, store: &ContextStore) -> Result<String, Error>;

    /// What a signature check hashes, and the graph it was made of: the
    /// graph of the very JSON that was hashed (for JCS, its JSON-LD
    /// reading, which must then be safe too).
    fn canonicalize_signed(
        &self,
        value: &Value,
        store: &ContextStore,
    ) -> Result<(String, Graph), Error>;

    /// Decodes the proof's signature member into the bytes that precede
    /// the hashes in the signing input, and the signature.
    fn decode_signature(&self, proof: &Object) -> Result<(Vec<u8>, Vec<u8>), ProofError>;

    /// Signs the hashes; returns the signature member's value.
    fn encode_signature(&self, hashes: &[u8], key: &PrivateKey) -> Result<Value, Error>;
}

/// The implementation of a suite.
pub(crate) fn for_suite(suite: Suite) -> &'static dyn ProofSuite {
    match suite {
        Suite::Ed25519Signature2018 => &ED25519_SIGNATURE_2018,
        Suite::RsaSignature2018 => &RSA_SIGNATURE_2018,
        Suite::EddsaRdfc2022 => &EDDSA_RDFC_2022,
        Suite::EddsaJcs2022 => &EDDSA_JCS_2022,
        Suite::Ed25519Signature2020 => &ED25519_SIGNATURE_2020,
    }
}

static ED25519_SIGNATURE_2018: JwsSignature2018 = JwsSignature2018 {
    suite: Suite::Ed25519Signature2018,
};
static RSA_SIGNATURE_2018: JwsSignature2018 = JwsSignature2018 {
    suite: Suite::RsaSignature2018,
};
static EDDSA_RDFC_2022: DataIntegrity = DataIntegrity {
    suite: Suite::EddsaRdfc2022,
    canonicalization: Canonicalization::Rdfc,
};
static EDDSA_JCS_2022: DataIntegrity = DataIntegrity {
    suite: Suite::EddsaJcs2022,
    canonicalization: Canonicalization::Jcs,
};
static ED25519_SIGNATURE_2020: DataIntegrity = DataIntegrity {
    suite: Suite::Ed25519Signature2020,
    canonicalization: Canonicalization::Rdfc,
};

/// The proof's common members, in the order DIVOC and the W3C vectors
/// write them.
fn base_proof(suite: Suite, options: &ProofOptions) -> Object {
    let mut proof = Object::new();
    proof.insert("type".into(), json!(suite.proof_type()));
    if let Some(cryptosuite) = suite.cryptosuite() {
        proof.insert("cryptosuite".into(), json!(cryptosuite));
    }
    proof.insert("created".into(), json!(options.created));
    proof.insert(
        "verificationMethod".into(),
        json!(options.verification_method),
    );
    proof.insert("proofPurpose".into(), json!(options.proof_purpose));
    proof
}

/// `Ed25519Signature2018` and `RsaSignature2018` as jsonld-signatures 6
/// implements them: URDNA2015, detached JWS.
struct JwsSignature2018 {
    suite: Suite,
}

impl JwsSignature2018 {
    /// The proof options as jsonld-signatures 6 hashes them: the proof
    /// without `jws`, `signatureValue` and `proofValue`, with the security
    /// context unless the proof brings its own (`{"@context": SECURITY,
    /// ...proof}` in their code).
    fn config(proof: &Object) -> Value {
        let mut config = Object::new();
        config.insert("@context".into(), json!(SECURITY_CONTEXT_V2));
        for (name, value) in proof {
            if !matches!(name.as_str(), "jws" | "signatureValue" | "proofValue") {
                config.insert(name.clone(), value.clone());
            }
        }
        Value::Object(config)
    }
}

impl ProofSuite for JwsSignature2018 {
    fn verify_config(&self, proof: &Object, _document: &mut Object) -> Result<Value, ProofError> {
        Ok(Self::config(proof))
    }

    fn sign_config(&self, options: &ProofOptions, _document: &Object) -> (Object, Value) {
        let proof = base_proof(self.suite, options);
        let config = Self::config(&proof);
        (proof, config)
    }

    fn canonicalize(&self, value: &Value, store: &ContextStore) -> Result<String, Error> {
        Ok(crate::jsonld::canonicalize(value, store)?)
    }

    fn canonicalize_signed(
        &self,
        value: &Value,
        store: &ContextStore,
    ) -> Result<(String, Graph), Error> {
        Ok(crate::jsonld::canonicalize_with_graph(value, store)?)
    }

    fn decode_signature(&self, proof: &Object) -> Result<(Vec<u8>, Vec<u8>), ProofError> {
        let parsed = jws::parse(required_str(proof, "jws")?, self.suite.key_algorithm())?;
        Ok((parsed.signing_prefix, parsed.signature))
    }

    fn encode_signature(&self, hashes: &[u8], key: &PrivateKey) -> Result<Value, Error> {
        Ok(json!(jws::sign(hashes, key)?))
    }
}

enum Canonicalization {
    /// RDFC-1.0 (URDNA2015) canonical N-Quads.
    Rdfc,
    /// RFC 8785 JSON canonicalization.
    Jcs,
}

/// `DataIntegrityProof` (`eddsa-rdfc-2022`, `eddsa-jcs-2022`) and its
/// predecessor `Ed25519Signature2020`, as W3C vc-di-eddsa specifies them:
/// the proof configuration takes the document's `@context`, and the
/// signature is a multibase base58btc `proofValue`.
struct DataIntegrity {
    suite: Suite,
    canonicalization: Canonicalization,
}

/// The elements of a `@context` value: a single context or an array.
fn context_items(context: &Value) -> &[Value] {
    match context {
        Value::Array(items) => items,
        single => std::slice::from_ref(single),
    }
}

impl ProofSuite for DataIntegrity {
    /// vc-di-eddsa "Verify Proof": the proof options are the proof without
    /// `proofValue`; if they carry `@context`, the document's must start
    /// with it and the document is hashed with the proof's; the proof
    /// configuration then takes the document's `@context`.
    fn verify_config(&self, proof: &Object, document: &mut Object) -> Result<Value, ProofError> {
        let mut config = proof.clone();
        config.remove("proofValue");
        if let Some(proof_context) = proof.get("@context") {
            let document_context = document
                .get("@context")
                .ok_or(ProofError::ContextMismatch)?;
            if !context_items(document_context).starts_with(context_items(proof_context)) {
                return Err(ProofError::ContextMismatch);
            }
            document.insert("@context".into(), proof_context.clone());
        }
        match document.get("@context") {
            Some(context) => config.insert("@context".into(), context.clone()),
            None => config.remove("@context"),
        };
        Ok(Value::Object(config))
    }

    fn sign_config(&self, options: &ProofOptions, document: &Object) -> (Object, Value) {
        let mut proof = base_proof(self.suite, options);
        let mut config = proof.clone();
        if let Some(context) = document.get("@context") {
            config.insert("@context".into(), context.clone());
            // eddsa-jcs-2022 "Create Proof": the proof carries the
            // document's context (JCS does not read contexts, so the proof
            // states which ones it was made under).
            if matches!(self.canonicalization, Canonicalization::Jcs) {
                proof.insert("@context".into(), context.clone());
            }
        }
        (proof, Value::Object(config))
    }

    fn canonicalize(&self, value: &Value, store: &ContextStore) -> Result<String, Error> {
        match self.canonicalization {
            Canonicalization::Rdfc => Ok(crate::jsonld::canonicalize(value, store)?),
            Canonicalization::Jcs => Ok(crate::jcs::canonicalize(value)?),
        }
    }

    fn canonicalize_signed(
        &self,
        value: &Value,
        store: &ContextStore,
    ) -> Result<(String, Graph), Error> {
        match self.canonicalization {
            Canonicalization::Rdfc => Ok(crate::jsonld::canonicalize_with_graph(value, store)?),
            Canonicalization::Jcs => Ok((
                crate::jcs::canonicalize(value)?,
                crate::jsonld::graph(value, store)?,
            )),
        }
    }

    fn decode_signature(&self, proof: &Object) -> Result<(Vec<u8>, Vec<u8>), ProofError> {
        let value = required_str(proof, "proofValue")?;
        let Some(digits) = value.strip_prefix(MULTIBASE_BASE58BTC) else {
            return Err(ProofError::MalformedSignature {
                reason: "proofValue is not multibase base58btc ('z')",
            });
        };
        if digits.len() > MAX_PROOF_VALUE_LEN {
            return Err(ProofError::MalformedSignature {
                reason: "proofValue longer than an Ed25519 signature",
            });
        }
        let signature =
            bs58::decode(digits)
                .into_vec()
                .map_err(|_| ProofError::MalformedSignature {
                    reason: "proofValue is not base58btc",
                })?;
        Ok((Vec::new(), signature))
    }

    fn encode_signature(&self, hashes: &[u8], key: &PrivateKey) -> Result<Value, Error> {
        let signature = key.sign_bytes(hashes)?;
        let mut value = String::with_capacity(1 + signature.len() * 2);
        value.push(MULTIBASE_BASE58BTC);
        value.push_str(&bs58::encode(signature).into_string());
        Ok(json!(value))
    }
}
