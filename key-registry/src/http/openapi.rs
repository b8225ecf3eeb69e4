//! The OpenAPI 3 document, generated from the handlers' annotations.
//!
//! Request schemas are as strict as the server: `additionalProperties:
//! false` where unknown members are refused, lengths and patterns as
//! checked. The rules of a rules list are `credential::Rule`, which lives
//! in a crate without OpenAPI support; [`RuleSchema`] describes it by hand,
//! and a test checks the description against the real type.

#![allow(
    missing_debug_implementations,
    reason = "the schema types exist only for their schemas"
)]
#![allow(
    unused_qualifications,
    reason = "utoipa's generated code for components(...) qualifies paths"
)]

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

/// The OpenAPI document.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
