//! The registry's error type and its typed error codes.
//!
//! [`Error`] is what the core returns. A client error carries an
//! [`ErrorCode`] (which fixes the HTTP status) and a message saying
//! precisely what was wrong; server errors keep their details for the log
//! and answer a generic message (`http::AppError`).

use axum::http::StatusCode;
use serde::Serialize;
use service_core::seal::SealError;
use thiserror::Error;
use utoipa::ToSchema;

/// Every code a client error carries, with its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// No bearer token, or one that is unknown, expired or revoked (401).
    Unauthenticated,
    /// The caller's role does not allow this (403).
    Forbidden,
    /// No such issuer, key, profile, token or list (404).
    NotFound,
    /// An issuer id, slug or DID is already registered (409).
    IssuerExists,
    /// The issuer already has a key with this id (409).
    KeyExists,
    /// The key's state does not allow this (a compromised key cannot be
    /// retired or re-dated) (409).
    KeyState,
    /// An anchor rotation step out of order (409).
    AnchorState,
    /// A field of the request is not acceptable (422).
    InvalidField,
    /// An extra context document is not a JSON-LD 1.1 context (422).
    InvalidContext,
    /// A context URL is registered by another issuer with another document (409).
    ContextConflict,
    /// A validity window ends before it begins (422).
    InvalidWindow,
    /// The issuer has no DID, under which imported keys are registered (409).
    IssuerHasNoDid,
    /// An import names a DID that is not the issuer's (422).
    DidMismatch,
    /// Two rules of a rules list have the same id (422).
    DuplicateRuleId,
    /// A token label reserved for the bootstrap token (422).
    ReservedLabel,
    /// The key the body names is not one of the issuer's (422; the issuer,
    /// the resource the URI names, exists).
    UnknownKey,
    /// A public key could not be read or is not usable (422).
    InvalidKey,
    /// A rules list could not be built from the request (422).
    InvalidRules,
    /// An issuer event is not one the registry takes (422).
    InvalidEvent,
    /// A `did:web` document or key listing could not be used (422).
    InvalidDocument,
    /// The `did:web` document or key listing named in the request could not
    /// be fetched (unreachable, not 2xx) (422: the request names a source
    /// the registry cannot use; the message says why; retry when it is up).
    FetchFailed,
    /// An event's `X-JWS-Signature` is missing or malformed (401).
    SignatureMissing,
    /// An event is signed by a key no registered issuer holds (401).
    UnknownSigningKey,
    /// An event's signature does not verify, or its key may not sign now (401).
    BadSignature,
    /// An event speaks for another issuer than its signer or token (403).
    IssuerMismatch,
    /// An event names an issuer the registry does not know (403).
    IssuerNotRegistered,
    /// Too many requests for this caller (429).
    RateLimited,
    /// A server-side failure (500).
    Internal,
}

impl ErrorCode {
    /// The wire code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::IssuerExists => "issuer_exists",
            Self::KeyExists => "key_exists",
            Self::KeyState => "key_state",
            Self::AnchorState => "anchor_state",
            Self::InvalidField => "invalid_field",
            Self::InvalidContext => "invalid_context",
            Self::ContextConflict => "context_conflict",
            Self::InvalidWindow => "invalid_window",
            Self::IssuerHasNoDid => "issuer_has_no_did",
            Self::DidMismatch => "did_mismatch",
            Self::DuplicateRuleId => "duplicate_rule_id",
            Self::ReservedLabel => "reserved_label",
            Self::UnknownKey => "unknown_key",
            Self::InvalidKey => "invalid_key",
            Self::InvalidRules => "invalid_rules",
            Self::InvalidEvent => "invalid_event",
            Self::InvalidDocument => "invalid_document",
            Self::FetchFailed => "fetch_failed",
            Self::SignatureMissing => "signature_missing",
            Self::UnknownSigningKey => "unknown_signing_key",
            Self::BadSignature => "bad_signature",
            Self::IssuerMismatch => "issuer_mismatch",
            Self::IssuerNotRegistered => "issuer_not_registered",
            Self::RateLimited => "rate_limited",
            Self::Internal => "internal",
        }
    }

    /// The HTTP status this code answers with.
    pub fn status(self) -> StatusCode {
        match self {
            Self::Unauthenticated
            | Self::SignatureMissing
            | Self::UnknownSigningKey
            | Self::BadSignature => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::IssuerMismatch | Self::IssuerNotRegistered => {
                StatusCode::FORBIDDEN
            }
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::IssuerExists
            | Self::KeyExists
            | Self::KeyState
            | Self::AnchorState
            | Self::ContextConflict
            | Self::IssuerHasNoDid => StatusCode::CONFLICT,
            Self::InvalidField
            | Self::InvalidContext
            | Self::InvalidWindow
            | Self::DidMismatch
            | Self::DuplicateRuleId
            | Self::ReservedLabel
            | Self::UnknownKey
            | Self::FetchFailed
            | Self::InvalidKey
            | Self::InvalidRules
            | Self::InvalidEvent
            | Self::InvalidDocument => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// Everything that can go wrong in the registry.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The caller's mistake: a code and what exactly was wrong.
    #[error("{message}")]
    Client {
        /// Stable code.
        code: ErrorCode,
        /// For a person.
        message: String,
    },
    /// The configuration is invalid.
    #[error("configuration: {0}")]
    Config(String),
    /// Keys could not be sealed, unsealed or made.
    #[error("keys: {0}")]
    Seal(#[from] SealError),
    /// The credential library refused to build or sign a list.
    #[error("credential: {0}")]
    Credential(#[from] credential::Error),
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
    /// A client error.
    pub fn client(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Client {
            code,
            message: message.into(),
        }
    }

    /// A 422 about one field.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::client(ErrorCode::InvalidField, message)
    }

    /// A 404.
    pub fn not_found(what: &str, id: &str) -> Self {
        let id: String = id.chars().take(200).collect();
        Self::client(ErrorCode::NotFound, format!("{what} {id:?} not found"))
    }

    /// The code this error answers with.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Client { code, .. } => *code,
            _ => ErrorCode::Internal,
        }
    }
}

impl From<service_core::RandomError> for Error {
    fn from(e: service_core::RandomError) -> Self {
        Self::Seal(SealError::Random(e))
    }
}

impl From<credential::KeyError> for Error {
    fn from(e: credential::KeyError) -> Self {
        Self::Credential(e.into())
    }
}
