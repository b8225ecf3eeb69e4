//! The OpenAPI 3 document, generated from the handlers' annotations and
//! refined with what they cannot say (every status an operation may
//! answer, the rules a request schema cannot express). The certify request
//! body's schema is described by mirror types (`request`).

use serde_json::{Value, json};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::ErrorCode;

mod request;
pub use request::*;

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
        super::certify::certify,
        super::certificates::get_certificate,
        super::certificates::search,
        super::lifecycle::correct,
        super::lifecycle::revoke,
        super::lifecycle::suspend,
        super::lifecycle::unsuspend,
        super::renderings::qr_png,
        super::renderings::qr_svg,
        super::renderings::pdf,
        super::citizen::citizen_retrieve,
        super::programme::get_programme,
        super::programme::put_programme,
        super::programme::put_vaccine,
        super::programme::delete_vaccine,
        super::programme::put_facility,
        super::programme::delete_facility,
        super::programme::put_vaccinator,
        super::programme::delete_vaccinator,
        super::admin::rotate_key,
        super::admin::create_token,
        super::admin::list_tokens,
        super::admin::revoke_token,
        super::admin::outbox_backlog,
        super::admin::outbox_dead,
        super::admin::retry_dead,
        super::admin::audit,
        super::keys::keys,
        super::keys::did_json,
        super::ops::healthz,
        super::ops::readyz,
        super::ops::metrics,
        super::ops::openapi,
    ),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// What a certification request is refused for beyond its schema: it is
/// checked against the programme (vaccine, facility, vaccinator, schedule)
/// and the calendar. A refused batch answers `all_items_rejected` with
/// each item's own code, all of them from this list.
const ITEM_RULES: &[ErrorCode] = &[
    ErrorCode::AllItemsRejected,
    ErrorCode::InvalidDate,
    ErrorCode::InvalidDob,
    ErrorCode::InvalidAge,
    ErrorCode::InvalidDose,
    ErrorCode::InvalidIdentity,
    ErrorCode::InvalidPreEnrollmentCode,
    ErrorCode::MissingField,
    ErrorCode::DateInFuture,
    ErrorCode::DoseOutOfSchedule,
    ErrorCode::DoseTooSoon,
    ErrorCode::UnknownProgramme,
    ErrorCode::UnknownVaccine,
    ErrorCode::ManufacturerMismatch,
    ErrorCode::TotalDosesMismatch,
    ErrorCode::UnapprovedFacility,
    ErrorCode::FacilityMismatch,
    ErrorCode::FacilityNotInScope,
    ErrorCode::UnknownVaccinator,
    ErrorCode::VaccinatorNotAtFacility,
    ErrorCode::AlreadyCertifiedElsewhere,
];

