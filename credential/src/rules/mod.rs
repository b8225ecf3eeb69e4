//! Verification rules: what a border or a venue requires beyond "genuine",
//! as a small declarative list signed by the key registry's anchor.
//!
//! ```json
//! {"payload": {
//!    "type": "VerificationRules", "version": 3, "profile": "IN",
//!    "issuedAt": "2026-11-27T00:00:00Z", "nextUpdate": "2026-11-28T00:00:00Z",
//!    "name": "India, entry",
//!    "rules": [
//!      {"id": "complete", "text": "Vaccination schedule complete (dose n of n)",
//!       "translations": {"hi": "टीकाकरण पूरा"}, "require": "scheduleComplete"},
//!      {"id": "recent", "text": "Last dose within 270 days", "require": {"maxDaysSinceLastDose": 270}},
//!      {"id": "settled", "text": "Last dose at least 14 days ago", "require": {"minDaysSinceLastDose": 14}},
//!      {"id": "vaccines", "text": "An approved vaccine", "require": {"vaccineIn": ["COVISHIELD", "COVAXIN"]}},
//!      {"id": "doses", "text": "At least two doses", "require": {"minDoses": 2}},
//!      {"id": "adult", "text": "Aged 18 or over", "require": {"minAge": 18}},
//!      {"id": "age", "text": "Aged 65 or under", "require": {"maxAge": 65}}]},
//!  "anchor": "<RFC 7638 thumbprint of the anchor key>",
//!  "signature": "<detached JWS, EdDSA, over the JCS bytes of payload>"}
//! ```
//!
//! Deliberately much smaller than the EU DCC's CertLogic (a JsonLogic
//! dialect with arbitrary expressions): every rule is one of seven checks a
//! border actually asks for, so a list can be read by a person, shown
//! rule by rule, and evaluated with no interpreter. A profile is a country
//! code (`IN`) or a verifier profile (`venue-xx`); a verifier applies one
//! profile at a time. Each rule has a stable `id` (verifiers translate the
//! text by id, or use the list's own `translations`) and an English `text`.
//!
//! The list only describes the rules; evaluating them against a verified
//! certificate is the verifier's job (`verifier-wasm`), and its outcome is
//! reported beside the verdict, never instead of it.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::signed::{self, EnvelopeError};
use crate::{PrivateKey, PublicKey};

/// The largest signed rules list accepted, in bytes.
pub const MAX_RULES_LIST_BYTES: usize = 256 << 10;
/// Most rules in one list.
pub const MAX_RULES: usize = 64;
/// Longest rule id and profile name, in bytes (ASCII).
pub const MAX_ID_LEN: usize = 64;
/// Longest rule text or list name, in characters.
pub const MAX_TEXT_CHARS: usize = 500;
/// Most translations per rule.
pub const MAX_TRANSLATIONS: usize = 32;
/// Most vaccine names in an allow-list.
pub const MAX_VACCINES: usize = 128;
/// Longest vaccine name, in characters.
pub const MAX_VACCINE_CHARS: usize = 128;
/// Largest dose count a rule may require.
pub const MAX_DOSES: u32 = 20;
/// Largest number of days a rule may name (100 years).
pub const MAX_DAYS: u32 = 36_500;
/// Largest age a rule may name.
pub const MAX_AGE: u32 = 150;

const TYPE: &str = "VerificationRules";

/// Why a rules list was refused.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RulesListError {
    /// Larger than [`MAX_RULES_LIST_BYTES`].
    #[error("rules list is {len} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// Not a well-formed rules list.
    #[error("malformed rules list: {reason}")]
    Malformed {
        /// What is wrong.
        reason: String,
    },
    /// Signed by a key this verifier does not pin.
    #[error("rules list is signed by an unknown anchor (key thumbprint {thumbprint})")]
    UnknownAnchor {
        /// The thumbprint the list names.
        thumbprint: String,
    },
    /// The anchor's signature does not match.
    #[error("rules list signature is invalid")]
    BadSignature,
    /// Older than the list of the same profile already held.
    #[error("rules list version {offered} is older than version {held} already held")]
    Rollback {
        /// The version offered.
        offered: u64,
        /// The version held.
        held: u64,
    },
    /// One rule is unusable.
    #[error("rule {id:?}: {reason}")]
    InvalidRule {
        /// The rule's id (cut short if it is itself the problem).
        id: String,
        /// What is wrong.
        reason: String,
    },
}

