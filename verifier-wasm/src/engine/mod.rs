//! The verification engine: payload bytes + trust + revocations + clock ->
//! one [`Verdict`].
//!
//! Checks run cheapest and most decisive first: payload, credential shape,
//! proof, key lookup, signature (in strict and safe JSON-LD: a term no
//! context defines, and anything that would drop out of the graph, is
//! refused, as it is not covered by the signature), then, on the verified
//! credential only: issuer against the key's owner, the key's validity at
//! issuance, revocation, the validity dates.
//!
//! # What is decided on
//!
//! The RDF suites sign the credential's graph, not its JSON, so after the
//! signature check the engine reads nothing from the JSON: issuer, ids,
//! status entries, dates and display fields come from
//! [`credential::CredentialView`], read from the signed graph (its module
//! docs say which DIVOC fields the signature binds, and how values that
//! share an IRI are handled). A revocation check looks up every id the
//! certificate could be listed under; when the issuer's revocation data is
//! held but the certificate offers nothing to look up, the verdict carries
//! `revocation_unknown`. The certificate's validity is its own
//! (`expirationDate`, `validFrom`/`validUntil`) and its key's; DIVOC's
//! `effectiveStart`/`effectiveUntil` are shown as the protection period
//! (`checks.rs`).

mod checks;
mod dates;
mod display;
mod facts;
mod verdict;

use credential::{
    CertificateRef, ContextStore, CredentialView, Error as CredentialError, JsonLdError,
    PayloadError, Proof, ProofError, PublicKey, RevocationStatus, RevocationStore, RulesList,
    TrustList,
};
use jiff::Timestamp;
use serde_json::Value;

pub use verdict::{DisplayFields, IssuerInfo, Reason, ReasonCode, Status, Verdict};

use crate::Error;

/// A key trusted directly, without a trust list (as DIVOC's verifier pins
/// one key): any issuer, revocation only if a list is loaded.
#[derive(Debug, Clone)]
pub struct PinnedKey {
    /// The key id credentials name in `verificationMethod`.
    pub kid: String,
    /// The public key.
    pub key: PublicKey,
}

#[derive(Debug, Clone)]
enum Trust {
    List(Box<TrustList>),
    Pinned(Vec<PinnedKey>),
}

/// A verifier: what it trusts, what it knows is revoked.
#[derive(Debug, Clone)]
pub struct Verifier {
    trust: Trust,
    anchors: Vec<PublicKey>,
    /// Anchor hand-overs followed and not yet completed: (predecessor,
    /// successor). See [`Verifier::update_trust_list`].
    handovers: Vec<(PublicKey, PublicKey)>,
    contexts: ContextStore,
    revocations: RevocationStore,
    rules: Option<RulesList>,
}

/// The key a proof resolved to, and the issuer behind it.
struct Resolved<'a> {
    key: &'a PublicKey,
    issuer: Option<IssuerInfo>,
    trusted: Option<&'a credential::TrustedKey>,
}

impl Verifier {
    /// A verifier trusting a signed trust list, checked against the pinned
    /// trust anchors (which also sign revocation lists).
    pub fn with_trust_list(list: &[u8], anchors: Vec<PublicKey>) -> Result<Self, Error> {
        if anchors.is_empty() {
            return Err(Error::NoAnchor);
        }
        let list = TrustList::verify(list, &anchors, None)?;
        let contexts = list.context_store()?;
        let mut verifier = Self {
            trust: Trust::Pinned(Vec::new()),
            anchors,
            handovers: Vec::new(),
            contexts,
            revocations: RevocationStore::new(),
            rules: None,
        };
        verifier.follow_anchor_handover(&list);
        verifier.trust = Trust::List(Box::new(list));
        Ok(verifier)
    }

    /// A verifier trusting exactly these keys. `anchors` may be empty; then
    /// no revocation list can be loaded.
    pub fn with_pinned_keys(keys: Vec<PinnedKey>, anchors: Vec<PublicKey>) -> Self {
        Self {
            trust: Trust::Pinned(keys),
            anchors,
            handovers: Vec::new(),
            contexts: ContextStore::bundled(),
            revocations: RevocationStore::new(),
            rules: None,
        }
    }

