//! The crate's error type, and its HTTP form.
//!
//! [`Error`] is what the plain-Rust core returns; [`AppError`] wraps it for
//! handlers and turns it into a response. Client errors say precisely what
//! was wrong (a stable `code` and a human `message`); server errors answer a
//! generic message and are logged with their details, which never reach the
//! client.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use service_core::seal::SealError;
use thiserror::Error;

/// Everything that can go wrong in the issuer.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The request is malformed or breaks a programme rule.
    #[error("{message}")]
    Invalid {
        /// Stable machine-readable code, e.g. `unknown_vaccine`.
        code: &'static str,
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
    /// The request conflicts with the current state.
    #[error("{message}")]
    Conflict {
        /// Stable machine-readable code, e.g. `already_revoked`.
        code: &'static str,
        /// What conflicts, for a person.
        message: String,
    },
    /// A conditional request's precondition failed: the resource changed
    /// since the version the caller based its change on (`If-Match`), or a
    /// change came without one.
    #[error("{message}")]
    Precondition {
        /// `version_mismatch` (412) or `if_match_required` (428).
        code: &'static str,
        /// What to do, for a person.
        message: String,
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
    /// An invalid-request error with a code.
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            code,
            message: message.into(),
        }
    }

    /// A conflict with a code.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
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

    /// The HTTP status and stable code for this error.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::Invalid { code, .. } => (StatusCode::UNPROCESSABLE_ENTITY, code),
            Self::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found"),
            Self::Conflict { code, .. } => (StatusCode::CONFLICT, code),
            Self::Precondition { code, .. } if *code == "if_match_required" => {
                (StatusCode::PRECONDITION_REQUIRED, code)
            }
            Self::Precondition { code, .. } => (StatusCode::PRECONDITION_FAILED, code),
            Self::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            Self::NotImplemented(_) => (StatusCode::NOT_IMPLEMENTED, "not_implemented"),
            Self::Render(_) => (StatusCode::INTERNAL_SERVER_ERROR, "render_failed"),
            Self::Config(_)
            | Self::Keys(_)
            | Self::Credential(_)
            | Self::Database(_)
            | Self::Migration(_)
            | Self::Io(_)
            | Self::Corrupt(_)
            | Self::Task(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

pub use service_core::http::{ErrorBody, ErrorDetail, error_response};

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

/// An [`Error`] on its way out of a handler.
#[derive(Debug)]
pub struct AppError(pub Error);

impl<E: Into<Error>> From<E> for AppError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.0.status_and_code();
        let message = if status.is_server_error() {
            // The details may name files, SQL or keys: log them, answer generically.
            tracing::error!(error = %self.0, "request failed");
            "internal error; the server logged the details".to_owned()
        } else {
            self.0.to_string()
        };
        let mut response = (
            status,
            Json(ErrorBody {
                error: ErrorDetail {
                    code: code.to_owned(),
                    message,
                },
            }),
        )
            .into_response();
        if matches!(self.0, Error::Unauthenticated(_)) {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}
