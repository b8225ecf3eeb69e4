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
pub const DEMO_CONFIG: &str = include_str!("../examples/programme.toml");

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

/// A vaccination programme: who issues, how credentials look, and what may
/// be certified. Stored in the database, versioned; changed by the
/// `/v1/admin/programme` endpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Programme {
    /// Programme id: part of the idempotency key, so never change it once
    /// certificates exist.
    pub id: String,
    /// Who issues.
    pub issuer: IssuerIdentity,
    /// How credentials are built and signed.
    #[serde(default)]
    pub profile: CredentialProfile,
    /// Vaccines that may be certified.
    #[serde(default)]
    pub vaccines: Vec<Vaccine>,
    /// Approved facilities.
    #[serde(default)]
    pub facilities: Vec<Facility>,
    /// Trained vaccinators.
    #[serde(default)]
    pub vaccinators: Vec<Vaccinator>,
}

/// The issuer as credentials and the DID document name it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssuerIdentity {
    /// Display name, e.g. "Ministry of Health and Family Welfare".
    pub name: String,
    /// Public base URL of this service, e.g. `https://certify.moh.example.org`:
    /// the `did:web` is derived from it and links point under it.
    pub url: String,
    /// `issuer` in credentials (a URL or DID); defaults to `url` with a trailing slash.
    #[serde(default)]
    pub credential_issuer: Option<String>,
    /// The issuer's DID; defaults to the `did:web` of `url`.
    #[serde(default)]
    pub did: Option<String>,
    /// ISO 3166 country code.
    pub country: String,
    /// A PNG logo for the printed certificate (path on the server).
    #[serde(default)]
    pub logo_file: Option<String>,
}

impl IssuerIdentity {
    /// The issuer's DID: configured, or `did:web` of the URL.
    pub fn did(&self) -> String {
        self.did.clone().unwrap_or_else(|| did_web(&self.url))
    }

    /// `issuer` as credentials carry it.
    pub fn credential_issuer(&self) -> String {
        self.credential_issuer.clone().unwrap_or_else(|| {
            let mut url = self.url.clone();
            if !url.ends_with('/') {
                url.push('/');
            }
            url
        })
    }
}

/// The `did:web` of an HTTPS URL: host (port percent-encoded) and path
/// segments joined by colons (did:web method specification, section 3.2).
pub fn did_web(url: &str) -> String {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url);
    let mut parts = rest.split('/').filter(|s| !s.is_empty());
    let host = parts.next().unwrap_or_default().replace(':', "%3A");
    let mut did = format!("did:web:{host}");
    for part in parts {
        did.push(':');
        did.push_str(part);
    }
    did
}

/// How credentials are built and signed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CredentialProfile {
    /// Which credential: DIVOC's (default) or the issuer's own W3C VC 2.0
    /// vaccination profile with a Bitstring Status List entry (`vc2`,
    /// signed `eddsa-rdfc-2022`; needs `status_list_base`).
    #[serde(skip_serializing_if = "CredentialFormat::is_divoc")]
    pub format: CredentialFormat,
    /// DIVOC vaccination context version (format `divoc` only).
    pub context: ContextChoice,
    /// Proof suite: `vc2` is signed `eddsa-rdfc-2022`, and the other suite
    /// is refused with it.
    pub suite: SuiteChoice,
    /// Format `vc2`: where the key registry serves this issuer's status
    /// lists, exactly as the registry's admin API gives it
    /// (`status_list_base` of the issuer, e.g.
    /// `https://registry.example.org/v1/status-lists/moh/`), character for
    /// character: an absolute http(s) URL ending in `/`, no query or
    /// fragment. A certificate's list is this URL followed by the list's
    /// number (`…/moh/0`, `…/moh/1`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "https://registry.example.org/v1/status-lists/moh/")]
    pub status_list_base: Option<String>,
    /// Format `vc2`: entries per status list, from 131,072 (the W3C
    /// minimum, for herd privacy) to 16,777,216 = 2^24 (the key registry's
    /// limit, and the default).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 131072, maximum = 16777216)]
    pub status_list_size: Option<u32>,
    /// Prefix of `evidence[0].id` (defaults to `<url>/vaccine/`).
    pub certificate_base_url: Option<String>,
    /// Prefix of `feedbackUrl` (defaults to `<url>/?`).
    pub feedback_base_url: Option<String>,
    /// Prefix of `infoUrl` (defaults to `<url>/?`).
    pub info_base_url: Option<String>,
    /// How many times one certificate may be corrected.
    pub correction_limit: u32,
}

