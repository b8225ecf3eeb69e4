//! Reading a document's `proof` without verifying it.

use serde_json::{Map, Value};

use super::error::excerpt;
use super::{ProofError, Suite};

type Object = Map<String, Value>;

/// A parsed `proof` object: which suite, which key, when, for what.
///
/// [`Proof::from_document`] reads it without checking the signature, so a
/// verifier can find the key (`verification_method`) in its trust list
/// before calling [`verify`](super::verify).
#[derive(Debug, Clone, PartialEq)]
pub struct Proof {
    suite: Suite,
    verification_method: String,
    created: Option<String>,
    proof_purpose: String,
    /// The whole proof object, which the suites hash (minus the signature).
    object: Object,
}

impl Proof {
    /// Reads the document's single proof.
    ///
    /// # Errors
    ///
    /// [`ProofError::DocumentNotAnObject`], [`ProofError::Missing`] (no
    /// `proof`, or an empty array), [`ProofError::MultipleProofs`] (a proof
    /// set), [`ProofError::ProofChain`], [`ProofError::MalformedProof`],
    /// [`ProofError::MissingField`], [`ProofError::UnsupportedSuite`] or
    /// [`ProofError::UnsupportedCryptosuite`].
    pub fn from_document(document: &Value) -> Result<Self, ProofError> {
        let document = document
            .as_object()
            .ok_or(ProofError::DocumentNotAnObject)?;
        let proof = match document.get("proof") {
            None => return Err(ProofError::Missing),
            Some(Value::Array(proofs)) => match proofs.as_slice() {
                [] => return Err(ProofError::Missing),
                [proof] => proof,
                _ => {
                    return Err(ProofError::MultipleProofs {
                        count: proofs.len(),
                    });
                }
            },
            Some(proof) => proof,
        };
        let object = proof.as_object().ok_or(ProofError::MalformedProof {
            reason: "the proof is not a JSON object",
        })?;
        Self::from_object(object)
    }

    fn from_object(object: &Object) -> Result<Self, ProofError> {
        if object.contains_key("previousProof") {
            return Err(ProofError::ProofChain);
        }
        let suite = match required_str(object, "type")? {
            "Ed25519Signature2018" => Suite::Ed25519Signature2018,
            "RsaSignature2018" => Suite::RsaSignature2018,
            "Ed25519Signature2020" => Suite::Ed25519Signature2020,
            "DataIntegrityProof" => match required_str(object, "cryptosuite")? {
                "eddsa-rdfc-2022" => Suite::EddsaRdfc2022,
                "eddsa-jcs-2022" => Suite::EddsaJcs2022,
                other => {
                    return Err(ProofError::UnsupportedCryptosuite {
                        found: excerpt(other),
                    });
                }
            },
            other => {
                return Err(ProofError::UnsupportedSuite {
                    found: excerpt(other),
                });
            }
        };
        // The signature member each suite reads must be present and a
        // string; checked here so that `verify` fails before canonicalizing.
        required_str(object, suite.signature_member())?;
        Ok(Self {
            suite,
            verification_method: required_str(object, "verificationMethod")?.to_owned(),
            created: optional_str(object, "created")?.map(str::to_owned),
            proof_purpose: required_str(object, "proofPurpose")?.to_owned(),
            object: object.clone(),
        })
    }

    /// The proof suite.
    pub fn suite(&self) -> Suite {
        self.suite
    }

    /// The key id (`verificationMethod`), e.g. `did:india` or
    /// `did:web:moh.example#key-1`: what to look up in the trust list.
    pub fn verification_method(&self) -> &str {
        &self.verification_method
    }

    /// `created`, as the proof states it (an XML Schema dateTime), if any.
    pub fn created(&self) -> Option<&str> {
        self.created.as_deref()
    }

    /// `proofPurpose`, e.g. `assertionMethod`.
    pub fn proof_purpose(&self) -> &str {
        &self.proof_purpose
    }

    /// The Data Integrity `cryptosuite`, for `DataIntegrityProof`s.
    pub fn cryptosuite(&self) -> Option<&'static str> {
        self.suite.cryptosuite()
    }

    /// The proof object as it appears in the document.
    pub(super) fn object(&self) -> &Object {
        &self.object
    }
}

fn optional_str<'a>(
    object: &'a Object,
    field: &'static str,
) -> Result<Option<&'a str>, ProofError> {
    match object.get(field) {
        None => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(ProofError::MalformedProof {
            reason: "a proof member that must be a string is not \
                     (type, cryptosuite, verificationMethod, proofPurpose, created, jws, proofValue)",
        }),
    }
}

pub(super) fn required_str<'a>(
    object: &'a Object,
    field: &'static str,
) -> Result<&'a str, ProofError> {
    optional_str(object, field)?.ok_or(ProofError::MissingField { field })
}