impl From<EnvelopeError> for RulesListError {
    fn from(e: EnvelopeError) -> Self {
        match e {
            EnvelopeError::TooLarge { len, limit } => Self::TooLarge { len, limit },
            EnvelopeError::Malformed(reason) => Self::Malformed { reason },
            EnvelopeError::WrongType { expected, found } => Self::Malformed {
                reason: format!("type is {found:?}, expected {expected}"),
            },
            EnvelopeError::UnknownAnchor(thumbprint) => Self::UnknownAnchor { thumbprint },
            EnvelopeError::BadSignature => Self::BadSignature,
        }
    }
}

/// What one rule requires of a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum Condition {
    /// The dose number is at least this (`{"minDoses": 2}`).
    MinDoses(u32),
    /// The dose completes its schedule: dose n of n (`"scheduleComplete"`).
    ScheduleComplete,
    /// The dose was given at most this many days ago.
    MaxDaysSinceLastDose(u32),
    /// The dose was given at least this many days ago.
    MinDaysSinceLastDose(u32),
    /// The vaccine is one of these names (compared without regard to case).
    VaccineIn(Vec<String>),
    /// The holder is at least this old, in whole years.
    MinAge(u32),
    /// The holder is at most this old, in whole years.
    MaxAge(u32),
}

/// One rule: a stable id, an English text, optional translations and the
/// condition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rule {
    /// Stable id (`[A-Za-z0-9][A-Za-z0-9._-]*`, at most [`MAX_ID_LEN`]):
    /// verifiers translate the text by it.
    pub id: String,
    /// What the rule asks, in English, for the person at the border.
    pub text: String,
    /// The text in other languages, by BCP 47 tag (`hi`, `pt-BR`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub translations: BTreeMap<String, String>,
    /// The condition.
    pub require: Condition,
}

/// A verified, parsed rules list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulesList {
    /// Monotonic version, per profile.
    pub version: u64,
    /// When the registry issued it.
    pub issued_at: Timestamp,
    /// When a fresher list is due.
    pub next_update: Timestamp,
    /// The verifier profile: a country code (`IN`) or a name (`venue-xx`).
    pub profile: String,
    /// A name for people (`India, entry`), possibly empty.
    pub name: String,
    /// The rules, all of which must pass.
    pub rules: Vec<Rule>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WireList {
    #[serde(rename = "type")]
    kind: String,
    version: u64,
    issued_at: Timestamp,
    next_update: Timestamp,
    profile: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    name: String,
    rules: Vec<Rule>,
}

/// Whether a profile name is acceptable: 1 to [`MAX_ID_LEN`] ASCII
/// letters, digits, `_` and `-`, starting with a letter or digit.
pub fn is_valid_profile(profile: &str) -> bool {
    is_id(profile, b"_-")
}

fn is_id(text: &str, extra: &[u8]) -> bool {
    let bytes = text.as_bytes();
    matches!(bytes.first(), Some(b) if b.is_ascii_alphanumeric())
        && bytes.len() <= MAX_ID_LEN
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || extra.contains(b))
}

