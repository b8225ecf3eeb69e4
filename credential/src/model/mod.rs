//! The credential model: DIVOC vaccination credentials (context v1 and v2)
//! as typed Rust values, built from a DIVOC `CertificationRequest` and read
//! back from a signed document for display.
//!
//! The signature is always checked on the JSON document itself, never on a
//! re-serialization of these types: they are a typed *view*. Credentials of
//! other types stay `serde_json::Value` and still verify.
//!
//! Real certificates disagree on a few field types (`postalCode` a number or
//! a string, `age` a string, `dose` a number or `""`, `nonTransferable` the
//! string `"true"`); [`Lenient`] keeps whichever form the document used so a
//! credential built here looks exactly like DIVOC's.

mod health;
mod lenient;
mod request;
mod vaccination;

use thiserror::Error;

pub use health::{CREDENTIALS_V2, HEALTHCERTS_CONTEXT, vaccination_certificate};
pub use lenient::Lenient;
pub use request::{
    CertificationRequest, Recipient, RequestAddress, RequestFacility, Vaccination, Vaccinator,
};
pub use vaccination::{
    ContextVersion, CredentialAddress, Evidence, Facility, IssuanceProfile, Person,
    VaccinationCredential, VaccineCoding, Verifier, is_absolute_iri,
};

/// Why a credential or request does not fit the model.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ModelError {
    /// The JSON does not have the shape of the expected type.
    #[error("{what} is malformed: {reason}")]
    Malformed {
        /// What was being read (e.g. "vaccination credential").
        what: &'static str,
        /// serde's description, with the path where it went wrong.
        reason: String,
    },
    /// The document is not a DIVOC vaccination credential.
    #[error("not a vaccination credential: {reason}")]
    NotVaccinationCredential {
        /// Which expectation failed.
        reason: &'static str,
    },
    /// A required field is missing or empty.
    #[error("missing field {field}")]
    MissingField {
        /// The field, as a JSON path.
        field: &'static str,
    },
    /// A field's value is outside what the model accepts.
    #[error("invalid {field}: {reason}")]
    InvalidField {
        /// The field, as a JSON path.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}
