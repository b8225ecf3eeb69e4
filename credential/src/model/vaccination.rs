//! DIVOC's `ProofOfVaccinationCredential`, context v1 and v2.

use serde::{Deserialize, Serialize};

use super::{CertificationRequest, Lenient, ModelError, RequestAddress};

/// The W3C credentials context every DIVOC certificate starts with.
const CREDENTIALS_V1: &str = "https://www.w3.org/2018/credentials/v1";

/// Which DIVOC vaccination context a credential uses. v2 adds the recipient's
/// `dob`, and the vaccine's `icd11Code` and `prophylaxis`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContextVersion {
    /// `…/credentials/vaccination/v1`, as CoWIN issues.
    V1,
    /// `…/credentials/vaccination/v2`.
    V2,
}

impl ContextVersion {
    /// The context URL under DIVOC's own domain (CoWIN's `cowin.gov.in`
    /// URLs name the same documents; both are bundled).
    pub fn divoc_url(self) -> &'static str {
        match self {
            Self::V1 => "https://divoc.dev/credentials/vaccination/v1",
            Self::V2 => "https://divoc.dev/credentials/vaccination/v2",
        }
    }

    /// The version a context URL names, for any of the bundled hosts.
    pub fn from_url(url: &str) -> Option<Self> {
        match url {
            "https://divoc.dev/credentials/vaccination/v1"
            | "https://cowin.gov.in/credentials/vaccination/v1" => Some(Self::V1),
            "https://divoc.dev/credentials/vaccination/v2"
            | "https://cowin.gov.in/credentials/vaccination/v2" => Some(Self::V2),
            _ => None,
        }
    }
}

/// How an issuer builds its credentials: everything that is the same for all
/// certificates of a programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuanceProfile {
    /// The vaccination context URL (see [`ContextVersion::from_url`]).
    pub context_url: String,
    /// `issuer`: the issuer's URL or DID.
    pub issuer: String,
    /// Prefix of `evidence[0].id`; the certificate id is appended.
    pub certificate_base_url: String,
    /// Prefix of `feedbackUrl`; the certificate id is appended.
    pub feedback_base_url: String,
    /// Prefix of `infoUrl`; the certificate id is appended.
    pub info_base_url: String,
    /// The issuer's name, as the VC 2.0 profile states it beside its id
    /// (DIVOC's credentials name the issuer by URL only).
    #[serde(default)]
    pub issuer_name: String,
}

/// What the programme knows about the vaccine beyond the request (v2 only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VaccineCoding {
    /// ICD-11 code of the vaccine, e.g. `XM9QW8`.
    pub icd11_code: Option<String>,
    /// Prophylaxis, e.g. `COVID-19 vaccine, non-replicating viral vector`.
    pub prophylaxis: Option<String>,
}

/// A DIVOC vaccination credential, typed. Field order matches DIVOC's, so
/// serializing one gives the document DIVOC would have signed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VaccinationCredential {
    /// `@context`: W3C credentials v1 and a vaccination context.
    #[serde(rename = "@context")]
    pub context: Vec<String>,
    /// `type`: `VerifiableCredential`, `ProofOfVaccinationCredential`.
    #[serde(rename = "type")]
    pub types: Vec<String>,
    /// The vaccinated person.
    pub credential_subject: Person,
    /// The issuer's URL or DID.
    pub issuer: String,
    /// When the credential was issued (RFC 3339).
    pub issuance_date: String,
    /// The vaccination events; DIVOC certificates carry exactly one.
    pub evidence: Vec<Evidence>,
    /// `"true"` in every DIVOC certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_transferable: Option<serde_json::Value>,
    /// The proof, when signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<serde_json::Value>,
}

/// `credentialSubject`: the vaccinated person.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    /// Always `Person`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The identity document as an absolute IRI (`did:...`, `urn:...`),
    /// when the request names one. A relative reference would take the
    /// whole subject out of the signed graph, so [`VaccinationCredential::from_request`]
    /// refuses one, and a missing identity leaves `id` out (the subject is
    /// then a blank node of the graph).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The pre-enrollment code.
    #[serde(default)]
    pub ref_id: String,
    /// Full name.
    #[serde(default)]
    pub name: String,
    /// Gender as recorded.
    #[serde(default)]
    pub gender: String,
    /// Age in years (a string in DIVOC's certificates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age: Option<Lenient>,
    /// Nationality.
    #[serde(default)]
    pub nationality: String,
    /// Postal address.
    #[serde(default)]
    pub address: CredentialAddress,
    /// Date of birth, `YYYY-MM-DD` (context v2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dob: Option<String>,
}