    /// Replace the trust list with a newer one (an older one is a rollback).
    ///
    /// Anchor rotation: a list that names a `nextAnchor`, accepted under a
    /// pinned anchor, makes the successor an anchor too (the announcement is
    /// covered by the pinned anchor's signature), so the registry's first
    /// list signed by the successor is accepted; accepting it completes the
    /// hand-over and the predecessor is no longer trusted. Nothing in a
    /// refused list is followed.
    pub fn update_trust_list(&mut self, list: &[u8]) -> Result<(), Error> {
        let held = match &self.trust {
            Trust::List(l) => Some(l.version),
            Trust::Pinned(_) => None,
        };
        let list = TrustList::verify(list, &self.anchors, held)?;
        self.contexts = list.context_store()?;
        self.follow_anchor_handover(&list);
        self.trust = Trust::List(Box::new(list));
        Ok(())
    }

    /// The anchors trusted now: the pinned ones, plus successors announced
    /// in accepted lists, minus predecessors whose hand-over completed (a
    /// verifier that keeps state across restarts stores these).
    pub fn anchors(&self) -> &[PublicKey] {
        &self.anchors
    }

    fn follow_anchor_handover(&mut self, list: &TrustList) {
        if let Some(signer) = &list.signed_by
            && let Some(done) = self.handovers.iter().position(|(_, next)| next == signer)
        {
            let (predecessor, _) = self.handovers.remove(done);
            self.anchors.retain(|a| *a != predecessor);
        }
        if let (Some(signer), Some(next)) = (&list.signed_by, &list.next_anchor)
            && !self.anchors.contains(next)
        {
            self.anchors.push(next.clone());
            self.handovers.push((signer.clone(), next.clone()));
        }
    }

    /// Load the verification rules of a verifier profile: a signed rules
    /// list, checked against the anchors. A list of the profile held that is
    /// older than it is a rollback. Verdicts of valid certificates then carry
    /// the rules' outcome (`Verdict::rules`); rules never change the status.
    pub fn set_rules(&mut self, list: &[u8]) -> Result<(), Error> {
        if self.anchors.is_empty() {
            return Err(Error::NoAnchor);
        }
        let held = self.rules.as_ref().map(|r| (r.profile.as_str(), r.version));
        self.rules = Some(RulesList::verify(list, &self.anchors, held)?);
        Ok(())
    }

    /// The rules list held, if any.
    pub fn rules(&self) -> Option<&RulesList> {
        self.rules.as_ref()
    }

    /// Apply a signed revocation snapshot or delta.
    pub fn load_revocations(&mut self, list: &[u8]) -> Result<(), Error> {
        if self.anchors.is_empty() {
            return Err(Error::NoAnchor);
        }
        self.revocations.apply_signed(list, &self.anchors)?;
        Ok(())
    }

    /// The trust list held, if any.
    pub fn trust_list(&self) -> Option<&TrustList> {
        match &self.trust {
            Trust::List(l) => Some(l),
            Trust::Pinned(_) => None,
        }
    }

    /// The revocation data held.
    pub fn revocations(&self) -> &RevocationStore {
        &self.revocations
    }

    /// Verify scanned bytes (a QR payload, a file's contents) at `now`.
    pub fn verify_payload(&self, bytes: &[u8], now: Timestamp) -> Verdict {
        match credential::decode_payload(bytes) {
            Ok(decoded) => {
                let mut verdict = self.verify_document(&decoded.document, now);
                verdict.format = Some(decoded.format.as_str());
                verdict
            }
            Err(e) => {
                Verdict::new(Status::NotACertificate).with_reason(payload_reason(&e), e.to_string())
            }
        }
    }

