//! Proof suites: `Ed25519Signature2018`, `RsaSignature2018`, and Data
//! Integrity `eddsa-rdfc-2022` / `eddsa-jcs-2022` (plus `Ed25519Signature2020`),
//! behind one trait (`suites::ProofSuite`).
//!
//! Every suite signs `sha256(c14n(proof configuration)) ||
//! sha256(c14n(document without proof))`. The hash-and-check core
//! (`check_signature`) takes the canonical strings, so the unit tests check
//! it against the canonical forms in the fixtures independently of the
//! JSON-LD processor.

mod error;
mod jws;
mod parse;
mod suites;
#[cfg(test)]
mod tests;

use std::fmt;

use serde_json::{Map, Value};

pub use error::ProofError;
pub use parse::Proof;

use crate::keys::sha256;
use crate::rdf::{Graph, NodeRef, Object};
use crate::view::{CredentialView, ViewError};
use crate::{ContextStore, Error, KeyAlgorithm, PrivateKey, PublicKey};

/// `sec:verificationMethod`, as every supported suite's context maps it.
const SEC_VERIFICATION_METHOD: &str = "https://w3id.org/security#verificationMethod";
/// `sec:proofPurpose`.
const SEC_PROOF_PURPOSE: &str = "https://w3id.org/security#proofPurpose";
/// `sec:assertionMethod`, the purpose `assertionMethod` expands to.
const SEC_ASSERTION_METHOD: &str = "https://w3id.org/security#assertionMethod";

/// Proof purpose of an issuer's proof on a credential: the only one
/// [`verify`] accepts.
const ASSERTION_METHOD: &str = "assertionMethod";

/// A proof suite this crate implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Suite {
    /// `Ed25519Signature2018`: URDNA2015, detached JWS, EdDSA.
    Ed25519Signature2018,
    /// `RsaSignature2018`: URDNA2015, detached JWS, PS256.
    RsaSignature2018,
    /// `DataIntegrityProof` with `eddsa-rdfc-2022`.
    EddsaRdfc2022,
    /// `DataIntegrityProof` with `eddsa-jcs-2022`.
    EddsaJcs2022,
    /// `Ed25519Signature2020`: RDFC-1.0, multibase `proofValue` (the
    /// predecessor of `eddsa-rdfc-2022`).
    Ed25519Signature2020,
}

impl Suite {
    /// The proof's `type`.
    pub fn proof_type(self) -> &'static str {
        match self {
            Self::Ed25519Signature2018 => "Ed25519Signature2018",
            Self::RsaSignature2018 => "RsaSignature2018",
            Self::EddsaRdfc2022 | Self::EddsaJcs2022 => "DataIntegrityProof",
            Self::Ed25519Signature2020 => "Ed25519Signature2020",
        }
    }

    /// The proof's `cryptosuite`, for Data Integrity suites.
    pub fn cryptosuite(self) -> Option<&'static str> {
        match self {
            Self::EddsaRdfc2022 => Some("eddsa-rdfc-2022"),
            Self::EddsaJcs2022 => Some("eddsa-jcs-2022"),
            Self::Ed25519Signature2018 | Self::RsaSignature2018 | Self::Ed25519Signature2020 => {
                None
            }
        }
    }

    /// The algorithm of the keys this suite signs with.
    pub fn key_algorithm(self) -> KeyAlgorithm {
        match self {
            Self::RsaSignature2018 => KeyAlgorithm::Rsa,
            Self::Ed25519Signature2018
            | Self::EddsaRdfc2022
            | Self::EddsaJcs2022
            | Self::Ed25519Signature2020 => KeyAlgorithm::Ed25519,
        }
    }

    /// The proof member that holds the signature.
    fn signature_member(self) -> &'static str {
        match self {
            Self::Ed25519Signature2018 | Self::RsaSignature2018 => "jws",
            Self::EddsaRdfc2022 | Self::EddsaJcs2022 | Self::Ed25519Signature2020 => "proofValue",
        }
    }

    /// Fails unless the key is of the algorithm this suite signs with.
    fn check_key(self, found: KeyAlgorithm) -> Result<(), ProofError> {
        let expected = self.key_algorithm();
        if expected == found {
            Ok(())
        } else {
            Err(ProofError::WrongKeyAlgorithm {
                suite: self,
                expected,
                found,
            })
        }
    }
}

