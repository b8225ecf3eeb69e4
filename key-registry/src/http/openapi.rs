//! The OpenAPI 3 document, generated from the handlers' annotations.
//!
//! Request schemas are as strict as the server: `additionalProperties:
//! false` where unknown members are refused, lengths and patterns as
//! checked, `oneOf` where exactly one of two members is taken. The rules of
//! a rules list are `credential::Rule`, which lives in a crate without
//! OpenAPI support; [`RuleSchema`] describes it by hand, and a test checks
//! the description against the real type.
//!
//! What JSON Schema cannot say (a key that must parse, a context that must
//! be JSON-LD, unique rule ids, a URL that must answer) is listed per
//! operation in [`SEMANTIC`]: its 422 answer names those error codes in
//! `x-semantic-errors`, the only codes a request valid under the schema
//! may be refused with (the contract test, `tests/contracts/`, checks
//! exactly that). Every authenticated operation documents 429.

#![allow(
    missing_debug_implementations,
    reason = "the schema types exist only for their schemas"
)]
#![allow(
    unused_qualifications,
    reason = "utoipa's generated code for components(...) qualifies paths"
)]

use serde_json::{Value, json};
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, ObjectBuilder, OneOfBuilder, Type,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr, Schema};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

use super::{admin, ingest, lists, ops};

/// One verification rule (`credential::Rule`): `{id, text, translations?,
/// require}`, described by hand so the schema is exactly what the server
/// takes (per-condition bounds, language tags as translation keys).
pub struct RuleSchema;

/// A rule's condition (`credential::RuleCondition`).
pub struct ConditionSchema;

fn text(max: usize) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(max))
        .pattern(Some(crate::registry::text::PRINTABLE))
}

fn single(name: &str, value: impl Into<RefOr<Schema>>, description: &str) -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(description))
        .property(name, value)
        .required(name)
        .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        .into()
}

fn bounded(min: u32, max: u32) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(min))
        .maximum(Some(max))
}

impl PartialSchema for ConditionSchema {
    fn schema() -> RefOr<Schema> {
        use credential::rules_limits as l;
        OneOfBuilder::new()
            .description(Some("What a rule requires: \"scheduleComplete\" (dose n of n), or one of minDoses, maxDaysSinceLastDose, minDaysSinceLastDose, vaccineIn, minAge, maxAge."))
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(["scheduleComplete"])),
            )
            .item(single("minDoses", bounded(1, l::MAX_DOSES), "The dose number is at least n."))
            .item(single("maxDaysSinceLastDose", bounded(0, l::MAX_DAYS), "The dose was given at most d days ago."))
            .item(single("minDaysSinceLastDose", bounded(0, l::MAX_DAYS), "The dose was given at least d days ago."))
            .item(single(
                "vaccineIn",
                ArrayBuilder::new()
                    .items(text(l::MAX_VACCINE_CHARS))
                    .min_items(Some(1))
                    .max_items(Some(l::MAX_VACCINES)),
                "The vaccine is one of these names (case ignored).",
            ))
            .item(single("minAge", bounded(0, l::MAX_AGE), "The holder is at least this old."))
            .item(single("maxAge", bounded(0, l::MAX_AGE), "The holder is at most this old."))
            .into()
    }
}

impl ToSchema for ConditionSchema {
    fn name() -> std::borrow::Cow<'static, str> {
        "Condition".into()
    }
}

impl PartialSchema for RuleSchema {
    fn schema() -> RefOr<Schema> {
        use credential::rules_limits as l;
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some("One verification rule: a stable id (translate by it), an English text, optional translations by BCP 47 tag, and the condition."))
            .property(
                "id",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")),
            )
            .required("id")
            .property("text", text(l::MAX_TEXT_CHARS))
            .required("text")
            .property(
                "translations",
                ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .property_names(Some(
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .pattern(Some("^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$"))
                            .max_length(Some(35)),
                    ))
                    .additional_properties(Some(text(l::MAX_TEXT_CHARS)))
                    .max_properties(Some(l::MAX_TRANSLATIONS)),
            )
            .property("require", Ref::from_schema_name("Condition"))
            .required("require")
            .additional_properties(Some(AdditionalProperties::FreeForm(false)))
            .into()
    }
}