    /// Verify a credential document at `now`.
    ///
    /// The JSON is read only to find the proof and the key (which the
    /// signature then vouches for); everything decided and shown after the
    /// signature check comes from the signed graph ([`CredentialView`]).
    pub fn verify_document(&self, document: &Value, now: Timestamp) -> Verdict {
        if !is_credential(document) {
            return Verdict::new(Status::NotACertificate).with_reason(
                ReasonCode::NotACredential,
                "the JSON is not a W3C verifiable credential",
            );
        }
        let proof = match Proof::from_document(document) {
            Ok(proof) => proof,
            Err(e) => {
                let code = match e {
                    ProofError::Missing => ReasonCode::ProofMissing,
                    ProofError::UnsupportedSuite { .. }
                    | ProofError::UnsupportedCryptosuite { .. } => {
                        ReasonCode::ProofSuiteUnsupported
                    }
                    _ => ReasonCode::ProofMalformed,
                };
                return Verdict::new(Status::Invalid).with_reason(code, e.to_string());
            }
        };
        let mut verdict = Verdict::new(Status::Valid);
        verdict.suite = Some(proof.suite().to_string());
        let kid = proof.verification_method();
        // Only a hint, to choose among issuers sharing a key id: the signed
        // graph's issuer is checked against the key's owner below.
        let hint = issuer_hint(document);
        let Some(resolved) = self.resolve(kid, hint) else {
            verdict.fail(
                Status::UnknownIssuer,
                ReasonCode::KeyUnknown,
                format!("no trusted issuer holds the key {kid:?}"),
            );
            return self.flag_stale_trust(verdict, now);
        };
        let verified = match credential::verify(document, resolved.key, &self.contexts) {
            Ok(verified) => verified,
            Err(e) => {
                verdict.fail(Status::Invalid, verify_reason(&e), e.to_string());
                return verdict;
            }
        };
        // The signature checked out: from here on, only the signed graph.
        let credential = match verified.credential() {
            Ok(credential) => credential,
            Err(e) => {
                verdict.fail(Status::Invalid, ReasonCode::ContentAmbiguous, e.to_string());
                return verdict;
            }
        };
        if let Some(issuer) = &resolved.issuer
            && issuer.id != credential.issuer
        {
            verdict.fail(
                Status::Invalid,
                ReasonCode::IssuerMismatch,
                format!(
                    "key {kid:?} belongs to {:?}, but the credential names {:?}",
                    issuer.id, credential.issuer
                ),
            );
            return verdict;
        }
        verdict.issuer = resolved.issuer.or_else(|| {
            Some(IssuerInfo {
                id: credential.issuer.clone(),
                name: credential.issuer.clone(),
                country: String::new(),
            })
        });
        verdict.fields = Some(display::fields(&credential));

        let issued = match checks::issued_at(&credential) {
            Ok(issued) => issued,
            Err((code, message)) => {
                verdict.fail(Status::Invalid, code, message);
                return verdict;
            }
        };
        if let (Some(trusted), Some(issued)) = (resolved.trusted, issued)
            && let Err((code, message)) = checks::key_use(trusted, kid, issued)
        {
            verdict.fail(Status::Invalid, code, message);
            return verdict;
        }

        self.check_revocation(&mut verdict, &credential, now);
        if verdict.status == Status::Valid {
            checks::dates(&mut verdict, &credential, now);
        }
        let verdict = self.flag_stale_trust(verdict, now);
        self.evaluate_rules(verdict, &credential, now)
    }

    /// After the verdict, and only for a valid certificate: the loaded
    /// profile's rules over the verdict's facts. The status is left as it is.
    fn evaluate_rules(
        &self,
        mut verdict: Verdict,
        credential: &CredentialView,
        now: Timestamp,
    ) -> Verdict {
        if let (Some(rules), Status::Valid) = (&self.rules, verdict.status) {
            let facts = facts::of(credential);
            verdict.rules = Some(crate::rules::evaluate(rules, &facts, now));
        }
        verdict
    }

    fn resolve(&self, kid: &str, credential_issuer: &str) -> Option<Resolved<'_>> {
        match &self.trust {
            Trust::List(list) => list
                .find_key_for(kid, credential_issuer)
                .map(|(issuer, key)| Resolved {
                    key: &key.public_key,
                    issuer: Some(IssuerInfo {
                        id: issuer.id.clone(),
                        name: issuer.name.clone(),
                        country: issuer.country.clone(),
                    }),
                    trusted: Some(key),
                }),
            Trust::Pinned(keys) => keys.iter().find(|k| k.kid == kid).map(|k| Resolved {
                key: &k.key,
                issuer: None,
                trusted: None,
            }),
        }
    }

    /// Looks up every id the signed graph gives the certificate (and its
    /// status entries): any revoked means revoked, any suspended suspended.
    /// When the issuer's revocation data is held but the certificate offers
    /// nothing to look up, the result is never plain valid.
    fn check_revocation(&self, verdict: &mut Verdict, credential: &CredentialView, now: Timestamp) {
        let lookups = checks::revocation_lookups(credential);
        let mut status = if lookups.is_empty() {
            self.revocations.check(
                &CertificateRef {
                    issuer: credential.issuer.clone(),
                    certificate_id: None,
                    status_entry: None,
                },
                now,
            )
        } else {
            RevocationStatus::Good
        };
        for cert in &lookups {
            status = checks::worse(status, self.revocations.check(cert, now));
        }
        match status {
            RevocationStatus::Revoked => {
                verdict.fail(
                    Status::Revoked,
                    ReasonCode::Revoked,
                    "the issuer has revoked this certificate",
                );
            }
            RevocationStatus::Suspended { until } => {
                verdict.fail(
                    Status::Suspended,
                    ReasonCode::Suspended,
                    format!("the issuer has suspended this certificate until {until}"),
                );
            }
            RevocationStatus::Unknown => {
                verdict.revocation_unknown = true;
                verdict.push(
                    ReasonCode::RevocationUnknown,
                    format!(
                        "no revocation data for issuer {:?}: revocation not checked",
                        credential.issuer
                    ),
                );
            }
            RevocationStatus::Good if lookups.is_empty() => {
                // Data for the issuer is held, but nothing to look up.
                verdict.revocation_unknown = true;
                verdict.push(
                    ReasonCode::CertificateIdMissing,
                    "the certificate carries no id or status entry to look up: revocation not checked",
                );
            }
            RevocationStatus::Good => {
                if self.revocations.is_stale(now) {
                    verdict.revocation_unknown = true;
                    verdict.push(
                        ReasonCode::RevocationListStale,
                        "the revocation list is past its next update: recent revocations may be missing",
                    );
                }
            }
        }
    }

    fn flag_stale_trust(&self, mut verdict: Verdict, now: Timestamp) -> Verdict {
        if let Trust::List(list) = &self.trust
            && list.is_stale(now)
        {
            {
                verdict.trust_list_stale = true;
                verdict.push(
                    ReasonCode::TrustListStale,
                    format!(
                        "the trust list (version {}) was due for update at {}",
                        list.version, list.next_update
                    ),
                );
            }
        }
        verdict
    }
}

