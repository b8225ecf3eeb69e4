//! The request body of `/v1/certify` is `credential::CertificationRequest`,
//! which lives in a crate without OpenAPI support; these mirror types
//! describe its schema, and a test (`tests/api.rs`) checks that the mirror
//! names every field the real type accepts.

#![allow(
    dead_code,
    missing_debug_implementations,
    reason = "the mirror types exist only for their schemas"
)]

use serde_json::Value;
use utoipa::ToSchema;

/// A DIVOC CertificationRequest (one vaccination event). Unknown fields are ignored.
#[derive(ToSchema)]
#[schema(as = CertificationRequest)]
#[allow(non_snake_case, reason = "DIVOC's field names")]
pub struct CertificationRequestSchema {
    /// The recipient's registration code; with `vaccination.dose` the idempotency key.
    preEnrollmentCode: String,
    /// Programme id, if given must be this issuer's.
    programId: Option<String>,
    /// Who was vaccinated.
    recipient: RecipientSchema,
    /// What was given, when.
    vaccination: VaccinationSchema,
    /// Who gave it.
    vaccinator: VaccinatorSchema,
    /// Where.
    facility: FacilitySchema,
    /// Free-form data.
    #[schema(value_type = Option<Object>)]
    meta: Option<Value>,
}

/// The vaccinated person.
#[derive(ToSchema)]
#[schema(as = Recipient)]
pub struct RecipientSchema {
    /// Full name, any script.
    name: String,
    /// Date of birth, `YYYY-MM-DD` (this or `age` is required).
    dob: Option<String>,
    /// Age in years (string or number).
    #[schema(value_type = Option<String>)]
    age: Option<String>,
    /// Gender as recorded.
    gender: Option<String>,
    /// Nationality.
    nationality: Option<String>,
    /// Identity document URI, e.g. `did:in.gov.uidai.aadhaar:1234`.
    identity: Option<String>,
    /// Contacts: `tel:+91…`, `mailto:…`.
    contact: Option<Vec<String>>,
    /// Address.
    address: Option<AddressSchema>,
}

/// An address in DIVOC's request form.
#[derive(ToSchema)]
#[schema(as = Address)]
#[allow(non_snake_case, reason = "DIVOC's field names")]
pub struct AddressSchema {
    /// First line.
    addressLine1: Option<String>,
    /// Second line.
    addressLine2: Option<String>,
    /// District.
    district: Option<String>,
    /// City.
    city: Option<String>,
    /// State.
    state: Option<String>,
    /// Postal code (string or number).
    #[schema(value_type = Option<String>)]
    pincode: Option<String>,
    /// Country code (default `IN`).
    country: Option<String>,
}

/// The vaccination event.
#[derive(ToSchema)]
#[schema(as = Vaccination)]
#[allow(non_snake_case, reason = "DIVOC's field names")]
pub struct VaccinationSchema {
    /// Vaccine name, as the programme lists it.
    name: String,
    /// Batch (lot).
    batch: Option<String>,
    /// Manufacturer (filled from the programme if empty; must match if given).
    manufacturer: Option<String>,
    /// When given: RFC 3339 date-time or `YYYY-MM-DD`.
    date: String,
    /// First day of protection (default: the vaccination day).
    effectiveStart: Option<String>,
    /// Last day of protection (default: from the vaccine's validity).
    effectiveUntil: Option<String>,
    /// Dose number, from 1 (number or string).
    #[schema(value_type = u32)]
    dose: u32,
    /// Doses in the schedule (filled from the programme if empty; must match if given).
    #[schema(value_type = Option<u32>)]
    totalDoses: Option<u32>,
}

/// Who administered the dose.
#[derive(ToSchema)]
#[schema(as = RequestVaccinator)]
pub struct VaccinatorSchema {
    /// The vaccinator's id in the programme (else matched by name at the facility).
    id: Option<String>,
    /// Name.
    name: String,
}

/// Where the dose was administered.
#[derive(ToSchema)]
#[schema(as = RequestFacility)]
pub struct FacilitySchema {
    /// The facility's code (else matched by name).
    id: Option<String>,
    /// Name.
    name: String,
    /// Address (filled from the programme if empty).
    address: Option<AddressSchema>,
}