/// A BCP 47-looking tag: 2-3 lowercase letters, then `-` and 1-8
/// alphanumerics, at most 35 bytes.
fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or_default();
    tag.len() <= 35
        && (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// At most `max` characters, not blank, no control characters. Blank is
/// all white space as JSON Schema patterns (ECMA-262 `\s`) see it, so a
/// service can describe this check exactly.
fn check_text(text: &str, max: usize) -> Result<(), String> {
    let ecma_space = |c: char| {
        matches!(
            c,
            '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
                ..='\u{200a}'
                    | '\u{2028}'
                    | '\u{2029}'
                    | '\u{202f}'
                    | '\u{205f}'
                    | '\u{3000}'
                    | '\u{feff}'
        )
    };
    if text.chars().all(ecma_space) {
        return Err("text is empty".to_owned());
    }
    if text.chars().count() > max {
        return Err(format!("text is over {max} characters"));
    }
    if text.chars().any(char::is_control) {
        return Err("text holds control characters".to_owned());
    }
    Ok(())
}

/// An id fit for an error message: attacker strings are cut short.
fn shown(id: &str) -> String {
    id.chars().take(MAX_ID_LEN).collect()
}

fn check_rule(rule: &Rule) -> Result<(), RulesListError> {
    let invalid = |reason: String| RulesListError::InvalidRule {
        id: shown(&rule.id),
        reason,
    };
    if !is_id(&rule.id, b"._-") {
        return Err(invalid(format!(
            "the id must be 1 to {MAX_ID_LEN} letters, digits, '.', '_' or '-', starting with a letter or digit"
        )));
    }
    check_text(&rule.text, MAX_TEXT_CHARS).map_err(invalid)?;
    if rule.translations.len() > MAX_TRANSLATIONS {
        return Err(invalid(format!(
            "more than {MAX_TRANSLATIONS} translations"
        )));
    }
    for (tag, text) in &rule.translations {
        if !is_language_tag(tag) {
            return Err(invalid(format!(
                "translation key {:?} is not a language tag",
                shown(tag)
            )));
        }
        check_text(text, MAX_TEXT_CHARS).map_err(|e| invalid(format!("translation {tag}: {e}")))?;
    }
    match &rule.require {
        Condition::MinDoses(n) if !(1..=MAX_DOSES).contains(n) => Err(invalid(format!(
            "minDoses must be between 1 and {MAX_DOSES}"
        ))),
        Condition::MaxDaysSinceLastDose(d) | Condition::MinDaysSinceLastDose(d)
            if *d > MAX_DAYS =>
        {
            Err(invalid(format!("days must be at most {MAX_DAYS}")))
        }
        Condition::MinAge(a) | Condition::MaxAge(a) if *a > MAX_AGE => {
            Err(invalid(format!("ages must be at most {MAX_AGE}")))
        }
        Condition::VaccineIn(names) => {
            if names.is_empty() || names.len() > MAX_VACCINES {
                return Err(invalid(format!(
                    "vaccineIn must name 1 to {MAX_VACCINES} vaccines"
                )));
            }
            for name in names {
                check_text(name, MAX_VACCINE_CHARS)
                    .map_err(|e| invalid(format!("vaccine name: {e}")))?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

impl RulesList {
    /// A new list (for the registry and tests), checked as [`Self::verify`]
    /// checks a received one.
    pub fn new(
        version: u64,
        issued_at: Timestamp,
        next_update: Timestamp,
        profile: String,
        name: String,
        rules: Vec<Rule>,
    ) -> Result<Self, RulesListError> {
        if !is_valid_profile(&profile) {
            return Err(RulesListError::Malformed {
                reason: format!(
                    "profile {:?} must be 1 to {MAX_ID_LEN} letters, digits, '_' or '-'",
                    shown(&profile)
                ),
            });
        }
        if !name.is_empty() {
            check_text(&name, MAX_TEXT_CHARS).map_err(|reason| RulesListError::Malformed {
                reason: format!("name: {reason}"),
            })?;
        }
        if rules.len() > MAX_RULES {
            return Err(RulesListError::Malformed {
                reason: format!("more than {MAX_RULES} rules"),
            });
        }
        for (i, rule) in rules.iter().enumerate() {
            check_rule(rule)?;
            if rules.iter().take(i).any(|earlier| earlier.id == rule.id) {
                return Err(RulesListError::InvalidRule {
                    id: shown(&rule.id),
                    reason: "the id appears more than once".to_owned(),
                });
            }
        }
        Ok(Self {
            version,
            issued_at,
            next_update,
            profile,
            name,
            rules,
        })
    }

    /// Open a signed rules list: check size, anchor, signature, structure
    /// and every rule. `held` is the profile and version a verifier holds:
    /// a list of that profile older than it is refused as a rollback.
    pub fn verify(
        bytes: &[u8],
        anchors: &[PublicKey],
        held: Option<(&str, u64)>,
    ) -> Result<Self, RulesListError> {
        let payload = signed::open(bytes, anchors, TYPE, MAX_RULES_LIST_BYTES)?;
        let wire: WireList =
            serde_json::from_value(payload).map_err(|e| RulesListError::Malformed {
                reason: e.to_string(),
            })?;
        if let Some((profile, version)) = held
            && profile == wire.profile
            && wire.version < version
        {
            return Err(RulesListError::Rollback {
                offered: wire.version,
                held: version,
            });
        }
        Self::new(
            wire.version,
            wire.issued_at,
            wire.next_update,
            wire.profile,
            wire.name,
            wire.rules,
        )
    }

    /// Sign with the trust anchor's key: the bytes to publish.
    pub fn sign(&self, anchor: &PrivateKey) -> Result<Vec<u8>, crate::Error> {
        let wire = WireList {
            kind: TYPE.to_owned(),
            version: self.version,
            issued_at: self.issued_at,
            next_update: self.next_update,
            profile: self.profile.clone(),
            name: self.name.clone(),
            rules: self.rules.clone(),
        };
        let payload = serde_json::to_value(wire).map_err(|e| RulesListError::Malformed {
            reason: e.to_string(),
        })?;
        signed::seal(payload, anchor)
    }

    /// Past `next_update`: a fresher list should exist.
    pub fn is_stale(&self, now: Timestamp) -> bool {
        now > self.next_update
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn rule(id: &str, require: Condition) -> Rule {
        Rule {
            id: id.into(),
            text: format!("rule {id}"),
            translations: BTreeMap::new(),
            require,
        }
    }

    fn list(version: u64, rules: Vec<Rule>) -> RulesList {
        RulesList::new(
            version,
            ts("2026-11-27T00:00:00Z"),
            ts("2026-11-28T00:00:00Z"),
            "IN".into(),
            "India, entry".into(),
            rules,
        )
        .unwrap()
    }

    #[test]
    fn a_signed_list_round_trips_and_rollbacks_are_refused() {
        let anchor = PrivateKey::from_ed25519_seed(&[3; 32]);
        let mut translated = rule("complete", Condition::ScheduleComplete);
        translated
            .translations
            .insert("hi".into(), "टीकाकरण पूरा".into());
        let original = list(
            5,
            vec![
                translated,
                rule("doses", Condition::MinDoses(2)),
                rule("recent", Condition::MaxDaysSinceLastDose(270)),
                rule("settled", Condition::MinDaysSinceLastDose(14)),
                rule(
                    "vaccines",
                    Condition::VaccineIn(vec!["COVISHIELD".into(), "COVAXIN".into()]),
                ),
                rule("adult", Condition::MinAge(18)),
                rule("age", Condition::MaxAge(65)),
            ],
        );
        let bytes = original.sign(&anchor).unwrap();
        let text = std::str::from_utf8(&bytes).unwrap();
        assert!(text.contains(r#""require":"scheduleComplete""#), "{text}");
        assert!(text.contains(r#""require":{"minDoses":2}"#), "{text}");
        let anchors = [anchor.public_key()];
        let read = RulesList::verify(&bytes, &anchors, None).unwrap();
        assert_eq!(read, original);
        // Same version held: fine; newer of the same profile: a rollback;
        // a newer list of another profile does not count.
        assert!(RulesList::verify(&bytes, &anchors, Some(("IN", 5))).is_ok());
        assert!(matches!(
            RulesList::verify(&bytes, &anchors, Some(("IN", 6))),
            Err(RulesListError::Rollback {
                offered: 5,
                held: 6
            })
        ));
        assert!(RulesList::verify(&bytes, &anchors, Some(("venue-xx", 9))).is_ok());
    }

    #[test]
    fn wrong_anchor_tampering_and_other_list_types_are_refused() {
        let anchor = PrivateKey::from_ed25519_seed(&[3; 32]);
        let other = PrivateKey::from_ed25519_seed(&[4; 32]);
        let bytes = list(1, vec![rule("doses", Condition::MinDoses(2))])
            .sign(&anchor)
            .unwrap();
        assert!(matches!(
            RulesList::verify(&bytes, &[other.public_key()], None),
            Err(RulesListError::UnknownAnchor { .. })
        ));
        let tampered = String::from_utf8(bytes)
            .unwrap()
            .replace(r#"{"minDoses":2}"#, r#"{"minDoses":1}"#);
        assert!(matches!(
            RulesList::verify(tampered.as_bytes(), &[anchor.public_key()], None),
            Err(RulesListError::BadSignature)
        ));
        // A trust list is not a rules list, even signed by the anchor.
        let trust = crate::TrustList::new(
            1,
            ts("2026-11-27T00:00:00Z"),
            ts("2026-11-28T00:00:00Z"),
            vec![],
            vec![],
        )
        .unwrap()
        .sign(&anchor)
        .unwrap();
        assert!(matches!(
            RulesList::verify(&trust, &[anchor.public_key()], None),
            Err(RulesListError::Malformed { .. })
        ));
    }

    #[test]
    fn malformed_rules_say_which_and_why() {
        let new = |rules: Vec<Rule>| {
            RulesList::new(
                1,
                ts("2026-11-27T00:00:00Z"),
                ts("2026-11-28T00:00:00Z"),
                "IN".into(),
                String::new(),
                rules,
            )
        };
        let err = new(vec![rule("a", Condition::MinDoses(0))]).unwrap_err();
        assert!(
            matches!(err, RulesListError::InvalidRule { ref id, .. } if id == "a"),
            "{err}"
        );
        assert!(
            new(vec![
                rule("a", Condition::MinDoses(2)),
                rule("a", Condition::MinAge(3))
            ])
            .is_err()
        );
        assert!(new(vec![rule("bad id", Condition::MinAge(3))]).is_err());
        assert!(new(vec![rule("a", Condition::VaccineIn(vec![]))]).is_err());
        assert!(new(vec![rule("a", Condition::MaxAge(MAX_AGE + 1))]).is_err());
        assert!(
            new(vec![rule(
                "a",
                Condition::MaxDaysSinceLastDose(MAX_DAYS + 1)
            )])
            .is_err()
        );
        let mut bad_tag = rule("a", Condition::MinAge(3));
        bad_tag.translations.insert("Hindi!".into(), "x".into());
        assert!(new(vec![bad_tag]).is_err());
        let mut blank = rule("a", Condition::MinAge(3));
        blank.text = "  ".into();
        assert!(new(vec![blank]).is_err());
        let too_many = (0..=MAX_RULES)
            .map(|i| rule(&format!("r{i}"), Condition::MinAge(1)))
            .collect();
        assert!(new(too_many).is_err());
        assert!(
            RulesList::new(
                1,
                ts("2026-11-27T00:00:00Z"),
                ts("2026-11-28T00:00:00Z"),
                "no spaces".into(),
                String::new(),
                vec![]
            )
            .is_err()
        );
        // Unknown members and conditions are refused by the parser.
        assert!(
            serde_json::from_str::<Rule>(r#"{"id":"a","text":"t","require":{"minDoses":2},"x":1}"#)
                .is_err()
        );
        assert!(
            serde_json::from_str::<Rule>(r#"{"id":"a","text":"t","require":{"maxDoses":2}}"#)
                .is_err()
        );
    }
}
