//! The issuer's own profile: a W3C VC 2.0 vaccination certificate in which
//! every field has an IRI of its own.
//!
//! DIVOC's contexts map several keys of one node to one IRI (`certificateId`,
//! `batch`, `vaccine` and `manufacturer` are all `schema:id`), so their
//! signatures bind the values but not which is which (see the `view`
//! module). This profile's context (`contexts/healthcerts-vaccination-v1.jsonld`,
//! served as [`HEALTHCERTS_CONTEXT`]) gives each field its own IRI and types
//! its dates and numbers, so a verifier reads every field bound. It is signed
//! with `eddsa-rdfc-2022`, and carries a W3C Bitstring Status List entry
//! when the issuer has one to give, so revocation is an exact bit (about
//! 12.6 bits per revoked certificate at 1 million of 2 billion).
//!
//! ```json
//! {
//!   "@context": ["https://www.w3.org/ns/credentials/v2",
//!                "https://open-health-certs.github.io/healthcerts/contexts/vaccination/v1"],
//!   "id": "https://moh.example.org/vaccine/3YD1-W548-JND0-NXXR",
//!   "type": ["VerifiableCredential", "VaccinationCertificate"],
//!   "issuer": {"id": "did:web:moh.example.org", "name": "Ministry of Health"},
//!   "validFrom": "2026-10-01T10:00:00.000Z",
//!   "credentialSubject": {
//!     "type": "VaccinationRecipient", "id": "did:passport:A123",
//!     "name": "…", "birthDate": "1990-02-03", "gender": "Female", "nationality": "…",
//!     "vaccination": {"type": "Vaccination", "certificateNumber": "3YD1-W548-JND0-NXXR",
//!       "vaccine": "COVISHIELD", "manufacturer": "…", "batch": "…",
//!       "date": "2026-10-01T09:00:00Z", "dose": 1, "totalDoses": 2, "…": "…"}
//!   },
//!   "credentialStatus": {"id": "<list>#<index>", "type": "BitstringStatusListEntry",
//!     "statusPurpose": "revocation", "statusListIndex": "<index>",
//!     "statusListCredential": "<list>"}
//! }
//! ```

use serde_json::{Map, Value, json};

use super::vaccination::{CredentialAddress, VaccineCoding, age_on, is_absolute_iri};
use super::{CertificationRequest, IssuanceProfile, ModelError};
use crate::StatusEntry;

/// The URL the profile's context is served under (bundled: never fetched).
pub const HEALTHCERTS_CONTEXT: &str =
    "https://open-health-certs.github.io/healthcerts/contexts/vaccination/v1";

/// The W3C VC 2.0 context.
pub const CREDENTIALS_V2: &str = "https://www.w3.org/ns/credentials/v2";