/// A postal address in the credential's (schema.org) form.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialAddress {
    /// First address line.
    #[serde(default)]
    pub street_address: String,
    /// Second address line.
    #[serde(default)]
    pub street_address2: String,
    /// District.
    #[serde(default)]
    pub district: String,
    /// City.
    #[serde(default)]
    pub city: String,
    /// State or region.
    #[serde(default)]
    pub address_region: String,
    /// Country code.
    #[serde(default)]
    pub address_country: String,
    /// Postal code, a string or a number.
    #[serde(default)]
    pub postal_code: Lenient,
}

/// `evidence[]`: one vaccination.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    /// URL of the certificate.
    #[serde(default)]
    pub id: String,
    /// Feedback URL.
    #[serde(default)]
    pub feedback_url: String,
    /// Information URL.
    #[serde(default)]
    pub info_url: String,
    /// The certificate id (absent in some of DIVOC's own test vectors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_id: Option<String>,
    /// `["Vaccination"]`.
    #[serde(rename = "type", default)]
    pub types: Vec<String>,
    /// Batch (lot) number.
    #[serde(default)]
    pub batch: String,
    /// Vaccine name.
    #[serde(default)]
    pub vaccine: String,
    /// Manufacturer.
    #[serde(default)]
    pub manufacturer: String,
    /// When the dose was given (RFC 3339).
    #[serde(default)]
    pub date: String,
    /// First day the protection counts.
    #[serde(default)]
    pub effective_start: String,
    /// Last day the protection counts.
    #[serde(default)]
    pub effective_until: String,
    /// Which dose (a number, or `""` in old certificates).
    #[serde(default)]
    pub dose: Lenient,
    /// Doses in the schedule.
    #[serde(default)]
    pub total_doses: Lenient,
    /// The vaccinator.
    #[serde(default)]
    pub verifier: Verifier,
    /// The facility.
    #[serde(default)]
    pub facility: Facility,
    /// ICD-11 code of the vaccine (context v2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icd11_code: Option<String>,
    /// Prophylaxis (context v2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prophylaxis: Option<String>,
}

/// `evidence[].verifier`: who administered the dose.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Verifier {
    /// Name.
    #[serde(default)]
    pub name: String,
}

/// `evidence[].facility`: where the dose was administered.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Facility {
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Address.
    #[serde(default)]
    pub address: CredentialAddress,
}

impl CredentialAddress {
    pub(super) fn from_request(a: &RequestAddress) -> Self {
        Self {
            street_address: a.address_line1.clone(),
            street_address2: a.address_line2.clone(),
            district: a.district.clone(),
            city: a.city.clone(),
            address_region: a.state.clone(),
            // DIVOC's transform defaults the country to India.
            address_country: a.country.clone().unwrap_or_else(|| "IN".to_owned()),
            postal_code: a.pincode.clone(),
        }
    }

    /// The address on one line, empty parts left out.
    pub fn one_line(&self) -> String {
        [
            self.street_address.as_str(),
            &self.street_address2,
            &self.city,
            &self.district,
            &self.address_region,
            &self.postal_code.as_text(),
            &self.address_country,
        ]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(", ")
    }
}

