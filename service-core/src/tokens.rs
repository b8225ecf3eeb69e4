//! Bearer API tokens: made, stored and checked the same way by every service.
//!
//! A token is a service prefix (`hcit_` for the issuer, `hcrt_` for the
//! registry, so a leaked token is recognisable by secret scanners) and 256
//! random bits, base64url. Only its SHA-256 is stored: a fast hash is
//! enough because the secret has full entropy (slow KDFs protect
//! low-entropy passwords), and it keeps authentication to one indexed
//! lookup. Roles are each service's own enum; [`Role`] is what the shared
//! checks need of it.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::{RandomError, hex, random_bytes};

/// The file the bootstrap admin token is written to, in the data directory.
pub const BOOTSTRAP_TOKEN_FILE: &str = "bootstrap-token";

/// A fresh token secret: `prefix` followed by 256 random bits, base64url.
pub fn new_secret(prefix: &str) -> Result<Zeroizing<String>, RandomError> {
    Ok(Zeroizing::new(format!(
        "{prefix}{}",
        URL_SAFE_NO_PAD.encode(random_bytes::<32>()?)
    )))
}

/// A fresh public token id (64 random bits, hex): what audit logs name.
pub fn new_id() -> Result<String, RandomError> {
    Ok(hex(&random_bytes::<8>()?))
}

/// SHA-256 of a token, hex: the only form stored.
pub fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Why an `Authorization` header carries no usable bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BearerError {
    /// No header.
    #[error("missing bearer token")]
    Missing,
    /// Not `Bearer <token>`.
    #[error("Authorization must be 'Bearer <token>'")]
    Malformed,
}

impl BearerError {
    /// The message as a static string (for error types that hold one).
    pub fn message(self) -> &'static str {
        match self {
            Self::Missing => "missing bearer token",
            Self::Malformed => "Authorization must be 'Bearer <token>'",
        }
    }
}

/// The token of an `Authorization: Bearer <token>` header value.
pub fn bearer(header: Option<&str>) -> Result<&str, BearerError> {
    let header = header.ok_or(BearerError::Missing)?;
    header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(BearerError::Malformed)
}

/// What the shared checks need of a service's role enum.
pub trait Role: Copy + Eq {
    /// The role's name, as tokens and audit logs carry it.
    fn name(self) -> String;
}

/// Fail unless one of `held` is among `needed`; the message names what
/// would have been needed.
pub fn require<R: Role>(held: impl IntoIterator<Item = R>, needed: &[R]) -> Result<(), String> {
    let mut held = held.into_iter();
    if held.any(|r| needed.contains(&r)) {
        Ok(())
    } else {
        let names: Vec<String> = needed.iter().map(|r| r.name()).collect();
        Err(format!("this needs the role {}", names.join(" or ")))
    }
}

/// Write the bootstrap token to `<data-dir>/bootstrap-token` (0600),
/// replacing a stale file from an earlier database (which would hold a dead
/// token). Returns the path.
pub fn write_bootstrap_token(data_dir: &Path, token: &str) -> std::io::Result<PathBuf> {
    let path = data_dir.join(BOOTSTRAP_TOKEN_FILE);
    match std::fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    crate::seal::write_private_file(&path, format!("{token}\n").as_bytes())?;
    Ok(path)
}

/// How long a bootstrap token lives unless configured otherwise: enough to
/// make the first real admin token, which also revokes it.
pub const BOOTSTRAP_TOKEN_TTL_MS: i64 = 24 * 3600 * 1000;

/// The label bootstrap tokens carry (reserved: no other token may use it).
pub const BOOTSTRAP_LABEL: &str = "bootstrap";

/// Where a new bootstrap token is announced: the secret itself only on a
/// terminal (stderr is a TTY) or when asked (`force`); otherwise, for log
/// collectors, only the file that holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Announce {
    /// Print the token on stderr.
    Print,
    /// Log the file's path only.
    PathOnly,
}

impl Announce {
    /// Decide from the flag and whether stderr is a terminal.
    pub fn decide(force: bool, stderr_is_terminal: bool) -> Self {
        if force || stderr_is_terminal {
            Self::Print
        } else {
            Self::PathOnly
        }
    }
}

/// Announce a new bootstrap token (see [`Announce`]).
#[allow(
    clippy::print_stderr,
    reason = "the token is shown to the person at the terminal"
)]
pub fn announce_bootstrap_token(path: &Path, token: &str, force_print: bool, expires_in_ms: i64) {
    use std::io::IsTerminal as _;
    let hours = expires_in_ms / 3_600_000;
    match Announce::decide(force_print, std::io::stderr().is_terminal()) {
        Announce::Print => eprintln!(
            "bootstrap admin token (expires in {hours} h or when the first admin token is made; \
             also in {}):\n{token}",
            path.display()
        ),
        Announce::PathOnly => tracing::info!(
            path = %path.display(),
            expires_in_hours = hours,
            "bootstrap admin token written to its file (not logged; --print-bootstrap-token shows it)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum TestRole {
        Admin,
        Reader,
        Other,
    }

    impl Role for TestRole {
        fn name(self) -> String {
            format!("{self:?}").to_lowercase()
        }
    }

    #[test]
    fn secrets_are_prefixed_and_distinct_and_hashes_are_sha256() {
        let a = new_secret("hcrt_").unwrap();
        let b = new_secret("hcrt_").unwrap();
        assert!(a.starts_with("hcrt_"));
        assert_eq!(a.len(), 5 + 43);
        assert_ne!(*a, *b);
        // sha256("abc")
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn bearer_headers_are_parsed_strictly() {
        assert_eq!(bearer(Some("Bearer abc")), Ok("abc"));
        assert_eq!(bearer(Some("bearer  abc ")), Ok("abc"));
        assert_eq!(bearer(None), Err(BearerError::Missing));
        assert_eq!(bearer(Some("Basic abc")), Err(BearerError::Malformed));
        assert_eq!(bearer(Some("Bearer ")), Err(BearerError::Malformed));
    }

    #[test]
    fn roles_are_required_by_name() {
        assert!(require([TestRole::Admin], &[TestRole::Admin, TestRole::Reader]).is_ok());
        let e = require([TestRole::Other], &[TestRole::Admin, TestRole::Reader]).unwrap_err();
        assert_eq!(e, "this needs the role admin or reader");
    }

    #[test]
    fn bootstrap_tokens_are_printed_only_on_a_terminal_or_when_asked() {
        assert_eq!(Announce::decide(false, false), Announce::PathOnly);
        assert_eq!(Announce::decide(false, true), Announce::Print);
        assert_eq!(Announce::decide(true, false), Announce::Print);
    }

    #[test]
    fn bootstrap_token_replaces_a_stale_file() {
        let dir = tempfile::tempdir().unwrap();
        write_bootstrap_token(dir.path(), "old").unwrap();
        let path = write_bootstrap_token(dir.path(), "new").unwrap();
        assert_eq!(std::fs::read_to_string(path).unwrap(), "new\n");
    }
}
