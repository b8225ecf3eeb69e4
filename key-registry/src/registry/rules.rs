//! Verification rules per verifier profile (a country code such as `IN`,
//! or a name such as `venue-xx`), published as signed rules lists
//! (`credential::RulesList`): checked as verifiers check them before they
//! are stored, versioned per profile, refreshed like every list.

use credential::{Rule, RulesList};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::Registry;
use crate::error::{Error, ErrorCode};
use crate::store::RulesRecord;

/// Publish a profile's rules (replacing what it had).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishRules {
    /// A name for people (`India, entry`); not blank when given.
    #[serde(default)]
    #[schema(
        max_length = 500,
        pattern = "^$|^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    pub name: String,
    /// The rules; all must pass. Each is `{id, text, translations?, require}`
    /// as `credential::Rule` reads it.
    #[schema(value_type = Vec<crate::http::openapi::RuleSchema>, max_items = 64)]
    pub rules: Vec<Rule>,
}

/// A profile's published rules version.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RulesInfo {
    /// The profile.
    pub profile: String,
    /// The version just published.
    pub version: u64,
    /// Where verifiers fetch it: `/v1/rules/<profile>`.
    pub url: String,
}

impl Registry {
    /// Check and publish a profile's rules list; returns its version.
    pub async fn publish_profile_rules(
        &self,
        profile: &str,
        body: PublishRules,
        actor: &str,
    ) -> Result<RulesInfo, Error> {
        let now = self.now();
        // Unique ids: the one rule the request schema cannot express.
        for (i, rule) in body.rules.iter().enumerate() {
            if body
                .rules
                .iter()
                .take(i)
                .any(|earlier| earlier.id == rule.id)
            {
                return Err(Error::client(
                    ErrorCode::DuplicateRuleId,
                    format!("rule {:?}: the id appears more than once", rule.id),
                ));
            }
        }
        // The same checks a verifier applies, before anything is stored.
        RulesList::new(
            1,
            now,
            now,
            profile.to_owned(),
            body.name.clone(),
            body.rules.clone(),
        )
        .map_err(|e| Error::client(ErrorCode::InvalidRules, e.to_string()))?;
        let record = RulesRecord {
            profile: profile.to_owned(),
            name: body.name.clone(),
            rules: serde_json::to_string(&body.rules).map_err(|e| Error::Corrupt(e.to_string()))?,
            updated_at: now.as_millisecond(),
        };
        let mut tx = self.store.begin().await?;
        tx.upsert_rules(&record).await?;
        let version = self.publish_rules(&mut tx, profile).await?;
        tx.audit(
            record.updated_at,
            actor,
            "rules_published",
            Some(&format!("rules:{profile}")),
            &json!({ "version": version, "rules": body.rules.iter().map(|r| &r.id).collect::<Vec<_>>() }),
        )
        .await?;
        tx.commit().await?;
        self.sync().await?;
        Ok(RulesInfo {
            profile: profile.to_owned(),
            version,
            url: format!("/v1/rules/{profile}"),
        })
    }
}