/// Rules a request schema cannot express, per operation: the method, the
/// path, the error codes (422) a schema-valid request may be refused
/// with, and why. The contract test (`tests/contracts/`) holds the server
/// to exactly these.
pub const SEMANTIC: &[(&str, &str, &[ErrorCode], &str)] = &[
    (
        "post",
        "/v1/certify",
        ITEM_RULES,
        "`all_items_rejected`: every item was refused (each item's `error` says why); items are checked against the programme: a vaccine, facility and vaccinator it lists, dates that exist and are not in the future, a dose within the schedule.",
    ),
    (
        "put",
        "/v1/certificates/{id}",
        ITEM_RULES,
        "The corrected request is checked as `/v1/certify` checks an item, against the programme.",
    ),
    (
        "post",
        "/v1/certificates/{id}/suspend",
        &[ErrorCode::InvalidDate],
        "`invalid_date`: `until` must be a `YYYY-MM-DD` date or an RFC 3339 date-time.",
    ),
    (
        "post",
        "/v1/admin/tokens",
        &[
            ErrorCode::UnapprovedFacility,
            ErrorCode::InvalidDate,
            ErrorCode::ReservedLabel,
        ],
        "`unapproved_facility`: every facility must be one the programme approves. `invalid_date`: `expires_at` must be RFC 3339. `reserved_label`: the label `bootstrap` is the bootstrap token's.",
    ),
    (
        "post",
        "/v1/citizen/retrieve",
        &[ErrorCode::MissingField, ErrorCode::InvalidLang],
        "`missing_field`: give `dob` or `phone` (not blank) with the `preEnrollmentCode`. `invalid_lang`: with `format` `pdf`, `lang` must be a tag such as `en`.",
    ),
    (
        "get",
        "/v1/certificates",
        &[ErrorCode::MissingQuery],
        "`missing_query`: search by `preEnrollmentCode` or `identity` (at least one; OpenAPI cannot require one of two query parameters).",
    ),
    (
        "post",
        "/v1/admin/keys/rotate",
        &[ErrorCode::RotationInThePast],
        "`rotation_in_the_past`: `at` must be now or later (the current key may have signed since).",
    ),
    (
        "put",
        "/v1/admin/programme",
        &[ErrorCode::InvalidProgramme],
        "`invalid_programme`: the programme must hold together (ids unique, vaccinators at listed facilities, a vaccine and a facility at least, issuer URLs and DIDs well formed).",
    ),
    (
        "put",
        "/v1/admin/programme/vaccines/{name}",
        &[ErrorCode::InvalidProgramme, ErrorCode::KeyMismatch],
        "`key_mismatch`: the body's name must be the path's. `invalid_programme`: the programme with the change must hold together.",
    ),
    (
        "delete",
        "/v1/admin/programme/vaccines/{name}",
        &[ErrorCode::InvalidProgramme],
        "`invalid_programme`: the programme without it must hold together (at least one vaccine).",
    ),
    (
        "put",
        "/v1/admin/programme/facilities/{code}",
        &[ErrorCode::InvalidProgramme, ErrorCode::KeyMismatch],
        "`key_mismatch`: the body's code must be the path's. `invalid_programme`: the programme with the change must hold together.",
    ),
    (
        "delete",
        "/v1/admin/programme/facilities/{code}",
        &[ErrorCode::InvalidProgramme],
        "`invalid_programme`: the programme without it must hold together (no vaccinator left at it, at least one facility).",
    ),
    (
        "put",
        "/v1/admin/programme/vaccinators/{id}",
        &[ErrorCode::InvalidProgramme, ErrorCode::KeyMismatch],
        "`key_mismatch`: the body's id must be the path's. `invalid_programme`: the programme with the change must hold together (its facility listed).",
    ),
    (
        "delete",
        "/v1/admin/programme/vaccinators/{id}",
        &[ErrorCode::InvalidProgramme],
        "`invalid_programme`: the programme without it must hold together.",
    ),
];

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    })
}

/// utoipa writes a tuple as `prefixItems` (JSON Schema 2020-12), which
/// schemathesis 4 turns into an `items` array it then refuses as invalid.
/// A tuple becomes an array of exactly its length whose items are any of
/// its members' schemas (`[target, count]`: a string or an integer).
fn fix_tuples(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(members)) = map.remove("prefixItems") {
                let n = members.len();
                map.insert("items".into(), json!({"anyOf": members}));
                map.insert("minItems".into(), json!(n));
                map.insert("maxItems".into(), json!(n));
            }
            map.values_mut().for_each(fix_tuples);
        }
        Value::Array(items) => items.iter_mut().for_each(fix_tuples),
        _ => {}
    }
}

