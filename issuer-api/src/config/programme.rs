//! The programme: who issues, how credentials look, and what may be
//! certified (vaccines, facilities, vaccinators), with its coherence check.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::Error;

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