/// The unsigned VC 2.0 vaccination certificate for a request.
///
/// `issuance_date` is RFC 3339 (the caller owns the clock); `status`, when
/// given, is the certificate's place in the issuer's revocation status list.
///
/// # Errors
///
/// [`ModelError`] for a missing required field, a dose or schedule that is
/// not a number, a recipient identity or profile URL that is not an
/// absolute IRI.
pub fn vaccination_certificate(
    request: &CertificationRequest,
    profile: &IssuanceProfile,
    certificate_id: &str,
    issuance_date: &str,
    coding: &VaccineCoding,
    status: Option<&StatusEntry>,
) -> Result<Value, ModelError> {
    super::vaccination::check_request(request, profile, certificate_id)?;
    let r = &request.recipient;
    let v = &request.vaccination;
    let number = |field: &'static str, value: &super::Lenient| -> Result<Option<u64>, ModelError> {
        let text = value.as_text();
        if text.is_empty() {
            return Ok(None);
        }
        text.parse()
            .map(Some)
            .map_err(|_| ModelError::InvalidField {
                field,
                reason: format!("{text:?} is not a whole number"),
            })
    };
    let dose = number("vaccination.dose", &v.dose)?.ok_or(ModelError::MissingField {
        field: "vaccination.dose",
    })?;
    let total = number("vaccination.totalDoses", &v.total_doses)?;

    let mut subject = Map::new();
    subject.insert("type".into(), json!("VaccinationRecipient"));
    let identity = r.identity.trim();
    if !identity.is_empty() {
        subject.insert("id".into(), json!(identity));
    }
    subject.insert("name".into(), json!(r.name));
    let dob = r.dob.as_deref().map(str::trim).filter(|d| !d.is_empty());
    if let Some(dob) = dob {
        subject.insert("birthDate".into(), json!(dob));
    }
    let age = match (&r.age, dob) {
        (Some(age), _) if !age.is_empty() => Some(age.as_text()),
        (_, Some(dob)) => age_on(dob, issuance_date).map(|a| a.to_string()),
        _ => None,
    };
    insert_text(&mut subject, "age", age.as_deref().unwrap_or_default());
    insert_text(&mut subject, "gender", &r.gender);
    insert_text(&mut subject, "nationality", &r.nationality);

    let mut vaccination = Map::new();
    vaccination.insert("type".into(), json!("Vaccination"));
    vaccination.insert("certificateNumber".into(), json!(certificate_id));
    vaccination.insert("vaccine".into(), json!(v.name));
    insert_text(&mut vaccination, "manufacturer", &v.manufacturer);
    insert_text(&mut vaccination, "batch", &v.batch);
    if let Some(code) = &coding.icd11_code {
        insert_text(&mut vaccination, "icd11Code", code);
    }
    if let Some(prophylaxis) = &coding.prophylaxis {
        insert_text(&mut vaccination, "prophylaxis", prophylaxis);
    }
    vaccination.insert("date".into(), json!(v.date));
    vaccination.insert("dose".into(), json!(dose));
    if let Some(total) = total {
        vaccination.insert("totalDoses".into(), json!(total));
    }
    insert_text(&mut vaccination, "protectionStart", &v.effective_start);
    insert_text(&mut vaccination, "protectionEnd", &v.effective_until);
    insert_text(&mut vaccination, "vaccinator", &request.vaccinator.name);
    insert_text(&mut vaccination, "facility", &request.facility.name);
    let address = CredentialAddress::from_request(&request.facility.address);
    insert_text(&mut vaccination, "facilityAddress", &address.one_line());
    insert_text(&mut vaccination, "country", &address.address_country);
    subject.insert("vaccination".into(), Value::Object(vaccination));

    let mut issuer = Map::new();
    issuer.insert("id".into(), json!(profile.issuer));
    insert_text(&mut issuer, "name", &profile.issuer_name);

    let mut document = Map::new();
    document.insert(
        "@context".into(),
        json!([CREDENTIALS_V2, HEALTHCERTS_CONTEXT]),
    );
    document.insert(
        "id".into(),
        json!(format!("{}{certificate_id}", profile.certificate_base_url)),
    );
    document.insert(
        "type".into(),
        json!(["VerifiableCredential", "VaccinationCertificate"]),
    );
    document.insert("issuer".into(), Value::Object(issuer));
    document.insert("validFrom".into(), json!(issuance_date));
    document.insert("credentialSubject".into(), Value::Object(subject));
    if let Some(entry) = status {
        if !is_absolute_iri(&entry.list) {
            return Err(ModelError::InvalidField {
                field: "credentialStatus.statusListCredential",
                reason: "not an absolute IRI".to_owned(),
            });
        }
        document.insert(
            "credentialStatus".into(),
            json!({
                "id": format!("{}#{}", entry.list, entry.index),
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": entry.index.to_string(),
                "statusListCredential": entry.list,
            }),
        );
    }
    Ok(Value::Object(document))
}

/// Inserts a text field unless it is empty: an empty value would be a
/// signed empty string, which says nothing.
fn insert_text(map: &mut Map<String, Value>, key: &str, value: &str) {
    let value = value.trim();
    if !value.is_empty() {
        map.insert(key.to_owned(), json!(value));
    }
}