impl fmt::Display for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.cryptosuite() {
            Some(cryptosuite) => f.write_str(cryptosuite),
            None => f.write_str(self.proof_type()),
        }
    }
}

/// How to sign: the suite and the proof options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofOptions {
    /// The suite to sign with.
    pub suite: Suite,
    /// Key id as credentials name it (`verificationMethod`).
    pub verification_method: String,
    /// `created`, an XML Schema dateTime.
    pub created: String,
    /// `proofPurpose`, usually `assertionMethod`.
    pub proof_purpose: String,
}

impl ProofOptions {
    /// Options for an issuer's proof (`proofPurpose` `assertionMethod`).
    pub fn assertion(
        suite: Suite,
        verification_method: impl Into<String>,
        created: impl Into<String>,
    ) -> Self {
        Self {
            suite,
            verification_method: verification_method.into(),
            created: created.into(),
            proof_purpose: ASSERTION_METHOD.to_owned(),
        }
    }
}

/// Proof that a document's signature was checked. Only [`verify`] makes one.
///
/// It holds the signed graph: read what the credential says with
/// [`Verified::credential`], which reads the graph, never the JSON (two
/// JSON texts with one graph carry one signature).
#[derive(Debug)]
pub struct Verified<'a> {
    document: &'a Value,
    proof: Proof,
    graph: Graph,
}

impl<'a> Verified<'a> {
    /// The document whose proof verified (proof included). Its JSON is not
    /// what was signed (the graph is): decide and display from
    /// [`Verified::credential`] instead.
    pub fn document(&self) -> &'a Value {
        self.document
    }

    /// The proof that verified.
    pub fn proof(&self) -> &Proof {
        &self.proof
    }

    /// What the credential says, read from the signed graph.
    ///
    /// # Errors
    ///
    /// [`ViewError`] when the graph does not say one thing where one is
    /// needed (two issuers, two names, a date that is not a date...).
    pub fn credential(&self) -> Result<CredentialView, ViewError> {
        CredentialView::read(&self.graph, self.document)
    }
}

/// The data every suite signs: `sha256(proof) || sha256(document)`.
pub(crate) fn hash_data(proof_canonical: &str, document_canonical: &str) -> [u8; 64] {
    let mut data = [0u8; 64];
    let (proof_hash, document_hash) = data.split_at_mut(32);
    proof_hash.copy_from_slice(&sha256(proof_canonical.as_bytes()));
    document_hash.copy_from_slice(&sha256(document_canonical.as_bytes()));
    data
}

/// The hash-and-check core: verifies `proof`'s signature over the given
/// canonical forms of its configuration and of the document.
#[cfg(test)]
pub(crate) fn verify_canonical(
    proof: &Proof,
    key: &PublicKey,
    proof_canonical: &str,
    document_canonical: &str,
) -> Result<(), ProofError> {
    proof.suite().check_key(key.algorithm())?;
    let (prefix, signature) = suites::for_suite(proof.suite()).decode_signature(proof.object())?;
    check_signature(prefix, &signature, key, proof_canonical, document_canonical)
}

/// Checks a decoded signature over `prefix || sha256(proof) || sha256(document)`.
fn check_signature(
    mut message: Vec<u8>,
    signature: &[u8],
    key: &PublicKey,
    proof_canonical: &str,
    document_canonical: &str,
) -> Result<(), ProofError> {
    message.extend_from_slice(&hash_data(proof_canonical, document_canonical));
    key.verify_signature(&message, signature)
}