impl VaccinationCredential {
    /// Build the unsigned credential for a request, exactly as DIVOC's
    /// certificate signer does (`transformW3`), for the profile's context
    /// version. `issuance_date` is RFC 3339 (the caller owns the clock); the
    /// age comes from the request, else from the date of birth at issuance.
    pub fn from_request(
        request: &CertificationRequest,
        profile: &IssuanceProfile,
        certificate_id: &str,
        issuance_date: &str,
        coding: &VaccineCoding,
    ) -> Result<Self, ModelError> {
        let version = ContextVersion::from_url(&profile.context_url).ok_or_else(|| {
            ModelError::InvalidField {
                field: "profile.context_url",
                reason: format!("{} is not a known vaccination context", profile.context_url),
            }
        })?;
        check_request(request, profile, certificate_id)?;
        let r = &request.recipient;
        let identity = r.identity.trim();
        let age = match (&r.age, &r.dob) {
            (Some(age), _) if !age.is_empty() => Some(Lenient::Text(age.as_text())),
            (_, Some(dob)) => Some(Lenient::Text(
                age_on(dob, issuance_date)
                    .map(|a| a.to_string())
                    .unwrap_or_default(),
            )),
            _ => Some(Lenient::default()),
        };
        let v2 = version == ContextVersion::V2;
        let v = &request.vaccination;
        Ok(Self {
            context: vec![CREDENTIALS_V1.to_owned(), profile.context_url.clone()],
            types: vec![
                "VerifiableCredential".to_owned(),
                "ProofOfVaccinationCredential".to_owned(),
            ],
            credential_subject: Person {
                kind: "Person".to_owned(),
                id: (!identity.is_empty()).then(|| identity.to_owned()),
                ref_id: request.pre_enrollment_code.clone(),
                name: r.name.clone(),
                gender: r.gender.clone(),
                age,
                nationality: r.nationality.clone(),
                address: CredentialAddress::from_request(&r.address),
                dob: if v2 { r.dob.clone() } else { None },
            },
            issuer: profile.issuer.clone(),
            issuance_date: issuance_date.to_owned(),
            evidence: vec![Evidence {
                id: format!("{}{certificate_id}", profile.certificate_base_url),
                feedback_url: format!("{}{certificate_id}", profile.feedback_base_url),
                info_url: format!("{}{certificate_id}", profile.info_base_url),
                certificate_id: Some(certificate_id.to_owned()),
                types: vec!["Vaccination".to_owned()],
                batch: v.batch.clone(),
                vaccine: v.name.clone(),
                manufacturer: v.manufacturer.clone(),
                date: v.date.clone(),
                effective_start: v.effective_start.clone(),
                effective_until: v.effective_until.clone(),
                dose: v.dose.clone(),
                total_doses: v.total_doses.clone(),
                verifier: Verifier {
                    name: request.vaccinator.name.clone(),
                },
                facility: Facility {
                    name: request.facility.name.clone(),
                    address: CredentialAddress::from_request(&request.facility.address),
                },
                icd11_code: if v2 { coding.icd11_code.clone() } else { None },
                prophylaxis: if v2 { coding.prophylaxis.clone() } else { None },
            }],
            non_transferable: Some(serde_json::Value::String("true".to_owned())),
            proof: None,
        })
    }

    /// Read a (signed or unsigned) document as a vaccination credential.
    /// Lenient about the field-type quirks of real certificates, strict about
    /// what makes it a vaccination credential.
    pub fn from_document(document: &serde_json::Value) -> Result<Self, ModelError> {
        let types = document.get("type");
        let is_vaccination = match types {
            Some(serde_json::Value::Array(items)) => {
                items.iter().any(|t| t == "ProofOfVaccinationCredential")
            }
            Some(serde_json::Value::String(t)) => t == "ProofOfVaccinationCredential",
            _ => false,
        };
        if !is_vaccination {
            return Err(ModelError::NotVaccinationCredential {
                reason: "type does not include ProofOfVaccinationCredential",
            });
        }
        let credential = Self::deserialize(document).map_err(|e| ModelError::Malformed {
            what: "vaccination credential",
            reason: e.to_string(),
        })?;
        if credential.evidence.is_empty() {
            return Err(ModelError::MissingField { field: "evidence" });
        }
        Ok(credential)
    }

