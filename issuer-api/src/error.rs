//! The crate's error type, and its HTTP form.
//!
//! [`Error`] is what the plain-Rust core returns; `http::AppError` wraps it
//! for handlers and turns it into a response. Client errors say precisely what
//! was wrong (a stable `code` and a human `message`); server errors answer a
//! generic message and are logged with their details, which never reach the
//! client.

use axum::http::StatusCode;
use serde::Serialize;
use service_core::seal::SealError;
use thiserror::Error;
use utoipa::ToSchema;

/// Every code a client sees in an error body, with the HTTP status it
/// answers with. The wire form is the snake_case name (`as_str`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// No bearer token, or one that is unknown, expired or revoked (401).
    Unauthenticated,
    /// The caller's role or facility scope does not allow this (403).
    Forbidden,
    /// No such certificate, token, key or programme entry (404).
    NotFound,
    /// The body (or a batch item) is not what the schema says (422).
    InvalidBody,
    /// A certify batch has more items than the service takes (422).
    BatchTooLarge,
    /// Every item of a certify batch was refused; each item says why (422).
    AllItemsRejected,
    /// A certification request the credential library refuses to build (422).
    InvalidRequest,
    /// A required field is missing or blank (422).
    MissingField,
    /// The preEnrollmentCode is too long or has control characters (422).
    InvalidPreEnrollmentCode,
    /// The dose is not a dose number (422).
    InvalidDose,
    /// The recipient's identity is not an absolute IRI (422).
    InvalidIdentity,
    /// The date of birth is not a date, or is in the future (422).
    InvalidDob,
    /// The age is not plausible (422).
    InvalidAge,
    /// A date or date-time is malformed or does not exist (422).
    InvalidDate,
    /// A vaccination date in the future (422).
    DateInFuture,
    /// The request names another programme than the issuer's (422).
    UnknownProgramme,
    /// The vaccine is not one the programme lists (422).
    UnknownVaccine,
    /// The manufacturer is not the vaccine's (422).
    ManufacturerMismatch,
    /// The dose is beyond the vaccine's schedule (422).
    DoseOutOfSchedule,
    /// totalDoses is not the vaccine's schedule (422).
    TotalDosesMismatch,
    /// A dose given sooner after the previous one than the schedule allows (422).
    DoseTooSoon,
    /// A facility the programme does not approve (422).
    UnapprovedFacility,
    /// The facility's details are not the approved facility's (422).
    FacilityMismatch,
    /// The token may not certify for this facility (422).
    FacilityNotInScope,
    /// A vaccinator the programme does not list (422).
    UnknownVaccinator,
    /// The vaccinator is not listed at this facility (422).
    VaccinatorNotAtFacility,
    /// This dose was certified by a facility the caller may not read (422).
    AlreadyCertifiedElsewhere,
    /// A rare clash (an id collision); the same item succeeds when sent again (422).
    Retry,
    /// A correction names another recipient than the certificate (422).
    PreEnrollmentCodeMismatch,
    /// A QR image size outside the allowed range (422).
    InvalidSize,
    /// A PDF language that is not a language tag (422).
    InvalidLang,
    /// A citizen retrieval format the service does not render (422).
    InvalidFormat,
    /// A search without preEnrollmentCode or identity (422).
    MissingQuery,
    /// A revocation or suspension without a reason (422).
    MissingReason,
    /// A reason over 500 characters (422).
    ReasonTooLong,
    /// The name, code or id in the path and in the body differ (422).
    KeyMismatch,
    /// A programme that does not hold together (422).
    InvalidProgramme,
    /// A programme change that changes its id (422).
    ProgrammeIdImmutable,
    /// A key rotation scheduled before now (422).
    RotationInThePast,
    /// A certifier token without facilities (422).
    FacilityScopeRequired,
    /// Facilities given for a role that has no facility scope (422).
    FacilityScopeNotApplicable,
    /// A token label reserved for the bootstrap token (422).
    ReservedLabel,
    /// The certificate is revoked already (409).
    AlreadyRevoked,
    /// Lifting a suspension the certificate does not have (409).
    NotSuspended,
    /// A suspended certificate cannot be corrected (409).
    Suspended,
    /// The certificate was corrected already; correct its replacement (409).
    AlreadyCorrected,
    /// The certificate's chain of corrections is at its limit (409).
    CorrectionLimitReached,
    /// A rotation scheduled before one already scheduled (409).
    RotationOutOfOrder,
    /// `If-Match` names another version than the current one, or is malformed (412).
    VersionMismatch,
    /// A programme change without `If-Match` (428).
    IfMatchRequired,
    /// Too many requests for this token, client or certificate code (429).
    RateLimited,
    /// A server-side failure; the details are in the server's log (500).
    Internal,
    /// Rendering a QR code or PDF failed (500).
    RenderFailed,
    /// A feature this build does not have (501).
    NotImplemented,
    /// The database or the signing key is unavailable (`/readyz`, 503).
    NotReady,
}