/// What the derived document cannot say, patched in: the statuses every
/// operation can answer (authentication, rate limits, bodies, queries,
/// unknown ids), and the rules of [`SEMANTIC`] on their 422 answers.
fn refine(doc: &mut Value) {
    fix_tuples(doc);
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        // A certifier token names its facilities; other roles name none.
        if let Some(s) = schemas
            .get_mut("CreateTokenRequest")
            .and_then(Value::as_object_mut)
        {
            s.insert(
                "oneOf".into(),
                json!([
                    {"required": ["facilities"], "properties": {"role": {"const": "certifier"}, "facilities": {"minItems": 1}}},
                    {"properties": {"role": {"enum": ["issuer-admin", "auditor"]}, "facilities": {"maxItems": 0}}},
                ]),
            );
        }
        // A citizen proves who they are with a date of birth or a phone number.
        if let Some(s) = schemas
            .get_mut("CitizenRequest")
            .and_then(Value::as_object_mut)
        {
            s.insert(
                "anyOf".into(),
                json!([
                    {"required": ["dob"], "properties": {"dob": {"type": "string"}}},
                    {"required": ["phone"], "properties": {"phone": {"type": "string"}}},
                ]),
            );
        }
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        // The request mirror, as `credential::CertificationRequest` reads
        // it: members with a default are optional but not nullable, and
        // `Lenient` numbers are a number or a string.
        let not_null: &[(&str, &[&str])] = &[
            (
                "Recipient",
                &["gender", "nationality", "identity", "contact", "address"],
            ),
            (
                "Address",
                &[
                    "addressLine1",
                    "addressLine2",
                    "district",
                    "city",
                    "state",
                    "pincode",
                ],
            ),
            (
                "Vaccination",
                &[
                    "batch",
                    "manufacturer",
                    "effectiveStart",
                    "effectiveUntil",
                    "totalDoses",
                ],
            ),
            ("RequestFacility", &["address"]),
        ];
        for (schema, members) in not_null {
            for member in *members {
                let Some(property) = schemas
                    .get_mut(*schema)
                    .and_then(|s| s.pointer_mut(&format!("/properties/{member}")))
                else {
                    continue;
                };
                if let Some(Value::Array(types)) = property.get("type").cloned() {
                    let kept: Vec<Value> = types.into_iter().filter(|t| t != "null").collect();
                    let single = match kept.as_slice() {
                        [only] => Some(only.clone()),
                        _ => None,
                    };
                    if let Some(property) = property.as_object_mut() {
                        property.insert("type".into(), single.unwrap_or(Value::Array(kept)));
                    }
                }
                if let Some(Value::Array(branches)) = property.get("oneOf").cloned() {
                    let kept: Vec<Value> = branches
                        .into_iter()
                        .filter(|b| b.get("type") != Some(&json!("null")))
                        .collect();
                    if let [only] = kept.as_slice() {
                        *property = only.clone();
                    }
                }
            }
        }
        let lenient = [
            ("Recipient", "age", true),
            ("Address", "pincode", false),
            ("Vaccination", "dose", false),
            ("Vaccination", "totalDoses", false),
        ];
        for (schema, member, nullable) in lenient {
            if let Some(property) = schemas
                .get_mut(schema)
                .and_then(|s| s.pointer_mut(&format!("/properties/{member}")))
                .and_then(Value::as_object_mut)
            {
                let types = if nullable {
                    json!(["number", "string", "null"])
                } else {
                    json!(["number", "string"])
                };
                property.insert("type".into(), types);
                for bound in ["format", "minimum", "maximum"] {
                    property.remove(bound);
                }
            }
        }
    }
    // A batch has at least one item; a refused batch is a CertifyResponse
    // (every item refused) or an error (not an array, empty, too large).
    if let Some(certify) = doc.pointer_mut("/paths/~1v1~1certify/post") {
        if let Some(schema) = certify.pointer_mut("/requestBody/content/application~1json/schema")
            && let Some(schema) = schema.as_object_mut()
        {
            schema.insert("minItems".into(), json!(1));
        }
        if let Some(schema) = certify.pointer_mut("/responses/422/content/application~1json/schema")
        {
            *schema = json!({"anyOf": [
                {"$ref": "#/components/schemas/CertifyResponse"},
                {"$ref": "#/components/schemas/ErrorBody"},
            ]});
        }
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            let authenticated = operation
                .get("security")
                .and_then(Value::as_array)
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            let has_body = operation.get("requestBody").is_some();
            let params: Vec<String> = operation
                .get("parameters")
                .and_then(Value::as_array)
                .map(|ps| {
                    ps.iter()
                        .filter_map(|p| p.get("in").and_then(Value::as_str).map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let Some(responses) = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            let mut add = |status: &str, description: &str| {
                responses
                    .entry(status)
                    .or_insert_with(|| error_response(description));
            };
            if authenticated {
                add(
                    "401",
                    "`unauthenticated`: no bearer token, or an unknown, expired or revoked one",
                );
                add(
                    "403",
                    "`forbidden`: the token's role or facilities do not allow this",
                );
                add("429", "`rate_limited`: over the token's rate; retry later");
            }
            if has_body {
                add("400", "`invalid_body`: the body is not JSON");
                add(
                    "413",
                    "`body_too_large`: the body is over the route's limit",
                );
                add(
                    "415",
                    "`unsupported_media_type`: the body is not `application/json`",
                );
                add(
                    "422",
                    "`invalid_body`: the body is not what the schema says",
                );
            }
            if params.iter().any(|p| p == "query") {
                add(
                    "400",
                    "`invalid_query`: a query parameter is not of its type",
                );
                add("422", "a query parameter is out of its range");
            }
            if params.iter().any(|p| p == "path") {
                add("404", "`not_found`: nothing has this id");
            }
            if let Some((_, _, codes, why)) = SEMANTIC
                .iter()
                .find(|(m, p, _, _)| m == method && p == path)
                && let Some(unprocessable) = responses.get_mut("422").and_then(Value::as_object_mut)
            {
                let described = unprocessable
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                unprocessable.insert(
                    "description".into(),
                    json!(format!(
                        "{described}. Rules JSON Schema cannot express: {why}"
                    )),
                );
                unprocessable.insert("x-semantic-errors".into(), json!(codes));
            }
        }
    }
}

/// The OpenAPI document. The DIVOC-compatible path `/divoc/api/v1/certify`
/// is the same operation as `/v1/certify`.
pub fn document() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null);
    refine(&mut doc);
    doc
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code")]

    use super::*;

    #[test]
    fn document_says_every_status_and_the_rules_schemas_cannot() {
        let doc = document();
        let text = doc.to_string();
        assert!(
            !text.contains("prefixItems"),
            "schemathesis cannot read tuples"
        );
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let responses = &operation["responses"];
                if operation["security"].to_string().contains("bearer") {
                    for status in ["401", "403", "429"] {
                        assert!(responses.get(status).is_some(), "{method} {path} {status}");
                    }
                }
                if operation.get("requestBody").is_some() {
                    for status in ["400", "413", "415", "422"] {
                        assert!(responses.get(status).is_some(), "{method} {path} {status}");
                    }
                }
                for parameter in operation["parameters"].as_array().into_iter().flatten() {
                    let location = parameter["in"].as_str().unwrap();
                    assert!(
                        ["path", "query", "header"].contains(&location),
                        "{method} {path}: {parameter}"
                    );
                    if location == "path" {
                        assert!(responses.get("404").is_some(), "{method} {path}");
                    }
                }
            }
        }
        // Every listed rule lands on an operation that answers 422.
        for (method, path, codes, _) in SEMANTIC {
            assert_eq!(
                doc["paths"][path][method]["responses"]["422"]["x-semantic-errors"],
                json!(codes),
                "{method} {path}"
            );
        }
        let params = &doc["paths"]["/v1/audit"]["get"]["parameters"];
        assert!(
            params
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["in"] == "query"),
            "{params}"
        );
        assert_eq!(
            doc["components"]["schemas"]["CreateTokenRequest"]["oneOf"]
                .as_array()
                .map(Vec::len),
            Some(2)
        );
    }
}