impl Default for CredentialProfile {
    fn default() -> Self {
        Self {
            format: CredentialFormat::Divoc,
            context: ContextChoice::V1,
            suite: SuiteChoice::Ed25519Signature2018,
            status_list_base: None,
            status_list_size: None,
            certificate_base_url: None,
            feedback_base_url: None,
            info_base_url: None,
            correction_limit: 2,
        }
    }
}

/// Which credential the programme issues.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CredentialFormat {
    /// DIVOC's `ProofOfVaccinationCredential` (W3C VC 1.1), as CoWIN issues.
    #[default]
    Divoc,
    /// The issuer's own W3C VC 2.0 vaccination profile (`credential::vc2`):
    /// every field its own IRI, a Bitstring Status List entry.
    Vc2,
}

impl CredentialFormat {
    fn is_divoc(&self) -> bool {
        *self == Self::Divoc
    }
}

/// DIVOC's vaccination context version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ContextChoice {
    /// `https://divoc.dev/credentials/vaccination/v1` (as CoWIN issues).
    V1,
    /// `https://divoc.dev/credentials/vaccination/v2` (adds dob, ICD-11 code, prophylaxis).
    V2,
}

/// Proof suite used to sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum SuiteChoice {
    /// DIVOC's suite, verifiable by DIVOC's own verifiers.
    #[serde(rename = "Ed25519Signature2018")]
    Ed25519Signature2018,
    /// W3C Data Integrity `eddsa-rdfc-2022`.
    #[serde(rename = "eddsa-rdfc-2022")]
    EddsaRdfc2022,
}

/// A vaccine the programme certifies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Vaccine {
    /// Name as requests carry it (`vaccination.name`), matched case-insensitively.
    pub name: String,
    /// Manufacturer; filled in when a request leaves it empty.
    pub manufacturer: String,
    /// ICD-11 code (context v2 `icd11Code`).
    #[serde(default)]
    pub icd11_code: Option<String>,
    /// Prophylaxis (context v2).
    #[serde(default)]
    pub prophylaxis: Option<String>,
    /// Doses in the primary schedule.
    pub total_doses: u32,
    /// Booster doses allowed beyond the schedule.
    #[serde(default)]
    pub booster_doses: u32,
    /// Minimum days between consecutive doses.
    #[serde(default)]
    pub min_interval_days: u32,
    /// Days a dose counts, for `effectiveUntil` when a request leaves it empty.
    #[serde(default)]
    pub validity_days: Option<u32>,
}

/// An approved facility.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Facility {
    /// The facility's code (`facility.id` in requests; certifier tokens are scoped by it).
    pub code: String,
    /// Name, matched case-insensitively when a request gives no code.
    pub name: String,
    /// Address, used when a request leaves it empty.
    #[serde(default)]
    pub address: FacilityAddress,
}

/// A facility's address, in DIVOC's request form.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct FacilityAddress {
    /// First line.
    pub address_line1: String,
    /// Second line.
    pub address_line2: String,
    /// District.
    pub district: String,
    /// City.
    pub city: String,
    /// State.
    pub state: String,
    /// Postal code.
    pub pincode: String,
    /// Country code.
    pub country: Option<String>,
}

/// A trained vaccinator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Vaccinator {
    /// The vaccinator's id (`vaccinator.id` in requests).
    pub id: String,
    /// Name, matched case-insensitively when a request gives no id.
    pub name: String,
    /// Code of the facility the vaccinator works at.
    pub facility: String,
}

