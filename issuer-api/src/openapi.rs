//! The OpenAPI 3 document, generated from the handlers' annotations.
//!
//! The request body of `/v1/certify` is `credential::CertificationRequest`,
//! which lives in a crate without OpenAPI support; its schema is described
//! here by mirror types, and a test checks the mirror names every field the
//! real type accepts.

#![allow(
    dead_code,
    missing_debug_implementations,
    reason = "the mirror types exist only for their schemas"
)]

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::routes;

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
    meta: Option<serde_json::Value>,
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
#[schema(as = Vaccinator)]
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

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token (`hcit_…`) or, when configured, an OIDC JWT",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "issuer-api",
        description = "Issue, correct, revoke and render DIVOC-compatible vaccination certificates."
    ),
    paths(
        routes::certify,
        routes::get_certificate,
        routes::search,
        routes::correct,
        routes::revoke,
        routes::suspend,
        routes::unsuspend,
        routes::qr_png,
        routes::qr_svg,
        routes::pdf,
        routes::citizen_retrieve,
        routes::get_programme,
        routes::put_programme,
        routes::put_vaccine,
        routes::delete_vaccine,
        routes::put_facility,
        routes::delete_facility,
        routes::put_vaccinator,
        routes::delete_vaccinator,
        routes::rotate_key,
        routes::create_token,
        routes::list_tokens,
        routes::revoke_token,
        crate::admin_outbox::outbox_backlog,
        crate::admin_outbox::outbox_dead,
        crate::admin_outbox::retry_dead,
        routes::audit,
        routes::keys,
        routes::did_json,
        routes::healthz,
        routes::readyz,
        routes::metrics,
        routes::openapi,
    ),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// The OpenAPI document. The DIVOC-compatible path `/divoc/api/v1/certify`
/// is the same operation as `/v1/certify`.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
