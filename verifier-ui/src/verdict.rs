//! The verdict as the engine sends it (`verifier-wasm`'s `Verdict`, snake
//! case), read leniently: every member the UI does not need is optional and
//! unknown members are ignored, so the engine can grow the shape (new
//! fields, `rules`, new reason codes) without breaking the app.

use serde::Deserialize;

/// One verdict, as the worker posts it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Verdict {
    /// `valid`, `invalid`, `revoked`, ... (see [`Status`]).
    pub status: String,
    /// Revocation could not be (reliably) checked.
    pub revocation_unknown: bool,
    /// The trust list is past its next update.
    pub trust_list_stale: bool,
    /// Why, most important first.
    pub reasons: Vec<Reason>,
    /// Payload form (`zip`, `base64-zip`, `json`).
    pub format: Option<String>,
    /// Proof suite.
    pub suite: Option<String>,
    /// The issuer as the trust list names it.
    pub issuer: Option<Issuer>,
    /// What may be shown about the holder (only when the signature held).
    pub fields: Option<Fields>,
    /// The verification rules' outcome, when rules are loaded.
    pub rules: Option<Rules>,
}

/// The statuses the engine gives; anything else is shown as invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Every check passed.
    Valid,
    /// Tampered, badly signed.
    Invalid,
    /// Revoked by its issuer.
    Revoked,
    /// Suspended by its issuer.
    Suspended,
    /// Signed by a key no trusted issuer holds.
    UnknownIssuer,
    /// Past its validity.
    Expired,
    /// Not valid yet.
    NotYetValid,
    /// Not a certificate at all.
    NotACertificate,
}

impl Status {
    /// From the wire name; an unknown status is never taken as valid.
    pub fn parse(s: &str) -> Self {
        match s {
            "valid" => Self::Valid,
            "revoked" => Self::Revoked,
            "suspended" => Self::Suspended,
            "unknown_issuer" => Self::UnknownIssuer,
            "expired" => Self::Expired,
            "not_yet_valid" => Self::NotYetValid,
            "not_a_certificate" => Self::NotACertificate,
            _ => Self::Invalid,
        }
    }

    /// The wire name (also the CSS modifier and `data-status`).
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

/// A machine-readable reason with the engine's English message.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Reason {
    /// Stable code, e.g. `signature_invalid`.
    pub code: String,
    /// English detail: shown when the code is one this app does not know.
    pub message: String,
}

/// The issuer, from the trust list.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Issuer {
    /// DID or URL.
    pub id: String,
    /// Display name.
    pub name: String,
    /// ISO 3166 code.
    pub country: String,
}

/// The display fields. Empty strings mean "not given".
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Fields {
    /// Full name.
    pub name: String,
    /// Age in years.
    pub age: Option<String>,
    /// Date of birth.
    pub dob: Option<String>,
    /// Gender as recorded.
    pub gender: String,
    /// Nationality.
    pub nationality: Option<String>,
    /// Vaccine name.
    pub vaccine: String,
    /// Manufacturer.
    pub manufacturer: String,
    /// Batch.
    pub batch: Option<String>,
    /// Dose number.
    pub dose: String,
    /// Doses in the schedule.
    pub total_doses: String,
    /// Date of the dose.
    pub date: String,
    /// Where.
    pub facility: String,
    /// Certificate id.
    pub certificate_id: String,
    /// The credential's own expiry.
    pub valid_until: Option<String>,
    /// "Protection from", as the issuer states it (information only).
    pub effective_start: Option<String>,
    /// "Protection until", as the issuer states it (information only).
    pub effective_until: Option<String>,
    /// Field names whose role the signature does not bind.
    pub unbound: Vec<String>,
}

impl Fields {
    /// Whether the signature leaves this field's role unbound.
    pub fn is_unbound(&self, field: &str) -> bool {
        self.unbound.iter().any(|f| f == field)
    }
}

/// The verification rules' outcome.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Rules {
    /// `passed` or `not_met`.
    pub status: String,
    /// The rules not met.
    pub failed: Vec<FailedRule>,
}

/// One rule not met.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct FailedRule {
    /// The rule's id.
    pub id: String,
    /// Its description, from the signed rules list.
    pub text: String,
}

impl Verdict {
    /// The status, parsed.
    pub fn status(&self) -> Status {
        Status::parse(&self.status)
    }

    /// The fields, only when the verdict is valid: nothing personal is
    /// shown for any other status.
    pub fn shown_fields(&self) -> Option<&Fields> {
        match self.status() {
            Status::Valid => self.fields.as_ref(),
            _ => None,
        }
    }
}
