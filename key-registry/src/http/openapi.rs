//! The OpenAPI 3 document, generated from the handlers' annotations.
//!
//! Request schemas are as strict as the server: `additionalProperties:
//! false` where unknown members are refused, lengths and patterns as
//! checked. The rules of a rules list are `credential::Rule`, which lives
//! in a crate without OpenAPI support; [`RuleSchema`] mirrors it, and a
//! test checks the mirror against the real type.

#![allow(
    dead_code,
    missing_debug_implementations,
    reason = "the mirror types exist only for their schemas"
)]

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use super::{admin, ingest, lists, ops};

/// One verification rule: `{id, text, translations?, require}`.
#[derive(ToSchema)]
#[schema(as = Rule)]
#[serde(deny_unknown_fields)]
pub struct RuleSchema {
    /// Stable id (verifiers translate by it).
    #[schema(pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    id: String,
    /// The rule in English.
    #[schema(min_length = 1, max_length = 500)]
    text: String,
    /// The text by BCP 47 language tag.
    #[schema(value_type = Option<Object>)]
    translations: Option<std::collections::BTreeMap<String, String>>,
    /// The condition: `"scheduleComplete"`, or one of `{"minDoses": n}`,
    /// `{"maxDaysSinceLastDose": d}`, `{"minDaysSinceLastDose": d}`,
    /// `{"vaccineIn": [names]}`, `{"minAge": years}`, `{"maxAge": years}`.
    require: ConditionSchema,
}

/// A rule's condition (limits: minDoses 1 to 20, days at most 36,500,
/// ages at most 150, 1 to 128 vaccine names).
#[derive(ToSchema)]
#[schema(as = Condition)]
#[serde(rename_all = "camelCase")]
pub enum ConditionSchema {
    /// The dose number is at least n.
    MinDoses(u32),
    /// Dose n of n.
    ScheduleComplete,
    /// The dose was given at most d days ago.
    MaxDaysSinceLastDose(u32),
    /// The dose was given at least d days ago.
    MinDaysSinceLastDose(u32),
    /// The vaccine is one of these.
    VaccineIn(Vec<String>),
    /// At least this old.
    MinAge(u32),
    /// At most this old.
    MaxAge(u32),
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
