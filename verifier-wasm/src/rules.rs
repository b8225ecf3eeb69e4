//! Evaluating a verifier profile's rules (`credential::RulesList`) against
//! the facts of a certificate that verified: a pure function, no I/O, so it
//! runs the same in the CLI, the browser and tests.
//!
//! A rule whose fact the certificate does not give (no birth date or age for
//! `minAge`, no dose date for `maxDaysSinceLastDose`) is *not met*: a rule
//! that cannot be established does not pass. Dates are compared as UTC
//! calendar days; ages are whole years at `now` from the birth date, or the
//! age the certificate states when it gives no birth date (DIVOC's `age`,
//! as of issuance: it can only have grown since, so `minAge` is decided
//! safely and `maxAge` generously).

use credential::{RuleCondition, RulesList};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

/// What the rules need to know about a certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// The dose number this certificate is for.
    pub dose: Option<u32>,
    /// Doses in the schedule.
    pub total_doses: Option<u32>,
    /// When the dose was given (UTC calendar days): the earliest and the
    /// latest day the signature allows. One day when the credential binds
    /// its vaccination date; a range when it cannot be told apart from
    /// other signed dates (DIVOC), and then a rule must hold for both ends.
    pub vaccination_date: Option<(Date, Date)>,
    /// The names that may be the vaccine's: its product name when the
    /// credential binds it, else every signed value that can hold it
    /// (DIVOC's shared `schema:id`). A vaccine rule passes when one of them
    /// is allowed: no name the issuer did not sign can get in.
    pub vaccines: Vec<String>,
    /// The holder's birth date.
    pub birth_date: Option<Date>,
    /// The holder's age as the certificate states it.
    pub age: Option<u32>,
}

/// The outcome of a profile's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RulesStatus {
    /// Every rule is met.
    Passed,
    /// At least one rule is not met.
    NotMet,
}

/// A rule that was not met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedRule {
    /// The rule's id (translate by it).
    pub id: String,
    /// The rule's English text.
    pub text: String,
}

/// What the rules said: serialized as `{status: passed|not_met, failed: [{id, text}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RulesOutcome {
    /// Passed or not met.
    pub status: RulesStatus,
    /// The rules not met, in the list's order.
    pub failed: Vec<FailedRule>,
}

/// Evaluate every rule of `rules` against `facts` at `now`.
pub fn evaluate(rules: &RulesList, facts: &Facts, now: Timestamp) -> RulesOutcome {
    let today = jiff::tz::Offset::UTC.to_datetime(now).date();
    let today_number = now.as_second().div_euclid(SECONDS_PER_DAY);
    let failed: Vec<FailedRule> = rules
        .rules
        .iter()
        .filter(|rule| !is_met(&rule.require, facts, today, today_number))
        .map(|rule| FailedRule {
            id: rule.id.clone(),
            text: rule.text.clone(),
        })
        .collect();
    RulesOutcome {
        status: if failed.is_empty() {
            RulesStatus::Passed
        } else {
            RulesStatus::NotMet
        },
        failed,
    }
}

fn is_met(condition: &RuleCondition, facts: &Facts, today: Date, today_number: i64) -> bool {
    match condition {
        RuleCondition::MinDoses(n) => facts.dose.is_some_and(|dose| dose >= *n),
        RuleCondition::ScheduleComplete => match (facts.dose, facts.total_doses) {
            (Some(dose), Some(total)) => total > 0 && dose >= total,
            _ => false,
        },
        // Within `max` days: even the earliest day the signature allows.
        RuleCondition::MaxDaysSinceLastDose(max) => days_since(
            facts.vaccination_date.map(|(earliest, _)| earliest),
            today_number,
        )
        .is_some_and(|d| d <= i64::from(*max)),
        // At least `min` days: even since the latest day the signature allows.
        RuleCondition::MinDaysSinceLastDose(min) => days_since(
            facts.vaccination_date.map(|(_, latest)| latest),
            today_number,
        )
        .is_some_and(|d| d >= i64::from(*min)),
        RuleCondition::VaccineIn(allowed) => facts.vaccines.iter().any(|name| {
            let name = name.trim();
            allowed.iter().any(|a| a.trim().eq_ignore_ascii_case(name))
        }),
        RuleCondition::MinAge(min) => age(facts, today).is_some_and(|a| a >= i64::from(*min)),
        RuleCondition::MaxAge(max) => age(facts, today).is_some_and(|a| a <= i64::from(*max)),
    }
}

const SECONDS_PER_DAY: i64 = 86_400;

/// Whole days from the dose to today (day numbers since the epoch, not
/// jiff's span arithmetic, which would add kilobytes to the wasm module);
/// a dose dated in the future is no dose yet (`None`).
fn days_since(date: Option<Date>, today: i64) -> Option<i64> {
    let midnight = jiff::tz::Offset::UTC
        .to_timestamp(date?.to_datetime(jiff::civil::Time::midnight()))
        .ok()?;
    let days = today - midnight.as_second().div_euclid(SECONDS_PER_DAY);
    (days >= 0).then_some(days)
}

/// Whole years at `today`: from the birth date, else the stated age.
fn age(facts: &Facts, today: Date) -> Option<i64> {
    match facts.birth_date {
        Some(born) if born <= today => {
            let mut years = i64::from(today.year()) - i64::from(born.year());
            if (today.month(), today.day()) < (born.month(), born.day()) {
                years -= 1;
            }
            Some(years)
        }
        Some(_) => None,
        None => facts.age.map(i64::from),
    }
}

