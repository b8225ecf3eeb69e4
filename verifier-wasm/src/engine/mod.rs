//! The verification engine: payload bytes + trust + revocations + clock ->
//! one [`Verdict`].
//!
//! Checks run cheapest and most decisive first: payload, credential shape,
//! proof, key lookup, issuer, signature (with strict JSON-LD: a term no
//! context defines is refused, as it is not covered by the signature), the
//! key's validity at issuance, revocation, then the validity dates. Display
//! fields are filled in only once the signature has checked out.

mod dates;
mod verdict;

use credential::{
    CertificateRef, ContextStore, Error as CredentialError, JsonLdError, KeyUseViolation,
    PayloadError, Proof, ProofError, PublicKey, RevocationStatus, RevocationStore, RulesList,
    TrustList, VaccinationCredential,
};
use jiff::Timestamp;
use serde_json::Value;

pub use verdict::{DisplayFields, IssuerInfo, Reason, ReasonCode, Status, Verdict};

use crate::Error;
use dates::Edge;

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
        let credential_issuer = CertificateRef::from_document(document).issuer;
        let Some(resolved) = self.resolve(kid, &credential_issuer) else {
            verdict.fail(
                Status::UnknownIssuer,
                ReasonCode::KeyUnknown,
                format!("no trusted issuer holds the key {kid:?}"),
            );
            return self.flag_stale_trust(verdict, now);
        };
        if let Some(issuer) = &resolved.issuer
            && issuer.id != credential_issuer
        {
            verdict.fail(
                Status::Invalid,
                ReasonCode::IssuerMismatch,
                format!(
                    "key {kid:?} belongs to {:?}, but the credential names {credential_issuer:?}",
                    issuer.id
                ),
            );
            return verdict;
        }
        if let Err(e) = credential::verify(document, resolved.key, &self.contexts) {
            verdict.fail(Status::Invalid, verify_reason(&e), e.to_string());
            return verdict;
        }
        // The signature checked out: from here on the content is the issuer's.
        verdict.issuer = resolved.issuer.or_else(|| {
            Some(IssuerInfo {
                id: credential_issuer.clone(),
                name: credential_issuer.clone(),
                country: String::new(),
            })
        });
        verdict.fields = Some(display_fields(document));

        let issued = document
            .get("validFrom")
            .or_else(|| document.get("issuanceDate"))
            .and_then(Value::as_str);
        let issued = match issued.map(|t| (t, dates::parse(t, Edge::Start))) {
            Some((_, Some(t))) => Some(t),
            Some((text, None)) => {
                verdict.fail(
                    Status::Invalid,
                    ReasonCode::DateInvalid,
                    format!("issuance date {text:?} is not a date"),
                );
                return verdict;
            }
            None => None,
        };
        if let (Some(trusted), Some(issued)) = (resolved.trusted, issued)
            && let Err(violation) = trusted.check_signing_time(issued)
        {
            {
                let (code, message) = match violation {
                    KeyUseViolation::BeforeValidity { valid_from } => (
                        ReasonCode::KeyNotYetValid,
                        format!("issued {issued}, before key {kid:?} was valid ({valid_from})"),
                    ),
                    KeyUseViolation::AfterValidity { valid_until } => (
                        ReasonCode::KeyExpired,
                        format!("issued {issued}, after key {kid:?} expired ({valid_until})"),
                    ),
                    KeyUseViolation::AfterCompromise { since } => (
                        ReasonCode::KeyCompromised,
                        format!("issued {issued}, after key {kid:?} was compromised ({since})"),
                    ),
                };
                verdict.fail(Status::Invalid, code, message);
                return verdict;
            }
        }

        self.check_revocation(&mut verdict, document, now);
        if verdict.status == Status::Valid {
            check_dates(&mut verdict, document, issued, now);
        }
        let verdict = self.flag_stale_trust(verdict, now);
        self.evaluate_rules(verdict, now)
    }

    /// After the verdict, and only for a valid certificate: the loaded
    /// profile's rules over the verdict's facts. The status is left as it is.
    fn evaluate_rules(&self, mut verdict: Verdict, now: Timestamp) -> Verdict {
        if let (Some(rules), Status::Valid, Some(fields)) =
            (&self.rules, verdict.status, &verdict.fields)
        {
            let facts = crate::rules::Facts {
                dose: fields.dose.trim().parse().ok(),
                total_doses: fields.total_doses.trim().parse().ok(),
                vaccination_date: crate::rules::parse_day(&fields.date),
                vaccines: [&fields.vaccine]
                    .into_iter()
                    .filter(|v| !v.trim().is_empty())
                    .cloned()
                    .collect(),
                birth_date: fields.dob.as_deref().and_then(crate::rules::parse_day),
                age: fields.age.as_deref().and_then(|a| a.trim().parse().ok()),
            };
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

    fn check_revocation(&self, verdict: &mut Verdict, document: &Value, now: Timestamp) {
        let cert = CertificateRef::from_document(document);
        match self.revocations.check(&cert, now) {
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
                        cert.issuer
                    ),
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

fn is_credential(document: &Value) -> bool {
    let has_context = document.get("@context").is_some();
    let is_vc = match document.get("type") {
        Some(Value::Array(types)) => types.iter().any(|t| t == "VerifiableCredential"),
        Some(Value::String(t)) => t == "VerifiableCredential",
        _ => false,
    };
    has_context && is_vc
}

fn check_dates(verdict: &mut Verdict, document: &Value, issued: Option<Timestamp>, now: Timestamp) {
    let evidence = document.pointer("/evidence/0");
    let text = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let starts = [
        ("issuance date", issued.map(|t| t.to_string())),
        (
            "effectiveStart",
            text(evidence.and_then(|e| e.get("effectiveStart"))),
        ),
    ];
    let ends = [
        ("validUntil", text(document.get("validUntil"))),
        ("expirationDate", text(document.get("expirationDate"))),
        (
            "effectiveUntil",
            text(evidence.and_then(|e| e.get("effectiveUntil"))),
        ),
    ];
    for (name, value) in ends {
        let Some(value) = value else { continue };
        match dates::parse(&value, Edge::End) {
            Some(end) if dates::after(now, end) => {
                verdict.fail(
                    Status::Expired,
                    ReasonCode::Expired,
                    format!("{name} {value} has passed"),
                );
                return;
            }
            Some(_) => {}
            None => {
                verdict.fail(
                    Status::Invalid,
                    ReasonCode::DateInvalid,
                    format!("{name} {value:?} is not a date"),
                );
                return;
            }
        }
    }
    for (name, value) in starts {
        let Some(value) = value else { continue };
        match dates::parse(&value, Edge::Start) {
            Some(start) if dates::before(now, start) => {
                verdict.fail(
                    Status::NotYetValid,
                    ReasonCode::NotYetValid,
                    format!("{name} {value} is in the future"),
                );
                return;
            }
            Some(_) => {}
            None => {
                verdict.fail(
                    Status::Invalid,
                    ReasonCode::DateInvalid,
                    format!("{name} {value:?} is not a date"),
                );
                return;
            }
        }
    }
}

fn display_fields(document: &Value) -> DisplayFields {
    if let Ok(c) = VaccinationCredential::from_document(document) {
        let s = &c.credential_subject;
        let e = c.vaccination().cloned().unwrap_or_default();
        let non_empty = |v: &str| (!v.is_empty()).then(|| v.to_owned());
        return DisplayFields {
            name: s.name.clone(),
            age: s
                .age
                .as_ref()
                .map(|a| a.as_text())
                .filter(|a| !a.is_empty()),
            dob: s.dob.clone().filter(|d| !d.is_empty()),
            gender: s.gender.clone(),
            vaccine: e.vaccine.clone(),
            manufacturer: e.manufacturer.clone(),
            dose: e.dose.as_text(),
            total_doses: e.total_doses.as_text(),
            date: e.date.clone(),
            facility: [e.facility.name.clone(), e.facility.address.one_line()]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(", "),
            certificate_id: e.certificate_id.clone().unwrap_or_default(),
            valid_until: non_empty(&e.effective_until),
        };
    }
    // Any other credential: what a generic subject offers.
    let subject = document.get("credentialSubject");
    let get = |k: &str| {
        subject
            .and_then(|s| s.get(k))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    DisplayFields {
        name: get("name"),
        gender: get("gender"),
        dob: subject
            .and_then(|s| s.get("birthDate"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        certificate_id: document
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        valid_until: document
            .get("validUntil")
            .and_then(Value::as_str)
            .map(str::to_owned),
        ..DisplayFields::default()
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
        CredentialError::JsonLd(JsonLdError::UndefinedProperty { .. }) => ReasonCode::UndefinedTerm,
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
