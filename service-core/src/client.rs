//! The outbound HTTP client (webhooks, the registry, JWKS, `did:web`
//! documents): rustls with the ring provider, bounded timeouts.

use std::time::Duration;

/// A client with a total timeout of `timeout_ms` (connect at most 5 s) and
/// the given `User-Agent`.
pub fn http_client(timeout_ms: u64, user_agent: &str) -> Result<reqwest::Client, reqwest::Error> {
    // Installing twice is refused harmlessly; the first provider stays.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_millis(timeout_ms))
        .connect_timeout(Duration::from_millis(timeout_ms.min(5_000)))
        .user_agent(user_agent)
        .build()
}
