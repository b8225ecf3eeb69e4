//! The one verdict model the CLI, the wasm API and the UI share.

use serde::Serialize;

/// The outcome of a verification. Only [`Status::Valid`] means "trust it";
/// flags on the [`Verdict`] say what could not be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Every check passed.
    Valid,
    /// Tampered, badly signed, or signed by a key that could not sign it.
    Invalid,
    /// Revoked by its issuer.
    Revoked,
    /// Suspended by its issuer until a date.
    Suspended,
    /// Signed by a key no trusted issuer holds.
    UnknownIssuer,
    /// Past its validity.
    Expired,
    /// Not valid yet.
    NotYetValid,
    /// The scanned bytes are not a certificate this verifier understands.
    NotACertificate,
}

impl Status {
    /// The wire name (`not_a_certificate`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Invalid => "invalid",
            Self::Revoked => "revoked",
            Self::Suspended => "suspended",
            Self::UnknownIssuer => "unknown_issuer",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::NotACertificate => "not_a_certificate",
        }
    }
}

/// A machine-readable reason. The UI translates codes; `message` is English
/// detail for logs, the CLI and bug reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// Stable code, e.g. `signature_invalid`.
    pub code: ReasonCode,
    /// English message with the facts.
    pub message: String,
}

/// Every reason code the engine gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReasonCode {
    /// The payload is not a ZIP, base64 ZIP or JSON certificate.
    PayloadUnrecognized,
    /// The payload is a ZIP archive that could not be read.
    PayloadZipInvalid,
    /// The payload is over a size or ratio limit (e.g. a zip bomb).
    PayloadTooLarge,
    /// The payload is in a format not supported yet (EU DCC, SMART Health Card).
    PayloadUnsupportedFormat,
    /// The payload's JSON is malformed or not an object.
    PayloadNotJson,
    /// The JSON is not a verifiable credential.
    NotACredential,
    /// The credential has no proof.
    ProofMissing,
    /// The proof is malformed or uses an unsupported form.
    ProofMalformed,
    /// The proof suite is not supported.
    ProofSuiteUnsupported,
    /// The credential uses a term no context defines: unsigned data.
    UndefinedTerm,
    /// The credential is not JSON-LD this verifier can canonicalize.
    JsonLdInvalid,
    /// The document defines terms itself (an inline `@context`) or names a
    /// context the verifier does not hold.
    ContextUntrusted,
    /// Part of the document would not be covered by the signature (a
    /// relative id, a `null`, a value outside any property).
    DataNotSigned,
    /// The signed data says several things where one is needed (two
    /// issuers, two names, two vaccinations).
    ContentAmbiguous,
    /// The signature does not match the credential.
    SignatureInvalid,
    /// The key named by the proof is of the wrong type for its suite.
    KeyAlgorithmMismatch,
    /// No trusted issuer holds the key the proof names.
    KeyUnknown,
    /// The key belongs to a different issuer than the credential names.
    IssuerMismatch,
    /// The credential was issued before the key's validity.
    KeyNotYetValid,
    /// The credential was issued after the key's validity ended.
    KeyExpired,
    /// The credential was issued after its key was compromised.
    KeyCompromised,
    /// A date in the credential could not be read.
    DateInvalid,
    /// The credential's validity has ended.
    Expired,
    /// The credential is not valid yet.
    NotYetValid,
    /// The issuer revoked the credential.
    Revoked,
    /// The issuer suspended the credential.
    Suspended,
    /// No revocation data for this issuer: revocation not checked.
    RevocationUnknown,
    /// The issuer's revocation data is held, but the certificate carries no
    /// id or status entry to look up (revocation not checked).
    CertificateIdMissing,
    /// The revocation data is past its next-update time.
    RevocationListStale,
    /// The trust list is past its next-update time.
    TrustListStale,
}

/// Who issued it, as the trust list names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuerInfo {
    /// The issuer's id (DID or URL).
    pub id: String,
    /// Display name.
    pub name: String,
    /// ISO 3166 country code (empty when unknown).
    pub country: String,
}