    /// The credential as a JSON document (unsigned unless `proof` is set).
    pub fn to_document(&self) -> serde_json::Value {
        // Serializing these plain structs cannot fail: every map key is a
        // string and every value is representable in JSON.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// The vaccination context version, if the context is a known one.
    pub fn context_version(&self) -> Option<ContextVersion> {
        self.context
            .iter()
            .find_map(|c| ContextVersion::from_url(c))
    }

    /// The (first) vaccination event.
    pub fn vaccination(&self) -> Option<&Evidence> {
        self.evidence.first()
    }

    /// The certificate id: `evidence[0].certificateId`.
    pub fn certificate_id(&self) -> Option<&str> {
        self.vaccination().and_then(|e| e.certificate_id.as_deref())
    }
}

/// What every profile requires of a request before building from it.
pub(super) fn check_request(
    request: &CertificationRequest,
    profile: &IssuanceProfile,
    certificate_id: &str,
) -> Result<(), ModelError> {
    require(&request.pre_enrollment_code, "preEnrollmentCode")?;
    require(&request.recipient.name, "recipient.name")?;
    require(&request.vaccination.name, "vaccination.name")?;
    require(&request.vaccination.date, "vaccination.date")?;
    if request.vaccination.dose.is_empty() {
        return Err(ModelError::MissingField {
            field: "vaccination.dose",
        });
    }
    require(certificate_id, "certificateId")?;

    let r = &request.recipient;
    let identity = r.identity.trim();
    if !identity.is_empty() && !is_absolute_iri(identity) {
        return Err(ModelError::InvalidField {
            field: "recipient.identity",
            reason: "not an absolute IRI (e.g. did:passport:A1234567 or urn:uuid:…): a relative \
                     reference would leave the holder out of what the signature covers"
                .to_owned(),
        });
    }
    for (field, base) in [
        ("issuer", &profile.issuer),
        ("certificate_base_url", &profile.certificate_base_url),
    ] {
        if !is_absolute_iri(base) {
            return Err(ModelError::InvalidField {
                field,
                reason: "not an absolute IRI".to_owned(),
            });
        }
    }
    Ok(())
}

/// An absolute IRI as RFC 3987 begins one: a scheme (a letter, then
/// letters, digits, `+`, `-` or `.`), a colon, and something after it, with
/// no white space or control characters. JSON-LD keeps anything with a
/// colon; what has none is a relative reference and drops out of the graph.
pub fn is_absolute_iri(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    let mut scheme_chars = scheme.chars();
    scheme_chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme_chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn require(value: &str, field: &'static str) -> Result<(), ModelError> {
    if value.trim().is_empty() {
        Err(ModelError::MissingField { field })
    } else {
        Ok(())
    }
}

/// Full years between a `YYYY-MM-DD` birth date and the date part of an
/// RFC 3339 timestamp; `None` if either is not a date or birth is later.
pub(crate) fn age_on(dob: &str, on: &str) -> Option<u32> {
    let (by, bm, bd) = ymd(dob)?;
    let (y, m, d) = ymd(on)?;
    let years = y.checked_sub(by)?;
    if (m, d) < (bm, bd) {
        years.checked_sub(1)
    } else {
        Some(years)
    }
}

fn ymd(s: &str) -> Option<(u32, u32, u32)> {
    let date = s.get(..10)?;
    let mut parts = date.split('-');
    let y = parts.next().filter(|p| p.len() == 4)?.parse().ok()?;
    let m = parts.next().filter(|p| p.len() == 2)?.parse().ok()?;
    let d = parts.next().filter(|p| p.len() == 2)?.parse().ok()?;
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_iris() {
        for iri in [
            "did:passport:A123",
            "urn:uuid:5f0c",
            "https://moh.example.org/",
            "did:web:moh.example.org#key-1",
        ] {
            assert!(is_absolute_iri(iri), "{iri}");
        }
        for not in [
            "", "x", "12345", "urn", "#me", "../a", "urn:", "1a:b", "did:a b", ":x",
        ] {
            assert!(!is_absolute_iri(not), "{not}");
        }
    }

    #[test]
    fn age_counts_full_years() {
        assert_eq!(age_on("1970-12-18", "2021-07-04T20:47:15.993Z"), Some(50));
        assert_eq!(age_on("1970-07-04", "2021-07-04T00:00:00Z"), Some(51));
        assert_eq!(age_on("1970-07-05", "2021-07-04T00:00:00Z"), Some(50));
        assert_eq!(age_on("2030-01-01", "2021-07-04T00:00:00Z"), None);
        assert_eq!(age_on("1970/01/01", "2021-07-04T00:00:00Z"), None);
        assert_eq!(age_on("", "2021-07-04"), None);
    }
}