/// A quick look at the JSON, to tell "not a credential at all" (any other
/// JSON a QR code may hold) from a credential that fails its checks. Both
/// spellings of the type key count; the signed graph decides the rest.
fn is_credential(document: &Value) -> bool {
    let has_context = document.get("@context").is_some();
    let names_vc = |types: Option<&Value>| match types {
        Some(Value::Array(types)) => types.iter().any(|t| t == "VerifiableCredential"),
        Some(Value::String(t)) => t == "VerifiableCredential",
        _ => false,
    };
    has_context && (names_vc(document.get("type")) || names_vc(document.get("@type")))
}

/// The JSON's issuer, as a hint for choosing among issuers that share a
/// key id (only the signed graph's issuer is trusted).
fn issuer_hint(document: &Value) -> &str {
    match document.get("issuer") {
        Some(Value::String(s)) => s,
        Some(Value::Object(o)) => o.get("id").and_then(Value::as_str).unwrap_or_default(),
        _ => "",
    }
}

fn payload_reason(e: &PayloadError) -> ReasonCode {
    match e {
        PayloadError::Empty | PayloadError::NotZipOrJson { .. } => ReasonCode::PayloadUnrecognized,
        PayloadError::TooLarge { .. }
        | PayloadError::DeclaredTooLarge { .. }
        | PayloadError::InflatesPastLimit { .. }
        | PayloadError::RatioExceeded { .. } => ReasonCode::PayloadTooLarge,
        PayloadError::UnsupportedFormat { .. } => ReasonCode::PayloadUnsupportedFormat,
        PayloadError::NotJson { .. } | PayloadError::NotAnObject { .. } => {
            ReasonCode::PayloadNotJson
        }
        _ => ReasonCode::PayloadZipInvalid,
    }
}

fn verify_reason(e: &CredentialError) -> ReasonCode {
    match e {
        CredentialError::JsonLd(
            JsonLdError::UndefinedProperty { .. } | JsonLdError::UndefinedType { .. },
        ) => ReasonCode::UndefinedTerm,
        CredentialError::JsonLd(
            JsonLdError::ContextUntrusted { .. } | JsonLdError::UnknownContext { .. },
        ) => ReasonCode::ContextUntrusted,
        CredentialError::JsonLd(JsonLdError::RelativeIri { .. } | JsonLdError::Dropped { .. }) => {
            ReasonCode::DataNotSigned
        }
        CredentialError::JsonLd(_) => ReasonCode::JsonLdInvalid,
        CredentialError::Proof(ProofError::BadSignature) => ReasonCode::SignatureInvalid,
        CredentialError::Proof(ProofError::WrongKeyAlgorithm { .. }) => {
            ReasonCode::KeyAlgorithmMismatch
        }
        CredentialError::Proof(
            ProofError::UnsupportedSuite { .. } | ProofError::UnsupportedCryptosuite { .. },
        ) => ReasonCode::ProofSuiteUnsupported,
        _ => ReasonCode::ProofMalformed,
    }
}