impl Programme {
    /// Check the programme is coherent: ids present and unique, every
    /// vaccinator at a known facility, schedules sensible.
    pub fn check(&self) -> Result<(), Error> {
        let bad = |m: String| Err(Error::Config(m));
        if self.id.trim().is_empty() {
            return bad("programme.id is empty".into());
        }
        if self.issuer.name.trim().is_empty() || self.issuer.url.trim().is_empty() {
            return bad("programme.issuer needs a name and a url".into());
        }
        // Credentials name these as IRIs: a relative one would drop the
        // issuer or the vaccination record out of the signed graph.
        let profile = self.issuance_profile();
        for (field, value) in [
            ("programme.issuer.url", self.issuer.url.as_str()),
            (
                "programme.issuer (as credentials name it)",
                profile.issuer.as_str(),
            ),
            (
                "programme.profile.certificate_base_url",
                profile.certificate_base_url.as_str(),
            ),
        ] {
            if !credential::is_absolute_iri(value) {
                return bad(format!(
                    "{field} {value:?} is not an absolute IRI (e.g. https://moh.example.org/)"
                ));
            }
        }
        crate::status::check_profile(&self.profile).map_err(Error::Config)?;
        let mut seen = BTreeSet::new();
        for v in &self.vaccines {
            if v.name.trim().is_empty() {
                return bad("a vaccine has an empty name".into());
            }
            if !seen.insert(v.name.to_lowercase()) {
                return bad(format!("vaccine {} is listed twice", v.name));
            }
            if v.total_doses == 0 {
                return bad(format!(
                    "vaccine {}: total_doses must be at least 1",
                    v.name
                ));
            }
        }
        let mut codes = BTreeSet::new();
        for f in &self.facilities {
            if f.code.trim().is_empty() {
                return bad(format!("facility {} has an empty code", f.name));
            }
            if !codes.insert(f.code.as_str()) {
                return bad(format!("facility code {} is listed twice", f.code));
            }
        }
        let mut ids = BTreeSet::new();
        for v in &self.vaccinators {
            if v.id.trim().is_empty() {
                return bad(format!("vaccinator {} has an empty id", v.name));
            }
            if !ids.insert(v.id.as_str()) {
                return bad(format!("vaccinator id {} is listed twice", v.id));
            }
            if !codes.contains(v.facility.as_str()) {
                return bad(format!(
                    "vaccinator {} works at facility {}, which is not approved",
                    v.id, v.facility
                ));
            }
        }
        Ok(())
    }

    /// The credential model's issuance profile for this programme.
    pub fn issuance_profile(&self) -> credential::IssuanceProfile {
        let base = self.issuer.url.trim_end_matches('/');
        let p = &self.profile;
        credential::IssuanceProfile {
            context_url: match p.context {
                ContextChoice::V1 => credential::ContextVersion::V1,
                ContextChoice::V2 => credential::ContextVersion::V2,
            }
            .divoc_url()
            .to_owned(),
            issuer: self.issuer.credential_issuer(),
            certificate_base_url: p
                .certificate_base_url
                .clone()
                .unwrap_or_else(|| format!("{base}/vaccine/")),
            feedback_base_url: p
                .feedback_base_url
                .clone()
                .unwrap_or_else(|| format!("{base}/?")),
            info_base_url: p
                .info_base_url
                .clone()
                .unwrap_or_else(|| format!("{base}/?")),
            issuer_name: self.issuer.name.clone(),
        }
    }

    /// The vaccine a request names, matched case-insensitively.
    pub fn vaccine(&self, name: &str) -> Option<&Vaccine> {
        let name = name.trim();
        self.vaccines
            .iter()
            .find(|v| v.name.eq_ignore_ascii_case(name))
    }

    /// The facility with a code.
    pub fn facility_by_code(&self, code: &str) -> Option<&Facility> {
        self.facilities.iter().find(|f| f.code == code.trim())
    }

    /// The facility with a name, matched case-insensitively.
    pub fn facility_by_name(&self, name: &str) -> Option<&Facility> {
        let name = name.trim();
        self.facilities
            .iter()
            .find(|f| f.name.trim().eq_ignore_ascii_case(name))
    }

    /// The vaccinator with an id.
    pub fn vaccinator_by_id(&self, id: &str) -> Option<&Vaccinator> {
        self.vaccinators.iter().find(|v| v.id == id.trim())
    }

    /// The vaccinators with a name, matched case-insensitively.
    pub fn vaccinators_by_name<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Vaccinator> + 'a {
        let name = name.trim();
        self.vaccinators
            .iter()
            .filter(move |v| v.name.trim().eq_ignore_ascii_case(name))
    }
}

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
