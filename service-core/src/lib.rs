//! What the HTTP services (`issuer-api`, `key-registry`) share, so each
//! concern is written and reviewed once:
//!
//! - [`tokens`]: bearer-token secrets (prefixed, 256 random bits, stored as
//!   SHA-256), the `Authorization` header, roles, the bootstrap token file;
//! - [`seal`]: the master key that encrypts private keys at rest
//!   (XChaCha20-Poly1305), files readable by their owner only (0600) and
//!   private data directories (0700);
//! - [`http`]: the JSON error shape, a JSON extractor that rejects in it,
//!   the standard layers (request id, trace, panic catcher, timeout, load
//!   shedding, per-route metrics), the Prometheus recorder, health;
//! - [`json`]: whole numbers written as `2.0` read as the integers JSON
//!   Schema says they are;
//! - [`telemetry`]: logging set-up; [`shutdown`]: SIGTERM / Ctrl-C;
//! - [`client`]: the outbound HTTP client (rustls).
//!
//! ```
//! use service_core::seal::MasterKey;
//! let master = MasterKey::generate()?;
//! let sealed = master.encrypt(b"-----BEGIN PRIVATE KEY-----...", b"key-1")?;
//! assert_eq!(&*master.decrypt(&sealed, b"key-1")?, b"-----BEGIN PRIVATE KEY-----...");
//! assert!(master.decrypt(&sealed, b"key-2").is_err()); // bound to its row
//! # Ok::<(), service_core::seal::SealError>(())
//! ```

pub mod client;
pub mod http;
pub mod json;
pub mod seal;
pub mod shutdown;
pub mod telemetry;
pub mod tokens;

/// Fill a buffer from the operating system's RNG.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| RandomError(e.to_string()))?;
    Ok(buf)
}

/// The operating system's random source failed (it practically never does;
/// when it does, nothing secret may be made).
#[derive(Debug, Clone, thiserror::Error)]
#[error("OS random source failed: {0}")]
pub struct RandomError(pub String);

/// Hex of bytes, lower case.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_is_lower_case_and_padded() {
        assert_eq!(super::hex(&[0, 1, 0xab, 0xff]), "0001abff");
    }

    #[test]
    fn random_bytes_differ() {
        assert_ne!(
            super::random_bytes::<16>().unwrap(),
            super::random_bytes::<16>().unwrap()
        );
    }
}
