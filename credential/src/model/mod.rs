//! The credential model: DIVOC vaccination credentials v1 and v2.
//! STUB: owned by the lead.

use thiserror::Error;

/// Why a credential or request does not fit the model.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ModelError {
    /// Placeholder.
    #[error("model not implemented yet")]
    NotImplemented,
}
