//! Configuration: the *programme* (issuer identity, credential profile,
//! vaccines, facilities, vaccinators), which lives in the database once
//! loaded and changes through audited admin endpoints, and the *settings*
//! (listen address, limits, webhooks, registry, OIDC), which come from the
//! file, the environment and flags and never change at run time.
//!
//! One TOML file carries both: the `[programme]` table is the programme,
//! every other table is a setting. With no file, the demo programme in
//! `examples/programme.toml` is used.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::Error;

/// The demo programme the service runs with no `--config`.
pub const DEMO_CONFIG: &str = include_str!("../../examples/programme.toml");

/// Everything a configuration file holds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// HTTP server limits.
    #[serde(default)]
    pub server: ServerSettings,
    /// Authentication options beyond API tokens.
    #[serde(default)]
    pub auth: AuthSettings,
    /// Where revocations and suspensions are pushed.
    #[serde(default)]
    pub registry: Option<RegistrySettings>,
    /// Event receivers (SMS/e-mail gateways, digital lockers).
    #[serde(default)]
    pub webhooks: Vec<WebhookSettings>,
    /// Delivery retry policy for the outbox.
    #[serde(default)]
    pub outbox: OutboxSettings,
    /// Printable certificate settings.
    #[serde(default)]
    pub render: RenderSettings,
    /// The programme: imported into the database, then managed there.
    pub programme: Programme,
}

impl ConfigFile {
    /// Parse a configuration file's text, then check the programme.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let file: Self = toml::from_str(text).map_err(|e| Error::Config(e.to_string()))?;
        file.programme.check()?;
        for hook in &file.webhooks {
            hook.secret()?;
        }
        Ok(file)
    }
}

/// HTTP server limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Largest request body accepted on the certify endpoints, in bytes.
    pub body_limit_bytes: usize,
    /// Largest number of items in one certify batch.
    pub max_batch_items: usize,
    /// Requests slower than this are answered 408.
    pub request_timeout_secs: u64,
    /// Requests in flight at once; beyond that, 503 (load shedding).
    pub concurrency_limit: usize,
    /// Sustained requests per second for one token.
    pub rate_limit_per_second: u32,
    /// Burst of requests one token may send at once.
    pub rate_limit_burst: u32,
    /// Citizen retrievals per minute for one preEnrollmentCode, for one
    /// client address and for one IPv6 /64, per process.
    pub citizen_rate_limit_per_minute: u32,
    /// Failed citizen retrievals of one code, in the current and previous
    /// window together, after which every instance refuses the code (429).
    pub citizen_max_failures: u32,
    /// The failure-counting window, in seconds.
    pub citizen_window_secs: u64,
    /// Proxies (CIDRs) whose `X-Forwarded-For` names the client; from
    /// anyone else it is ignored.
    pub trusted_proxies: Vec<crate::citizen_limits::Cidr>,
    /// How often an instance re-reads keys and programme from the database
    /// (another instance, or the CLI, may have changed them). A key rotation
    /// takes effect no sooner than twice this after it is requested, so
    /// that every instance holds the new key before it is due.
    pub refresh_secs: u64,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            // A 1,000-item batch of DIVOC requests is about 1.5 MB.
            body_limit_bytes: 4 * 1024 * 1024,
            max_batch_items: 1000,
            request_timeout_secs: 30,
            concurrency_limit: 512,
            rate_limit_per_second: 200,
            rate_limit_burst: 400,
            citizen_rate_limit_per_minute: 5,
            citizen_max_failures: 10,
            citizen_window_secs: 900,
            trusted_proxies: Vec::new(),
            refresh_secs: 10,
        }
    }
}

/// Printable certificate settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RenderSettings {
    /// A PDF template (TOML; see `assets/templates`); the bundled one when absent.
    pub template_file: Option<PathBuf>,
}

/// Authentication options beyond API tokens.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// Accept OIDC JWTs as bearer tokens.
    pub oidc: Option<OidcSettings>,
    /// Hours the bootstrap admin token lives (it is also revoked when the
    /// first other issuer-admin token is made); default 24.
    pub bootstrap_token_hours: Option<u32>,
}

/// OIDC: JWTs checked against a JWKS, roles from a claim.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcSettings {
    /// Expected `iss`.
    pub issuer: String,
    /// Expected `aud`.
    pub audience: String,
    /// Where the JWKS is fetched from (refreshed periodically).
    #[serde(default)]
    pub jwks_url: Option<String>,
    /// A JWKS file, instead of a URL.
    #[serde(default)]
    pub jwks_file: Option<PathBuf>,
    /// Claim holding the roles (a string or an array of strings).
    #[serde(default = "default_roles_claim")]
    pub roles_claim: String,
    /// Claim holding the facility codes a certifier may certify for.
    #[serde(default = "default_facilities_claim")]
    pub facilities_claim: String,
}

fn default_roles_claim() -> String {
    "roles".to_owned()
}

fn default_facilities_claim() -> String {
    "facilities".to_owned()
}