impl ErrorCode {
    /// The wire code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::InvalidBody => "invalid_body",
            Self::BatchTooLarge => "batch_too_large",
            Self::AllItemsRejected => "all_items_rejected",
            Self::InvalidRequest => "invalid_request",
            Self::MissingField => "missing_field",
            Self::InvalidPreEnrollmentCode => "invalid_pre_enrollment_code",
            Self::InvalidDose => "invalid_dose",
            Self::InvalidIdentity => "invalid_identity",
            Self::InvalidDob => "invalid_dob",
            Self::InvalidAge => "invalid_age",
            Self::InvalidDate => "invalid_date",
            Self::DateInFuture => "date_in_future",
            Self::UnknownProgramme => "unknown_programme",
            Self::UnknownVaccine => "unknown_vaccine",
            Self::ManufacturerMismatch => "manufacturer_mismatch",
            Self::DoseOutOfSchedule => "dose_out_of_schedule",
            Self::TotalDosesMismatch => "total_doses_mismatch",
            Self::DoseTooSoon => "dose_too_soon",
            Self::UnapprovedFacility => "unapproved_facility",
            Self::FacilityMismatch => "facility_mismatch",
            Self::FacilityNotInScope => "facility_not_in_scope",
            Self::UnknownVaccinator => "unknown_vaccinator",
            Self::VaccinatorNotAtFacility => "vaccinator_not_at_facility",
            Self::AlreadyCertifiedElsewhere => "already_certified_elsewhere",
            Self::Retry => "retry",
            Self::PreEnrollmentCodeMismatch => "pre_enrollment_code_mismatch",
            Self::InvalidSize => "invalid_size",
            Self::InvalidLang => "invalid_lang",
            Self::InvalidFormat => "invalid_format",
            Self::MissingQuery => "missing_query",
            Self::MissingReason => "missing_reason",
            Self::ReasonTooLong => "reason_too_long",
            Self::KeyMismatch => "key_mismatch",
            Self::InvalidProgramme => "invalid_programme",
            Self::ProgrammeIdImmutable => "programme_id_immutable",
            Self::RotationInThePast => "rotation_in_the_past",
            Self::FacilityScopeRequired => "facility_scope_required",
            Self::FacilityScopeNotApplicable => "facility_scope_not_applicable",
            Self::ReservedLabel => "reserved_label",
            Self::AlreadyRevoked => "already_revoked",
            Self::NotSuspended => "not_suspended",
            Self::Suspended => "suspended",
            Self::AlreadyCorrected => "already_corrected",
            Self::CorrectionLimitReached => "correction_limit_reached",
            Self::RotationOutOfOrder => "rotation_out_of_order",
            Self::VersionMismatch => "version_mismatch",
            Self::IfMatchRequired => "if_match_required",
            Self::RateLimited => "rate_limited",
            Self::Internal => "internal",
            Self::RenderFailed => "render_failed",
            Self::NotImplemented => "not_implemented",
            Self::NotReady => "not_ready",
        }
    }

    /// The HTTP status this code answers with.
    pub fn status(self) -> StatusCode {
        match self {
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::InvalidBody
            | Self::BatchTooLarge
            | Self::AllItemsRejected
            | Self::InvalidRequest
            | Self::MissingField
            | Self::InvalidPreEnrollmentCode
            | Self::InvalidDose
            | Self::InvalidIdentity
            | Self::InvalidDob
            | Self::InvalidAge
            | Self::InvalidDate
            | Self::DateInFuture
            | Self::UnknownProgramme
            | Self::UnknownVaccine
            | Self::ManufacturerMismatch
            | Self::DoseOutOfSchedule
            | Self::TotalDosesMismatch
            | Self::DoseTooSoon
            | Self::UnapprovedFacility
            | Self::FacilityMismatch
            | Self::FacilityNotInScope
            | Self::UnknownVaccinator
            | Self::VaccinatorNotAtFacility
            | Self::AlreadyCertifiedElsewhere
            | Self::Retry
            | Self::PreEnrollmentCodeMismatch
            | Self::InvalidSize
            | Self::InvalidLang
            | Self::InvalidFormat
            | Self::MissingQuery
            | Self::MissingReason
            | Self::ReasonTooLong
            | Self::KeyMismatch
            | Self::InvalidProgramme
            | Self::ProgrammeIdImmutable
            | Self::RotationInThePast
            | Self::FacilityScopeRequired
            | Self::FacilityScopeNotApplicable
            | Self::ReservedLabel => StatusCode::UNPROCESSABLE_ENTITY,
            Self::AlreadyRevoked
            | Self::NotSuspended
            | Self::Suspended
            | Self::AlreadyCorrected
            | Self::CorrectionLimitReached
            | Self::RotationOutOfOrder => StatusCode::CONFLICT,
            Self::VersionMismatch => StatusCode::PRECONDITION_FAILED,
            Self::IfMatchRequired => StatusCode::PRECONDITION_REQUIRED,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal | Self::RenderFailed => StatusCode::INTERNAL_SERVER_ERROR,
            Self::NotImplemented => StatusCode::NOT_IMPLEMENTED,
            Self::NotReady => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything that can go wrong in the issuer.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The caller's mistake: a code (which fixes the status) and what
    /// exactly was wrong.
    #[error("{message}")]
    Client {
        /// Stable machine-readable code, e.g. `unknown_vaccine`.
        code: ErrorCode,
        /// What was wrong, for a person.
        message: String,
    },
    /// No bearer token, or one that is unknown, expired or revoked.
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// The caller's role or facility scope does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// No such certificate (or token, or key).
    #[error("{what} {id} not found")]
    NotFound {
        /// What was looked for.
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// Too many requests for this token or certificate code.
    #[error("rate limit exceeded; retry later")]
    RateLimited,
    /// The configuration is invalid.
    #[error("configuration: {0}")]
    Config(String),
    /// The signing keys could not be loaded, decrypted or used.
    #[error("keys: {0}")]
    Keys(String),
    /// The credential library refused to build, sign or encode.
    #[error("credential: {0}")]
    Credential(#[from] credential::Error),
    /// A feature this build does not have yet.
    #[error("{0} is not available in this build")]
    NotImplemented(&'static str),
    /// Rendering a QR code or PDF failed.
    #[error("rendering: {0}")]
    Render(String),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A schema migration failed.
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A file could not be read or written.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// Stored data is not what this version expects.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// A background task failed to complete.
    #[error("task: {0}")]
    Task(String),
}

impl Error {
    /// A client error with its code.
    pub fn client(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Client {
            code,
            message: message.into(),
        }
    }

    /// A not-found error.
    pub fn not_found(what: &'static str, id: impl Into<String>) -> Self {
        Self::NotFound {
            what,
            id: id.into(),
        }
    }

    /// The code this error answers with (which fixes its HTTP status).
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Client { code, .. } => *code,
            Self::Unauthenticated(_) => ErrorCode::Unauthenticated,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::NotFound { .. } => ErrorCode::NotFound,
            Self::RateLimited => ErrorCode::RateLimited,
            Self::NotImplemented(_) => ErrorCode::NotImplemented,
            Self::Render(_) => ErrorCode::RenderFailed,
            Self::Config(_)
            | Self::Keys(_)
            | Self::Credential(_)
            | Self::Database(_)
            | Self::Migration(_)
            | Self::Io(_)
            | Self::Corrupt(_)
            | Self::Task(_) => ErrorCode::Internal,
        }
    }
}

impl From<SealError> for Error {
    fn from(e: SealError) -> Self {
        match e {
            SealError::Io(e) => Self::Io(e),
            SealError::Malformed(what) => Self::Corrupt(format!("encrypted key is {what}")),
            other => Self::Keys(other.to_string()),
        }
    }
}

impl From<service_core::RandomError> for Error {
    fn from(e: service_core::RandomError) -> Self {
        Self::Keys(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_their_wire_names() {
        for code in [
            ErrorCode::InvalidBody,
            ErrorCode::AllItemsRejected,
            ErrorCode::InvalidPreEnrollmentCode,
            ErrorCode::VersionMismatch,
            ErrorCode::IfMatchRequired,
            ErrorCode::NotReady,
        ] {
            assert_eq!(
                serde_json::to_value(code).ok(),
                Some(serde_json::Value::from(code.as_str()))
            );
        }
    }

    #[test]
    fn the_code_fixes_the_status() {
        let status = |e: Error| e.code().status().as_u16();
        assert_eq!(status(Error::client(ErrorCode::UnknownVaccine, "x")), 422);
        assert_eq!(status(Error::client(ErrorCode::AlreadyRevoked, "x")), 409);
        assert_eq!(status(Error::client(ErrorCode::VersionMismatch, "x")), 412);
        assert_eq!(status(Error::client(ErrorCode::IfMatchRequired, "x")), 428);
        assert_eq!(status(Error::not_found("certificate", "C1")), 404);
        assert_eq!(status(Error::Unauthenticated("no token")), 401);
        assert_eq!(status(Error::RateLimited), 429);
        assert_eq!(status(Error::Render("font".into())), 500);
        assert_eq!(status(Error::Corrupt("row".into())), 500);
        assert_eq!(
            Error::Corrupt("row".into()).code(),
            ErrorCode::Internal,
            "server failures answer a generic code"
        );
    }
}