/// What a verifier shows about the holder and the vaccination. Only filled
/// in when the signature checked out, so nothing unsigned is ever shown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DisplayFields {
    /// Full name.
    pub name: String,
    /// Age in years, if the credential gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age: Option<String>,
    /// Date of birth, if the credential gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dob: Option<String>,
    /// Gender as recorded.
    pub gender: String,
    /// Nationality, if the credential gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    /// Vaccine name (see `unbound`).
    pub vaccine: String,
    /// Manufacturer (see `unbound`).
    pub manufacturer: String,
    /// Batch (lot) number, if given (see `unbound`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    /// Dose number.
    pub dose: String,
    /// Doses in the schedule.
    pub total_doses: String,
    /// Date of the dose.
    pub date: String,
    /// First day of protection, as the issuer states it (DIVOC's
    /// `effectiveStart`): information, not the certificate's validity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_start: Option<String>,
    /// Last day of protection, as the issuer states it (DIVOC's
    /// `effectiveUntil`): information, not the certificate's validity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_until: Option<String>,
    /// Where.
    pub facility: String,
    /// Certificate id (see `unbound`).
    pub certificate_id: String,
    /// The certificate's own expiry (`validUntil` or `expirationDate`), if
    /// it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// Every identifier the issuer signed for the vaccination (certificate
    /// id, batch, vaccine, manufacturer, ICD-11 code), sorted: what the
    /// signature covers when it does not bind which is which.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signed_values: Vec<String>,
    /// Fields above whose role the signature does not bind (values that
    /// share one IRI in the credential's context): show them as the
    /// issuer's values, without claiming which is which.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unbound: Vec<&'static str>,
}

/// One verdict with its reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The outcome.
    pub status: Status,
    /// No revocation data for the issuer (or it is stale): revocation was
    /// not (reliably) checked.
    pub revocation_unknown: bool,
    /// The trust list is past its next-update time.
    pub trust_list_stale: bool,
    /// Why, in order of importance; empty only for a fully checked valid one.
    pub reasons: Vec<Reason>,
    /// Payload form: `zip`, `zip-latin1`, `base64-zip`, `json`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<&'static str>,
    /// Proof suite, e.g. `Ed25519Signature2018` or `eddsa-rdfc-2022`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suite: Option<String>,
    /// The issuer, as the trust list names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<IssuerInfo>,
    /// Display fields, when the signature checked out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<DisplayFields>,
    /// The verifier profile's rules, evaluated when rules are loaded and the
    /// certificate is valid; they never change `status`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules: Option<crate::rules::RulesOutcome>,
}

impl Verdict {
    pub(crate) fn new(status: Status) -> Self {
        Self {
            status,
            revocation_unknown: false,
            trust_list_stale: false,
            reasons: Vec::new(),
            format: None,
            suite: None,
            issuer: None,
            fields: None,
            rules: None,
        }
    }

    /// A verdict for bytes that are not a certificate at all.
    pub fn not_a_certificate(code: ReasonCode, message: impl Into<String>) -> Self {
        Self::new(Status::NotACertificate).with_reason(code, message)
    }

    pub(crate) fn with_reason(mut self, code: ReasonCode, message: impl Into<String>) -> Self {
        self.reasons.push(Reason {
            code,
            message: message.into(),
        });
        self
    }

    /// Add a flag's reason (after the reasons that decided the status).
    pub(crate) fn push(&mut self, code: ReasonCode, message: impl Into<String>) {
        self.reasons.push(Reason {
            code,
            message: message.into(),
        });
    }

    /// Set the status and put the reason that decided it first.
    pub(crate) fn fail(&mut self, status: Status, code: ReasonCode, message: impl Into<String>) {
        self.status = status;
        self.reasons.insert(
            0,
            Reason {
                code,
                message: message.into(),
            },
        );
    }

    /// True only when the status is valid.
    pub fn is_valid(&self) -> bool {
        self.status == Status::Valid
    }
}