/// The key registry's revocation endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrySettings {
    /// URL the signed status events are POSTed to.
    pub url: String,
    /// Environment variable holding a bearer token for the registry, if it wants one.
    #[serde(default)]
    pub token_env: Option<String>,
}

/// A webhook receiver.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    /// Short name; outbox rows are keyed by it, so keep it stable.
    pub name: String,
    /// URL the events are POSTed to.
    pub url: String,
    /// The HMAC secret, inline (prefer `secret_env`).
    #[serde(default)]
    secret: Option<String>,
    /// Environment variable holding the HMAC secret.
    #[serde(default)]
    secret_env: Option<String>,
    /// Which events to send; all when empty.
    #[serde(default)]
    pub events: BTreeSet<EventKind>,
}

impl std::fmt::Debug for WebhookSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSettings")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("secret", &"<redacted>")
            .field("events", &self.events)
            .finish()
    }
}

impl WebhookSettings {
    /// A webhook with an inline secret (tests, programmatic setups).
    pub fn new(name: &str, url: &str, secret: &str) -> Self {
        Self {
            name: name.to_owned(),
            url: url.to_owned(),
            secret: Some(secret.to_owned()),
            secret_env: None,
            events: BTreeSet::new(),
        }
    }

    /// The HMAC secret, from the environment variable or inline.
    pub fn secret(&self) -> Result<String, Error> {
        match (&self.secret_env, &self.secret) {
            (Some(var), _) => std::env::var(var).map_err(|_| {
                Error::Config(format!(
                    "webhook {}: environment variable {var} is not set",
                    self.name
                ))
            }),
            (None, Some(secret)) if !secret.is_empty() => Ok(secret.clone()),
            _ => Err(Error::Config(format!(
                "webhook {}: set secret_env (or secret)",
                self.name
            ))),
        }
    }

    /// Whether this receiver wants an event kind.
    pub fn wants(&self, kind: EventKind) -> bool {
        self.events.is_empty() || self.events.contains(&kind)
    }
}

/// What happened to a certificate: the events webhooks and the registry receive.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A certificate was issued.
    Issued,
    /// A certificate was replaced by a corrected one (the old one is revoked).
    Corrected,
    /// A certificate was revoked.
    Revoked,
    /// A certificate was suspended until a date.
    Suspended,
    /// A suspension was lifted.
    Unsuspended,
}

impl EventKind {
    /// The snake_case name, as in event bodies.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Issued => "issued",
            Self::Corrected => "corrected",
            Self::Revoked => "revoked",
            Self::Suspended => "suspended",
            Self::Unsuspended => "unsuspended",
        }
    }
}

/// Outbox delivery retry policy: exponential backoff from `retry_base_ms`,
/// doubling per failed attempt, capped at `retry_max_ms`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutboxSettings {
    /// Delay after the first failure.
    pub retry_base_ms: u64,
    /// Longest delay between attempts.
    pub retry_max_ms: u64,
    /// How often the worker looks for due deliveries when not woken.
    pub poll_interval_ms: u64,
    /// Timeout of one delivery attempt.
    pub request_timeout_ms: u64,
    /// Failed attempts after which an event is dead (kept, out of the
    /// delivery window, listed at `/v1/admin/outbox/dead` for a retry). A
    /// receiver's permanent refusal (a 4xx other than 401, 403, 408, 425,
    /// 429) makes it dead at once.
    pub max_attempts: u32,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        Self {
            retry_base_ms: 1_000,
            retry_max_ms: 3_600_000,
            poll_interval_ms: 1_000,
            request_timeout_ms: 10_000,
            // With the default backoff (1 s doubling, at most an hour
            // apart), about two days of outage.
            max_attempts: 48,
        }
    }
}

mod programme;
pub use programme::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_config_parses_and_is_coherent() {
        let file = ConfigFile::parse(DEMO_CONFIG).unwrap();
        assert!(!file.programme.vaccines.is_empty());
        assert!(!file.programme.facilities.is_empty());
    }

    #[test]
    fn did_web_follows_the_method_spec() {
        assert_eq!(
            did_web("https://w3c-ccg.github.io"),
            "did:web:w3c-ccg.github.io"
        );
        assert_eq!(
            did_web("https://example.com:3000/user/alice/"),
            "did:web:example.com%3A3000:user:alice"
        );
    }

    #[test]
    fn vaccinator_at_unknown_facility_is_rejected() {
        let mut file = ConfigFile::parse(DEMO_CONFIG).unwrap();
        file.programme.vaccinators.push(Vaccinator {
            id: "x".into(),
            name: "X".into(),
            facility: "NOWHERE".into(),
        });
        let err = file.programme.check().unwrap_err().to_string();
        assert!(err.contains("NOWHERE"), "{err}");
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let text = DEMO_CONFIG.replace("[programme]", "[programme]\ntypo_field = 1");
        assert!(ConfigFile::parse(&text).is_err());
    }
}