/// A calendar day from a date or date-time text (`2021-05-01`,
/// `2021-05-01T10:00:00Z`, with any offset): the UTC day.
pub fn parse_day(text: &str) -> Option<Date> {
    let text = text.trim();
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(jiff::tz::Offset::UTC.to_datetime(ts).date());
    }
    text.get(..10)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use credential::Rule;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn day(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn rules(conditions: Vec<RuleCondition>) -> RulesList {
        RulesList::new(
            1,
            ts("2026-01-01T00:00:00Z"),
            ts("2026-01-02T00:00:00Z"),
            "IN".into(),
            String::new(),
            conditions
                .into_iter()
                .enumerate()
                .map(|(i, require)| Rule {
                    id: format!("r{i}"),
                    text: format!("rule {i}"),
                    translations: Default::default(),
                    require,
                })
                .collect(),
        )
        .unwrap()
    }

    fn facts() -> Facts {
        Facts {
            dose: Some(1),
            total_doses: Some(2),
            vaccination_date: Some((day("2026-03-01"), day("2026-03-01"))),
            vaccines: vec!["COVISHIELD".into()],
            birth_date: Some(day("2008-06-15")),
            age: None,
        }
    }

    fn failed(list: &RulesList, facts: &Facts, now: &str) -> Vec<String> {
        evaluate(list, facts, ts(now))
            .failed
            .into_iter()
            .map(|f| f.id)
            .collect()
    }

    #[test]
    fn doses_and_schedule() {
        let list = rules(vec![
            RuleCondition::MinDoses(2),
            RuleCondition::ScheduleComplete,
            RuleCondition::MinDoses(1),
        ]);
        let now = "2026-04-01T00:00:00Z";
        assert_eq!(failed(&list, &facts(), now), ["r0", "r1"]);
        let second = Facts {
            dose: Some(2),
            ..facts()
        };
        assert!(failed(&list, &second, now).is_empty());
        assert_eq!(
            evaluate(&list, &second, ts(now)).status,
            RulesStatus::Passed
        );
        // No dose facts: not established, not met.
        let unknown = Facts {
            dose: None,
            total_doses: None,
            ..facts()
        };
        assert_eq!(failed(&list, &unknown, now), ["r0", "r1", "r2"]);
    }

    #[test]
    fn days_since_the_dose_count_whole_utc_days_at_both_edges() {
        let list = rules(vec![
            RuleCondition::MinDaysSinceLastDose(14),
            RuleCondition::MaxDaysSinceLastDose(30),
        ]);
        // Dose on 1 March: day 13, 14, 30, 31 after it.
        assert_eq!(failed(&list, &facts(), "2026-03-14T23:59:59Z"), ["r0"]);
        assert!(failed(&list, &facts(), "2026-03-15T00:00:00Z").is_empty());
        assert!(failed(&list, &facts(), "2026-03-31T12:00:00Z").is_empty());
        assert_eq!(failed(&list, &facts(), "2026-04-01T00:00:00Z"), ["r1"]);
        // A dose dated after "now" is not a dose yet.
        assert_eq!(
            failed(&list, &facts(), "2026-02-01T00:00:00Z"),
            ["r0", "r1"]
        );
    }

    #[test]
    fn a_date_range_must_meet_each_rule_at_its_unsafe_end() {
        let list = rules(vec![
            RuleCondition::MinDaysSinceLastDose(14),
            RuleCondition::MaxDaysSinceLastDose(30),
        ]);
        // The dose is on 1 March or on 20 March: nothing tells which.
        let unsure = Facts {
            vaccination_date: Some((day("2026-03-01"), day("2026-03-20"))),
            ..facts()
        };
        // 25 March: 24 days since the earliest, 5 since the latest.
        assert_eq!(failed(&list, &unsure, "2026-03-25T00:00:00Z"), ["r0"]);
        // 3 April: 14 days since the latest, 33 since the earliest.
        assert_eq!(failed(&list, &unsure, "2026-04-03T00:00:00Z"), ["r1"]);
    }

    #[test]
    fn vaccines_compare_without_case_and_ages_count_birthdays() {
        let list = rules(vec![
            RuleCondition::VaccineIn(vec!["covishield".into(), "COVAXIN".into()]),
            RuleCondition::MinAge(18),
            RuleCondition::MaxAge(65),
        ]);
        // Born 15 June 2008: 17 on 14 June 2026, 18 on the 15th.
        assert_eq!(failed(&list, &facts(), "2026-06-14T12:00:00Z"), ["r1"]);
        assert!(failed(&list, &facts(), "2026-06-15T00:00:00Z").is_empty());
        let other = Facts {
            vaccines: vec!["Sputnik V".into()],
            ..facts()
        };
        assert_eq!(failed(&list, &other, "2026-07-01T00:00:00Z"), ["r0"]);
        // Only a stated age.
        let stated = Facts {
            birth_date: None,
            age: Some(70),
            ..facts()
        };
        assert_eq!(failed(&list, &stated, "2026-07-01T00:00:00Z"), ["r2"]);
        let nothing = Facts {
            birth_date: None,
            age: None,
            ..facts()
        };
        assert_eq!(
            failed(&list, &nothing, "2026-07-01T00:00:00Z"),
            ["r1", "r2"]
        );
    }

    #[test]
    fn days_parse_from_dates_and_date_times() {
        assert_eq!(parse_day("2021-05-01"), Some(day("2021-05-01")));
        assert_eq!(
            parse_day("2021-05-01T23:30:00-02:00"),
            Some(day("2021-05-02"))
        );
        assert_eq!(
            parse_day("2021-05-01T10:00:00.000Z"),
            Some(day("2021-05-01"))
        );
        assert_eq!(parse_day("yesterday"), None);
        assert_eq!(parse_day(""), None);
        assert_eq!(parse_day("2021-13-01"), None);
    }
}
