//! DIVOC's `CertificationRequest`: what a ministry's system posts for each
//! vaccination event (vaccination-api `POST /certify`), kept field for field
//! so existing integrations work unchanged.

use serde::{Deserialize, Serialize};

use super::Lenient;

/// One vaccination event to certify, in DIVOC's request format.
///
/// Unknown fields are ignored (DIVOC integrations send extras such as
/// `comorbidities`); `meta` is kept as given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificationRequest {
    /// The recipient's registration code in the ministry's system; with the
    /// dose number it identifies the event (idempotency key).
    pub pre_enrollment_code: String,
    /// The vaccination programme, if the ministry runs several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program_id: Option<String>,
    /// Who was vaccinated.
    pub recipient: Recipient,
    /// What was given, when.
    pub vaccination: Vaccination,
    /// Who gave it.
    pub vaccinator: Vaccinator,
    /// Where.
    pub facility: RequestFacility,
    /// Free-form data the ministry attaches (e.g. `previousCertificateId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<serde_json::Value>,
}

/// The vaccinated person.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recipient {
    /// Full name, in any script.
    pub name: String,
    /// Date of birth, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dob: Option<String>,
    /// Age in years, when the date of birth is not known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age: Option<Lenient>,
    /// Gender as recorded (`Male`, `Female`, `Other`, ...).
    #[serde(default)]
    pub gender: String,
    /// Nationality as recorded.
    #[serde(default)]
    pub nationality: String,
    /// Identity document as a URI, e.g. `did:in.gov.uidai.aadhaar:1234`.
    #[serde(default)]
    pub identity: String,
    /// Contacts as URIs: `tel:+91...`, `mailto:...`.
    #[serde(default)]
    pub contact: Vec<String>,
    /// Postal address.
    #[serde(default)]
    pub address: RequestAddress,
}

/// An address in DIVOC's request form (`addressLine1`, `state`, `pincode`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestAddress {
    /// First address line.
    #[serde(default)]
    pub address_line1: String,
    /// Second address line.
    #[serde(default)]
    pub address_line2: String,
    /// District.
    #[serde(default)]
    pub district: String,
    /// City.
    #[serde(default)]
    pub city: String,
    /// State or region.
    #[serde(default)]
    pub state: String,
    /// Postal code, a number or a string.
    #[serde(default)]
    pub pincode: Lenient,
    /// Country code; DIVOC defaults it to `IN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// The vaccination event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Vaccination {
    /// Vaccine name as the programme knows it (e.g. `COVISHIELD`).
    pub name: String,
    /// Batch (lot) number.
    #[serde(default)]
    pub batch: String,
    /// Manufacturer.
    #[serde(default)]
    pub manufacturer: String,
    /// When the dose was given, RFC 3339 date-time.
    pub date: String,
    /// First day the protection counts, `YYYY-MM-DD`.
    #[serde(default)]
    pub effective_start: String,
    /// Last day the protection counts, `YYYY-MM-DD`.
    #[serde(default)]
    pub effective_until: String,
    /// Which dose this is (1-based).
    pub dose: Lenient,
    /// Doses in the full schedule.
    #[serde(default)]
    pub total_doses: Lenient,
}

/// Who administered the dose.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Vaccinator {
    /// The vaccinator's id in the programme, if the ministry sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name as printed on the certificate.
    pub name: String,
}

/// Where the dose was administered.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestFacility {
    /// The facility's code in the programme, if the ministry sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name as printed on the certificate.
    pub name: String,
    /// Address.
    #[serde(default)]
    pub address: RequestAddress,
}

impl CertificationRequest {
    /// Contact phone number (the first `tel:` contact), as DIVOC reads it.
    pub fn phone(&self) -> Option<&str> {
        self.recipient
            .contact
            .iter()
            .find_map(|c| c.strip_prefix("tel:"))
    }

    /// Contact e-mail address (the first `mailto:` contact).
    pub fn email(&self) -> Option<&str> {
        self.recipient
            .contact
            .iter()
            .find_map(|c| c.strip_prefix("mailto:"))
    }
}