impl ToSchema for RuleSchema {
    fn name() -> std::borrow::Cow<'static, str> {
        "Rule".into()
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push(("Condition".to_owned(), ConditionSchema::schema()));
    }
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
                    .description(Some("A registry API token (`hcrt_…`)"))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "key-registry",
        description = "The signed source of trust verifiers sync from: trust list, revocation lists, verification rules, status lists."
    ),
    paths(
        lists::anchor,
        lists::trust_list,
        lists::revocations,
        lists::profiles,
        lists::rules,
        lists::status_list,
        ingest::post_event,
        admin::list_issuers,
        admin::register_issuer,
        admin::get_issuer,
        admin::add_key,
        admin::import_keys,
        admin::retire_key,
        admin::compromise_key,
        admin::publish_rules,
        admin::anchors,
        admin::announce_anchor,
        admin::activate_anchor,
        admin::create_token,
        admin::list_tokens,
        admin::revoke_token,
        admin::audit,
        ops::healthz,
        ops::readyz,
        ops::metrics,
        ops::openapi,
    ),
    components(schemas(RuleSchema, ConditionSchema)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// Rules a request schema cannot express, per operation: the method, the
/// path, the error codes (422) a schema-valid request may be refused
/// with, and why.
pub const SEMANTIC: &[(&str, &str, &[&str], &str)] = &[
    (
        "post",
        "/v1/admin/issuers",
        &["invalid_context"],
        "`invalid_context`: a context document must be a JSON-LD 1.1 context (its term definitions are processed as verifiers process them).",
    ),
    (
        "post",
        "/v1/admin/issuers/{slug}/keys",
        &["invalid_key", "invalid_window"],
        "`invalid_key`: `public_key` must be an Ed25519 or RSA public key the server can read (PEM, base58, multibase, did:key, JWK; not every 32 bytes are an Ed25519 point), `public_key_jwk` a JWK of one. `invalid_window`: `valid_until` must not be before `valid_from`.",
    ),
    (
        "post",
        "/v1/admin/issuers/{slug}/keys/import",
        &["fetch_failed", "invalid_document", "did_mismatch"],
        "`fetch_failed`: the URL (or the did:web's document URL) did not answer 2xx (unreachable, refused, timed out: the message says which; retry when it is up). `invalid_document`: what it answered is not a DID document or key listing of the issuer's DID, is over 256 KB, or holds a registered key id with another key. `did_mismatch`: `did` is not the issuer's DID.",
    ),
    (
        "post",
        "/v1/admin/issuers/{slug}/keys/retire",
        &["unknown_key", "invalid_window"],
        "`unknown_key`: `kid` must be one of the issuer's keys. `invalid_window`: `valid_until` must not be before the key's `valid_from`.",
    ),
    (
        "post",
        "/v1/admin/issuers/{slug}/keys/compromise",
        &["unknown_key"],
        "`unknown_key`: `kid` must be one of the issuer's keys.",
    ),
    (
        "post",
        "/v1/admin/tokens",
        &["reserved_label"],
        "`reserved_label`: the label `bootstrap` is the bootstrap token's.",
    ),
    (
        "put",
        "/v1/admin/rules/{profile}",
        &["duplicate_rule_id"],
        "`duplicate_rule_id`: rule ids must be unique within the list.",
    ),
];

/// Exactly one of two optional members: `{a: <a_type>, b: null or absent}`
/// or the other way round.
fn exactly_one(a: &str, a_type: &str, b: &str, b_type: &str) -> Value {
    json!([
        {"required": [a], "properties": {a: {"type": a_type}, b: {"type": "null"}}},
        {"required": [b], "properties": {b: {"type": b_type}, a: {"type": "null"}}},
    ])
}

/// What the derived schemas cannot say, patched into the document.
fn refine(doc: &mut Value) {
    let error_body = json!({"$ref": "#/components/schemas/ErrorBody"});
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        if let Some(s) = schemas.get_mut("NewKey").and_then(Value::as_object_mut) {
            s.insert(
                "oneOf".into(),
                exactly_one("public_key", "string", "public_key_jwk", "object"),
            );
        }
        if let Some(s) = schemas.get_mut("ImportKeys").and_then(Value::as_object_mut) {
            s.insert(
                "oneOf".into(),
                exactly_one("url", "string", "did", "string"),
            );
        }
        if let Some(s) = schemas
            .get_mut("CreateToken")
            .and_then(Value::as_object_mut)
        {
            s.insert(
                "oneOf".into(),
                json!([
                    {"properties": {"role": {"const": "registry-admin"}, "issuer": {"type": "null"}}},
                    {"required": ["issuer"], "properties": {"role": {"const": "issuer"}, "issuer": {"type": "string"}}},
                ]),
            );
        }
        if let Some(document) = schemas
            .get_mut("ContextInput")
            .and_then(|s| s.pointer_mut("/properties/document"))
        {
            *document = json!({
                "type": "object",
                "description": "The context document: an object with an `@context` member, a JSON-LD 1.1 context.",
                "required": ["@context"],
            });
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
            let Some(responses) = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            if authenticated {
                responses.entry("429").or_insert_with(|| {
                    json!({
                        "description": "`rate_limited`: over the caller's rate (per token; per issuer for events); retry later",
                        "content": {"application/json": {"schema": error_body.clone()}},
                    })
                });
            }
            if let Some((_, _, codes, why)) = SEMANTIC
                .iter()
                .find(|(m, p, _, _)| m == method && p == path)
                && let Some(unprocessable) = responses.get_mut("422").and_then(Value::as_object_mut)
            {
                unprocessable.insert(
                    "description".into(),
                    json!(format!("The body is not what the schema says, or breaks a rule JSON Schema cannot express: {why}")),
                );
                unprocessable.insert("x-semantic-errors".into(), json!(codes));
            }
        }
    }
}

/// The OpenAPI document.
pub fn document() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null);
    refine(&mut doc);
    doc
}