/// The document's members without `proof`.
fn without_proof(document: &Map<String, Value>) -> Map<String, Value> {
    document
        .iter()
        .filter(|(name, _)| name.as_str() != "proof")
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

/// Verify a signed document's proof with a key.
///
/// The proof must be a single proof with purpose `assertionMethod`; the key
/// must be the one its `verificationMethod` names (look it up with
/// [`Proof::from_document`] first) and of the suite's algorithm.
///
/// # Errors
///
/// [`ProofError`]s for the proof's shape, the key's algorithm and the
/// signature ([`ProofError::BadSignature`], opaque), and
/// [`JsonLdError`](crate::JsonLdError)s when the document cannot be
/// canonicalized (e.g. a property no context defines: such data is not
/// covered by the signature, so the document is refused).
pub fn verify<'a>(
    document: &'a Value,
    key: &PublicKey,
    store: &ContextStore,
) -> Result<Verified<'a>, Error> {
    let proof = Proof::from_document(document)?;
    if proof.proof_purpose() != ASSERTION_METHOD {
        return Err(ProofError::UnexpectedProofPurpose {
            found: error::excerpt(proof.proof_purpose()),
        }
        .into());
    }
    proof.suite().check_key(key.algorithm())?;
    let suite = suites::for_suite(proof.suite());
    // Cheap checks on the signature's encoding come before canonicalizing.
    let (prefix, signature) = suite.decode_signature(proof.object())?;
    key.check_signature_len(&signature)?;
    let Value::Object(signed) = document else {
        return Err(ProofError::DocumentNotAnObject.into());
    };
    let mut unsigned = without_proof(signed);
    let config = suite.verify_config(proof.object(), &mut unsigned)?;
    let (proof_canonical, proof_graph) = suite.canonicalize_signed(&config, store)?;
    check_proof_graph(&proof_graph, proof.verification_method())?;
    let (document_canonical, graph) = suite.canonicalize_signed(&Value::Object(unsigned), store)?;
    check_signature(
        prefix,
        &signature,
        key,
        &proof_canonical,
        &document_canonical,
    )?;
    Ok(Verified {
        document,
        proof,
        graph,
    })
}

/// The key was looked up by the proof's JSON `verificationMethod`, and the
/// purpose read from its JSON: the signed proof graph must say exactly
/// that, one key and one purpose (`assertionMethod`), so that no rewrite of
/// the proof's JSON can point the lookup at another key than the one whose
/// signature is being checked.
fn check_proof_graph(graph: &Graph, verification_method: &str) -> Result<(), ProofError> {
    let mut methods = Vec::new();
    let mut purposes = Vec::new();
    for node in graph.subjects() {
        methods.extend(graph.objects(node, SEC_VERIFICATION_METHOD));
        purposes.extend(graph.objects(node, SEC_PROOF_PURPOSE));
    }
    let is_iri = |objects: &[&Object], expected: &str| matches!(objects, [Object::Node(NodeRef::Iri(iri))] if iri == expected);
    if !is_iri(&methods, verification_method) {
        return Err(ProofError::MalformedProof {
            reason: "the signed proof does not name exactly the verificationMethod its JSON names",
        });
    }
    if !is_iri(&purposes, SEC_ASSERTION_METHOD) {
        return Err(ProofError::MalformedProof {
            reason: "the signed proof does not state exactly the purpose assertionMethod",
        });
    }
    Ok(())
}

/// Sign a document: returns it with a `proof` added.
///
/// Deterministic for the EdDSA suites: the same document, options and key
/// give the same proof.
///
/// # Errors
///
/// [`ProofError::DocumentNotAnObject`], [`ProofError::AlreadySigned`],
/// [`ProofError::WrongKeyAlgorithm`], a [`JsonLdError`](crate::JsonLdError)
/// when the document cannot be canonicalized, or a
/// [`KeyError`](crate::KeyError) if signing fails.
pub fn sign(
    unsigned: &Value,
    options: &ProofOptions,
    key: &PrivateKey,
    store: &ContextStore,
) -> Result<Value, Error> {
    let Value::Object(document) = unsigned else {
        return Err(ProofError::DocumentNotAnObject.into());
    };
    if document.contains_key("proof") {
        return Err(ProofError::AlreadySigned.into());
    }
    options.suite.check_key(key.algorithm())?;
    let suite = suites::for_suite(options.suite);
    let (mut proof, config) = suite.sign_config(options, document);
    let proof_canonical = suite.canonicalize(&config, store)?;
    let document_canonical = suite.canonicalize(unsigned, store)?;
    let signature =
        suite.encode_signature(&hash_data(&proof_canonical, &document_canonical), key)?;
    proof.insert(options.suite.signature_member().to_owned(), signature);
    let mut signed = document.clone();
    signed.insert("proof".to_owned(), Value::Object(proof));
    Ok(Value::Object(signed))
}
